"""`python -m course check NOTEBOOK... [pytest options]`: the hidden graders as a pytest
session, on any notebook of the course (a student's submission, the instructor's source
while writing an exercise, a release).

Each notebook is graded exactly as `python -m course grade` grades a submission (the same
staging, engine, sandbox and limits), in a scratch copy of the course where it is the only
submission; the notebooks of one assignment are graded together, in parallel. Then every
graded test cell is a pytest test that fails with what the student would read (the
grader's message). pytest's own options pass through (`-k`, `-x`, `--junitxml`, `-q`...),
and the exit code is 0 only if every check passes.
"""
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.settings import COURSE_ROOT, DB_URL_VARIABLE, db_url


@dataclass(frozen=True)
class CheckResult:
    grade_id: str
    score: float
    max_score: float
    message: str  # what the test cell showed when it failed


class CheckFailed(AssertionError):
    pass


class NotGraded(Exception):
    pass


def assignment_of(path: Path, root: Path = COURSE_ROOT) -> str:
    """The assignment a notebook belongs to, found by its name among source/'s."""
    found = sorted(p.parent.name for p in (root / "source").glob(f"*/{path.stem}.ipynb"))
    if not found:
        raise NotGraded(f"{path.name}: no notebook of this name in source/ (the course's "
                        f"notebooks: {', '.join(sorted(p.name for p in (root / 'source').glob('*/*.ipynb')))})")
    return found[0]


def grade_notebooks(paths: list[Path], scratch: Path, root: Path = COURSE_ROOT) -> dict:
    """{notebook path: [CheckResult] or NotGraded}: each notebook graded as the only
    submission of its own student in a copy of the course."""
    from course.nbgrader_commands import nbgrader
    from course.pipeline.grading import grade_class
    from course.submissions import copy_course

    by_assignment = {}
    results = {}
    for path in paths:
        try:
            by_assignment.setdefault(assignment_of(path, root), []).append(path)
        except NotGraded as error:
            results[path] = error
    for assignment, notebooks in by_assignment.items():
        course = copy_course(scratch / assignment)
        nbgrader(course, "generate_assignment", assignment, "--force", echo=False)
        students = {}
        for number, path in enumerate(notebooks, 1):
            student = f"check{number}"
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            shutil.copyfile(path, folder / path.name)
            students[student] = path
        records = grade_class(course, assignment, workers=None)
        for student, path in students.items():
            record = records[student]
            if not record.fully_graded:
                results[path] = NotGraded(f"{path.name} could not be graded: "
                                          + "; ".join(record.problems or ["no reason given"]))
                continue
            results[path] = _checks(course, assignment, student, path.stem)
    return results


def _checks(course: Path, assignment: str, student: str, notebook: str) -> list[CheckResult]:
    with Gradebook(db_url(course)) as gradebook:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        scores = {g.name: (g.score, g.max_score) for g in submitted.grades
                  if g.cell.cell_type == "code"}
    graded = nbformat.read(course / "autograded" / student / assignment / f"{notebook}.ipynb",
                           as_version=4)
    results = []
    for cell in graded.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in scores or cell.metadata["nbgrader"].get("solution"):
            continue
        score, max_score = scores[grade_id]
        results.append(CheckResult(grade_id, score, max_score, _message(cell)))
    return results


def _message(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "wrote to stderr (a test cell that does scores 0): " + output.get("text", "")[:500]
    return "scored below its points without an error"


class CheckPlugin:
    """Collects the notebooks given on the command line as files of tests."""

    def __init__(self, graded: dict):
        self.graded = graded

    def pytest_report_header(self, config):
        from course.settings import CELL_CPU_SECONDS
        return (f"course check: each notebook graded as `python -m course grade` grades it "
                f"(fork engine, sandbox, {CELL_CPU_SECONDS} CPU-s per cell)")

    def pytest_collect_file(self, file_path, parent):
        if file_path.suffix == ".ipynb" and file_path.resolve() in self.graded:
            return GradedNotebook.from_parent(parent, path=file_path,
                                              graded=self.graded[file_path.resolve()])


class GradedNotebook(pytest.File):
    def __init__(self, *, graded, **kwargs):
        super().__init__(**kwargs)
        self.graded = graded

    def collect(self):
        if isinstance(self.graded, Exception):
            raise self.graded
        for result in self.graded:
            yield Check.from_parent(self, name=result.grade_id, result=result)


class Check(pytest.Item):
    def __init__(self, *, result: CheckResult, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self):
        if self.result.score < self.result.max_score:
            raise CheckFailed(f"{self.result.score:g} of {self.result.max_score:g} points: "
                              f"{self.result.message}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


def main(argv: list[str]) -> int:
    notebooks = [Path(a) for a in argv if a.endswith(".ipynb")]
    options = [a for a in argv if not a.endswith(".ipynb")]
    missing = [str(p) for p in notebooks if not p.is_file()]
    if not notebooks or missing:
        print(f"usage: python -m course check NOTEBOOK... [pytest options]"
              + (f"\nno such notebook: {', '.join(missing)}" if missing else ""), file=sys.stderr)
        return 4  # pytest's own code for a usage error
    # the scratch course's own SQLite gradebook, never the course's (COURSE_DB_URL may name
    # the class's PostgreSQL gradebook, which a check must not write into)
    os.environ.pop(DB_URL_VARIABLE, None)
    scratch = Path(tempfile.mkdtemp(prefix="course-check-"))
    try:
        graded = grade_notebooks([p.resolve() for p in notebooks], scratch)
        # no cache or conftest of the course's own test suite: only the notebooks' checks
        return int(pytest.main(["-p", "no:cacheprovider", "--noconftest", "-o",
                                "addopts=", *options, *map(str, notebooks)],
                               plugins=[CheckPlugin(graded)]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
