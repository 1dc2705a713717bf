"""The hidden checks of prelu.ipynb, tried on the answers students hand in.

`numerical_gradient` has a values check and an eps check; the PReLU class has a forward
check for a scalar alpha and one for per-channel alpha, a grad_z check, a grad_alpha
check for each kind of alpha, and a check of backward against the numerical gradient.
Correct answers written in other ways than the reference must pass every check; a wrong
answer must fail the checks its mistake concerns, with a message that names it, and pass
the others.
"""
import re
import sys

import numpy as np
import pytest

from graders.a1_activations import prelu as checks
from graders.compare import GradingError
from solutions.a1_activations import prelu as ref
from tests.graders.verdicts import (
    PASSES, Record, assert_one_example_at_most, assert_verdict, failure_message, same_inputs)
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

GRADIENT_CHECKS = ["values", "eps"]
LAYER_CHECKS = ["forward_scalar", "forward_channels", "backward_grad_z",
                "grad_alpha_scalar", "grad_alpha_channels", "backward_numerically"]


# ---- helpers --------------------------------------------------------------------------
def gradient_check(kind):
    return getattr(checks, f"check_numerical_gradient_{kind}")


def layer_check(kind):
    return getattr(checks, f"check_prelu_{kind}")


def per_check(table, check_names):
    """One row per (answer, check): the checks a row does not name must pass."""
    return [pytest.param(answer, name, verdicts.get(name, PASSES), id=f"{row_id}-{name}")
            for row_id, answer, verdicts in table for name in check_names]


def channel_sum(values):
    """Sum over every axis but the last (the channel axis)."""
    return values.sum(axis=tuple(range(values.ndim - 1)))


# ---- numerical_gradient: correct answers ----------------------------------------------
def gradient_flat_loop(f, x, eps=1e-6):
    shape = np.shape(x)
    flat = np.array(x, dtype=float).ravel()
    grad = np.empty(flat.size)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus.reshape(shape)) - f(minus.reshape(shape))) / (2 * eps)
    return grad.reshape(shape)


