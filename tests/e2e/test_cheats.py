"""Cheats students try, each submitted through plain `nbgrader autograde`.

The class is graded by the fast engine (the default) and again by the kernel engine
(COURSE_ENGINE=kernel): the scores must agree cell by cell.

Every cheat answers the sigmoid exercise of a1_activations/activations.ipynb (the other
cells are left as released). With the course's defences it must score nothing on the
cells it targets. The same class is graded a second time with the defences switched
off (COURSE_DEFENCES=off, no sandbox, a plain kernel): a cheat marked
`works_without_defences` must then score there, which shows that the defence, not luck,
stops it.
"""
import collections
import subprocess
import textwrap
from dataclasses import dataclass, field

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from course.nbgrader_commands import ENVIRONMENT, NBGRADER, nbgrader
from course.settings import ENGINE_VARIABLE
from tests.conftest import copy_course

ASSIGNMENT = "a1_activations"
VALUES, EDGES = "test_sigmoid_values", "test_sigmoid_edge_cases"
ZEROS = "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"


@dataclass(frozen=True)
class Cheat:
    code: str                        # what the student puts in the sigmoid cell
    targets: tuple = (EDGES,)        # cells that must score 0 with the defences
    works_without_defences: bool = False
    message: str = ""                # what the autograded notebook must say, if anything
    edit: object = None              # a change to the notebook file itself
    files: dict = field(default_factory=dict)  # files submitted beside the notebook


def edit_sigmoid_tests(transform):
    def edit(notebook):
        kept = []
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in (VALUES, EDGES):
                cell = transform(cell)
            if cell is not None:
                kept.append(cell)
        notebook.cells = kept
    return edit


def blank_source(cell):
    cell.source = "pass"
    return cell


def renamed_ids(cell):
    cell.id = "renamed-" + cell.id
    cell.metadata["nbgrader"]["grade_id"] += "_renamed"
    return cell


