"""How fast a class grades: sequential nbgrader, the two engines in parallel, and the floor.

    .venv/bin/python benchmarks/grading_speed.py [--students 60] [--assignment a1_activations]
        [--workers <cpu count>] [--scale N] [--no-runaway]

Generates a class (a realistic mix of complete, partial, wrong and broken submissions,
from the sample students, the runaway loop included unless --no-runaway), then grades
copies of it in the same run by
(a) sequential `nbgrader autograde <assignment>` with COURSE_ENGINE=kernel: plain
    nbgrader, one sandboxed kernel per notebook, one notebook at a time;
(b) `grade_class(..., engine="kernel")`: the same kernel per notebook, on --workers
    worker processes;
(c) `grade_class(..., engine="fork")`: the fast engine (a child of a warm zygote per
    notebook), on --workers worker processes;
(d) the floor: the students' and the tests' own code, nothing else. Every code cell of
    every notebook that (c) autograded (so the hidden tests are included) is executed in
    ONE warm process (numpy, matplotlib with the Agg backend, graders and solutions
    imported beforehand), each notebook in a fresh namespace, IPython magics stripped,
    errors ignored, figures rendered to PNG after each cell as the inline backend does,
    a cell stopped at nbgrader's time limit as the engines stop it; no sandbox, no
    defences, no kernel, no nbgrader. Only the cells' execution is timed, and the total
    is divided by the number of workers (a perfectly parallel floor).
For (b) and (c) only autograding is timed (staging the submissions, starting the
workers, autograding); the feedback that grade_class generates next is timed apart.
Prints seconds per notebook for each, the ratios a/c, b/c and c/d, and whether (a), (b)
and (c) gave the same score to every graded cell, listing the cells where they differ.
Also a/d, the most a/c can be in this run (an engine with no cost of its own, c = d),
and the fast engine's own cost, c - d, beside what a/c >= 10 leaves it (a/10 - d).
Then the start-up: `python -m course grade --help`, loading the grade command with and
without the deferred imports, and starting a zygote. With --scale N, a class of N
students is also graded with the fast engine alone, to show how its cost per notebook
grows with the class (e.g. --scale 600).

A runaway student costs the cell time limit (15 s) in every engine and in the floor;
--no-runaway leaves it out of the class, so that c/d shows the engine's own overhead.
"""
import argparse
import io
import itertools
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

# Each copy of the course grades into its own gradebook.db, whatever the caller's shell says;
# the engines run notebooks single-threaded (their sandbox sets these), and so does the floor.
os.environ.pop("COURSE_DB_URL", None)
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from course.pipeline.grading import grade_class  # noqa: E402
from course.nbgrader_commands import ENVIRONMENT, NBGRADER, nbgrader  # noqa: E402
from course.sample_class import DEMO, TESTS  # noqa: E402
from course.steps.sandbox import SandboxedExecute, sandbox_available  # noqa: E402
from course.settings import COURSE_ROOT, ENGINE_VARIABLE  # noqa: E402
from course.submissions import reference_answers, write_submission  # noqa: E402
from course.submissions import copy_course  # noqa: E402


def make_class(root: Path, assignment: str, students: int, runaway: bool = True) -> int:
    """Write `students` submissions cycling through the sample students; return the
    number of notebooks."""
    nbgrader(root, "generate_assignment", assignment, "--force", echo=False)
    reference = reference_answers(root / "source" / assignment)
    kinds = [(name, student) for name, student in
             {**DEMO[assignment], **TESTS[assignment]}.items() if runaway or name != "runaway"]
    for number, (name, student) in zip(range(students), itertools.cycle(kinds)):
        write_submission(root / "release" / assignment,
                         root / "submitted" / f"{name}{number:03d}" / assignment,
                         student.answers(reference), extra_files=student.extra_files)
    return students * len(list((root / "release" / assignment).glob("*.ipynb")))


def scores(root: Path, assignment: str) -> dict:
    """{(student, notebook, grade_id): score} of every graded cell in the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {(s.student_id, n.name, g.name): g.score
                for s in gradebook.assignment_submissions(assignment)
                for n in s.notebooks for g in n.grades}


def cell_timeout(root: Path) -> float:
    """nbgrader's time limit per cell, as the course's nbgrader_config.py sets it."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return float(config.Execute.timeout)


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


# ---- (a) plain nbgrader ---------------------------------------------------------------
def nbgrader_autograde(root: Path, assignment: str) -> None:
    """`nbgrader autograde <assignment>` as an instructor types it, with the kernel engine."""
    result = subprocess.run([NBGRADER, "autograde", assignment], cwd=root,
                            env={**ENVIRONMENT, ENGINE_VARIABLE: "kernel"},
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nbgrader autograde failed (exit {result.returncode}):\n"
                         f"{result.stdout}{result.stderr}")


