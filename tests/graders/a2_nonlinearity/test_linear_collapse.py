"""The hidden checks of linear_collapse.ipynb, tried on the answers students hand in.

`collapse_linear` has a check for W and one for b; `collapse_stack` has a check on stacks
of two to five layers, one on a single layer and one on ten layers. Correct answers
written in other ways than the reference must pass every check; a wrong answer must fail
the checks its mistake concerns, with a message that names it, and pass the others.
"""
import functools
import re
import sys

import numpy as np
import pytest

from graders.a2_nonlinearity import linear_collapse as checks
from solutions.a2_nonlinearity import linear_collapse as ref
from tests.graders.verdicts import (
    PASSES, Record, assert_one_example_at_most, assert_verdict, failure_message, same_inputs)
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

LINEAR_CHECKS = ["weights", "bias"]
STACK_CHECKS = ["values", "one_layer", "ten_layers"]


# ---- helpers --------------------------------------------------------------------------
def linear_check(kind):
    return getattr(checks, f"check_collapse_linear_{kind}")


def stack_check(kind):
    return getattr(checks, f"check_collapse_stack_{kind}")


def per_check(table, check_names):
    """One row per (answer, check): the checks a row does not name must pass."""
    return [pytest.param(answer, name, verdicts.get(name, PASSES), id=f"{row_id}-{name}")
            for row_id, answer, verdicts in table for name in check_names]


def stub(*args):
    raise NotImplementedError()


# ---- collapse_linear: correct answers -------------------------------------------------
def linear_einsum(W1, b1, W2, b2):
    return np.einsum("ij,jk->ik", W2, W1), np.einsum("ij,j->i", W2, b1) + b2


def augmented(W, b):
    """The (n_out + 1) × (n_in + 1) matrix that maps [x, 1] to [W @ x + b, 1]."""
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    matrix = np.zeros((W.shape[0] + 1, W.shape[1] + 1))
    matrix[:-1, :-1], matrix[:-1, -1], matrix[-1, -1] = W, b, 1.0
    return matrix


def linear_augmented(W1, b1, W2, b2):
    both = augmented(W2, b2) @ augmented(W1, b1)
    return both[:-1, :-1], both[:-1, -1]


def linear_batch_convention(W1, b1, W2, b2):
    # a batch maps as X @ W.T + b: fold in that form, then transpose back
    batch_matrix = np.asarray(W1).T @ np.asarray(W2).T
    return batch_matrix.T, np.asarray(b1) @ np.asarray(W2).T + b2


def linear_by_probing(W1, b1, W2, b2):
    """The answer read off the composed map itself: b = f(0), column j = f(e_j) - f(0)."""
    def both_layers(x):
        return W2 @ (W1 @ x + b1) + b2
    n_in = np.shape(W1)[1]
    b = both_layers(np.zeros(n_in))
    W = np.column_stack([both_layers(e) - b for e in np.eye(n_in)])
    return W, b


def linear_python_loops(W1, b1, W2, b2):
    n_out, n_hidden, n_in = len(W2), len(W1), len(W1[0])
    W = np.zeros((n_out, n_in))
    b = np.array(b2, dtype=float)
    for i in range(n_out):
        for k in range(n_hidden):
            b[i] += W2[i][k] * b1[k]
            for j in range(n_in):
                W[i, j] += W2[i][k] * W1[k][j]
    return W, b


def linear_as_list(W1, b1, W2, b2):
    return list(ref.collapse_linear(W1, b1, W2, b2))


def linear_printing(W1, b1, W2, b2):
    print("W1 has shape", np.shape(W1))
    print("W2 has shape", np.shape(W2), file=sys.stderr)
    return ref.collapse_linear(W1, b1, W2, b2)


CORRECT_LINEAR = [
    pytest.param(ref.collapse_linear, id="reference"),
    pytest.param(lambda W1, b1, W2, b2: (np.dot(W2, W1), W2.dot(b1) + b2), id="np-dot"),
    pytest.param(linear_einsum, id="einsum"),
    pytest.param(linear_augmented, id="augmented-matrices"),
    pytest.param(linear_batch_convention, id="batch-convention-transposed-back"),
    pytest.param(linear_by_probing, id="read-off-the-composed-map"),
    pytest.param(linear_python_loops, id="python-loops"),
    pytest.param(linear_as_list, id="pair-as-a-list"),
    pytest.param(linear_printing, id="prints"),
]


