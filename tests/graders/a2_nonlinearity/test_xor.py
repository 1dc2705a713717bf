"""The hidden checks of xor.ipynb, tried on the answers students hand in.

`fit_affine` and `count_correct` are checked on random data; the XOR weights have a
check of their shapes and one of what the network outputs. Any weights that compute XOR
must pass, whatever they are; correct functions written in other ways than the reference
must pass; a wrong answer must fail the checks its mistake concerns, with a message that
names it, and pass the others.
"""
import re
import sys

import numpy as np
import pytest
from scipy import linalg

from graders.a2_nonlinearity import xor as checks
from graders.compare import GradingError
from solutions.a2_nonlinearity import xor as ref
from tests.graders.verdicts import (
    PASSES, Record, assert_one_example_at_most, failure_message, same_inputs)
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

WEIGHT_CHECKS = ["shapes", "outputs"]


# ---- helpers --------------------------------------------------------------------------
def weight_check(kind):
    return getattr(checks, f"check_xor_{kind}")


def verdict(check_fn, call, hint):
    """`hint` is PASSES, a substring the failure message must contain, or a tuple of
    substrings of which it must contain one."""
    if hint is PASSES:
        assert call(check_fn) is None
        return
    with pytest.raises(GradingError) as failure:
        call(check_fn)
    hints = hint if isinstance(hint, tuple) else (hint,)
    assert any(h in str(failure.value) for h in hints), f"{hints!r} not in {failure.value}"


def assert_verdict(check_fn, answer, hint):
    verdict(check_fn, lambda check: check(answer), hint)


def stub(*args):
    raise NotImplementedError()


def design_matrix(X):
    return np.column_stack([X, np.ones(len(X))])


# ---- fit_affine -----------------------------------------------------------------------
def fit_normal_equations(X, y):
    A = design_matrix(X)
    coefficients = np.linalg.solve(A.T @ A, A.T @ y)
    return coefficients[:-1], coefficients[-1]


def fit_pseudo_inverse(X, y):
    coefficients = np.linalg.pinv(design_matrix(X)) @ y
    return coefficients[:-1], float(coefficients[-1])


def fit_centred(X, y):
    X_mean, y_mean = X.mean(axis=0), y.mean()
    w = np.linalg.lstsq(X - X_mean, y - y_mean, rcond=None)[0]
    return w, y_mean - X_mean @ w


def fit_qr(X, y):
    Q, R = np.linalg.qr(design_matrix(X))
    coefficients = np.linalg.solve(R, Q.T @ y)
    return coefficients[:-1], coefficients[-1]


def fit_scipy_ones_first(X, y):
    coefficients = linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y)[0]
    return coefficients[1:], coefficients[0]


def fit_as_list_with_array_c(X, y):
    w, c = ref.fit_affine(X, y)
    return [w, np.array(c)]


def fit_printing(X, y):
    print("fitting", np.shape(X))
    print("targets", np.shape(y), file=sys.stderr)
    return ref.fit_affine(X, y)


CORRECT_FITS = [
    pytest.param(ref.fit_affine, id="reference"),
    pytest.param(fit_normal_equations, id="normal-equations"),
    pytest.param(fit_pseudo_inverse, id="pseudo-inverse"),
    pytest.param(fit_centred, id="centred-data"),
    pytest.param(fit_qr, id="qr"),
    pytest.param(fit_scipy_ones_first, id="scipy-ones-column-first"),
    pytest.param(fit_as_list_with_array_c, id="list-pair-0d-c"),
    pytest.param(fit_printing, id="prints"),
]


@pytest.mark.parametrize("answer", CORRECT_FITS)
def test_correct_fit_affine_passes(answer):
    """Does this correct least-squares fit pass the check?"""
    assert checks.check_fit_affine_values(answer) is None


def fit_through_origin(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0], 0.0


def fit_ones_first_read_last(X, y):
    coefficients = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y, rcond=None)[0]
    return coefficients[:-1], coefficients[-1]


def fit_c_is_mean_of_y(X, y):
    return ref.fit_affine(X, y)[0], float(np.mean(y))


def fit_centres_in_place(X, y):
    X -= X.mean(axis=0)
    return ref.fit_affine(X, y)


def fit_polyfit_first_feature(X, y):
    slope, intercept = np.polyfit(X[:, 0], y, 1)
    return np.array([slope]), intercept


