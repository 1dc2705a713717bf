"""An instructor grades a written proof of a2_nonlinearity in nbgrader's formgrader,
inside JupyterLab, in a real browser, and finds the points in the exported grades."""
import csv
import re
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from course.demo import write_class_submissions
from course.steps.export import score_rows
from course.nbgrader_commands import nbgrader
from course.sample_class import DEMO
from tests.browser.lab import menu

ASSIGNMENT = "a2_nonlinearity"
NOTEBOOK = "linear_collapse"
PROOF, RUBRIC = "proof", "proof_task"  # grade_ids: the student's answer, the task cell
POINTS, COMMENT = 3, "Substitution, expansion and the collapsed W and b are right; the " \
                     "induction on depth is only sketched."
COLUMN = f"{ASSIGNMENT}/{NOTEBOOK}"
VENV_BIN = Path(sys.executable).parent


def wrote_the_proof(student) -> bool:
    return NOTEBOOK in student.manual_grades


@pytest.fixture(scope="module")
def submissions(course_copy) -> dict:
    """Two sample students of a2, autograded by nbgrader in the course copy: one who
    wrote the proof and one who left it unanswered. {"proof": id, "no proof": id}"""
    class_ = DEMO[ASSIGNMENT]
    chosen = {"proof": next(i for i, s in class_.items() if wrote_the_proof(s)),
              "no proof": next(i for i, s in class_.items() if not wrote_the_proof(s))}
    nbgrader(course_copy, "generate_assignment", ASSIGNMENT, "--force")
    write_class_submissions(ASSIGNMENT, {i: class_[i] for i in chosen.values()}, course_copy)
    nbgrader(course_copy, "autograde", ASSIGNMENT)
    return chosen


def saved_in_gradebook(db_url: str, student: str, seconds: float = 30) -> tuple:
    """(manual score, comment) of the proof, once the formgrader has saved both."""
    deadline = time.monotonic() + seconds
    while True:
        with Gradebook(db_url) as gradebook:
            score = gradebook.find_grade(PROOF, NOTEBOOK, ASSIGNMENT, student).manual_score
            comment = gradebook.find_comment(PROOF, NOTEBOOK, ASSIGNMENT,
                                             student).manual_comment
        if (score, comment) == (POINTS, COMMENT) or time.monotonic() > deadline:
            return score, comment
        time.sleep(0.25)


def exported_scores(db_url: str) -> dict:
    """{student: {column: score}}, as `nbgrader export` computes them (course/steps/export.py)."""
    with Gradebook(db_url) as gradebook:
        header, _, rows = score_rows(gradebook)
    return {row[0]: dict(zip(header[1:], row[1:])) for row in rows}


def test_instructor_grades_the_proof_and_sees_it_in_the_exported_grades(
        submissions, page, jupyterlab, screenshots):
    """Can an instructor find a submission in JupyterLab's formgrader, read the proof
    (its maths drawn, with nothing loaded from a CDN) beside its rubric, give it points,
    and find them in grades.csv after export?"""
    student = submissions["proof"]
    db_url = f"sqlite:///{jupyterlab.root / 'gradebook.db'}"
    before = exported_scores(db_url)

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(jupyterlab.lab_url("instructor"))
    menu(page, "Nbgrader", "Formgrader")
    formgrader = page.frame_locator("#formgrader iframe")
    assignments = formgrader.locator("table")
    expect(assignments).to_contain_text(ASSIGNMENT)
    screenshots.take(page, "formgrader_assignments")

    formgrader.get_by_role("link", name="Manual Grading").click()
    formgrader.get_by_role("link", name=ASSIGNMENT, exact=True).click()
    formgrader.get_by_role("link", name=NOTEBOOK, exact=True).click()
    rows = formgrader.locator("#main-table tr")
    expect(rows).to_have_count(len(submissions))
    screenshots.take(page, "submissions_anonymous")
    formgrader.get_by_role("button", name="Show All Names").click()
    formgrader.locator("#main-table a.name-shown").filter(
        has_text=re.compile(f"^{student}$")).click()

    rubric = formgrader.locator(".nbgrader_cell").filter(
        has=formgrader.locator(f"input#{RUBRIC}"))
    expect(rubric).to_contain_text("Rubric (4 points)")
    rubric.scroll_into_view_if_needed()
    screenshots.take(rubric, "rubric")
    answer = formgrader.locator(".nbgrader_cell").filter(
        has=formgrader.locator(f"input#{PROOF}"))
    expect(answer).to_contain_text("Student's answer")
    expect(answer).not_to_contain_text("YOUR ANSWER HERE")
    # the proof's maths is drawn (MathML written by the course), not left as raw TeX
    expect(answer.locator("math").first).to_be_visible()
    expect(answer).not_to_contain_text("W_1 x + b_1")
    answer.scroll_into_view_if_needed()
    screenshots.take(answer, "proof_answer")

    assert not [url for url in requested if "cdnjs" in url or "mathjax" in url.lower()]

    # the formgrader saves a score or a comment when its box loses focus
    answer.locator(f"input#{PROOF}").fill(str(POINTS))
    answer.locator("textarea.comment").fill(COMMENT)
    answer.locator(f"input#{PROOF}").focus()
    assert saved_in_gradebook(db_url, student) == (POINTS, COMMENT)
    screenshots.take(answer, "proof_graded")

    # nbgrader export, as the instructor runs it in JupyterLab's terminal
    grades_csv = jupyterlab.root / "grades.csv"
    grades_csv.unlink(missing_ok=True)
    page.goto(jupyterlab.lab_url("instructor"))
    menu(page, "File", "New", "Terminal")
    terminal = page.locator(".jp-Terminal:visible")
    terminal_text = terminal.locator(".xterm-accessibility-tree")
    expect(terminal_text).to_contain_text(re.compile(r"[$#]\s"), timeout=30_000)  # prompt
    terminal.click()
    # the README's instructor workflow: activate the venv, then nbgrader's commands
    page.keyboard.type(f"source {VENV_BIN / 'activate'}\n")
    expect(terminal_text).to_contain_text("(.venv)")
    page.keyboard.type("nbgrader export\n")
    expect(terminal_text).to_contain_text("Exported", timeout=60_000)
    screenshots.take(page, "nbgrader_export_in_terminal")
    with open(grades_csv, newline="") as file:
        exported = {row["student_id"]: row for row in csv.DictReader(file)}

    page.goto(jupyterlab.lab_url("instructor", "grades.csv"))
    expect(page.locator(".jp-CSVViewer:visible")).to_be_visible()
    screenshots.take(page, "grades_csv")
    assert set(exported) == set(submissions.values())
    assert float(exported[student][COLUMN]) == before[student][COLUMN] + POINTS
    assert float(exported[student]["total"]) == before[student]["total"] + POINTS
    other = submissions["no proof"]
    assert float(exported[other][COLUMN]) == before[other][COLUMN]
