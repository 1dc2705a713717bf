"""Reference solutions of a3_training/initialisation.ipynb (copied into its cells).

Each initialiser returns a weight matrix of shape (fan_out, fan_in), as the course's
layers use it (x -> W @ x + b), drawn with the generator it is given.
"""
import numpy as np


def lecun_init(fan_in, fan_out, rng):
    """LeCun normal: N(0, 1/fan_in). Keeps the variance of W @ x equal to that of x,
    which suits activations that pass both signs through (tanh near 0, SELU)."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_out, fan_in))


def glorot_init(fan_in, fan_out, rng):
    """Glorot (also called Xavier) normal: N(0, 2/(fan_in + fan_out)), a compromise
    between keeping the forward signal (1/fan_in) and the backward gradient
    (1/fan_out) at a constant variance."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))


def he_init(fan_in, fan_out, rng):
    """He (also called Kaiming) normal: an array of shape (fan_out, fan_in) drawn from
    N(0, 2/fan_in) with the generator rng."""
    # ReLU zeroes about half of its inputs, which halves the mean square of the signal
    # at every layer; twice LeCun's variance makes up for it
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


def activation_sizes(init, rng, depth=30, width=512, n_samples=32):
    """The size of the signal through a deep ReLU network: push n_samples inputs from
    N(0, 1) through `depth` ReLU layers of `width` units, with weights from
    init(fan_in, fan_out, rng) and no biases.

    Returns depth + 1 numbers: the root-mean-square of the input, then of each layer's
    output (the standard deviation about 0, the quantity He et al. follow).
    """
    a = rng.standard_normal((n_samples, width))
    sizes = [np.sqrt(np.mean(a ** 2))]
    for _ in range(depth):
        a = np.maximum(a @ init(width, width, rng).T, 0.0)
        sizes.append(np.sqrt(np.mean(a ** 2)))
    return np.array(sizes)
