"""The hidden checks of sigmoid_vs_relu.ipynb, tried on the answers students hand in.

activation_backward has a check per activation; train_step a numerical gradient check,
a check of the loss it returns and a check by training with it. Correct answers written
in other ways than the reference pass them all; each wrong answer fails the checks its
mistake concerns, with the hint that names it, and passes the others.
"""
import time

import numpy as np
import pytest
from scipy import special

from course.settings import CELL_CPU_SECONDS
from graders.a3_training import sigmoid_vs_relu as checks
from solutions.a3_training import sigmoid_vs_relu as ref
from tests.graders.verdicts import PASSES, assert_verdict

BACKWARD_KINDS = ["sigmoid", "relu"]
STEP_KINDS = ["gradient", "loss", "outcome"]
SEEDS = [pytest.param(seed, id=f"seed{seed}") for seed in (7, 2024, 31337)]


@pytest.fixture
def grader_seed(request, monkeypatch):
    """The check draws its inputs from this seed, so every run of a test sees the same."""
    seed = getattr(request, "param", 7)
    monkeypatch.setenv("GRADER_SEED", str(seed))
    return seed


def backward_check(kind):
    return getattr(checks, f"check_activation_backward_{kind}")


def step_check(kind):
    return getattr(checks, f"check_train_step_{kind}")


def per_check(table, kinds):
    """One row per (answer, check): the checks a row does not name must pass."""
    return [pytest.param(answer, kind, verdicts.get(kind, PASSES), id=f"{row_id}-{kind}")
            for row_id, answer, verdicts in table for kind in kinds]


def stub(*args):
    raise NotImplementedError()


def slope(z, activation):
    """The activation's slope, written independently of the reference."""
    if activation == "sigmoid":
        return special.expit(z) * special.expit(-z)
    return np.heaviside(z, 0.0)


def printing(fn):
    def answer(*args):
        print("called with", len(args), "arguments")
        return fn(*args)
    return answer


# ---- activation_backward --------------------------------------------------------------
def backward_exp_abs(z, grad_output, activation):
    if activation == "relu":
        return np.where(z > 0, grad_output, 0.0)
    e = np.exp(-np.abs(z))  # σ′(z) = e^-|z| / (1 + e^-|z|)², symmetric in z
    return grad_output * e / (1 + e) ** 2


def backward_masks(z, grad_output, activation):
    grad_z = np.array(grad_output, dtype=float)
    if activation == "relu":
        grad_z[z <= 0] = 0.0
    else:
        s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
        grad_z *= s - s ** 2
    return grad_z


CORRECT_BACKWARD = [
    pytest.param(ref.activation_backward, id="reference"),
    pytest.param(lambda z, g, activation: g * slope(z, activation), id="expit-and-heaviside"),
    pytest.param(backward_exp_abs, id="exp-of-minus-abs"),
    pytest.param(backward_masks, id="masks-on-a-copy"),
    pytest.param(printing(ref.activation_backward), id="prints"),
]


@pytest.mark.parametrize("grader_seed", SEEDS, indirect=True)
@pytest.mark.parametrize("kind", BACKWARD_KINDS)
@pytest.mark.parametrize("answer", CORRECT_BACKWARD)
def test_correct_activation_backward_passes(answer, kind, grader_seed):
    """Does this correct activation_backward pass the check?"""
    assert backward_check(kind)(answer) is None


def for_sigmoid(wrong):
    """An answer right for relu and wrong, as `wrong(z, g)`, for the sigmoid."""
    return lambda z, g, activation: (wrong(z, g) if activation == "sigmoid"
                                     else ref.activation_backward(z, g, activation))


def for_relu(wrong):
    """An answer right for the sigmoid and wrong, as `wrong(z, g)`, for relu."""
    return lambda z, g, activation: (wrong(z, g) if activation == "relu"
                                     else ref.activation_backward(z, g, activation))


