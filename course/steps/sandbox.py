"""Run each student's kernel in a sandbox, within limits, and never lose a grade to it.

`SandboxedExecute` replaces nbgrader's Execute step (nbgrader_config.py), so plain
`nbgrader autograde` and our `grade` command both use it. Each kernel runs under
bubblewrap: the file system is read-only except the student's own working folder and a
private /tmp; the gradebook and every other student's files are hidden; there is no
network; its processes die with it. A memory cap (RLIMIT_AS), a CPU-time cap and a
wall-clock budget per notebook bound what one submission can cost.

Whatever happens to the kernel (it dies, it hangs, the budget runs out), every test cell
that did not run gets an error output, so nbgrader scores it 0 instead of in full. A
kernel that never starts is a fault of ours, not the student's (course/faults.py).

The kernel works in a scratch copy of the notebook's folder, deleted afterwards: nothing
its code writes reaches autograded/ or the feedback.
"""
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from traitlets import Bool, Integer, List, Unicode

from nbgrader import utils
from nbgrader.preprocessors import Execute

from course.faults import EngineUnavailable, recorded
from course.settings import CELL_CPU_SECONDS, CPU_LIMIT_VARIABLE
from grading_kernel.protocol import TOKEN_VARIABLE


@lru_cache(maxsize=None)
def sandbox_available() -> bool:
    """Can bubblewrap make a sandbox here (installed, namespaces allowed)?"""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net",
                            "--unshare-pid", "--die-with-parent", "true"],
                           capture_output=True)
    return probe.returncode == 0