# ---- (b), (c) grade_class -------------------------------------------------------------
@dataclass
class Graded:
    autograde: float  # seconds: staging, starting the workers, autograding
    feedback: float   # seconds: feedback for every student, stopping the workers
    failed: list      # the students grade_class could not grade ("not graded")


def grade(root: Path, assignment: str, workers: int, engine: str) -> Graded:
    """grade_class, timed in two parts: grade_class reports progress with "graded
    <student>" as each autograde ends, then "feedback <student>", so the last "graded"
    report is where autograding ends and feedback begins."""
    autograded_at = None

    def progress(done, total, label):
        nonlocal autograded_at
        if label.startswith("graded") and done == total:
            autograded_at = time.perf_counter()

    started = time.perf_counter()
    results = grade_class(root, assignment, workers=workers, force=True, engine=engine,
                          progress=progress)
    ended = time.perf_counter()
    autograded_at = autograded_at or ended
    return Graded(autograded_at - started, ended - autograded_at,
                  sorted(r.student for r in results.values() if r.status == "not graded"))


# ---- (d) the floor --------------------------------------------------------------------
class CellTimeout(BaseException):
    """Raised in a cell that runs past the time limit (a BaseException, as the
    KeyboardInterrupt of a kernel's interrupt is, so `except Exception` cannot keep it)."""


def _code_without_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def execute_cells(course_root: str, paths: list, timeout: float) -> dict:
    """Run in a fresh process: warm it up, then execute every code cell of the notebooks
    at `paths`, each notebook in a fresh namespace, and time the cells alone."""
    import builtins
    import contextlib
    import signal

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401

    from grading_kernel.zygote import import_course_modules
    import_course_modules(course_root)  # as every grading process does
    base_path = list(sys.path)

    def stop(signum, frame):
        raise CellTimeout()
    signal.signal(signal.SIGALRM, stop)

    seconds = timeout_seconds = 0.0
    cells = timeouts = 0
    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=4)
        sources = [_code_without_magics(cell.source) for cell in notebook.cells
                   if cell.cell_type == "code" and cell.source.strip()]
        os.chdir(path.parent)
        sys.path[:] = [course_root, str(path.parent), *base_path[1:]]
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        output = io.StringIO()  # what the cells print, as a kernel would collect it
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            for source in sources:
                started = time.perf_counter()
                try:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                    exec(compile(source, str(path), "exec"), namespace)
                    signal.setitimer(signal.ITIMER_REAL, 0)
                except CellTimeout:
                    timeouts += 1
                    timeout_seconds += time.perf_counter() - started
                except BaseException:  # noqa: B036 (the cell's own error: graded 0, ignored)
                    pass
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                for number in plt.get_fignums():  # what the inline backend does
                    plt.figure(number).savefig(io.BytesIO(), format="png",
                                               bbox_inches="tight")
                plt.close("all")
                seconds += time.perf_counter() - started
        cells += len(sources)
    return {"seconds": seconds, "cells": cells, "timeouts": timeouts,
            "timeout_seconds": timeout_seconds}


def floor(root: Path, assignment: str, timeout: float) -> dict:
    """The cells of every notebook autograded in `root`, executed by execute_cells in one
    new process (spawned, so that nothing of this one is warm in it)."""
    paths = sorted(str(p) for p in (root / "autograded").glob(f"*/{assignment}/*.ipynb"))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(execute_cells, (str(root), paths, timeout))


# ---- the comparison -------------------------------------------------------------------
def differences(by_run: dict) -> list:
    """The cells whose score is not the same in every run: [(cell, {run: score})]."""
    cells = sorted(set().union(*by_run.values()))
    return [(cell, {run: found.get(cell, "missing") for run, found in by_run.items()})
            for cell in cells
            if len({str(found.get(cell, "missing")) for found in by_run.values()}) > 1]


