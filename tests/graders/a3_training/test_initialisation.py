"""The hidden checks of initialisation.ipynb, tried on the answers students hand in.

he_init is graded by statistics: correct answers written in other ways than the
reference must pass every check, over many grading seeds (the false failures the
graders state must not show); each wrong answer must fail the checks its mistake
concerns, with a message that names it, and pass the others.
"""
import numpy as np
import pytest
from scipy import stats
from scipy.stats import truncnorm

from graders.a3_training import initialisation as checks
from graders.compare import GradingError
from solutions.a3_training import initialisation as ref
from tests.graders.verdicts import PASSES, assert_verdict

KINDS = ["shape", "statistics", "uses_rng", "deep_network"]


@pytest.fixture(autouse=True, params=[7, 2024], ids=lambda seed: f"seed{seed}")
def grader_seed(request, monkeypatch):
    """Each check draws its shapes and generators from a fixed seed, so every run of this
    file sees the same ones; two seeds widen what each answer is tried on."""
    monkeypatch.setenv("GRADER_SEED", str(request.param))
    return request.param


def check(kind):
    return getattr(checks, f"check_he_init_{kind}")


def per_check(table):
    """One row per (answer, check): the checks a row does not name must pass."""
    return [pytest.param(answer, kind, verdicts.get(kind, PASSES), id=f"{row_id}-{kind}")
            for row_id, answer, verdicts in table for kind in KINDS]


def std(fan_in):
    return np.sqrt(2 / fan_in)


# ---- correct answers ------------------------------------------------------------------
def he_rows(fan_in, fan_out, rng):
    return np.array([rng.normal(0.0, std(fan_in), size=fan_in) for _ in range(fan_out)])


def he_printing(fan_in, fan_out, rng):
    print("drawing", fan_out, "x", fan_in)
    return ref.he_init(fan_in, fan_out, rng)


