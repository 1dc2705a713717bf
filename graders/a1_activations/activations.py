"""Hidden checks of a1_activations/activations.ipynb.

Each graded function has two checks, one test cell each:
- `check_<name>_values`: random inputs of every shape, drawn at grading time, equal the
  reference; the input is left unchanged; the result is float64 of the input's shape.
- `check_<name>_edge_cases`: the inputs that teach: z = 0 exactly, |z| up to 1e4 with no
  overflow and no RuntimeWarning.
The known mistakes of each function sit beside it, so a wrong answer is named.
"""
import numpy as np

from graders.compare import Grading, Mistake
from solutions.a1_activations import activations as ref

EDGE_INPUTS = np.array([0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 20.0, -20.0, 36.8, -36.8,
                        100.0, -100.0, 709.0, -709.0, 800.0, -800.0, 1e4, -1e4])

NAMES = ("z", "alpha")  # an elementwise function's input and its slope, if it has one

OVERFLOW_HINT = ("np.exp overflows float64 past exp(709): rewrite the formula so that "
                 "exp only ever sees -|z| (or split z >= 0 and z < 0 without letting "
                 "np.where evaluate the overflowing branch).")


def _check_values(fn, reference, what, mistakes=(), scale=3.0, extra_args=(),
                  grading=None):
    grading = grading or Grading(what)
    for z in grading.random_inputs(scale):
        before = np.copy(z)
        actual = grading.call(fn, z, *extra_args, what=what, warning_hint=OVERFLOW_HINT)
        grading.assert_unchanged(before, z, what=what)
        grading.assert_matches(actual, reference(z, *extra_args), what=what,
                               inputs=(z, *extra_args), mistakes=mistakes, names=NAMES)


def _check_edge_cases(fn, reference, what, mistakes=(), extra_args=(),
                      warning_hint=OVERFLOW_HINT):
    grading = Grading(what)
    z = EDGE_INPUTS.copy()
    actual = grading.call(fn, z, *extra_args, warning_hint=warning_hint)
    grading.assert_unchanged(EDGE_INPUTS, z)
    grading.assert_matches(actual, reference(z, *extra_args), inputs=(z, *extra_args),
                           mistakes=mistakes, names=NAMES)
    # z = 0 on its own, as a Python float and as a 0-d array
    for zero in (0.0, np.array(0.0)):
        actual = grading.call(fn, zero, *extra_args, warning_hint=warning_hint)
        grading.assert_matches(actual, reference(zero, *extra_args),
                               inputs=(zero, *extra_args), mistakes=mistakes, names=NAMES)


# ---- sigmoid --------------------------------------------------------------------------
SIGMOID_MISTAKES = [
    Mistake("it computes 1/(1+e^z), which is σ(−z): the exponent is −z.",
            lambda z: ref.sigmoid(-np.asarray(z, dtype=float))),
    Mistake("it computes 1/(1−e^−z): the denominator is 1 + e^−z.",
            lambda z: 1 / (1 - np.exp(-np.asarray(z, dtype=float)))),
    Mistake("it computes tanh(z); the sigmoid is 1/(1+e^−z) (it equals (1+tanh(z/2))/2).",
            lambda z: np.tanh(z)),
    Mistake("it computes e^−z/(1+e^−z), which is 1 − σ(z) = σ(−z).",
            lambda z: 1 - ref.sigmoid(z)),
    Mistake("it computes (1 + tanh(z))/2: the identity is σ(z) = (1 + tanh(z/2))/2, "
            "with half of z inside the tanh.",
            lambda z: (1 + np.tanh(np.asarray(z, dtype=float))) / 2),
]


def check_sigmoid_values(sigmoid):
    _check_values(sigmoid, ref.sigmoid, "sigmoid", SIGMOID_MISTAKES, scale=5.0)


def check_sigmoid_edge_cases(sigmoid):
    _check_edge_cases(sigmoid, ref.sigmoid, "sigmoid", SIGMOID_MISTAKES)


