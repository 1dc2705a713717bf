"""Sample students of a2_nonlinearity. Their mistakes are ones students really make.

The reference answers hold code cells only, so every student who writes the proof (a
Markdown cell) brings their own text; a student who leaves it untouched scores 0 on it
automatically, and it is listed among the cells they fail.
"""
from course.sample_class import EVERY_CELL, Student, changed, untouched

ADA_PROOF = r"""
Layer 1 computes $h = W_1 x + b_1$, with $W_1$ of shape $m \times n$; layer 2 computes
$y = W_2 h + b_2$, with $W_2$ of shape $k \times m$.

Substituting $h$: $y = W_2(W_1 x + b_1) + b_2$. Matrix multiplication distributes over
the sum, so $y = (W_2 W_1)x + (W_2 b_1 + b_2)$.

So $y = Wx + b$ with $W = W_2 W_1$ ($k \times n$) and $b = W_2 b_1 + b_2$ ($k$
entries); neither depends on $x$, so the two layers are exactly one affine layer.

For $L$ layers, apply this to the first two, which become one layer; the stack now has
$L - 1$ layers. Repeating $L - 1$ times leaves a single affine layer. So without
activations, extra layers cannot represent anything one layer cannot: depth is useless.
"""

DEE_PROOF = r"""
Write layer $\ell$ as $a^{(\ell)} = W^{(\ell)} a^{(\ell-1)} + b^{(\ell)}$, with
$a^{(0)} = x$ and $W^{(\ell)}$ of shape $n_\ell \times n_{\ell-1}$.

**Two layers.** Entry by entry,
$a^{(2)}_i = \sum_j W^{(2)}_{ij}\big(\sum_k W^{(1)}_{jk} x_k + b^{(1)}_j\big) + b^{(2)}_i
= \sum_k \big(\sum_j W^{(2)}_{ij} W^{(1)}_{jk}\big) x_k
+ \big(\sum_j W^{(2)}_{ij} b^{(1)}_j + b^{(2)}_i\big)$.
The first bracket is $(W^{(2)} W^{(1)})_{ik}$ and the second $(W^{(2)} b^{(1)} + b^{(2)})_i$:
one affine layer with $W = W^{(2)} W^{(1)}$ ($n_2 \times n_0$) and
$b = W^{(2)} b^{(1)} + b^{(2)}$.

**Induction.** If $a^{(L)} = W x + b$, then
$a^{(L+1)} = W^{(L+1)}(W x + b) + b^{(L+1)}$, which by the two-layer case is affine
in $x$ with weights $W^{(L+1)} W$ and bias $W^{(L+1)} b + b^{(L+1)}$.

Hence a linear network of any depth is one affine map, and depth adds no expressive power
unless a non-linearity sits between the layers.
"""

XOR_BY_ABSOLUTE_DIFFERENCE = """\
W1 = b1 = W2 = b2 = None  # set all four below
# XOR(x1, x2) = |x1 - x2| = relu(x1 - x2) + relu(x2 - x1)
W1 = [[1, -1], [-1, 1]]
b1 = [0, 0]
W2 = [[1, 1]]
b2 = [0]"""


def _replaced(source, old, new):
    """`source` with `old` replaced; fails loudly if the reference no longer holds it."""
    assert old in source, f"{old!r} is not in the reference answer"
    return source.replace(old, new)


def _weights(W1, b1, W2, b2):
    return (f"W1 = b1 = W2 = b2 = None  # set all four below\n"
            f"W1 = np.array({W1})\nb1 = np.array({b1})\nW2 = np.array({W2})\nb2 = {b2}")


def complete_with_proof(proof):
    def answers(reference):
        return changed(reference, {"linear_collapse": {"proof": proof}})
    return answers


def partial(reference):
    """collapse_linear adds the biases (b1 + b2, no W2 @ b1), which also breaks the
    collapse_stack that calls it on stacks of two or more; fit_affine has no intercept;
    the XOR weights compute OR; the proof is left unanswered."""
    collapse_linear = _replaced(reference["linear_collapse"]["collapse_linear"],
                                "return W2 @ W1, W2 @ b1 + b2", "return W2 @ W1, b1 + b2")
    return changed(reference, {
        "linear_collapse": {"collapse_linear": collapse_linear},
        "xor": {
            "fit_affine": ("def fit_affine(X, y):\n"
                           "    w = np.linalg.lstsq(X, y, rcond=None)[0]\n"
                           "    return w, 0.0"),
            "xor_weights": _weights("[[1.0, 1.0], [1.0, 1.0]]", "[0.0, -1.0]",
                                    "[[1.0, -1.0]]", "np.array([0.0])"),
        },
    })


