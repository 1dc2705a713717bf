"""The hidden checks of dying_relu.ipynb, tried on the answers students hand in.

dead_neuron_fraction has a values check and an edge-case check: correct answers written
in other ways than the reference pass both, wrong ones fail with the hint that names the
mistake. The fix is graded by its outcome: working fixes of several kinds pass, and the
dying configuration, partial changes and malformed configurations fail with a message
that says why.
"""
import numpy as np
import pytest

from graders.a3_training import dying_relu as checks
from solutions.a3_training import dying_relu as ref
from tests.graders.verdicts import PASSES, assert_verdict

KINDS = ["values", "edge_cases"]
SEEDS = [pytest.param(seed, id=f"seed{seed}") for seed in (7, 2024, 31337)]


@pytest.fixture
def grader_seed(request, monkeypatch):
    """The check draws its inputs from this seed, so every run of a test sees the same."""
    monkeypatch.setenv("GRADER_SEED", str(request.param))
    return request.param


def check(kind):
    return getattr(checks, f"check_dead_neuron_fraction_{kind}")


def per_check(table):
    """One row per (answer, check): the checks a row does not name must pass."""
    return [pytest.param(answer, kind, verdicts.get(kind, PASSES), id=f"{row_id}-{kind}")
            for row_id, answer, verdicts in table for kind in KINDS]


def stub(*args):
    raise NotImplementedError()


# ---- dead_neuron_fraction: correct answers --------------------------------------------
def fraction_by_columns(Z):
    dead = 0
    for unit in range(Z.shape[1]):
        if all(value <= 0 for value in Z[:, unit]):
            dead += 1
    return dead / Z.shape[1]


def fraction_printing(Z):
    print("Z has shape", Z.shape)
    return ref.dead_neuron_fraction(Z)


CORRECT = [
    pytest.param(ref.dead_neuron_fraction, id="reference"),
    pytest.param(lambda Z: np.mean(np.max(Z, axis=0) <= 0), id="largest-value-per-unit"),
    pytest.param(lambda Z: 1.0 - np.mean(np.any(Z > 0, axis=0)), id="one-minus-fires-somewhere"),
    pytest.param(lambda Z: np.count_nonzero((Z > 0).sum(axis=0) == 0) / Z.shape[1],
                 id="count-of-units-never-firing"),
    pytest.param(lambda Z: np.mean(np.all(np.maximum(Z, 0) == 0, axis=0)),
                 id="relu-output-all-zero"),
    pytest.param(fraction_by_columns, id="python-loop-over-columns"),
    pytest.param(fraction_printing, id="prints"),
]


@pytest.mark.parametrize("grader_seed", SEEDS, indirect=True)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("answer", CORRECT)
def test_correct_dead_neuron_fraction_passes(answer, kind, grader_seed):
    """Does this correct dead_neuron_fraction pass the check?"""
    assert check(kind)(answer) is None


# ---- dead_neuron_fraction: wrong answers ----------------------------------------------
def zeroes_in_place(Z):
    Z[Z < 0] = 0.0
    return float(np.mean(np.all(Z == 0, axis=0)))


WRONG = [
    # (id, answer, {check: hint}); a check not named must accept the answer
    ("strictly-negative", lambda Z: np.mean(np.all(Z < 0, axis=0)),
     dict.fromkeys(KINDS, "exact zeros count as dead")),
    ("fraction-of-entries", lambda Z: np.mean(Z <= 0),
     dict.fromkeys(KINDS, "fraction of entries")),
    ("per-sample", lambda Z: np.mean(np.all(Z <= 0, axis=1)),
     dict.fromkeys(KINDS, "wrong axis")),
    ("count", lambda Z: np.sum(np.all(Z <= 0, axis=0)) * 1.0,
     dict.fromkeys(KINDS, "counts the dead units")),
    ("any-instead-of-all", lambda Z: np.mean(np.any(Z <= 0, axis=0)),
     dict.fromkeys(KINDS, "np.any")),
    ("percentage", lambda Z: 100 * ref.dead_neuron_fraction(Z),
     dict.fromkeys(KINDS, "percentage")),
    ("alive-fraction", lambda Z: 1 - ref.dead_neuron_fraction(Z),
     dict.fromkeys(KINDS, "fraction of units alive")),
    ("zeroes-the-input", zeroes_in_place, dict.fromkeys(KINDS, "changed the array")),
    ("no-mean", lambda Z: np.all(Z <= 0, axis=0).astype(float),
     dict.fromkeys(KINDS, "returned shape")),
    ("integer-division", lambda Z: np.sum(np.all(Z <= 0, axis=0)) // Z.shape[1],
     dict.fromkeys(KINDS, "dtype int64")),
    ("stub", stub, dict.fromkeys(KINDS, "not implemented yet")),
]


@pytest.mark.parametrize("grader_seed", SEEDS, indirect=True)
@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG))
def test_wrong_dead_neuron_fraction_fails_with_its_hint(answer, kind, hint, grader_seed):
    """Does the check reject this wrong dead_neuron_fraction with the hint that names the
    mistake?"""
    assert_verdict(check(kind), answer, hint)


