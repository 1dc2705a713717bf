"""A catalogue of wrong answers students write, none of them used by the other grader
tests, fifteen or more per assignment. Each must fail with a message that says what is
wrong: the mistake named, or where the answer differs and how, or what a crash or a
warning means; never only "is wrong on k of n entries" and an example.

`says` is a phrase of the message that a student can act on.
"""
import re

import numpy as np
import pytest
from scipy import stats

from graders.a1_activations import activations as A, prelu as P
from graders.a2_nonlinearity import linear_collapse as L, xor as X
from graders.a3_training import dying_relu as D, initialisation as I, sigmoid_vs_relu as S
from solutions.a1_activations import activations as ref1, prelu as prelu_ref
from solutions.a2_nonlinearity import linear_collapse as collapse_ref, xor as xor_ref
from solutions.a3_training import dying_relu as dying_ref, sigmoid_vs_relu as moons_ref
from tests.graders.verdicts import failure_message
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

SELU_LAMBDA, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


def f(z):
    return np.asarray(z, dtype=float)


# ---- a1_activations -------------------------------------------------------------------
class AlphaOnFirstAxis(prelu_ref.PReLU):
    def forward(self, z):
        z, alpha = f(z), np.asarray(self.alpha, dtype=float)
        if alpha.ndim and z.ndim:
            alpha = alpha.reshape(-1, *([1] * (z.ndim - 1)))
        return np.where(z > 0, z, alpha * z)


class GradZSlopeOneAtKink(prelu_ref.PReLU):
    def backward(self, z, grad_output):
        grad_z, grad_alpha = super().backward(z, grad_output)
        return np.where(f(z) >= 0, grad_output, grad_z), grad_alpha


class GradAlphaFirstAxisOnly(prelu_ref.PReLU):
    def backward(self, z, grad_output):
        z = f(z)
        grad_z, grad_alpha = super().backward(z, grad_output)
        if np.ndim(self.alpha):
            grad_alpha = np.sum(np.where(z > 0, 0.0, z) * grad_output, axis=0)
        return grad_z, grad_alpha


class GradAlphaUnmasked(prelu_ref.PReLU):
    def backward(self, z, grad_output):
        z = f(z)
        grad_z, _ = super().backward(z, grad_output)
        products = z * grad_output
        if np.ndim(self.alpha) == 0:
            return grad_z, float(products.sum())
        return grad_z, products.reshape(-1, z.shape[-1]).sum(axis=0)


def gradient_all_entries_at_once(fn, x, eps=1e-6):
    x = f(x)
    return np.full(x.shape, (fn(x + eps) - fn(x - eps)) / (2 * eps))


def gradient_relative_step(fn, x, eps=1e-6):
    x = f(x)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps * max(1.0, abs(x.flat[i]))
        grad.flat[i] = (fn(x + step) - fn(x - step)) / (2 * eps)  # divided by eps, not the step
    return grad


