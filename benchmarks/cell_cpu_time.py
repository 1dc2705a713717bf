"""The CPU time of every code cell of the source notebooks, run with the reference.

At grading time a cell may use CELL_CPU_SECONDS of CPU time (course/settings.py); the
course promises that the reference takes at most a fifth of it, so that a correct but
slower answer still passes. This prints each cell above 0.1 s and every cell over that
budget, per notebook, with one BLAS thread as grading runs:

    .venv/bin/python benchmarks/cell_cpu_time.py [source/a3_training/*.ipynb ...]
"""
import contextlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                  MPLBACKEND="module://matplotlib_inline.backend_inline")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from course.authoring.cells import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION  # noqa: E402
from course.settings import CELL_CPU_SECONDS  # noqa: E402
from grading_kernel.zygote import make_shell  # noqa: E402

BUDGET = CELL_CPU_SECONDS / 5
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)


def cell_times(path: Path):
    """(cell name, CPU seconds, error or None) of each code cell, in the fast engine's
    shell (its outputs kept as grading keeps them, figures rendered inline)."""
    shell, _ = make_shell()
    os.chdir(path.parent)
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if line.strip() not in MARKERS)
        started = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):  # the cells' own prints
            result = shell.run_cell(source, store_history=False)
        error = result.error_in_exec or result.error_before_exec
        yield (cell.metadata.get("nbgrader", {}).get("grade_id", cell.id),
               time.process_time() - started, error and type(error).__name__)


def one_notebook(path: Path) -> int:
    """Print the cells of one notebook; the number over the budget."""
    over = 0
    print(path.relative_to(ROOT))
    for name, seconds, error in cell_times(path):
        if seconds > 0.1 or error:
            flag = "  OVER the budget" if seconds > BUDGET else ""
            print(f"  {seconds:6.2f} CPU-s  {name}{f'  ({error})' if error else ''}{flag}")
        over += seconds > BUDGET
    return over


def main(paths):
    """Each notebook in a fresh process, as grading runs it."""
    over = 0
    for path in paths or sorted((ROOT / "source").rglob("*.ipynb")):
        run = subprocess.run([sys.executable, __file__, "--one", str(Path(path).resolve())],
                             capture_output=True, text=True)
        print(run.stdout, end="")
        over += run.returncode
    print(f"budget per cell: {BUDGET:.1f} CPU-s (a fifth of the {CELL_CPU_SECONDS} s limit); "
          f"cells over it: {over}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        sys.exit(one_notebook(Path(sys.argv[2])))
    main(sys.argv[1:])
