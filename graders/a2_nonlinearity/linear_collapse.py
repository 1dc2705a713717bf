"""Hidden checks of a2_nonlinearity/linear_collapse.ipynb: folding affine layers into one.

Every check draws its layers at grading time. The first stack of a check is square
(every layer n×n): there a product in the wrong order or a transposed one still has the
right shape, so its wrong values name the mistake. The other stacks are non-square, on
which a reversed or transposed product has the wrong shape or does not compute at all.
Weights have spread 1/sqrt(n_in), so that a product of ten of them stays near 1, where
the contract's relative tolerance means something.

The rubric of the proof, graded by hand, sits here too: the points of the written
answer are its sum.
"""
import numpy as np

from graders.a2_nonlinearity import returned_pair
from graders.compare import Grading, Mistake
from solutions.a2_nonlinearity import linear_collapse as ref

# (points, what earns them): the grader's rubric for the written proof
PROOF_RUBRIC = [
    (1, "**Substitution.** Layer 1's output replaces layer 2's input: "
        "$y = W_2(W_1x + b_1) + b_2$."),
    (1, "**Distribution.** $W_2$ is multiplied into the bracket: "
        "$y = W_2W_1x + W_2b_1 + b_2$. Layer 1's bias is multiplied by $W_2$ too."),
    (1, "**The collapsed layer.** $W = W_2W_1$ (in this order; shape $n_{out} \\times "
        "n_{in}$) and $b = W_2b_1 + b_2$, both independent of $x$. No point for "
        "$W_1W_2$ or for $b = b_1 + b_2$."),
    (1, "**Depth.** The step repeats for any number of layers (induction, or folding "
        "one layer at a time), so a stack of any depth without activations is one "
        "affine layer: depth adds no expressive power. Half a point for the conclusion "
        "stated for two layers only."),
]
PROOF_POINTS = sum(points for points, _ in PROOF_RUBRIC)
PROOF_GRADER_NOTES = (
    "Accept any notation (row or column vectors, indices, words) if the algebra is "
    "right and consistent with x -> Wx + b. A numerical example is evidence, not a "
    "proof: at most the depth point for it.")


# ---- drawing layers -------------------------------------------------------------------
def _layer(rng, n_out, n_in):
    return (rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in)),
            rng.normal(0.0, 1.0, size=n_out))


def _square_widths(rng, n_layers):
    return [int(rng.integers(3, 7))] * (n_layers + 1)


def _mixed_widths(rng, n_layers):
    """Widths of a stack with no square layer, and the input differing from the output,
    so that no reversed or transposed product has the right shape."""
    widths = [int(w) for w in rng.choice(np.arange(2, 9), size=3, replace=False)]
    while len(widths) < n_layers + 1:
        width = int(rng.integers(2, 9))
        if width != widths[-1] and width != widths[0]:
            widths.append(width)
    return widths[:n_layers + 1]


def _stack(rng, widths):
    return [_layer(rng, n_out, n_in) for n_in, n_out in zip(widths, widths[1:])]


def _shapes(layers):
    return ", ".join(str(np.shape(W)) for W, _ in layers)


def _copies(layers):
    return [(W.copy(), b.copy()) for W, b in layers]


# ---- collapse_linear ------------------------------------------------------------------
WEIGHT_MISTAKES = [
    Mistake("the product is in the wrong order. Layer 1 acts first, so its matrix "
            "stands on the right: W = W2 @ W1 (W1 @ W2 would apply layer 2 first).",
            lambda W1, b1, W2, b2: np.asarray(W1) @ W2),
    Mistake("it is transposed: W must have shape (n_out, n_in), like every weight "
            "matrix here (x -> W @ x + b). W1.T @ W2.T is the matrix a batch is "
            "multiplied by (X @ W1.T @ W2.T); W is its transpose, W2 @ W1.",
            lambda W1, b1, W2, b2: np.asarray(W1).T @ np.asarray(W2).T),
    Mistake("it multiplies the transposes in the wrong order: W = W2 @ W1.",
            lambda W1, b1, W2, b2: np.asarray(W2).T @ np.asarray(W1).T),
    Mistake("it multiplies entry by entry (*): one layer after another is a matrix "
            "product, W2 @ W1.", lambda W1, b1, W2, b2: np.asarray(W2) * W1),
    Mistake("it returns W2 alone: layer 1's matrix is part of the map, W = W2 @ W1.",
            lambda W1, b1, W2, b2: W2),
]

