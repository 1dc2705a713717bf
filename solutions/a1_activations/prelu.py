"""Reference solutions of a1_activations/prelu.ipynb."""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)  # a private copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f(x)
        x[index] = original - eps
        f_minus = f(x)
        x[index] = original
        # central difference: error O(eps^2) where a forward difference has O(eps)
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


class PReLU:
    """ReLU whose negative slope alpha is learned: a float, or one slope per channel."""

    def __init__(self, alpha=0.25):
        self.alpha = alpha

    def forward(self, z):
        z = np.asarray(z, dtype=float)
        return np.where(z > 0, z, self.alpha * z)

    def backward(self, z, grad_output):
        z = np.asarray(z, dtype=float)
        grad_output = np.asarray(grad_output, dtype=float)
        grad_z = np.where(z > 0, grad_output, self.alpha * grad_output)
        # d forward / d alpha is z where z <= 0, else 0; sum over every position
        # that alpha was broadcast to
        contribution = np.where(z > 0, 0.0, z * grad_output)
        if np.ndim(self.alpha) == 0:
            return grad_z, float(contribution.sum())
        return grad_z, contribution.reshape(-1, np.shape(self.alpha)[0]).sum(axis=0)
