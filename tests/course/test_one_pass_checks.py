"""Two small parts of the one-pass autograde (course/steps/autograde.py): a notebook that
is not valid after the sanitize steps is refused there, before any of its code runs
(nbconvert validates again only at the end); and what went wrong as a notebook ran is read
from the JSON the converter wrote, where a stream's text may be a list of lines."""
import json

import nbformat
import pytest

from course.settings import COURSE_ROOT
from course.steps.autograde import _as_read_back, kernel_problems
from course.steps.output_budget import CUT_NOTE

RELEASED = COURSE_ROOT / "release" / "a1_activations" / "activations.ipynb"


def test_a_valid_notebook_passes_and_an_invalid_one_is_refused_before_it_runs():
    notebook = nbformat.read(RELEASED, as_version=4)
    assert _as_read_back(notebook, {})[0] == notebook
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.execution_count = "first"  # what no kernel writes
    with pytest.raises(nbformat.ValidationError):
        _as_read_back(notebook, {})


def test_kernel_problems_are_read_from_the_written_json():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("loop()", outputs=[nbformat.v4.new_output(
            "error", ename="CellTimeoutError", evalue="A cell timed out", traceback=[])]),
        nbformat.v4.new_code_cell("print(x)", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text=f"x\nx\n{CUT_NOTE}: the budget\n")]),
        nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]),
    ])
    written = json.loads(nbformat.writes(notebook))
    assert isinstance(written["cells"][1]["outputs"][0]["text"], list)  # as nbformat writes it
    assert kernel_problems(written) == [
        "A cell timed out", "its outputs passed the notebook's output budget and were cut"]
