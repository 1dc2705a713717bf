"""Reference solutions of a2_nonlinearity/linear_collapse.ipynb.

course/authoring/build_source.py copies the functions into the notebook's solution cells (their
docstrings are what students read above the stub) and PROOF into the written answer's
solution region, the model answer the instructor sees beside the rubric.
"""
import numpy as np


def collapse_linear(W1, b1, W2, b2):
    """The one affine layer (W, b) that equals layer 1 followed by layer 2.

    Layer 1 maps x -> W1 @ x + b1 with W1 of shape (n_hidden, n_in); layer 2 maps
    h -> W2 @ h + b2 with W2 of shape (n_out, n_hidden). Return the pair (W, b), W of
    shape (n_out, n_in) and b of shape (n_out,), such that
    W @ x + b == W2 @ (W1 @ x + b1) + b2 for every x.
    """
    W1, b1, W2, b2 = (np.asarray(array, dtype=float) for array in (W1, b1, W2, b2))
    # W2 @ (W1 @ x + b1) + b2 = (W2 @ W1) @ x + (W2 @ b1 + b2): layer 1 acts first, so
    # its matrix stands on the right, and W2 reaches layer 1's bias too
    return W2 @ W1, W2 @ b1 + b2


def collapse_stack(layers):
    """The one affine layer (W, b) that equals a whole stack of affine layers.

    `layers` is a non-empty list of (W, b) pairs, applied first to last: layers[0] sees
    the input x. Return the pair (W, b) such that W @ x + b is what the stack outputs.
    """
    W, b = (np.asarray(array, dtype=float) for array in layers[0])
    for W_next, b_next in layers[1:]:
        # the layers folded so far act as one: fold the next one onto it
        W, b = collapse_linear(W, b, W_next, b_next)
    return W, b


PROOF = r"""
**Claim.** Two affine layers applied one after the other, with no activation between
them, compute one affine layer.

Let layer 1 be $h = W_1 x + b_1$ with $W_1 \in \mathbb{R}^{m \times n}$, and layer 2 be
$y = W_2 h + b_2$ with $W_2 \in \mathbb{R}^{k \times m}$.

1. *Substitute* layer 1's output for layer 2's input:
   $y = W_2 (W_1 x + b_1) + b_2$.
2. *Distribute* $W_2$ (a matrix product is linear):
   $y = W_2 W_1 x + W_2 b_1 + b_2 = (W_2 W_1)\,x + (W_2 b_1 + b_2)$.
3. *Read off one layer*: $W = W_2 W_1$, of shape $k \times n$, and
   $b = W_2 b_1 + b_2$, of length $k$. Neither depends on $x$, so $y = W x + b$ for
   every $x$: a single affine layer from $\mathbb{R}^n$ to $\mathbb{R}^k$. The order
   matters: layer 1 acts first, so $W_1$ stands on the right, and $W_2$ also
   multiplies layer 1's bias.
4. *Any depth.* By induction on the number of layers $L$: one layer is affine; if the
   first $L$ layers together equal one affine layer $(W, b)$, then adding layer $L+1$
   gives, by steps 1 to 3, the affine layer $(W_{L+1} W,\; W_{L+1} b + b_{L+1})$.

**Conclusion.** However many layers are stacked, without an activation between them the
network computes an affine map $x \mapsto Wx + b$: anything a deep linear network can
represent, one layer represents too, so depth adds no expressive power. (A non-linear
activation breaks step 2: $W_2\,\mathrm{relu}(W_1 x + b_1)$ cannot be distributed.)
"""