BIAS_MISTAKES = [
    Mistake("it adds the two biases. Layer 2's matrix acts on everything layer 1 "
            "outputs, its bias included: b = W2 @ b1 + b2.",
            lambda W1, b1, W2, b2: np.asarray(b1) + b2),
    Mistake("it keeps only b2: layer 1's bias reaches the output as W2 @ b1, so "
            "b = W2 @ b1 + b2.", lambda W1, b1, W2, b2: b2),
    Mistake("it leaves out b2, which layer 2 adds after its matrix: b = W2 @ b1 + b2.",
            lambda W1, b1, W2, b2: np.asarray(W2) @ b1),
    Mistake("it multiplies b2 by W2 as well: b2 is added after W2 acts, "
            "b = W2 @ b1 + b2.", lambda W1, b1, W2, b2: np.asarray(W2) @ (
                np.asarray(b1) + b2)),
    Mistake("it subtracts b2: layer 2 adds its bias, b = W2 @ b1 + b2.",
            lambda W1, b1, W2, b2: np.asarray(W2) @ b1 - b2),
    Mistake("it composes the layers in the wrong order (W1 @ b2 + b1): layer 1 acts "
            "first, so b = W2 @ b1 + b2.",
            lambda W1, b1, W2, b2: np.asarray(W1) @ b2 + b1),
    Mistake("it multiplies b1 by W2.T (b1 @ W2 is W2.T @ b1): with x -> W @ x + b, "
            "write W2 @ b1 + b2.", lambda W1, b1, W2, b2: np.asarray(b1) @ W2 + b2),
]


def _two_layer_cases(grading, equal_widths):
    """A square pair of layers, then three pairs of non-square layers whose widths are
    (n_in, n_hidden, n_out) with the two named by `equal_widths` equal and the third
    different. Each check picks the pairs on which the other part of the answer cannot
    crash: b1 + b2 computes when n_hidden == n_out, W1 @ W2 when n_in == n_out, so a
    wrong b does not cost the W points, nor a wrong W the b points."""
    rng = grading.rng
    cases = [_stack(rng, _square_widths(rng, 2))]
    for _ in range(3):
        shared, other = (int(w) for w in rng.choice(np.arange(2, 9), size=2, replace=False))
        widths = {"hidden and out": [other, shared, shared],
                  "in and out": [shared, other, shared]}[equal_widths]
        cases.append(_stack(rng, widths))
    return [(W1, b1, W2, b2) for (W1, b1), (W2, b2) in cases]


def _collapse_two(grading, collapse_linear, W1, b1, W2, b2, part):
    what = (f"collapse_linear(W1, b1, W2, b2) with W1 of shape {W1.shape} and W2 of "
            f"shape {W2.shape}")
    inputs = (W1, b1, W2, b2)
    before = [array.copy() for array in inputs]
    result = grading.call(collapse_linear, *inputs, what=what)
    W, b = returned_pair(grading, result, what, ("W", "b"), (2, 1))
    # each check guards the inputs its part is built from
    guarded = (0, 2) if part == "W" else (1, 3)
    for index in guarded:
        grading.assert_unchanged(before[index], inputs[index], what=what)
    return {"W": W, "b": b}[part], what


def check_collapse_linear_weights(collapse_linear):
    """W = W2 @ W1 on a square pair of layers and on pairs of non-square layers."""
    grading = Grading("collapse_linear")
    for W1, b1, W2, b2 in _two_layer_cases(grading, "hidden and out"):
        W, what = _collapse_two(grading, collapse_linear, W1, b1, W2, b2, "W")
        expected, _ = ref.collapse_linear(W1, b1, W2, b2)
        grading.assert_matches(W, expected, what=f"W from {what}",
                               inputs=(W1, b1, W2, b2), mistakes=WEIGHT_MISTAKES)


def check_collapse_linear_bias(collapse_linear):
    """b = W2 @ b1 + b2 on a square pair of layers and on pairs of non-square layers."""
    grading = Grading("collapse_linear")
    for W1, b1, W2, b2 in _two_layer_cases(grading, "in and out"):
        b, what = _collapse_two(grading, collapse_linear, W1, b1, W2, b2, "b")
        _, expected = ref.collapse_linear(W1, b1, W2, b2)
        grading.assert_matches(b, expected, what=f"b from {what}",
                               inputs=(W1, b1, W2, b2), mistakes=BIAS_MISTAKES)


# ---- collapse_stack -------------------------------------------------------------------
def _product(layers):
    W = np.asarray(layers[0][0], dtype=float)
    for W_next, _ in layers[1:]:
        W = np.asarray(W_next) @ W
    return W