def other_ways(reference):
    """Everything right, written differently: einsum (with a debug print), a reduce over
    collapse_linear, the normal equations, a loop, XOR as |x1 - x2| with integer lists,
    and a proof in index notation."""
    return changed(reference, {
        "linear_collapse": {
            "collapse_linear": ("def collapse_linear(W1, b1, W2, b2):\n"
                                "    print('collapsing', np.shape(W1), 'then', np.shape(W2))\n"
                                "    W = np.einsum('ij,jk->ik', W2, W1)\n"
                                "    b = np.einsum('ij,j->i', W2, b1) + b2\n"
                                "    return W, b"),
            "collapse_stack": ("from functools import reduce\n\n\n"
                               "def collapse_stack(layers):\n"
                               "    return reduce(lambda folded, layer: collapse_linear(*folded, *layer),\n"
                               "                  layers[1:], tuple(layers[0]))"),
            "proof": DEE_PROOF,
        },
        "xor": {
            "fit_affine": ("def fit_affine(X, y):\n"
                           "    A = np.hstack([X, np.ones((len(X), 1))])\n"
                           "    coefficients = np.linalg.solve(A.T @ A, A.T @ y)\n"
                           "    return coefficients[:-1], coefficients[-1]"),
            "count_correct": ("def count_correct(X, y, w, c):\n"
                              "    right = 0\n"
                              "    for row, label in zip(X, y):\n"
                              "        right += int((row @ w + c > 0.5) == (label == 1))\n"
                              "    return right"),
            "xor_weights": XOR_BY_ABSOLUTE_DIFFERENCE,
        },
    })


def reversed_layers(reference):
    """collapse_linear composes the layers the wrong way round (W1 @ W2, W1 @ b2 + b1),
    the XOR weights compute XNOR; no proof."""
    return changed(reference, {
        "linear_collapse": {"collapse_linear": ("def collapse_linear(W1, b1, W2, b2):\n"
                                                "    return W1 @ W2, W1 @ b2 + b1")},
        "xor": {"xor_weights": _weights("[[1.0, 1.0], [1.0, 1.0]]", "[0.0, -1.0]",
                                        "[[-1.0, 2.0]]", "np.array([1.0])")},
    })


def loose_shapes(reference):
    """Right functions; XOR weights that compute XOR but with W2 of shape (2,) and b2 a
    plain number (the contract asks (1, 2) and (1,)); no proof."""
    return changed(reference, {"xor": {"xor_weights": _weights(
        "[[1.0, 1.0], [1.0, 1.0]]", "[0.0, -1.0]", "[1.0, -2.0]", "0.0")}})


# a `graders` package that passes everything, submitted beside the notebooks
FAKE_GRADERS = {
    "graders/__init__.py": "",
    "graders/a2_nonlinearity/__init__.py": "",
    **{f"graders/a2_nonlinearity/{module}.py": (
        "def __getattr__(name):\n    return lambda *args, **kwargs: None\n")
       for module in ("linear_collapse", "xor")},
}

NO_PROOF = "proof"

DEMO = {
    "ada": Student(complete_with_proof(ADA_PROOF), manual_grades={"linear_collapse": {
        "proof": (4, "Complete: substitution, expansion, W = W₂W₁ and b = W₂b₁ + b₂ with "
                     "their shapes, and the step repeated down to one layer.")}}),
    "ben": Student(partial, fails={
        "linear_collapse": {"test_collapse_linear_bias", "test_collapse_stack_values",
                            "test_collapse_stack_ten_layers", NO_PROOF},
        "xor": {"test_fit_affine", "test_xor_outputs"}}),
    "cy": Student(untouched, fails={"linear_collapse": EVERY_CELL, "xor": EVERY_CELL}),
    "dee": Student(other_ways, manual_grades={"linear_collapse": {
        "proof": (4, "Correct, in index notation, with a proper induction on the depth.")}}),
}

TESTS = {
    "reversed": Student(reversed_layers, fails={
        "linear_collapse": {"test_collapse_linear_weights", "test_collapse_linear_bias",
                            "test_collapse_stack_values", "test_collapse_stack_ten_layers",
                            NO_PROOF},
        "xor": {"test_xor_outputs"}}),
    "loose_shapes": Student(loose_shapes, fails={"linear_collapse": {NO_PROOF},
                                                 "xor": {"test_xor_shapes"}}),
    "faker": Student(untouched, fails={"linear_collapse": EVERY_CELL, "xor": EVERY_CELL},
                     extra_files=FAKE_GRADERS),
}
