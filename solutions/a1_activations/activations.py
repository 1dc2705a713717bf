"""Reference solutions of a1_activations/activations.ipynb.

course/authoring/build_source.py copies these functions into the notebook's solution cells: the
docstrings are what students read above their stub, the bodies are the solutions.
"""
import numpy as np

SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), elementwise, with no overflow for |z| up to 1e4."""
    z = np.asarray(z, dtype=float)
    # exp(-|z|) never overflows: it lies in (0, 1]
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z):
    """dσ/dz = σ(z)·(1 − σ(z)), elementwise (the derivative with respect to z)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_derivative(z):
    """d tanh/dz = 1 − tanh²(z), elementwise."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    """max(0, z), elementwise."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z):
    """1.0 where z > 0, else 0.0 (0.0 at z = 0 by convention)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    """z where z > 0, else alpha·z."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z, alpha=0.01):
    """1.0 where z > 0, else alpha."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)


def softplus(z):
    """log(1 + e^z), elementwise, with no overflow for |z| up to 1e4."""
    z = np.asarray(z, dtype=float)
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the exponent is never positive
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softmax(z, axis=-1):
    """e^z / Σ e^z along `axis`: every slice along `axis` sums to 1; no overflow."""
    z = np.asarray(z, dtype=float)
    # shifting by the max along `axis` leaves softmax unchanged and keeps exp <= 1
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def gelu(z):
    """Exact GELU: z·Φ(z), with Φ the standard normal CDF (not the tanh approximation)."""
    from scipy.special import ndtr  # Φ itself, accurate in both tails

    z = np.asarray(z, dtype=float)
    return z * ndtr(z)


def selu(z):
    """λ·z where z > 0, else λ·α·(e^z − 1), with SELU_LAMBDA and SELU_ALPHA."""
    z = np.asarray(z, dtype=float)
    # expm1 only ever sees z <= 0, so large positive z cannot overflow it
    negative_part = SELU_ALPHA * np.expm1(np.minimum(z, 0.0))
    return SELU_LAMBDA * np.where(z > 0, z, negative_part)
