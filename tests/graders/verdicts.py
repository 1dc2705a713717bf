"""How grader tests state a check's verdict on an answer (shared by tests/graders/)."""
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