@pytest.mark.parametrize("kind", LINEAR_CHECKS)
@pytest.mark.parametrize("answer", CORRECT_LINEAR)
def test_correct_collapse_linear_passes(answer, kind):
    """Does this correct collapse_linear pass the check?"""
    assert linear_check(kind)(answer) is None


# ---- collapse_linear: wrong answers ---------------------------------------------------
def with_W(make_W):
    return lambda W1, b1, W2, b2: (make_W(np.asarray(W1), np.asarray(W2)),
                                   ref.collapse_linear(W1, b1, W2, b2)[1])


def with_b(make_b):
    return lambda W1, b1, W2, b2: (ref.collapse_linear(W1, b1, W2, b2)[0],
                                   make_b(np.asarray(W1), np.asarray(b1), np.asarray(W2),
                                          np.asarray(b2)))


def linear_bias_in_place(W1, b1, W2, b2):
    b2 += W2 @ b1
    return W2 @ W1, b2


def linear_fully_reversed(W1, b1, W2, b2):
    return W1 @ W2, W1 @ b2 + b1


WRONG_LINEAR = [
    # (id, answer, {check: hint}); a check not named must accept the answer
    ("W1-at-W2", with_W(lambda W1, W2: W1 @ W2), {"weights": "wrong order"}),
    ("transposed", with_W(lambda W1, W2: W1.T @ W2.T), {"weights": "it is transposed"}),
    ("transposes-in-wrong-order", with_W(lambda W1, W2: W2.T @ W1.T),
     {"weights": "transposes in the wrong order"}),
    ("elementwise-product", with_W(lambda W1, W2: W2 * W1),
     {"weights": "entry by entry", "bias": "raised ValueError"}),
    ("W2-alone", with_W(lambda W1, W2: W2), {"weights": "returns W2 alone"}),
    ("both-reversed", linear_fully_reversed,
     {"weights": "wrong order", "bias": "composes the layers in the wrong order"}),
    ("b1-plus-b2", with_b(lambda W1, b1, W2, b2: b1 + b2), {"bias": "adds the two biases"}),
    ("b2-alone", with_b(lambda W1, b1, W2, b2: b2), {"bias": "keeps only b2"}),
    ("no-b2", with_b(lambda W1, b1, W2, b2: W2 @ b1), {"bias": "leaves out b2"}),
    ("W2-times-both-biases", with_b(lambda W1, b1, W2, b2: W2 @ (b1 + b2)),
     {"bias": "multiplies b2 by W2 as well"}),
    ("b1-at-W2", with_b(lambda W1, b1, W2, b2: b1 @ W2 + b2), {"bias": "W2.T"}),
    ("bias-built-in-b2", linear_bias_in_place, {"bias": "changed the array"}),
    ("returns-W-only", lambda W1, b1, W2, b2: W2 @ W1,
     dict.fromkeys(LINEAR_CHECKS, "returned one array of shape")),
    ("returns-b-then-W", lambda W1, b1, W2, b2: ref.collapse_linear(W1, b1, W2, b2)[::-1],
     dict.fromkeys(LINEAR_CHECKS, "returned (b, W)")),
    ("returns-nothing", lambda W1, b1, W2, b2: None,
     dict.fromkeys(LINEAR_CHECKS, "is a `return` missing?")),
    ("nested-lists", lambda W1, b1, W2, b2: tuple(
        part.tolist() for part in ref.collapse_linear(W1, b1, W2, b2)),
     dict.fromkeys(LINEAR_CHECKS, "returned list")),
    ("stub", stub, dict.fromkeys(LINEAR_CHECKS, "not implemented yet")),
]


@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG_LINEAR, LINEAR_CHECKS))
def test_wrong_collapse_linear_fails_only_its_checks(answer, kind, hint):
    """Does this check reject the wrong collapse_linear with the hint that names the
    mistake when the mistake is its concern, and accept it otherwise?"""
    assert_verdict(linear_check(kind), answer, hint)


