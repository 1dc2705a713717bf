"""Hidden checks of a3_training/dying_relu.ipynb: dead_neuron_fraction, and the fix.

- `check_dead_neuron_fraction_values`: random pre-activations with dead units among
  them (some holding exact zeros, one all zeros), units alive on a single sample, and
  n_samples != n_units, so that a wrong axis shows.
- `check_dead_neuron_fraction_edge_cases`: every unit dead, none dead, one sample, one
  unit.
- `check_fixed_config`: the student's configuration trains the notebook's network on
  TRIALS = 5 fresh draws of data and initial weights; on at least REQUIRED = 4 of them,
  at most 25% of the hidden units may be dead after training and the accuracy on fresh
  test data must reach 90% (the bounds the notebook states). Dead means no gradient on
  any sample (`no_gradient_fraction`): a unit <= 0 everywhere under ReLU (or a leak under
  NEGLIGIBLE_LEAK); under a real leak, none. Graded by that outcome, so every working fix
  passes: biases started at 0 or somewhat above, with any reasonable learning rate, leak
  or weight gain; changing only the learning rate does not, nor only the leak up to 0.3
  (measured on 6 draws each: 0.01 to 0.3 reach 20 % to 96 % test accuracy, mostly below
  90 %; a leak of 0.5 alone reached 89 % to 96 % and may pass, by its outcome). False
  failures: over 2000 draws, the reference fix (biases at 0) never fell below 93% test
  accuracy nor above 20% dead units, 3 and 5 points inside the bounds; even if one draw
  in 2000 failed, a check that allows one failure in five would fail a working fix with
  probability 10·(1/2000)² = 2.5e-6, and the margins make it far smaller. The dying
  configuration fails on every draw.
"""
import numbers
from dataclasses import dataclass

import numpy as np

from graders.compare import Grading, KnownMistake, Mistake
from solutions.a3_training import dying_relu as ref

TRIALS, REQUIRED = 5, 4  # the fix must work on at least REQUIRED of TRIALS draws


def _dead(Z, strict=False):
    return (Z < 0) if strict else (Z <= 0)


DEAD_MISTAKES = [
    Mistake("exact zeros count as dead: a unit whose pre-activation is 0 outputs 0 and "
            "gets no gradient (relu′(0) = 0). Use Z <= 0, not Z < 0.",
            lambda Z: np.mean(np.all(_dead(Z, strict=True), axis=0))),
    Mistake("it is the fraction of entries <= 0, but a unit (a column) is dead only when "
            "it is <= 0 for every sample: np.all(Z <= 0, axis=0), then the mean over units.",
            lambda Z: np.mean(_dead(Z))),
    Mistake("it reduces along the wrong axis: samples are rows and units are columns, so "
            "a unit is dead when its column is <= 0 everywhere (axis=0).",
            lambda Z: np.mean(np.all(_dead(Z), axis=1))),
    Mistake("it counts the dead units; return their fraction (divide by the number of "
            "units).", lambda Z: np.sum(np.all(_dead(Z), axis=0))),
    Mistake("it calls a unit dead when it is <= 0 for some sample (np.any); dead means "
            "for every sample (np.all).", lambda Z: np.mean(np.any(_dead(Z), axis=0))),
    Mistake("it is a percentage; return a fraction between 0 and 1.",
            lambda Z: 100 * np.mean(np.all(_dead(Z), axis=0))),
    Mistake("it is the fraction of units alive, 1 minus the dead fraction.",
            lambda Z: 1 - np.mean(np.all(_dead(Z), axis=0))),
    Mistake("it looks at each unit's mean pre-activation: a unit whose mean is <= 0 can "
            "still fire on some samples and get a gradient from them. Dead means <= 0 on "
            "every sample: np.all(Z <= 0, axis=0).",
            lambda Z: np.mean(np.mean(Z, axis=0) <= 0)),
    Mistake("it divides the number of dead units by the number of samples; the fraction "
            "is of units (columns): divide by Z.shape[1], or take the mean over units.",
            lambda Z: np.sum(np.all(_dead(Z), axis=0)) / np.shape(Z)[0]),
]


