"""Grading throughput on local workers vs a Dask cluster, and gradebook writes per second.

    .venv/bin/python benchmarks/distributed_speed.py [--students 12] [--workers 2]

In one run, on this machine:
(a) `grade_class` on local worker processes (the default);
(b) `grade_class` on a Dask cluster on loopback (`dask scheduler` and `--workers`
    `dask worker --nthreads 1` processes, started by this script, not timed);
both print notebooks per second (autograde and feedback). The Dask overhead per task
is measured alone, as the round trip of an empty task, and per student as (b) - (a).
(c) gradebook writes per second, through nbgrader's Gradebook as autograde writes (one
    student's submission: its row, its notebooks and a grade per test cell, committed),
    with one writer and with --workers writers at once, on SQLite and on PostgreSQL
    (a server started in a temporary folder, if Debian's postgresql is installed).
The class cycles through the a1 sample students, the runaway loop left out (it costs
its 15 s time limit, whatever the engine).
"""
import argparse
import itertools
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbgrader.api import Gradebook  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402

from course.pipeline.grading import grade_class  # noqa: E402
from course.sample_class import DEMO, TESTS  # noqa: E402
from course.submissions import reference_answers, write_submission  # noqa: E402
from course.submissions import copy_course  # noqa: E402
from course.local_services import (DaskCluster, PostgresServer,  # noqa: E402
                                   postgres_bin, run_nbgrader)


def make_class(root: Path, assignment: str, students: int, db_url=None) -> int:
    copy_course(root)
    run_nbgrader(root, "generate_assignment", assignment, "--force", db_url=db_url)
    reference = reference_answers(root / "source" / assignment)
    kinds = [(name, student) for name, student in
             {**DEMO[assignment], **TESTS[assignment]}.items() if name != "runaway"]
    for number, (name, student) in zip(range(students), itertools.cycle(kinds)):
        write_submission(root / "release" / assignment,
                         root / "submitted" / f"{name}{number:03d}" / assignment,
                         student.answers(reference), extra_files=student.extra_files)
    return students * len(list((root / "release" / assignment).glob("*.ipynb")))


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _noop(number):
    return number


def dask_round_trip(address: str, tasks: int = 500) -> float:
    """Seconds per task for empty tasks submitted one per key and gathered as they end,
    as the grading submits students."""
    from distributed import Client, as_completed
    with Client(address) as client:
        client.submit(_noop, -1, pure=False).result()  # warm up
        started = time.perf_counter()
        futures = [client.submit(_noop, n, pure=False, retries=2) for n in range(tasks)]
        for future in as_completed(futures):
            future.result()
        return (time.perf_counter() - started) / tasks


# ---- gradebook writes --------------------------------------------------------------
def _write_submissions(db_url: str, assignment: str, students: list, queue) -> None:
    errors = 0
    with Gradebook(db_url) as gradebook:
        notebooks = [(n.name, [c.name for c in n.grade_cells])
                     for n in gradebook.find_assignment(assignment).notebooks]
        for student in students:
            for attempt in range(20):
                try:
                    gradebook.update_or_create_student(student)
                    gradebook.update_or_create_submission(assignment, student)
                    for notebook, cells in notebooks:
                        for cell in cells:
                            grade = gradebook.find_grade(cell, notebook, assignment, student)
                            grade.auto_score = 1.0
                        gradebook.db.commit()
                    break
                except Exception:
                    gradebook.db.rollback()
                    errors += 1
                    time.sleep(0.05 * (attempt + 1))
    queue.put(errors)


def gradebook_writes(db_url: str, assignment: str, students: int, writers: int,
                     prefix: str) -> tuple[float, int]:
    """(students' submissions written per second, retried conflicts), `writers`
    processes at once, each writing its share of the students."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    shares = [[f"{prefix}{w}_{n}" for n in range(students // writers)] for w in range(writers)]
    processes = [context.Process(target=_write_submissions,
                                 args=(db_url, assignment, share, queue)) for share in shares]
    started = time.perf_counter()
    for process in processes:
        process.start()
    errors = sum(queue.get() for _ in processes)
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    return sum(map(len, shares)) / seconds, errors


def main() -> None:
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, harmless
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--assignment", default="a1_activations")
    parser.add_argument("--writes", type=int, default=120,
                        help="submissions written per gradebook measurement")
    args = parser.parse_args()
    assignment = args.assignment
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        local = scratch / "local" / "course"
        dask_root = scratch / "dask" / "course"
        notebooks = make_class(local, assignment, args.students)
        make_class(dask_root, assignment, args.students)
        print(f"{args.students} students, {notebooks} notebooks of {assignment}, "
              f"{args.workers} workers, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} at start", flush=True)

        a = timed(lambda: grade_class(local, assignment, workers=args.workers))
        cluster = DaskCluster(dask_root, workers=args.workers)
        try:
            b = timed(lambda: grade_class(dask_root, assignment, scheduler=cluster.address))
            per_task = dask_round_trip(cluster.address)
        finally:
            cluster.close()
        print(f"(a) local workers:  {notebooks / a:.3f} notebooks/s "
              f"({a / notebooks:.2f} s per notebook, {a:.1f} s in all)")
        print(f"(b) Dask cluster:   {notebooks / b:.3f} notebooks/s "
              f"({b / notebooks:.2f} s per notebook, {b:.1f} s in all)")
        print(f"Dask overhead: {per_task * 1000:.1f} ms per empty task (round trip); "
              f"(b) - (a) = {(b - a) / args.students:+.2f} s per student "
              "(two tasks each: autograde, feedback; includes worker start-up)")

        targets = {"SQLite": f"sqlite:///{local / 'gradebook.db'}"}
        server = None
        if postgres_bin():
            server = PostgresServer(postgres_bin())
            url = server.create_database("bench")
            run_nbgrader(local, "generate_assignment", assignment, "--force", db_url=url)
            targets["PostgreSQL"] = url
        else:
            print("PostgreSQL: not measured (no /usr/lib/postgresql/*/bin/initdb)")
        try:
            for name, url in targets.items():
                for writers in (1, args.workers * 2):
                    rate, errors = gradebook_writes(url, assignment, args.writes, writers,
                                                    f"w{writers}_")
                    print(f"(c) {name:<10} {writers} writer(s): {rate:6.1f} submissions "
                          f"written/s ({errors} retried after a conflict or lock)")
        finally:
            if server:
                server.stop()


if __name__ == "__main__":
    main()
