"""What a wrong answer did, in words a student can act on.

A check that finds no known mistake still knows a lot: which entries are wrong, where
their inputs lie (the z <= 0 side, exactly 0, large |z|, some rows or channels), how the
wrong values relate to the right ones (a sign, a factor, an offset), and one entry to
look at. `describe_difference` says all of that; `explain_crash` does the same for an
exception. A message shows at most one example entry, never the other hidden inputs.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

LARGE = 20.0  # |z| from here on is "large": where clipped formulas (np.clip(z, -20, 20)...) go wrong
MAX_LISTED = 4  # indices named in "only in rows 0, 2, 5"


def describe_difference(actual: np.ndarray, expected: np.ndarray, inputs: tuple = (),
                        names: Sequence[str] = (), rtol: float = 1e-9,
                        atol: float = 1e-12) -> str:
    """'is wrong on k of n entries, ...' for an answer of the right shape and dtype."""
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    said = [f"is wrong on {int(wrong.sum())} of {wrong.size} entries" if wrong.size > 1
            else "is wrong"]
    return _located(said, actual, expected, wrong, inputs, names, relate=True)


def describe_not_finite(actual: np.ndarray, expected: np.ndarray, inputs: tuple = (),
                        names: Sequence[str] = ()) -> str:
    """'returned nan or inf on k of n entries, ...' where finite numbers were expected."""
    wrong = ~np.isfinite(actual) & np.isfinite(expected)
    said = [f"returned nan or inf on {int(wrong.sum())} of {wrong.size} entries, where "
            "finite numbers were expected" if wrong.size > 1 else "returned nan or inf"]
    return _located(said, actual, expected, wrong, inputs, names, relate=False)


def _located(said, actual, expected, wrong, inputs, names, relate) -> str:
    """`said`, then where the `wrong` entries lie, how they relate to the right values,
    and one of them as an example."""
    elementwise = _elementwise_inputs(inputs, names, expected.shape)
    if elementwise and not wrong.all():
        said += _where_in_input(wrong, *elementwise[0])
    elif not elementwise:
        said.append(_rows_or_channels(wrong, np.ones_like(wrong)))
    if relate:
        said.append(_relation(actual[wrong], expected[wrong]))
    return ("; ".join(part for part in said if part) + ". "
            + _example(actual, expected, wrong, elementwise) + ".")


def _elementwise_inputs(inputs, names, shape) -> list[tuple[str, np.ndarray]]:
    """The named inputs that line up with the answer entry by entry (a scalar input, such
    as alpha, lines up with every entry)."""
    lined_up = []
    for name, value in zip(names, inputs):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        if array.shape == shape or array.ndim == 0:
            lined_up.append((name, np.broadcast_to(array, shape)))
    # the first name is the input the answer is a function of; without it, no regions
    return lined_up if lined_up and np.shape(inputs[0]) == shape else []


def _where_in_input(wrong: np.ndarray, name: str, z: np.ndarray) -> list[str]:
    """The smallest region of the input z that holds every wrong entry, and the channels
    (last axis) within it when only some of them are wrong."""
    regions = [(f"at {name} = 0 exactly", z == 0), (f"where {name} < 0", z < 0),
               (f"where {name} > 0", z > 0), (f"where {name} ≤ 0", z <= 0),
               (f"where {name} ≥ 0", z >= 0), (f"where {name} ≥ {LARGE:g}", z >= LARGE),
               (f"where {name} ≤ −{LARGE:g}", z <= -LARGE),
               (f"where |{name}| ≥ {LARGE:g}", abs(z) >= LARGE)]
    # the smallest region wins; among equals, the first named
    holding = [(int(mask.sum()), label, mask) for label, mask in regions
               if mask.any() and not mask.all() and not (wrong & ~mask).any()]
    if not holding:
        return [f"the wrong entries lie on both sides of {name} = 0",
                _channels(wrong, np.ones_like(wrong))]
    size, label, mask = min(holding, key=lambda held: held[0])
    if size == wrong.sum():
        return [f"every entry {label} is wrong, and every other entry is right"]
    return [f"the wrong entries are all {label}", _channels(wrong, mask)]


def _channels(wrong: np.ndarray, region: np.ndarray) -> str:
    """For an elementwise answer: the channels (last axis) the wrong entries keep to."""
    return _rows_or_channels(wrong, region, axes=[wrong.ndim - 1]) if wrong.ndim > 1 else ""


def _rows_or_channels(wrong: np.ndarray, region: np.ndarray, axes=None) -> str:
    """'only at indices 0, 2 of 3 along the last axis' when the wrong entries keep to some
    positions along one axis (a channel's alpha, a row of W) and, at those positions,
    every entry of the region is wrong: a rule, not the chance of a few entries."""
    if wrong.ndim == 0 or wrong.all():
        return ""
    best = None  # (share of the axis touched, axis, indices touched)
    for axis in range(wrong.ndim) if axes is None else axes:
        others = tuple(a for a in range(wrong.ndim) if a != axis)
        touched = wrong.any(axis=others) if others else wrong
        region_there = np.take(region, np.flatnonzero(touched), axis=axis)
        wrong_there = np.take(wrong, np.flatnonzero(touched), axis=axis)
        share = touched.mean()
        if share < 1 and np.array_equal(wrong_there, region_there) and (
                best is None or share < best[0]):
            best = (share, axis, np.flatnonzero(touched))
    if best is None:
        return ""
    _, axis, touched = best
    listed = ", ".join(str(i) for i in touched[:MAX_LISTED])
    more = f" and {len(touched) - MAX_LISTED} more" if len(touched) > MAX_LISTED else ""
    if wrong.ndim == 1:
        return f"only at positions {listed}{more} of {wrong.shape[0]}"
    place = "the last axis" if axis == wrong.ndim - 1 else f"axis {axis}"
    return f"only at indices {listed}{more} of {wrong.shape[axis]} along {place}"


def _relation(given: np.ndarray, right: np.ndarray) -> str:
    """How the wrong values relate to the right ones, when one rule covers them all."""
    if given.size == 0:
        return ""
    with np.errstate(all="ignore"):
        if np.all(given == 0):
            return "there it returns 0"
        if np.allclose(given, -right, rtol=1e-7, atol=1e-12):
            return "there it has the opposite sign of the right value"
        nonzero = right != 0
        if nonzero.all() and given.size > 1:
            ratio = given / right
            if np.allclose(ratio, ratio[0], rtol=1e-6, atol=0):
                return f"there it is {ratio[0]:.4g} times the right value"
        offset = given - right
        if given.size > 1 and np.allclose(offset, offset[0], rtol=1e-6, atol=1e-12):
            return f"there it is off by {offset[0]:+.4g}"
        if given.size > 1 and np.all(given < right):
            return "there it is always below the right value"
        if given.size > 1 and np.all(given > right):
            return "there it is always above the right value"
    return ""


def _example(actual, expected, wrong, elementwise) -> str:
    index = tuple(int(i) for i in np.argwhere(wrong)[0]) if wrong.ndim else ()
    given, right = _number(actual[index]), _number(expected[index])
    if not index and not elementwise:  # one number: nothing to point at
        return f"It gave {given} where {right} is right"
    if elementwise:
        at = ", ".join(f"{name} = {_number(values[index])}" for name, values in elementwise)
    else:
        at = f"index {index}"
    return f"For example at {at}: expected {right}, got {given}"


def _number(value) -> str:
    return f"{float(value):.6g}"


def kind_of(value) -> str:
    """What a function returned, for a message: 'a tuple of 3 items', 'None (...)'."""
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, np.ndarray):
        return f"one array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


# ---- exceptions -------------------------------------------------------------------------
MATH_MODULE_ON_AN_ARRAY = ("a function of the math module got an array: use NumPy's "
                           "(np.exp, np.log, scipy.special.erf), which work entry by entry")
MATRIX_SIZES = ("a matrix product's inner sizes differ: check the order of the factors and "
                "whether one needs a transpose (.T)")
# (clues in the error's text, what it usually means), the first match wins
CRASH_ADVICE = [
    (("truth value of an array",),
     "a Python `if`, `and`, `or` or max() met a whole array, which has no single truth "
     "value: use np.where, np.maximum or a boolean mask"),
    (("could not be broadcast",),
     "two arrays' shapes do not line up: check the axis you reduce or broadcast along "
     "(keepdims=True keeps a reduced axis)"),
    (("mismatch in its core dimension", "not aligned"), MATRIX_SIZES),
    (("only length-1 arrays", "only 0-dimensional arrays", "only size-1 arrays",
      "must be real number, not"), MATH_MODULE_ON_AN_ARRAY),
    (("'float' object",), "the code treats its input as an array, but the contract also "
     "passes a Python float: start with z = np.asarray(z, dtype=float)"),
    (("0-d array",), "the code loops over or indexes its input, but the contract also "
     "passes a 0-d array: use array operations, which work for every shape"),
    (("unsized object",), "the code takes len() of its input, but the contract also passes "
     "a 0-d array and a Python float: use .size or .shape"),
    (("too many indices",), "the code indexes more axes than the input has: the contract "
     "passes arrays of any number of dimensions (and 0-d ones)"),
    (("is out of bounds",), "an index went past an array's end: check the sizes your loop "
     "runs over and the axis they belong to"),
    (("math range error",), "math.exp overflowed: use np.exp of −|z|, which never overflows"),
    (("is not defined",), "a name the function uses is not defined when it runs: define or "
     "import it in the notebook (and run that cell)"),
]


def explain_crash(error: BaseException, args: tuple) -> str:
    """'raised ValueError: ... (called with ...): <what it usually means>'."""
    text = str(error)
    if len(text) > 300:  # a student's exception may carry anything; the gist is enough
        text = text[:300] + " [...]"
    advice = next((advice for clues, advice in CRASH_ADVICE
                   if any(clue in text for clue in clues)), "")
    shapes = ", ".join(_shape_of(arg) for arg in args if _shape_of(arg))
    called = f" (called with {shapes})" if shapes else ""
    return (f"raised {type(error).__name__}: {text}{called}"
            + (f". That usually means {advice}" if advice else ""))


def _shape_of(arg) -> str:
    if isinstance(arg, float):
        return "a Python float"
    if isinstance(arg, np.ndarray):
        return "a 0-d array" if arg.ndim == 0 else f"an array of shape {arg.shape}"
    return ""