# Wrong stacks as whole pairs (W, b); each check compares the part its mistake shows in.
STACK_MISTAKES = [
    ("it applies the layers last to first. layers[0] sees the input, so its matrix is "
     "the rightmost factor: W = W_L @ ... @ W_2 @ W_1, and each new layer is folded on "
     "from the left (W = W_next @ W).", lambda layers: ref.collapse_stack(layers[::-1])),
    ("it leaves out the first layer: start from layers[0] (or start from the identity "
     "and a zero bias, and then fold every layer, layers[0] included).",
     lambda layers: ref.collapse_stack(layers[1:])),
    ("it leaves out the last layer: check the range of your loop.",
     lambda layers: ref.collapse_stack(layers[:-1])),
    ("it is transposed: W must have shape (n_out, n_in), with x -> W @ x + b.",
     lambda layers: (ref.collapse_stack(layers)[0].T, ref.collapse_stack(layers)[1])),
    ("it adds up the biases. Every bias passes through the matrices of all the layers "
     "after it: carry b along, b = W_next @ b + b_next.",
     lambda layers: (_product(layers), np.sum([b for _, b in layers], axis=0))),
    ("it keeps only the last layer's bias: the earlier biases reach the output through "
     "the later matrices, b = W_next @ b + b_next at each step.",
     lambda layers: (_product(layers), layers[-1][1])),
    ("it folds each layer onto the previous layer's own bias instead of the bias "
     "accumulated so far: b = W_next @ b + b_next, where b is the running result.",
     lambda layers: (_product(layers), layers[-1][0] @ layers[-2][1] + layers[-1][1])),
    ("it carries the first layer's bias through the product of all the matrices so far, "
     "which leaves out the biases in between: each step is b = W_next @ b + b_next, with "
     "the next layer's matrix only and b the running result.",
     lambda layers: (_product(layers), _product(layers) @ layers[0][1] + layers[-1][1])),
]


def _stack_mistakes(part):
    index = {"W": 0, "b": 1}[part]
    return [Mistake(hint, lambda layers, wrong=wrong: wrong(layers)[index])
            for hint, wrong in STACK_MISTAKES]


def _check_stacks(grading, collapse_stack, stacks, description):
    for layers in stacks:
        what = (f"collapse_stack on {description(layers)} "
                f"(weight shapes {_shapes(layers)}, first to last)")
        given, before = list(layers), _copies(layers)
        result = grading.call(collapse_stack, layers, what=what)
        if len(layers) != len(given) or any(now is not then for now, then in zip(layers, given)):
            raise grading.fail(f"{what} changed the list it was given (by pop, reverse, "
                               "insert or an assignment). Read `layers` without changing "
                               "it: loop over it, or over layers[1:].")
        W, b = returned_pair(grading, result, what, ("W", "b"), (2, 1))
        for (W_before, b_before), (W_now, b_now) in zip(before, layers):
            grading.assert_unchanged(W_before, W_now, what=what)
            grading.assert_unchanged(b_before, b_now, what=what)
        expected_W, expected_b = ref.collapse_stack(layers)
        grading.assert_matches(W, expected_W, what=f"W from {what}", inputs=(layers,),
                               mistakes=_stack_mistakes("W"))
        grading.assert_matches(b, expected_b, what=f"b from {what}", inputs=(layers,),
                               mistakes=_stack_mistakes("b"))


def _count(layers):
    return f"a stack of {len(layers)} layers"


def check_collapse_stack_values(collapse_stack):
    """Stacks of two to five layers: one square stack, then stacks of mixed shapes."""
    grading = Grading("collapse_stack")
    rng = grading.rng
    stacks = [_stack(rng, _square_widths(rng, int(rng.integers(3, 6))))]
    stacks += [_stack(rng, _mixed_widths(rng, n_layers)) for n_layers in (2, 3, 5)]
    _check_stacks(grading, collapse_stack, stacks, _count)


def check_collapse_stack_one_layer(collapse_stack):
    """A stack of one layer is that layer: the same W and b back, as float arrays."""
    grading = Grading("collapse_stack")
    rng = grading.rng
    stacks = [_stack(rng, _mixed_widths(rng, 1)) for _ in range(2)]
    _check_stacks(grading, collapse_stack, stacks, lambda layers: "a stack of one layer")


def check_collapse_stack_ten_layers(collapse_stack):
    """A stack of ten layers: one square stack, then one of mixed shapes."""
    grading = Grading("collapse_stack")
    rng = grading.rng
    stacks = [_stack(rng, _square_widths(rng, 10)), _stack(rng, _mixed_widths(rng, 10))]
    _check_stacks(grading, collapse_stack, stacks, _count)