def start_up(assignment: str) -> dict:
    """Medians of 5 runs: `python -m course grade --help`; loading what the grade command
    loads before it grades anyone, with and without course/pipeline/deferred_imports.py; and
    starting one zygote for `assignment` (warm and ready to fork)."""
    from course.steps.fast_engine import Zygote

    def median(step):
        return statistics.median(timed(step) for _ in range(5))

    def python(*arguments):
        return lambda: subprocess.run([sys.executable, *arguments], cwd=COURSE_ROOT,
                                      capture_output=True, check=True)
    load = "import course.pipeline.grade_command, course.pipeline.grading, nbgrader.apps"
    deferred = "from course.pipeline.deferred_imports import defer_imports; defer_imports(); "
    return {"help": median(python("-m", "course", "grade", "--help")),
            "load": median(python("-c", deferred + load)),
            "load_undeferred": median(python("-c", load)),
            "zygote": median(lambda: Zygote(
                COURSE_ROOT, SandboxedExecute.visible_paths.default(), True, assignment).close())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--assignment", default="a1_activations")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes of (b), (c) and --scale (default: cpu count)")
    parser.add_argument("--scale", type=int, default=0, metavar="N",
                        help="also grade a class of N students with the fast engine (0: off)")
    parser.add_argument("--no-runaway", dest="runaway", action="store_false",
                        help="leave the runaway loop (15 s per student) out of the class")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, harmless
    workers = min(args.workers, args.students)  # grade_class starts no more than that
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        runs = ["nbgrader", "kernel", "fork"] + (["scale"] if args.scale else [])
        copies = {run: copy_course(Path(scratch) / run / "course") for run in runs}
        notebooks = 0
        for run in ("nbgrader", "kernel", "fork"):
            notebooks = make_class(copies[run], args.assignment, args.students, args.runaway)
        print(f"{args.students} students, {notebooks} notebooks of {args.assignment}, "
              f"{workers} workers ({os.cpu_count()} CPUs), sandbox: "
              f"{'bubblewrap' if sandbox_available() else 'UNAVAILABLE'}, runaway loop "
              f"{'included' if args.runaway else 'left out'}", flush=True)

        a = timed(lambda: nbgrader_autograde(copies["nbgrader"], args.assignment))
        b = grade(copies["kernel"], args.assignment, workers, "kernel")
        c = grade(copies["fork"], args.assignment, workers, "fork")
        timeout = cell_timeout(copies["fork"])
        d = floor(copies["fork"], args.assignment, timeout)
        d_wall = d["seconds"] / workers

        def per(seconds):
            return f"{seconds / notebooks:.3f} s per notebook"
        print(f"(a) sequential nbgrader autograde, kernel engine: {per(a)}")
        print(f"(b) grade_class, kernel engine, {workers} workers:  {per(b.autograde)} "
              f"(then feedback: {per(b.feedback)})")
        print(f"(c) grade_class, fast engine, {workers} workers:    {per(c.autograde)} "
              f"(then feedback: {per(c.feedback)})")
        print(f"(d) floor, the cells alone, one process / {workers}: {per(d_wall)} "
              f"({d['cells']} cells in {d['seconds']:.1f} s, of which {d['timeouts']} "
              f"stopped at the {timeout:g} s limit: {d['timeout_seconds']:.1f} s)")
        print(f"a/c = {a / c.autograde:.2f}   b/c = {b.autograde / c.autograde:.2f}   "
              f"c/d = {c.autograde / d_wall:.2f}")
        # c is d plus the engine's own cost, so a/c < a/d whatever the engine does
        print(f"a/d = {a / d_wall:.2f} (the most a/c can be here); the fast engine's own "
              f"cost c - d: {(c.autograde - d_wall) / notebooks * 1000:.0f} ms per notebook, "
              f"where a/c >= 10 leaves {(a / 10 - d_wall) / notebooks * 1000:.0f} ms")
        for name, graded in (("b", b), ("c", c)):
            if graded.failed:
                print(f"({name}) could not grade: {', '.join(graded.failed)}")

        by_run = {run: scores(copies[run], args.assignment)
                  for run in ("nbgrader", "kernel", "fork")}
        differ = differences(by_run)
        print(f"scores of (a), (b) and (c) agree cell by cell: {not differ} "
              f"({len(set().union(*by_run.values()))} graded cells)")
        for (student, notebook, grade_id), found in differ:
            print(f"  {student} {notebook} {grade_id}: "
                  + "  ".join(f"{run} {score}" for run, score in found.items()))

        up = start_up(args.assignment)
        print(f"start-up: `grade --help` {up['help']:.2f} s; loading the grade command "
              f"{up['load']:.2f} s ({up['load_undeferred']:.2f} s without deferred imports); "
              f"a zygote for {args.assignment} ready to fork {up['zygote']:.2f} s (once per worker)")

        if args.scale:
            scale_notebooks = make_class(copies["scale"], args.assignment, args.scale,
                                         args.runaway)
            s = grade(copies["scale"], args.assignment, min(args.workers, args.scale), "fork")
            print(f"scale: fast engine, {args.scale} students ({scale_notebooks} notebooks): "
                  f"{s.autograde / scale_notebooks:.3f} s per notebook (then feedback: "
                  f"{s.feedback / scale_notebooks:.3f} s per notebook)"
                  + (f"; could not grade: {', '.join(s.failed)}" if s.failed else ""))


if __name__ == "__main__":
    main()
