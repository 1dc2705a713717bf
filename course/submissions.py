"""Make student submissions from the release: the demo class, the end-to-end tests and the
benchmarks; and a copy of the course for them to grade in.

A submission is the release notebooks with some solution cells filled in, written to
submitted/<student>/<assignment>/ as nbgrader collects them, with a timestamp.
"""
import datetime
import shutil
from pathlib import Path

import nbformat

from course.authoring.cells import BEGIN_SOLUTION, END_SOLUTION
from course.settings import COURSE_ROOT

# What a course copy needs; generated folders and the repository's own state stay out.
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "submitted", "autograded", "feedback",
                                    "feedback_cache", "gradebook.db", "grades.csv", "grades",
                                    ".grading", "reports", "__pycache__", ".pytest_cache",
                                    "tests")


def copy_course(destination: Path) -> Path:
    """A fresh copy of this course (no submissions, grades or gradebook) at `destination`."""
    shutil.copytree(COURSE_ROOT, destination, ignore=NOT_COPIED)
    return destination

# answers: {notebook name: {grade_id of a solution cell: the code the student wrote}}
Answers = dict[str, dict[str, str]]


def reference_answers(source_dir: Path) -> Answers:
    """What a student who writes the reference solutions submits."""
    answers = {}
    for path in sorted(source_dir.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        answers[path.stem] = {
            cell.metadata["nbgrader"]["grade_id"]: _without_markers(cell.source)
            for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("solution")
            and cell.cell_type == "code"
        }
    return answers


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line)


def write_submission(release_dir: Path, student_dir: Path, answers: Answers,
                     extra_files: dict[str, str] | None = None,
                     timestamp: datetime.datetime | None = None) -> None:
    """Fill the release notebooks with `answers` and write them as a submission.

    `extra_files` ({relative path: text}) are submitted beside the notebooks.
    """
    if student_dir.exists():
        shutil.rmtree(student_dir)
    student_dir.mkdir(parents=True)
    for path in sorted(release_dir.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers.get(path.stem, {}):
                cell.source = answers[path.stem][grade_id]
        nbformat.write(notebook, student_dir / path.name)
    for relative_path, text in (extra_files or {}).items():
        target = student_dir / relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    stamp = timestamp or datetime.datetime.now(datetime.timezone.utc)
    (student_dir / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
