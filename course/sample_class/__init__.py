"""Sample students: the demo class, and the harder cases the end-to-end tests grade.

One module per assignment defines DEMO and TESTS, each {student id: Student}. A Student
is a function of the reference answers (what a perfect student writes) plus what the
autograder must make of it: the test cells it fails, per notebook.
"""
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

from course.submissions import Answers

EVERY_CELL = "every test cell"


@dataclass(frozen=True)
class Student:
    answers: Callable[[Answers], Answers]
    # {notebook: the grade_ids of the test cells this submission fails, or EVERY_CELL};
    # every other test cell must score in full
    fails: dict = field(default_factory=dict)
    # files submitted beside the notebooks: {relative path: text}
    extra_files: dict = field(default_factory=dict)
    # what the instructor gives the written answers in the demo:
    # {notebook: {grade_id of a manually graded cell: (points, comment)}}
    manual_grades: dict = field(default_factory=dict)


def complete(reference: Answers) -> Answers:
    return reference


def untouched(reference: Answers) -> Answers:
    return {}


def changed(reference: Answers, changes: Answers) -> Answers:
    """The reference answers with some cells replaced."""
    return {notebook: {**cells, **changes.get(notebook, {})}
            for notebook, cells in reference.items()}


def _by_assignment(name):
    found = {}
    for module in pkgutil.iter_modules(__path__):
        assignment_module = importlib.import_module(f"{__name__}.{module.name}")
        found[module.name] = getattr(assignment_module, name)
    return found


DEMO = _by_assignment("DEMO")    # {assignment: {student: Student}}
TESTS = _by_assignment("TESTS")  # extra students graded only by the end-to-end tests
