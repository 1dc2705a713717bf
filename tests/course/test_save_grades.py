"""SaveAutoGradesAtOnce leaves the gradebook exactly as nbgrader's SaveAutoGrades does:
the same automatic scores, review flags and automatic comments, row for row."""
import shutil

import nbformat
import pytest
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades

from course.nbgrader_commands import nbgrader
from course.steps.save_grades import SaveAutoGradesAtOnce
from tests.conftest import copy_course

ASSIGNMENT, NOTEBOOK = "a1_activations", "activations"
# nbgrader's add_submission warns that it builds objects before adding them (harmless)
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def gradebook_and_notebook(tmp_path_factory):
    """A course's gradebook with one student's submission, and an executed-looking copy of
    the release notebook: a failed test cell, a passed one, an answered and an untouched
    answer cell, and a test cell the instructor has already scored by hand."""
    root = copy_course(tmp_path_factory.mktemp("save") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    notebook = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    tests = [cell for cell in notebook.cells if utils.is_grade(cell) and cell.cell_type == "code"
             and not utils.is_solution(cell)]
    answers = [cell for cell in notebook.cells if utils.is_solution(cell)]
    tests[0].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="no",
                                               traceback=[])]
    answers[0].source += "\nanswer = 1"
    database = root / "gradebook.db"
    with Gradebook(f"sqlite:///{database}") as gradebook:
        gradebook.add_student("ann")
        gradebook.add_submission(ASSIGNMENT, "ann")
        by_hand = gradebook.find_grade(tests[1].metadata.nbgrader["grade_id"], NOTEBOOK,
                                       ASSIGNMENT, "ann")
        by_hand.manual_score = 0.5
        gradebook.db.commit()
    return database, notebook


def saved(step, database, notebook, copy) -> dict:
    database = shutil.copy(database, copy)
    resources = {"nbgrader": {"notebook": NOTEBOOK, "assignment": ASSIGNMENT,
                              "student": "ann", "db_url": f"sqlite:///{database}"}}
    step().preprocess(nbformat.from_dict(notebook), resources)
    with Gradebook(f"sqlite:///{database}") as gradebook:
        submitted = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "ann")
        return {"grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                           for g in submitted.grades},
                "comments": {c.name: c.auto_comment for c in submitted.comments}}


def test_the_gradebook_ends_as_nbgraders_step_leaves_it(gradebook_and_notebook, tmp_path):
    database, notebook = gradebook_and_notebook
    ours = saved(SaveAutoGradesAtOnce, database, notebook, tmp_path / "ours.db")
    theirs = saved(SaveAutoGrades, database, notebook, tmp_path / "theirs.db")
    assert ours == theirs
    # and the cases above did occur: a 0, full marks, a flag for review, both comments
    scores = [auto for auto, _, _ in ours["grades"].values()]
    assert 0 in scores and any(score and score > 0 for score in scores)
    assert any(flag for _, _, flag in ours["grades"].values())
    assert set(ours["comments"].values()) >= {None, "No response."}


def test_a_cell_the_gradebook_does_not_know_is_refused(gradebook_and_notebook, tmp_path):
    database, notebook = gradebook_and_notebook
    notebook = nbformat.from_dict(notebook)
    grade_cell = next(cell for cell in notebook.cells if utils.is_grade(cell))
    grade_cell.metadata.nbgrader["grade_id"] = "not-in-the-gradebook"
    for step in (SaveAutoGradesAtOnce, SaveAutoGrades):
        with pytest.raises(MissingEntry):
            saved(step, database, notebook, tmp_path / f"{step.__name__}.db")
