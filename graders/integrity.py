"""Defences of the graders against the submission they grade.

A student's code runs in the same kernel as the hidden tests, before them. The grading
kernel's start-up (grading_kernel/startup.py) calls `lock_down` before any student cell:

- Tools: the functions and classes of builtins, math, numpy, warnings and the graders
  themselves are recorded; every check verifies them before and after each call into
  student code, and fails naming the tool that was replaced.
- The reference: every function of solutions/ refuses to run while student code is
  running inside a check, so an answer that borrows it (import, sys.modules, gc, frames)
  fails; the reference files, the source notebooks and the gradebook cannot be opened,
  listed or read through another process, and gc's object scans are refused.
- Proof of execution: each check that passes displays a marker carrying a token that only
  the grading process and this kernel know; course/steps/checks_ran.py, outside the kernel,
  scores 0 any test cell whose checks left no marker (tests skipped, rewritten or
  replaced).

What no in-kernel defence can stop (a student who reads these internals and rewrites
them) is described in README.md: only running the graders in another process would.
"""
import contextlib
import os
import sys
import types

from grading_kernel.protocol import MARKER_MIME, TOKEN_VARIABLE  # noqa: F401 (used by checks)

_state = {"student_depth": 0, "borrowed": None, "token": None, "snapshot": None}


class TamperingError(AssertionError):
    """The notebook changed a tool the graders rely on."""


# ---- tools ----------------------------------------------------------------------------
def _watched_modules():
    names = ("builtins", "math", "warnings", "contextlib", "io", "secrets", "graders",
             "solutions", "numpy")
    return {name: module for name, module in list(sys.modules.items())
            if isinstance(module, types.ModuleType)
            and (name in names or name.startswith(("numpy.", "graders.", "solutions.")))}


# The kernel itself swaps some builtins (input, for one) at every cell: in these two
# modules only the names a check relies on are watched.
WATCHED_NAMES = {
    "builtins": {"abs", "all", "any", "isinstance", "issubclass", "len", "float", "int",
                 "bool", "type", "getattr", "hasattr", "setattr", "sum", "max", "min",
                 "range", "zip", "list", "tuple", "dict", "set", "str", "repr", "iter",
                 "next", "sorted", "map", "filter", "round", "callable", "vars", "id",
                 "AssertionError", "Exception", "BaseException", "ValueError", "TypeError",
                 "NotImplementedError", "PermissionError", "RuntimeWarning"},
    "warnings": {"catch_warnings", "simplefilter", "filterwarnings", "warn",
                 "resetwarnings"},
}


def take_snapshot():
    """Record every function and class of the watched modules, as they are now."""
    import numpy.testing  # noqa: F401 (loaded lazily otherwise, and then not watched)
    _state["snapshot"] = {
        name: {attr: value for attr, value in vars(module).items()
               if callable(value) and not attr.startswith("__")
               and attr in WATCHED_NAMES.get(name, (attr,))}
        for name, module in _watched_modules().items()}


def replaced_tools() -> list:
    """The watched names whose function or class is no longer the one recorded."""
    snapshot = _state["snapshot"]
    if snapshot is None:
        return []
    changed = []
    for module_name, attributes in snapshot.items():
        module = sys.modules.get(module_name)
        if module is None:
            changed.append(module_name)
            continue
        current = vars(module)
        for attr, value in attributes.items():
            if current.get(attr) is not value:
                changed.append(f"{module_name}.{attr}")
    return changed


def assert_untampered() -> None:
    changed = replaced_tools()
    if changed:
        shown = ", ".join(name.replace("numpy.", "np.") for name in changed[:5])
        raise TamperingError(
            f"tampering detected: this notebook replaced {shown}"
            f"{' and more' if len(changed) > 5 else ''}. The graders do not grade answers "
            "checked with altered tools; remove the code that reassigns them.")


# ---- the reference --------------------------------------------------------------------
class BorrowedReference(Exception):
    pass


@contextlib.contextmanager
def student_code_running():
    """Marks the span in which a check runs student code (see compare.call_student)."""
    _state["student_depth"] += 1
    try:
        yield
    finally:
        _state["student_depth"] -= 1