# ---- collapse_stack: correct answers --------------------------------------------------
def stack_reduce(layers):
    return functools.reduce(lambda folded, layer: ref.collapse_linear(*folded, *layer),
                            layers[1:], layers[0])


def stack_multi_dot(layers):
    matrices = [np.asarray(W, dtype=float) for W, _ in layers]
    W = np.linalg.multi_dot(matrices[::-1]) if len(matrices) > 1 else matrices[0]
    b = np.asarray(layers[0][1], dtype=float)
    for W_next, b_next in layers[1:]:
        b = W_next @ b + b_next
    return W, b


def stack_right_to_left(layers):
    """Accumulate from the output side: each bias is carried by the matrices after it."""
    W = np.eye(len(layers[-1][1]))
    b = np.zeros(len(layers[-1][1]))
    for W_layer, b_layer in reversed(layers):
        b = b + W @ b_layer
        W = W @ W_layer
    return W, b


def stack_from_identity(layers):
    W = np.eye(np.shape(layers[0][0])[1])
    b = np.zeros(np.shape(layers[0][0])[1])
    for W_layer, b_layer in layers:
        W, b = W_layer @ W, W_layer @ b + b_layer
    return W, b


def stack_augmented(layers):
    total = functools.reduce(lambda product, layer: augmented(*layer) @ product,
                             layers[1:], augmented(*layers[0]))
    return total[:-1, :-1], total[:-1, -1]


def stack_by_probing(layers):
    def run(x):
        for W_layer, b_layer in layers:
            x = W_layer @ x + b_layer
        return x
    n_in = np.shape(layers[0][0])[1]
    b = run(np.zeros(n_in))
    return np.column_stack([run(e) - b for e in np.eye(n_in)]), b


def stack_by_index(layers):
    W, b = layers[0][0].copy(), layers[0][1].copy()
    for i in range(1, len(layers)):
        b = layers[i][0] @ b + layers[i][1]
        W = layers[i][0] @ W
    return [W, b]


def stack_printing(layers):
    print("folding", len(layers), "layers")
    print("first layer", np.shape(layers[0][0]), file=sys.stderr)
    return ref.collapse_stack(layers)


CORRECT_STACKS = [
    pytest.param(ref.collapse_stack, id="reference"),
    pytest.param(stack_reduce, id="functools-reduce"),
    pytest.param(stack_multi_dot, id="multi-dot"),
    pytest.param(stack_right_to_left, id="right-to-left"),
    pytest.param(stack_from_identity, id="from-identity"),
    pytest.param(stack_augmented, id="augmented-matrices"),
    pytest.param(stack_by_probing, id="read-off-the-composed-map"),
    pytest.param(stack_by_index, id="index-loop-pair-as-list"),
    pytest.param(stack_printing, id="prints"),
]


@pytest.mark.parametrize("kind", STACK_CHECKS)
@pytest.mark.parametrize("answer", CORRECT_STACKS)
def test_correct_collapse_stack_passes(answer, kind):
    """Does this correct collapse_stack pass the check?"""
    assert stack_check(kind)(answer) is None


PRINTING = [pytest.param(linear_check(kind), linear_printing, id=f"collapse_linear-{kind}")
            for kind in LINEAR_CHECKS]
PRINTING += [pytest.param(stack_check(kind), stack_printing, id=f"collapse_stack-{kind}")
             for kind in STACK_CHECKS]


@pytest.mark.parametrize("check_fn, answer", PRINTING)
def test_what_an_answer_prints_is_swallowed(check_fn, answer, capsys):
    """Does nothing an answer prints reach the test cell's stdout or stderr?"""
    check_fn(answer)
    assert capsys.readouterr() == ("", "")


# ---- collapse_stack: wrong answers ----------------------------------------------------
def stack_reversed(layers):
    W, b = layers[-1]
    for W_next, b_next in reversed(layers[:-1]):
        W, b = W_next @ W, W_next @ b + b_next
    return W, b


def stack_skips_first(layers):
    W = np.eye(np.shape(layers[0][0])[1])
    b = np.zeros(np.shape(layers[0][0])[1])
    for W_layer, b_layer in layers[1:]:
        W, b = W_layer @ W, W_layer @ b + b_layer
    return W, b