# ---- sigmoid_derivative ---------------------------------------------------------------
SIGMOID_DERIVATIVE_MISTAKES = [
    Mistake("your derivative is σ(z)·(1−z): differentiate with respect to z, and use "
            "σ(z) in both factors: σ′(z) = σ(z)·(1−σ(z)).",
            lambda z: ref.sigmoid(z) * (1 - np.asarray(z, dtype=float))),
    Mistake("it computes z·(1−z): that formula expects σ(z), not z. Apply it to σ(z).",
            lambda z: np.asarray(z, dtype=float) * (1 - np.asarray(z, dtype=float))),
    Mistake("it returns σ(z) itself: the derivative is σ(z)·(1−σ(z)).", ref.sigmoid),
    Mistake("it has the wrong sign: σ′(z) = σ(z)·(1−σ(z)) is never negative.",
            lambda z: -ref.sigmoid_derivative(z)),
    Mistake("it computes σ(z)·(1+σ(z)): the second factor is 1 − σ(z).",
            lambda z: ref.sigmoid(z) * (1 + ref.sigmoid(z))),
    Mistake("it computes e^−z/(1+e^−z) = σ(−z): the quotient rule squares the "
            "denominator, σ′(z) = e^−z/(1+e^−z)² = σ(z)·(1−σ(z)).",
            lambda z: ref.sigmoid(-np.asarray(z, dtype=float))),
    Mistake("it computes σ(z)²: σ′(z) = σ(z)·(1−σ(z)), not σ(z)·σ(z).",
            lambda z: ref.sigmoid(z) ** 2),
]


def check_sigmoid_derivative_values(sigmoid_derivative):
    _check_values(sigmoid_derivative, ref.sigmoid_derivative, "sigmoid_derivative",
                  SIGMOID_DERIVATIVE_MISTAKES, scale=5.0)


def check_sigmoid_derivative_edge_cases(sigmoid_derivative):
    _check_edge_cases(sigmoid_derivative, ref.sigmoid_derivative, "sigmoid_derivative",
                      SIGMOID_DERIVATIVE_MISTAKES)


# ---- tanh_derivative ------------------------------------------------------------------
TANH_DERIVATIVE_MISTAKES = [
    Mistake("it computes 1 − tanh(z): the tanh is squared, 1 − tanh²(z).",
            lambda z: 1 - np.tanh(z)),
    Mistake("it computes 1 − z²: that formula expects tanh(z), not z.",
            lambda z: 1 - np.asarray(z, dtype=float) ** 2),
    Mistake("it computes tanh²(z): the derivative is 1 − tanh²(z).",
            lambda z: np.tanh(z) ** 2),
    Mistake("it computes 1 − tanh(z²): square tanh(z), not z.",
            lambda z: 1 - np.tanh(np.asarray(z, dtype=float) ** 2)),
    Mistake("it computes σ(z)·(1−σ(z)), the sigmoid's derivative, not tanh's.",
            ref.sigmoid_derivative),
    Mistake("it computes (1 − tanh(z))²: square tanh(z) first, then subtract it from 1.",
            lambda z: (1 - np.tanh(z)) ** 2),
    Mistake("it computes 1/cosh(z) = sech(z): the derivative is sech²(z) = 1 − tanh²(z).",
            lambda z: 1 / np.cosh(np.asarray(z, dtype=float))),
]
COSH_HINT = ("np.cosh overflows past |z| ≈ 710, so 1/cosh² warns there: use 1 − tanh²(z), "
             "which stays finite.")


def check_tanh_derivative_values(tanh_derivative):
    _check_values(tanh_derivative, ref.tanh_derivative, "tanh_derivative",
                  TANH_DERIVATIVE_MISTAKES)


def check_tanh_derivative_edge_cases(tanh_derivative):
    _check_edge_cases(tanh_derivative, ref.tanh_derivative, "tanh_derivative",
                      TANH_DERIVATIVE_MISTAKES, warning_hint=COSH_HINT)


# ---- relu -----------------------------------------------------------------------------
RELU_MISTAKES = [
    Mistake("it returns |z|: negative inputs become 0, not −z.", np.abs),
    Mistake("it returns min(0, z): ReLU keeps the positive part, max(0, z).",
            lambda z: np.minimum(np.asarray(z, dtype=float), 0.0)),
    Mistake("it returns the mask (z > 0) instead of the values max(0, z).",
            lambda z: (np.asarray(z) > 0).astype(float)),
    Mistake("it returns z unchanged: negative inputs must become 0.",
            lambda z: np.asarray(z, dtype=float)),
]