def take_borrowing() -> str | None:
    """What the student code just run borrowed from the reference, if anything."""
    borrowed, _state["borrowed"] = _state["borrowed"], None
    return borrowed


def _note_borrowing(what: str) -> None:
    if _state["student_depth"] and _state["borrowed"] is None:
        _state["borrowed"] = what


def _guarded(function, name):
    def guard(*args, **kwargs):
        if _state["student_depth"]:
            _note_borrowing(f"called the reference solution ({name})")
            raise BorrowedReference("the reference solution is not available to answers")
        return function(*args, **kwargs)
    guard.__name__, guard.__qualname__, guard.__doc__ = (
        function.__name__, function.__qualname__, function.__doc__)
    return guard


def guard_references() -> None:
    """Make every function and method of solutions/ refuse to run inside student code."""
    for module_name, module in list(sys.modules.items()):
        if not (module_name == "solutions" or module_name.startswith("solutions.")):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and value.__module__ == module_name:
                setattr(module, attr, _guarded(value, f"{module_name}.{attr}"))
            elif isinstance(value, type) and value.__module__ == module_name:
                for method_name, method in list(vars(value).items()):
                    if isinstance(method, types.FunctionType):
                        setattr(value, method_name, _guarded(
                            method, f"{module_name}.{attr}.{method_name}"))


# ---- what student code may touch ------------------------------------------------------
def install_audit_hook(protected_paths) -> None:
    """Refuse, for the rest of the kernel's life, what no answer needs: opening or listing
    the graders, the reference, the source notebooks and the gradebook; starting
    processes; scanning the garbage collector; reading memory through ctypes. Note
    imports of the reference made by student code inside a check."""
    protected = tuple(os.path.realpath(p) for p in protected_paths)
    own_folder = os.path.realpath(os.getcwd())  # the student's own files stay readable
    refused = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
               "os.fork", "os.forkpty", "pty.spawn", "gc.get_objects", "gc.get_referrers",
               "gc.get_referents", "ctypes.string_at", "ctypes.wstring_at", "ctypes.cdata",
               "ctypes.dlopen"}
    path_events = {"open", "os.listdir", "os.scandir", "shutil.copyfile"}
    realpath, isinstance_, str_ = os.path.realpath, isinstance, str
    fspath, fsdecode = os.fspath, os.fsdecode

    def hook(event, args):
        if event in refused:
            raise PermissionError(f"{event} is not allowed while grading")
        if event in path_events and args:
            path = args[0]
            if isinstance_(path, int) or path is None:
                return
            try:
                resolved = fsdecode(realpath(fspath(path)))
            except (TypeError, ValueError):
                return
            secret = (resolved.startswith(protected) and not resolved.startswith(own_folder)
                      or resolved.startswith("/proc/") and resolved.endswith("/environ"))
            if secret:
                raise PermissionError(f"{str_(path)} is not readable while grading")
        elif event == "import" and args and isinstance_(args[0], str_):
            if args[0].split(".")[0] in ("solutions", "graders"):
                _note_borrowing(f"imported {args[0]}")

    sys.addaudithook(hook)


# ---- proof of execution ---------------------------------------------------------------
def _with_marker(check, name, display):
    def checked(*args, **kwargs):
        assert_untampered()
        result = check(*args, **kwargs)
        assert_untampered()
        display({MARKER_MIME: {"check": name, "token": _state["token"]},
                 "text/plain": ""}, raw=True)
        return result
    checked.__name__, checked.__qualname__, checked.__doc__ = (
        check.__name__, check.__qualname__, check.__doc__)
    return checked


def mark_checks() -> None:
    """Make every check_* function of graders/ display a marker when it passes."""
    from IPython.display import display
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("graders."):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("check_") and isinstance(value, types.FunctionType):
                setattr(module, attr, _with_marker(value, attr, display))


def lock_down(course_root: str) -> None:
    """Everything above, in order, before the first student cell (kernel start-up)."""
    _state["token"] = os.environ.pop(TOKEN_VARIABLE, None)
    guard_references()
    mark_checks()
    take_snapshot()
    install_audit_hook([os.path.join(course_root, name) for name in (
        "graders", "solutions", "source", "course", "gradebook.db", "submitted",
        "autograded", "feedback", ".grading", "nbgrader_config.py")])

