"""Hidden checks of a2_nonlinearity/xor.ipynb: no line solves XOR, one ReLU layer does.

`fit_affine` and `count_correct` are checked on data drawn at grading time. The XOR
weights are graded by what they do: the checks run the network themselves,
W2 @ relu(W1 @ x + b1) + b2, on the four inputs, so any weights whose outputs are XOR
within 1e-6 pass, whatever their values, scale or order of hidden units. Weights may be
NumPy arrays, lists or tuples, of floats or of integers. The four inputs are public, so a
failure names the input that fails and what the network produced there.
"""
import numpy as np

from graders.a2_nonlinearity import returned_pair
from graders.compare import Grading, GradingError, Mistake, assert_matches
from solutions.a2_nonlinearity import xor as ref

XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
# the contract: the network's output equals XOR within this on each of the four inputs
XOR_TOLERANCE = 1e-6
CONTRACT_SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2": (1,)}
SHAPE_MEANINGS = {
    "W1": "one row per hidden unit, one column per input",
    "b1": "one bias per hidden unit",
    "W2": "one row for the output unit, one column per hidden unit",
    "b2": "one bias for the output unit, as in np.array([0.0])",
}


# ---- fit_affine -----------------------------------------------------------------------
def _no_intercept(X, y):
    return np.linalg.lstsq(np.asarray(X, dtype=float), y, rcond=None)[0], 0.0


def _ones_first_read_last(X, y):
    design = np.column_stack([np.ones(len(X)), X])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    return coefficients[:-1], coefficients[-1]


def _mean_of_y(X, y):
    return ref.fit_affine(X, y)[0], float(np.mean(y))


def _centres_y_only(X, y):
    return _no_intercept(X, y - np.mean(y))[0], float(np.mean(y))


def _fit_mistakes(part):
    index = {"w": 0, "c": 1}[part]
    wrong_fits = [
        ("it fits without an intercept, a plane through the origin: add a column of ones "
         "to X (np.column_stack([X, np.ones(len(X))])) so that c is fitted together "
         "with w.", _no_intercept),
        ("the column of ones comes first in your design matrix, so its coefficient (c) "
         "is the first one, not the last.", _ones_first_read_last),
        ("c is the mean of y, which is right only when X's columns have mean 0: fit c "
         "together with w (or use c = mean(y) - mean(X, axis=0) @ w).", _mean_of_y),
        ("it centres y but not X: w is fitted through the origin to y − mean(y), which "
         "is the least-squares w only when X's columns have mean 0. Fit w and c together "
         "(or centre X too).", _centres_y_only),
    ]
    return [Mistake(hint, lambda X, y, fit=fit: fit(X, y)[index])
            for hint, fit in wrong_fits]


def _regression_data(rng, n_samples, n_features):
    """Features with offsets (so the intercept matters) and a noisy affine target."""
    X = rng.normal(rng.normal(0, 2, size=n_features), rng.uniform(0.5, 2, size=n_features),
                   size=(n_samples, n_features))
    y = X @ rng.normal(0, 2, size=n_features) + rng.normal(0, 3) + rng.normal(
        0, 0.5, size=n_samples)
    return X, y


def check_fit_affine_values(fit_affine):
    """The least-squares (w, c) on random data of one to five features."""
    grading = Grading("fit_affine")
    rng = grading.rng
    for n_features in (1, int(rng.integers(2, 4)), 5):
        X, y = _regression_data(rng, int(rng.integers(n_features + 4, 40)), n_features)
        what = f"fit_affine(X, y) with X of shape {X.shape}"
        X_before, y_before = X.copy(), y.copy()
        result = grading.call(fit_affine, X, y, what=what)
        if isinstance(result, np.ndarray) and result.shape == (n_features + 1,):
            raise grading.fail(f"{what} returned one array of {n_features + 1} "
                               "coefficients; split it into the pair (w, c), w the "
                               "feature weights and c the intercept.")
        w, c = returned_pair(grading, result, what, ("w", "c"), (1, 0))
        grading.assert_unchanged(X_before, X, what=what)
        grading.assert_unchanged(y_before, y, what=what)
        if np.shape(c) == (1,):
            raise grading.fail(f"c from {what} is an array of shape (1,); return it as a "
                               "number (for example coefficients[-1], not "
                               "coefficients[-1:]).")
        expected_w, expected_c = ref.fit_affine(X, y)
        advice = _least_squares_advice(X, y, w, c)
        grading.assert_matches(w, expected_w, what=f"w from {what}", inputs=(X, y),
                               mistakes=_fit_mistakes("w"), advice=advice)
        grading.assert_matches(c, expected_c, what=f"c from {what}", inputs=(X, y),
                               mistakes=_fit_mistakes("c"), scalar_ok=True, advice=advice)