def check_relu_values(relu):
    _check_values(relu, ref.relu, "relu", RELU_MISTAKES)


def check_relu_edge_cases(relu):
    _check_edge_cases(relu, ref.relu, "relu", RELU_MISTAKES)


# ---- relu_derivative ------------------------------------------------------------------
RELU_DERIVATIVE_MISTAKES = [
    Mistake("it returns 1 at z = 0: the contract's convention is relu′(0) = 0, so use "
            "z > 0, not z >= 0.", lambda z: (np.asarray(z) >= 0).astype(float)),
    Mistake("it returns relu(z) instead of its derivative (1 where z > 0, else 0).",
            ref.relu),
    Mistake("it returns 1 where z < 0: the slope is 1 on the positive side.",
            lambda z: (np.asarray(z) < 0).astype(float)),
    Mistake("it returns z where z > 0: the slope of z is 1, not z.",
            lambda z: np.where(np.asarray(z) > 0, z, 0.0)),
]


def check_relu_derivative_values(relu_derivative):
    _check_values(relu_derivative, ref.relu_derivative, "relu_derivative",
                  RELU_DERIVATIVE_MISTAKES)


def check_relu_derivative_edge_cases(relu_derivative):
    _check_edge_cases(relu_derivative, ref.relu_derivative, "relu_derivative",
                      RELU_DERIVATIVE_MISTAKES)


# ---- leaky_relu -----------------------------------------------------------------------
def _leaky_relu_mistakes(alpha):
    return [
        Mistake("it ignores the alpha argument: use the alpha it is called with.",
                lambda z, *args: ref.leaky_relu(z)),
        Mistake("it multiplies the positive side by alpha: z where z > 0, else alpha·z.",
                lambda z, *args: np.where(np.asarray(z) > 0, alpha * np.asarray(z), z)),
        Mistake("it returns alpha (a constant) for negative inputs: use alpha·z.",
                lambda z, *args: np.where(np.asarray(z) > 0, z, alpha)),
        Mistake("it returns 0 for negative inputs: that is ReLU; leaky ReLU keeps alpha·z.",
                lambda z, *args: ref.relu(z)),
    ]


def check_leaky_relu_values(leaky_relu):
    grading = Grading("leaky_relu")
    alpha = float(grading.rng.uniform(0.05, 0.5))
    _check_values(leaky_relu, ref.leaky_relu, "leaky_relu(z, alpha)",
                  _leaky_relu_mistakes(alpha), extra_args=(alpha,), grading=grading)
    # the default slope is 0.01
    _check_values(leaky_relu, ref.leaky_relu, "leaky_relu(z) with the default alpha",
                  _leaky_relu_mistakes(0.01), grading=grading)


def check_leaky_relu_edge_cases(leaky_relu):
    _check_edge_cases(leaky_relu, ref.leaky_relu, "leaky_relu", _leaky_relu_mistakes(0.1),
                      extra_args=(0.1,))


# ---- leaky_relu_derivative ------------------------------------------------------------
def _leaky_relu_derivative_mistakes(alpha):
    return [
        Mistake("it ignores the alpha argument: use the alpha it is called with.",
                lambda z, *args: ref.leaky_relu_derivative(z)),
        Mistake("it returns alpha·z for negative inputs: the slope there is the "
                "constant alpha.", lambda z, *args: np.where(np.asarray(z) > 0, 1.0,
                                                             alpha * np.asarray(z))),
        Mistake("it returns 0 for negative inputs: the leak's slope there is alpha.",
                lambda z, *args: ref.relu_derivative(z)),
        Mistake("it returns 1 at z = 0: by the contract the slope at 0 is alpha "
                "(1 only where z > 0).",
                lambda z, *args: np.where(np.asarray(z) >= 0, 1.0, alpha)),
    ]


def check_leaky_relu_derivative_values(leaky_relu_derivative):
    grading = Grading("leaky_relu_derivative")
    alpha = float(grading.rng.uniform(0.05, 0.5))
    _check_values(leaky_relu_derivative, ref.leaky_relu_derivative,
                  "leaky_relu_derivative(z, alpha)",
                  _leaky_relu_derivative_mistakes(alpha), extra_args=(alpha,),
                  grading=grading)
    _check_values(leaky_relu_derivative, ref.leaky_relu_derivative,
                  "leaky_relu_derivative(z) with the default alpha",
                  _leaky_relu_derivative_mistakes(0.01), grading=grading)