class _WrappedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command starts behind `command_prefix` and runs
    `startup_file` before the first cell."""

    command_prefix = List(Unicode())
    startup_file = Unicode()

    def format_kernel_cmd(self, extra_arguments=None):
        # (nbclient adds `--HistoryManager.hist_file=:memory:` itself)
        startup = [f"--IPKernelApp.exec_files={self.startup_file}"]
        return [*self.command_prefix,
                *super().format_kernel_cmd([*(extra_arguments or []), *startup])]


class SandboxedExecute(Execute):
    sandbox = Bool(True, help=(
        "Run kernels under bubblewrap. Where it is unavailable, grading goes on "
        "without it and says so in the log.")).tag(config=True)
    memory_limit_mb = Integer(4096, help=(
        "Address-space cap of a kernel, in MiB: a memory bomb fails with MemoryError "
        "instead of taking the machine.")).tag(config=True)
    file_size_limit_mb = Integer(100, help=(
        "Largest file a notebook's code may write, in MiB (in its scratch folder, deleted "
        "after the notebook): a larger write fails instead of filling the disk.")).tag(config=True)
    notebook_timeout = Integer(300, help=(
        "Wall-clock budget of one notebook, in seconds, on top of the per-cell timeout: "
        "cells still waiting when it runs out are scored 0. It is also the notebook's "
        "CPU-time cap.")).tag(config=True)
    cell_cpu_seconds = Integer(CELL_CPU_SECONDS, help=(
        "CPU seconds one cell may use (its process's user + system time) before it is "
        "stopped and scored 0. CPU time, unlike the wall clock (`timeout`, the backstop "
        "for code that sleeps), does not grow when the machine is busy.")).tag(config=True)
    visible_paths = List(Unicode(), ["grading_kernel", "graders", "solutions", ".venv"], help=(
        "What a kernel sees of the course folder: the code it imports (and the virtual "
        "environment, if it lives there). The gradebook, the submissions, the source "
        "notebooks and everything else in the course folder are not there; the "
        "kernel's own working folder is added.")).tag(config=True)

    start_attempts = Integer(3, help=(
        "Kernel starts to try before giving up on a notebook. Only a start that fails "
        "before any cell ran is retried: no student code has run then.")).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        # proof that the hidden checks ran, known only to this process and the kernel
        # (course/steps/checks_ran.py verifies it after execution)
        resources["grading_token"] = secrets.token_hex(16)
        self._cells_started, self._last_log = 0, ""
        folder = resources.setdefault("metadata", {}).get("path") or os.getcwd()
        for attempt in range(1, self.start_attempts + 1):
            self._failure, self._running_cell = None, None
            with tempfile.TemporaryDirectory(prefix="kernel-") as private_dir:
                self._private_dir = private_dir
                self._kernel_log = os.path.join(private_dir, "kernel.log")
                scratch = os.path.join(private_dir, "work")
                copy_contents(Path(folder), Path(scratch))
                resources["metadata"]["path"] = scratch  # the kernel's working folder
                try:
                    super().preprocess(nb, resources, km)
                except Exception as error:  # the kernel died, would not start, or timed out
                    self._failure = self._failure or (
                        f"{type(error).__name__}: {error}".splitlines()[0][:300])
                    self._last_log = _tail(self._kernel_log)
                    self.log.warning("Kernel failure in %s (start %d): %s\nKernel log:\n%s",
                                     folder, attempt, self._failure, self._last_log)
                    if self._running_cell is not None:
                        fail_cell(self._running_cell, self._failure)
                finally:
                    resources["metadata"]["path"] = folder
            if self._failure is None or _any_cell_ran(nb) or self._cells_started:
                break
        if self._failure and not self._cells_started:  # no student code ever ran
            raise recorded(EngineUnavailable(
                f"no kernel would start in {self.start_attempts} tries ({self._failure}); "
                f"its log:\n{self._last_log}"))
        fail_cells_that_did_not_run(nb, self._failure)  # nb was executed in place
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        # the cell the kernel died in may have its execution count already: remember it,
        # so that it scores 0 instead of passing with no output
        self._running_cell = cell
        self._cells_started += 1
        result = super().preprocess_cell(cell, resources, index)
        self._running_cell = None
        return result

    def _get_timeout(self, cell):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self._failure = (f"the notebook's time budget ({self.notebook_timeout} s) ran "
                             "out before this cell")
            raise TimeoutError(self._failure)
        return max(1, int(min(self.timeout or remaining, remaining)))

    def create_kernel_manager(self):
        self.kernel_manager_class = _WrappedKernelManager
        km = super().create_kernel_manager()
        # the kernel talks over Unix sockets in a private folder: it has no network
        km.transport = "ipc"
        km.connection_file = os.path.join(self._private_dir, "kernel.json")
        km.ip = os.path.join(self._private_dir, "ipc")
        km.command_prefix = self._command_prefix()
        # every grading kernel starts with the graded course's start-up: its graders, the
        # defences and the per-cell CPU limit. It belongs to the engine, not to a setting,
        # so no configuration can start a grading kernel without it.
        km.startup_file = str(self._course_root() / "grading_kernel" / "startup.py")
        # a signal would reach bubblewrap, not the kernel: interrupt by message instead
        km.kernel_spec.interrupt_mode = "message"
        self.km = km
        return km

    def _command_prefix(self):
        limits = ["prlimit", f"--as={self.memory_limit_mb * 2**20}",
                  f"--fsize={self.file_size_limit_mb * 2**20}",
                  f"--cpu={self.notebook_timeout}", "--",
                  # the kernel's own messages are not the student's output: keep them in
                  # a log, quoted when the kernel fails
                  "env", f"{TOKEN_VARIABLE}={self.resources['grading_token']}",
                  f"{CPU_LIMIT_VARIABLE}={self.cell_cpu_seconds}",
                  "sh", "-c", f'exec "$@" >{self._kernel_log} 2>&1', "kernel"]
        if not self.sandbox:
            return limits
        if not sandbox_available():
            self.log.warning("SANDBOX UNAVAILABLE: bubblewrap is not installed or cannot "
                             "create namespaces here; student code runs unisolated.")
            return limits
        workdir = self.resources.get("metadata", {}).get("path") or os.getcwd()
        return [*bubblewrap_arguments(self._course_root(), Path(workdir),
                                      Path(self._private_dir), self.visible_paths), *limits]

    def _course_root(self) -> Path:
        return Path(self.config.CourseDirectory.get("root") or os.getcwd())


def bubblewrap_arguments(course_root: Path, workdir: Path, private_dir: Path,
                         visible_paths) -> list[str]:
    """A read-only view of the machine in which only `workdir` and `private_dir` are
    writable, the course folder shows only `visible_paths` (so the gradebook, its
    journal files and every student's files are absent, whenever they appear), and
    there is no network. Later mounts go on top of earlier ones."""
    arguments = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                 "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/dev/shm",
                 "--tmpfs", str(course_root)]
    for name in visible_paths:
        if (course_root / name).exists():
            arguments += ["--ro-bind", str(course_root / name), str(course_root / name)]
    for path in python_paths(course_root):  # a venv under /tmp is hidden by the tmpfs above
        arguments += ["--ro-bind", path, path]
    workdir = workdir.resolve()
    arguments += ["--bind", str(workdir), str(workdir),
                  "--bind", str(private_dir), str(private_dir),
                  "--chdir", str(workdir),
                  "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                  "--die-with-parent", "--new-session",
                  # inside the sandbox the kernel's parent is bubblewrap, not the grader:
                  # without this, ipykernel would think its parent died and exit
                  "--unsetenv", "JPY_PARENT_PID",
                  "--unsetenv", "COURSE_DB_URL",  # the gradebook's address and password
                  "--setenv", "IPYTHONDIR", str(private_dir / "ipython"),
                  "--setenv", "MPLCONFIGDIR", str(private_dir / "matplotlib"),
                  "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "OPENBLAS_NUM_THREADS", "1"]
    return arguments


def python_paths(course_root: Path) -> list[str]:
    """The folders of the Python that grades (its venv, its base install, its
    executable's real folder, its site-packages), which the sandbox shows wherever they
    live; never one that holds the course folder, which would show the gradebook again."""
    site_packages = [path for path in sys.path  # a venv's own, and any a .pth file adds
                     if os.path.basename(path) in ("site-packages", "dist-packages")]
    paths = {os.path.realpath(path) for path in (
        sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable),
        os.path.dirname(os.path.realpath(sys.executable)), *site_packages)}
    paths = {path for path in paths if os.path.isdir(path)
             and not Path(course_root).resolve().is_relative_to(path)}
    return sorted(path for path in paths  # the outermost folders suffice
                  if not any(path != other and Path(path).is_relative_to(other)
                             for other in paths))


def copy_contents(source: Path, target: Path) -> None:
    """Copy what `source` holds into `target` (created if need be), links left out."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, target / entry.name)


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as file:
            return "".join(file.readlines()[-lines:])
    except OSError:
        return "(no kernel log)"


def _any_cell_ran(nb: NotebookNode) -> bool:
    return any(cell.get("execution_count") is not None for cell in nb.cells)


def fail_cell(cell: NotebookNode, reason: str) -> None:
    """The cell that was running when the kernel stopped scores 0, with the reason."""
    if not any(output.output_type == "error" for output in cell.get("outputs", [])):
        cell.setdefault("outputs", []).append(NotebookNode(
            output_type="error", ename="NotExecuted",
            evalue=f"This cell did not finish: {reason}.",
            traceback=[f"NotExecuted: This cell did not finish: {reason}."]))


def fail_cells_that_did_not_run(nb: NotebookNode, reason: str | None) -> None:
    """Give every grade cell that has no execution an error, so that it scores 0."""
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is not None:
            continue
        if not utils.is_grade(cell):
            continue
        if any(output.output_type == "error" for output in cell.get("outputs", [])):
            continue
        message = reason or "the kernel stopped before this cell ran"
        cell.outputs.append(NotebookNode(
            output_type="error", ename="NotExecuted",
            evalue=f"This test cell did not run: {message}.",
            traceback=[f"NotExecuted: This test cell did not run: {message}."]))
