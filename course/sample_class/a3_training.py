"""Sample students of a3_training. Their mistakes are ones students really make.

The reference answers hold code cells only, so a student who writes the explanation of
sigmoid_vs_relu.ipynb (a Markdown cell) brings their own text; one who leaves it
untouched scores 0 on it automatically, and it is listed among the cells they fail.
"""
from course.sample_class import EVERY_CELL, Student, changed, untouched

NO_WRITTEN_ANSWER = "written_answer"

ADA_ANSWER = r"""
**Why sigmoid is slower.** In backpropagation each hidden layer multiplies the gradient
by its activation's slope. σ′(z) is at most 0.25 and smaller away from 0 (the measured
mean slope of the sigmoid layers is about 0.2), while ReLU passes the gradient with
slope 1 wherever a unit is active. So the gradient reaching the first layer of the
sigmoid network is much smaller: at the start it is about 0.14 of the output layer's,
against about 0.37 for ReLU. With the same learning rate 0.1 and 3000 epochs the sigmoid
network is still close to a straight boundary (about 86% accuracy, loss near 0.3), while
the ReLU network bends its boundary around the moons (about 98%, loss near 0.06). It is
slower, not incapable.

**Larger learning rate.** At 0.5 the sigmoid network gets to loss 0.07–0.11 and 96–98%
on seeds 1, 2 and 4, close to ReLU, but seeds 0 and 3 still sit near 0.29: a bigger step
compensates the small slopes, so the "plateau" depends on the setting. It cannot grow
forever: too large a learning rate overshoots and the loss oscillates or diverges.
"""

DEE_ANSWER = r"""
The chain rule multiplies the error signal by f′(z) at every hidden layer. For the
sigmoid f′ ≤ 1/4, so two sigmoid layers scale the signal reaching W1 by at most 1/16,
and the statistics table shows mean slopes near 0.2, against about 0.5 for ReLU (1 on
the active half of the units). The first layers of the sigmoid network therefore learn
slowly: in the loss curves it hovers near its starting loss for hundreds of epochs and
then flattens near 0.3, with an almost straight boundary, whereas ReLU keeps going down
to about 0.05. The sigmoid outputs are also centred on 0.5 instead of 0.

With learning rate 0.5 the steps are five times larger, which offsets the small
derivatives: three of the five sigmoid networks reach 96% or more. Two stay near 0.29,
so a larger step helps but does not settle every run, and an even larger one would make
gradient descent overshoot and diverge.
"""


def _replaced(source, old, new):
    """`source` with `old` replaced; fails loudly if the reference no longer holds it."""
    assert old in source, f"{old!r} is not in the reference answer"
    return source.replace(old, new)


def complete_with_answer(answer):
    def answers(reference):
        return changed(reference, {"sigmoid_vs_relu": {"written_answer": answer}})
    return answers


def partial(reference):
    """he_init with fan_out's variance; dead units counted with < 0; a leak as the only
    fix; relu's slope taken as 1 at z = 0; the gradient of the summed loss; no written
    answer."""
    return changed(reference, {
        "initialisation": {"he_init": _replaced(
            reference["initialisation"]["he_init"], "np.sqrt(2.0 / fan_in)",
            "np.sqrt(2.0 / fan_out)")},
        "dying_relu": {
            "dead_neuron_fraction": _replaced(
                reference["dying_relu"]["dead_neuron_fraction"], "np.asarray(Z) <= 0",
                "np.asarray(Z) < 0"),
            "fixed_config": ("def fixed_config():\n"
                             "    # leaky ReLU never has a zero gradient\n"
                             "    return {**DYING_CONFIG, 'leak': 0.01}"),
        },
        "sigmoid_vs_relu": {
            "activation_backward": _replaced(
                reference["sigmoid_vs_relu"]["activation_backward"], "(z > 0)", "(z >= 0)"),
            "train_step": _replaced(reference["sigmoid_vs_relu"]["train_step"],
                                    "(sigmoid(logits) - y) / len(y)", "sigmoid(logits) - y"),
        },
    })