def cheats(root):
    reference_file = f"{root}/solutions/{ASSIGNMENT}/activations.py"
    source_notebook = f"{root}/source/{ASSIGNMENT}/activations.ipynb"
    return {
        "rebinds_isclose": Cheat(ZEROS + textwrap.dedent("""
            np.isclose = lambda a, b, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
            np.allclose = lambda *a, **k: True
            np.all = lambda *a, **k: True"""), (VALUES, EDGES), True, "tampering detected"),
        "rebinds_testing": Cheat(ZEROS + textwrap.dedent("""
            np.testing.assert_allclose = lambda *a, **k: None
            np.testing.assert_array_equal = lambda *a, **k: None"""),
            message="np.testing.assert_allclose"),
        "rebinds_array_equal": Cheat(ZEROS + "np.array_equal = lambda *a, **k: True",
                                     message="np.array_equal"),
        "rebinds_math_isclose": Cheat(ZEROS + "import math\nmath.isclose = lambda *a, **k: True",
                                      message="math.isclose"),
        "rebinds_builtins": Cheat(ZEROS + textwrap.dedent("""
            import builtins
            builtins.all = builtins.any = lambda *a: True
            builtins.abs = lambda x: 0"""), message="tampering detected"),
        "rebinds_assertion_error": Cheat(ZEROS + textwrap.dedent("""
            import builtins
            builtins.AssertionError = type("Harmless", (Exception,), {})"""),
            message="tampering detected"),
        "imports_reference": Cheat(
            "from solutions.a1_activations.activations import sigmoid", (VALUES, EDGES), True,
            "reference solution"),
        "borrows_from_sys_modules": Cheat(textwrap.dedent("""
            import sys
            def sigmoid(z):
                return sys.modules["solutions.a1_activations.activations"].sigmoid(z)"""),
            (VALUES, EDGES), True, "reference solution"),
        "borrows_through_gc": Cheat(textwrap.dedent("""
            import gc
            def sigmoid(z):
                for thing in gc.get_objects():
                    if (getattr(thing, "__name__", "") == "sigmoid"
                            and getattr(thing, "__module__", "").startswith("solutions")):
                        return thing(z)"""), (VALUES, EDGES), True, "gc.get_objects"),
        "borrows_through_frames": Cheat(textwrap.dedent("""
            import inspect
            def sigmoid(z):
                for frame_info in inspect.stack():
                    if "reference" in frame_info.frame.f_locals:
                        return frame_info.frame.f_locals["reference"](z)"""),
            (VALUES, EDGES), True, "reference solution"),
        "reads_reference_file": Cheat(f"exec(open({reference_file!r}).read())",
                                      (VALUES, EDGES), True),
        "reads_source_notebook": Cheat(textwrap.dedent(f"""
            import json
            for cell in json.load(open({source_notebook!r}))["cells"]:
                if cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "sigmoid":
                    exec("".join(line for line in cell["source"] if "###" not in line))"""),
            (VALUES, EDGES), True),
        "hard_codes_answers": Cheat(textwrap.dedent("""
            KNOWN = {0.0: 0.5, -3.0: 0.04742587317756678, 3.0: 0.9525741268224334}
            def sigmoid(z):
                return np.vectorize(lambda v: KNOWN.get(float(v), 0.0), otypes=[float])(z)"""),
            (VALUES, EDGES)),
        "submits_fake_graders": Cheat(ZEROS, (VALUES, EDGES), files={
            "graders/__init__.py": "",
            "graders/a1_activations/__init__.py": "",
            "graders/a1_activations/activations.py":
                "def __getattr__(name):\n    return lambda *args, **kwargs: None\n"}),
        "patches_the_checks": Cheat(ZEROS + textwrap.dedent("""
            import graders.a1_activations.activations as checks
            checks.check_sigmoid_edge_cases = lambda *args: None"""), works_without_defences=True),
        "swaps_the_grader_module": Cheat(ZEROS + textwrap.dedent("""
            import sys, types
            sys.modules["graders.a1_activations.activations"] = types.SimpleNamespace(
                check_sigmoid_edge_cases=lambda *args: None)"""), works_without_defences=True),
        "rewrites_test_cells": Cheat(ZEROS + textwrap.dedent("""
            get_ipython().input_transformers_post.append(
                lambda lines: ["pass\\n"] if any("check_" in line for line in lines) else lines)"""),
            (VALUES, EDGES), True, "did not run"),
        "swallows_exceptions": Cheat(ZEROS + textwrap.dedent("""
            get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)""")),
        "hides_tracebacks": Cheat(ZEROS + "get_ipython().showtraceback = lambda *a, **k: None"),
        "silences_warnings": Cheat(textwrap.dedent("""
            import warnings
            warnings.simplefilter("ignore")
            np.seterr(all="ignore")
            def sigmoid(z):
                return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))"""), message="RuntimeWarning"),
        "blanks_test_cells": Cheat(ZEROS, (VALUES, EDGES), edit=edit_sigmoid_tests(blank_source)),
        "deletes_test_cells": Cheat(ZEROS, (VALUES, EDGES),
                                    edit=edit_sigmoid_tests(lambda cell: None)),
        "renames_test_cells": Cheat(ZEROS, (VALUES, EDGES), edit=edit_sigmoid_tests(renamed_ids)),
        "fixes_the_seed": Cheat(ZEROS + 'import os\nos.environ["GRADER_SEED"] = "1"'),
        "kills_the_kernel_before_tests": Cheat(ZEROS + "import os\nos._exit(0)", (VALUES, EDGES)),
    }


def write_cheat(root, student, cheat):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    notebook = nbformat.read(root / "release" / ASSIGNMENT / "activations.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell.source = cheat.code
    if cheat.edit:
        cheat.edit(notebook)
    nbformat.write(notebook, folder / "activations.ipynb")
    for path, text in cheat.files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)


