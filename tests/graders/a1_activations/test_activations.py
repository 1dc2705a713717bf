"""The hidden checks of activations.ipynb, tried on the answers students hand in.

Every graded function has a values check and an edge-case check. Correct answers written
in other ways than the reference must pass both; the wrong answers students really write
must fail, with a message that names the mistake, and only the check whose concern they
break (an overflowing formula fails the edge cases but passes the values).
"""
import math
import re
import sys

import numpy as np
import pytest
from scipy import special, stats

from graders.a1_activations import activations as checks
from solutions.a1_activations import activations as ref
from tests.graders.verdicts import (
    PASSES, assert_one_example_at_most, assert_verdict, failure_message)
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

NAMES = ["sigmoid", "sigmoid_derivative", "tanh_derivative", "relu", "relu_derivative",
         "leaky_relu", "leaky_relu_derivative", "softplus", "softmax", "gelu", "selu"]
KINDS = ["values", "edge_cases"]
LAMBDA, ALPHA = ref.SELU_LAMBDA, ref.SELU_ALPHA


# ---- helpers --------------------------------------------------------------------------
def check(name, kind):
    return getattr(checks, f"check_{name}_{kind}")


def floats(z):
    return np.asarray(z, dtype=float)


def elementwise(scalar_fn):
    """A loop over the entries with the math module, as students write it."""
    return np.vectorize(scalar_fn, otypes=[float])


def stub(*args, **kwargs):
    raise NotImplementedError()


def printing(fn):
    """A correct answer that prints while it works."""
    def answer(*args, **kwargs):
        print("computing", fn.__name__)
        print("debug", args[0], file=sys.stderr)
        return fn(*args, **kwargs)
    return answer


def as_list(fn):
    def answer(*args, **kwargs):
        return np.asarray(fn(*args, **kwargs)).tolist()
    return answer


def without_return(fn):
    def answer(*args, **kwargs):
        fn(*args, **kwargs)
    return answer


def scalar_sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


# ---- correct answers ------------------------------------------------------------------
def sigmoid_masks(z):
    z = floats(z)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def softplus_masks(z):
    z = floats(z)
    out = np.empty_like(z)
    positive = z > 0
    out[positive] = z[positive] + np.log1p(np.exp(-z[positive]))
    out[~positive] = np.log1p(np.exp(z[~positive]))
    return out


def softmax_logsumexp(z, axis=-1):
    z = floats(z)
    return np.exp(z - special.logsumexp(z, axis=axis, keepdims=True))


def softmax_per_slice(z, axis=-1):
    def one(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    return np.apply_along_axis(one, axis, floats(z))


def selu_masks(z):
    z = floats(z)
    out = z.copy()
    negative = z <= 0
    out[negative] = ALPHA * np.expm1(z[negative])
    out *= LAMBDA
    return out


def selu_long_constants(z):
    z = floats(z)
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    return scale * np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0.0)) - 1.0))


def leaky_relu_loop(z, alpha=0.01):
    return elementwise(lambda v, a: v if v > 0 else a * v)(z, alpha)


def leaky_relu_derivative_masks(z, alpha=0.01):
    z = floats(z)
    out = np.full(z.shape, alpha)
    out[z > 0] = 1.0
    return out


def leaky_relu_derivative_loop(z, alpha=0.01):
    return elementwise(lambda v, a: 1.0 if v > 0 else a)(z, alpha)