WRONG_FITS = [
    pytest.param(fit_through_origin, "without an intercept", id="no-intercept"),
    pytest.param(fit_ones_first_read_last, "the column of ones comes first",
                 id="ones-first-read-last"),
    pytest.param(fit_c_is_mean_of_y, "c is the mean of y", id="c-is-mean-of-y"),
    pytest.param(fit_centres_in_place, "changed the array", id="centres-X-in-place"),
    pytest.param(fit_polyfit_first_feature, "returned shape (1,)",
                 id="polyfit-on-the-first-feature"),
    pytest.param(lambda X, y: np.linalg.lstsq(design_matrix(X), y, rcond=None)[0],
                 "returned one array of", id="coefficients-unsplit"),
    pytest.param(lambda X, y: ref.fit_affine(X, y)[::-1], "returned (c, w)", id="c-then-w"),
    pytest.param(lambda X, y: (ref.fit_affine(X, y)[0], np.array([ref.fit_affine(X, y)[1]])),
                 "shape (1,); return it as a number", id="c-of-shape-1"),
    pytest.param(stub, "not implemented yet", id="stub"),
]


@pytest.mark.parametrize("answer, hint", WRONG_FITS)
def test_wrong_fit_affine_fails_with_its_hint(answer, hint):
    """Does the check reject this wrong fit with the hint that names the mistake?"""
    assert_verdict(checks.check_fit_affine_values, answer, hint)


# ---- count_correct --------------------------------------------------------------------
def count_loop(X, y, w, c):
    right = 0
    for row, label in zip(X, y):
        prediction = 1 if sum(wi * xi for wi, xi in zip(w, row)) + c > 0.5 else 0
        right += prediction == label
    return right


def count_from_mean(X, y, w, c):
    return np.mean(((X @ w + c) > 0.5).astype(float) == y) * len(y)


def count_printing(X, y, w, c):
    print("scores", X @ w + c)
    print("labels", y, file=sys.stderr)
    return ref.count_correct(X, y, w, c)


CORRECT_COUNTS = [
    pytest.param(ref.count_correct, id="reference"),
    pytest.param(count_loop, id="python-loop"),
    pytest.param(lambda X, y, w, c: np.count_nonzero((X @ w + c > 0.5).astype(int) == y),
                 id="count-nonzero"),
    pytest.param(count_from_mean, id="mean-times-n-float"),
    pytest.param(lambda X, y, w, c: np.sum(np.where(X @ w + c >= 0.5, 1, 0) == y),
                 id="greater-or-equal-ties-never-drawn"),
    pytest.param(count_printing, id="prints"),
]


@pytest.mark.parametrize("answer", CORRECT_COUNTS)
def test_correct_count_correct_passes(answer):
    """Does this correct count pass the check?"""
    assert checks.check_count_correct(answer) is None


def count_sorts_labels_in_place(X, y, w, c):
    y.sort()
    return ref.count_correct(X, y, w, c)


WRONG_COUNTS = [
    pytest.param(lambda X, y, w, c: np.sum((X @ w + c > 0.5) != y), "counts the wrong",
                 id="counts-errors"),
    pytest.param(lambda X, y, w, c: np.mean((X @ w + c > 0.5) == y), "fraction",
                 id="accuracy-not-count"),
    pytest.param(lambda X, y, w, c: np.sum((X @ w + c > 0) == y), "thresholds at 0",
                 id="threshold-at-0"),
    pytest.param(lambda X, y, w, c: np.sum(X @ w + c > 0.5), "counts the rows predicted 1",
                 id="counts-positives"),
    pytest.param(lambda X, y, w, c: np.sum((X @ w > 0.5) == y), "leaves out c", id="no-c"),
    pytest.param(lambda X, y, w, c: (X @ w + c > 0.5) == y, "return one number",
                 id="returns-the-mask"),
    pytest.param(count_sorts_labels_in_place, "changed the array", id="sorts-y"),
    pytest.param(stub, "not implemented yet", id="stub"),
]


@pytest.mark.parametrize("answer, hint", WRONG_COUNTS)
def test_wrong_count_correct_fails_with_its_hint(answer, hint):
    """Does the check reject this wrong count with the hint that names the mistake?"""
    assert_verdict(checks.check_count_correct, answer, hint)


PRINTING = [pytest.param(checks.check_fit_affine_values, fit_printing, id="fit_affine"),
            pytest.param(checks.check_count_correct, count_printing, id="count_correct")]


