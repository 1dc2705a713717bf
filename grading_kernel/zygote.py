"""The warm parent of the fast grading engine, and the child that runs one notebook.

`serve()` runs inside the sandbox of course/steps/sandbox.py, once per grading worker. It
imports what every notebook of one assignment imports (numpy, matplotlib, IPython, the
course's shared grader modules, the assignment's graders and solutions and what they
import), makes one IPython shell, then waits. For each notebook the worker asks for,
it forks a child; the child reads the job (the notebook's code cells) and runs the cells
through that shell, sending each cell's outputs, as a Jupyter kernel would have produced
them, straight back to the worker. The parent never reads a student's file or output: it
forks, relays interrupts and kills, reaps the child, kills whatever the child left
running, and empties /tmp for the next child.

Protocol, one JSON object per line:
    worker -> parent (stdin):   {"run": job_file} | {"interrupt": true} | {"kill": true}
    child  -> worker (stdout):  {"start": index} then {"done": index, "execution_count": n,
                                "outputs": [...]} for each cell
    parent -> worker (stdout):  {"ready": true} once warm (or {"error": why}), then
                                {"exit": status} per child
"""
import gc
import json
import os
import resource
import select
import signal
import sys

READY, EXIT = "ready", "exit"
# what one cell may send back; beyond it a stream is cut (nbgrader's LimitOutput keeps
# far less), so a flood of output costs time, not the worker's memory
MAX_STREAM_CHARS = 1_000_000
MAX_DISPLAY_BYTES = 20 * 2**20  # one display (a figure, a table) larger than this is dropped
MAX_ERROR_CHARS = 100_000  # of an error's message, and of each of its traceback's lines
MAX_TRACEBACK_LINES = 100  # the last ones are kept: they name the error
LANGUAGE_INFO = {  # what ipykernel reports, for the executed notebook's metadata
    "name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python", "file_extension": ".py",
}


# ---- the child's view of one cell's outputs -------------------------------------------
class CellOutputs:
    """The outputs of the running cell, in nbformat's shape, in the order produced."""

    def __init__(self):
        self.begin()

    def begin(self):
        """Start the outputs of a new cell."""
        self.items, self._clear_on_next, self._stream_chars = [], False, 0

    def add(self, output):
        if self._clear_on_next:
            self.items, self._clear_on_next = [], False
        self.items.append(output)

    def stream(self, name, text):
        if not text:
            return
        room = MAX_STREAM_CHARS - self._stream_chars
        if room <= 0:
            return
        if len(text) > room:
            text = text[:room] + "\n[output cut by the grader]\n"
        self._stream_chars += len(text)
        last = self.items[-1] if self.items and not self._clear_on_next else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.add({"output_type": "stream", "name": name, "text": text})

    def clear(self, wait):
        if wait:
            self._clear_on_next = True
        else:
            self.items, self._clear_on_next = [], False