def check_leaky_relu_derivative_edge_cases(leaky_relu_derivative):
    _check_edge_cases(leaky_relu_derivative, ref.leaky_relu_derivative,
                      "leaky_relu_derivative", _leaky_relu_derivative_mistakes(0.1),
                      extra_args=(0.1,))


# ---- softplus -------------------------------------------------------------------------
SOFTPLUS_MISTAKES = [
    Mistake("it caps the input (as clip(z, ·, 20) does): softplus(z) ≈ z for large z, so "
            "softplus(100) must be 100. Use max(z, 0) + log1p(exp(−|z|)).",
            lambda z: np.log1p(np.exp(np.clip(z, -500, 20)))),
    Mistake("it computes log(e^z), which is just z: softplus is log(1 + e^z).",
            lambda z: np.asarray(z, dtype=float)),
    Mistake("it computes max(0, z), which is ReLU: softplus is the smooth log(1 + e^z).",
            ref.relu),
    Mistake("it computes log(1 + e^−z) = softplus(−z): the exponent is +z.",
            lambda z: ref.softplus(-np.asarray(z, dtype=float))),
]


def check_softplus_values(softplus):
    _check_values(softplus, ref.softplus, "softplus", SOFTPLUS_MISTAKES, scale=30.0)


def check_softplus_edge_cases(softplus):
    _check_edge_cases(softplus, ref.softplus, "softplus", SOFTPLUS_MISTAKES)


# ---- softmax --------------------------------------------------------------------------
def _softmax_mistakes():
    def over_everything(z, axis=-1):
        e = np.exp(np.asarray(z) - np.max(z))
        return e / e.sum()

    def transposed_axis(z, axis=-1):
        z = np.asarray(z)
        other = 0 if axis in (-1, z.ndim - 1) else -1
        return ref.softmax(z, axis=other)

    def exponentials_only(z, axis=-1):
        return np.exp(np.asarray(z) - np.max(z, axis=axis, keepdims=True))

    return [
        Mistake("it normalises over the whole array: each slice along `axis` must sum to 1 "
                "(sum with axis=axis, keepdims=True).", over_everything),
        Mistake("it normalises along the wrong axis: use the `axis` argument.",
                transposed_axis),
        Mistake("it does not divide by the sum: softmax is e^z / Σ e^z.", exponentials_only),
    ]


def _softmax_inputs(grading):
    rng = grading.rng
    shapes = [(int(rng.integers(2, 12)),), tuple(rng.integers(2, 7, size=2)),
              tuple(rng.integers(2, 5, size=3))]
    return [rng.normal(0, 4, size=shape) for shape in shapes]


def check_softmax_values(softmax):
    grading = Grading("softmax")
    for z in _softmax_inputs(grading):
        for axis in sorted({-1, 0, z.ndim - 1, z.ndim // 2}):
            before = z.copy()
            what = f"softmax(z, axis={axis}) on shape {z.shape}"
            actual = grading.call(softmax, z, axis=axis, what=what,
                                  warning_hint=OVERFLOW_HINT)
            grading.assert_unchanged(before, z, what=what)
            grading.assert_matches(actual, ref.softmax(z, axis=axis), what=what,
                                   inputs=(z, axis), mistakes=_softmax_mistakes())
        # the default axis is the last one
        what = f"softmax(z) with the default axis on shape {z.shape}"
        actual = grading.call(softmax, z, what=what, warning_hint=OVERFLOW_HINT)
        grading.assert_matches(actual, ref.softmax(z), what=what, inputs=(z,),
                               mistakes=_softmax_mistakes())


def check_softmax_edge_cases(softmax):
    grading = Grading("softmax")
    cases = {
        "logits in the thousands": np.array([[1e4, 9990.0, 0.0], [-1e4, -9995.0, -1e4]]),
        "rows that differ by 2·10⁴ (one shift for the whole array is not enough)":
            np.array([[1e4, 1e4 - 3.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0]]),
        "equal logits": np.full((2, 4), 7.0),
    }
    for description, z in cases.items():
        for axis in (-1, 0):
            what = f"softmax(z, axis={axis}) on {description}"
            actual = grading.call(softmax, z, axis=axis, what=what, warning_hint=(
                "Subtract the maximum along `axis` (keepdims=True) before exp."))
            grading.assert_matches(actual, ref.softmax(z, axis=axis), what=what,
                                   inputs=(z, axis), mistakes=_softmax_mistakes())


# ---- gelu -----------------------------------------------------------------------------
def _gelu_tanh(z):
    z = np.asarray(z, dtype=float)
    return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))


