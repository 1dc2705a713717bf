"""Reference solutions of a1_activations/prelu.ipynb (copied into its solution cells)."""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at x, of x's shape.

    Entry i is (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps). The caller's x is not changed.
    """
    x = np.array(x, dtype=float)  # a private copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f(x)
        x[index] = original - eps
        f_minus = f(x)
        x[index] = original
        # central difference: error O(eps²) where a forward difference has O(eps)
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


class PReLU:
    """ReLU with a learned negative slope: a float, or an array (C,) of one per channel."""

    def __init__(self, alpha=0.25):
        self.alpha = alpha

    def forward(self, z):
        """z where z > 0, else alpha·z; a per-channel alpha runs along z's last axis."""
        z = np.asarray(z, dtype=float)
        return np.where(z > 0, z, self.alpha * z)

    def backward(self, z, grad_output):
        """Return (grad_z, grad_alpha): dL/dz of z's shape, dL/dalpha of alpha's shape."""
        z = np.asarray(z, dtype=float)
        grad_output = np.asarray(grad_output, dtype=float)
        grad_z = np.where(z > 0, grad_output, self.alpha * grad_output)
        # d forward / d alpha is z where z <= 0, else 0; sum over every position
        # that alpha was broadcast to
        contribution = np.where(z > 0, 0.0, z * grad_output)
        if np.ndim(self.alpha) == 0:
            return grad_z, float(contribution.sum())
        return grad_z, contribution.reshape(-1, np.shape(self.alpha)[0]).sum(axis=0)
