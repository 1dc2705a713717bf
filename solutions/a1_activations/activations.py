"""Reference solutions of a1_activations/activations.ipynb.

The notebook's solution cells are these functions, copied in by course/build_source.py.
"""
import numpy as np
from scipy.special import ndtr  # the Gaussian CDF, accurate in both tails

SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    # exp(-|z|) never overflows: it lies in (0, 1]
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_derivative(z):
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)


def softplus(z):
    z = np.asarray(z, dtype=float)
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the exponent is never positive
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    # shifting by the max along `axis` leaves softmax unchanged and keeps exp <= 1
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def gelu(z):
    z = np.asarray(z, dtype=float)
    return z * ndtr(z)


def selu(z):
    z = np.asarray(z, dtype=float)
    # expm1 only ever sees z <= 0, so large positive z cannot overflow it
    negative_part = SELU_ALPHA * np.expm1(np.minimum(z, 0.0))
    return SELU_LAMBDA * np.where(z > 0, z, negative_part)
