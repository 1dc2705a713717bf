"""Grading beyond one machine: a real Dask cluster, a real PostgreSQL gradebook.

A scheduler and two worker processes run on loopback (the `dask` command line, as an
instructor starts them); PostgreSQL runs from Debian's packages in a temporary folder on
a free port. The class is the a1 sample students (the runaway loop left out: it only
costs time), graded once on local processes as the reference.
"""
import csv
import importlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import create_engine, text

from course.pipeline import grade_command
from course.demo import write_class_submissions
from course.pipeline.distributed import dask_workers
from course.pipeline.grading import grade_class, load_results, local_workers
from course.pipeline.staging import stage_submission
from course.local_services import DaskCluster, PostgresServer, postgres_bin, run_nbgrader
from course.sample_class import DEMO, TESTS
from tests.conftest import copy_course

distributed = pytest.importorskip("distributed")

ASSIGNMENT = "a1_activations"
NOTEBOOKS = ("activations", "prelu")
SAMPLES = {name: student for name, student in {**DEMO[ASSIGNMENT], **TESTS[ASSIGNMENT]}.items()
           if name != "runaway"}
CLASS = {**SAMPLES, "ada2": SAMPLES["ada"]}  # six students


def make_class(root: Path, db_url: str | None = None) -> Path:
    copy_course(root)
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", db_url=db_url)
    write_class_submissions(ASSIGNMENT, CLASS, root)
    return root


def cell_scores(db_url: str) -> dict:
    with Gradebook(db_url) as gradebook:
        return {(s.student_id, n.name, g.name): (g.score, g.max_score)
                for s in gradebook.assignment_submissions(ASSIGNMENT)
                for n in s.notebooks for g in n.grades}


def assert_each_student_graded_once(db_url: str) -> None:
    """One submission per student, one grade per (student, notebook, cell), every cell
    of every notebook present: nothing lost, nothing duplicated."""
    engine = create_engine(db_url)
    with engine.connect() as db:
        submissions = db.execute(text(
            "SELECT student.id, count(*) FROM submitted_assignment s "
            "JOIN student ON s.student_id = student.id "
            "JOIN assignment a ON s.assignment_id = a.id WHERE a.name = :a "
            "GROUP BY student.id"), {"a": ASSIGNMENT}).all()
        duplicated = db.execute(text(
            "SELECT st.id, nb.name, cell.name, count(*) FROM grade g "
            "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN student st ON sa.student_id = st.id "
            "JOIN notebook nb ON sn.notebook_id = nb.id "
            "JOIN base_cell cell ON g.cell_id = cell.id "
            "GROUP BY st.id, nb.name, cell.name HAVING count(*) > 1")).all()
        cells = db.execute(text(
            "SELECT count(*) FROM grade_cells gc JOIN base_cell cell ON gc.id = cell.id "
            "JOIN notebook nb ON cell.notebook_id = nb.id "
            "JOIN assignment a ON nb.assignment_id = a.id WHERE a.name = :a"),
            {"a": ASSIGNMENT}).scalar()
        grades = db.execute(text("SELECT count(*) FROM grade")).scalar()
    engine.dispose()
    assert dict(submissions) == {student: 1 for student in CLASS}
    assert duplicated == []
    assert grades == cells * len(CLASS)


@pytest.fixture(scope="module")
def postgres():
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): "
                    "install Debian's 'postgresql' package, as .ci/run does")
    pytest.importorskip("psycopg")
    server = PostgresServer(bin_dir)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The class graded on local worker processes into SQLite: the scores to match."""
    root = make_class(tmp_path_factory.mktemp("local") / "course")
    results = grade_class(root, ASSIGNMENT, workers=2)
    assert {r.status for r in results.values()} == {"graded"}
    return cell_scores(f"sqlite:///{root / 'gradebook.db'}")


# ---- the tests --------------------------------------------------------------------------
# a grading step written for the test as a new step is written: a module-level function
# of (assignment, student), run in a worker after `worker.start`, in a module the workers
# can import (the course root is on their path)
NEW_STEP = """
from pathlib import Path

from course.pipeline import worker
from course.pipeline.staging import STAGING


def notebooks_staged(assignment, student):
    folder = Path(worker.course_root()) / STAGING / student / assignment
    return sorted(path.name for path in folder.glob("*.ipynb"))