def stack_skips_last(layers):
    W, b = layers[0]
    for i in range(1, len(layers) - 1):
        W, b = layers[i][0] @ W, layers[i][0] @ b + layers[i][1]
    return W, b


def stack_sums_biases(layers):
    W = layers[0][0]
    for W_next, _ in layers[1:]:
        W = W_next @ W
    return W, sum(b for _, b in layers)


def stack_last_bias(layers):
    W = layers[0][0]
    for W_next, _ in layers[1:]:
        W = W_next @ W
    return W, layers[-1][1]


def stack_pops(layers):
    W, b = layers.pop(0)
    for W_next, b_next in layers:
        W, b = W_next @ W, W_next @ b + b_next
    return W, b


def stack_accumulates_in_place(layers):
    W, b = layers[-1]
    for W_layer, b_layer in reversed(layers[:-1]):
        b += W @ b_layer
        W = W @ W_layer
    return W, b


def stack_first_two_only(layers):
    return ref.collapse_linear(*layers[0], *layers[1])


def stack_transposed(layers):
    W, b = ref.collapse_stack(layers)
    return W.T, b


def stack_with_collapse_linear_adding_biases(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, b + b_next  # a collapse_linear that forgot W2 @ b1
    return W, b


WRONG_STACKS = [
    ("reversed", stack_reversed,
     {"values": "last to first", "ten_layers": "last to first"}),
    ("identity-then-skips-first", stack_skips_first,
     {"values": "leaves out the first layer", "one_layer": "returned shape",
      "ten_layers": "leaves out the first layer"}),
    ("skips-last", stack_skips_last,
     {"values": "leaves out the last layer", "ten_layers": "leaves out the last layer"}),
    ("sums-biases", stack_sums_biases,
     {"values": "adds up the biases", "ten_layers": "adds up the biases"}),
    ("collapse_linear-forgot-W2-b1", stack_with_collapse_linear_adding_biases,
     {"values": "adds up the biases", "ten_layers": "adds up the biases"}),
    ("last-bias-only", stack_last_bias,
     {"values": "only the last layer's bias", "ten_layers": "only the last layer's bias"}),
    ("transposed", stack_transposed,
     {"values": "it is transposed", "one_layer": "returned shape",
      "ten_layers": "it is transposed"}),
    # on a stack of three layers, the first two are all but the last
    ("first-two-only", stack_first_two_only,
     {"values": ("is wrong on", "leaves out the last layer"),
      "one_layer": "raised IndexError", "ten_layers": "is wrong on"}),
    ("pops-the-list", stack_pops, dict.fromkeys(STACK_CHECKS, "changed the list")),
    ("accumulates-into-a-bias", stack_accumulates_in_place,
     {"values": "changed the array", "ten_layers": "changed the array"}),
    ("returns-W-only", lambda layers: ref.collapse_stack(layers)[0],
     dict.fromkeys(STACK_CHECKS, "returned one array of shape")),
    ("stub", stub, dict.fromkeys(STACK_CHECKS, "not implemented yet")),
]


@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG_STACKS, STACK_CHECKS))
def test_wrong_collapse_stack_fails_only_its_checks(answer, kind, hint):
    """Does this check reject the wrong collapse_stack with the hint that names the
    mistake when the mistake is its concern, and accept it otherwise?"""
    assert_verdict(stack_check(kind), answer, hint)


