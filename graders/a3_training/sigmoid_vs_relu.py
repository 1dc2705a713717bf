"""Hidden checks of a3_training/sigmoid_vs_relu.ipynb: the backward pass of the hidden
activations, the training step, and training with it.

- `check_activation_backward_sigmoid` / `_relu`: dL/dz on random pre-activations and
  incoming gradients of the hidden layers' shapes (z = 0 exactly included for ReLU),
  equal to the reference at the contract's tolerance.
- `check_train_step_gradient`: the update train_step makes, divided by the learning
  rate, is the gradient of the mean cross-entropy: it is compared, layer by layer from
  the output down, with the numerical (central-difference) gradient of the loss, for
  both activations, on a random 2-8-8-1 network and batch. For ReLU, the batch is drawn
  so that no pre-activation lies within 1e-4 of the kink, where a finite difference
  straddles it.
- `check_train_step_loss`: the loss returned is that of the layers before the step.
- `check_train_step_outcome`: trained by train_step in the errata's setting (3000
  epochs at learning rate 0.1) on fresh two moons, each network ends with a training
  loss at most LOSS_SLACK above, and an accuracy at most ACCURACY_SLACK below, what the
  reference step reaches from the same data and initial weights. A working step follows
  the reference's path up to rounding, so it passes; fixed thresholds would not do: over
  1000 fresh seeds the reference itself ends anywhere between loss 0.008 and 0.26 with
  ReLU (0.22 and 0.37 with the sigmoid).
"""
import numpy as np

from graders.compare import Grading, KnownMistake, Mistake
from graders.describe import kind_of
from solutions.a1_activations.prelu import numerical_gradient
from solutions.a3_training import sigmoid_vs_relu as ref

ACTIVATIONS = ("sigmoid", "relu")
N_GRADIENT_SAMPLES = 24
KINK_MARGIN = 1e-4  # ReLU pre-activations kept this far from 0 for the numerical gradient
# the outcome check trains each network this long from the start a working step gets,
# and asks the step to end within the slack of the working step's result. 300 epochs
# decide it: on 40 grading seeds every wrong step of the tests ends clearly worse and
# every correct one passes; a correct step that loops over the samples in Python takes
# about 5 CPU-s of the cell's limit (3000 epochs took 50).
OUTCOME_EPOCHS, OUTCOME_LEARNING_RATE = 300, 0.1
LOSS_SLACK, ACCURACY_SLACK = 0.05, 0.03


def _sigmoid_slope(z):
    s = ref.sigmoid(z)
    return s * (1 - s)


# ---- activation_backward --------------------------------------------------------------
SIGMOID_MISTAKES = [
    Mistake("it returns σ′(z) without multiplying by grad_output: by the chain rule "
            "dL/dz = dL/da · σ′(z).", lambda z, g: _sigmoid_slope(z)),
    Mistake("it multiplies by σ(z)·(1 − z): σ′(z) = σ(z)·(1 − σ(z)), with σ(z) in "
            "both factors.", lambda z, g: g * ref.sigmoid(z) * (1 - z)),
    Mistake("it multiplies by z·(1 − z): that formula expects a = σ(z), but "
            "activation_backward receives the pre-activation z. Use σ(z)·(1 − σ(z)).",
            lambda z, g: g * z * (1 - z)),
    Mistake("it multiplies by σ(z) itself; the slope is σ(z)·(1 − σ(z)).",
            lambda z, g: g * ref.sigmoid(z)),
    Mistake("it applies σ′ to σ(z): σ′ is evaluated at the pre-activation z itself.",
            lambda z, g: g * _sigmoid_slope(ref.sigmoid(z))),
    Mistake("it uses ReLU's slope for the sigmoid activation.",
            lambda z, g: g * (z > 0)),
    Mistake("it multiplies by 1 − σ(z) alone: σ′(z) = σ(z)·(1 − σ(z)), both factors.",
            lambda z, g: g * (1 - ref.sigmoid(z))),
]