def _pre_activations(rng):
    """Pre-activations (n_samples, n_units) with several kinds of dead and living units."""
    n_units = int(rng.integers(8, 20))
    n_samples = int(rng.integers(20, 60))
    Z = rng.normal(0, 2, size=(n_samples, n_units))
    columns = rng.permutation(n_units)
    # about a third dead, never exactly half (where "alive" and "dead" coincide)
    n_dead = int(rng.integers(3, n_units // 2))
    dead, alive = columns[:n_dead], columns[n_dead:]
    Z[:, dead] = -np.abs(Z[:, dead])
    for unit in dead[:2]:  # dead units touching 0 exactly
        Z[rng.choice(n_samples, size=3, replace=False), unit] = 0.0
    Z[:, dead[2]] = 0.0  # a unit whose pre-activation is exactly 0 everywhere
    # living units that fire on a single sample, or only just
    for unit in alive[:2]:
        Z[:, unit] = -np.abs(Z[:, unit])
        Z[rng.integers(n_samples), unit] = rng.uniform(0.01, 1)
    Z[:, alive[2]] = np.where(rng.random(n_samples) < 0.5, 0.0, -1.0)
    Z[rng.integers(n_samples), alive[2]] = 1e-6
    return Z


def _compare(grading, dead_neuron_fraction, Z, what):
    before = Z.copy()
    actual = grading.call(dead_neuron_fraction, Z, what=what)
    grading.assert_unchanged(before, Z, what=what)
    grading.assert_matches(actual, ref.dead_neuron_fraction(Z), what=what, inputs=(Z,),
                           mistakes=DEAD_MISTAKES, scalar_ok=True)


def check_dead_neuron_fraction_values(dead_neuron_fraction):
    """Random pre-activations holding dead units, exact zeros and nearly dead units."""
    grading = Grading("dead_neuron_fraction")
    for _ in range(3):
        Z = _pre_activations(grading.rng)
        _compare(grading, dead_neuron_fraction, Z,
                 f"dead_neuron_fraction(Z) for Z of shape {Z.shape}")


def check_dead_neuron_fraction_edge_cases(dead_neuron_fraction):
    """Every unit dead (zeros included), none dead, a single sample, a single unit."""
    grading = Grading("dead_neuron_fraction")
    rng = grading.rng
    n_samples, n_units = int(rng.integers(5, 15)), int(rng.integers(16, 25))
    all_dead = -np.abs(rng.normal(size=(n_samples, n_units)))
    all_dead[:, 0] = 0.0
    none_dead = rng.normal(size=(n_samples, n_units))
    none_dead[rng.integers(n_samples, size=n_units), np.arange(n_units)] = rng.uniform(
        0.1, 1, size=n_units)
    cases = {
        "every unit dead (some exactly 0)": all_dead,
        "no unit dead": none_dead,
        "a single sample": rng.normal(size=(1, n_units)),
        "a single unit": -np.abs(rng.normal(size=(n_samples, 1))),
    }
    for label, Z in cases.items():
        _compare(grading, dead_neuron_fraction, Z,
                 f"dead_neuron_fraction(Z) with {label}, Z of shape {Z.shape},")


# ---- the fix --------------------------------------------------------------------------
# Each `wrong` gives, from the student's configuration, the configuration of a known
# non-fix; a configuration equal to it fails with the hint (when it fails the outcome).
CONFIG_MISTAKES = [
    Mistake("fixed_config returns the dying configuration unchanged: change what makes "
            "the units die.", lambda config: ref.DYING_CONFIG),
    Mistake("only the learning rate changed: a unit whose pre-activation is <= 0 for every "
            "sample gets a gradient of exactly 0, which no learning rate scales up. Change "
            "what puts the pre-activations below 0.",
            lambda config: {**ref.DYING_CONFIG, "learning_rate": config["learning_rate"]}),
    Mistake("only the leak changed: the units below 0 now pass a gradient, but from "
            "biases this far below 0 they barely climb back, and a network whose units "
            "all stay on their linear side is a linear classifier. Change what puts the "
            "pre-activations below 0.",
            lambda config: {**ref.DYING_CONFIG, "leak": config["leak"]}),
]


def _valid_config(grading, config):
    """The configuration, checked to be a dict of finite numbers with DYING_CONFIG's keys."""
    keys = list(ref.DYING_CONFIG)
    if not isinstance(config, dict):
        raise grading.fail(f"fixed_config returned {type(config).__name__}; return a dict "
                           "with the keys of DYING_CONFIG, e.g. {**DYING_CONFIG, ...}.")
    missing = [key for key in keys if key not in config]
    unknown = [str(key) for key in config if key not in keys]
    if missing or unknown:
        raise grading.fail(
            "fixed_config's dict must have exactly the keys of DYING_CONFIG ("
            + ", ".join(keys) + ")" + (f"; it lacks {', '.join(missing)}" if missing else "")
            + (f"; the network does not read {', '.join(unknown)}" if unknown else "")
            + ". Start from {**DYING_CONFIG, ...}.")
    for key in keys:
        value = config[key]
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
                or not np.isfinite(value)):
            raise grading.fail(f"fixed_config's {key} is {value!r}; it must be a finite "
                               "number.")
    for key in ("weight_gain", "learning_rate"):
        if config[key] <= 0:
            raise grading.fail(f"fixed_config's {key} must be positive.")
    return {key: float(config[key]) for key in keys}


@dataclass(frozen=True)
class Outcome:
    """One fresh draw of the network trained with a configuration."""
    dead_at_start: float  # fraction of hidden units dead (no gradient) before training
    dead: float           # ... and after it
    below_zero: float     # fraction <= 0 on every sample after training (dead if no leak)
    accuracy: float       # on fresh test data
    loss: float           # the last epoch's training loss


def _outcome(config, seed) -> Outcome:
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):  # a diverging configuration is judged by its outcome
        result = ref.train_network(config, rng)
        accuracy = ref.held_out_accuracy(config, result, rng)
    return Outcome(ref.no_gradient_fraction(config, result["Z_start"]),
                   ref.no_gradient_fraction(config, result["Z_end"]),
                   ref.dead_neuron_fraction(result["Z_end"]), accuracy,
                   float(result["losses"][-1]))


