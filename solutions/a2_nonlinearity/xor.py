"""Reference solutions of a2_nonlinearity/xor.ipynb.

course/authoring/build_source.py copies the functions into the notebook's solution cells, and the
block of assignments W1 ... b2 (comments included) into the cell where students choose
their weights. Any weights that compute XOR are right; these are one choice.
"""
import numpy as np


def fit_affine(X, y):
    """The best affine model of y in the least-squares sense.

    X has shape (n_samples, n_features) and y shape (n_samples,). Return the pair (w, c),
    w of shape (n_features,) and c a number, that minimises sum((X @ w + c - y) ** 2).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    # a column of ones makes the intercept c one more weight for least squares to fit
    design = np.column_stack([X, np.ones(len(X))])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    return coefficients[:-1], float(coefficients[-1])


def count_correct(X, y, w, c):
    """How many rows of X the linear classifier gets right: it predicts 1 where
    X @ w + c > 0.5 and 0 elsewhere; y holds the true labels, 0 or 1."""
    predictions = (np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + c > 0.5)
    return int(np.sum(predictions == (np.asarray(y) == 1)))


# Hidden unit 1 counts the active inputs, x1 + x2. Hidden unit 2 stays at 0 until both
# inputs are 1, where it reaches 1. The output takes unit 1 and removes unit 2 twice:
# 0, 1, 1 and 2 - 2 = 0.
W1 = np.array([[1.0, 1.0],
               [1.0, 1.0]])
b1 = np.array([0.0, -1.0])
W2 = np.array([[1.0, -2.0]])
b2 = np.array([0.0])