CORRECT = [
    pytest.param("sigmoid", special.expit, id="sigmoid-scipy-expit"),
    pytest.param("sigmoid", lambda z: 0.5 * (1 + np.tanh(floats(z) / 2)), id="sigmoid-tanh"),
    pytest.param("sigmoid", sigmoid_masks, id="sigmoid-masks-per-sign"),
    pytest.param("sigmoid", elementwise(scalar_sigmoid), id="sigmoid-math-loop"),
    pytest.param("sigmoid", lambda z: 1 / (1 + np.exp(-np.clip(z, -500, 500))),
                 id="sigmoid-clipped-within-tolerance"),
    pytest.param("sigmoid_derivative", lambda z: special.expit(z) * special.expit(-floats(z)),
                 id="sigmoid_derivative-s(z)s(-z)"),
    pytest.param("sigmoid_derivative",
                 lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2,
                 id="sigmoid_derivative-exp-abs"),
    pytest.param("sigmoid_derivative", lambda z: ref.sigmoid(z) - ref.sigmoid(z) ** 2,
                 id="sigmoid_derivative-s-minus-s2"),
    pytest.param("sigmoid_derivative",
                 elementwise(lambda v: scalar_sigmoid(v) * (1 - scalar_sigmoid(v))),
                 id="sigmoid_derivative-math-loop"),
    pytest.param("tanh_derivative", lambda z: (1 - np.tanh(z)) * (1 + np.tanh(z)),
                 id="tanh_derivative-factored"),
    pytest.param("tanh_derivative",
                 lambda z: 4 * special.expit(2 * floats(z)) * special.expit(-2 * floats(z)),
                 id="tanh_derivative-via-sigmoid"),
    pytest.param("tanh_derivative", elementwise(lambda v: 1 - math.tanh(v) ** 2),
                 id="tanh_derivative-math-loop"),
    pytest.param("relu", lambda z: floats(z) * (floats(z) > 0), id="relu-times-mask"),
    pytest.param("relu", lambda z: np.where(floats(z) > 0, floats(z), 0.0), id="relu-where"),
    pytest.param("relu", lambda z: (floats(z) + np.abs(z)) / 2, id="relu-abs"),
    pytest.param("relu", lambda z: np.clip(floats(z), 0, None), id="relu-clip"),
    pytest.param("relu", elementwise(lambda v: max(v, 0.0)), id="relu-math-loop"),
    pytest.param("relu_derivative", lambda z: np.heaviside(floats(z), 0.0),
                 id="relu_derivative-heaviside-0"),
    pytest.param("relu_derivative", lambda z: np.where(floats(z) > 0, 1.0, 0.0),
                 id="relu_derivative-where"),
    pytest.param("relu_derivative", lambda z: (floats(z) > 0) * 1.0,
                 id="relu_derivative-mask-times-1.0"),
    pytest.param("relu_derivative", elementwise(lambda v: 1.0 if v > 0 else 0.0),
                 id="relu_derivative-math-loop"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: np.maximum(z, alpha * floats(z)),
                 id="leaky_relu-maximum"),
    pytest.param("leaky_relu",
                 lambda z, alpha=0.01: np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0),
                 id="leaky_relu-max-plus-min"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: z * np.where(floats(z) > 0, 1.0, alpha),
                 id="leaky_relu-slope-times-z"),
    pytest.param("leaky_relu", leaky_relu_loop, id="leaky_relu-loop"),
    pytest.param("leaky_relu_derivative",
                 lambda z, alpha=0.01: alpha + (1 - alpha) * (floats(z) > 0),
                 id="leaky_relu_derivative-arithmetic"),
    pytest.param("leaky_relu_derivative", leaky_relu_derivative_masks,
                 id="leaky_relu_derivative-masks"),
    pytest.param("leaky_relu_derivative", leaky_relu_derivative_loop,
                 id="leaky_relu_derivative-loop"),
    pytest.param("softplus", lambda z: np.logaddexp(0.0, z), id="softplus-logaddexp"),
    pytest.param("softplus", softplus_masks, id="softplus-masks-per-sign"),
    pytest.param("softplus", elementwise(lambda v: max(v, 0.0) + math.log1p(math.exp(-abs(v)))),
                 id="softplus-math-loop"),
    pytest.param("softmax", lambda z, axis=-1: special.softmax(z, axis=axis),
                 id="softmax-scipy"),
    pytest.param("softmax", softmax_logsumexp, id="softmax-logsumexp"),
    pytest.param("softmax", softmax_per_slice, id="softmax-apply-along-axis"),
    pytest.param("gelu", lambda z: 0.5 * z * special.erfc(-floats(z) / np.sqrt(2)),
                 id="gelu-erfc"),
    pytest.param("gelu", lambda z: 0.5 * floats(z) * (1 + special.erf(floats(z) / np.sqrt(2))),
                 id="gelu-erf"),
    pytest.param("gelu", elementwise(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),
                 id="gelu-math-erf-loop"),
    pytest.param("gelu", lambda z: floats(z) * stats.norm.cdf(z), id="gelu-norm-cdf"),
    pytest.param("selu", selu_masks, id="selu-masks"),
    pytest.param("selu", selu_long_constants, id="selu-long-constants-exp-minus-1"),
    pytest.param("selu",
                 lambda z: LAMBDA * (np.maximum(z, 0.0) + ALPHA * np.expm1(np.minimum(z, 0.0))),
                 id="selu-max-plus-min"),
    pytest.param("selu", elementwise(
        lambda v: LAMBDA * (v if v > 0 else ALPHA * math.expm1(v))), id="selu-math-loop"),
]
REFERENCES = [pytest.param(name, getattr(ref, name), id=f"{name}-reference")
              for name in NAMES]
