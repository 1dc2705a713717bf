"""The service's grading workers: long-lived processes, each with a pipe of its own.

Not concurrent.futures' ProcessPoolExecutor: its workers share one job queue behind a
lock, and a worker killed while it holds that lock (the kernel's OOM killer, a SIGKILL)
leaves the others waiting on it forever, and the service with them. Here each worker gets
its jobs through its own pipe, so a dead worker costs only its own job: its death is seen
on its process sentinel, the job comes back as WorkerDied, and a new worker takes its place.
"""
import ctypes
import multiprocessing
import signal
from multiprocessing.connection import wait

from course.pipeline import worker


class WorkerDied(Exception):
    """The worker process ended while it had a job (killed, or crashed)."""


def _serve(connection, root: str, engine: str) -> None:
    # the worker dies with the service, so that a killed service leaves no grading behind
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    # not the service's handlers (forked with it): Ctrl-C in the service's terminal lets
    # the grading in hand finish, and SIGTERM ends a worker
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker.start(root, None, engine)
    while True:
        try:
            function, args = connection.recv()
        except EOFError:  # the service closed the pipe: done
            return
        connection.send(function(*args))


class Workers:
    """Up to `count` worker processes; submit() hands one a job, finished() collects what
    came back (or WorkerDied)."""

    def __init__(self, count: int, root: str, engine: str):
        self.count, self.root, self.engine = count, root, engine
        self.context = multiprocessing.get_context("fork")
        self.idle: list = []
        self.busy: dict = {}  # (process, connection) -> the caller's job

    def __len__(self) -> int:
        return len(self.busy)

    def jobs(self) -> list:
        return list(self.busy.values())

    def submit(self, job, function, *args) -> None:
        assert len(self.busy) < self.count, "no free worker"
        while self.idle and not self.idle[-1][0].is_alive():  # ended while idle
            self._discard(self.idle.pop())
        slot = self.idle.pop() if self.idle else self._start()
        slot[1].send((function, args))
        self.busy[slot] = job

    @staticmethod
    def _discard(slot) -> None:
        process, connection = slot
        connection.close()
        process.join(5)

    def _start(self):
        mine, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs, self.root, self.engine),
                                       daemon=True)
        process.start()
        theirs.close()
        return process, mine

    def finished(self, timeout: float) -> list[tuple[object, object]]:
        """[(job, what the function returned, or WorkerDied)] of the jobs that ended
        within `timeout` seconds."""
        ready = set(wait([c for _, c in self.busy] + [p.sentinel for p, _ in self.busy],
                         timeout))
        done = []
        for slot in [s for s in self.busy if s[1] in ready or s[0].sentinel in ready]:
            process, connection = slot
            job = self.busy.pop(slot)
            try:
                done.append((job, connection.recv()))
            except (EOFError, OSError):  # nothing came back: the process is gone
                self._discard(slot)
                done.append((job, WorkerDied(f"the worker process ended (exit code "
                                             f"{process.exitcode})")))
                continue
            if process.is_alive():
                self.idle.append(slot)
            else:  # it answered, then ended
                self._discard(slot)
        return done

    def close(self) -> None:
        """Stop every worker: idle ones at once, busy ones killed (their jobs are queued
        again by the ledger when the service starts next)."""
        for process, connection in [*self.idle, *self.busy]:
            connection.close()
            if process in (p for p, _ in self.busy):
                process.kill()
            process.join(10)
        self.idle, self.busy = [], {}
