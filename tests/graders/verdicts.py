"""How grader tests state a check's verdict on an answer (shared by tests/graders/)."""
import re

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


# ---- shared by the grader test files ---------------------------------------------------
@pytest.fixture(autouse=True, params=[7, 2024, 31337], ids=lambda seed: f"seed{seed}",
                name="grader_seed")
def three_grader_seeds(request, monkeypatch):
    """Each check draws its inputs from a fixed seed, so every run of a file sees the same
    inputs; three seeds widen the inputs each answer is tried on. A test file that imports
    it has the autouse fixture `grader_seed`: every test, three times."""
    monkeypatch.setenv("GRADER_SEED", str(request.param))
    return request.param


class Record:
    """The arrays a check handed to the student's code, and the reference's answers."""

    def __init__(self):
        self.inputs = []
        self.expected = []

    def add(self, inputs, expected):
        self.inputs.append([np.array(a, dtype=float) for a in inputs])
        self.expected.extend(np.ravel(e) for e in expected)

    def numbers(self):
        return np.concatenate([np.ravel(a) for call in self.inputs for a in call]
                              + self.expected)




def renderings(value):
    """The ways a number could be printed in a message, at 3 significant digits or more."""
    value = abs(float(value))
    forms = {repr(value), f"{value:.6g}", f"{value:.4g}", f"{value:.3g}", f"{value:.3f}"}
    return {form for form in forms if "." in form and sum(c.isdigit() for c in form) >= 3}


def assert_one_example_at_most(message, hidden):
    """A failure message may show the hidden inputs and the right value of one entry, in
    its "For example at ...: expected ..., got ..." sentence, and no other hidden number.
    `hidden` are the numbers a check drew and the reference's answers to them."""
    example = re.search(r"For example at (.*?): expected (\S+), got (\S+?)\.( |$)"
                        r"|It gave \S+ where \S+ is right\.( |$)", message)
    said = message.replace(example.group(0), " ") if example else message
    leaked = {form for v in hidden for form in renderings(v) if form in said}
    assert not leaked, f"{message!r} shows {sorted(leaked)} outside its one example"
    if example:
        numbers_at = re.findall(r"-?\d[\d.e+-]*", example.group(1) or "")
        assert len(numbers_at) <= 3, f"{message!r}: an example of more than one entry"
