"""nbgrader's CheckCellMetadata, validating each distinct cell metadata once per process.

nbgrader's step builds a new validator for every notebook (reading three JSON schemas from
disk) and checks each cell's nbgrader metadata with `jsonschema.validate`, which checks
the schema itself again on every call: ~18 ms of a worker per notebook here. Whether a
cell's metadata is valid depends only on the cell's type and that metadata, and after
OverwriteCells a class's notebooks carry the same metadata, cell for cell. This step runs
nbgrader's code with one validator that remembers the (cell type, metadata) pairs it has
accepted; anything new is checked by nbgrader's own code, and the notebook-wide check
(no grade id twice) runs on every notebook.
"""
import functools
import json

from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata

from course.steps.shared_gradebook import nbgraders_own


class _RemembersValidCells(MetadataValidator):

    def __init__(self):
        super().__init__()
        self.valid: set = set()

    def validate_cell(self, cell) -> None:
        metadata = cell.metadata.get("nbgrader")
        key = (cell.cell_type, json.dumps(metadata, sort_keys=True, default=repr))
        if key not in self.valid:
            super().validate_cell(cell)  # raises for an invalid cell: nothing remembered
            self.valid.add(key)


class CheckCellMetadataOnce(CheckCellMetadata):
    preprocess = nbgraders_own(CheckCellMetadata.preprocess,
                               MetadataValidator=functools.cache(_RemembersValidCells))