GELU_MISTAKES = [
    Mistake("it is the tanh approximation of GELU (off by up to 4.7e-4); the exact GELU "
            "is z·Φ(z) with Φ(z) = (1 + erf(z/√2))/2.", _gelu_tanh),
    Mistake("it is the sigmoid approximation z·σ(1.702z); the exact GELU is z·Φ(z).",
            lambda z: np.asarray(z) * ref.sigmoid(1.702 * np.asarray(z))),
    Mistake("it uses erf(z) without dividing by √2: Φ(z) = (1 + erf(z/√2))/2.",
            lambda z: 0.5 * np.asarray(z) * (1 + _erf(np.asarray(z, dtype=float)))),
    Mistake("it computes z·erf(z/√2): Φ(z) is (1 + erf(z/√2))/2, not erf(z/√2).",
            lambda z: np.asarray(z) * _erf(np.asarray(z, dtype=float) / np.sqrt(2))),
    Mistake("it computes Φ(z) alone: GELU multiplies the input by it, z·Φ(z).",
            lambda z: _ndtr(np.asarray(z, dtype=float))),
    Mistake("it uses the Gaussian density φ(z) = e^(−z²/2)/√(2π) where the cumulative "
            "distribution Φ(z) belongs: z·Φ(z).",
            lambda z: np.asarray(z) * np.exp(-np.asarray(z, dtype=float) ** 2 / 2)
            / np.sqrt(2 * np.pi)),
]


def _erf(x):
    from scipy.special import erf
    return erf(x)


def _ndtr(x):
    from scipy.special import ndtr
    return ndtr(x)


def check_gelu_values(gelu):
    _check_values(gelu, ref.gelu, "gelu", GELU_MISTAKES)


def check_gelu_edge_cases(gelu):
    _check_edge_cases(gelu, ref.gelu, "gelu", GELU_MISTAKES)


# ---- selu -----------------------------------------------------------------------------
def _selu_with(scale, alpha):
    def selu(z):
        z = np.asarray(z, dtype=float)
        return scale * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))
    return selu


SELU_MISTAKES = [
    Mistake("its constants are rounded: use λ = 1.0507009873554805 and "
            "α = 1.6732632423543772 in full.", _selu_with(1.0507, 1.6733)),
    Mistake("it is ELU without SELU's constants: multiply by λ and use α = 1.6732632423543772.",
            _selu_with(1.0, 1.0)),
    Mistake("λ is missing from the positive side: SELU is λ·z for z > 0.",
            lambda z: np.where(np.asarray(z) > 0, z, ref.selu(z))),
    Mistake("λ and α are swapped.", _selu_with(ref.SELU_ALPHA, ref.SELU_LAMBDA)),
    Mistake("λ is missing: SELU is λ·z for z > 0 and λ·α·(e^z − 1) for z ≤ 0.",
            lambda z: ref.selu(z) / ref.SELU_LAMBDA),
    Mistake("the negative side lacks the −1: it is λ·α·(e^z − 1).",
            lambda z: np.where(np.asarray(z) > 0, ref.selu(z),
                               ref.SELU_LAMBDA * ref.SELU_ALPHA
                               * np.exp(np.minimum(z, 0)))),
]


def check_selu_values(selu):
    _check_values(selu, ref.selu, "selu", SELU_MISTAKES)


def check_selu_edge_cases(selu):
    _check_edge_cases(selu, ref.selu, "selu", SELU_MISTAKES, warning_hint=(
        "np.where evaluates both branches, so exp(z) overflows for large positive z even "
        "though that branch is not chosen: exponentiate np.minimum(z, 0) instead."))