def sigmoid_slope(z):
    return special.expit(z) * special.expit(-z)


def multiplies_in_place(z, grad_output, activation):
    grad_output *= slope(z, activation)
    return grad_output


WRONG_BACKWARD = [
    # (id, answer, {check: hint}); a check not named must accept the answer
    ("sigmoid-slope-only", for_sigmoid(lambda z, g: sigmoid_slope(z)),
     {"sigmoid": "without multiplying by grad_output"}),
    ("sigmoid-s-times-1-minus-z", for_sigmoid(lambda z, g: g * special.expit(z) * (1 - z)),
     {"sigmoid": "σ(z)·(1 − z)"}),
    ("sigmoid-z-times-1-minus-z", for_sigmoid(lambda z, g: g * z * (1 - z)),
     {"sigmoid": "expects a = σ(z)"}),
    ("sigmoid-itself", for_sigmoid(lambda z, g: g * special.expit(z)),
     {"sigmoid": "σ(z) itself"}),
    ("sigmoid-slope-of-the-activation",
     for_sigmoid(lambda z, g: g * sigmoid_slope(special.expit(z))),
     {"sigmoid": "applies σ′ to σ(z)"}),
    ("relu-greater-or-equal", for_relu(lambda z, g: g * (z >= 0)), {"relu": "not z >= 0"}),
    ("relu-slope-only", for_relu(lambda z, g: (z > 0).astype(float)),
     {"relu": "without multiplying by grad_output"}),
    ("relu-times-relu", for_relu(lambda z, g: g * np.maximum(z, 0)),
     {"relu": "relu(z), not by the slope"}),
    ("relu-of-the-gradient", for_relu(lambda z, g: np.maximum(g, 0)),
     {"relu": "applies ReLU to the gradient"}),
    ("branches-swapped", lambda z, g, activation: ref.activation_backward(
        z, g, "relu" if activation == "sigmoid" else "sigmoid"),
     {"sigmoid": "ReLU's slope", "relu": "the sigmoid's slope"}),
    ("multiplies-in-place", multiplies_in_place,
     dict.fromkeys(BACKWARD_KINDS, "changed the array")),
    ("stub", stub, dict.fromkeys(BACKWARD_KINDS, "not implemented yet")),
]


@pytest.mark.parametrize("grader_seed", SEEDS, indirect=True)
@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG_BACKWARD, BACKWARD_KINDS))
def test_wrong_activation_backward_fails_only_its_checks(answer, kind, hint, grader_seed):
    """Does this check reject the wrong activation_backward with the hint that names the
    mistake when the mistake is its concern, and accept it otherwise?"""
    assert_verdict(backward_check(kind), answer, hint)


# ---- train_step -----------------------------------------------------------------------
def hidden(activation):
    return lambda z: ref.hidden_activation(z, activation)


def step_by_hand(layers, X, y, activation, learning_rate):
    """Backpropagation written out for three layers, without `backward`."""
    (W1, b1), (W2, b2), (W3, b3) = layers
    z1 = X @ W1.T + b1
    a1 = ref.hidden_activation(z1, activation)
    z2 = a1 @ W2.T + b2
    a2 = ref.hidden_activation(z2, activation)
    logits = (a2 @ W3.T + b3)[:, 0]
    p = special.expit(logits)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    delta3 = ((p - y) / len(y))[:, None]
    delta2 = (delta3 @ W3) * slope(z2, activation)
    delta1 = (delta2 @ W2) * slope(z1, activation)
    grads = [(delta1.T @ X, delta1.sum(0)), (delta2.T @ a1, delta2.sum(0)),
             (delta3.T @ a2, delta3.sum(0))]
    return [(W - learning_rate * dW, b - learning_rate * db)
            for (W, b), (dW, db) in zip(layers, grads)], loss


