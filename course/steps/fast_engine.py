"""The fast engine: nbgrader's Execute step, done by a child of a warm zygote.

`ForkedExecute` stands where `SandboxedExecute` stands in nbgrader's autograde steps and
hands nbgrader the same executed notebook: each code cell's outputs, execution count and
errors as a Jupyter kernel produces them (grading_kernel/zygote.py runs the cells through IPython).
What it saves is a kernel's start, imports, messaging and shutdown per notebook: each
worker process keeps a zygote per assignment (warmed with that assignment's graders;
the three used last), started once in the same sandbox as a kernel, and each notebook
runs in a fresh child forked from it, within the same memory, CPU and time limits.

Timeouts match nbgrader's: a cell past `timeout` is interrupted and gets nbgrader's
CellTimeoutError; a child that ignores the interrupt, dies or outlives the notebook's
budget is killed, and every test cell that did not run scores 0.
"""
import atexit
import json
import multiprocessing.util
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbformat import from_dict

from course.faults import EngineUnavailable, recorded
from course.steps.sandbox import (SandboxedExecute, bubblewrap_arguments, copy_contents, fail_cell,
                            fail_cells_that_did_not_run, sandbox_available)
from grading_kernel.zygote import EXIT, LANGUAGE_INFO, READY, JsonLines, empty_folder
from grading_kernel.protocol import TOKEN_VARIABLE

