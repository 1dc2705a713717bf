"""Grade on a Dask distributed cluster instead of local worker processes.

    python -m course grade a1_activations --scheduler tcp://scheduler-host:8786

The grading steps are the same as on local workers (course/pipeline/worker.py: any
`step(assignment, student)`), each run in a worker process that holds one nbgrader API
object, built once per Dask worker by the `NbgraderWorker` plugin (the Dask counterpart
of the process pool's initializer). We do not schedule anything ourselves: Dask places the
tasks, and when a worker dies (killed, out of memory, machine lost) the scheduler gives
the tasks it was running to the other workers. Grading a student again is harmless
(nbgrader autograde with force replaces that student's submission in the gradebook), so
a rerun never duplicates a grade.

Every Dask worker needs the course at the same path as the machine that runs
`python -m course grade` (a shared file system: submissions are staged there and the
autograded notebooks written there), the course's Python packages and bubblewrap, and
a reachable gradebook (PostgreSQL for more than one machine; see README.md). Start
workers with one thread each (`dask worker ADDRESS --nthreads 1 --nworkers N`): a
worker process grades one notebook at a time whatever its thread count.
"""
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

from distributed import Client, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from course.pipeline import worker as grading_worker
from course.settings import db_url

PLUGIN_NAME = "course-nbgrader"
RETRIES = 2  # a task that raises is tried again this many times (worker deaths are
#              handled by the scheduler itself: distributed.scheduler.allowed-failures)
CONNECT_TIMEOUT = "20s"

_one_at_a_time = threading.Lock()  # the nbgrader API and os.chdir are per process


class NbgraderWorker(WorkerPlugin):
    """Builds the nbgrader API once in each Dask worker process, for the course in
    `root`, writing to the gradebook `db_url` (the one the grading command chose, so a
    worker whose environment names no database cannot write to another)."""

    def __init__(self, root: str, db_url: str, engine: str | None = None):
        self.root, self.db_url, self.engine = root, db_url, engine

    def setup(self, worker) -> None:  # Dask passes its worker by this name
        with _one_at_a_time:
            grading_worker.start(self.root, self.db_url, self.engine)


def _one_step(step, assignment: str, student: str):
    """Run a grading step (course/pipeline/worker.py) in this Dask worker process, alone."""
    with _one_at_a_time:
        return step(assignment, student)


def _worker_addresses(client: Client) -> set:
    return set(client.scheduler_info(n_workers=-1)["workers"])


@contextmanager
def dask_workers(root: Path, scheduler: str, *, log=None, engine: str | None = None):
    """The workers of the Dask cluster at `scheduler`, used as grading.local_workers is:
    yields run(function, assignment, students), which yields (student, outcome or the
    exception that ended its task) as each task completes."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    with Client(scheduler, timeout=CONNECT_TIMEOUT) as client:
        if not client.scheduler_info()["workers"]:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        client.register_plugin(NbgraderWorker(str(root), db_url(root), engine), name=PLUGIN_NAME)
        run_id = uuid.uuid4().hex[:8]
        seen = _worker_addresses(client)

        def run(step, assignment, students):
            futures = {client.submit(_one_step, step, assignment, student, pure=False,
                                     retries=RETRIES,
                                     key=f"{step.__name__}-{assignment}-{student}-{run_id}"):
                       student for student in students}
            try:
                yield from _completed(futures)
            finally:  # closed early (a fault of ours): cancel what has not started
                client.cancel(list(futures))

        def _completed(futures):
            for future in as_completed(list(futures)):
                student = futures.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # retries used up, or the task killed too many workers
                    outcome = error
                future.release()
                now = _worker_addresses(client)
                for address in sorted(seen - now):
                    log(f"dask: worker {address} left during the run; the scheduler "
                        "gives its tasks to the other workers")
                seen.clear()
                seen.update(now)
                yield student, outcome

        yield run
