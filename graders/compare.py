"""The one comparison helper behind every check of the course.

A check calls the student's code through `call_student`, which turns an exception, a
warning or stray output into a failure message instead of letting it reach the test
cell (nbgrader scores a test cell 0 for anything on stderr). It then compares the answer
with the reference through `assert_matches`: type, shape, dtype, finite values, then the
contract's tolerance. When the answer is wrong, the known mistakes of that exercise are
tried on the same inputs, so the message names the mistake the student made.

Failures raise `GradingError` (an AssertionError) with a message written for the student:
it says what went wrong, where, and how to fix it (graders/describe.py), shows at most one
example entry of the hidden inputs, and ends with the seed that replays the check
(`GRADER_SEED=<seed>`).
"""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from graders import integrity
from graders.describe import describe_difference, describe_not_finite, explain_crash

# The contract: equal to the reference within these, in float64.
RTOL = 1e-9
ATOL = 1e-12


_UNFROZEN = object()
_REPLAY_SEED = _UNFROZEN  # fixed at kernel start-up (freeze_replay_seed)


def freeze_replay_seed() -> None:
    """Read GRADER_SEED once, before student code runs: a notebook that sets it later
    cannot make the hidden inputs predictable."""
    global _REPLAY_SEED
    _REPLAY_SEED = os.environ.get("GRADER_SEED")


class GradingError(AssertionError):
    """A check failed; the message is meant for the student."""


class KnownMistake(GradingError):
    """A check failed with a mistake it names: the class report counts these by hint,
    reading the error's name (the student reads `KnownMistake: <what> is wrong: <hint>`)."""


@dataclass(frozen=True)
class Mistake:
    """A wrong answer students really write: `wrong` computes it, `hint` explains it.

    `wrong` takes the same arguments as the graded call. When a student's answer
    matches `wrong` on the check's inputs, the check fails with `hint`.
    """

    hint: str
    wrong: Callable[..., Any]


class Grading:
    """One run of one check: its random generator and the seed that replays it.

    The seed is drawn afresh each time a check runs, so answers cannot be hard-coded;
    an instructor replays a failure with the environment variable GRADER_SEED.
    """

    def __init__(self, what: str):
        self.what = what
        integrity.assert_untampered()
        replay = _REPLAY_SEED if _REPLAY_SEED is not _UNFROZEN else os.environ.get("GRADER_SEED")
        self.seed = int(replay) if replay else secrets.randbelow(2**32)
        self.rng = np.random.default_rng(self.seed)

    def fail(self, message: str, error: type[GradingError] = GradingError) -> GradingError:
        return error(f"{message} (grader seed {self.seed})")

    def random_inputs(self, scale: float = 3.0) -> list[Any]:
        """Inputs of every shape the contract allows: 3-D, 2-D and 1-D arrays, a 0-d
        array and a Python float, with random sizes and values of spread `scale`.
        The largest come first, so that a wrong answer is recognised on many entries."""
        rng = self.rng
        return [
            rng.normal(0, scale, size=tuple(rng.integers(2, 6, size=3))),
            rng.normal(0, scale, size=tuple(rng.integers(2, 9, size=2))),
            rng.normal(0, scale, size=int(rng.integers(5, 40))),
            np.array(rng.normal(0, scale)),
            float(rng.normal(0, scale)),
        ]

    def call(self, fn: Callable, *args, what: str | None = None, warning_hint: str = "",
             **kwargs) -> Any:
        return call_student(fn, *args, what=what or self.what, warning_hint=warning_hint,
                            fail=self.fail, **kwargs)

    def assert_matches(self, actual, expected, *, what: str | None = None,
                       inputs: tuple = (), mistakes: Sequence[Mistake] = (),
                       scalar_ok: bool = False, rtol: float = RTOL,
                       atol: float = ATOL, names: Sequence[str] = (),
                       advice: str = "") -> None:
        assert_matches(actual, expected, what=what or self.what, inputs=inputs,
                       mistakes=mistakes, scalar_ok=scalar_ok, rtol=rtol, atol=atol,
                       names=names, advice=advice, fail=self.fail)

    def assert_unchanged(self, before, after, *, what: str | None = None) -> None:
        if not np.array_equal(np.asarray(before), np.asarray(after)):
            raise self.fail(f"{what or self.what} changed the array it was given. Work on "
                            "a copy (or build a new array) instead of assigning into the "
                            "input.")


def _default_fail(message: str, error: type[GradingError] = GradingError) -> GradingError:
    return error(message)


LIBRARY_PREFIXES = tuple({sys.prefix, sys.base_prefix, os.path.dirname(np.__file__)})


def _from_library(depth: int) -> bool:
    """Was the caller `depth` frames up installed code (NumPy, SciPy...), not the
    student's? Libraries silence warnings they handle; students may not."""
    return sys._getframe(depth + 1).f_code.co_filename.startswith(LIBRARY_PREFIXES)


