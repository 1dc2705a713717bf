"""Where one worker's time goes per notebook: nbgrader's two passes against the one pass.

    .venv/bin/python benchmarks/notebook_steps.py [--assignment a1_activations] [--students 12]

Generates a class (as benchmarks/grading_speed.py does, runaway loop left out), stages
it, and autogrades it in ONE worker process (the fast engine), twice in the same run, each
time into its own copy of the course:
  two passes: nbgrader's own Autograde converter (sanitize pass written to autograded/,
              read back for the autograde pass) with nbgrader's own steps, each opening
              the gradebook for each notebook;
  one pass:   course/steps/autograde.py's converter with the course's steps
              (course/steps/save_grades.py, shared_gradebook.py, check_metadata.py), what
              `python -m course grade` runs.
The first student of each is a warm-up and not counted. Prints milliseconds per notebook
for each nbgrader step (wall time), the per-student set-up (init_assignment), and what is
left (reading, copying, validating and writing notebooks, the converter itself).
"""
import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.pop("COURSE_DB_URL", None)
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbconvert.preprocessors.base  # noqa: E402
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from nbgrader.utils import temp_attrs  # noqa: E402

from benchmarks.grading_speed import make_class  # noqa: E402
from course.pipeline import worker  # noqa: E402
from course.steps.autograde import NotebookByNotebookAutograde  # noqa: E402
from course.steps.check_metadata import CheckCellMetadataOnce  # noqa: E402
from course.steps.save_grades import SaveAutoGradesAtOnce  # noqa: E402
from course.steps.shared_gradebook import (  # noqa: E402
    AssignLatePenaltiesShared, OverwriteCellsShared, OverwriteKernelspecShared)
from course.pipeline.staging import stage_submission  # noqa: E402
from course.submissions import copy_course  # noqa: E402

NBGRADER_STEPS = {  # the course's step: nbgrader's own
    OverwriteCellsShared: OverwriteCells, OverwriteKernelspecShared: OverwriteKernelspec,
    AssignLatePenaltiesShared: AssignLatePenalties, CheckCellMetadataOnce: CheckCellMetadata,
    SaveAutoGradesAtOnce: SaveAutoGrades}
spent = collections.Counter()  # label -> seconds, for the run being measured
_call = nbconvert.preprocessors.base.Preprocessor.__call__


def _timed_call(self, nb, resources):
    started = time.perf_counter()
    try:
        return _call(self, nb, resources)
    finally:
        spent[nbgrader_name(type(self).__name__)] += time.perf_counter() - started


def nbgrader_name(step: str) -> str:
    """The course's variant of an nbgrader step goes on the row of nbgrader's."""
    return step.removesuffix("Shared").removesuffix("AtOnce").removesuffix("Once")


def _timed(label, function):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started
    return timed


def two_pass_autograde(assignment, student):
    """nbgrader's converter as nbgrader runs it, with nbgrader's own steps (SaveAutoGrades,
    and each step opening the gradebook for each notebook)."""
    app = Autograde(coursedir=worker._api.coursedir, parent=worker._api)
    app.force, app.create_student = True, True
    for steps in ("sanitize_preprocessors", "autograde_preprocessors"):
        setattr(app, steps, [NBGRADER_STEPS.get(step, step) for step in getattr(app, steps)])
    with temp_attrs(worker._api.coursedir, assignment_id=assignment, student_id=student):
        app.start()


def one_pass_autograde(assignment, student):
    outcome = worker.grade_student(assignment, student)
    assert outcome.success, outcome.error


def measure(root, assignment, students, autograde) -> tuple[dict, int, float]:
    """Grade the staged class with `autograde`; (ms per notebook by label, notebooks, total)."""
    worker.start(str(root), engine="fork")
    autograde(assignment, students[0])  # warm-up: the zygote starts, caches fill
    spent.clear()
    started = time.perf_counter()
    for student in students[1:]:
        autograde(assignment, student)
    total = time.perf_counter() - started
    notebooks = sum(len(list((root / "autograded" / s / assignment).glob("*.ipynb")))
                    for s in students[1:])
    per_notebook = {label: 1000 * seconds / notebooks for label, seconds in spent.items()}
    return per_notebook, notebooks, 1000 * total / notebooks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a1_activations")
    parser.add_argument("--students", type=int, default=12)
    args = parser.parse_args()
    nbconvert.preprocessors.base.Preprocessor.__call__ = _timed_call
    for converter in (Autograde, NotebookByNotebookAutograde):  # the second runs nbgrader's code
        converter.init_assignment = _timed("init_assignment (per student)",
                                           converter.init_assignment)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, autograde in (("two passes", two_pass_autograde),
                                ("one pass", one_pass_autograde)):
            root = copy_course(Path(folder) / name.replace(" ", "_"))
            make_class(root, args.assignment, args.students, runaway=False)
            students = sorted(path.name for path in (root / "submitted").iterdir())
            for student in students:
                stage_submission(root, args.assignment, student)
            results[name] = measure(root, args.assignment, students, autograde)
    labels = sorted({label for steps, _, _ in results.values() for label in steps},
                    key=lambda label: -max(steps.get(label, 0) for steps, _, _ in results.values()))
    print(f"{args.assignment}: ms per notebook in one worker "
          f"({results['one pass'][1]} notebooks each, the same class)")
    print(f"| step | {' | '.join(results)} |\n| --- |{' --- |' * len(results)}")
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{steps.get(label, 0):.1f}"
                                           for steps, _, _ in results.values()) + " |")
    print("| reading, copying, validating, writing notebooks; the converter | " + " | ".join(
        f"{total - sum(steps.values()):.1f}" for steps, _, total in results.values()) + " |")
    print("| **total** | " + " | ".join(f"**{total:.0f}**" for _, _, total in results.values())
          + " |")
    overhead = {name: total - steps.get("ForkedExecute", 0)
                for name, (steps, _, total) in results.items()}
    print("around the notebook's own run (total - ForkedExecute): " + ", ".join(
        f"{name} {ms:.0f} ms" for name, ms in overhead.items()))


if __name__ == "__main__":
    main()
