"""The fast engine (course/steps/fast_engine.py, grading_kernel/zygote.py) against a Jupyter kernel.

The scores of whole classes are compared engine against engine in test_grade_command.py
(the demo class, the held-out-style answers, the hostile class) and test_cheats.py (the
cheats). Here: that the executed cells nbgrader receives look as a kernel's would, and
that nothing one child does reaches the zygote or the next student.
"""
import collections
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook
from traitlets.config import Config

from course.pipeline import grade_command
from course.steps import fast_engine
from course.steps.fast_engine import ForkedExecute, close_zygotes
from course.nbgrader_commands import nbgrader
from course.sample_class import changed
from course.steps.sandbox import SandboxedExecute
from course.settings import COURSE_ROOT
from course.submissions import reference_answers, write_submission
from tests.conftest import copy_course

ASSIGNMENT = "a1_activations"


def graded_cell(source, grade_id):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": 1,
                                 "solution": False, "locked": True, "schema_version": 3}
    return cell


CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt",
    "print('printed'); 1 + 1",                                  # stream, then a result
    "plt.plot([1, 2]); plt.show()",                             # an inline figure
    "import warnings; warnings.warn('careful')",                # stderr, which scores 0
    "np.float64(1) / 0",                                        # a RuntimeWarning and a value
    "raise ValueError('wrong')",
    "from IPython.display import HTML, display; display(HTML('<b>bold</b>')); 3",
    "input('?')",                                               # no stdin while grading
    "import sys; sys.exit()",
    "",                                                         # not executed
    graded_cell("assert 1 + 1 == 2", "passes"),
    graded_cell("import os; os._exit(3)", "kills_the_kernel"),
    graded_cell("assert True", "after_the_death"),
]


def executed(engine, *notebooks, timeout=15, cpu_seconds=15, folder=None):
    """Each list of cells (sources or cells) as a notebook, executed in turn by one
    `engine` preprocessor in `folder` (a scratch one by default); the executed notebooks."""
    config = Config()
    config.CourseDirectory.root = str(COURSE_ROOT)
    config.Execute.timeout = timeout
    config.SandboxedExecute.cell_cpu_seconds = cpu_seconds
    preprocessor = engine(config=config)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = folder or scratch
        for cells in notebooks:
            notebook = new_notebook(cells=[new_code_cell(cell) if isinstance(cell, str)
                                           else cell.copy() for cell in cells])
            results.append(preprocessor.preprocess(notebook, {"metadata": {"path": folder}})[0])
    close_zygotes()
    return results


def summary(cell):
    """What nbgrader and a reader see of a cell: its count, and its outputs' kinds. (A
    kernel gives the cell it dies in a count or not, depending on timing.)"""
    kinds = collections.Counter(
        (output.output_type, output.get("name") or output.get("ename"),
         tuple(sorted(output.get("data", {}))))
        for output in cell.get("outputs", []))
    died = ("error", "NotExecuted", ()) in kinds
    return None if died else cell.get("execution_count"), kinds


def test_cells_come_back_as_a_kernel_returns_them():
    """Does every cell carry the execution count and the kinds of output (streams,
    results, figures, errors by name) that a Jupyter kernel gives it?"""
    [by_kernel], [by_fork] = executed(SandboxedExecute, CELLS), executed(ForkedExecute, CELLS)
    for index, (kernel_cell, fork_cell) in enumerate(zip(by_kernel.cells, by_fork.cells)):
        assert summary(fork_cell) == summary(kernel_cell), (index, fork_cell.source)
    errors = [output.evalue for output in by_fork.cells[5].outputs]
    assert errors == ["wrong"]
    assert "text/plain" in by_fork.cells[1].outputs[-1].data


def test_output_below_pythons_streams_is_kept():
    """Output written to the file descriptors themselves (C code, os.write) is the
    cell's; a kernel forwards it only when its capture thread is quick enough, so this
    one is not compared with a kernel."""
    [notebook] = executed(ForkedExecute, ["import os; os.write(2, b'fd 2\\n')"])
    streams = [(output.name, output.text) for output in notebook.cells[0].outputs
               if output.output_type == "stream"]
    assert streams == [("stderr", "fd 2\n")]