def grade(root, classes, *extra, **environment):
    """Write the class and start grading it with plain `nbgrader autograde`, with
    `environment` (e.g. COURSE_ENGINE, COURSE_DEFENCES) on top of the usual one; the
    running nbgrader process."""
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    for student, cheat in classes.items():
        write_cheat(root, student, cheat)
    honest = Cheat("def sigmoid(z):\n    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))")
    write_cheat(root, "honest", honest)
    # nbgrader exits 1 when it cannot grade a student (renamed test cells): that
    # student is flagged, the others are graded
    return subprocess.Popen([NBGRADER, "autograde", ASSIGNMENT, *extra], cwd=root,
                            env={**ENVIRONMENT, **environment},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def scores(root, student):
    """{grade_id: score}; a submission nbgrader refused to grade scores 0 everywhere."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        try:
            notebook = gradebook.find_submission_notebook("activations", ASSIGNMENT, student)
        except MissingEntry:
            return collections.defaultdict(float)
        return {grade.name: grade.score for grade in notebook.grades}


def error_text(root, student):
    notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT / "activations.ipynb",
                             as_version=4)
    return "\n".join(output.get("evalue", "") for cell in notebook.cells
                     for output in cell.get("outputs", []) if output.output_type == "error")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    defended = copy_course(tmp_path_factory.mktemp("defended") / "course")
    by_kernels = copy_course(tmp_path_factory.mktemp("by_kernels") / "course")
    undefended = copy_course(tmp_path_factory.mktemp("undefended") / "course")
    catalogue = cheats(defended)
    # three courses graded at once: limits count CPU time, so a busy machine changes no score
    runs = [grade(defended, catalogue),
            grade(by_kernels, cheats(by_kernels), **{ENGINE_VARIABLE: "kernel"}),
            # the plainest grading there is: a kernel per notebook, no sandbox, no
            # defences (the fast engine's zygote even keeps its objects out of gc's reach)
            grade(undefended, cheats(undefended), "--SandboxedExecute.sandbox=False",
                  **{ENGINE_VARIABLE: "kernel", "COURSE_DEFENCES": "off"})]
    for run in runs:
        run.wait()
    return defended, undefended, catalogue, by_kernels


def test_the_catalogue_holds_at_least_fifteen_cheats(graded):
    """Are there fifteen distinct cheats or more, and do most work without defences?"""
    _, _, catalogue, _ = graded
    assert len(catalogue) >= 15
    assert sum(cheat.works_without_defences for cheat in catalogue.values()) >= 8


def test_an_honest_answer_scores(graded):
    """Does a correct sigmoid written differently earn its cells, with the defences on?"""
    defended, _, _, _ = graded
    assert scores(defended, "honest")[VALUES] == 2 and scores(defended, "honest")[EDGES] == 1


@pytest.mark.parametrize("student", sorted(cheats("/course")))
def test_each_cheat_scores_nothing_on_what_it_games(graded, student):
    """Does the cheat score 0 on its target cells, and say why where it should?"""
    defended, _, catalogue, _ = graded
    cheat = catalogue[student]
    got = scores(defended, student)
    assert all(got[target] == 0 for target in cheat.targets), got
    if cheat.message:
        assert cheat.message in error_text(defended, student)
    # nbgrader itself refuses a notebook whose test cells were renamed: flagged, no points
    assert (defended / "autograded" / student).exists() or student == "renames_test_cells"


@pytest.mark.parametrize("student", sorted(
    name for name, cheat in cheats("/course").items() if cheat.works_without_defences))
def test_without_the_defences_the_cheat_would_score(graded, student):
    """Is it the defence that stops this cheat: does it score with the defences off?"""
    _, undefended, catalogue, _ = graded
    got = scores(undefended, student)
    assert any(got[target] > 0 for target in catalogue[student].targets), got


def test_the_kernel_engine_scores_every_cheat_alike(graded):
    """Does grading the catalogue with a Jupyter kernel per notebook give every student
    the same score, cell by cell, as the fast engine?"""
    defended, _, catalogue, by_kernels = graded
    for student in [*catalogue, "honest"]:
        assert dict(scores(by_kernels, student)) == dict(scores(defended, student)), student