"""


def test_a_new_grading_step_runs_on_local_workers_and_on_dask(tmp_path, monkeypatch):
    """Does a step that no backend knows of run, unchanged, in local worker processes
    and in the workers of a real Dask cluster?"""
    root = make_class(tmp_path / "course")
    for student in CLASS:
        stage_submission(root, ASSIGNMENT, student)
    (root / "new_grading_step.py").write_text(NEW_STEP)
    monkeypatch.syspath_prepend(str(root))
    step = importlib.import_module("new_grading_step").notebooks_staged
    expected = {student: ["activations.ipynb", "prelu.ipynb"] for student in CLASS}
    with local_workers(root, 2) as run:
        assert dict(run(step, ASSIGNMENT, list(CLASS))) == expected
    cluster = DaskCluster(root)
    try:
        with dask_workers(root, cluster.address) as run:
            assert dict(run(step, ASSIGNMENT, list(CLASS))) == expected
    finally:
        cluster.close()


def test_dask_cluster_grades_like_local_workers(reference, tmp_path):
    """Does a class graded through a real Dask cluster (a scheduler and two worker
    processes) get the same cell scores, records and files as on local workers?"""
    root = make_class(tmp_path / "course")
    cluster = DaskCluster(root)
    try:
        results = grade_class(root, ASSIGNMENT, scheduler=cluster.address)
    finally:
        cluster.close()
    assert set(results) == set(CLASS)
    assert {r.status for r in results.values()} == {"graded"}
    assert all(r.seconds > 0 for r in results.values())
    assert results["ada"].problems == []
    # the faker's own graders/ folder is left out of staging, and the records say so
    assert results["faker"].problems == [
        "graders: not part of the assignment, ignored (a folder, not a file)"]
    assert cell_scores(f"sqlite:///{root / 'gradebook.db'}") == reference
    for student in CLASS:
        for notebook in NOTEBOOKS:
            assert (root / "feedback" / student / ASSIGNMENT / f"{notebook}.html").exists()
        assert (root / ".grading" / ASSIGNMENT / "logs" / f"{student}.log").exists()


def test_a_killed_worker_loses_nothing_on_postgres(reference, postgres, tmp_path, capsys):
    """With the gradebook on PostgreSQL and one of two Dask workers killed (SIGKILL) while
    it grades, is every student graded exactly once, with the reference scores, and do the
    run's records, the grades CSV and `nbgrader export` all say so?"""
    db_url = postgres.create_database("killed")
    root = make_class(tmp_path / "course", db_url)
    cluster = DaskCluster(root)
    try:
        os.environ["COURSE_DB_URL"] = db_url  # as an instructor would export it
        outcome = {}
        grading = threading.Thread(target=lambda: outcome.update(
            code=grade_command.main(root, ASSIGNMENT, scheduler=cluster.address)))
        grading.start()
        victim = None
        with distributed.Client(cluster.address) as client:
            deadline = time.monotonic() + 180
            while victim is None and time.monotonic() < deadline and grading.is_alive():
                busy = [address for address, keys in client.processing().items()
                        if any(str(key).startswith("grade_student") for key in keys)]
                # kill once a grading task has been running a moment, so it dies mid-task
                if busy:
                    time.sleep(2)
                    busy = [address for address, keys in client.processing().items()
                            if any(str(key).startswith("grade_student") for key in keys)]
                    if busy:
                        victim = busy[0]
                        os.kill(cluster.pids[victim], signal.SIGKILL)
                time.sleep(0.2)
        grading.join(timeout=600)
    finally:
        os.environ.pop("COURSE_DB_URL", None)
        cluster.close()
    assert victim is not None, "no worker was ever busy grading"
    assert not grading.is_alive() and outcome["code"] == 0
    printed = capsys.readouterr()
    assert f"worker {victim} left during the run" in printed.err
    # everyone graded once; the faker's ignored graders/ folder is its one problem
    assert (f"{len(CLASS) - 1} graded (0 of them unchanged since the last run), "
            "1 graded with problems, 0 not graded") in printed.out
    results = load_results(root, ASSIGNMENT)
    assert {r.status for r in results.values()} == {"graded"} and set(results) == set(CLASS)
    assert not (root / "gradebook.db").exists()  # everything went to PostgreSQL
    assert_each_student_graded_once(db_url)
    assert cell_scores(db_url) == reference
    # the grades CSV of the grade command and plain `nbgrader export` read PostgreSQL too
    totals = {}
    for student in CLASS:
        totals[student] = {nb: sum(score for (s, n, _), (score, _) in reference.items()
                                   if s == student and n == nb) for nb in NOTEBOOKS}
    run_nbgrader(root, "export", "--to", str(tmp_path / "export.csv"), db_url=db_url)
    for path in (root / "grades" / f"{ASSIGNMENT}.csv", tmp_path / "export.csv"):
        with open(path, newline="") as file:
            rows = {row["student_id"]: row for row in csv.DictReader(file)}
        assert set(rows) == set(CLASS)
        for student in CLASS:
            for notebook in NOTEBOOKS:
                assert float(rows[student][f"{ASSIGNMENT}/{notebook}"]) == \
                    totals[student][notebook]
    assert (root / "reports" / ASSIGNMENT / "index.html").exists()


def test_many_concurrent_workers_neither_lose_nor_duplicate_grades(reference, postgres,
                                                                   tmp_path, monkeypatch):
    """Six worker processes grading six students at once, each writing its own
    transactions to PostgreSQL: is every grade there exactly once, with the reference
    scores?"""
    db_url = postgres.create_database("many")
    root = make_class(tmp_path / "course", db_url)
    monkeypatch.setenv("COURSE_DB_URL", db_url)
    results = grade_class(root, ASSIGNMENT, workers=len(CLASS))
    assert {r.status for r in results.values()} == {"graded"}
    assert_each_student_graded_once(db_url)
    assert cell_scores(db_url) == reference
