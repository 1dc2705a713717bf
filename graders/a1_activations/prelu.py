"""Hidden checks of a1_activations/prelu.ipynb: the numerical gradient and PReLU."""
import numpy as np

from graders.compare import Grading, Mistake
from graders.describe import kind_of
from solutions.a1_activations import prelu as ref

# ---- numerical_gradient ---------------------------------------------------------------
# Test functions with their exact gradients. Their curvature is large enough that a
# forward difference (error ~ eps·f''/2) misses the contract's tolerance, which a central
# difference (error ~ eps²·f'''/6 plus rounding) meets.
TEST_FUNCTIONS = {
    "sum(x**3) + sum(sin(3x))": (lambda x: np.sum(x**3) + np.sum(np.sin(3 * x)),
                                 lambda x: 3 * x**2 + 3 * np.cos(3 * x)),
    "sum(exp(x)) * 2": (lambda x: 2 * np.sum(np.exp(x)), lambda x: 2 * np.exp(x)),
}


def _forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    f_x = f(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        grad[index] = (f(shifted) - f_x) / eps
    return grad


def _numerical_gradient_mistakes(eps):
    return [
        Mistake("it is a forward difference (f(x+eps) − f(x))/eps, whose error is of "
                "order eps; use the central difference (f(x+eps) − f(x−eps))/(2·eps).",
                lambda f, x, *args: _forward_difference(f, x, eps)),
        Mistake("it divides by eps instead of 2·eps: the two points are 2·eps apart.",
                lambda f, x, *args: 2 * ref.numerical_gradient(f, x, eps)),
        Mistake("it ignores the eps argument: use the step it is called with.",
                lambda f, x, *args: ref.numerical_gradient(f, x)),
        Mistake("it moves every entry of x at once, which gives the sum of all the partial "
                "derivatives: move one entry at a time and keep the others where they are.",
                lambda f, x, *args: np.full(np.shape(x), (f(x + eps) - f(x - eps)) / (2 * eps))),
    ]


def _random_point(grading):
    rng = grading.rng
    shape = [(int(rng.integers(3, 9)),), tuple(rng.integers(2, 5, size=2))][
        int(rng.integers(0, 2))]
    return rng.uniform(-1.5, 1.5, size=shape)


def _weighted_square(weights):
    """A function that needs x in its own shape (weights has it) and mixes entries."""
    return lambda x: np.sum(weights * x) ** 2 + np.sum(np.sin(3 * x) * weights)


def check_numerical_gradient_values(numerical_gradient):
    """Central differences at random points of 1-D and 2-D shape; x left unchanged;
    f is called with x in its own shape."""
    grading = Grading("numerical_gradient")
    rng = grading.rng
    points = (rng.uniform(-1.5, 1.5, size=int(rng.integers(3, 9))),
              rng.uniform(-1.5, 1.5, size=tuple(rng.integers(2, 5, 2))))
    functions = {label: f for label, (f, _) in TEST_FUNCTIONS.items()}
    for x in points:
        functions[f"a weighted square of shape {x.shape}"] = _weighted_square(
            rng.normal(size=x.shape))
    for label, f in functions.items():
        for x in points:
            if label.startswith("a weighted") and not label.endswith(f"{x.shape}"):
                continue
            what = f"numerical_gradient of {label} at an x of shape {x.shape}"
            before = x.copy()
            actual = grading.call(numerical_gradient, f, x, what=what)
            grading.assert_unchanged(before, x, what=what)
            # compare with the reference central difference at the contract's tolerance,
            # loosened only by the rounding error of f's values divided by 2·eps
            grading.assert_matches(actual, ref.numerical_gradient(f, x), what=what,
                                   inputs=(f, x), mistakes=_numerical_gradient_mistakes(1e-6),
                                   rtol=1e-7, atol=1e-8)


def check_numerical_gradient_eps(numerical_gradient):
    """The eps argument is the step: with eps = 1e-3 the answer is that central difference."""
    grading = Grading("numerical_gradient(f, x, eps=1e-3)")
    f, exact_gradient = TEST_FUNCTIONS["sum(x**3) + sum(sin(3x))"]
    x = _random_point(grading)
    before = x.copy()
    actual = grading.call(numerical_gradient, f, x, 1e-3)
    grading.assert_unchanged(before, x)
    grading.assert_matches(actual, ref.numerical_gradient(f, x, 1e-3), inputs=(f, x, 1e-3),
                           mistakes=_numerical_gradient_mistakes(1e-3), rtol=1e-7, atol=1e-8)


# ---- PReLU ----------------------------------------------------------------------------
def _make(grading, PReLU, alpha):
    shape = "a scalar alpha" if np.ndim(alpha) == 0 else f"alpha of shape {np.shape(alpha)}"
    return grading.call(PReLU, alpha, what=f"PReLU(alpha) with {shape}")


def _channel_inputs(grading, channels):
    rng = grading.rng
    return [rng.normal(0, 2, size=(int(rng.integers(2, 7)), channels)),
            rng.normal(0, 2, size=(int(rng.integers(2, 4)), int(rng.integers(2, 4)), channels))]


FORWARD_MISTAKES = [
    Mistake("negative inputs become 0: that is ReLU; PReLU keeps alpha·z there.",
            lambda z, alpha: np.maximum(z, 0.0)),
    Mistake("alpha multiplies the positive side: z where z > 0, else alpha·z.",
            lambda z, alpha: np.where(z > 0, alpha * z, z)),
    Mistake("it uses a fixed slope instead of self.alpha.",
            lambda z, alpha: np.where(z > 0, z, 0.01 * z)),
]


def check_prelu_forward_scalar(PReLU):
    """A scalar alpha, given and default (0.25), on inputs of every shape."""
    grading = Grading("PReLU.forward")
    alpha = float(grading.rng.uniform(0.05, 0.6))
    for label, layer, slope in (("alpha", _make(grading, PReLU, alpha), alpha),
                                ("default alpha", grading.call(PReLU, what="PReLU()"), 0.25)):
        for z in grading.random_inputs()[:3]:
            what = f"PReLU.forward with a scalar {label} on shape {z.shape}"
            before = z.copy()
            actual = grading.call(layer.forward, z, what=what)
            grading.assert_unchanged(before, z, what=what)
            grading.assert_matches(actual, ref.PReLU(slope).forward(z), what=what,
                                   inputs=(z, slope), mistakes=FORWARD_MISTAKES,
                                   names=("z", "alpha"))


def check_prelu_forward_channels(PReLU):
    """One slope per channel, broadcast along the last axis of z."""
    grading = Grading("PReLU.forward")
    channels = int(grading.rng.integers(3, 7))
    alpha = grading.rng.uniform(0.05, 0.6, size=channels)
    layer = _make(grading, PReLU, alpha.copy())
    for z in _channel_inputs(grading, channels):
        what = f"PReLU.forward with per-channel alpha on shape {z.shape}"
        before = z.copy()
        actual = grading.call(layer.forward, z, what=what)
        grading.assert_unchanged(before, z, what=what)
        grading.assert_matches(actual, ref.PReLU(alpha).forward(z), what=what,
                               inputs=(z, alpha), mistakes=FORWARD_MISTAKES, names=("z",))


GRAD_Z_MISTAKES = [
    Mistake("grad_z ignores grad_output: multiply the local slope (1 or alpha) by "
            "grad_output (the chain rule).",
            lambda z, g, alpha: np.where(z > 0, 1.0, alpha) * np.ones_like(g)),
    Mistake("grad_z is 0 where z <= 0: the slope there is alpha, so pass alpha·grad_output.",
            lambda z, g, alpha: np.where(z > 0, g, 0.0)),
    Mistake("grad_z multiplies by z instead of the slope: use grad_output where z > 0 "
            "and alpha·grad_output elsewhere.",
            lambda z, g, alpha: np.where(z > 0, g, alpha * z * g)),
    Mistake("at z = 0 the slope is alpha (forward uses alpha·z unless z > 0): use z > 0, "
            "not z >= 0.", lambda z, g, alpha: np.where(z >= 0, g, alpha * g)),
]


def _grad_alpha_mistakes(per_channel):
    def reduce(values, alpha):
        if per_channel:
            return values.reshape(-1, np.shape(alpha)[0]).sum(axis=0)
        return np.sum(values)

    return [
        Mistake("grad_alpha sums grad_output over negative z but forgets the factor z: "
                "d(alpha·z)/d(alpha) = z.",
                lambda z, g, alpha: reduce(np.where(z > 0, 0.0, g), alpha)),
        Mistake("grad_alpha also counts positive z: only positions with z <= 0 depend "
                "on alpha.", lambda z, g, alpha: reduce(z * g, alpha)),
        Mistake("grad_alpha is a mean: dL/dalpha sums over every position alpha was "
                "used at.", lambda z, g, alpha: reduce(np.where(z > 0, 0.0, z * g), alpha)
                / (np.size(z) / np.size(alpha))),
        Mistake("grad_alpha forgets grad_output: multiply z by the incoming gradient.",
                lambda z, g, alpha: reduce(np.where(z > 0, 0.0, z), alpha)),
    ]


def _backward(grading, layer, z, grad_output, what):
    result = grading.call(layer.backward, z, grad_output, what=what)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise grading.fail(f"{what} returned {kind_of(result)}; it must return a tuple "
                           "(grad_z, grad_alpha), as in `return grad_z, grad_alpha`.")
    return result


def check_prelu_backward_grad_z(PReLU):
    """grad_z for scalar and per-channel alpha, including z = 0 exactly."""
    grading = Grading("PReLU.backward")
    channels = int(grading.rng.integers(3, 7))
    scalar = float(grading.rng.uniform(0.05, 0.6))
    per_channel = grading.rng.uniform(0.05, 0.6, size=channels)
    for alpha in (scalar, per_channel):
        layer = _make(grading, PReLU, np.copy(alpha) if np.ndim(alpha) else alpha)
        kind = "per-channel" if np.ndim(alpha) else "scalar"
        for z in _channel_inputs(grading, channels):
            z.flat[:3] = 0.0  # the kink: the slope there is alpha
            grad_output = grading.rng.normal(size=z.shape)
            what = f"grad_z of PReLU.backward ({kind} alpha, z of shape {z.shape})"
            grad_z, _ = _backward(grading, layer, z.copy(), grad_output.copy(), what)
            grading.assert_matches(grad_z, ref.PReLU(alpha).backward(z, grad_output)[0],
                                   what=what, inputs=(z, grad_output, alpha),
                                   mistakes=GRAD_Z_MISTAKES, names=("z", "grad_output"))


def check_prelu_grad_alpha_scalar(PReLU):
    """grad_alpha for a scalar alpha is one number: the sum over every position."""
    grading = Grading("grad_alpha of PReLU.backward with a scalar alpha")
    alpha = float(grading.rng.uniform(0.05, 0.6))
    layer = _make(grading, PReLU, alpha)
    for z in grading.random_inputs()[:3]:
        grad_output = grading.rng.normal(size=z.shape)
        _, grad_alpha = _backward(grading, layer, z.copy(), grad_output.copy(), grading.what)
        grading.assert_matches(grad_alpha, ref.PReLU(alpha).backward(z, grad_output)[1],
                               inputs=(z, grad_output, alpha), scalar_ok=True,
                               mistakes=_grad_alpha_mistakes(per_channel=False))


def check_prelu_grad_alpha_channels(PReLU):
    """grad_alpha for per-channel alpha has alpha's shape (C,), summed over the rest."""
    grading = Grading("grad_alpha of PReLU.backward with per-channel alpha")
    channels = int(grading.rng.integers(3, 7))
    alpha = grading.rng.uniform(0.05, 0.6, size=channels)
    layer = _make(grading, PReLU, alpha.copy())
    for z in _channel_inputs(grading, channels):
        grad_output = grading.rng.normal(size=z.shape)
        _, grad_alpha = _backward(grading, layer, z.copy(), grad_output.copy(), grading.what)
        if np.shape(grad_alpha) != alpha.shape:
            raise grading.fail(
                f"{grading.what} has shape {np.shape(grad_alpha)} for z of shape {z.shape}: "
                f"it must have alpha's shape {alpha.shape}, one entry per channel, summed "
                "over every axis but the last.")
        grading.assert_matches(grad_alpha, ref.PReLU(alpha).backward(z, grad_output)[1],
                               inputs=(z, grad_output, alpha),
                               mistakes=_grad_alpha_mistakes(per_channel=True))


def check_prelu_backward_numerically(PReLU):
    """backward agrees with the numerical gradient of L = sum(forward(z) · grad_output)."""
    grading = Grading("PReLU.backward against the numerical gradient")
    channels = int(grading.rng.integers(3, 6))
    alpha = grading.rng.uniform(0.05, 0.6, size=channels)
    z = grading.rng.normal(0, 2, size=(4, channels))
    z[np.abs(z) < 1e-3] = 0.5  # keep the central difference away from the kink
    grad_output = grading.rng.normal(size=z.shape)
    layer = _make(grading, PReLU, alpha.copy())
    grad_z, grad_alpha = _backward(grading, layer, z.copy(), grad_output.copy(),
                                   grading.what)

    def loss_of_z(z_value):
        return np.sum(ref.PReLU(alpha).forward(z_value) * grad_output)

    def loss_of_alpha(alpha_value):
        return np.sum(ref.PReLU(alpha_value).forward(z) * grad_output)

    for name, answer, numeric in (
            ("grad_z", grad_z, ref.numerical_gradient(loss_of_z, z)),
            ("grad_alpha", grad_alpha, ref.numerical_gradient(loss_of_alpha, alpha))):
        grading.assert_matches(answer, numeric, rtol=1e-6, atol=1e-6, what=(
            f"{name} from PReLU.backward, compared with the numerical gradient of "
            "sum(forward(z)·grad_output),"))