def gradient_in_place_restored(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        f_plus = f(x)
        x[index] = saved - eps
        f_minus = f(x)
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradient_basis_steps(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def gradient_printing(f, x, eps=1e-6):
    print("x has shape", np.shape(x))
    print("eps is", eps, file=sys.stderr)
    return ref.numerical_gradient(f, x, eps)


CORRECT_GRADIENTS = [
    pytest.param(ref.numerical_gradient, id="reference"),
    pytest.param(gradient_flat_loop, id="flat-loop-on-a-copy"),
    pytest.param(gradient_in_place_restored, id="in-place-restored-exactly"),
    pytest.param(gradient_basis_steps, id="basis-vector-steps"),
    pytest.param(gradient_printing, id="prints"),
]


@pytest.mark.parametrize("kind", GRADIENT_CHECKS)
@pytest.mark.parametrize("answer", CORRECT_GRADIENTS)
def test_correct_numerical_gradient_passes(answer, kind):
    """Does this correct numerical gradient pass the check?"""
    assert gradient_check(kind)(answer) is None


# ---- numerical_gradient: wrong answers ------------------------------------------------
def gradient_forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus = x.copy()
        plus[index] += eps
        grad[index] = (f(plus) - f(x)) / eps
    return grad


def gradient_backward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        minus = x.copy()
        minus[index] -= eps
        grad[index] = (f(x) - f(minus)) / eps
    return grad


def gradient_over_eps(f, x, eps=1e-6):
    return 2 * ref.numerical_gradient(f, x, eps)


def gradient_fixed_eps(f, x, eps=1e-6):
    return ref.numerical_gradient(f, x)


def gradient_never_restored(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        f_plus = f(x)
        x[index] -= 2 * eps
        grad[index] = (f_plus - f(x)) / (2 * eps)
    return grad


def gradient_restored_by_arithmetic(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        f_plus = f(x)
        x[index] -= 2 * eps
        f_minus = f(x)
        x[index] += eps  # x + eps - 2·eps + eps is not always x in floating point
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradient_stub(f, x, eps=1e-6):
    raise NotImplementedError()


def gradient_as_list(f, x, eps=1e-6):
    return ref.numerical_gradient(f, x, eps).tolist()


def gradient_without_return(f, x, eps=1e-6):
    ref.numerical_gradient(f, x, eps)


def gradient_of_f_on_a_flat_copy(f, x, eps=1e-6):
    flat = np.array(x, dtype=float).ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)  # f sees a 1-D array, not x's shape
    return grad.reshape(np.shape(x))


WRONG_GRADIENTS = [
    # (answer, verdict of the values check, verdict of the eps check)
    pytest.param(gradient_forward_difference, "forward difference", "forward difference",
                 id="forward-difference"),
    pytest.param(gradient_backward_difference, "is wrong on", "is wrong on",
                 id="backward-difference"),
    pytest.param(gradient_over_eps, "instead of 2·eps", "instead of 2·eps",
                 id="divides-by-eps"),
    pytest.param(gradient_fixed_eps, PASSES, "ignores the eps argument", id="ignores-eps"),
    pytest.param(gradient_never_restored, "changed the array", "changed the array",
                 id="x-never-restored"),
    pytest.param(gradient_restored_by_arithmetic, "changed the array", "changed the array",
                 id="x-restored-by-arithmetic"),
    pytest.param(gradient_stub, "not implemented yet", "not implemented yet", id="stub"),
    pytest.param(gradient_as_list, "returned list", "returned list", id="returns-list"),
    pytest.param(gradient_without_return, "returned NoneType", "returned NoneType",
                 id="forgets-return"),
]
FLATTENED = [
    # f must see x in its own shape: a weighted function of x's shape tells
    pytest.param(gradient_of_f_on_a_flat_copy, "numerical_gradient", PASSES,
                 id="f-called-on-a-flat-copy"),
]


@pytest.mark.parametrize("answer, values_hint, eps_hint", WRONG_GRADIENTS + FLATTENED)
def test_wrong_numerical_gradient_fails_only_its_check(answer, values_hint, eps_hint):
    """Does each check reject this wrong numerical gradient with the hint that names the
    mistake, and accept it when the mistake is not that check's concern?"""
    assert_verdict(gradient_check("values"), answer, values_hint)
    assert_verdict(gradient_check("eps"), answer, eps_hint)


# ---- PReLU: correct answers -----------------------------------------------------------
class PReLUMaxMin:
    def __init__(self, alpha=0.25):
        self.alpha = alpha

    def forward(self, z):
        return np.maximum(z, 0.0) + self.alpha * np.minimum(z, 0.0)

    def backward(self, z, grad_output):
        grad_z = np.where(np.asarray(z) > 0, 1.0, self.alpha) * grad_output
        contribution = np.minimum(z, 0.0) * grad_output
        if np.ndim(self.alpha) == 0:
            return grad_z, float(np.sum(contribution))
        return grad_z, channel_sum(contribution)


class PReLUMasks:
    def __init__(self, alpha=0.25):
        self.alpha = np.asarray(alpha, dtype=float)

    def forward(self, z):
        z = np.asarray(z, dtype=float)
        negative = z <= 0
        return z * ~negative + self.alpha * z * negative

    def backward(self, z, grad_output):
        negative = np.asarray(z) <= 0
        grad_z = grad_output * (~negative + self.alpha * negative)
        if self.alpha.ndim == 0:
            return grad_z, np.sum(z * grad_output * negative)
        channels = self.alpha.shape[0]
        return grad_z, np.einsum("nc,nc->c", (z * negative).reshape(-1, channels),
                                 np.reshape(grad_output, (-1, channels)))


class PReLUPrinting(ref.PReLU):
    def forward(self, z):
        print("forward", np.shape(z))
        return super().forward(z)

    def backward(self, z, grad_output):
        print("backward", np.shape(z), file=sys.stderr)
        return super().backward(z, grad_output)


CORRECT_LAYERS = [
    pytest.param(ref.PReLU, id="reference"),
    pytest.param(PReLUMaxMin, id="maximum-minimum"),
    pytest.param(PReLUMasks, id="masks-einsum"),
    pytest.param(PReLUPrinting, id="prints"),
]


@pytest.mark.parametrize("kind", LAYER_CHECKS)
@pytest.mark.parametrize("layer", CORRECT_LAYERS)
def test_correct_prelu_passes(layer, kind):
    """Does this correct PReLU pass the check?"""
    assert layer_check(kind)(layer) is None


PRINTING = [pytest.param(gradient_check(kind), gradient_printing, id=f"numerical_gradient-{kind}")
            for kind in GRADIENT_CHECKS]
PRINTING += [pytest.param(layer_check(kind), PReLUPrinting, id=f"PReLU-{kind}")
             for kind in LAYER_CHECKS]


@pytest.mark.parametrize("check_fn, answer", PRINTING)
def test_what_an_answer_prints_is_swallowed(check_fn, answer, capsys):
    """Does nothing an answer prints reach the test cell's stdout or stderr?"""
    check_fn(answer)
    assert capsys.readouterr() == ("", "")


# ---- PReLU: wrong answers -------------------------------------------------------------
class ForwardIsRelu(ref.PReLU):
    def forward(self, z):
        return np.maximum(z, 0.0)


class AlphaOnPositiveSide(ref.PReLU):
    def forward(self, z):
        return np.where(z > 0, self.alpha * z, z)


class FixedSlope(ref.PReLU):
    def forward(self, z):
        return np.where(z > 0, z, 0.01 * z)


class DefaultAlphaOf001(ref.PReLU):
    def __init__(self, alpha=0.01):
        super().__init__(alpha)


class ForwardInPlace(ref.PReLU):
    def forward(self, z):
        z = np.asarray(z, dtype=float)
        z *= np.where(z > 0, 1.0, self.alpha)
        return z


class ForwardWithoutReturn(ref.PReLU):
    def forward(self, z):
        np.where(z > 0, z, self.alpha * z)


class AlphaAsFloat(ref.PReLU):
    def __init__(self, alpha=0.25):
        super().__init__(float(alpha))


class GradZIgnoresGradOutput(ref.PReLU):
    def backward(self, z, grad_output):
        return np.where(z > 0, 1.0, self.alpha), super().backward(z, grad_output)[1]


class GradZZeroOnNegatives(ref.PReLU):
    def backward(self, z, grad_output):
        return np.where(z > 0, grad_output, 0.0), super().backward(z, grad_output)[1]


class GradZTimesZ(ref.PReLU):
    def backward(self, z, grad_output):
        grad_z = np.where(z > 0, grad_output, self.alpha * z * grad_output)
        return grad_z, super().backward(z, grad_output)[1]


class GradZOneAtZero(ref.PReLU):
    def backward(self, z, grad_output):
        grad_z = np.where(z >= 0, grad_output, self.alpha * grad_output)
        return grad_z, super().backward(z, grad_output)[1]


def with_grad_alpha(contribution, scalar=np.sum, channels=channel_sum):
    """A PReLU whose grad_alpha reduces `contribution(z, grad_output)` with `scalar` for
    a scalar alpha and with `channels` for per-channel alpha."""
    class Layer(ref.PReLU):
        def backward(self, z, grad_output):
            values = contribution(z, grad_output)
            reduce = scalar if np.ndim(self.alpha) == 0 else channels
            return super().backward(z, grad_output)[0], reduce(values)
    return Layer


def negative_part(z, grad_output):
    return np.where(z > 0, 0.0, z * grad_output)


class BackwardReturnsList(ref.PReLU):
    def backward(self, z, grad_output):
        return list(super().backward(z, grad_output))


class BackwardSwapped(ref.PReLU):
    def backward(self, z, grad_output):
        return super().backward(z, grad_output)[::-1]


class Stub(ref.PReLU):
    def forward(self, z):
        raise NotImplementedError()

    def backward(self, z, grad_output):
        raise NotImplementedError()


FORWARD_CHECKS = ["forward_scalar", "forward_channels"]
BACKWARD_CHECKS = [name for name in LAYER_CHECKS if name not in FORWARD_CHECKS]
GRAD_Z_CHECKS = ["backward_grad_z", "backward_numerically"]
GRAD_ALPHA_CHECKS = ["grad_alpha_scalar", "grad_alpha_channels", "backward_numerically"]
NUMERICAL_GRAD_Z = "grad_z from PReLU.backward, compared with the numerical gradient"
NUMERICAL_GRAD_ALPHA = "grad_alpha from PReLU.backward, compared with the numerical gradient"

WRONG_LAYERS = [
    # (id, answer, {check: the hint its failure names}); every other check passes
    ("forward-is-relu", ForwardIsRelu, dict.fromkeys(FORWARD_CHECKS, "that is ReLU")),
    ("alpha-on-positive-side", AlphaOnPositiveSide,
     dict.fromkeys(FORWARD_CHECKS, "alpha multiplies the positive side")),
    ("fixed-slope", FixedSlope, dict.fromkeys(FORWARD_CHECKS, "fixed slope")),
    ("default-alpha-0.01", DefaultAlphaOf001,
     {"forward_scalar": "with a scalar default alpha"}),
    ("forward-in-place", ForwardInPlace,
     {"forward_scalar": "changed the array", "forward_channels": "changed the array"}),
    ("forward-forgets-return", ForwardWithoutReturn,
     dict.fromkeys(FORWARD_CHECKS, "returned NoneType")),
    ("alpha-cast-to-float", AlphaAsFloat,
     {name: "raised TypeError" for name in ("forward_channels", "backward_grad_z",
                                            "grad_alpha_channels", "backward_numerically")}),
    ("grad_z-ignores-grad_output", GradZIgnoresGradOutput,
     {"backward_grad_z": "grad_z ignores grad_output",
      "backward_numerically": NUMERICAL_GRAD_Z}),
    ("grad_z-zero-on-negatives", GradZZeroOnNegatives,
     {"backward_grad_z": "grad_z is 0 where z <= 0", "backward_numerically": NUMERICAL_GRAD_Z}),
    ("grad_z-times-z", GradZTimesZ,
     {"backward_grad_z": "multiplies by z instead of the slope",
      "backward_numerically": NUMERICAL_GRAD_Z}),
    ("grad_z-slope-1-at-zero", GradZOneAtZero, {"backward_grad_z": "not z >= 0"}),
    ("grad_alpha-summed-to-a-scalar", with_grad_alpha(negative_part, channels=np.sum),
     {"grad_alpha_channels": "must have alpha's shape", "backward_numerically": "shape"}),
    ("grad_alpha-summed-over-axis-0", with_grad_alpha(
        negative_part, channels=lambda values: values.sum(axis=0)),
     {"grad_alpha_channels": "must have alpha's shape"}),
    ("grad_alpha-mean", with_grad_alpha(
        negative_part, np.mean, lambda values: values.mean(axis=tuple(range(values.ndim - 1)))),
     {"grad_alpha_scalar": "grad_alpha is a mean", "grad_alpha_channels": "grad_alpha is a mean",
      "backward_numerically": NUMERICAL_GRAD_ALPHA}),
    ("grad_alpha-without-z", with_grad_alpha(lambda z, g: np.where(z > 0, 0.0, g)),
     {name: "forgets the factor z" for name in GRAD_ALPHA_CHECKS[:2]}
     | {"backward_numerically": NUMERICAL_GRAD_ALPHA}),
    ("grad_alpha-counts-positive-z", with_grad_alpha(lambda z, g: z * g),
     {name: "also counts positive z" for name in GRAD_ALPHA_CHECKS[:2]}
     | {"backward_numerically": NUMERICAL_GRAD_ALPHA}),
    ("grad_alpha-without-grad_output", with_grad_alpha(lambda z, g: np.where(z > 0, 0.0, z)),
     {name: "forgets grad_output" for name in GRAD_ALPHA_CHECKS[:2]}
     | {"backward_numerically": NUMERICAL_GRAD_ALPHA}),
    ("backward-returns-list", BackwardReturnsList,
     dict.fromkeys(BACKWARD_CHECKS, "must return a tuple (grad_z, grad_alpha)")),
    ("backward-swapped", BackwardSwapped,
     {"backward_grad_z": "returned float", "grad_alpha_scalar": "returned shape",
      "grad_alpha_channels": "must have alpha's shape", "backward_numerically": "returned shape"}),
    ("stub", Stub, dict.fromkeys(LAYER_CHECKS, "not implemented yet")),
]


@pytest.mark.parametrize("layer, kind, hint", per_check(WRONG_LAYERS, LAYER_CHECKS))
def test_wrong_prelu_fails_only_its_checks(layer, kind, hint):
    """Does this check reject the wrong PReLU with the hint that names the mistake when
    the mistake is its concern, and accept it otherwise?"""
    assert_verdict(layer_check(kind), layer, hint)


class GradZInGradOutput(ref.PReLU):
    """Right answers, but grad_z is built in grad_output's memory, which the contract
    does not forbid (it asks only elementwise functions to leave their input alone)."""

    def backward(self, z, grad_output):
        grad_alpha = super().backward(z, grad_output)[1]
        grad_output *= np.where(z > 0, 1.0, self.alpha)
        return grad_output, grad_alpha


@pytest.mark.parametrize("kind", ["grad_alpha_scalar", "grad_alpha_channels",
                                  "backward_numerically"])
def test_backward_that_reuses_grad_output_is_judged_on_its_answers(kind):
    """Is a backward that returns the right answers, but overwrites grad_output, either
    accepted or told that it changed its input, never that its formula is wrong?"""
    try:
        layer_check(kind)(GradZInGradOutput)
    except GradingError as error:
        assert "changed the array" in str(error)


def test_every_graded_part_has_three_wrong_answers():
    """Does the catalogue hold at least three wrong answers for the numerical gradient
    and for every check of PReLU?"""
    counts = {kind: sum(1 for _, _, verdicts in WRONG_LAYERS if kind in verdicts)
              for kind in LAYER_CHECKS}
    counts["numerical_gradient"] = len(WRONG_GRADIENTS)
    assert min(counts.values()) >= 3, counts


# ---- what a failure message reveals, and replaying it ---------------------------------
def spy_gradient(record, offset):
    def answer(f, x, eps=1e-6):
        expected = ref.numerical_gradient(f, x, eps)
        record.add([x, eps], [expected])
        return expected + offset
    return answer


def spy_layer(record, offset):
    class Layer(ref.PReLU):
        def __init__(self, alpha=0.25):
            record.add([alpha], [])
            super().__init__(alpha)

        def forward(self, z):
            expected = super().forward(z)
            record.add([z], [expected])
            return expected + offset

        def backward(self, z, grad_output):
            grad_z, grad_alpha = super().backward(z, grad_output)
            record.add([z, grad_output], [grad_z, grad_alpha])
            return grad_z + offset, grad_alpha + offset
    return Layer


SPIED = [pytest.param(gradient_check("values"), spy_gradient, id="numerical_gradient")]
SPIED += [pytest.param(layer_check(kind), spy_layer, id=kind) for kind in LAYER_CHECKS]


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_message_shows_one_example_at_most(check_fn, spy, grader_seed):
    """Does a failure message show the hidden inputs of one entry at most (with its right
    value), and end with the seed that replays it?"""
    record = Record()
    message = failure_message(check_fn, spy(record, 1000.0))
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