def _why(config, outcome: Outcome) -> str:
    """What the failed draw shows went wrong, in the order the network met it."""
    if outcome.dead_at_start > ref.MAX_DEAD_FRACTION:
        return (f"{outcome.dead_at_start:.0%} of the units were dead before training "
                "began: look at where the pre-activations start (initial_bias, "
                "weight_gain); a unit must fire on some samples to receive a gradient.")
    if outcome.dead > ref.MAX_DEAD_FRACTION:
        return (f"only {outcome.dead_at_start:.0%} of the units were dead at the start, so "
                "they died during training: steps as large as learning_rate = "
                f"{config['learning_rate']:g} can push a unit below 0 on every sample, "
                "where it gets no gradient to come back. Take smaller steps.")
    if (abs(config["leak"]) >= ref.NEGLIGIBLE_LEAK
            and outcome.below_zero > ref.MAX_DEAD_FRACTION):
        return (f"with leak = {config['leak']:g} no unit is dead, but {outcome.below_zero:.0%} "
                "of them ended below 0 on every sample, where they pass only leak × their "
                "gradient and act as one linear map: the network stays close to a linear "
                "classifier. Look at where the pre-activations start (initial_bias).")
    return (f"few units died, but the network did not learn the two moons (final "
            f"training loss {outcome.loss:.3g}): with learning_rate = "
            f"{config['learning_rate']:g} it may learn too slowly in {ref.EPOCHS} epochs, "
            "or overshoot; weight_gain sets the starting scale, and a leak near 1 makes "
            "the network almost linear.")


def check_fixed_config(fixed_config):
    """On fresh data and initial weights, the fixed network keeps at most 25% of its
    hidden units dead and reaches 90% accuracy on fresh test data, in at least 4 of 5
    draws."""
    grading = Grading("fixed_config")
    config = _valid_config(grading, grading.call(fixed_config))
    outcomes = [_outcome(config, int(grading.rng.integers(2**32))) for _ in range(TRIALS)]
    failed = [o for o in outcomes
              if not (o.dead <= ref.MAX_DEAD_FRACTION and o.accuracy >= ref.MIN_TEST_ACCURACY)]
    if len(failed) <= TRIALS - REQUIRED:
        return
    for mistake in CONFIG_MISTAKES:
        if mistake.wrong(config) == config:
            raise grading.fail(f"this does not fix the network: {mistake.hint}", KnownMistake)
    first = failed[0]
    raise grading.fail(
        f"with your configuration, the network fell short on {len(failed)} of {TRIALS} "
        f"fresh draws of data and initial weights (at most {TRIALS - REQUIRED} may): on "
        f"one, {first.dead:.0%} of the hidden units were dead after training (at most "
        f"{ref.MAX_DEAD_FRACTION:.0%} may be) and the test accuracy was {first.accuracy:.0%} "
        f"(at least {ref.MIN_TEST_ACCURACY:.0%} is needed). {_why(config, first)}")