@contextlib.contextmanager
def _warnings_cannot_be_silenced():
    """While student code runs, np.errstate, np.seterr and warnings filters called from
    the student's own code change nothing: an overflow the answer hides is still an
    overflow. Calls from installed libraries work as usual."""
    errstate = type(np.errstate())
    saved = (errstate.__enter__, errstate.__exit__, np.seterr,
             warnings.simplefilter, warnings.filterwarnings)
    enter, leave, seterr, simplefilter, filterwarnings = saved

    honoured = set()  # ids of the errstate contexts entered by library code

    def guarded_enter(self):
        if not _from_library(1):
            return self
        honoured.add(id(self))
        return enter(self)

    def guarded_exit(self, *exc):
        if id(self) in honoured:
            honoured.discard(id(self))
            return leave(self, *exc)
        return None

    def guarded(original):
        return lambda *args, **kwargs: (original(*args, **kwargs) if _from_library(1)
                                        else None)

    errstate.__enter__, errstate.__exit__ = guarded_enter, guarded_exit
    np.seterr = lambda *a, **k: seterr(*a, **k) if _from_library(1) else np.geterr()
    warnings.simplefilter, warnings.filterwarnings = guarded(simplefilter), guarded(filterwarnings)
    try:
        yield
    finally:
        (errstate.__enter__, errstate.__exit__, np.seterr,
         warnings.simplefilter, warnings.filterwarnings) = saved


def call_student(fn: Callable, *args, what: str, warning_hint: str = "",
                 fail: Callable[..., GradingError] = _default_fail, **kwargs) -> Any:
    """Call student code with warnings recorded and its output swallowed.

    Overflow, division and invalid-value warnings are switched on, and the student's
    code cannot switch them off; underflow to 0 is harmless and stays off.
    """
    with contextlib.ExitStack() as stack:
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        stack.enter_context(np.errstate(over="warn", divide="warn", invalid="warn",
                                        under="ignore"))
        # prints inside the student's function must not reach the test cell's output
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
        stack.enter_context(_warnings_cannot_be_silenced())
        crash = None
        try:
            with integrity.student_code_running():
                result = fn(*args, **kwargs)
        except Exception as error:  # any crash of student code is that check's failure
            crash = error
    borrowed = integrity.take_borrowing()
    if borrowed:
        raise fail(f"{what} {borrowed}: an answer must compute its result itself.")
    integrity.assert_untampered()
    if isinstance(crash, NotImplementedError):
        raise fail(f"{what} is not implemented yet: replace "
                   "`raise NotImplementedError()` with your code.")
    if crash is not None:
        raise fail(f"{what} {explain_crash(crash, args + tuple(kwargs.values()))}")
    if caught:
        first = caught[0]
        message = (f"{what} emitted a {first.category.__name__} ({first.message}). "
                   "A correct answer runs without warnings.")
        raise fail(f"{message} {warning_hint}".strip())
    return result


def assert_matches(actual, expected, *, what: str, inputs: tuple = (),
                   mistakes: Sequence[Mistake] = (), scalar_ok: bool = False,
                   rtol: float = RTOL, atol: float = ATOL, names: Sequence[str] = (),
                   advice: str = "",
                   fail: Callable[..., GradingError] = _default_fail) -> None:
    """Fail unless `actual` equals `expected` as the contract defines it.

    `inputs` are the arguments the answer was computed from: known `mistakes` are
    evaluated on them to name the error. `scalar_ok` also accepts a Python float
    (for a scalar answer, such as a scalar PReLU's grad_alpha). `rtol` and `atol` are
    the contract's unless a check has a reason to loosen them (a numerical gradient).
    `names` says the answer is elementwise in its inputs and names them (("z", "alpha")):
    a failure then says where in z the answer is wrong and shows one entry's inputs.
    `advice` ends a wrong-values message that names no known mistake.
    """
    expected = np.asarray(expected)
    if isinstance(actual, (bool, np.bool_)) or not isinstance(
            actual, (np.ndarray, np.generic, float) if scalar_ok or expected.ndim == 0
            else (np.ndarray, np.generic)):
        raise fail(f"{what} returned {type(actual).__name__}; return a NumPy array "
                   "of floats.")
    if np.shape(actual) != expected.shape:
        raise fail(f"{what} returned shape {np.shape(actual)} where {expected.shape} "
                   "was expected.")
    actual_array = np.asarray(actual)
    if actual_array.dtype != np.float64:
        raise fail(f"{what} returned dtype {actual_array.dtype}; return float64 "
                   "(for example with .astype(float) or by computing with floats).")
    if not np.all(np.isfinite(actual_array) | ~np.isfinite(expected)):
        raise fail(f"{what} {describe_not_finite(actual_array, expected, inputs, names)} "
                   "Look for an overflowing exp or a 0/0 there.")
    if _close(actual_array, expected, rtol, atol):
        return
    for mistake in mistakes:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                wrong = np.asarray(mistake.wrong(*inputs), dtype=float)
            except Exception:  # a mistake that cannot apply to these inputs
                continue
        if wrong.shape == actual_array.shape and _close(actual_array, wrong, rtol=1e-7,
                                                        atol=1e-10):
            raise fail(f"{what} is wrong: {mistake.hint}", KnownMistake)
    raise fail(f"{what} "
               f"{describe_difference(actual_array, expected, inputs, names, rtol, atol)}"
               + (f" {advice}" if advice else ""))


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float = RTOL,
           atol: float = ATOL) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(actual, expected, rtol=rtol, atol=atol,
                                      equal_nan=True)))
