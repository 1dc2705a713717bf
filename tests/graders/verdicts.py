"""How grader tests state a check's verdict on an answer (shared by tests/graders/)."""
import numpy as np
import pytest

from graders.compare import GradingError

PASSES = None  # the verdict of a check that accepts the answer


def assert_verdict(check_fn, answer, hint):
    """`hint` is PASSES, a substring the failure message must contain, or a tuple of
    substrings of which it must contain one (when the drawn inputs decide which failure
    comes first)."""
    if hint is PASSES:
        assert check_fn(answer) is None
        return
    message = failure_message(check_fn, answer)
    hints = hint if isinstance(hint, tuple) else (hint,)
    assert any(h in message for h in hints), f"{hints!r} not in {message!r}"


def failure_message(check_fn, answer):
    with pytest.raises(GradingError) as failure:
        check_fn(answer)
    return str(failure.value)


def same_inputs(first, second):
    """Did two spies (objects with a list `inputs` of argument tuples) see equal arrays?"""
    return len(first.inputs) == len(second.inputs) and all(
        len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
        for a, b in zip(first.inputs, second.inputs))