PRINTING = [pytest.param(name, printing(getattr(ref, name)), id=f"{name}-prints")
            for name in NAMES]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, answer", REFERENCES + CORRECT + PRINTING)
def test_correct_answer_passes(name, answer, kind):
    """Does this correct answer (the reference, another formula, or one that prints
    while it works) pass the check?"""
    assert check(name, kind)(answer) is None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, answer", PRINTING)
def test_what_an_answer_prints_is_swallowed(name, answer, kind, capsys):
    """Does nothing an answer prints reach the test cell's stdout or stderr?"""
    check(name, kind)(answer)
    assert capsys.readouterr() == ("", "")


# ---- wrong answers --------------------------------------------------------------------
def relu_in_place(z):
    z = floats(z)
    z[z < 0] = 0.0
    return z


def leaky_relu_in_place(z, alpha=0.01):
    z = floats(z)
    z[z < 0] *= alpha
    return z


def softmax_in_place(z, axis=-1):
    z = floats(z)
    z -= np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def gelu_flat_loop(z):
    return np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in np.ravel(z)])


def selu_with(scale, alpha):
    return lambda z: scale * np.where(floats(z) > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


# The values check meets a single Python float first, and names the first known mistake
# that matches the answer on it (within rtol=1e-7, atol=1e-10). On one number several
# mistakes can look alike, so for some answers the hint depends on that number: these
# are the other hints the grader then gives (a weakness of the hints, not of the verdict).
SCALAR_LOOKALIKE = {
    "tanh_derivative": "expects tanh(z), not z",
    "softplus": "it caps the input",
    "gelu": "tanh approximation",
    "selu": "ELU without SELU's constants",
}

WRONG = [
    # (name, answer, verdict of the values check, verdict of the edge-case check)
    pytest.param("sigmoid", lambda z: 1 / (1 + np.exp(-floats(z))), PASSES, "RuntimeWarning",
                 id="sigmoid-naive-overflows"),
    pytest.param("sigmoid", lambda z: np.where(
        floats(z) >= 0, 1 / (1 + np.exp(-floats(z))), np.exp(z) / (1 + np.exp(z))),
        PASSES, "np.where evaluate the overflowing branch", id="sigmoid-where-both-branches"),
    pytest.param("sigmoid", lambda z: 1 - ref.sigmoid(z), "σ(−z)", "σ(−z)",
                 id="sigmoid-sign-of-exponent"),
    pytest.param("sigmoid", np.tanh, "it computes tanh(z)", "it computes tanh(z)",
                 id="sigmoid-is-tanh"),
    pytest.param("sigmoid", lambda z: ref.sigmoid(z).astype(np.float32), "dtype float32",
                 "dtype float32", id="sigmoid-float32"),
    pytest.param("sigmoid", lambda z: 1 / (1 + math.exp(-z)), "raised TypeError",
                 "raised TypeError", id="sigmoid-math-exp-on-array"),
    pytest.param("sigmoid_derivative", lambda z: ref.sigmoid(z) * (1 - floats(z)),
                 "σ(z)·(1−z)", "σ(z)·(1−z)", id="sigmoid_derivative-s(1-z)"),
    pytest.param("sigmoid_derivative", lambda z: floats(z) * (1 - floats(z)),
                 "that formula expects σ(z)", "that formula expects σ(z)",
                 id="sigmoid_derivative-z(1-z)"),
    pytest.param("sigmoid_derivative", ref.sigmoid, "returns σ(z) itself",
                 "returns σ(z) itself", id="sigmoid_derivative-returns-sigmoid"),
    pytest.param("sigmoid_derivative", lambda z: -ref.sigmoid_derivative(z), "wrong sign",
                 "wrong sign", id="sigmoid_derivative-negated"),
    pytest.param("sigmoid_derivative",
                 lambda z: np.exp(-floats(z)) / (1 + np.exp(-floats(z))) ** 2,
                 PASSES, "RuntimeWarning", id="sigmoid_derivative-naive-overflows"),
    pytest.param("tanh_derivative", lambda z: 1 - np.tanh(z), "the tanh is squared",
                 "the tanh is squared", id="tanh_derivative-not-squared"),
    pytest.param("tanh_derivative", lambda z: 1 - floats(z) ** 2, "expects tanh(z), not z",
                 "expects tanh(z), not z", id="tanh_derivative-1-z2"),
    pytest.param("tanh_derivative", lambda z: np.tanh(z) ** 2, "tanh²(z): the derivative",
                 "tanh²(z): the derivative", id="tanh_derivative-tanh2"),
    pytest.param("tanh_derivative", lambda z: 1 - np.tanh(floats(z) ** 2),
                 ("square tanh(z), not z", SCALAR_LOOKALIKE["tanh_derivative"]),
                 "square tanh(z), not z",
                 id="tanh_derivative-tanh-of-z2"),
    pytest.param("tanh_derivative", lambda z: 1 / np.cosh(z) ** 2, PASSES,
                 "np.cosh overflows", id="tanh_derivative-sech2-overflows"),
    pytest.param("tanh_derivative", lambda z: 4 / (np.exp(z) + np.exp(-floats(z))) ** 2,
                 PASSES, "RuntimeWarning", id="tanh_derivative-exp-overflows"),
    pytest.param("relu", relu_in_place, "changed the array", "changed the array",
                 id="relu-in-place"),
    pytest.param("relu", np.abs, "it returns |z|", "it returns |z|", id="relu-abs"),
    pytest.param("relu", lambda z: np.minimum(z, 0.0), "min(0, z)", "min(0, z)",
                 id="relu-minimum"),
    pytest.param("relu", lambda z: (floats(z) > 0).astype(float), "returns the mask",
                 "returns the mask", id="relu-mask"),
    pytest.param("relu_derivative", lambda z: (floats(z) >= 0).astype(float), PASSES,
                 "z > 0, not z >= 0", id="relu_derivative-ge"),
    pytest.param("relu_derivative", lambda z: np.heaviside(floats(z), 1.0), PASSES,
                 "z > 0, not z >= 0", id="relu_derivative-heaviside-1"),
    pytest.param("relu_derivative", lambda z: (floats(z) > 0).astype(int), "dtype int64",
                 "dtype int64", id="relu_derivative-int"),
    pytest.param("relu_derivative", lambda z: floats(z) > 0, "dtype bool", "dtype bool",
                 id="relu_derivative-bool"),
    pytest.param("relu_derivative", ref.relu, "returns relu(z) instead",
                 "returns relu(z) instead", id="relu_derivative-returns-relu"),
    pytest.param("relu_derivative", lambda z: (floats(z) < 0).astype(float),
                 "1 where z < 0", "1 where z < 0", id="relu_derivative-negative-side"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: ref.leaky_relu(z),
                 "ignores the alpha argument", "ignores the alpha argument",
                 id="leaky_relu-ignores-alpha"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: np.where(floats(z) > 0, alpha * z, z),
                 "multiplies the positive side", "multiplies the positive side",
                 id="leaky_relu-alpha-on-positive-side"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: np.where(floats(z) > 0, z, alpha),
                 "returns alpha (a constant)", "returns alpha (a constant)",
                 id="leaky_relu-constant-alpha"),
    pytest.param("leaky_relu", lambda z, alpha=0.01: ref.relu(z), "that is ReLU",
                 "that is ReLU", id="leaky_relu-is-relu"),
    pytest.param("leaky_relu", lambda z, alpha=0.1: ref.leaky_relu(z, alpha),
                 "with the default alpha is wrong", PASSES, id="leaky_relu-default-0.1"),
    pytest.param("leaky_relu", leaky_relu_in_place, "changed the array", "changed the array",
                 id="leaky_relu-in-place"),
    pytest.param("leaky_relu_derivative",
                 lambda z, alpha=0.01: np.where(floats(z) >= 0, 1.0, alpha),
                 PASSES, "the slope at 0 is alpha", id="leaky_relu_derivative-ge"),
    pytest.param("leaky_relu_derivative",
                 lambda z, alpha=0.01: np.where(floats(z) > 0, 1.0, alpha * floats(z)),
                 "alpha·z for negative inputs", "alpha·z for negative inputs",
                 id="leaky_relu_derivative-alpha-times-z"),
    pytest.param("leaky_relu_derivative", lambda z, alpha=0.01: ref.relu_derivative(z),
                 "the leak's slope there is alpha", "the leak's slope there is alpha",
                 id="leaky_relu_derivative-is-relu_derivative"),
    pytest.param("leaky_relu_derivative", lambda z, alpha=0.01: ref.leaky_relu_derivative(z),
                 "ignores the alpha argument", "ignores the alpha argument",
                 id="leaky_relu_derivative-ignores-alpha"),
    pytest.param("leaky_relu_derivative", lambda z, alpha=0.01: 1.0 if z > 0 else alpha,
                 "raised ValueError", "raised ValueError", id="leaky_relu_derivative-python-if"),
    pytest.param("softplus", lambda z: np.log(1 + np.exp(z)), PASSES, "RuntimeWarning",
                 id="softplus-naive-overflows"),
    pytest.param("softplus", lambda z: np.where(
        floats(z) > 0, z + np.log1p(np.exp(-floats(z))), np.log1p(np.exp(z))),
        PASSES, "RuntimeWarning", id="softplus-where-both-branches"),
    pytest.param("softplus", lambda z: np.log1p(np.exp(np.minimum(z, 20.0))),
                 "it caps the input", "it caps the input", id="softplus-capped-at-20"),
    pytest.param("softplus", lambda z: np.log(np.exp(z)),
                 ("which is just z", SCALAR_LOOKALIKE["softplus"]), "RuntimeWarning",
                 id="softplus-log-exp"),
    pytest.param("softplus", ref.relu, ("which is ReLU", "which is just z",
                                        SCALAR_LOOKALIKE["softplus"]),
                 "which is ReLU", id="softplus-is-relu"),
    pytest.param("softplus", lambda z: ref.softplus(-floats(z)), "softplus(−z)",
                 "softplus(−z)", id="softplus-sign-of-exponent"),
    pytest.param("softmax", lambda z, axis=-1: np.exp(z) / np.sum(np.exp(z), axis=axis,
                                                                 keepdims=True),
                 PASSES, "RuntimeWarning", id="softmax-no-shift-overflows"),
    pytest.param("softmax", lambda z, axis=-1: np.exp(z - np.max(z)) / np.sum(
        np.exp(z - np.max(z)), axis=axis, keepdims=True),
        PASSES, "Subtract the maximum along `axis`", id="softmax-global-max-shift"),
    pytest.param("softmax", lambda z, axis=-1: ref.softmax(z), "wrong axis", "wrong axis",
                 id="softmax-ignores-axis"),
    pytest.param("softmax", lambda z, axis=-1: np.exp(z - np.max(z)) / np.sum(np.exp(
        z - np.max(z))), "whole array", "whole array", id="softmax-normalises-everything"),
    pytest.param("softmax", lambda z, axis=-1: np.exp(z - np.max(z, axis=axis, keepdims=True)),
                 "does not divide by the sum", "does not divide by the sum",
                 id="softmax-no-division"),
    pytest.param("softmax", lambda z, axis=-1: np.exp(z - np.max(z, axis=axis)) / np.sum(
        np.exp(z - np.max(z, axis=axis)), axis=axis),
        ("raised ValueError", "is wrong on"), "raised ValueError", id="softmax-no-keepdims"),
    pytest.param("softmax", special.softmax, "whole array", PASSES,
                 id="softmax-scipy-default-axis-none"),
    pytest.param("softmax", softmax_in_place, "changed the array", PASSES,
                 id="softmax-shifts-in-place"),
    pytest.param("gelu", checks._gelu_tanh, "tanh approximation", "tanh approximation",
                 id="gelu-tanh-approximation"),
    pytest.param("gelu", lambda z: floats(z) * special.expit(1.702 * floats(z)),
                 "sigmoid approximation", "sigmoid approximation",
                 id="gelu-sigmoid-approximation"),
    pytest.param("gelu", lambda z: 0.5 * floats(z) * (1 + special.erf(z)),
                 ("without dividing by √2", SCALAR_LOOKALIKE["gelu"]), "without dividing by √2",
                 id="gelu-erf-without-sqrt2"),
    pytest.param("gelu", lambda z: floats(z) * special.erf(floats(z) / np.sqrt(2)),
                 ("z·erf(z/√2)", SCALAR_LOOKALIKE["gelu"]), "z·erf(z/√2)", id="gelu-z-erf"),
    pytest.param("gelu", lambda z: special.ndtr(floats(z)),
                 ("Φ(z) alone", SCALAR_LOOKALIKE["gelu"]), "gelu is wrong",
                 id="gelu-cdf-only"),
    pytest.param("gelu", lambda z: 0.5 * floats(z) * (1 + special.erf(floats(z) / 1.414)),
                 "gelu is wrong on", "gelu is wrong on", id="gelu-sqrt2-as-1.414"),
    pytest.param("gelu", lambda z: 0.5 * z * (1 + math.erf(z / math.sqrt(2))),
                 "raised TypeError", "raised TypeError", id="gelu-math-erf-on-array"),
    pytest.param("gelu", gelu_flat_loop, "was expected", "returned shape (1,) where () was expected",
                 id="gelu-flat-loop-shape"),
    pytest.param("selu", selu_with(1.0507, 1.6733), "constants are rounded",
                 "constants are rounded", id="selu-rounded-constants"),
    pytest.param("selu", lambda z: LAMBDA * np.where(floats(z) > 0, z, ALPHA * (np.exp(z) - 1)),
                 PASSES, "np.where evaluates both branches", id="selu-where-exp-overflows"),
    pytest.param("selu", lambda z: LAMBDA * np.where(floats(z) > 0, z, ALPHA * np.expm1(z)),
                 PASSES, "np.where evaluates both branches", id="selu-where-expm1-overflows"),
    pytest.param("selu", selu_with(1.0, 1.0), "ELU without SELU's constants",
                 "ELU without SELU's constants", id="selu-is-elu"),
    pytest.param("selu", lambda z: np.where(floats(z) > 0, z, ref.selu(z)),
                 ("λ is missing", SCALAR_LOOKALIKE["selu"]), "λ is missing",
                 id="selu-no-lambda-on-positive-side"),
    pytest.param("selu", selu_with(ALPHA, LAMBDA), "swapped", "swapped", id="selu-swapped"),
    pytest.param("selu", lambda z: LAMBDA * np.where(
        floats(z) > 0, z, ALPHA * np.exp(np.minimum(z, 0.0))),
        "lacks the −1", "lacks the −1", id="selu-without-minus-1"),
]
EVERY_NAME_WRONG = (
    [pytest.param(name, stub, "not implemented yet", "not implemented yet",
                  id=f"{name}-stub") for name in NAMES]
    + [pytest.param(name, as_list(getattr(ref, name)), "returned list", "returned list",
                    id=f"{name}-returns-list") for name in NAMES]
    + [pytest.param(name, without_return(getattr(ref, name)), "returned NoneType",
                    "returned NoneType", id=f"{name}-forgets-return") for name in NAMES])


def silenced(fn):
    """An overflowing formula that hides its own RuntimeWarning."""
    def answer(z):
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(z)
    return answer


# answers that silence their own warnings: the overflow is still caught
SILENCED = [
    pytest.param("sigmoid", silenced(lambda z: 1 / (1 + np.exp(-floats(z)))), PASSES,
                 "overflow", id="sigmoid-naive-silenced"),
    pytest.param("tanh_derivative", silenced(lambda z: 1 / np.cosh(z) ** 2), PASSES,
                 "overflow", id="tanh_derivative-sech2-silenced"),
    pytest.param("selu", silenced(lambda z: LAMBDA * np.where(
        floats(z) > 0, z, ALPHA * (np.exp(z) - 1))), PASSES, "overflow",
        id="selu-where-exp-silenced"),
]


@pytest.mark.parametrize("name, answer, values_hint, edge_hint",
                         WRONG + EVERY_NAME_WRONG + SILENCED)
def test_wrong_answer_fails_only_its_check(name, answer, values_hint, edge_hint):
    """Does each check reject this wrong answer with the hint that names the mistake, and
    accept it when the mistake is not that check's concern?"""
    assert_verdict(check(name, "values"), answer, values_hint)
    assert_verdict(check(name, "edge_cases"), answer, edge_hint)


def test_every_graded_name_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for every name?"""
    counts = {name: sum(1 for row in WRONG if row.values[0] == name) for name in NAMES}
    assert min(counts.values()) >= 3, counts


# ---- what a failure message reveals, and replaying it ---------------------------------
class Spy:
    """A student answer that records the arguments of every call, then answers."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(([np.copy(a) for a in args], dict(kwargs)))
        return self.answer(*args, **kwargs)

    def arrays(self):
        return [a for args, kwargs in self.calls for a in (*args, *kwargs.values())]


def off_by_1000(name):
    return lambda *args, **kwargs: getattr(ref, name)(*args, **kwargs) + 1000.0


def hidden_numbers(name, spy):
    """The inputs a check drew and the reference's answers to them."""
    numbers = [v for a in spy.arrays() for v in np.ravel(a)]
    for args, kwargs in spy.calls:
        numbers.extend(np.ravel(getattr(ref, name)(*args, **kwargs)))
    return numbers


MESSAGE_CASES = [
    pytest.param("sigmoid", off_by_1000("sigmoid"), id="sigmoid-wrong-values"),
    pytest.param("leaky_relu", off_by_1000("leaky_relu"), id="leaky_relu-wrong-values"),
    pytest.param("softmax", off_by_1000("softmax"), id="softmax-wrong-values"),
    pytest.param("gelu", checks._gelu_tanh, id="gelu-named-mistake"),
    pytest.param("selu", lambda z: ref.selu(z) + (np.ndim(z) >= 2), id="selu-wrong-on-2d"),
    pytest.param("sigmoid", lambda z: np.zeros_like(floats(z)), id="sigmoid-returns-zeros"),
]


@pytest.mark.parametrize("name, answer", MESSAGE_CASES)
def test_message_shows_one_example_at_most(name, answer, grader_seed):
    """Does a failure message show the hidden inputs of one entry at most (with its right
    value), and end with the seed that replays it?"""
    spy = Spy(answer)
    message = failure_message(check(name, "values"), spy)
    assert message.endswith(f"(grader seed {grader_seed})")
    assert_one_example_at_most(message, hidden_numbers(name, spy))


def same_calls(first, second):
    return len(first) == len(second) and all(
        len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b)) and ka == kb
        for (a, ka), (b, kb) in zip(first, second))


