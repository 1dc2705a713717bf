"""A student works on a1_activations/activations.ipynb in JupyterLab, in a real browser."""
import re
import warnings

import nbformat
from playwright.sync_api import expect

from tests.browser.lab import Notebook, menu

NOTEBOOK = "release/a1_activations/activations.ipynb"

CORRECT_SIGMOID = """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # at most 1: exp never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""
# the sign slip: this is σ(−z)
WRONG_SIGMOID = """
def sigmoid(z):
    return 1 / (1 + np.exp(z))
"""
WRONG_SIGMOID_MESSAGE = "sigmoid(-3), sigmoid(0), sigmoid(3) should be 0.047, 0.5, 0.953"


def code_cells(course_root):
    """[(cell id, is a graded test, draws a plot)] of the notebook's code cells."""
    cells = nbformat.read(course_root / NOTEBOOK, as_version=4).cells
    return [(cell.id, bool(cell.metadata.get("nbgrader", {}).get("grade")),
             "plt.show()" in cell.source)
            for cell in cells if cell.cell_type == "code"]


def test_student_runs_the_notebook_answers_sigmoid_and_validates(
        page, jupyterlab, screenshots):
    """Can a student read the instructions, run the notebook untouched and see every
    plot, get a visible test to pass and to fail with its message, and validate the
    notebook, all in JupyterLab?"""
    notebook = Notebook(page, jupyterlab.root, NOTEBOOK)
    notebook.open(jupyterlab.lab_url("student", NOTEBOOK))
    expect(notebook.panel).to_contain_text("run the notebook top to bottom")
    expect(notebook.cell("sigmoid")).to_contain_text("raise NotImplementedError()")
    screenshots.take(page, "opened_instructions")

    # Run All on the untouched notebook stops at the first visible test, on the stub
    menu(page, "Run", "Run All Cells")
    expect(notebook.output("test_sigmoid_values")).to_contain_text(
        "NotImplementedError", timeout=60_000)
    notebook.wait_for_idle_kernel()
    notebook.cell("sigmoid").scroll_into_view_if_needed()
    screenshots.take(page, "run_all_untouched_stops_at_the_stub")

    # then on down, a cell at a time: only test cells fail (on the stubs), and every
    # teaching cell runs and shows its plot. Code wider than the cell is reported: its
    # end (often an assert's message) is off screen until the student scrolls sideways.
    ran_by_run_all, too_wide = True, []
    for cell_id, is_test, draws_a_plot in code_cells(jupyterlab.root):
        if not ran_by_run_all:
            notebook.run(cell_id)
        if is_test and notebook.errors(cell_id).count():
            expect(notebook.errors(cell_id)).to_contain_text("NotImplementedError")
        else:
            expect(notebook.errors(cell_id)).to_have_count(0)
        if draws_a_plot:
            expect(notebook.output(cell_id).locator("img")).to_be_visible()
            notebook.cell(cell_id).scroll_into_view_if_needed()
            screenshots.take(notebook.cell(cell_id), f"plot_{cell_id}")
        if notebook.code_is_wider_than_its_cell(cell_id):
            too_wide.append(cell_id)
            notebook.cell(cell_id).scroll_into_view_if_needed()
            screenshots.take(notebook.cell(cell_id), f"too_wide_{cell_id}")
        ran_by_run_all = ran_by_run_all and cell_id != "test_sigmoid_values"
    if too_wide:
        warnings.warn(f"{NOTEBOOK}: code wider than its cell, the end of a line off "
                      f"screen, in {', '.join(too_wide)}")

    # a correct sigmoid passes the visible test: the test cell runs and shows nothing
    notebook.replace_code("sigmoid", CORRECT_SIGMOID)
    notebook.run("sigmoid")
    notebook.run("test_sigmoid_values")
    expect(notebook.output("test_sigmoid_values")).to_have_text("")
    screenshots.take(page, "correct_sigmoid_passes")

    # a wrong one fails it, with the visible test's message
    notebook.replace_code("sigmoid", WRONG_SIGMOID)
    notebook.run("sigmoid")
    notebook.run("test_sigmoid_values")
    expect(notebook.errors("test_sigmoid_values")).to_contain_text(WRONG_SIGMOID_MESSAGE)
    screenshots.take(page, "wrong_sigmoid_message")

    # Validate (nbgrader's toolbar button) saves, runs the notebook and reports
    notebook.toolbar_button("Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=90_000)
    expect(dialog).to_contain_text(WRONG_SIGMOID_MESSAGE)
    screenshots.take(page, "validation_results")
    dialog.get_by_role("button", name=re.compile("ok", re.I)).click()