def _least_squares_advice(X, y, w, c) -> str:
    """For a fit of other values than the least-squares one: how far its squared error
    is above the minimum (nothing when w and c cannot even be used)."""
    try:
        mine = float(np.sum((X @ np.asarray(w, dtype=float) + float(c) - y) ** 2))
    except (TypeError, ValueError):  # a shape or type failure, explained on its own
        return ""
    best_w, best_c = ref.fit_affine(X, y)
    best = float(np.sum((X @ best_w + best_c - y) ** 2))
    excess = (f"{mine / best:.2g} times" if mine >= 2 * best
              else f"{100 * (mine / best - 1):.2g} % above")
    return (f"Its sum of squared residuals is {excess} the least-squares minimum, so it does "
            "not minimise sum((X @ w + c − y)²): fit w and c together, without a penalty or "
            "a fixed c (np.linalg.lstsq on X with a column of ones).")


# ---- count_correct --------------------------------------------------------------------
def _counts(count_one):
    """A mistake over every data set of the check: its count on each."""
    return lambda datasets: np.array([count_one(*data) for data in datasets], dtype=float)


# Each compares the counts on all the check's data sets at once: one count alone could
# equal another mistake's by chance.
COUNT_MISTAKES = [
    Mistake("it counts the wrong predictions; count the rows where the prediction "
            "equals y.", _counts(lambda X, y, w, c: len(y) - ref.count_correct(X, y, w, c))),
    Mistake("it returns the fraction of rows right; return how many (a count).",
            _counts(lambda X, y, w, c: ref.count_correct(X, y, w, c) / len(y))),
    Mistake("it thresholds at 0: the classifier predicts 1 where X @ w + c > 0.5.",
            _counts(lambda X, y, w, c: ref.count_correct(X, y, w, c + 0.5))),
    Mistake("it counts the rows predicted 1, right or wrong: compare each prediction "
            "with y.", _counts(lambda X, y, w, c: np.sum(X @ w + c > 0.5))),
    Mistake("it leaves out c: the classifier's score is X @ w + c.",
            _counts(lambda X, y, w, c: ref.count_correct(X, y, w, 0.0))),
    Mistake("it returns the percentage of rows right; return how many (a count).",
            _counts(lambda X, y, w, c: 100 * ref.count_correct(X, y, w, c) / len(y))),
    Mistake("it rounds the score to the nearest integer and compares that with y; the "
            "classifier predicts 1 where X @ w + c > 0.5 and 0 elsewhere, so a score of "
            "1.7 or −0.8 is still a prediction of 1 or 0.",
            _counts(lambda X, y, w, c: np.sum(np.round(X @ w + c) == y))),
]


def _as_count(grading, count, what):
    """A count may be any integer type, or a float with an integer value."""
    if (isinstance(count, (bool, np.bool_))
            or not isinstance(count, (int, float, np.integer, np.floating, np.ndarray))
            or np.ndim(count) != 0 or np.asarray(count).dtype.kind not in "iuf"):
        raise grading.fail(f"{what} returned {type(count).__name__} of shape "
                           f"{np.shape(count)}; return one number, the count of rows "
                           "classified right (for example with np.sum).")
    return float(count)


def check_count_correct(count_correct):
    """Counts on random data, labels and linear classifiers (never tied at 0.5)."""
    grading = Grading("count_correct")
    rng = grading.rng
    datasets, counts = [], []
    for _ in range(6):
        n_samples, n_features = int(rng.integers(20, 80)), int(rng.integers(1, 4))
        X = rng.normal(0, 1, size=(n_samples, n_features))
        y = rng.integers(0, 2, size=n_samples).astype(float)
        w, c = rng.normal(0, 1, size=n_features), float(rng.normal(0.5, 0.5))
        what = f"count_correct(X, y, w, c) with X of shape {X.shape}"
        before = [X.copy(), y.copy(), w.copy()]
        count = grading.call(count_correct, X, y, w, c, what=what)
        for array_before, array in zip(before, (X, y, w)):
            grading.assert_unchanged(array_before, array, what=what)
        datasets.append((X, y, w, c))
        counts.append(_as_count(grading, count, what))
    expected = [ref.count_correct(*data) for data in datasets]
    grading.assert_matches(np.array(counts), np.array(expected, dtype=float),
                           what=f"count_correct on {len(datasets)} random data sets",
                           inputs=(datasets,), mistakes=COUNT_MISTAKES)


# ---- the XOR weights ------------------------------------------------------------------
def _as_numbers(grading, name, value):
    """The student's variable as a float array, or a failure that says how to fix it."""
    if value is None:
        raise grading.fail(f"{name} is None: set W1, b1, W2 and b2 in the cell where "
                           "`raise NotImplementedError()` stands, and run it.")
    try:
        array = np.asarray(value)
    except Exception:  # ragged nested lists
        array = np.asarray(None)
    if array.dtype.kind not in "iuf":  # integers and floats; not bool, complex or objects
        raise grading.fail(f"{name} is not an array of numbers ({type(value).__name__} of "
                           f"dtype {array.dtype}): make it a NumPy array of shape "
                           f"{CONTRACT_SHAPES[name]} ({SHAPE_MEANINGS[name]}).")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise grading.fail(f"{name} holds nan or inf; every weight must be a finite number.")
    return array