class _Stream:
    """sys.stdout / sys.stderr of the child: text goes to the cell's outputs."""

    def __init__(self, outputs, name, fd):
        self._outputs, self.name, self._fd = outputs, name, fd
        self.encoding, self.errors = "utf-8", "replace"

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._outputs.stream(self.name, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    @property
    def closed(self):
        return False


def _json_ready(data):
    """A display's data as JSON holds it: bytes (a PNG) base64-encoded, as ipykernel does."""
    import base64
    return {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
            for mime, value in (data or {}).items()}


def make_shell():
    """An IPython shell whose displays, results, streams and errors land in CellOutputs."""
    import inspect

    from IPython.core.compilerop import CachingCompiler
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    outputs = CellOutputs()

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            if update:  # an update of an earlier display changes nothing graded
                return
            outputs.add({"output_type": "display_data", "data": _json_ready(data),
                         "metadata": metadata or {}})

        def clear_output(self, wait=False):
            outputs.clear(wait)

    class ResultHook(DisplayHook):
        """The value of a cell's last expression, as an execute_result."""

        def start_displayhook(self):
            self._result = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._result = (format_dict, md_dict)

        def finish_displayhook(self):
            if self._result is not None:
                data, metadata = self._result
                outputs.add({"output_type": "execute_result",
                             "execution_count": self.prompt_count,
                             "data": _json_ready(data), "metadata": metadata or {}})

    class CellCompiler(CachingCompiler):
        def cache(self, transformed_code, number=0, raw_code=None):
            name = super().cache(transformed_code, number, raw_code)
            # a cell is no module's file: said once, here, because IPython's tracebacks
            # ask inspect.getmodule for each frame, and for a file it does not know it
            # scans all of sys.modules (about a millisecond) before answering None
            inspect.modulesbyfile[os.path.normcase(os.path.abspath(name))] = name
            return name

    class GradingShell(InteractiveShell):
        displayhook_class, display_pub_class, compiler_class = ResultHook, Publisher, CellCompiler

        def enable_gui(self, gui=None):
            pass  # figures are drawn inline; a grading kernel has no event loop

        def _showtraceback(self, etype, evalue, stb):
            outputs.add({"output_type": "error", "ename": str(etype.__name__),
                         "evalue": str(evalue), "traceback": stb})

    config = Config()
    config.HistoryManager.enabled = False  # its saving thread must not exist at fork
    config.InteractiveShell.colors = "nocolor"
    shell = GradingShell.instance(config=config)
    return shell, outputs


# ---- what every grading process does before the first student cell --------------------
def import_course_modules(course_root, assignment=None):
    """Import the graders and the reference from the course folder, so that the hidden
    tests find them in sys.modules whatever the student submitted beside the notebook
    (a `graders/` folder or a `solutions.py` is never imported): all of them, or only the
    shared modules and `assignment`'s. Returns the modules imported."""
    import importlib
    import pkgutil
    sys.path.insert(0, course_root)
    modules = []
    for package_name in ("solutions", "graders"):
        package = importlib.import_module(package_name)
        modules.append(package)
        for module in pkgutil.walk_packages(package.__path__, package_name + "."):
            parts = module.name.split(".")  # e.g. graders.compare, graders.a1.activations
            shared = len(parts) == 2 and not module.ispkg
            if assignment is None or shared or parts[1] == assignment:
                modules.append(importlib.import_module(module.name))
    return modules


def imported_inside(modules) -> set:
    """The absolute imports written anywhere in the modules' source, those inside
    functions included (e.g. `from scipy.special import ndtr` in a check)."""
    import ast
    names = set()
    for module in modules:
        try:
            with open(module.__file__, "rb") as file:
                tree = ast.parse(file.read())
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)  # and the names it takes, if they are modules
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def prepare_checks(course_root):
    """Fix the replay seed and lock the process down (graders/integrity.py), reading the
    instructor's switches before any student code could set them."""
    from graders import compare, integrity
    compare.freeze_replay_seed()
    # COURSE_DEFENCES=off is for measuring the defences (tests/e2e/test_cheats.py)
    if os.environ.pop("COURSE_DEFENCES", "on") != "off":
        integrity.lock_down(course_root)


class CellCPUTimeExceeded(BaseException):
    """Raised in a cell that used more than its CPU time (a BaseException, so that an
    `except Exception` in the student's code does not swallow it)."""


def limit_cell_cpu_time(shell, seconds):
    """Stop every cell that uses more than `seconds` of CPU time, with an error that
    scores it 0. ITIMER_PROF counts this process's user and system time, all threads
    together: the same on an idle machine as on a busy one, unlike the wall clock."""
    message = (f"this cell used more than {seconds} s of CPU time (the time limit of a "
               "cell at grading time) and was stopped. Make it faster (NumPy operations on whole "
               "arrays instead of Python loops); `%%time` at the top of a cell shows its "
               "CPU time.")
    state = {"running": False, "exceeded": False}

    def on_timer(signum, frame):
        state["exceeded"] = True
        if state["running"]:
            raise CellCPUTimeExceeded(message)

    def before(*_):
        state.update(running=True, exceeded=False)
        signal.setitimer(signal.ITIMER_PROF, seconds, 0.5)  # again each 0.5 s if caught

    def after(result):
        state["running"] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        if state["exceeded"] and result.success:  # the cell caught the error and went on
            try:
                raise CellCPUTimeExceeded(message)
            except CellCPUTimeExceeded:
                shell.showtraceback()

    signal.signal(signal.SIGPROF, on_timer)
    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)


