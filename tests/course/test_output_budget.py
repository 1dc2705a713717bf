"""LimitNotebookOutput: one output budget per notebook, cut visibly, errors and what a
test cell's score depends on always kept."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade
from traitlets.config import Config

from course.steps.output_budget import CUT_NOTE, LimitNotebookOutput
from graders.integrity import MARKER_MIME

BUDGET = 10_000


def limited(*cells):
    config = Config()
    config.LimitNotebookOutput.max_bytes = BUDGET
    notebook = new_notebook(cells=list(cells))
    notebook, _ = LimitNotebookOutput(config=config).preprocess(notebook, {})
    return notebook


def size(notebook) -> int:
    return sum(len(nbformat.writes(nbformat.from_dict({"o": cell.outputs})))
               for cell in notebook.cells)


def answer_cell(*outputs):
    return new_code_cell("...", outputs=list(outputs))


def graded_cell(*outputs, points=1):
    return new_code_cell("...", outputs=list(outputs), metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "locked": True, "points": points,
        "schema_version": 3, "solution": False}})


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def marker():
    return new_output("display_data", data={MARKER_MIME: "check_x token"})


def notes(cell):
    return [o for o in cell.outputs if o.output_type == "stream" and CUT_NOTE in o.text]


def test_a_notebook_within_the_budget_is_left_as_it_is():
    cells = [answer_cell(stream("hello\n")), graded_cell(marker(), stream("ok\n"))]
    before = nbformat.writes(new_notebook(cells=[c.copy() for c in cells]))
    assert nbformat.writes(limited(*cells)) == before


def test_a_flood_of_output_is_cut_to_the_budget_with_a_note():
    notebook = limited(answer_cell(stream("x" * 50_000)),
                       answer_cell(new_output("display_data", data={"text/plain": "y" * 50_000})))
    assert size(notebook) < BUDGET + 2_000
    first, second = notebook.cells
    assert first.outputs[0].text == "x" * len(first.outputs[0].text) and notes(first)
    assert all(o.output_type == "stream" for o in second.outputs) and notes(second)


def test_a_huge_error_message_is_shortened_but_kept():
    error = new_output("error", ename="ValueError", evalue="v" * 10**7,
                       traceback=["line\n"] * 10_000 + ["ValueError: " + "v" * 10**6])
    [cell] = limited(answer_cell(error)).cells
    kept = [o for o in cell.outputs if o.output_type == "error"]
    assert len(kept) == 1 and kept[0].ename == "ValueError"
    assert kept[0].evalue.startswith("vvv") and len(kept[0].evalue) < 3_000
    assert len(kept[0].traceback) <= 20 and kept[0].traceback[-1].startswith("ValueError")
    assert notes(cell)


def test_errors_are_kept_after_the_budget_is_spent():
    notebook = limited(answer_cell(stream("x" * 50_000)),
                       graded_cell(new_output("error", ename="AssertionError", evalue="wrong",
                                            traceback=[])))
    assert [o.ename for o in notebook.cells[1].outputs if o.output_type == "error"] == [
        "AssertionError"]
    assert determine_grade(notebook.cells[1]) == (0, 1)


def test_a_passing_test_cell_keeps_its_score_after_a_flood():
    """A flood earlier in the notebook must not cost a passing test cell its points: its
    markers and result are kept, and the note of the cut is not on stderr."""
    notebook = limited(answer_cell(stream("x" * 50_000)),
                       graded_cell(stream("all good\n"), marker()),
                       graded_cell(new_output("execute_result", data={"text/plain": "0.5"},
                                            execution_count=1), points=2))
    passing, partial = notebook.cells[1:]
    assert [o.output_type for o in passing.outputs if o.output_type != "stream"] == [
        "display_data"]
    assert notes(passing) and determine_grade(passing) == (1, 1)
    assert determine_grade(partial) == (0.5, 2)


def test_a_large_fake_marker_is_not_kept_for_free():
    fake = new_output("display_data", data={MARKER_MIME: "m" * 100_000})
    notebook = limited(answer_cell(stream("x" * (BUDGET - 500))), graded_cell(fake))
    assert notebook.cells[1].outputs == [] or all(
        MARKER_MIME not in o.get("data", {}) for o in notebook.cells[1].outputs)
