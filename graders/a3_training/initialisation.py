"""Hidden checks of a3_training/initialisation.ipynb: he_init, graded by statistics.

A random matrix cannot be compared with a reference matrix, so each check tests what
every sample of He's initialisation satisfies, on shapes drawn at grading time:

- `check_he_init_shape`: the shape (fan_out, fan_in), float64, finite, on non-square
  shapes, where a fan_in/fan_out mix-up shows.
- `check_he_init_statistics`: on a tall and a wide matrix of over 20 000 entries, the
  variance is 2/fan_in, the mean 0 and the distribution normal, each within the
  tolerance its sample size allows. The wide matrix is tested after the tall one,
  where the known wrong variances (fan_out, Glorot, LeCun...) all differ from each
  other, so the message names the mistake made.
- `check_he_init_uses_rng`: the same generator state gives the same matrix, different
  generators different ones, and np.random's global state is neither read nor changed.
- `check_he_init_deep_network`: the experiment of the notebook, 30 ReLU layers of
  He-initialised weights, keeps the signal within a factor 16 of its input's size.

False failures. A correct he_init fails only by chance, and rarely:
- check_he_init_statistics makes 6 tests (variance, mean and normality on 2 matrices),
  each failing a correct answer with probability at most TEST_LEVEL = 1e-8 (exact chi²
  and normal quantiles; the Dvoretzky–Kiefer–Wolfowitz bound for normality): <= 6e-8;
- check_he_init_deep_network: <= 1.3e-8 (DEEP_NETWORK_FALSE_FAIL, a Chernoff bound
  computed by `deep_network_false_fail_bound`, which the tests recompute);
- the shape and generator checks are exact: never.
So a correct notebook loses a point by chance with probability below 1e-7.
"""
import numpy as np

from graders.compare import Grading, KnownMistake, Mistake
from solutions.a3_training import initialisation as ref

TEST_LEVEL = 1e-8  # the chance that one statistical test fails a correct answer

# the experiment: a 30-layer ReLU network, as in the notebook
DEPTH, WIDTH, N_SAMPLES = 30, 256, 16
SIZE_FACTOR = 16  # every layer's output stays within this factor of the input's size
DEEP_NETWORK_FALSE_FAIL = 1.3e-8


def _tall_shape(rng):
    """(fan_in, fan_out) with fan_out between a quarter and 0.4 of fan_in."""
    fan_in = int(rng.integers(300, 500))
    return fan_in, int(round(fan_in * rng.uniform(0.25, 0.4)))


def _wide_shape(rng):
    """(fan_in, fan_out) with fan_out between 2.5 and 4 times fan_in."""
    fan_in = int(rng.integers(100, 160))
    return fan_in, int(round(fan_in * rng.uniform(2.5, 4.0)))


def _weights(grading, he_init, fan_in, fan_out, rng, *, shape_matters=True):
    """Call he_init and check what every check needs: a float64 array, finite, with
    fan_in·fan_out entries, in the shape (fan_out, fan_in) where `shape_matters`."""
    weights = grading.call(he_init, fan_in, fan_out, rng)
    if not isinstance(weights, np.ndarray):
        raise grading.fail(f"he_init returned {type(weights).__name__}; return a NumPy "
                           "array (rng.normal returns one).")
    if weights.shape != (fan_out, fan_in) and (shape_matters or weights.size != fan_in * fan_out):
        if weights.shape == (fan_in, fan_out):
            raise grading.fail(
                "he_init returned its matrix transposed, of shape (fan_in, fan_out): a "
                "weight matrix has one row per output unit, shape (fan_out, fan_in), so "
                "that W @ x maps fan_in inputs to fan_out outputs.")
        raise grading.fail(f"he_init returned shape {weights.shape} where (fan_out, "
                           f"fan_in) = {(fan_out, fan_in)} was expected.")
    if weights.dtype != np.float64:
        raise grading.fail(f"he_init returned dtype {weights.dtype}; return float64 "
                           "(rng.normal draws float64).")
    if not np.all(np.isfinite(weights)):
        raise grading.fail("he_init returned nan or inf: the standard deviation is "
                           "sqrt(2/fan_in), a finite number.")
    return weights