def test_every_graded_part_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for every check?"""
    counts = {f"collapse_linear-{kind}": sum(1 for _, _, verdicts in WRONG_LINEAR
                                             if kind in verdicts) for kind in LINEAR_CHECKS}
    counts |= {f"collapse_stack-{kind}": sum(1 for _, _, verdicts in WRONG_STACKS
                                             if kind in verdicts) for kind in STACK_CHECKS}
    assert min(counts.values()) >= 3, counts


def test_the_proof_rubric_adds_up_to_the_written_answers_points():
    """Does the rubric cover substitution, distribution, the collapsed W and b, and
    depth, one point each?"""
    assert checks.PROOF_POINTS == 4
    topics = " ".join(text for _, text in checks.PROOF_RUBRIC)
    for topic in ("Substitution", "Distribution", "collapsed layer", "Depth"):
        assert topic in topics


# ---- what a failure message reveals, and replaying it ---------------------------------
def spy_linear(record, offset):
    def answer(W1, b1, W2, b2):
        W, b = ref.collapse_linear(W1, b1, W2, b2)
        record.add([W1, b1, W2, b2], [W, b])
        return W + offset, b + offset
    return answer


def spy_stack(record, offset):
    def answer(layers):
        W, b = ref.collapse_stack(layers)
        record.add([array for layer in layers for array in layer], [W, b])
        return W + offset, b + offset
    return answer


def spy_zeros(spy):
    """An answer of the right shape that is all zeros: a failure message that printed a
    difference from it would print an expected value."""
    def make(record, offset):
        answer = spy(record, 0.0)
        return lambda *args: tuple(np.zeros_like(part) for part in answer(*args))
    return make


SPIED = [pytest.param(linear_check(kind), spy_linear, id=f"collapse_linear-{kind}")
         for kind in LINEAR_CHECKS]
SPIED += [pytest.param(stack_check(kind), spy_stack, id=f"collapse_stack-{kind}")
          for kind in STACK_CHECKS]
SPIED_ZEROS = [pytest.param(linear_check("weights"), spy_zeros(spy_linear),
                            id="collapse_linear-zeros"),
               pytest.param(stack_check("values"), spy_zeros(spy_stack),
                            id="collapse_stack-zeros")]


@pytest.mark.parametrize("check_fn, spy", SPIED + SPIED_ZEROS)
def test_message_shows_one_example_at_most(check_fn, spy, grader_seed):
    """Does a failure message show the hidden inputs of one entry at most (with its right
    value), and end with the seed that replays it?"""
    record = Record()
    message = failure_message(check_fn, spy(record, 1000.0))
    assert message.endswith(f"(grader seed {grader_seed})")
    assert_one_example_at_most(message, record.numbers())


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_grader_seed_replays_the_same_inputs(check_fn, spy, monkeypatch):
    """With GRADER_SEED set, do two runs of a check draw the same inputs?"""
    monkeypatch.setenv("GRADER_SEED", "123456789")
    runs = [Record(), Record()]
    for record in runs:
        check_fn(spy(record, 0.0))
    assert runs[0].inputs and same_inputs(*runs)


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_seed_in_message_replays_the_failure(check_fn, spy, monkeypatch):
    """Does the seed a failure message names, set as GRADER_SEED, replay that failure on
    the same inputs?"""
    monkeypatch.delenv("GRADER_SEED")
    first, replay = Record(), Record()
    message = failure_message(check_fn, spy(first, 1000.0))
    monkeypatch.setenv("GRADER_SEED", re.search(r"\(grader seed (\d+)\)$", message).group(1))
    assert failure_message(check_fn, spy(replay, 1000.0)) == message
    assert same_inputs(first, replay)


@pytest.mark.parametrize("check_fn, spy", SPIED)
def test_without_grader_seed_each_run_draws_new_inputs(check_fn, spy, monkeypatch):
    """Without GRADER_SEED, does each run draw fresh inputs (so answers cannot be
    hard-coded)?"""
    monkeypatch.delenv("GRADER_SEED")
    runs = [Record(), Record()]
    for record in runs:
        check_fn(spy(record, 0.0))
    assert not same_inputs(*runs)


@pytest.mark.parametrize("kind", STACK_CHECKS)
def test_stacks_have_no_square_shortcut_after_the_first(kind):
    """After the first (square) stack, is every stack free of square layers and does its
    output width differ from its input width, so that a transposed or reversed product
    cannot have the right shape?"""
    record = Record()
    stack_check(kind)(spy_stack(record, 0.0))
    stacks = record.inputs if kind == "one_layer" else record.inputs[1:]
    for arrays in stacks:
        shapes = [a.shape for a in arrays[::2]]
        assert all(rows != columns for rows, columns in shapes), shapes
        assert shapes[0][1] != shapes[-1][0], shapes
    if kind == "ten_layers":
        assert [len(arrays) // 2 for arrays in record.inputs] == [10, 10]
