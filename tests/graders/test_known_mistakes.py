"""A failure that names a known mistake is a `KnownMistake`: the class report counts the
class's misconceptions by it. Any other failure stays a plain `GradingError`."""
import numpy as np
import pytest

from graders.a1_activations import activations
from graders.a3_training import initialisation
from graders.compare import GradingError, KnownMistake
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)


def test_a_named_mistake_is_a_known_mistake():
    with pytest.raises(KnownMistake, match=r"the tanh is squared"):
        activations.check_tanh_derivative_values(lambda z: 1 - np.tanh(z))


def test_glorot_in_place_of_he_is_a_known_mistake():
    def glorot(fan_in, fan_out, rng):
        return rng.normal(0.0, np.sqrt(2 / (fan_in + fan_out)), size=(fan_out, fan_in))
    with pytest.raises(KnownMistake, match=r"Glorot"):
        initialisation.check_he_init_statistics(glorot)


@pytest.mark.parametrize("wrong", [lambda z: 0.5 * np.tanh(z) + 1.0,  # no known mistake
                                   lambda z: np.tanh(z).astype(np.float32)])  # a dtype
def test_other_failures_are_not_known_mistakes(wrong):
    with pytest.raises(GradingError) as failure:
        activations.check_tanh_derivative_values(wrong)
    assert not isinstance(failure.value, KnownMistake), str(failure.value)