def check_he_init_shape(he_init):
    """Shape (fan_out, fan_in), dtype float64, on tall, wide and small shapes."""
    grading = Grading("he_init")
    rng = grading.rng
    shapes = [_tall_shape(rng), _wide_shape(rng),
              (int(rng.integers(2, 6)), int(rng.integers(7, 12))),
              (int(rng.integers(7, 12)), int(rng.integers(2, 6))),
              (int(rng.integers(3, 9)), 1)]  # an output layer with one unit
    for fan_in, fan_out in shapes:
        _weights(grading, he_init, fan_in, fan_out, np.random.default_rng(rng.integers(2**32)))


# Known wrong variances, as functions of (fan_in, fan_out): a wrong answer whose entries
# have one of these variances fails with its hint.
VARIANCE_MISTAKES = [
    Mistake("it uses fan_out where He uses fan_in: Var(w) = 2/fan_in, with fan_in the "
            "number of inputs each unit adds up.", lambda fan_in, fan_out: 2 / fan_out),
    Mistake("it is LeCun's initialisation, Var(w) = 1/fan_in: ReLU needs twice that, "
            "2/fan_in.", lambda fan_in, fan_out: 1 / fan_in),
    Mistake("it is Glorot's (Xavier's) initialisation, Var(w) = 2/(fan_in + fan_out); "
            "He's is 2/fan_in.", lambda fan_in, fan_out: 2 / (fan_in + fan_out)),
    Mistake("it uses 2/fan_in as the standard deviation: that is the variance, and "
            "rng.normal's scale is the standard deviation, sqrt(2/fan_in).",
            lambda fan_in, fan_out: (2 / fan_in) ** 2),
    Mistake("it uses sqrt(2)/fan_in as the standard deviation: it is sqrt(2/fan_in).",
            lambda fan_in, fan_out: 2 / fan_in ** 2),
    Mistake("it uses 2/sqrt(fan_in) as the standard deviation: it is sqrt(2/fan_in).",
            lambda fan_in, fan_out: 4 / fan_in),
    Mistake("its entries have variance 1, as if the standard normal were not scaled (or "
            "sqrt(2/fan_in) went into rng.normal's first argument, which is the mean): "
            "use rng.normal(0.0, np.sqrt(2 / fan_in), size=...).",
            lambda fan_in, fan_out: 1.0),
    Mistake("it draws uniformly between ±sqrt(2/fan_in), which has a third of the "
            "variance: He's initialisation is normal, N(0, 2/fan_in).",
            lambda fan_in, fan_out: 2 / (3 * fan_in)),
]


def _variance_fits(weights, variance):
    """Is Σw²/variance, a χ² variable of weights.size degrees of freedom for entries
    from N(0, variance), within its central 1 − TEST_LEVEL range?"""
    from scipy.stats import chi2

    statistic = np.sum(weights ** 2) / variance
    return (chi2.ppf(TEST_LEVEL / 2, weights.size) <= statistic
            <= chi2.isf(TEST_LEVEL / 2, weights.size))


# A normal cut off at ±2 standard deviations has its largest entry at 2/0.88 = 2.27 times
# its own root-mean-square, a uniform at 1.73 times; among the 22,500 or more entries
# checked, a full normal has one beyond 2.6 times it except with probability below 1e-90.
TRUNCATED_SPREAD = (2.0, 2.6)


