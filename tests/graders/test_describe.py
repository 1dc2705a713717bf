"""graders/describe.py: what a failure message says about a wrong answer."""
import numpy as np

from graders.describe import describe_difference, describe_not_finite, explain_crash

Z = np.array([[-2.0, 0.0, 1.5], [3.0, -0.5, 25.0]])


def described(given, right, names=("z",)):
    return describe_difference(np.asarray(given, dtype=float), np.asarray(right, dtype=float),
                               (Z,), names)


def test_the_region_of_z_that_holds_every_wrong_entry():
    right = np.maximum(Z, 0)
    assert "every entry where z < 0 is wrong, and every other entry is right" in described(
        np.abs(Z), right)
    assert "every entry at z = 0 exactly is wrong" in described(right + (Z == 0), right)
    assert "every entry where z ≥ 20 is wrong" in described(np.minimum(right, 20.0), right)


def test_how_the_wrong_values_relate_to_the_right_ones():
    right = Z + 5.0  # never 0, so a ratio is defined
    assert "there it is off by +1000" in described(right + 1000, right)
    assert "there it is 2 times the right value" in described(2 * right, right)
    assert "there it has the opposite sign" in described(-right, right)
    assert "there it returns 0" in described(np.zeros_like(right), right)
    assert "there it is always below the right value" in described(right - Z ** 2 - 1, right)


def test_the_channels_an_elementwise_answer_is_wrong_in():
    z = np.array([[-1.0, -2.0, -3.0], [2.0, -1.0, 1.0], [-4.0, 3.0, -2.0]])
    right = np.where(z > 0, z, [0.1, 0.2, 0.3] * z)
    given = np.where(z > 0, z, [0.1, 0.2, 0.9] * z)  # one channel's slope is wrong
    message = describe_difference(given, right, (z,), ("z",))
    assert "the wrong entries are all where z < 0; only at indices 2 of 3 along the last " \
        "axis" in message


def test_rows_of_a_matrix_answer():
    right = np.arange(12.0).reshape(3, 4) + 1
    given = right.copy()
    given[1] += 7.0
    message = describe_difference(given, right)
    assert "only at indices 1 of 3 along axis 0" in message
    assert "off by +7" in message
    assert "For example at index (1, 0): expected 5, got 12." in message


def test_one_example_with_the_inputs_that_produced_it():
    message = described(np.abs(Z), np.maximum(Z, 0))
    assert message.endswith("For example at z = -2: expected 0, got 2.")


def test_a_single_number():
    message = describe_difference(np.float64(0.8), np.float64(0.2))
    assert message == "is wrong. It gave 0.8 where 0.2 is right."


def test_a_crash_is_explained_with_the_shapes_it_met():
    try:
        np.ones((2, 3)) + np.ones(2)
    except ValueError as error:
        message = explain_crash(error, (np.ones((2, 3)), 0.5))
    assert message.startswith("raised ValueError: operands could not be broadcast")
    assert "(called with an array of shape (2, 3), a Python float)" in message
    assert "shapes do not line up" in message
    unknown = explain_crash(KeyError("w"), ())
    assert unknown == "raised KeyError: 'w'"


def test_where_an_answer_is_not_finite():
    z = np.array([-800.0, -1.0, 0.0, 2.0])
    right = 1 / (1 + np.exp(-np.maximum(z, -700)))
    given = np.where(z < -700, np.nan, right)
    message = describe_not_finite(given, right, (z,), ("z",))
    assert message == ("returned nan or inf on 1 of 4 entries, where finite numbers were "
                       "expected; every entry where z ≤ −20 is wrong, and every other entry "
                       "is right. For example at z = -800: expected 9.85968e-305, got nan.")