def other_ways(reference):
    """Everything right, written differently (one function prints as it works), and
    an explanation of its own."""
    return changed(reference, {
        "initialisation": {"he_init": (
            "def he_init(fan_in, fan_out, rng):\n"
            "    print('He init', fan_out, 'x', fan_in)\n"
            "    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2) / np.sqrt(fan_in)")},
        "dying_relu": {
            "dead_neuron_fraction": ("def dead_neuron_fraction(Z):\n"
                                     "    return np.mean(np.max(Z, axis=0) <= 0)"),
            "fixed_config": ("def fixed_config():\n"
                             "    # start each unit with a small positive bias, so it fires on\n"
                             "    # part of the data, and keep a leak as a safety net\n"
                             "    return {**DYING_CONFIG, 'initial_bias': 0.1, 'leak': 0.01}"),
        },
        "sigmoid_vs_relu": {
            "activation_backward": (
                "def activation_backward(z, grad_output, activation):\n"
                "    if activation == 'relu':\n"
                "        return np.where(z > 0, grad_output, 0.0)\n"
                "    s = hidden_activation(z, 'sigmoid')\n"
                "    return grad_output * (s - s ** 2)"),
            "train_step": (
                "def train_step(layers, X, y, activation, learning_rate):\n"
                "    (W1, b1), (W2, b2), (W3, b3) = layers\n"
                "    z1 = X @ W1.T + b1\n"
                "    a1 = hidden_activation(z1, activation)\n"
                "    z2 = a1 @ W2.T + b2\n"
                "    a2 = hidden_activation(z2, activation)\n"
                "    logits = (a2 @ W3.T + b3)[:, 0]\n"
                "    loss = binary_cross_entropy(logits, y)\n"
                "    d3 = ((sigmoid(logits) - y) / len(y))[:, None]\n"
                "    d2 = activation_backward(z2, d3 @ W3, activation)\n"
                "    d1 = activation_backward(z1, d2 @ W2, activation)\n"
                "    grads = [(d1.T @ X, d1.sum(0)), (d2.T @ a1, d2.sum(0)),\n"
                "             (d3.T @ a2, d3.sum(0))]\n"
                "    return [(W - learning_rate * dW, b - learning_rate * db)\n"
                "            for (W, b), (dW, db) in zip(layers, grads)], loss"),
            "written_answer": DEE_ANSWER,
        },
    })


def global_rng(reference):
    """he_init draws from np.random's global state; everything else is right."""
    return changed(reference, {"initialisation": {"he_init": (
        "def he_init(fan_in, fan_out, rng):\n"
        "    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))")}})


def fans_swapped(reference):
    """he_init with fan_in and fan_out swapped throughout: shape (fan_in, fan_out) and
    variance 2/fan_out."""
    return changed(reference, {"initialisation": {"he_init": (
        "def he_init(fan_in, fan_out, rng):\n"
        "    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))")}})


def smaller_step(reference):
    """The 'fix' lowers the learning rate only: the dead units stay dead."""
    return changed(reference, {"dying_relu": {"fixed_config": (
        "def fixed_config():\n"
        "    # smaller steps, so that no unit gets knocked out\n"
        "    return {**DYING_CONFIG, 'learning_rate': 0.01}")}})


# a `graders` package that passes everything, submitted beside the notebooks
FAKE_GRADERS = {
    "graders/__init__.py": "",
    "graders/a3_training/__init__.py": "",
    **{f"graders/a3_training/{module}.py": (
        "def __getattr__(name):\n    return lambda *args, **kwargs: None\n")
       for module in ("initialisation", "dying_relu", "sigmoid_vs_relu")},
}

DEMO = {
    "ada": Student(complete_with_answer(ADA_ANSWER), manual_grades={"sigmoid_vs_relu": {
        "written_answer": (4, "Complete: the slope bound with the measured slopes and "
                              "gradient ratio, slower rather than unable, the learning-rate "
                              "table read seed by seed, and the limit of a larger step.")}}),
    "ben": Student(partial, fails={
        "initialisation": {"test_he_init_statistics"},
        "dying_relu": {"test_dead_neuron_fraction_values",
                       "test_dead_neuron_fraction_edge_cases", "test_fixed_config"},
        "sigmoid_vs_relu": {"test_activation_backward_relu", "test_train_step_gradient",
                            "test_train_step_outcome", NO_WRITTEN_ANSWER}}),
    "cy": Student(untouched, fails={"initialisation": EVERY_CELL, "dying_relu": EVERY_CELL,
                                    "sigmoid_vs_relu": EVERY_CELL}),
    "dee": Student(other_ways, manual_grades={"sigmoid_vs_relu": {
        "written_answer": (4, "Correct and well supported: slopes, curves, the lr-0.5 "
                              "table and the overshoot limit.")}}),
}

TESTS = {
    "global_rng": Student(global_rng, fails={"initialisation": {"test_he_init_uses_rng"},
                                             "sigmoid_vs_relu": {NO_WRITTEN_ANSWER}}),
    "fans_swapped": Student(fans_swapped, fails={
        "initialisation": {"test_he_init_shape", "test_he_init_statistics"},
        "sigmoid_vs_relu": {NO_WRITTEN_ANSWER}}),
    "smaller_step": Student(smaller_step, fails={"dying_relu": {"test_fixed_config"},
                                                 "sigmoid_vs_relu": {NO_WRITTEN_ANSWER}}),
    "faker": Student(untouched, fails={"initialisation": EVERY_CELL, "dying_relu": EVERY_CELL,
                                       "sigmoid_vs_relu": EVERY_CELL},
                     extra_files=FAKE_GRADERS),
}