def _test_variance(grading, weights, fan_in, fan_out, label):
    if _variance_fits(weights, 2 / fan_in):
        return
    spread = np.max(np.abs(weights)) / np.sqrt(np.mean(weights ** 2))
    if TRUNCATED_SPREAD[0] <= spread <= TRUNCATED_SPREAD[1]:
        raise grading.fail(
            "he_init is wrong: its entries are cut off at about ±2 standard deviations (a "
            "truncated normal), which lowers their variance to about 0.77 × 2/fan_in. He's "
            "initialisation draws from the whole normal N(0, 2/fan_in).", KnownMistake)
    for mistake in VARIANCE_MISTAKES:
        if _variance_fits(weights, mistake.wrong(fan_in, fan_out)):
            raise grading.fail(f"he_init is wrong: {mistake.hint}", KnownMistake)
    _test_mean(grading, weights, np.var(weights))  # a shifted mean also raises Σw²
    ratio = np.mean(weights ** 2) / (2 / fan_in)
    raise grading.fail(
        f"he_init's entries (on a {label} matrix) have {ratio:.2g} times the variance "
        "2/fan_in of He's initialisation. Draw them from N(0, 2/fan_in): the standard "
        "deviation is sqrt(2/fan_in).")


def _test_mean(grading, weights, variance):
    """Fail if the entries' mean is further from 0 than entries of `variance` allow."""
    from scipy.special import ndtri

    # the mean of n entries of N(0, v) is N(0, v/n)
    bound = ndtri(1 - TEST_LEVEL / 2) * np.sqrt(variance / weights.size)
    if abs(np.mean(weights)) > bound:
        raise grading.fail(
            f"he_init's entries are not centred on 0: their mean is {np.mean(weights):.3g}, "
            "far from 0 for that many entries. He's initialisation is N(0, 2/fan_in), as "
            "likely negative as positive. Check rng.normal's first argument (the mean) "
            "and any np.abs.")


def _test_normal(grading, weights, fan_in):
    from scipy.special import ndtr

    # Kolmogorov–Smirnov distance to N(0, 2/fan_in); by the Dvoretzky–Kiefer–Wolfowitz
    # inequality (Massart's constant), P(distance > bound) <= TEST_LEVEL for a correct answer
    standardised = np.sort(weights.ravel()) / np.sqrt(2 / fan_in)
    n = standardised.size
    cdf = ndtr(standardised)
    distance = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    if distance > np.sqrt(np.log(2 / TEST_LEVEL) / (2 * n)):
        raise grading.fail(
            "he_init's entries have the right mean and variance but are not normally "
            "distributed (a uniform He initialisation, for instance): draw them with "
            "rng.normal (or rng.standard_normal, scaled).")


def check_he_init_statistics(he_init):
    """Variance 2/fan_in, mean 0, normal: on a tall, then a wide matrix."""
    grading = Grading("he_init")
    rng = grading.rng
    for label, (fan_in, fan_out) in (("tall", _tall_shape(rng)), ("wide", _wide_shape(rng))):
        weights = _weights(grading, he_init, fan_in, fan_out,
                           np.random.default_rng(rng.integers(2**32)), shape_matters=False)
        _test_variance(grading, weights, fan_in, fan_out, label)
        _test_mean(grading, weights, 2 / fan_in)
        _test_normal(grading, weights, fan_in)


def _same_global_state(first, second):
    return all(np.array_equal(a, b) for a, b in zip(first, second))