def step_in_place(layers, X, y, activation, learning_rate):
    """Updates the arrays it was given, as `W -= learning_rate * dW`."""
    logits, cache = ref.forward(layers, X, hidden(activation))
    loss = ref.binary_cross_entropy(logits, y)
    grads = ref.backward(layers, cache, (special.expit(logits) - y) / len(y),
                         lambda z, g: g * slope(z, activation))
    for (W, b), (dW, db) in zip(layers, grads):
        W -= learning_rate * dW
        b -= learning_rate * db
    return layers, loss


def step_per_sample(layers, X, y, activation, learning_rate):
    """Backpropagation one sample at a time in a Python loop, the gradients averaged:
    correct, and about 40 times slower than whole-array NumPy."""
    grads = [[np.zeros_like(W), np.zeros_like(b)] for W, b in layers]
    total_loss = 0.0
    for x, target in zip(X, y):
        a, inputs, pre_activations = x, [], []
        for index, (W, b) in enumerate(layers):
            inputs.append(a)
            z = W @ a + b
            pre_activations.append(z)
            a = ref.hidden_activation(z, activation) if index < len(layers) - 1 else z
        logit = a[0]
        total_loss += np.logaddexp(0.0, logit) - target * logit
        delta = np.array([special.expit(logit) - target])
        for index in reversed(range(len(layers))):
            grads[index][0] += np.outer(delta, inputs[index]) / len(y)
            grads[index][1] += delta / len(y)
            if index:
                delta = (layers[index][0].T @ delta) * slope(pre_activations[index - 1],
                                                             activation)
    return [(W - learning_rate * dW, b - learning_rate * db)
            for (W, b), (dW, db) in zip(layers, grads)], total_loss / len(y)


def step_with(grad_logits_of=None, update=None, loss_of=None, hidden_backward=None,
              returns=None):
    """The reference step with one piece replaced."""
    def step(layers, X, y, activation, learning_rate):
        logits, cache = ref.forward(layers, X, hidden(activation))
        loss = ref.binary_cross_entropy(logits, y)
        grad_logits = (grad_logits_of or (lambda p, l, y: (p - y) / len(y)))(
            special.expit(logits), logits, y)
        backward_pass = hidden_backward or (lambda z, g, a: g * slope(z, a))
        grads = ref.backward(layers, cache, grad_logits,
                             lambda z, g: backward_pass(z, g, activation))
        step_of = update or (lambda parameter, gradient, lr: parameter - lr * gradient)
        new_layers = [(step_of(W, dW, learning_rate), step_of(b, db, learning_rate))
                      for (W, b), (dW, db) in zip(layers, grads)]
        if loss_of:
            loss = loss_of(layers, new_layers, X, y, activation, loss)
        return returns(new_layers, loss) if returns else (new_layers, loss)
    return step


def loss_after(layers, new_layers, X, y, activation, loss):
    return ref.binary_cross_entropy(ref.forward(new_layers, X, hidden(activation))[0], y)


CORRECT_STEPS = [
    pytest.param(ref.train_step, id="reference"),
    pytest.param(step_by_hand, id="backprop-by-hand-log-loss"),
    pytest.param(step_in_place, id="updates-in-place"),
    pytest.param(step_with(returns=lambda new, loss: ([[W, b] for W, b in new], loss)),
                 id="layers-as-lists"),
    pytest.param(printing(ref.train_step), id="prints"),
]


@pytest.mark.parametrize("grader_seed", SEEDS[:2], indirect=True)
@pytest.mark.parametrize("kind", ["gradient", "loss"])
@pytest.mark.parametrize("answer", CORRECT_STEPS)
def test_correct_train_step_passes(answer, kind, grader_seed):
    """Does this correct train_step pass the gradient and loss checks?"""
    assert step_check(kind)(answer) is None


@pytest.mark.parametrize("answer", CORRECT_STEPS[1:3])
def test_correct_train_step_trains(answer, grader_seed):
    """Does a correct train_step written another way pass the check by training?"""
    assert step_check("outcome")(answer) is None