HARMFUL = """
import numpy as np, os, sys, threading, time
np.exp = lambda z: np.zeros_like(z)              # monkeypatch the library
np.random.seed(0)
sys.modules["math"].pi = 3
os.environ["PYTHONPATH"] = "/nowhere"
try:
    with open("{site_packages}/left_by_a_student.txt", "w") as file:  # into site-packages
        file.write("harm")
except OSError:
    pass
with open("/tmp/filler", "wb") as file:          # fill /tmp
    file.write(bytes(300 * 2**20))
for number in range(2000):
    open(f"/tmp/small-{{number}}", "w").write("x")
os.makedirs("/tmp/locked/inside")
os.chmod("/tmp/locked", 0)
with open("numpy.py", "w") as file:              # a module beside the next notebook
    file.write("raise ImportError('shadowed')")
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
"""


@pytest.fixture(scope="module")
def one_worker_class(tmp_path_factory):
    """A student doing harm, then healthy students, graded one after another by the
    same zygote (one worker)."""
    root = copy_course(tmp_path_factory.mktemp("zygote") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    reference = reference_answers(root / "source" / ASSIGNMENT)
    harm = textwrap.dedent(HARMFUL.format(site_packages=sysconfig.get_paths()["purelib"]))
    students = {
        "a_healthy": reference,
        "b_harmful": changed(reference, {"activations": {
            "sigmoid": reference["activations"]["sigmoid"] + "\n" + harm}}),
        "c_healthy": reference,
        "d_healthy": reference,
    }
    for student, answers in students.items():
        write_submission(root / "release" / ASSIGNMENT, root / "submitted" / student / ASSIGNMENT,
                         answers)
    folders_before = set(Path(tempfile.gettempdir()).glob("zygote-*"))
    assert grade_command.main(root, ASSIGNMENT, workers=1) == 0
    LEFT_BEHIND.update(set(Path(tempfile.gettempdir()).glob("zygote-*")) - folders_before)
    return root


LEFT_BEHIND = set()  # zygote folders the fixture's run did not remove


def scores(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {(notebook.name, grade.name): grade.score
                for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks
                for grade in notebook.grades}


def test_nothing_a_child_does_reaches_the_next_student(one_worker_class):
    """After a child that patched numpy, wrote into site-packages, filled /tmp and left
    a module and a thread behind, do the next students score exactly as one before?"""
    before = scores(one_worker_class, "a_healthy")
    assert sum(before.values()) > 0
    assert scores(one_worker_class, "c_healthy") == before
    assert scores(one_worker_class, "d_healthy") == before


def test_site_packages_are_untouched(one_worker_class):
    assert not (Path(sysconfig.get_paths()["purelib"]) / "left_by_a_student.txt").exists()


def test_no_zygote_outlives_the_run(one_worker_class):
    """Are the zygote processes and their folders gone once the grade command is done?"""
    survivors = subprocess.run(["pgrep", "-f", "from grading_kernel import zygote"],
                               capture_output=True, text=True)
    assert survivors.stdout.strip() == ""
    assert not LEFT_BEHIND


def test_grade_help_answers_without_loading_nbgrader():
    """`python -m course grade --help` must answer at once: it imports nothing heavy."""
    probe = ("import sys, runpy; sys.argv = ['course', 'grade', '--help']\n"
             "try:\n    runpy.run_module('course', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "heavy = [m for m in ('nbgrader', 'numpy', 'matplotlib', 'IPython') if m in sys.modules]\n"
             "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=COURSE_ROOT,
                            capture_output=True, text=True)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_a_child_that_ignores_the_interrupt_is_killed():
    """A cell that ignores the timeout's interrupt: is the child killed one time limit
    later, the cell scored 0, the test cells after it too, and the next notebook fine?"""
    stubborn = ("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True:\n    time.sleep(0.1)")
    notebook, after = executed(
        ForkedExecute, [stubborn, graded_cell("assert True", "after_the_loop")],
        [graded_cell("1 + 1", "next")], timeout=2)
    assert [output.ename for output in notebook.cells[0].outputs] == ["CellTimeoutError"]
    assert [output.ename for output in notebook.cells[1].outputs] == ["NotExecuted"]
    assert "would not stop" in notebook.cells[1].outputs[0].evalue
    assert [output.output_type for output in after.cells[0].outputs] == ["execute_result"]


def test_without_bubblewrap_the_engine_still_grades_and_says_so(caplog, monkeypatch):
    """Where bubblewrap is missing, do cells still run, with a loud warning in the log?"""
    monkeypatch.setattr(fast_engine, "sandbox_available", lambda: False)
    [notebook] = executed(ForkedExecute, [graded_cell("print(6 * 7)", "answer")])
    assert [output.text for output in notebook.cells[0].outputs] == ["42\n"]
    assert "SANDBOX UNAVAILABLE" in caplog.text


def test_huge_outputs_are_cut_not_carried():
    """Output far beyond what nbgrader keeps: is it cut in the child, the cell's error
    kept, and the notebook graded?"""
    [notebook] = executed(ForkedExecute, [
        "import os\nfor _ in range(200):\n    os.write(1, b'x' * 2**20)",
        "from IPython.display import display\n"
        "display({'text/plain': 'y' * 30 * 2**20}, raw=True)\nraise ValueError('kept')"])
    assert sum(len(output.get("text", "")) for output in notebook.cells[0].outputs) < 2 * 2**20
    display, error = notebook.cells[1].outputs
    assert "too large to keep" in display.data["text/plain"] and error.evalue == "kept"


ENGINES = pytest.mark.parametrize("engine", [SandboxedExecute, ForkedExecute],
                                  ids=["kernel", "fork"])


def error_names(cell):
    return [output.ename for output in cell.outputs if output.output_type == "error"]


@ENGINES
def test_a_cell_is_limited_by_its_cpu_time_not_the_wall_clock(engine):
    """Does a cell that waits longer than its CPU limit (using no CPU) finish, while one
    that computes past it is stopped and scores 0, even when it catches the error?"""
    [notebook] = executed(engine, [
        graded_cell("import time\ntime.sleep(3)\nprint('slept')", "sleeps"),
        graded_cell("while True:\n    pass", "spins"),
        graded_cell("try:\n    while True:\n        pass\nexcept BaseException:\n    pass\n"
                    "print('caught')", "catches"),
        graded_cell("print('next')", "next")], timeout=30, cpu_seconds=1)
    sleeps, spins, catches, after = notebook.cells
    assert error_names(sleeps) == [] and sleeps.outputs[0].text == "slept\n"
    assert error_names(spins) == ["CellCPUTimeExceeded"]
    assert "CPU time" in spins.outputs[-1].evalue
    assert error_names(catches) == ["CellCPUTimeExceeded"]
    assert error_names(after) == [] and after.outputs[0].text == "next\n"


@ENGINES
def test_what_a_notebook_writes_stays_in_its_scratch_folder(engine, tmp_path):
    """Can a notebook write files where it runs, yet leave nothing in the folder it was
    graded from (autograded/), and fail to write one larger than the limit?"""
    (tmp_path / "given.txt").write_text("a file beside the notebook")
    [notebook] = executed(engine, [
        "import os\nprint(open('given.txt').read())\nopen('left.txt', 'w').write('x')\n"
        "print(os.path.exists('left.txt'))",
        "open('big.bin', 'wb').write(b'0' * 200 * 2**20)"], folder=str(tmp_path))
    assert notebook.cells[0].outputs[0].text == "a file beside the notebook\nTrue\n"
    assert error_names(notebook.cells[1]) == ["OSError"]
    assert "too large" in notebook.cells[1].outputs[0].evalue
    assert sorted(path.name for path in tmp_path.iterdir()) == ["given.txt"]
