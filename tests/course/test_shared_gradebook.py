"""course/steps/shared_gradebook.py: nbgrader's gradebook steps on one open gradebook
per process do what nbgrader's do, see what others wrote, and never write to a gradebook
file that has been replaced."""
import datetime
import shutil

import nbformat
import pytest
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties, OverwriteCells, OverwriteKernelspec
from traitlets.config import Config

from course.nbgrader_commands import nbgrader
from course.steps.shared_gradebook import (AssignLatePenaltiesShared, OverwriteCellsShared,
                                           OverwriteKernelspecShared, shared_gradebook)
from tests.conftest import copy_course

ASSIGNMENT, NOTEBOOK = "a1_activations", "activations"
DUE = datetime.datetime(2026, 1, 10, 12, 0)
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A gradebook with a late submission of ann's, and her notebook with a test cell
    rewritten, a locked cell deleted and another kernel named."""
    root = copy_course(tmp_path_factory.mktemp("shared") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
        gradebook.add_student("ann")
        gradebook.add_submission(ASSIGNMENT, "ann", timestamp=DUE + datetime.timedelta(hours=2))
    notebook = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    test = next(cell for cell in notebook.cells
                if utils.is_grade(cell) and not utils.is_solution(cell))
    test.source = "assert True  # rewritten by the student"
    locked = [cell for cell in notebook.cells if utils.is_locked(cell) and cell is not test]
    notebook.cells.remove(locked[-1])
    notebook.metadata.kernelspec = {"name": "other", "display_name": "Other", "language": "python"}
    return root / "gradebook.db", notebook


def run(step, database, notebook, copy, config=None):
    """The notebook and the notebook's late penalty after `step`, on a copy of the gradebook."""
    database = shutil.copy(database, copy)
    resources = {"nbgrader": {"notebook": NOTEBOOK, "assignment": ASSIGNMENT, "student": "ann",
                              "db_url": f"sqlite:///{database}"}}
    output, _ = step(config=config or Config()).preprocess(nbformat.from_dict(notebook), resources)
    for number, cell in enumerate(output.cells):  # a cell put back gets a random id
        cell.id = f"cell-{number}"
    with Gradebook(f"sqlite:///{database}") as gradebook:
        penalty = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT,
                                                     "ann").late_submission_penalty
    return nbformat.writes(output), penalty


@pytest.mark.parametrize("ours, theirs", [(OverwriteCellsShared, OverwriteCells),
                                          (OverwriteKernelspecShared, OverwriteKernelspec)])
def test_the_sanitize_steps_restore_what_nbgraders_restore(course, tmp_path, ours, theirs):
    database, notebook = course
    config = Config({"OverwriteCells": {"add_missing_cells": True}})
    restored, _ = run(ours, database, notebook, tmp_path / "ours.db", config)
    assert restored == run(theirs, database, notebook, tmp_path / "theirs.db", config)[0]
    unchanged = nbformat.from_dict(notebook)
    for number, cell in enumerate(unchanged.cells):
        cell.id = f"cell-{number}"
    assert restored != nbformat.writes(unchanged)  # the step did change something


def test_the_late_penalty_is_nbgraders(course, tmp_path):
    database, notebook = course
    config = Config({"LateSubmissionPlugin": {"penalty_method": "zero"}})
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:  # every test cell scored: the whole notebook is at stake
        if utils.is_grade(cell) and cell.cell_type == "code":
            cell.outputs = []
    with Gradebook(f"sqlite:///{database}") as gradebook:  # a score to take away
        for grade in gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "ann").grades:
            grade.auto_score = grade.max_score
        gradebook.db.commit()
    _, ours = run(AssignLatePenaltiesShared, database, notebook, tmp_path / "ours.db", config)
    _, theirs = run(AssignLatePenalties, database, notebook, tmp_path / "theirs.db", config)
    assert ours == theirs and ours > 0


def test_the_open_gradebook_reads_what_others_wrote_and_follows_a_new_file(course, tmp_path):
    database, _ = course  # ann's gradebook
    copy = shutil.copy(database, tmp_path / "gradebook.db")
    url = f"sqlite:///{copy}"
    with shared_gradebook(url) as gradebook:
        gradebook.add_student("bob")
    assert shared_gradebook(url) is gradebook  # kept open
    with shared_gradebook(url) as gradebook:
        ann = gradebook.find_student("ann")  # held: a session would keep serving this copy
        assert ann.first_name is None
    with Gradebook(url) as other:  # another process's writes, between two steps
        other.add_student("cy")
        other.update_or_create_student("ann", first_name="Ann")
    with shared_gradebook(url) as again:
        assert {s.id for s in again.students} == {"ann", "bob", "cy"}
        assert again.find_student("ann").first_name == "Ann"  # not the step before's copy
    # the file replaced by another gradebook: writes go to the new file
    copy.unlink()
    shutil.copy(database, copy)
    with shared_gradebook(url) as fresh:
        assert fresh is not gradebook
        fresh.add_student("dee")
    with Gradebook(url) as check:
        assert {s.id for s in check.students} == {"ann", "dee"}


def test_a_step_that_fails_closes_the_open_gradebook(course, tmp_path):
    url = f"sqlite:///{shutil.copy(course[0], tmp_path / 'gradebook.db')}"
    gradebook = shared_gradebook(url)
    with pytest.raises(MissingEntry):
        with gradebook:
            gradebook.find_student("nobody")
    assert shared_gradebook(url) is not gradebook