@pytest.mark.parametrize("check_fn, answer", PRINTING)
def test_what_an_answer_prints_is_swallowed(check_fn, answer, capsys):
    """Does nothing an answer prints reach the test cell's stdout or stderr?"""
    check_fn(answer)
    assert capsys.readouterr() == ("", "")


# ---- the XOR weights ------------------------------------------------------------------
def as_arrays(W1, b1, W2, b2):
    return tuple(np.array(value, dtype=float) for value in (W1, b1, W2, b2))


SEED_WEIGHTS = ([[1, 1], [1, 1]], [0, -1], [[1, -2]], [0])

CORRECT_WEIGHTS = [
    pytest.param((ref.W1, ref.b1, ref.W2, ref.b2), id="reference"),
    pytest.param(SEED_WEIGHTS, id="integer-lists"),
    pytest.param(tuple(np.array(value) for value in SEED_WEIGHTS), id="integer-arrays"),
    pytest.param((((1, 1), (1, 1)), (0, -1), ((1, -2),), (0,)), id="tuples"),
    pytest.param(as_arrays([[1, -1], [-1, 1]], [0, 0], [[1, 1]], [0]), id="abs-difference"),
    pytest.param(as_arrays([[1, 1], [1, 1]], [-1, 0], [[-2, 1]], [0]), id="units-swapped"),
    pytest.param(as_arrays([[3, 3], [3, 3]], [0, -3], [[1 / 3, -2 / 3]], [0]),
                 id="scaled-by-3-and-back"),
    pytest.param(as_arrays([[1, 1], [1, 1]], [-0.5, -1.5], [[2, -6]], [0]),
                 id="half-thresholds"),
    pytest.param(as_arrays([[1, 1], [-1, -1]], [-1, 1], [[-1, -1]], [1]),
                 id="one-minus-AND-minus-NOR"),
    pytest.param(as_arrays([[1, 1], [1, 1]], [0, -1], [[1, -2 + 4e-7]], [1e-7]),
                 id="within-1e-6"),
]


@pytest.mark.parametrize("kind", WEIGHT_CHECKS)
@pytest.mark.parametrize("weights", CORRECT_WEIGHTS)
def test_any_weights_that_compute_xor_pass(weights, kind):
    """Do these weights, which compute XOR, pass the check whatever their values?"""
    assert weight_check(kind)(*weights) is None


def seed_with(**changes):
    weights = dict(zip(("W1", "b1", "W2", "b2"), as_arrays(*SEED_WEIGHTS)))
    return tuple({**weights, **changes}[name] for name in ("W1", "b1", "W2", "b2"))


WRONG_WEIGHTS = [
    # (id, weights, {check: hint}); a check not named must accept the weights
    ("OR", seed_with(W2=np.array([[1.0, -1.0]])), {"outputs": "it computes OR"}),
    ("x1-plus-x2", seed_with(W2=np.array([[1.0, 0.0]])), {"outputs": "it computes x1 + x2"}),
    ("XNOR", seed_with(W2=np.array([[-1.0, 2.0]]), b2=np.array([1.0])),
     {"outputs": "XNOR"}),
    ("AND", seed_with(W2=np.array([[0.0, 1.0]])), {"outputs": "it computes AND"}),
    ("all-off", seed_with(b1=np.array([-3.0, -3.0])), {"outputs": "gives 0 for every input"}),
    ("bias-sign-flipped", seed_with(b1=np.array([0.0, 1.0])),
     {"outputs": "outputs -2 at x = (0, 0) where XOR is 0"}),
    ("off-by-1e-3", seed_with(W2=np.array([[1.0, -1.999]])),
     {"outputs": "outputs 0.001 at x = (1, 1) where XOR is 0"}),
    ("W2-transposed", seed_with(W2=np.array([[1.0], [-2.0]])),
     {"shapes": "the transpose", "outputs": "cannot be computed with your shapes"}),
    ("W2-one-dimensional", seed_with(W2=np.array([1.0, -2.0])),
     {"shapes": "W2 has shape (2,)"}),
    ("b2-a-scalar", seed_with(b2=0.0), {"shapes": "b2 has shape ()"}),
    ("W1-wrong-width", seed_with(W1=np.ones((2, 3))),
     {"shapes": "W1 has shape (2, 3)", "outputs": "cannot be computed with your shapes"}),
    ("two-outputs", seed_with(W2=np.eye(2), b2=np.zeros(2)),
     {"shapes": "W2 has shape (2, 2)", "outputs": "gives 2 numbers for one input"}),
    ("booleans", seed_with(W1=np.ones((2, 2), dtype=bool)),
     dict.fromkeys(WEIGHT_CHECKS, "not an array of numbers")),
    ("nan", seed_with(b2=np.array([np.nan])), dict.fromkeys(WEIGHT_CHECKS, "nan or inf")),
    ("huge", seed_with(W1=np.full((2, 2), 1e308), W2=np.array([[1e308, -2.0]])),
     {"outputs": "not a finite number"}),
    ("left-as-None", (None, None, None, None), dict.fromkeys(WEIGHT_CHECKS, "is None")),
]


