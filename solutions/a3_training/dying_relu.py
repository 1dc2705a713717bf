"""Reference solutions of a3_training/dying_relu.ipynb, and the network that dies.

The network (2-16-16-1, ReLU or leaky ReLU, on two moons) is built from the pieces of
sigmoid_vs_relu.py. Its training is configured by a dict with the keys of
DYING_CONFIG; the student's fix is such a dict, returned by `fixed_config`.
"""
import numpy as np

from solutions.a3_training.sigmoid_vs_relu import (accuracy, backward, binary_cross_entropy,
                                                   forward, init_layers, make_moons, sigmoid)

HIDDEN_SIZES = (16, 16)
N_SAMPLES = 200  # two moons, with noise of standard deviation NOISE
NOISE = 0.2
EPOCHS = 2000
# the configuration whose units die: every hidden bias starts far below 0
DYING_CONFIG = {"weight_gain": 2.0, "initial_bias": -4.0, "leak": 0.0, "learning_rate": 0.2}
# what a fixed network reaches on fresh data: at most this fraction of its hidden units
# dead after training, and at least this accuracy on fresh test data
MAX_DEAD_FRACTION = 0.25
# a leak smaller than this passes less than a thousandth of a unit's gradient below 0: such
# a unit is as good as dead (the usual leaky ReLU's leak is 0.01)
NEGLIGIBLE_LEAK = 1e-3
MIN_TEST_ACCURACY = 0.90


def dead_neuron_fraction(Z):
    """The fraction of units that are dead: Z holds pre-activations of shape
    (n_samples, n_units), and a unit (a column) is dead when its pre-activation is
    <= 0 for every sample (row)."""
    dead = np.all(np.asarray(Z) <= 0, axis=0)
    return float(np.mean(dead))


def no_gradient_fraction(config, Z):
    """The fraction of hidden units that get no gradient to speak of on any sample: the
    units whose pre-activation is <= 0 for every sample, under ReLU or a leak too small
    to matter (|leak| < NEGLIGIBLE_LEAK); with a real leak, none, since a unit below 0
    still passes leak × its gradient."""
    return dead_neuron_fraction(Z) if abs(config["leak"]) < NEGLIGIBLE_LEAK else 0.0


def hidden_activation(leak):
    """The hidden activation of slope `leak` for z <= 0 (leak 0 is ReLU), and its backward."""
    def hidden(z):
        return np.where(z > 0, z, leak * z)

    def hidden_backward(z, grad_a):
        return np.where(z > 0, grad_a, leak * grad_a)
    return hidden, hidden_backward


def train_network(config, rng, epochs=EPOCHS):
    """Train the 2-16-16-1 network of `config` on fresh two moons drawn with rng.

    Returns a dict: the trained `layers`, the `losses` of every epoch, the data `X`,
    `y`, and the hidden layers' pre-activations on X before (`Z_start`) and after
    (`Z_end`) training, each of shape (n_samples, 32), the two layers side by side.
    """
    X, y = make_moons(N_SAMPLES, NOISE, rng)
    layers = init_layers((2, *HIDDEN_SIZES, 1), config["weight_gain"], rng,
                         bias=config["initial_bias"])
    hidden, hidden_backward = hidden_activation(config["leak"])
    losses = []
    Z_start = None
    for _ in range(epochs):
        logits, cache = forward(layers, X, hidden)
        if Z_start is None:
            Z_start = np.hstack(cache[1][:-1])
        losses.append(binary_cross_entropy(logits, y))
        # gradient descent on the mean cross-entropy, whose gradient at the logits is
        # (σ(logit) − y) / n
        grads = backward(layers, cache, (sigmoid(logits) - y) / len(y), hidden_backward)
        layers = [(W - config["learning_rate"] * dW, b - config["learning_rate"] * db)
                  for (W, b), (dW, db) in zip(layers, grads)]
    _, cache = forward(layers, X, hidden)
    return {"layers": layers, "losses": np.array(losses), "X": X, "y": y,
            "Z_start": Z_start, "Z_end": np.hstack(cache[1][:-1])}


def held_out_accuracy(config, result, rng, n_samples=1000):
    """Accuracy of a trained network on fresh two moons drawn with rng."""
    X_test, y_test = make_moons(n_samples, NOISE, rng)
    hidden, _ = hidden_activation(config["leak"])
    logits, _ = forward(result["layers"], X_test, hidden)
    return accuracy(logits, y_test)


def fixed_config():
    """Return your training configuration: a dict with the keys of DYING_CONFIG, with
    the change that keeps the units alive."""
    # every pre-activation starts near −4, below 0 for every sample, so no unit ever
    # gets a gradient; biases starting at 0 put each unit's kink inside the data
    return {**DYING_CONFIG, "initial_bias": 0.0}