def check_xor_shapes(W1, b1, W2, b2):
    """The contract's shapes: W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,)."""
    grading = Grading("the XOR weights")
    for name, value in zip(CONTRACT_SHAPES, (W1, b1, W2, b2)):
        shape, wanted = np.shape(_as_numbers(grading, name, value)), CONTRACT_SHAPES[name]
        if shape == wanted:
            continue
        transposed = " (the transpose of what it should be)" if shape == wanted[::-1] else ""
        raise grading.fail(f"{name} has shape {shape}{transposed}; it must have shape "
                           f"{wanted}: {SHAPE_MEANINGS[name]}.")


def _network(W1, b1, W2, b2, x):
    return W2 @ np.maximum(W1 @ x + b1, 0.0) + b2


def _network_outputs(grading, W1, b1, W2, b2):
    """The network's four outputs, computed by the grader from the student's weights."""
    outputs = []
    for x in XOR_INPUTS:
        with np.errstate(all="ignore"):
            try:
                output = _network(W1, b1, W2, b2, x)
            except (ValueError, TypeError) as error:
                shapes = ", ".join(f"{name} {np.shape(array)}" for name, array in zip(
                    CONTRACT_SHAPES, (W1, b1, W2, b2)))
                raise grading.fail(
                    f"W2 @ relu(W1 @ x + b1) + b2 cannot be computed with your shapes "
                    f"({shapes}): {error}. The shapes are W1 (2, 2), b1 (2,), W2 (1, 2), "
                    "b2 (1,).") from None
        if np.size(output) != 1:
            raise grading.fail(f"the network gives {np.size(output)} numbers for one input "
                               "instead of 1: W2 must have one row (one output unit), and "
                               "b2 one entry.")
        if not np.all(np.isfinite(output)):
            raise grading.fail(f"the network's output at x = ({x[0]:g}, {x[1]:g}) is not a "
                               "finite number: your weights are too large for float64.")
        outputs.append(float(np.ravel(output)[0]))
    return np.array(outputs)


def _agrees(output, target) -> bool:
    """compare's verdict on one output, as yes or no, at the contract's tolerance."""
    try:
        assert_matches(np.float64(output), target, what="the output", rtol=0.0,
                       atol=XOR_TOLERANCE)
    except GradingError:
        return False
    return True


def _table(values):
    return lambda W1, b1, W2, b2: np.array(values, dtype=float)


# What the four outputs are instead of XOR's 0, 1, 1, 0, when the mistake is a known one.
XOR_MISTAKES = [
    Mistake("it computes OR (0, 1, 1, 1): the input (1, 1) must give 0. Let one hidden "
            "unit stay at 0 unless both inputs are 1, and subtract enough of it in the "
            "output.", _table([0, 1, 1, 1])),
    Mistake("it computes x1 + x2, which is 2 at (1, 1): let one hidden unit stay at 0 "
            "unless both inputs are 1, and subtract enough of it in the output.",
            _table([0, 1, 1, 2])),
    Mistake("it computes XNOR (1, 0, 0, 1), the opposite of XOR: flip the output to "
            "1 - output (negate W2, and replace b2 by 1 - b2).", _table([1, 0, 0, 1])),
    Mistake("it computes AND (0, 0, 0, 1): the inputs with exactly one 1 must give 1.",
            _table([0, 0, 0, 1])),
    Mistake("it computes NAND (1, 1, 1, 0): the input (0, 0) must give 0.",
            _table([1, 1, 1, 0])),
    Mistake("it gives 0 for every input: every hidden unit is off (a ReLU of a "
            "negative number) or W2 is zero. Check the signs of b1.", _table([0, 0, 0, 0])),
    Mistake("it gives 0.5 for every input, like the best straight-line fit: the hidden "
            "units must switch on for some inputs and stay off for others.",
            _table([0.5, 0.5, 0.5, 0.5])),
]


def check_xor_outputs(W1, b1, W2, b2):
    """W2 @ relu(W1 @ x + b1) + b2 equals XOR(x) within 1e-6 on the four inputs."""
    grading = Grading("the XOR network")
    weights = [_as_numbers(grading, name, value)
               for name, value in zip(CONTRACT_SHAPES, (W1, b1, W2, b2))]
    outputs = _network_outputs(grading, *weights)
    wrong = [(x, output, target) for x, output, target in zip(XOR_INPUTS, outputs,
                                                              XOR_TARGETS)
             if not _agrees(output, target)]
    if not wrong:
        return
    x, output, target = wrong[0]
    point = f"({x[0]:g}, {x[1]:g})"
    what = f"Your network, which outputs {output:.6g} at x = {point} where XOR is {target:g},"
    grading.assert_matches(outputs, XOR_TARGETS, what=what, inputs=tuple(weights),
                           mistakes=XOR_MISTAKES, rtol=0.0, atol=XOR_TOLERANCE)