# ---- the parent -----------------------------------------------------------------------
def warm(course_root, assignment=None):
    """Import what the notebooks and graders (of `assignment`, or all) import, in the
    parent, once, and run the code paths every notebook runs."""
    import importlib
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    shell, outputs = make_shell()  # before pyplot, so the inline backend finds the shell
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    # the graders and solutions import some modules inside functions (a kernel then pays
    # only for what it uses); a child would import them afresh each time (0.2 s for
    # scipy.special). Only the assignment's: each module more makes every child slower
    # (IPython scans sys.modules for each frame of a traceback).
    for name in sorted(imported_inside(import_course_modules(course_root, assignment))):
        try:
            importlib.import_module(name)
        except ImportError:  # a name imported from a module, or a module not installed:
            pass             # the check that imports it fails as it would in a kernel
    # draw one figure of the kind the notebooks draw, so that the fonts, the text and
    # mathtext caches and the PNG writer are ready in every child, not rebuilt by each
    # (and run the notebooks' `%matplotlib inline`, whose magics IPython imports lazily);
    # then show one error, so that the caches of IPython's tracebacks (inspect's map of
    # every module's file: a realpath each) are filled here, not in every child
    shell.run_cell(WARM_UP, store_history=False, silent=True)
    shell.run_cell(WARM_UP_ERROR, store_history=False, silent=True)
    outputs.begin()
    return shell, outputs


WARM_UP = """
%matplotlib inline
import matplotlib.pyplot as _plt, numpy as _np
from matplotlib.colors import ListedColormap as _ListedColormap
_figure, _axes = _plt.subplots(1, 2, figsize=(8, 3))
_x = _np.linspace(-3, 3, 50)
_axes[0].plot(_x, _np.tanh(_x), label=r"$\\tanh(z)$, σ′"); _axes[0].legend(); _axes[0].grid(alpha=0.3)
_axes[0].set_title("warm-up"); _axes[0].set_xlabel("z"); _axes[1].set_yscale("log")
_axes[1].contourf(*_np.meshgrid(_x, _x), _np.add.outer(_x, _x) > 0, cmap=_ListedColormap(["w", "k"]))
_figure.tight_layout(); _figure.canvas.print_figure(__import__("io").BytesIO(), format="png")
_plt.close("all")
del _plt, _np, _ListedColormap, _figure, _axes, _x
"""
WARM_UP_ERROR = """
def _warm_up():
    raise ValueError("warm-up")
_warm_up()
"""


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _send(fd, message):
    data = (json.dumps(message, default=str) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _kill_strays(own_pid):
    """Kill every process in this sandbox but the sandbox's init and this parent."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (1, own_pid):
            try:
                os.kill(int(entry), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def empty_folder(folder):
    """Remove everything inside `folder`, whatever permissions a child gave it."""
    import shutil

    def force(function, path, _):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=force)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def serve(course_root, sandboxed, assignment=None):
    """The parent's loop: warm up (for `assignment`, or all), then fork a child per job
    and watch it."""
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    shell, outputs = warm(course_root, assignment)
    out = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the pipe
    if _threads() != 1:  # a thread would not survive fork in the children
        _send(out, {"error": f"{_threads()} threads in the zygote, refusing to fork"})
        return
    if sandboxed:
        # a child may not ptrace this parent or read its memory
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
    # the children share the parent's memory until they write to it; a collection in a
    # child would write to every object it visits, so the warm objects are set aside
    gc.freeze()
    _send(out, {READY: True})
    commands = JsonLines(0)
    while True:
        command = commands.next(None)
        if command is None:  # the worker is gone
            return
        if "run" not in command:
            continue
        child = os.fork()
        if child == 0:
            status = 1
            try:
                status = run_child(shell, outputs, command["run"], out, course_root)
            finally:
                os._exit(status)
        status = _watch(child, commands)
        if sandboxed:
            _kill_strays(os.getpid())
            empty_folder("/tmp")
        _send(out, {EXIT: status})


def _watch(child, commands):
    """Relay the worker's interrupts and kills to `child` until it ends; its status."""
    pidfd = os.pidfd_open(child)
    try:
        while True:
            ready, _, _ = select.select([pidfd, commands.fd], [], [])
            if pidfd in ready:
                _, status = os.waitpid(child, 0)
                return (f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
                        if os.WIFSIGNALED(status) else f"exit code {os.WEXITSTATUS(status)}")
            command = commands.next(0)
            if command is None and commands.closed:
                os.kill(child, signal.SIGKILL)
            elif command and command.get("interrupt"):
                os.kill(child, signal.SIGINT)
            elif command and command.get("kill"):
                os.kill(child, signal.SIGKILL)
    finally:
        os.close(pidfd)


class JsonLines:
    """JSON lines read from a file descriptor, without reading ahead of what is asked."""

    def __init__(self, fd):
        self.fd, self._buffer, self.closed = fd, b"", False

    def next(self, timeout):
        """The next JSON line; None on timeout or at end of input (then .closed)."""
        while b"\n" not in self._buffer:
            if self.closed:
                return None
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.closed = True
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            return {}
        return message if isinstance(message, dict) else {}


# ---- the child ------------------------------------------------------------------------
def _cut(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} characters cut]"