def check_he_init_uses_rng(he_init):
    """Reproducible with the same generator state, different across generators, and
    independent of np.random's global state (neither read nor changed)."""
    grading = Grading("he_init")
    rng = grading.rng
    fan_in, fan_out = int(rng.integers(3, 8)), int(rng.integers(9, 14))
    seed, other_seed = (int(s) for s in rng.choice(2**32, size=2, replace=False))
    global_seeds = rng.choice(2**32, size=2, replace=False)
    saved = np.random.get_state()
    try:
        np.random.seed(global_seeds[0])
        before = np.random.get_state()
        first = _weights(grading, he_init, fan_in, fan_out, np.random.default_rng(seed),
                         shape_matters=False)
        if not _same_global_state(before, np.random.get_state()):
            raise grading.fail(
                "he_init uses np.random's global state (np.random.normal, randn, seed...): "
                "draw every number from the generator rng it is given, for example "
                "rng.normal(...).")
        np.random.seed(global_seeds[1])
        again = _weights(grading, he_init, fan_in, fan_out, np.random.default_rng(seed),
                         shape_matters=False)
        if not np.array_equal(first, again):
            raise grading.fail(
                "he_init gave different matrices for two generators in the same state: "
                "draw from the rng argument, not from a generator made inside the function "
                "(np.random.default_rng() without a seed) or from the clock.")
        other = _weights(grading, he_init, fan_in, fan_out, np.random.default_rng(other_seed),
                         shape_matters=False)
        if np.array_equal(first, other):
            raise grading.fail(
                "he_init gave the same matrix for two different generators: it ignores "
                "its rng argument (a generator with a fixed seed made inside the function?). "
                "Draw from rng.")
    finally:
        np.random.set_state(saved)


def check_he_init_deep_network(he_init):
    """Through 30 ReLU layers of width 256, each layer's output stays within a factor 16
    of the input's size (root-mean-square)."""
    grading = Grading("he_init in a 30-layer ReLU network")

    def student_init(fan_in, fan_out, rng):
        return _weights(grading, he_init, fan_in, fan_out, rng)

    sizes = ref.activation_sizes(student_init, grading.rng, DEPTH, WIDTH, N_SAMPLES)
    ratios = sizes[1:] / sizes[0]
    for layer, ratio in enumerate(ratios, start=1):
        if not ratio >= 1 / SIZE_FACTOR:
            raise grading.fail(
                f"with your he_init, the activations of a {DEPTH}-layer ReLU network shrank "
                f"below 1/{SIZE_FACTOR} of the input's size by layer {layer}: the weights' "
                "variance is too small. ReLU zeroes about half of each layer's inputs, "
                "halving the mean square, unless Var(w) = 2/fan_in.")
        if not ratio <= SIZE_FACTOR:
            raise grading.fail(
                f"with your he_init, the activations of a {DEPTH}-layer ReLU network grew "
                f"past {SIZE_FACTOR} times the input's size by layer {layer}: the weights' "
                "variance is too large; He's is 2/fan_in.")


def deep_network_false_fail_bound(depth=DEPTH, width=WIDTH, n_samples=N_SAMPLES,
                                  factor=SIZE_FACTOR):
    """An upper bound on the chance that a correct he_init fails check_he_init_deep_network.

    For one input, each ReLU layer multiplies the mean square of the signal by
    R = (2/width)·χ²(K), K ~ Binomial(width, 1/2) the units that fire, independently
    from layer to layer (He's weights). The batch's size ratio is a weighted mean of the
    per-input ratios, so it leaves [1/factor, factor] only if one input's ratio does:
    union over inputs and layers, both tails by Chernoff's bound on the exact moments of
    R, and the rare layers where fewer than a quarter of the units fire added apart.
    """
    from scipy import optimize, special, stats

    k_min = width // 4
    firing = np.arange(k_min, width + 1)
    log_p_firing = stats.binom.logpmf(firing, width, 0.5)

    def log_moment(s):  # log E[R^s; K >= k_min]
        return special.logsumexp(log_p_firing + s * np.log(4 / width)
                                 + special.gammaln(firing / 2 + s)
                                 - special.gammaln(firing / 2))

    log_band = 2 * np.log(factor)  # the band on the mean square
    total = depth * stats.binom.cdf(k_min - 1, width, 0.5)
    for layer in range(1, depth + 1):
        for sign, largest in ((1, 200.0), (-1, k_min / 2 - 1)):
            tail = optimize.minimize_scalar(
                lambda s: layer * log_moment(sign * s) - s * log_band,
                bounds=(1e-9, largest), method="bounded")
            total += np.exp(tail.fun)
    return n_samples * total