def test_a_slow_correct_train_step_passes_within_the_cell_limit(grader_seed):
    """Does a correct step that loops over the samples pass each of the three checks
    within the CPU time a test cell may use at grading time (each check is a cell)?
    This is the grading condition itself, not a speed target: CPU time does not grow on
    a busy machine."""
    for kind in STEP_KINDS:
        started = time.process_time()
        assert step_check(kind)(step_per_sample) is None
        assert time.process_time() - started < CELL_CPU_SECONDS, kind


WRONG_STEPS = [
    # (id, answer, {check: hint}); a check not named must accept the answer
    ("summed-loss-gradient", step_with(grad_logits_of=lambda p, l, y: p - y),
     {"gradient": "n times too large", "outcome": "ends clearly better"}),
    ("gradient-ascent", step_with(update=lambda p, d, lr: p + lr * d),
     {"gradient": "climbs the loss", "outcome": ("ends clearly better", "diverged")}),
    ("fixed-step", step_with(update=lambda p, d, lr: p - 0.1 * d),
     {"gradient": "a step of 0.1"}),
    ("no-learning-rate", step_with(update=lambda p, d, lr: p - d),
     {"gradient": "the whole gradient"}),
    ("logit-minus-y", step_with(grad_logits_of=lambda p, l, y: (l - y) / len(y)),
     {"gradient": "misses the sigmoid", "outcome": "ends clearly better"}),
    ("squared-error-chain",
     step_with(grad_logits_of=lambda p, l, y: (p - y) * p * (1 - p) / len(y)),
     {"gradient": "extra factor σ′", "outcome": "ends clearly better"}),
    ("mean-twice", step_with(grad_logits_of=lambda p, l, y: (p - y) / len(y) ** 2),
     {"gradient": "divides by n twice", "outcome": "ends clearly better"}),
    ("hidden-slope-without-gradient", step_with(
        hidden_backward=lambda z, g, a: slope(z, a)),
     {"gradient": "(activation_backward) is wrong", "outcome": "ends clearly better"}),
    ("loss-after-the-step", step_with(loss_of=loss_after), {"loss": "loss after the step"}),
    ("summed-loss", step_with(loss_of=lambda layers, new, X, y, a, loss: len(y) * loss),
     {"loss": "summed loss"}),
    ("returns-layers-only", step_with(returns=lambda new, loss: new),
     {"gradient": "must return a tuple", "loss": "must return a tuple",
      "outcome": "raised ValueError"}),
    ("returns-loss-first", step_with(returns=lambda new, loss: (loss, new)),
     {"gradient": "must return new_layers", "loss": "must return new_layers",
      "outcome": "raised TypeError"}),
    ("stub", stub, dict.fromkeys(STEP_KINDS, "not implemented yet")),
]


@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG_STEPS, STEP_KINDS))
def test_wrong_train_step_fails_only_its_checks(answer, kind, hint, grader_seed):
    """Does this check reject the wrong train_step with the hint that names the mistake
    when the mistake is its concern, and accept it otherwise?"""
    assert_verdict(step_check(kind), answer, hint)


def test_every_check_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for every check?"""
    counts = {kind: sum(1 for row_id, _, verdicts in WRONG_BACKWARD if kind in verdicts
                        and row_id != "stub") for kind in BACKWARD_KINDS}
    counts.update({kind: sum(1 for row_id, _, verdicts in WRONG_STEPS if kind in verdicts
                             and row_id != "stub") for kind in STEP_KINDS})
    assert min(counts.values()) >= 3, counts


def test_reference_passes_the_gradient_check_on_many_seeds(monkeypatch):
    """Over 30 grading seeds (fresh networks and batches), does the reference never
    fail the numerical gradient check?"""
    for seed in range(30):
        monkeypatch.setenv("GRADER_SEED", str(40_000 + seed))
        checks.check_train_step_gradient(ref.train_step)
