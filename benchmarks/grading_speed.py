"""How fast a class grades: sequential nbgrader vs our grade command vs the nbclient floor.

    .venv/bin/python benchmarks/grading_speed.py [--students 60] [--assignment a1_activations]

Generates a class (a realistic mix of complete, partial, wrong and broken submissions,
from the sample students), then grades copies of it in the same run by
(a) sequential `nbgrader autograde <assignment>`,
(b) `python -m course grade <assignment>` (parallel, sandboxed; feedback and report included),
(c) the floor: every notebook executed by nbclient with a fresh kernel, no nbgrader,
and prints seconds per notebook for each, the ratios a/b and b/c, and whether (a) and
(b) gave the same scores.
"""
import argparse
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from course import grade_command  # noqa: E402
from course.nbgrader_commands import nbgrader  # noqa: E402
from course.sample_class import DEMO, TESTS  # noqa: E402
from course.settings import COURSE_ROOT  # noqa: E402
from course.submissions import reference_answers, write_submission  # noqa: E402
from tests.conftest import copy_course  # noqa: E402


def make_class(root: Path, assignment: str, students: int) -> int:
    """Write `students` submissions cycling through the sample students; return the
    number of notebooks."""
    nbgrader(root, "generate_assignment", assignment, "--force", echo=False)
    reference = reference_answers(root / "source" / assignment)
    kinds = list({**DEMO[assignment], **TESTS[assignment]}.items())
    for number, (name, student) in zip(range(students), itertools.cycle(kinds)):
        write_submission(root / "release" / assignment,
                         root / "submitted" / f"{name}{number:03d}" / assignment,
                         student.answers(reference), extra_files=student.extra_files)
    return students * len(list((root / "release" / assignment).glob("*.ipynb")))


def scores(root: Path, assignment: str) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {(s.student_id, n.name, g.name): g.score
                for s in gradebook.assignment_submissions(assignment)
                for n in s.notebooks for g in n.grades}


def floor(root: Path, assignment: str) -> None:
    """Execute every submitted notebook with nbclient, one fresh kernel each."""
    for path in sorted((root / "submitted").glob(f"*/{assignment}/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=15, interrupt_on_timeout=True, allow_errors=True,
                       kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--assignment", default="a1_activations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        copies = {name: copy_course(Path(scratch) / name / "course")
                  for name in ("nbgrader", "ours", "floor")}
        notebooks = 0
        for root in copies.values():
            notebooks = make_class(root, args.assignment, args.students)
        print(f"{args.students} students, {notebooks} notebooks of {args.assignment}")
        a = timed(lambda: nbgrader(copies["nbgrader"], "autograde", args.assignment,
                                   echo=False))
        b = timed(lambda: grade_command.main(copies["ours"], args.assignment))
        c = timed(lambda: floor(copies["floor"], args.assignment))
        same = scores(copies["nbgrader"], args.assignment) == scores(copies["ours"],
                                                                      args.assignment)
        print(f"(a) sequential nbgrader autograde: {a / notebooks:.2f} s per notebook")
        print(f"(b) python -m course grade:        {b / notebooks:.2f} s per notebook "
              "(feedback and report included)")
        print(f"(c) nbclient floor, sequential:    {c / notebooks:.2f} s per notebook")
        print(f"a/b = {a / b:.2f}   b/c = {b / c:.2f}   scores of (a) and (b) agree: {same}")
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
