"""The class's misconceptions, from the failure messages in the autograded notebooks.

A check that recognises a mistake students really make raises `KnownMistake` with a hint
that names it (graders/compare.py); those are counted per check and hint. Every other
failure is grouped by its message once the parts that vary from student to student
(the replay seed, random shapes, counts of wrong entries) are taken out.
"""
import re
from collections import defaultdict
from dataclasses import dataclass

from course.report.gather import Failure

NAMED = "KnownMistake"
VARYING = [(re.compile(r"\s*\(grader seed \d+\)"), ""),
           (re.compile(r"shape \([0-9, ]*\)"), "shape (…)"),
           (re.compile(r"on \d+ of \d+ entries( \(largest difference [^)]*\))?"),
            "on some entries")]


@dataclass(frozen=True)
class Misconception:
    notebook: str
    check: str
    message: str         # the hint (named) or the common failure message (unnamed)
    students: tuple      # who it caught, sorted
    named: bool


def common_message(message: str) -> str:
    for pattern, replacement in VARYING:
        message = pattern.sub(replacement, message)
    return " ".join(message.split())[:500]


def unanswered(failure: Failure) -> bool:
    """A stub left as released is not a misconception."""
    return failure.error == "NotImplementedError" or "is not implemented yet" in failure.message


def misconceptions(failures: list[Failure]) -> list[Misconception]:
    """Named mistakes and unnamed failure messages, the most common first (cells left
    unanswered are not counted)."""
    caught = defaultdict(set)
    for failure in failures:
        if unanswered(failure):
            continue
        named = failure.error == NAMED
        message = common_message(failure.message)
        if not named:
            message = f"{failure.error}: {message}" if message else failure.error
        caught[(failure.notebook, failure.check, message, named)].add(failure.student)
    found = [Misconception(notebook, check, message, tuple(sorted(students)), named)
             for (notebook, check, message, named), students in caught.items()]
    return sorted(found, key=lambda m: (-len(m.students), m.notebook, m.check, m.message))
