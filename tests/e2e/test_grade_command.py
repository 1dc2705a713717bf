"""`python -m course grade`: a class with hostile and broken submissions, graded in one run.

Every case is a student graded among healthy ones; each may cost only its own points,
must be named with its reason in the records, and must leave every other score and
file intact.
"""
import csv
import json
import os
import shutil
import subprocess
import textwrap

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.pipeline import grade_command
from course.pipeline.grading import load_results
from course.nbgrader_commands import nbgrader
from course.sample_class import DEMO, TESTS, changed, complete, untouched
from course.submissions import reference_answers, write_submission
from tests.conftest import GradedCourse, copy_course

ASSIGNMENT = "a1_activations"
NOTEBOOKS = ("activations", "prelu")
ALL = "all"  # every automatic point of a notebook is lost


def prepend(reference, notebook, cell, code):
    """The reference answers with `code` run before one solution cell's own code."""
    source = reference[notebook][cell]
    return changed(reference, {notebook: {cell: textwrap.dedent(code) + "\n" + source}})


def append(reference, notebook, cell, code):
    source = reference[notebook][cell]
    return changed(reference, {notebook: {cell: source + "\n" + textwrap.dedent(code)}})


def hostile(root):
    """{student: (answers_fn, edit_files_fn or None, {notebook: lost cells or ALL},
    a word the records must name or None)}."""
    course = str(root)

    def corrupt(folder):
        (folder / "activations.ipynb").write_text("{ this is not json")

    def empty(folder):
        (folder / "prelu.ipynb").write_text("")

    def missing(folder):
        (folder / "prelu.ipynb").unlink()

    def renamed(folder):
        (folder / "activations.ipynb").rename(folder / "activations (1).ipynb")

    def extra(folder):
        (folder / "scratch.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))

    def tests_deleted_and_edited(folder):
        path = folder / "activations.ipynb"
        notebook = nbformat.read(path, as_version=4)
        notebook.cells = [c for c in notebook.cells
                          if c.metadata.get("nbgrader", {}).get("grade_id") != "test_sigmoid_values"]
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_relu_values":
                cell.source = "pass"
        nbformat.write(notebook, path)

    def tests_renamed(folder):
        path = folder / "activations.ipynb"
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_relu_values":
                cell.id = "mine"
                cell.metadata["nbgrader"]["grade_id"] = "mine"
                cell.source = "pass"
        nbformat.write(notebook, path)

    source_prelu = root / "source" / ASSIGNMENT / "prelu.ipynb"

    def links_the_source(folder):
        (folder / "prelu.ipynb").unlink()
        (folder / "prelu.ipynb").symlink_to(source_prelu)

    def hard_links_the_source(folder):
        (folder / "prelu.ipynb").unlink()
        os.link(source_prelu, folder / "prelu.ipynb")

    def edit_cells(folder, notebook, edit):
        """Apply `edit(cells)` to the notebook's plain JSON (what a text editor allows)."""
        path = folder / f"{notebook}.ipynb"
        raw = json.loads(path.read_text())
        edit(raw["cells"])
        path.write_text(json.dumps(raw))

    def nbgrader_cell(cells, kind):
        return next(c for c in cells if c["metadata"].get("nbgrader", {}).get(kind))

    def answer_graded(folder):  # an answer cell re-marked as a test worth 100 points
        edit_cells(folder, "prelu", lambda cells: nbgrader_cell(cells, "solution")[
            "metadata"]["nbgrader"].update(grade=True, points=100))

    def duplicate_id(folder):  # a test cell pasted twice, the copy emptied
        def edit(cells):
            copy = json.loads(json.dumps(nbgrader_cell(cells, "grade")))
            copy["source"] = "pass"
            cells.append(copy)
        edit_cells(folder, "activations", edit)

    def old_schema(folder):
        edit_cells(folder, "prelu", lambda cells: nbgrader_cell(cells, "grade")[
            "metadata"]["nbgrader"].update(schema_version=1))

    def malformed_cells(folder):
        edit_cells(folder, "activations", lambda cells: cells.extend([
            {"cell_type": "code", "source": 42}, None, "text", {"cell_type": "image"},
            {"cell_type": "markdown", "source": "# \ud800 a lone surrogate"}]))

    def fifo(folder):
        (folder / "prelu.ipynb").unlink()
        os.mkfifo(folder / "prelu.ipynb")

    def folder_notebook(folder):
        (folder / "prelu.ipynb").unlink()
        (folder / "prelu.ipynb").mkdir()
        (folder / "prelu.ipynb" / "x.ipynb").write_text("{}")

    def sparse(folder):
        with open(folder / "prelu.ipynb", "r+b") as file:
            file.truncate(2**30)

    def borrows_healthy(folder):  # the submission folder is a link to another student's
        shutil.rmtree(folder)
        folder.symlink_to(root / "submitted" / "healthy" / ASSIGNMENT)

    def bad_timestamp(folder):
        (folder / "timestamp.txt").write_text("tomorrow, honestly")

    def shadows_modules(folder):
        (folder / "numpy.py").write_text("raise SystemExit('shadowed')")
        (folder / "graders").mkdir()
        (folder / "graders" / "__init__.py").write_text(
            "def __getattr__(name):\n    return lambda *args, **kwargs: None\n")

    sigmoid_cells = {"test_sigmoid_values", "test_sigmoid_edge_cases",
                     "test_sigmoid_derivative_values", "test_sigmoid_derivative_edge_cases"}
    return {
        "healthy": (complete, None, {}, None),
        "loops": (lambda r: prepend(r, "activations", "sigmoid", "while True:\n    pass"),
                  None, {"activations": sigmoid_cells}, "time limit"),
        "exits": (lambda r: prepend(r, "prelu", "prelu", "import os\nos._exit(1)"),
                  None, {"prelu": {"test_prelu_forward_scalar", "test_prelu_forward_channels",
                                   "test_prelu_backward_grad_z", "test_prelu_grad_alpha_scalar",
                                   "test_prelu_grad_alpha_channels",
                                   "test_prelu_backward_numerically"}}, "did not run"),
        "segfaults": (lambda r: append(r, "activations", "selu",
                                       "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"),
                      None, {"activations": {"test_selu_values", "test_selu_edge_cases"}},
                      "did not run"),
        "eats_memory": (lambda r: prepend(r, "activations", "relu",
                                          "hog = bytearray(30 * 2**30)"),
                        None, {"activations": {"test_relu_values", "test_relu_edge_cases"}},
                        None),
        "floods": (lambda r: append(r, "activations", "tanh_derivative",
                                    "for line in range(10**7):\n    print(line)"),
                   None, {}, None),
        "exits_politely": (lambda r: append(r, "activations", "relu", "import sys\nsys.exit()"),
                           None, {}, None),
        "leaves_processes": (lambda r: append(r, "prelu", "prelu", """
            import os, subprocess, threading, time
            threading.Thread(target=time.sleep, args=(986,)).start()
            try:
                subprocess.Popen(["sleep", "987"])
            except PermissionError:  # the grading kernel refuses new processes
                os.system("sleep 987 &")"""), None, {}, None),
        "corrupt": (complete, corrupt, {"activations": ALL}, "not a notebook"),
        "empty": (complete, empty, {"prelu": ALL}, "empty file"),
        "missing": (complete, missing, {"prelu": ALL}, "missing"),
        "renamed": (complete, renamed, {}, "activations (1).ipynb"),
        "extra": (complete, extra, {}, "scratch.ipynb"),
        "edits_tests": (complete, tests_deleted_and_edited, {}, None),
        "renames_tests": (complete, tests_renamed, {}, "unknown nbgrader ids"),
        "edits_tests_blank": (untouched, tests_deleted_and_edited,
                              {"activations": ALL, "prelu": ALL}, None),
        "destroys": (lambda r: prepend(r, "activations", "sigmoid", f"""
            import os, shutil
            for attack in (lambda: os.remove("{course}/gradebook.db"),
                           lambda: shutil.rmtree("{course}/source"),
                           lambda: shutil.rmtree("{course}/submitted/healthy"),
                           lambda: shutil.rmtree("{course}/autograded/healthy"),
                           lambda: open("{course}/nbgrader_config.py", "w").write("")):
                try:
                    attack()
                except Exception:
                    pass"""), None, {}, None),
        "links_source": (complete, links_the_source, {"prelu": ALL}, "symbolic link"),
        "hard_links_source": (complete, hard_links_the_source, {"prelu": ALL}, "hard link"),
        "answer_graded": (complete, answer_graded, {}, "restored"),
        "duplicate_id": (complete, duplicate_id, {}, "second copies"),
        "old_schema": (complete, old_schema, {}, "restored"),
        "malformed_cells": (complete, malformed_cells, {}, "malformed cell(s) dropped"),
        "fifo": (complete, fifo, {"prelu": ALL}, "named pipe"),
        "folder_notebook": (complete, folder_notebook, {"prelu": ALL}, "a folder"),
        "sparse": (complete, sparse, {"prelu": ALL}, "over the"),
        "borrows_healthy": (complete, borrows_healthy, {"activations": ALL, "prelu": ALL},
                            "symbolic link"),
        "bad_timestamp": (complete, bad_timestamp, {}, "timestamp.txt"),
        "shadows_modules": (complete, shadows_modules, {}, "numpy.py"),
        # an error message of 100 MB: cut to the notebook's output budget
        "long_error": (lambda r: append(r, "activations", "relu",
                                        "raise ValueError('x' * 10**8)"),
                       None, {}, "cut"),
        # writing 1 GiB where it runs: the write stops at the file size limit, and the
        # scratch folder is gone after grading
        "fills_disk": (lambda r: append(r, "prelu", "prelu", """
            try:
                with open("big.bin", "wb") as file:
                    for _ in range(1024):
                        file.write(b"0" * 2**20)
            except OSError:
                pass"""), None, {}, None),
        # it defines sigmoid only if it can read another student's submission
        "peeks": (lambda r: changed(r, {"activations": {"sigmoid": f"""
try:
    open("{course}/submitted/healthy/{ASSIGNMENT}/activations.ipynb").read()
    from scipy.special import expit as sigmoid
except OSError:
    pass"""}}), None, {"activations": sigmoid_cells}, None),
    }


# What the engine runs, and the failures issue 14 names, are graded by both engines. The
# kinds that only staging meets (it runs before either engine, the same for both) are
# graded by the fast engine alone: a kernel per notebook costs seconds.
FOR_BOTH_ENGINES = {"healthy", "loops", "exits", "segfaults", "eats_memory", "floods",
                    "exits_politely", "leaves_processes", "destroys", "peeks",
                    "links_source", "hard_links_source", "answer_graded", "duplicate_id",
                    "old_schema", "long_error", "fills_disk", "shadows_modules"}


def grade_hostile_class(root, engine=None, only=None):
    """Write the hostile class into the course copy `root` and grade it with `engine`.
    A cell may use 5 s of CPU time here (15 s in the course): the loops and floods meet
    the same limit, sooner, and every a1 reference cell stays well within it."""
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxedExecute.cell_cpu_seconds = 5\n")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    reference = reference_answers(root / "source" / ASSIGNMENT)
    cases = {student: case for student, case in hostile(root).items()
             if only is None or student in only}
    for student, (answers, edit, _, _) in cases.items():
        folder = root / "submitted" / student / ASSIGNMENT
        write_submission(root / "release" / ASSIGNMENT, folder, answers(reference))
        if edit:
            edit(folder)
    snapshot = {path: path.read_bytes() for path in (root / "source").rglob("*") if path.is_file()}
    healthy_files = {path: path.read_bytes() for path in
                     (root / "submitted" / "healthy").rglob("*") if path.is_file()}
    assert grade_command.main(root, ASSIGNMENT, workers=2, engine=engine) == 0
    return root, cases, snapshot, healthy_files


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """The hostile class graded by the default, fast engine."""
    return grade_hostile_class(copy_course(tmp_path_factory.mktemp("hostile") / "course"))


def cell_scores(root, student, notebook, automatic=False):
    """{grade_id: (score, max_score)}; with `automatic`, the autograder's score even
    where an instructor gave a manual one."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submitted = gradebook.find_submission_notebook(notebook, ASSIGNMENT, student)
        return {grade.name: (grade.auto_score if automatic else grade.score, grade.max_score)
                for grade in submitted.grades}


def test_each_hostile_submission_costs_only_its_own_points(hostile_class):
    """Does every student score exactly the cells its breakage does not touch?"""
    root, cases, _, _ = hostile_class
    for student, (_, _, lost, _) in cases.items():
        for notebook in NOTEBOOKS:
            for grade_id, (score, max_score) in cell_scores(root, student, notebook).items():
                should_lose = lost.get(notebook) == ALL or grade_id in lost.get(notebook, ())
                assert score == (0 if should_lose else max_score), (
                    f"{student} {notebook} {grade_id}: {score}/{max_score}")


def test_each_abnormal_submission_is_named_with_its_reason(hostile_class):
    """Do the grading records name what went wrong with each broken submission?"""
    root, cases, _, _ = hostile_class
    results = load_results(root, ASSIGNMENT)
    assert set(results) == set(cases)
    for student, (_, _, _, reason) in cases.items():
        if reason:
            assert any(reason in problem for problem in results[student].problems), (
                student, results[student].problems)
    assert not results["healthy"].problems and results["healthy"].status == "graded"


def test_nothing_outside_a_submission_is_damaged(hostile_class):
    """Are the source notebooks, the config and the healthy student's files untouched?"""
    root, _, snapshot, healthy_files = hostile_class
    for path, content in snapshot.items():
        assert path.read_bytes() == content
    for path, content in healthy_files.items():
        assert path.read_bytes() == content
    assert (root / "nbgrader_config.py").read_text().strip()
    assert (root / "autograded" / "healthy" / ASSIGNMENT / "activations.ipynb").exists()


def assert_nothing_large_is_left(root):
    """No file of the course over 10 MiB, and no student's graded or feedback folder over
    a few MiB: what a notebook writes stays in its scratch space, and its outputs within
    the budget."""
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and "submitted" not in path.parts:
            assert path.stat().st_size < 10 * 2**20, path
    for folder in ("autograded", "feedback"):
        for student in (root / folder).iterdir():
            total = sum(p.stat().st_size for p in student.rglob("*") if p.is_file())
            assert total < 6 * 2**20, (folder, student.name, total)


def test_what_a_notebook_writes_is_bounded(hostile_class):
    """Does a 100 MB error or a 1 GiB file leave nothing large in the course?"""
    root, _, _, _ = hostile_class
    assert_nothing_large_is_left(root)
    assert not list((root / "autograded" / "fills_disk").rglob("big.bin"))


def test_a_link_to_the_source_shows_no_solution(hostile_class):
    """Does the student who linked the instructor's notebook get feedback without the
    solution or the hidden tests?"""
    root, _, _, _ = hostile_class
    solution_line = "contribution = np.where("  # a line of the reference PReLU
    assert solution_line in (root / "source" / ASSIGNMENT / "prelu.ipynb").read_text()
    for student in ("links_source", "hard_links_source", "borrows_healthy"):
        for folder in ("autograded", "feedback"):
            for path in (root / folder / student / ASSIGNMENT).glob("prelu.*"):
                text = path.read_text()
                assert "BEGIN SOLUTION" not in text and solution_line not in text, path


def test_no_process_outlives_grading(hostile_class):
    """Are the processes and threads a submission left running gone after grading?"""
    survivors = subprocess.run(["pgrep", "-f", "sleep 987"], capture_output=True, text=True)
    assert survivors.stdout.strip() == ""


def test_grades_csv_and_report_agree_with_the_gradebook(hostile_class):
    """Do grades/<assignment>.csv and the report's numbers match the gradebook?"""
    root, cases, _, _ = hostile_class
    with open(root / "grades" / f"{ASSIGNMENT}.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(cases)
    for student in cases:
        for notebook in NOTEBOOKS:
            expected = sum(score for score, _ in cell_scores(root, student, notebook).values())
            assert float(rows[student][f"{ASSIGNMENT}/{notebook}"]) == expected
    report = root / "reports" / ASSIGNMENT
    assert (report / "index.html").exists()
    for figure in ("scores", "items", "similarity", "submissions"):
        assert (report / f"{figure}.png").stat().st_size > 0
    with open(report / "scores.csv", newline="") as file:
        graded = {row["student"] for row in csv.DictReader(file)}
    assert graded and graded <= set(cases)
    with open(report / "items.csv", newline="") as file:
        items = {row["check"]: row for row in csv.DictReader(file) if row["notebook"] == "activations"}
    earned = [score / max_score for score, max_score in (
        cell_scores(root, student, "activations")["test_sigmoid_values"] for student in graded)]
    assert int(items["test_sigmoid_values"]["students"]) == len(graded)
    assert float(items["test_sigmoid_values"]["difficulty"]) == pytest.approx(
        sum(earned) / len(earned), abs=0.005)
    with open(report / "submissions.csv", newline="") as file:
        assert {row["student"] for row in csv.DictReader(file)} == set(cases)


def test_a_second_run_regrades_only_what_changed_and_keeps_manual_grades(hostile_class):
    """Does re-running skip unchanged submissions, regrade a changed one, and keep a
    manual grade an instructor gave?"""
    root, _, _, _ = hostile_class
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("test_relu_values", "activations", ASSIGNMENT, "healthy")
        grade.manual_score = 1.5
        gradebook.db.commit()
    folder = root / "submitted" / "extra" / ASSIGNMENT
    (folder / "notes.txt").write_text("changed after the first run")
    assert grade_command.main(root, ASSIGNMENT, workers=2) == 0
    results = load_results(root, ASSIGNMENT)
    assert results["extra"].status == "graded"
    assert {r.status for s, r in results.items() if s != "extra"} == {"unchanged"}
    assert cell_scores(root, "healthy", "activations")["test_relu_values"][0] == 1.5
    # the records on disk are the ones just written
    assert json.loads((root / ".grading" / ASSIGNMENT / "results.json").read_text())


def test_the_kernel_engine_scores_the_hostile_class_alike(hostile_class, tmp_path):
    """Does the kernel engine (a Jupyter kernel per notebook) give every hostile
    submission it runs the same score, cell by cell, as the fast engine, name the same
    reasons, and leave nothing large behind?"""
    fast_root, _, _, _ = hostile_class
    kernel_root, cases, _, _ = grade_hostile_class(copy_course(tmp_path / "course"), "kernel",
                                                   only=FOR_BOTH_ENGINES)
    assert set(cases) == FOR_BOTH_ENGINES
    assert_nothing_large_is_left(kernel_root)
    results = load_results(kernel_root, ASSIGNMENT)
    for student, (_, _, _, reason) in cases.items():
        assert reason is None or any(reason in p for p in results[student].problems), (
            student, results[student].problems)
    for student in cases:
        for notebook in NOTEBOOKS:
            assert (cell_scores(kernel_root, student, notebook, automatic=True)
                    == cell_scores(fast_root, student, notebook, automatic=True)), (
                student, notebook)


@pytest.mark.parametrize("assignment", sorted(DEMO))
def test_grading_matches_sequential_nbgrader_cell_by_cell(graded_course, tmp_path, assignment):
    """Does the parallel grade command, with a Jupyter kernel per notebook, give every
    sample student (the demo class and the grader tests' held-out-style answers) the
    same automatic score, cell by cell, as plain sequential `nbgrader autograde` with
    the fast engine (the graded_course fixture, where written answers have manual
    grades)?"""
    root = copy_course(tmp_path / "course")
    nbgrader(root, "generate_assignment", assignment, "--force", echo=False)
    from course.demo import write_class_submissions
    students = {**DEMO[assignment], **TESTS[assignment]}
    write_class_submissions(assignment, students, root)
    assert grade_command.main(root, assignment, engine="kernel") == 0

    def automatic(course, student, notebook):
        return {grade_id: (score, max_score) for grade_id, (score, max_score, by_hand)
                in course.cell_scores(assignment, student, notebook).items() if not by_hand}
    for student in students:
        for notebook in (path.stem for path in (root / "release" / assignment).glob("*.ipynb")):
            assert (automatic(GradedCourse(root), student, notebook)
                    == automatic(graded_course, student, notebook)), (student, notebook)


def test_collects_lms_downloads_with_zip_collect(tmp_path):
    """Are files downloaded from an LMS collected by nbgrader zip_collect and graded?"""
    root = copy_course(tmp_path / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    reference = reference_answers(root / "source" / ASSIGNMENT)
    staging = tmp_path / "made"
    write_submission(root / "release" / ASSIGNMENT, staging, reference)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for notebook in NOTEBOOKS:
        (downloads / f"lovelace_ada01_1234_{notebook}.ipynb").write_bytes(
            (staging / f"{notebook}.ipynb").read_bytes())
    assert grade_command.main(root, ASSIGNMENT, lms_folder=str(downloads)) == 0
    scores = {notebook: cell_scores(root, "ada01", notebook) for notebook in NOTEBOOKS}
    assert all(score == max_score for per_notebook in scores.values()
               for score, max_score in per_notebook.values())
