"""The generated class (course/generated_class.py) is what the report's tests rely on: its
correct ways pass the hidden checks, its wrong answers fail them, and the copier's
disguised notebooks still compute the same thing."""
import numpy as np
import pytest

from course.generated_class import (ASSIGNMENT, CORRECT, HABITS, WRONG, disguised,
                                    fill_stub, generate_class, release_stubs, with_habits)
from course.settings import COURSE_ROOT
from graders.a1_activations import activations, prelu
from graders.compare import GradingError
from solutions.a1_activations import activations as ref
from tests.graders.verdicts import three_grader_seeds  # noqa: F401 (autouse fixture grader_seed)

RELEASE = COURSE_ROOT / "release" / ASSIGNMENT
STUBS = release_stubs(RELEASE)
GENERATED = generate_class(RELEASE, students=12, seed=1)


def checks(notebook: str, cell: str):
    if notebook == "activations":
        return [getattr(activations, f"check_{cell}_{kind}") for kind in ("values", "edge_cases")]
    module_checks = [getattr(prelu, name) for name in dir(prelu) if name.startswith("check_")]
    prefix = "check_numerical_gradient" if cell == "numerical_gradient" else "check_prelu"
    return [check for check in module_checks if check.__name__.startswith(prefix)]


def stub(notebook: str, cell: str) -> str:
    return STUBS[notebook][cell]


def defined(code: str, name: str):
    """Run an answer cell as the notebook does (numpy, the SELU constants and the
    reference sigmoid already defined) and return what it defines."""
    namespace = {"np": np, "SELU_LAMBDA": ref.SELU_LAMBDA, "SELU_ALPHA": ref.SELU_ALPHA,
                 "sigmoid": ref.sigmoid}
    exec(compile(code, "<answer>", "exec"), namespace)
    return namespace[name]


def graded_name(cell: str) -> str:
    return "PReLU" if cell == "prelu" else cell


WAYS = [(notebook, cell, number, body) for kind in [CORRECT]
        for notebook, cells in kind.items() for cell, bodies in cells.items()
        for number, body in enumerate(bodies)]
WRONGS = [(notebook, cell, number, body) for notebook, cells in WRONG.items()
          for cell, bodies in cells.items() for number, body in enumerate(bodies)]


@pytest.mark.parametrize("notebook, cell, number, body", WAYS,
                         ids=[f"{c}-{n}" for _, c, n, _ in WAYS])
def test_every_correct_way_passes_its_checks_with_any_habit(notebook, cell, number, body):
    habits = [[False] * len(HABITS), [True] * len(HABITS)] + [
        [i == j for j in range(len(HABITS))] for i in range(len(HABITS))]
    for chosen in habits:
        answer = defined(fill_stub(stub(notebook, cell), with_habits(body, chosen)),
                         graded_name(cell))
        for check in checks(notebook, cell):
            check(answer)


@pytest.mark.parametrize("notebook, cell, number, body", WRONGS,
                         ids=[f"{c}-{n}" for _, c, n, _ in WRONGS])
def test_every_wrong_answer_fails_a_check(notebook, cell, number, body):
    answer = defined(fill_stub(stub(notebook, cell), with_habits(body, [True] * len(HABITS))),
                     graded_name(cell))
    failures = 0
    for check in checks(notebook, cell):
        try:
            check(answer)
        except GradingError:
            failures += 1
    assert failures, f"{cell} wrong answer {number} passed every check"


def test_the_copier_hands_in_the_owners_answers_disguised():
    owner, copier = GENERATED.copied
    theirs, copied = GENERATED.answers[owner], GENERATED.answers[copier]
    assert theirs.keys() == copied.keys()
    for notebook in theirs:
        assert theirs[notebook].keys() == copied[notebook].keys()
        for cell, code in theirs[notebook].items():
            disguise = copied[notebook][cell]
            assert disguise != code and "#" not in disguise
            if cell in CORRECT[notebook] and any(
                    fill_stub(stub(notebook, cell), body) == code
                    for body in CORRECT[notebook][cell]):
                for check in checks(notebook, cell):  # the copy still earns the points
                    check(defined(disguise, graded_name(cell)))


def test_the_class_is_reproducible_and_varied():
    again = generate_class(RELEASE, students=12, seed=1)
    assert again == GENERATED
    ways = {code for answers in GENERATED.answers.values()
            for code in answers["activations"].values()}
    assert len(ways) > 30  # students write the same cell in different ways
    assert disguised("def f(z):\n    '''doc'''\n    y = z  # note\n    return y\n") == \
        "def f(z):\n    my_y = z\n    return my_y"