def test_every_check_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for every check?"""
    counts = {kind: sum(1 for row_id, _, verdicts in WRONG
                        if kind in verdicts and row_id != "stub") for kind in KINDS}
    assert min(counts.values()) >= 3, counts


# ---- the fix --------------------------------------------------------------------------
def config(**changes):
    return lambda: {**ref.DYING_CONFIG, **changes}


def config_printing():
    print("trying biases at 0")
    return {**ref.DYING_CONFIG, "initial_bias": 0.0}


WORKING_FIXES = [
    pytest.param(ref.fixed_config, id="reference-biases-at-0"),
    pytest.param(config(initial_bias=0.01), id="biases-slightly-positive"),
    pytest.param(config(initial_bias=0.1), id="biases-at-0.1"),
    pytest.param(config(initial_bias=0.0, leak=0.01), id="biases-at-0-and-leaky"),
    pytest.param(config(initial_bias=0.0, weight_gain=1.0), id="biases-at-0-lecun-weights"),
    pytest.param(config(initial_bias=0.0, learning_rate=0.5), id="biases-at-0-larger-step"),
    pytest.param(lambda: {"weight_gain": 2, "initial_bias": 0, "leak": 0, "learning_rate": 0.2},
                 id="written-out-with-integers"),
    pytest.param(config_printing, id="prints"),
    # a third to a half of the leaky units end below 0 on every sample; they still pass
    # half their gradient, and the network reaches 95-97 % test accuracy (8 draws measured)
    pytest.param(config(initial_bias=-2.0, leak=0.5), id="leaky-units-below-0-still-learn"),
]


def test_a_leaky_unit_below_0_is_not_dead():
    """Dead means no gradient on any sample: units <= 0 everywhere under ReLU (or a
    negligible leak), never under a real leak."""
    Z = np.array([[-1.0, 2.0], [0.0, -3.0]])
    assert ref.no_gradient_fraction({**ref.DYING_CONFIG, "leak": 0.0}, Z) == 0.5
    assert ref.no_gradient_fraction({**ref.DYING_CONFIG, "leak": 0.01}, Z) == 0.0
    # a leak of 1e-9 passes nothing to speak of: its units below 0 everywhere are dead
    assert ref.no_gradient_fraction({**ref.DYING_CONFIG, "leak": 1e-9}, Z) == 0.5


@pytest.fixture
def one_seed(monkeypatch):
    monkeypatch.setenv("GRADER_SEED", "7")


@pytest.mark.parametrize("fix", WORKING_FIXES)
def test_working_fix_passes(fix, one_seed):
    """Does this fix, of whatever kind, pass on the grader's fresh draws?"""
    assert checks.check_fixed_config(fix) is None


NOT_FIXES = [
    pytest.param(config(), "unchanged", id="dying-config-unchanged"),
    pytest.param(lambda: dict(ref.DYING_CONFIG), "unchanged", id="a-copy-of-it"),
    pytest.param(config(learning_rate=0.02), "only the learning rate", id="smaller-step-only"),
    pytest.param(config(learning_rate=2.0), "only the learning rate", id="larger-step-only"),
    pytest.param(config(leak=0.01), "only the leak", id="leaky-relu-only"),
    pytest.param(config(leak=0.1), "only the leak", id="leakier-relu-only"),
    pytest.param(config(initial_bias=-1.0), "fell short on", id="biases-less-negative"),
    pytest.param(config(weight_gain=20.0), "fell short on", id="huge-weights"),
    # the message says what the failed draw showed, not always "where they start"
    pytest.param(config(initial_bias=0.0, learning_rate=5.0), "died during training",
                 id="biases-at-0-but-huge-steps"),
    pytest.param(config(initial_bias=0.0, learning_rate=0.001), "did not learn",
                 id="biases-at-0-but-tiny-steps"),
    pytest.param(config(initial_bias=-3.0), "dead before training", id="biases-still-far-below"),
    pytest.param(stub, "not implemented yet", id="stub"),
]


@pytest.mark.parametrize("fix, hint", NOT_FIXES)
def test_non_fix_fails(fix, hint, one_seed):
    """Does the check reject a configuration that does not fix the network, saying why?"""
    assert_verdict(checks.check_fixed_config, fix, hint)


MALFORMED = [
    pytest.param(lambda: [("initial_bias", 0.0)], "return a dict", id="a-list"),
    pytest.param(lambda: {"initial_bias": 0.0}, "it lacks weight_gain", id="only-the-change"),
    pytest.param(config(initial_bias=0.0, hidden_units=32), "does not read hidden_units",
                 id="unknown-key"),
    pytest.param(config(initial_bias=float("nan")), "finite number", id="nan-bias"),
    pytest.param(config(initial_bias=0.0, leak=True), "finite number", id="boolean-leak"),
    pytest.param(config(initial_bias=0.0, learning_rate=-0.1), "must be positive",
                 id="negative-step"),
    pytest.param(config(initial_bias="0"), "finite number", id="string-bias"),
]


@pytest.mark.parametrize("fix, hint", MALFORMED)
def test_malformed_configuration_is_explained(fix, hint, one_seed):
    """Is a configuration the network cannot read rejected with what to change?"""
    assert_verdict(checks.check_fixed_config, fix, hint)


def test_reference_fix_passes_on_many_seeds(monkeypatch):
    """Over 8 grading seeds (40 fresh draws), does the reference fix never fail?"""
    for seed in range(8):
        monkeypatch.setenv("GRADER_SEED", str(30_000 + seed))
        checks.check_fixed_config(ref.fixed_config)


def test_the_dying_configuration_dies_on_every_draw():
    """Does the notebook's dying network stall, with most units dead, on every draw?"""
    for seed in range(5):
        outcome = checks._outcome(ref.DYING_CONFIG, seed)
        assert outcome.dead > ref.MAX_DEAD_FRACTION
        assert outcome.accuracy < ref.MIN_TEST_ACCURACY
