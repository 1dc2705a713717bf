"""Item analysis: how each automatically graded check behaves across the class.

Difficulty is the mean fraction of the check's points the class earned (1: everyone got
them). Discrimination is the correlation between a student's score on the check and the
rest of their total (the check itself left out, so it does not correlate with itself);
the upper-lower index, the difficulty among the 27 % with the highest rest-of-total
minus that among the lowest 27 %, says the same in plainer terms. A check nobody passes
is broken or asks for what was not taught; one that does not discriminate gives points
to (or takes them from) strong and weak students alike.
"""
from dataclasses import dataclass

import numpy as np

from course.report.gather import Check, ClassData

# Below this many students a correlation says little: no check is flagged for it.
FEWEST_FOR_DISCRIMINATION = 10


@dataclass(frozen=True)
class Item:
    check: Check
    students: int
    difficulty: float                 # mean fraction of the points earned, 0 to 1
    discrimination: float | None      # None when every student scored the same
    upper_lower: float | None         # None with fewer than 4 students
    flag: str                         # why an instructor should look at it, or ""


def analyse_items(data: ClassData, hard_below: float, discrimination_below: float) -> list[Item]:
    students = data.students
    totals = np.array([data.total(s) for s in students])
    items = []
    for check in (c for c in data.checks if c.automatic and c.max_score > 0):
        scores = data.cell_scores.get((check.notebook, check.name), {})
        points = np.array([scores.get(s, 0.0) for s in students])
        fraction = points / check.max_score
        rest = totals - points
        difficulty = float(fraction.mean()) if students else 0.0
        discrimination = _correlation(fraction, rest)
        items.append(Item(check, len(students), difficulty, discrimination,
                          _upper_lower(fraction, rest),
                          _flag(difficulty, discrimination, hard_below, discrimination_below,
                                len(students))))
    return items


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _upper_lower(fraction: np.ndarray, rest: np.ndarray) -> float | None:
    if len(fraction) < 4:
        return None
    group = max(1, round(0.27 * len(fraction)))
    order = np.argsort(rest, kind="stable")
    return float(fraction[order[-group:]].mean() - fraction[order[:group]].mean())


def _flag(difficulty, discrimination, hard_below, discrimination_below, students) -> str:
    if difficulty == 0:
        return "nobody earns its points: is the check broken?"
    if difficulty < hard_below:
        return (f"almost nobody earns its points ({difficulty:.0%}): a broken check, or "
                "a skill the class was not taught?")
    if difficulty == 1:
        return "everyone earns its points: it gives them away"
    if discrimination is not None and discrimination < discrimination_below \
            and students >= FEWEST_FOR_DISCRIMINATION:
        return (f"does not discriminate (r = {discrimination:.2f}): strong and weak "
                "students do about as well on it")
    return ""
