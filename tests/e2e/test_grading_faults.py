"""Grades that are the student's own work: a fault of ours stops the run instead of
scoring anyone, the sandbox works wherever the course's Python lives, and a busy
machine changes no grade."""
import csv
import os
import subprocess
import sys
import sysconfig

import pytest
from nbgrader.api import Grade, Gradebook

from course.pipeline import grade_command
from course.steps.autograde import NotebookByNotebookAutograde
from course.faults import GradebookUnavailable, recorded
from course.pipeline.grading import load_results
from course.nbgrader_commands import nbgrader
from course.sample_class import DEMO
from course.steps.sandbox import sandbox_available
from course.settings import ENGINES
from course.submissions import reference_answers, write_submission
from tests.conftest import copy_course

ASSIGNMENT = "a1_activations"


def reference_class(root, assignment=ASSIGNMENT, students=("ada", "alan")):
    """Release `assignment` and submit the reference answers for each of `students`."""
    nbgrader(root, "generate_assignment", assignment, "--force", echo=False)
    reference = reference_answers(root / "source" / assignment)
    for student in students:
        write_submission(root / "release" / assignment,
                         root / "submitted" / student / assignment, reference)


def automatic_grades(root, student=None):
    """[(student, notebook, grade_id, auto_score, max_score)] of the autograded cells."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        rows = []
        for grade in gradebook.db.query(Grade).all():
            if grade.cell.cell_type != "code":
                continue
            owner = grade.notebook.assignment.student.id
            if student in (None, owner):
                rows.append((owner, grade.notebook.name, grade.name, grade.auto_score,
                             grade.max_score))
        return rows


@pytest.mark.parametrize("engine", ENGINES)
def test_an_engine_that_cannot_start_stops_the_run_before_any_score(tmp_path, engine):
    """When no notebook can run (a grader module that does not import), does the run
    stop with an error, before a single score is written for anyone?"""
    root = copy_course(tmp_path / "course")
    reference_class(root)
    (root / "graders" / "broken_on_import.py").write_text(
        "raise ImportError('simulated: a grader module that does not import')\n")
    assert grade_command.main(root, ASSIGNMENT, workers=2, engine=engine) == 3
    assert [row for row in automatic_grades(root) if row[3] is not None] == []
    assert not list((root / "autograded").glob("*/*/*.ipynb"))
    # each worker checks its engine before its first student: the record says why
    results = load_results(root, ASSIGNMENT)
    assert {r.status for r in results.values()} == {"not graded"}
    why = [p for r in results.values() for p in r.problems if "the run stopped" not in p]
    assert why, [r.problems for r in results.values()]
    if engine == "fork":  # the zygote's own last words
        assert "ImportError: simulated: a grader module that does not import" in why[0]


def test_a_fault_during_the_run_stops_it_and_costs_no_student_a_score(tmp_path, monkeypatch):
    """When the gradebook fails while one student is graded, does the run stop, leave
    that notebook without a score (not a 0), and grade it in full on the next run?"""
    root = copy_course(tmp_path / "course")
    students = ("ann", "bob", "cay", "dee")
    reference_class(root, students=students)
    graded_in_full = NotebookByNotebookAutograde.convert_single_notebook

    def gradebook_fails_for_bob(self, notebook_filename):
        if self.coursedir.student_id == "bob" and notebook_filename.endswith("prelu.ipynb"):
            raise recorded(GradebookUnavailable("simulated: the gradebook went away"))
        return graded_in_full(self, notebook_filename)
    # the worker processes are forked from this one, so they grade with the patch
    monkeypatch.setattr(NotebookByNotebookAutograde, "convert_single_notebook",
                        gradebook_fails_for_bob)
    assert grade_command.main(root, ASSIGNMENT, workers=1) == 3
    assert not [row for row in automatic_grades(root, "bob")
                if row[1] == "prelu" and row[3] is not None]
    results = load_results(root, ASSIGNMENT)
    assert results["bob"].status == "not graded"
    assert any("simulated: the gradebook went away" in p for p in results["bob"].problems)
    for student, notebook, grade_id, score, max_score in automatic_grades(root):
        assert score in (None, max_score), (student, notebook, grade_id)  # never a false 0
    # plain `nbgrader export` leaves bob's prelu and total blank and says why, never 0
    nbgrader(root, "export", "--to", "grades.csv", echo=False)
    with open(root / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert rows["bob"][f"{ASSIGNMENT}/prelu"] == "" and rows["bob"]["total"] == ""
    assert rows["bob"]["not graded"] == f"{ASSIGNMENT}/prelu"
    assert float(rows["bob"][f"{ASSIGNMENT}/activations"]) > 0

    monkeypatch.undo()
    assert grade_command.main(root, ASSIGNMENT, workers=2) == 0
    rows = automatic_grades(root)
    assert {row[0] for row in rows} == set(students)
    assert all(score == max_score for *_, score, max_score in rows)


def test_a_gradebook_that_cannot_be_written_stops_the_run_before_grading(tmp_path,
                                                                          monkeypatch):
    """Is a read-only gradebook found before any notebook runs, with an error that says
    what to do?"""
    root = copy_course(tmp_path / "course")
    reference_class(root)
    monkeypatch.setenv("COURSE_DB_URL", f"sqlite:///file:{root / 'gradebook.db'}?mode=ro&uri=true")
    assert grade_command.main(root, ASSIGNMENT, workers=2) == 3
    assert not (root / "autograded").exists()


@pytest.mark.skipif(not sandbox_available(), reason="bubblewrap cannot make a sandbox here")
def test_the_sandbox_shows_a_python_that_lives_under_tmp(tmp_path):
    """With the grading Python in a virtual environment under /tmp (a clone there), which
    the sandbox's private /tmp would hide, does grading still run every notebook?"""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    # the new environment reaches this one's packages, as a clone's .venv holds them
    (site_packages / "course_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    root = copy_course(tmp_path / "course")
    reference_class(root, students=("ada",))
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "course", "grade", ASSIGNMENT],
                         cwd=root, capture_output=True, text=True, timeout=600)
    assert str(venv).startswith("/tmp/")
    assert run.returncode == 0, run.stderr[-3000:]
    rows = automatic_grades(root, "ada")
    assert rows and all(score == max_score for *_, score, max_score in rows)


def test_reference_answers_earn_full_marks_while_every_cpu_is_busy(tmp_path):
    """With a busy process on every CPU, does the reference earn every automatic point
    of every assignment (CPU-time limits, not wall-clock ones, decide a timeout)?"""
    root = copy_course(tmp_path / "course")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 1)]
    try:
        for assignment in sorted(DEMO):
            reference_class(root, assignment, students=("reference",))
            assert grade_command.main(root, assignment) == 0
    finally:
        for process in busy:
            process.kill()
            process.wait()
    rows = automatic_grades(root, "reference")
    notebooks = {notebook for _, notebook, *_ in rows}
    assert len(notebooks) == sum(len(list((root / "release" / a).glob("*.ipynb"))) for a in DEMO)
    assert [row for row in rows if row[3] != row[4]] == []