def softmax_over_max(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.max(axis, keepdims=True)


def softmax_shift_by_mean(z, axis=-1):
    e = np.exp(z - z.mean(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


A1 = [
    pytest.param(A.check_sigmoid_derivative_values, lambda z: ref1.sigmoid(z) * (1 + ref1.sigmoid(z)),
                 "the second factor is 1 − σ(z)", id="sigmoid_derivative-s-times-1-plus-s"),
    pytest.param(A.check_sigmoid_derivative_edge_cases,
                 lambda z: np.exp(-f(z)) / (1 + np.exp(-f(z))) ** 2,
                 "exp only ever sees -|z|", id="sigmoid_derivative-exp-over-square"),
    pytest.param(A.check_sigmoid_edge_cases, lambda z: np.exp(f(z)) / (1 + np.exp(f(z))),
                 "overflow encountered in exp", id="sigmoid-exp-over-one-plus-exp"),
    pytest.param(A.check_tanh_derivative_values, lambda z: (1 - np.tanh(z)) ** 2,
                 "(1 − tanh(z))²", id="tanh_derivative-bracket-squared"),
    pytest.param(A.check_relu_values, lambda z: np.maximum(f(z), 0.01 * f(z)),
                 "every entry where z < 0 is wrong, and every other entry is right",
                 id="relu-is-leaky"),
    pytest.param(A.check_relu_derivative_values, lambda z: np.sign(f(z)),
                 "every entry where z < 0 is wrong", id="relu_derivative-sign"),
    pytest.param(A.check_leaky_relu_values,
                 lambda z, alpha=0.01: np.where(f(z) > 0, f(z), alpha),
                 "alpha (a constant)", id="leaky_relu-alpha-below-0"),
    pytest.param(A.check_leaky_relu_derivative_values,
                 lambda z, alpha=0.01: np.where(f(z) > 0, 1.0, -alpha),
                 "opposite sign", id="leaky_relu_derivative-minus-alpha"),
    pytest.param(A.check_softplus_values, lambda z: np.log1p(np.exp(-np.abs(f(z)))),
                 "every entry where z > 0 is wrong", id="softplus-forgets-max-term"),
    pytest.param(A.check_softplus_edge_cases,
                 lambda z: np.maximum(f(z), 0) + np.log1p(np.exp(-f(z))),
                 "overflow encountered in exp", id="softplus-log1p-exp-minus-z"),
    pytest.param(A.check_softmax_values, softmax_over_max, "divide by the sum",
                 id="softmax-divides-by-max"),
    pytest.param(A.check_softmax_edge_cases, softmax_shift_by_mean,
                 "Subtract the maximum along `axis`", id="softmax-shift-by-mean"),
    pytest.param(A.check_gelu_values, lambda z: f(z) * stats.norm.pdf(z),
                 "density φ(z)", id="gelu-density-for-cdf"),
    pytest.param(A.check_selu_values, lambda z: SELU_LAMBDA * np.where(
        f(z) > 0, f(z), -SELU_ALPHA * np.expm1(np.minimum(f(z), 0))),
        "every entry where z < 0 is wrong", id="selu-one-minus-exp"),
    pytest.param(P.check_prelu_forward_channels, AlphaOnFirstAxis,
                 ("shapes do not line up", "along the last axis"),
                 id="prelu-alpha-on-first-axis"),
    pytest.param(P.check_prelu_backward_grad_z, GradZSlopeOneAtKink, "at z = 0 the slope",
                 id="prelu-grad_z-slope-1-at-kink"),
    pytest.param(P.check_prelu_grad_alpha_channels, GradAlphaFirstAxisOnly,
                 "summed over every axis but the last", id="prelu-grad_alpha-first-axis-only"),
    pytest.param(P.check_prelu_grad_alpha_scalar, GradAlphaUnmasked,
                 "only positions with z <= 0", id="prelu-grad_alpha-unmasked"),
    pytest.param(P.check_numerical_gradient_values, gradient_all_entries_at_once,
                 "moves every entry of x at once", id="numerical_gradient-all-at-once"),
    pytest.param(P.check_numerical_gradient_values, gradient_relative_step, "only at positions",
                 id="numerical_gradient-relative-step"),
]


# ---- a2_nonlinearity ------------------------------------------------------------------
def stack_identity_on_the_right(layers):
    W, b = np.eye(f(layers[0][0]).shape[1]), np.zeros(f(layers[0][0]).shape[1])
    for W_next, b_next in layers:
        W = W @ f(W_next)
        b = f(W_next) @ b + b_next
    return W, b


def stack_bias_through_running_product(layers):
    W, b_first = f(layers[0][0]), f(layers[0][1])
    b = b_first
    for W_next, b_next in layers[1:]:
        W = f(W_next) @ W
        b = W @ b_first + b_next
    return W, b


def fit_y_as_a_column(X_data, y):
    design = np.column_stack([X_data, np.ones(len(X_data))])
    coefficients = np.linalg.lstsq(design, np.reshape(y, (-1, 1)), rcond=None)[0]
    return coefficients[:-1], float(coefficients[-1, 0])


def fit_centres_y_only(X_data, y):
    return np.linalg.lstsq(X_data, y - y.mean(), rcond=None)[0], float(np.mean(y))


def fit_ridge(X_data, y):
    design = np.column_stack([X_data, np.ones(len(X_data))])
    coefficients = np.linalg.solve(design.T @ design + np.eye(design.shape[1]), design.T @ y)
    return coefficients[:-1], float(coefficients[-1])


def xor_weights(check, W1=xor_ref.W1, b1=xor_ref.b1, W2=xor_ref.W2, b2=xor_ref.b2):
    """The XOR checks take the four variables; the reference's, with some replaced."""
    return lambda answer: check(W1, b1, W2, b2)


A2 = [
    pytest.param(L.check_collapse_linear_weights, lambda W1, b1, W2, b2: (
        (W2 @ W1).astype(np.float32), W2 @ b1 + b2), "dtype float32", id="collapse-float32"),
    pytest.param(L.check_collapse_linear_bias, lambda W1, b1, W2, b2: (
        W2 @ W1, W2 @ (b1 + b2)), "multiplies b2 by W2", id="collapse-adds-b2-before-W2"),
    pytest.param(L.check_collapse_linear_bias, lambda W1, b1, W2, b2: (
        W2 @ W1, (W2 @ b1 + b2)[:, None]), "returned shape", id="collapse-column-bias"),
    pytest.param(L.check_collapse_linear_weights, lambda W1, b1, W2, b2: (
        np.dot(W1.T, W2.T), W2 @ b1 + b2), ("is transposed", "returned shape"),
        id="collapse-dot-of-transposes"),
    pytest.param(L.check_collapse_linear_bias, lambda W1, b1, W2, b2: (
        W2 @ W1, W2 @ b1 - b2), "it subtracts b2", id="collapse-subtracts-b2"),
    pytest.param(L.check_collapse_stack_values, stack_identity_on_the_right,
                 ("last to first", "inner sizes differ"), id="stack-identity-on-the-right"),
    pytest.param(L.check_collapse_stack_values, stack_bias_through_running_product,
                 "leaves out the biases in between", id="stack-bias-through-running-product"),
    pytest.param(L.check_collapse_stack_values, lambda layers: tuple(
        part.tolist() for part in collapse_ref.collapse_stack(layers)), "returned list",
        id="stack-returns-lists"),
    pytest.param(X.check_fit_affine_values, fit_y_as_a_column, "returned shape",
                 id="fit-y-as-a-column"),
    pytest.param(X.check_fit_affine_values, fit_centres_y_only, "centres y but not X",
                 id="fit-centres-y-only"),
    pytest.param(X.check_fit_affine_values, fit_ridge, "the least-squares minimum",
                 id="fit-ridge-penalty"),
    pytest.param(X.check_count_correct, lambda X_data, y, w, c: 100 * np.mean(
        (X_data @ w + c > 0.5) == (y == 1)), "percentage", id="count-percentage"),
    pytest.param(X.check_count_correct, lambda X_data, y, w, c: int(np.sum(
        (X_data.T @ w + c > 0.5) == y)), "inner sizes differ", id="count-X-transposed"),
    pytest.param(X.check_count_correct, lambda X_data, y, w, c: int(np.sum(
        np.round(X_data @ w + c) == y)), "rounds the score", id="count-rounds-the-score"),
    pytest.param(xor_weights(X.check_xor_outputs, W2=np.array([[1.0, -1.0]])), None,
                 "it computes OR", id="xor-subtracts-the-and-unit-once"),
    pytest.param(xor_weights(X.check_xor_shapes, b1=xor_ref.b1[:, None]), None,
                 "b1 has shape (2, 1)", id="xor-b1-a-column"),
    pytest.param(xor_weights(X.check_xor_outputs, b2=np.array([0.5])), None,
                 "off by +0.5", id="xor-output-shifted-by-half"),
    pytest.param(xor_weights(X.check_xor_outputs, W2=2 * xor_ref.W2), None,
                 "2 times the right value", id="xor-output-doubled"),
    pytest.param(xor_weights(X.check_xor_outputs, b1=np.array([0.0, -0.5])), None,
                 "off by -1", id="xor-second-unit-threshold-at-half"),
]


# ---- a3_training ----------------------------------------------------------------------
def with_config(**changes):
    return lambda: {**dying_ref.DYING_CONFIG, **changes}


def backward_capitalised_name(z, grad_output, activation):
    if activation == "Sigmoid":
        s = moons_ref.sigmoid(z)
        return grad_output * s * (1 - s)
    return grad_output * (z > 0)


def step_keeps_the_biases(layers, X_data, y, activation, learning_rate):
    new, loss = moons_ref.train_step(layers, X_data, y, activation, learning_rate)
    return [(W, b) for (W, _), (_, b) in zip(new, layers)], loss


def step_with_weight_decay(layers, X_data, y, activation, learning_rate):
    new, loss = moons_ref.train_step(layers, X_data, y, activation, learning_rate)
    return [(W_new - learning_rate * 0.01 * W, b)
            for (W_new, b), (W, _) in zip(new, layers)], loss


def step_returns_accuracy(layers, X_data, y, activation, learning_rate):
    new, _ = moons_ref.train_step(layers, X_data, y, activation, learning_rate)
    logits, _ = moons_ref.forward(layers, X_data,
                                  lambda z: moons_ref.hidden_activation(z, activation))
    return new, moons_ref.accuracy(logits, y)


A3 = [
    pytest.param(D.check_dead_neuron_fraction_values, lambda Z: float(np.mean(
        Z.mean(axis=0) <= 0)), "mean pre-activation", id="dead-mean-pre-activation"),
    pytest.param(D.check_dead_neuron_fraction_values, lambda Z: float(np.sum(
        np.all(Z <= 0, axis=0)) / Z.shape[0]), ("by the number of samples", "wrong axis"),
        id="dead-divides-by-samples"),
    pytest.param(D.check_dead_neuron_fraction_values, lambda Z: np.all(Z <= 0, axis=0),
                 "returned shape", id="dead-per-unit-booleans"),
    pytest.param(D.check_fixed_config, with_config(weight_gain=20.0),
                 "dead before training began", id="fix-gain-raised-biases-far-below"),
    pytest.param(D.check_fixed_config, lambda: tuple(
        {**dying_ref.DYING_CONFIG, "initial_bias": 0.0}.values()), "returned tuple",
        id="fix-values-as-a-tuple"),
    pytest.param(D.check_fixed_config, with_config(leak=1.0), "only the leak changed",
                 id="fix-linear-activation"),
    pytest.param(D.check_fixed_config, with_config(initial_bias=0.0, weight_gain=1e-4),
                 ("did not learn the two moons", "died during training"), id="fix-tiny-weights"),
    pytest.param(I.check_he_init_statistics, lambda fan_in, fan_out, rng: rng.normal(
        0, np.sqrt(2 / (fan_in * fan_out)), size=(fan_out, fan_in)),
        "times the variance 2/fan_in", id="he-variance-over-fan-product"),
    pytest.param(I.check_he_init_statistics, lambda fan_in, fan_out, rng: rng.laplace(
        0, np.sqrt(1 / fan_in), size=(fan_out, fan_in)), "not normally distributed",
        id="he-laplace"),
    pytest.param(I.check_he_init_shape, lambda fan_in, fan_out, rng: rng.normal(
        0, np.sqrt(2 / fan_in), size=fan_in * fan_out).reshape(fan_in, fan_out),
        "transposed", id="he-reshaped-the-wrong-way"),
    pytest.param(I.check_he_init_statistics, lambda fan_in, fan_out, rng: rng.normal(
        0.1, np.sqrt(2 / fan_in), size=(fan_out, fan_in)), "not centred on 0",
        id="he-mean-shifted"),
    pytest.param(S.check_activation_backward_sigmoid, lambda z, g, activation: g * (
        1 - moons_ref.sigmoid(z)), "1 − σ(z) alone", id="backward-one-minus-s-only"),
    pytest.param(S.check_activation_backward_relu, lambda z, g, activation: g * np.maximum(
        z, 0), "by relu(z)", id="backward-relu-times-z"),
    pytest.param(S.check_activation_backward_sigmoid, backward_capitalised_name,
                 "ReLU's slope for the sigmoid", id="backward-capitalised-name"),
    pytest.param(S.check_train_step_gradient, step_keeps_the_biases, "there it returns 0",
                 id="step-keeps-the-biases"),
    pytest.param(S.check_train_step_gradient, step_with_weight_decay, "weight decay",
                 id="step-weight-decay"),
    pytest.param(S.check_train_step_loss, step_returns_accuracy, "the accuracy",
                 id="step-returns-accuracy"),
]

CATALOGUE = {"a1_activations": A1, "a2_nonlinearity": A2, "a3_training": A3}

# "is wrong on k of n entries" and an example, with nothing said about where or why
GENERIC = re.compile(r".* is wrong( on \d+ of \d+ entries)?\. (For example at .*: expected "
                     r"\S+, got \S+|It gave \S+ where \S+ is right)\. \(grader seed \d+\)")


def test_fifteen_or_more_per_assignment():
    assert {name: len(wrong) >= 15 for name, wrong in CATALOGUE.items()} == dict.fromkeys(
        CATALOGUE, True)


@pytest.mark.parametrize("check, answer, says", A1 + A2 + A3)
def test_every_wrong_answer_is_told_what_is_wrong(check, answer, says):
    message = failure_message(check, answer)
    assert any(phrase in message for phrase in (says if isinstance(says, tuple) else (says,))), \
        message
    assert not GENERIC.fullmatch(message), f"only the generic message: {message}"
    assert "Compare your formula" not in message