@pytest.mark.parametrize("weights, kind, hint", [
    pytest.param(weights, kind, verdicts.get(kind, PASSES), id=f"{row_id}-{kind}")
    for row_id, weights, verdicts in WRONG_WEIGHTS for kind in WEIGHT_CHECKS])
def test_wrong_weights_fail_only_their_checks(weights, kind, hint):
    """Does this check reject the wrong weights with the hint that names the mistake or
    the input that fails, and accept them when the mistake is not its concern?"""
    verdict(weight_check(kind), lambda check: check(*weights), hint)


def test_every_graded_part_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for every check?"""
    counts = {kind: sum(1 for _, _, verdicts in WRONG_WEIGHTS if kind in verdicts)
              for kind in WEIGHT_CHECKS}
    counts["fit_affine"], counts["count_correct"] = len(WRONG_FITS), len(WRONG_COUNTS)
    assert min(counts.values()) >= 3, counts


def test_weight_checks_leave_the_students_variables_alone():
    """Do the checks read the weights without changing the student's arrays?"""
    weights = as_arrays(*SEED_WEIGHTS)
    before = [w.copy() for w in weights]
    for kind in WEIGHT_CHECKS:
        weight_check(kind)(*weights)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights))


# ---- what a failure message reveals, and replaying it ---------------------------------
def spy_fit(record, offset):
    def answer(X, y):
        w, c = ref.fit_affine(X, y)
        record.add([X, y], [w, c])
        return w + offset, c + offset
    return answer


def spy_count(record, offset):
    def answer(X, y, w, c):
        count = ref.count_correct(X, y, w, c)
        record.add([X, y, w, c], [count])
        return count + offset
    return answer


SPIED = [pytest.param(checks.check_fit_affine_values, spy_fit, id="fit_affine"),
         pytest.param(checks.check_count_correct, spy_count, id="count_correct")]


@pytest.mark.parametrize("offset", [1000.0, 1.0], ids=["far-off", "off-by-one"])
@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_message_shows_one_example_at_most(check_fn, spy, offset, grader_seed):
    """Does a failure message show the hidden inputs of one entry at most (with its right
    value), and end with the seed that replays it?"""
    record = Record()
    message = failure_message(check_fn, spy(record, offset))
    assert message.endswith(f"(grader seed {grader_seed})")
    assert_one_example_at_most(message, record.numbers())


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_grader_seed_replays_the_same_inputs(check_fn, spy, monkeypatch):
    """With GRADER_SEED set, do two runs of a check draw the same inputs?"""
    monkeypatch.setenv("GRADER_SEED", "123456789")
    runs = [Record(), Record()]
    for record in runs:
        check_fn(spy(record, 0.0))
    assert runs[0].inputs and same_inputs(*runs)


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_seed_in_message_replays_the_failure(check_fn, spy, monkeypatch):
    """Does the seed a failure message names, set as GRADER_SEED, replay that failure on
    the same inputs?"""
    monkeypatch.delenv("GRADER_SEED")
    first, replay = Record(), Record()
    message = failure_message(check_fn, spy(first, 1000.0))
    monkeypatch.setenv("GRADER_SEED", re.search(r"\(grader seed (\d+)\)$", message).group(1))
    assert failure_message(check_fn, spy(replay, 1000.0)) == message
    assert same_inputs(first, replay)


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_without_grader_seed_each_run_draws_new_inputs(check_fn, spy, monkeypatch):
    """Without GRADER_SEED, does each run draw fresh inputs (so answers cannot be
    hard-coded)?"""
    monkeypatch.delenv("GRADER_SEED")
    runs = [Record(), Record()]
    for record in runs:
        check_fn(spy(record, 0.0))
    assert not same_inputs(*runs)