CORRECT = [
    pytest.param(ref.he_init, id="reference"),
    pytest.param(lambda fan_in, fan_out, rng: rng.standard_normal((fan_out, fan_in)) * std(fan_in),
                 id="scaled-standard-normal"),
    pytest.param(lambda fan_in, fan_out, rng: rng.normal(0, std(fan_in), (fan_in, fan_out)).T,
                 id="transposed-view-of-the-other-shape"),
    pytest.param(lambda fan_in, fan_out, rng: stats.norm.rvs(
        scale=std(fan_in), size=(fan_out, fan_in), random_state=rng), id="scipy-norm-rvs"),
    pytest.param(he_rows, id="row-by-row"),
    pytest.param(lambda fan_in, fan_out, rng: np.reshape(
        np.sqrt(2.0) / np.sqrt(fan_in) * rng.standard_normal(fan_in * fan_out),
        (fan_out, fan_in)), id="flat-then-reshape"),
    pytest.param(he_printing, id="prints"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("answer", CORRECT)
def test_correct_he_init_passes(answer, kind):
    """Does this correct he_init pass the check?"""
    assert check(kind)(answer) is None


# ---- wrong answers --------------------------------------------------------------------
def global_state(fan_in, fan_out, rng):
    return np.random.normal(0.0, std(fan_in), size=(fan_out, fan_in))


def reseeds_global(fan_in, fan_out, rng):
    np.random.seed(42)  # "for reproducibility"
    return ref.he_init(fan_in, fan_out, rng)


WRONG = [
    # (id, answer, {check: hint}); a check not named must accept the answer
    ("transposed", lambda fan_in, fan_out, rng: rng.normal(0, std(fan_in), (fan_in, fan_out)),
     {"shape": "transposed"}),
    ("flat-vector", lambda fan_in, fan_out, rng: rng.normal(0, std(fan_in), fan_in * fan_out),
     {"shape": "(fan_out, fan_in) =", "deep_network": "(fan_out, fan_in) ="}),
    ("fan-out-variance", lambda fan_in, fan_out, rng: rng.normal(
        0, np.sqrt(2 / fan_out), (fan_out, fan_in)), {"statistics": "uses fan_out"}),
    ("lecun", ref.lecun_init, {"statistics": "LeCun's", "deep_network": "shrank"}),
    ("glorot", ref.glorot_init, {"statistics": "Glorot's", "deep_network": "shrank"}),
    # redrawn outside ±2 standard deviations, as tf.random.truncated_normal does; its
    # variance can equal Glorot's, which it must not be called
    ("truncated-normal", lambda fan_in, fan_out, rng: truncnorm.rvs(
        -2, 2, scale=std(fan_in), size=(fan_out, fan_in), random_state=rng),
     {"statistics": "cut off", "deep_network": "shrank"}),
    ("variance-as-scale", lambda fan_in, fan_out, rng: rng.normal(
        0, 2 / fan_in, (fan_out, fan_in)),
     {"statistics": "that is the variance", "deep_network": "shrank"}),
    ("sqrt2-over-fan-in", lambda fan_in, fan_out, rng: rng.normal(
        0, np.sqrt(2) / fan_in, (fan_out, fan_in)),
     {"statistics": "sqrt(2)/fan_in", "deep_network": "shrank"}),
    ("2-over-sqrt-fan-in", lambda fan_in, fan_out, rng: rng.normal(
        0, 2 / np.sqrt(fan_in), (fan_out, fan_in)),
     {"statistics": "2/sqrt(fan_in)", "deep_network": "grew"}),
    ("unscaled", lambda fan_in, fan_out, rng: rng.standard_normal((fan_out, fan_in)),
     {"statistics": "variance 1", "deep_network": "grew"}),
    ("std-as-the-mean", lambda fan_in, fan_out, rng: rng.normal(
        std(fan_in), size=(fan_out, fan_in)),
     {"statistics": "first argument", "deep_network": "grew"}),
    ("uniform-within-one-std", lambda fan_in, fan_out, rng: rng.uniform(
        -std(fan_in), std(fan_in), (fan_out, fan_in)),
     {"statistics": "uniformly", "deep_network": "shrank"}),
    ("he-uniform", lambda fan_in, fan_out, rng: rng.uniform(
        -np.sqrt(6 / fan_in), np.sqrt(6 / fan_in), (fan_out, fan_in)),
     {"statistics": "not normally distributed"}),
    ("variance-10-percent-high", lambda fan_in, fan_out, rng: np.sqrt(1.1) * ref.he_init(
        fan_in, fan_out, rng), {"statistics": "times the variance"}),
    ("absolute-values", lambda fan_in, fan_out, rng: np.abs(ref.he_init(fan_in, fan_out, rng)),
     {"statistics": "not centred", "deep_network": "grew"}),
    ("global-state", global_state, {"uses_rng": "global state"}),
    ("reseeds-the-global-state", reseeds_global, {"uses_rng": "global state"}),
    ("unseeded-generator-inside", lambda fan_in, fan_out, rng: ref.he_init(
        fan_in, fan_out, np.random.default_rng()), {"uses_rng": "same state"}),
    ("float32", lambda fan_in, fan_out, rng: ref.he_init(fan_in, fan_out, rng).astype(np.float32),
     dict.fromkeys(KINDS, "float64")),
    ("nested-lists", lambda fan_in, fan_out, rng: ref.he_init(fan_in, fan_out, rng).tolist(),
     dict.fromkeys(KINDS, "returned list")),
    ("stub", lambda fan_in, fan_out, rng: (_ for _ in ()).throw(NotImplementedError()),
     dict.fromkeys(KINDS, "not implemented yet")),
]


@pytest.mark.parametrize("answer, kind, hint", per_check(WRONG))
def test_wrong_he_init_fails_only_its_checks(answer, kind, hint):
    """Does this check reject the wrong he_init with the hint that names the mistake when
    the mistake is its concern, and accept it otherwise?"""
    assert_verdict(check(kind), answer, hint)


def test_a_generator_seeded_inside_fails_the_rng_check():
    """Is an he_init that ignores rng for a generator of its own, seeded with a constant,
    told that it ignores its argument? (Its other verdicts depend on the drawn shapes: in
    the deep network every layer gets the same matrix.)"""
    assert_verdict(check("uses_rng"), lambda fan_in, fan_out, rng: ref.he_init(
        fan_in, fan_out, np.random.default_rng(0)), "ignores its rng argument")


def test_every_check_has_three_wrong_answers():
    """Does the catalogue hold at least three specific wrong answers for he_init, and
    one at least for each of its checks?"""
    generic = {"float32", "nested-lists", "stub"}
    specific = [verdicts for row_id, _, verdicts in WRONG if row_id not in generic]
    assert len(specific) >= 3
    assert all(any(kind in verdicts for verdicts in specific) for kind in KINDS)


def test_the_rng_check_leaves_the_global_state_as_it_was():
    """Does checking an he_init that reseeds np.random leave the notebook's global state
    untouched?"""
    np.random.seed(123)
    before = np.random.get_state()
    with pytest.raises(GradingError):
        checks.check_he_init_uses_rng(reseeds_global)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


# ---- false failures -------------------------------------------------------------------
def test_stated_false_failure_probability_is_below_one_in_a_million():
    """Is the chance that a correct he_init fails a statistical check, as the module
    states it, below 1e-6, and is the deep-network bound it states the one computed?"""
    computed = checks.deep_network_false_fail_bound()
    assert computed <= checks.DEEP_NETWORK_FALSE_FAIL
    assert 6 * checks.TEST_LEVEL + checks.DEEP_NETWORK_FALSE_FAIL < 1e-6


@pytest.mark.parametrize("answer", CORRECT[:2])
def test_correct_he_init_passes_the_statistics_on_many_seeds(answer, monkeypatch):
    """Over 150 grading seeds, does a correct he_init never fail the statistical test?"""
    for seed in range(150):
        monkeypatch.setenv("GRADER_SEED", str(10_000 + seed))
        checks.check_he_init_statistics(answer)


def test_correct_he_init_passes_the_deep_network_on_many_seeds(monkeypatch):
    """Over 20 grading seeds, does the reference never fail the deep-network check?"""
    for seed in range(20):
        monkeypatch.setenv("GRADER_SEED", str(20_000 + seed))
        checks.check_he_init_deep_network(ref.he_init)


def test_failure_message_ends_with_the_replay_seed(grader_seed):
    """Does a failure name the seed that replays it?"""
    with pytest.raises(GradingError) as failure:
        checks.check_he_init_statistics(ref.lecun_init)
    assert str(failure.value).endswith(f"(grader seed {grader_seed})")