def _bounded(items):
    """The cell's outputs, each display too large to send replaced by a note, each error
    cut to a size worth sending (streams are bounded as they are written). The
    notebook's own budget is applied by the worker (course/steps/output_budget.py)."""
    bounded = []
    for output in items:
        if output["output_type"] == "error":
            output = {**output, "evalue": _cut(output["evalue"], MAX_ERROR_CHARS),
                      "traceback": [_cut(line, MAX_ERROR_CHARS)
                                    for line in output["traceback"][-MAX_TRACEBACK_LINES:]]}
        if output["output_type"] in ("display_data", "execute_result"):
            size = len(json.dumps(output["data"], default=str))
            if size > MAX_DISPLAY_BYTES:
                output = {**output, "metadata": {}, "data": {
                    "text/plain": f"[a display of {size / 2**20:.0f} MB, too large to keep]"}}
        bounded.append(output)
    return bounded


def run_child(shell, outputs, job_file, out, course_root):
    """Run one notebook's cells; report each to the worker through `out`."""
    with open(job_file) as file:
        job = json.load(file)
    os.unlink(job_file)  # the token in it is for the checks, not for the student's code
    signal.signal(signal.SIGINT, signal.default_int_handler)
    memory = job["memory_limit_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (job["cpu_seconds"], job["cpu_seconds"]))
    file_size = job["file_size_limit_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails, as in Python
    os.chdir(job["workdir"])
    sys.path[:] = [course_root, job["workdir"], *sys.path[1:]]
    # output written to the file descriptors themselves (C code, os.write) is collected
    # after each cell, as the kernel's would be
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    captured = {}
    for fd, name in ((1, "stdout"), (2, "stderr")):
        capture = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
        os.dup2(capture, fd)
        captured[name] = capture
    sys.stdin = open(os.devnull)
    sys.stdout, sys.stderr = _Stream(outputs, "stdout", 1), _Stream(outputs, "stderr", 2)
    import builtins
    from IPython.core.error import StdinNotImplementedError

    def no_input(prompt=""):
        raise StdinNotImplementedError(
            "raw_input was called, but this frontend does not support input requests.")
    builtins.input = no_input
    os.environ.update(job["environment"])
    prepare_checks(course_root)
    limit_cell_cpu_time(shell, job["cell_cpu_seconds"])
    send = lambda message: _send(out, message)  # noqa: E731
    for index, source in job["cells"]:
        try:
            send({"start": index})
            outputs.begin()
            count = shell.execution_count
            shell.run_cell(source, store_history=True)
        except (KeyboardInterrupt, CellCPUTimeExceeded):  # came between two cells
            pass
        for name, capture in captured.items():
            end = os.lseek(capture, 0, os.SEEK_CUR)
            if end:
                os.lseek(capture, 0, os.SEEK_SET)
                text = os.read(capture, min(end, MAX_STREAM_CHARS)).decode(errors="replace")
                outputs.stream(name, text)
                os.ftruncate(capture, 0)
                os.lseek(capture, 0, os.SEEK_SET)
        send({"done": index, "execution_count": count, "outputs": _bounded(outputs.items)})
        if shell.exit_now:  # exit() or quit() in a cell ends a kernel
            return 0
    return 0