RELU_MISTAKES = [
    Mistake("at z = 0 the slope is 0 (relu′(0) = 0, the convention of the course): use "
            "z > 0, not z >= 0.", lambda z, g: g * (z >= 0)),
    Mistake("it returns the slope (z > 0) without multiplying by grad_output: by the "
            "chain rule dL/dz = dL/da · relu′(z).", lambda z, g: (z > 0).astype(float)),
    Mistake("it multiplies grad_output by relu(z), not by the slope relu′(z) (1 where "
            "z > 0, else 0).", lambda z, g: g * np.maximum(z, 0)),
    Mistake("it applies ReLU to the gradient: the mask comes from z, "
            "grad_output · (z > 0).", lambda z, g: np.maximum(g, 0)),
    Mistake("it uses the sigmoid's slope for the relu activation.",
            lambda z, g: g * _sigmoid_slope(z)),
]


def _check_activation_backward(activation_backward, activation, mistakes, with_zeros):
    grading = Grading(f'activation_backward(z, grad_output, "{activation}")')
    rng = grading.rng
    for z in grading.random_inputs(scale=4.0)[:3]:  # 3-D, 2-D and 1-D
        if with_zeros:
            z.flat[rng.choice(z.size, size=max(1, z.size // 5), replace=False)] = 0.0
        grad_output = rng.normal(0, 2, size=z.shape)
        what = f'activation_backward(z, grad_output, "{activation}") for z of shape {z.shape}'
        z_before, grad_before = z.copy(), grad_output.copy()
        actual = grading.call(activation_backward, z, grad_output, activation, what=what)
        grading.assert_unchanged(z_before, z, what=what)
        grading.assert_unchanged(grad_before, grad_output, what=what)
        grading.assert_matches(actual, ref.activation_backward(z, grad_output, activation),
                               what=what, inputs=(z, grad_output), mistakes=mistakes,
                               names=("z", "grad_output"))


def check_activation_backward_sigmoid(activation_backward):
    """grad_output · σ(z)(1 − σ(z)) on batches of pre-activations of several shapes."""
    _check_activation_backward(activation_backward, "sigmoid", SIGMOID_MISTAKES, False)


def check_activation_backward_relu(activation_backward):
    """grad_output · (z > 0), with exact zeros among the pre-activations."""
    _check_activation_backward(activation_backward, "relu", RELU_MISTAKES, True)


# ---- train_step -----------------------------------------------------------------------
def _random_problem(grading, activation):
    """A random 2-8-8-1 network (biases too) and a small batch, for the gradient check;
    for ReLU, redrawn until no pre-activation is near the kink."""
    rng = grading.rng
    while True:
        layers = [(W, rng.normal(0, 0.5, size=b.shape)) for W, b in
                  ref.init_layers(ref.SIZES, ref.INIT_GAIN[activation], rng)]
        X = rng.normal(0, 1, size=(N_GRADIENT_SAMPLES, ref.SIZES[0]))
        y = rng.integers(0, 2, size=N_GRADIENT_SAMPLES).astype(float)
        _, (_, pre_activations) = ref.forward(
            layers, X, lambda z: ref.hidden_activation(z, activation))
        nearest_kink = min(np.min(np.abs(z)) for z in pre_activations[:-1])
        if activation != "relu" or nearest_kink > KINK_MARGIN:
            return layers, X, y


def _copy(layers):
    return [(W.copy(), b.copy()) for W, b in layers]


def _returned_layers(grading, result, layers, what):
    """The layers in train_step's result, checked to be (new_layers, loss) with
    new_layers shaped like `layers`."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise grading.fail(f"{what} returned {kind_of(result)}; it must return a tuple "
                           "(new_layers, loss), as in `return new_layers, loss`.")
    new_layers = result[0]
    try:
        pairs = [tuple(pair) for pair in new_layers]
    except TypeError:
        pairs = None
    if pairs is None or len(pairs) != len(layers) or any(len(pair) != 2 for pair in pairs):
        raise grading.fail(f"{what} must return new_layers as a list of {len(layers)} "
                           "(W, b) pairs, like the layers it is given.")
    for index, ((W, b), (new_W, new_b)) in enumerate(zip(layers, pairs), start=1):
        for name, old, new in ((f"W of layer {index}", W, new_W),
                               (f"b of layer {index}", b, new_b)):
            if np.shape(new) != old.shape:
                raise grading.fail(f"{what} returned {name} of shape {np.shape(new)} where "
                                   f"{old.shape} was expected: each parameter keeps its shape.")
    return [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in pairs]


def _loss_of(layers, X, y, activation):
    logits, _ = ref.forward(layers, X, lambda z: ref.hidden_activation(z, activation))
    return ref.binary_cross_entropy(logits, y)


def _numerical_gradients(layers, X, y, activation):
    """[(dW, db), ...] by central differences of the loss, one parameter at a time."""
    grads = []
    for index, (W, b) in enumerate(layers):
        def loss_of_W(value, index=index):
            changed = list(layers)
            changed[index] = (value, layers[index][1])
            return _loss_of(changed, X, y, activation)

        def loss_of_b(value, index=index):
            changed = list(layers)
            changed[index] = (layers[index][0], value)
            return _loss_of(changed, X, y, activation)
        grads.append((numerical_gradient(loss_of_W, W), numerical_gradient(loss_of_b, b)))
    return grads


def _gradients_with(grad_logits_of, hidden_backward=None):
    """The gradients a step computes when dL/dlogits is grad_logits_of(logits, y) and
    the hidden activations' backward pass is hidden_backward(z, grad_a, activation)."""
    hidden_backward = hidden_backward or ref.activation_backward

    def gradients(layers, X, y, activation):
        logits, cache = ref.forward(layers, X, lambda z: ref.hidden_activation(z, activation))
        return ref.backward(layers, cache, grad_logits_of(logits, y),
                            lambda z, g: hidden_backward(z, g, activation))
    return gradients


def _mean_loss_gradient(logits, y):
    return (ref.sigmoid(logits) - y) / len(y)


_exact = _gradients_with(_mean_loss_gradient)


def _scaled(factor_of):
    def gradients(layers, X, y, activation, learning_rate):
        factor = factor_of(len(y), learning_rate)
        return [(factor * dW, factor * db) for dW, db in _exact(layers, X, y, activation)]
    return gradients


def _without_lr(gradients):
    return lambda layers, X, y, activation, learning_rate: gradients(layers, X, y, activation)


def _with_wrong_backward(mistake):
    """Gradients through a known wrong activation_backward."""
    return _without_lr(_gradients_with(_mean_loss_gradient,
                                       lambda z, g, activation: mistake.wrong(z, g)))


# Each `wrong` gives the gradients [(dW, db), ...] that the mistaken step applies, as
# (layers - new_layers) / learning_rate.
STEP_MISTAKES = [
    Mistake("its gradients are n times too large, those of the summed loss: the loss is "
            "the mean over the batch, so dL/dlogit = (σ(logit) − y)/n.",
            _scaled(lambda n, lr: n)),
    Mistake("it climbs the loss: gradient descent subtracts learning_rate · gradient "
            "(and dL/dlogit is σ(logit) − y, not y − σ(logit)).",
            _scaled(lambda n, lr: -1.0)),
    Mistake("it ignores the learning_rate argument (a step of 0.1 whatever it is given).",
            _scaled(lambda n, lr: 0.1 / lr)),
    Mistake("it ignores the learning_rate argument (the step is the whole gradient).",
            _scaled(lambda n, lr: 1.0 / lr)),
    Mistake("it divides by n twice: dL/dlogit = (σ(logit) − y)/n already holds the mean, "
            "and backward sums over the batch.", _scaled(lambda n, lr: 1.0 / n)),
    Mistake("its dL/dlogit misses the sigmoid: it is (σ(logit) − y)/n, not (logit − y)/n.",
            _without_lr(_gradients_with(lambda logits, y: (logits - y) / len(y)))),
    Mistake("its dL/dlogit has an extra factor σ′(logit), as for a squared error: for "
            "the cross-entropy of a logit, σ′ cancels and dL/dlogit = (σ(logit) − y)/n.",
            _without_lr(_gradients_with(lambda logits, y: (ref.sigmoid(logits) - y)
                                        * _sigmoid_slope(logits) / len(y)))),
] + [
    # right at the output layer, wrong below it: the error is activation_backward's
    Mistake("the step of the output layer is right, but not those below it: the backward "
            "pass of the hidden activation (activation_backward) is wrong; its own checks "
            "above say how.", _with_wrong_backward(backward_mistake))
    for backward_mistake in SIGMOID_MISTAKES + RELU_MISTAKES
]


def _parameter_mistakes(index, part):
    """STEP_MISTAKES, each giving the gradient of one parameter."""
    return [Mistake(mistake.hint, lambda *inputs, wrong=mistake.wrong:
                    wrong(*inputs)[index][part]) for mistake in STEP_MISTAKES]


def check_train_step_gradient(train_step):
    """(layers − new_layers) / learning_rate is the numerical gradient of the loss,
    for the sigmoid and the ReLU network."""
    grading = Grading("train_step")
    for activation in ACTIVATIONS:
        layers, X, y = _random_problem(grading, activation)
        learning_rate = float(grading.rng.uniform(0.05, 0.5))
        what = f'train_step(layers, X, y, "{activation}", learning_rate)'
        result = grading.call(train_step, _copy(layers), X.copy(), y.copy(), activation,
                              learning_rate, what=what)
        new_layers = _returned_layers(grading, result, layers, what)
        numeric = _numerical_gradients(layers, X, y, activation)
        inputs = (layers, X, y, activation, learning_rate)
        # from the output layer down, so that an error of the hidden layers' backward
        # pass shows as such
        for index in reversed(range(len(layers))):
            for part, name in ((0, "W"), (1, "b")):
                implied = (layers[index][part] - new_layers[index][part]) / learning_rate
                _name_weight_decay(grading, implied, numeric[index][part], layers[index][part],
                                   name)
                # central differences are exact to ~1e-10 here; the step's rounding
                # divided by the learning rate is smaller still
                grading.assert_matches(
                    implied, numeric[index][part], rtol=1e-5, atol=1e-8,
                    what=(f"the step of {name} in layer {index + 1} of {len(layers)} that "
                          f"{what} makes, divided by the learning rate,"),
                    inputs=inputs, mistakes=_parameter_mistakes(index, part))


def _name_weight_decay(grading, implied, gradient, parameter, name):
    """A step whose gradient is the loss's plus k × the parameter adds a penalty (weight
    decay) the loss does not have: say so, with k."""
    implied, parameter = np.asarray(implied, dtype=float), np.asarray(parameter, dtype=float)
    # a bias may start constant (and the output's has one entry): any vector is then
    # "proportional" to it, so only weight matrices are tried
    if (name != "W" or parameter.size < 4 or implied.shape != parameter.shape
            or not np.all(np.isfinite(implied))):
        return  # assert_matches explains shapes and values
    extra = implied - gradient
    scale = float(np.sum(parameter * parameter))
    k = float(np.sum(extra * parameter)) / scale if scale else 0.0
    if abs(k) > 1e-6 and np.allclose(extra, k * parameter, rtol=1e-4, atol=1e-9):
        raise grading.fail(f"the step of {name} adds {k:.3g} × {name} to the loss's gradient "
                           "(weight decay, an L2 penalty), which this loss does not have: "
                           f"step by the gradient of the mean cross-entropy alone.",
                           KnownMistake)


LOSS_MISTAKES = [
    Mistake("it is the loss after the step: return the loss of the layers train_step was "
            "given, the one the forward pass computed.",
            lambda layers, X, y, activation, learning_rate: _loss_of(
                ref.train_step(layers, X, y, activation, learning_rate)[0], X, y, activation)),
    Mistake("it is the summed loss: the loss is the mean over the batch.",
            lambda layers, X, y, activation, learning_rate:
            len(y) * _loss_of(layers, X, y, activation)),
    Mistake("it is the accuracy (the fraction of samples right), not the loss: return the "
            "mean binary cross-entropy of the layers before the step.",
            lambda layers, X, y, activation, learning_rate: ref.accuracy(
                ref.forward(layers, X, lambda z: ref.hidden_activation(z, activation))[0], y)),
]


def check_train_step_loss(train_step):
    """The loss returned is the mean cross-entropy of the layers before the step."""
    grading = Grading("the loss returned by train_step")
    for activation in ACTIVATIONS:
        layers, X, y = _random_problem(grading, activation)
        learning_rate = float(grading.rng.uniform(0.05, 0.5))
        what = f'train_step(layers, X, y, "{activation}", learning_rate)'
        result = grading.call(train_step, _copy(layers), X.copy(), y.copy(), activation,
                              learning_rate, what=what)
        _returned_layers(grading, result, layers, what)
        grading.assert_matches(result[1], _loss_of(layers, X, y, activation), scalar_ok=True,
                               what=f"the loss returned by {what}",
                               inputs=(layers, X, y, activation, learning_rate),
                               mistakes=LOSS_MISTAKES)


def _train_with(train_step, layers, X, y, activation, learning_rate, epochs):
    """The notebook's training loop, run on train_step (inside a single call_student)."""
    for _ in range(epochs):
        layers, _ = train_step(layers, X, y, activation, learning_rate)
    return layers


def _outcome(layers, X, y, activation):
    with np.errstate(all="ignore"):  # a diverged network is judged by its numbers
        logits, _ = ref.forward(layers, X, lambda z: ref.hidden_activation(z, activation))
        return ref.binary_cross_entropy(logits, y), ref.accuracy(logits, y)


def check_train_step_outcome(train_step):
    """Trained with train_step in the errata's setting on fresh two moons, the ReLU and
    the sigmoid network end as well as with a working step from the same start."""
    grading = Grading("training with train_step")
    for activation in ("relu", "sigmoid"):
        X, y = ref.make_moons(200, 0.2, grading.rng)
        layers = ref.init_layers(ref.SIZES, ref.INIT_GAIN[activation], grading.rng)
        what = (f"training the {activation} network with train_step ({OUTCOME_EPOCHS} "
                f"epochs at learning rate {OUTCOME_LEARNING_RATE})")
        trained = grading.call(_train_with, train_step, _copy(layers), X, y, activation,
                               OUTCOME_LEARNING_RATE, OUTCOME_EPOCHS, what=what,
                               warning_hint="The training diverged: the step's gradient or "
                                            "its update is off (see the gradient check).")
        trained = _returned_layers(grading, (trained, None), layers, what)
        loss, accuracy = _outcome(trained, X, y, activation)
        reference = _train_with(ref.train_step, layers, X, y, activation,
                                OUTCOME_LEARNING_RATE, OUTCOME_EPOCHS)
        reference_loss, reference_accuracy = _outcome(reference, X, y, activation)
        if not (loss <= reference_loss + LOSS_SLACK
                and accuracy >= reference_accuracy - ACCURACY_SLACK):
            raise grading.fail(
                f"{what} on fresh two moons ended at a training loss of {loss:.3g} and an "
                f"accuracy of {accuracy:.0%}: a working step, from the same data and "
                "initial weights, ends clearly better. The step's gradient or update is "
                "off: see the gradient check above.")


# ---- the written answer (graded by hand) ----------------------------------------------
# (points, what earns them); the answer's points are their sum
WRITTEN_RUBRIC = [
    (1, "**The slope.** Backpropagation multiplies by the activation's slope at each "
        "hidden layer; σ′ is at most 1/4 (less where units saturate), ReLU's is 1 where "
        "active. So the sigmoid network's hidden layers get much smaller gradients (the "
        "measured slopes or the first layer's gradient can serve as evidence)."),
    (1, "**Slower, not unable.** With the same learning rate and epochs the sigmoid "
        "network is still far from done: its boundary stays nearly straight, its accuracy "
        "near a linear classifier's, using the table, curves or boundaries above. Half a "
        "point for the mechanism alone without the link to the measured plateau."),
    (1, "**Larger learning rate, measured.** At learning rate 0.5 the sigmoid network "
        "improves a lot on some seeds (reaching ReLU-like loss and accuracy) and not on "
        "others, read off the notebook's table: so the comparison holds only for its "
        "setting."),
    (1, "**Its limit.** Too large a learning rate overshoots: the loss oscillates or "
        "diverges (for ReLU it can also kill units). Or, equivalently credited: more "
        "epochs also let the sigmoid network catch up."),
]
WRITTEN_POINTS = sum(points for points, _ in WRITTEN_RUBRIC)
WRITTEN_GRADER_NOTES = (
    "Accept the non-zero mean of sigmoid outputs as a further reason, not as the only one. "
    "No point for claims the notebook contradicts: a cap on the sigmoid's pre-activations, "
    "or that the sigmoid network cannot separate the moons at all.")