START_TIMEOUT = 60  # seconds for a zygote to import everything and say it is ready
KILL_GRACE = 10  # seconds for a zygote to report a child it was told to kill
PASSED_TO_CHILD = ("GRADER_SEED", "COURSE_DEFENCES")  # read by the child's start-up


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """One warm parent in its sandbox, and the folders it shares with this process."""

    def __init__(self, course_root: Path, visible_paths, sandbox: bool, assignment=None):
        self.folder = Path(tempfile.mkdtemp(prefix="zygote-"))
        self.workdir = self.folder / "work"   # the running notebook's folder
        self.private = self.folder / "private"  # the job file, matplotlib's and IPython's dirs
        self.workdir.mkdir()
        self.private.mkdir()
        self.sandboxed = sandbox and sandbox_available()
        command = [sys.executable, "-c",
                   "import sys; sys.path.insert(0, sys.argv[1]); from grading_kernel import zygote; "
                   "zygote.serve(sys.argv[1], sys.argv[2] == 'sandboxed', sys.argv[3] or None)",
                   str(course_root), "sandboxed" if self.sandboxed else "open", assignment or ""]
        if self.sandboxed:
            command = [*bubblewrap_arguments(course_root, self.workdir, self.private,
                                             visible_paths), *command]
        environment = {key: value for key, value in os.environ.items()
                       if key not in (*PASSED_TO_CHILD, TOKEN_VARIABLE, "COURSE_DB_URL")}
        environment.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                           MKL_NUM_THREADS="1", MPLCONFIGDIR=str(self.private / "matplotlib"),
                           IPYTHONDIR=str(self.private / "ipython"))
        self.log_path = self.folder / "zygote.log"
        with open(self.log_path, "w") as log_file:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log_file,
                                            cwd=self.workdir, env=environment,
                                            start_new_session=True)
        self.events = JsonLines(self.process.stdout.fileno())
        ready = self.events.next(START_TIMEOUT)
        if not ready or not ready.get(READY):
            why = ready or _last_line(self.tail())  # read before close() removes the log
            self.close()
            raise ZygoteError(f"the zygote did not start: {why}")

    def tail(self, lines=15) -> str:
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-lines:])
        except OSError:
            return "(no log)"

    def alive(self) -> bool:
        return self.process.poll() is None and not self.events.closed

    def command(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            pass

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


_zygotes: dict = {}  # key -> Zygote, the most recently used last
MAX_ZYGOTES = 3  # per process: one per assignment graded lately (the service's workers)


def _zygote(key, make) -> Zygote:
    """This process's zygote for `key`, started (or restarted, if it died) on demand."""
    if not _zygotes:
        # a pool's worker process ends without running atexit, but with this
        multiprocessing.util.Finalize(None, close_zygotes, exitpriority=10)
    zygote = _zygotes.pop(key, None)
    if zygote is None or not zygote.alive():
        if zygote is not None:
            zygote.close()
        while len(_zygotes) >= MAX_ZYGOTES:  # the least recently used goes
            _zygotes.pop(next(iter(_zygotes))).close()
        zygote = make()
    _zygotes[key] = zygote
    return zygote


@atexit.register
def close_zygotes():
    """Stop this process's zygotes (at exit, or when a caller is done grading)."""
    for zygote in _zygotes.values():
        zygote.close()
    _zygotes.clear()


class ForkedExecute(SandboxedExecute):
    """nbgrader's Execute step run by a forked child of a warm zygote (see the top)."""

    def preprocess(self, nb, resources=None, km=None):
        started = time.monotonic()
        resources["grading_token"] = secrets.token_hex(16)  # see SandboxedExecute
        course_root = Path(self.config.CourseDirectory.get("root") or os.getcwd()).resolve()
        # a zygote warmed with the imports of this assignment's graders only (None: all)
        assignment = resources.get("nbgrader", {}).get("assignment")
        zygote, error = None, None
        for attempt in range(1, self.start_attempts + 1):
            try:
                zygote = _zygote((str(course_root), self.sandbox, assignment),
                                 lambda: Zygote(course_root, self.visible_paths, self.sandbox,
                                                assignment))
                break
            except ZygoteError as failure:  # no student code has run yet: try again
                error = failure
                self.log.warning("Zygote start %d failed: %s", attempt, error)
        if zygote is None:
            raise recorded(EngineUnavailable(
                f"the fork engine's zygote would not start in {self.start_attempts} tries "
                f"({error}). Is bubblewrap able to show the course and its Python here? "
                "`--engine kernel` or `--SandboxedExecute.sandbox=False` are ways round it."))
        if self.sandbox and not zygote.sandboxed:
            self.log.warning("SANDBOX UNAVAILABLE: bubblewrap is not installed or cannot "
                             "create namespaces here; student code runs unisolated.")
        workdir = Path(resources.get("metadata", {}).get("path") or os.getcwd())
        empty_folder(str(zygote.workdir))  # nothing of the notebook before
        copy_contents(workdir, zygote.workdir)
        cells = [(index, cell.source) for index, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and cell.source.strip()]
        for index, _ in cells:
            nb.cells[index].outputs, nb.cells[index].execution_count = [], None
        job = {"workdir": str(zygote.workdir), "cells": cells,
               "memory_limit_mb": self.memory_limit_mb, "cpu_seconds": self.notebook_timeout,
               "cell_cpu_seconds": self.cell_cpu_seconds,
               "file_size_limit_mb": self.file_size_limit_mb,
               "environment": {TOKEN_VARIABLE: resources["grading_token"],
                               **{key: os.environ[key] for key in PASSED_TO_CHILD
                                  if key in os.environ}}}
        job_file = zygote.private / "job.json"
        job_file.write_text(json.dumps(job))
        zygote.command({"run": str(job_file)})
        failure = self._follow(zygote, nb, started + self.notebook_timeout)
        if failure:
            self.log.warning("Kernel failure in %s: %s\nZygote log:\n%s", workdir, failure,
                             zygote.tail())
        fail_cells_that_did_not_run(nb, failure)
        nb.metadata["language_info"] = dict(LANGUAGE_INFO)
        return nb, resources

    def _follow(self, zygote, nb, deadline):
        """Take the child's cell results until it exits; enforce the time limits.
        Returns why the notebook stopped early, or None."""
        running, cell_deadline, interrupted, failure = None, None, False, None
        while True:
            now = time.monotonic()
            wait = deadline - now if cell_deadline is None else min(deadline, cell_deadline) - now
            event = zygote.events.next(max(wait, 0))
            if event is None and zygote.events.closed:
                return failure or f"the kernel died ({_last_line(zygote.tail())})"
            if event is None:  # a time limit passed
                if failure:  # killed, yet no word from the zygote: stop it too
                    zygote.close()
                    return failure
                if time.monotonic() >= deadline:
                    failure = (f"the notebook's time budget ({self.notebook_timeout} s) ran "
                               "out before this cell")
                elif not interrupted:  # as nbgrader does: interrupt, score the cell 0
                    timeout_error = from_dict({"output_type": "error", **self.error_on_timeout})
                    nb.cells[running].outputs.append(timeout_error)
                    zygote.command({"interrupt": True})
                    interrupted, cell_deadline = True, time.monotonic() + (self.timeout or 5)
                    continue
                else:
                    failure = "a cell ran past its time limit and would not stop"
                zygote.command({"kill": True})
                deadline, cell_deadline = time.monotonic() + KILL_GRACE, None
                continue
            if EXIT in event:
                if running is not None and not interrupted:
                    failure = failure or f"the kernel died ({event[EXIT]})"
                    fail_cell(nb.cells[running], failure)
                return failure
            if "start" in event and _is_code(nb, event["start"]):
                running, interrupted = event["start"], False
                cell_deadline = time.monotonic() + self.timeout if self.timeout else None
            elif "done" in event and event["done"] == running:
                cell = nb.cells[running]
                if not interrupted:  # else the timeout's error stays, late outputs dropped
                    cell.outputs = [from_dict(output) for output in event.get("outputs", [])
                                    if isinstance(output, dict) and "output_type" in output]
                cell.execution_count = event.get("execution_count")
                running, cell_deadline, interrupted = None, None, False


def _is_code(nb, index) -> bool:
    return (isinstance(index, int) and 0 <= index < len(nb.cells)
            and nb.cells[index].cell_type == "code")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


# nbgrader's Execute step of each engine (course/settings.py ENGINES names them)
ENGINE_STEPS = {"fork": ForkedExecute, "kernel": SandboxedExecute}
