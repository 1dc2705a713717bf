"""CheckCellMetadataOnce accepts and refuses exactly what nbgrader's CheckCellMetadata
does, though it validates each distinct cell metadata once per process."""
import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from course.settings import COURSE_ROOT
from course.steps.check_metadata import CheckCellMetadataOnce

RELEASED = COURSE_ROOT / "source" / "a1_activations" / "activations.ipynb"


def grade_cells(notebook):
    return [cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")]


def broken(how):
    notebook = nbformat.read(RELEASED, as_version=4)
    first, second = grade_cells(notebook)[:2]
    if how == "points missing":
        del first.metadata.nbgrader["points"]
    elif how == "grade id twice":
        second.metadata.nbgrader["grade_id"] = first.metadata.nbgrader["grade_id"]
    elif how == "unknown type of value":
        first.metadata.nbgrader["points"] = "ten"
    elif how == "empty grade id":
        first.metadata.nbgrader["grade_id"] = ""
    return notebook


@pytest.mark.parametrize("how", ["points missing", "grade id twice", "unknown type of value",
                                 "empty grade id"])
def test_what_nbgrader_refuses_is_refused_after_valid_notebooks(how):
    step = CheckCellMetadataOnce()
    valid = nbformat.read(RELEASED, as_version=4)
    for _ in range(2):  # the valid cells are remembered ...
        step.preprocess(copy.deepcopy(valid), {})
    for check in (CheckCellMetadata(), step):  # ... and the broken one still refused
        with pytest.raises(ValidationError):
            check.preprocess(broken(how), {})


def test_a_valid_notebook_passes_both():
    valid = nbformat.read(RELEASED, as_version=4)
    assert grade_cells(valid)
    for check in (CheckCellMetadata(), CheckCellMetadataOnce()):
        check.preprocess(copy.deepcopy(valid), {})