SEEDED = [pytest.param(name, id=name) for name in ("sigmoid", "leaky_relu", "softmax")]


@pytest.mark.parametrize("name", SEEDED)
def test_grader_seed_replays_the_same_inputs(name, monkeypatch):
    """With GRADER_SEED set, do two runs of a check draw the same inputs?"""
    monkeypatch.setenv("GRADER_SEED", "123456789")
    runs = [Spy(getattr(ref, name)) for _ in range(2)]
    for spy in runs:
        check(name, "values")(spy)
    assert runs[0].calls and same_calls(runs[0].calls, runs[1].calls)


@pytest.mark.parametrize("name", SEEDED)
def test_seed_in_message_replays_the_failure(name, monkeypatch):
    """Does the seed a failure message names, set as GRADER_SEED, replay that failure on
    the same inputs?"""
    monkeypatch.delenv("GRADER_SEED")
    first = Spy(off_by_1000(name))
    message = failure_message(check(name, "values"), first)
    seed = re.search(r"\(grader seed (\d+)\)$", message).group(1)
    monkeypatch.setenv("GRADER_SEED", seed)
    replay = Spy(off_by_1000(name))
    assert failure_message(check(name, "values"), replay) == message
    assert same_calls(first.calls, replay.calls)


@pytest.mark.parametrize("name", SEEDED)
def test_without_grader_seed_each_run_draws_new_inputs(name, monkeypatch):
    """Without GRADER_SEED, does each run draw fresh inputs (so answers cannot be
    hard-coded)?"""
    monkeypatch.delenv("GRADER_SEED")
    runs = [Spy(getattr(ref, name)) for _ in range(2)]
    for spy in runs:
        check(name, "values")(spy)
    assert not same_calls(runs[0].calls, runs[1].calls)
