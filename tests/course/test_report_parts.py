"""The report's parts on small hand-made inputs: item analysis, misconception grouping,
similarity scoring, and escaping of what students control (the whole report, graded for
real on a generated class, is tested in tests/e2e/test_report.py)."""
import csv

import pytest

from course.pipeline.grading import StudentResult
from course.report.gather import Check, ClassData, Failure
from course.report.items import analyse_items
from course.report.misconceptions import misconceptions
from course.report.page import needs_action, similarity_section, write_csv
from course.report.similarity import side_by_side, similar_pairs, without_docstrings

HOSTILE = "<script>alert('x')</script>"
STARTER = 'def f(z):\n    """Return something."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n'


def class_data(scores: dict, **overrides) -> ClassData:
    """scores: {check name: {student: points}}, every check worth 1 point in 'nb'."""
    students = sorted({s for per in scores.values() for s in per})
    checks = [Check("nb", name, 1.0, True) for name in scores]
    data = ClassData(
        assignment="a1", notebooks=["nb"], maxima={"nb": float(len(checks))}, checks=checks,
        students=students,
        scores={"nb": {s: sum(per.get(s, 0) for per in scores.values()) for s in students}},
        cell_scores={("nb", name): per for name, per in scores.items()},
        not_graded={}, awaiting_manual={}, answers={"nb": {}}, starter={"nb": STARTER})
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def test_item_analysis_flags_broken_free_and_flat_checks():
    students = [f"s{i}" for i in range(10)]
    ability = {s: i for i, s in enumerate(students)}
    data = class_data({
        "good": {s: float(ability[s] >= 5) for s in students},
        "also_good": {s: float(ability[s] >= 3) for s in students},
        "hard": {s: float(ability[s] >= 7) for s in students},
        "broken": {s: 0.0 for s in students},
        "free": {s: 1.0 for s in students},
        "reversed": {s: float(ability[s] < 2) for s in students},  # the weakest pass
    })
    items = {i.check.name: i for i in analyse_items(data, hard_below=0.1,
                                                    discrimination_below=0.15)}
    assert items["good"].flag == "" and items["good"].discrimination > 0.5
    assert items["good"].upper_lower == pytest.approx(1.0)  # top 27 % all pass, bottom none
    assert "nobody" in items["broken"].flag
    assert "everyone" in items["free"].flag and items["free"].discrimination is None
    assert "does not discriminate" in items["reversed"].flag


def test_misconceptions_group_named_mistakes_across_seeds_and_shapes():
    failures = [
        Failure("nb", "test_a", "s1", "KnownMistake", "f is wrong: it squares z. (grader seed 1)"),
        Failure("nb", "test_a", "s2", "KnownMistake", "f is wrong: it squares z. (grader seed 99)"),
        Failure("nb", "test_a", "s3", "GradingError",
                "f returned shape (3, 4) where (3,) was expected. (grader seed 5)"),
        Failure("nb", "test_a", "s4", "GradingError",
                "f returned shape (2,) where (3,) was expected. (grader seed 6)"),
        Failure("nb", "test_a", "s5", "NotImplementedError", ""),  # left as the stub
        Failure("nb", "test_b", "s5", "GradingError", "f is not implemented yet: replace ..."),
    ]
    found = misconceptions(failures)
    named = [m for m in found if m.named]
    assert len(named) == 1 and named[0].students == ("s1", "s2")
    assert named[0].message == "f is wrong: it squares z."
    unnamed = [m for m in found if not m.named]
    assert len(unnamed) == 1 and unnamed[0].students == ("s3", "s4")
    assert unnamed[0].message.startswith("GradingError: f returned shape (…)")


def test_similarity_ignores_names_comments_docstrings_and_starter_code():
    body = ("    z = np.asarray(z, dtype=float)\n    total = np.cumsum(z[::-1])[::-1]\n"
            "    scaled = total / (1.0 + np.arange(z.size))\n    return np.where(scaled > 2, scaled, -scaled)\n")
    renamed = body.replace("total", "acc").replace("scaled", "out")
    answers = {
        "original": STARTER.replace("    # YOUR CODE HERE\n    raise NotImplementedError()\n", body),
        "copy": 'def f(z):\n    """my version"""\n' + renamed.replace("\n", "  # mine\n"),
        "other": STARTER.replace("    # YOUR CODE HERE\n    raise NotImplementedError()\n",
                                 "    return np.maximum(z, 0) * 3 - np.minimum(z, 1) / 2\n"),
        "stub": STARTER,
    }
    pairs, prints = similar_pairs(answers, STARTER, "nb", min_fingerprints=5)
    by_pair = {frozenset((p.student_a, p.student_b)): p.similarity for p in pairs}
    assert by_pair[frozenset(("copy", "original"))] == 1.0
    assert pairs[0].similarity == 1.0
    assert by_pair.get(frozenset(("original", "other")), 0) < 0.3
    assert not any("stub" in pair for pair in by_pair)  # the starter code alone shares nothing
    assert without_docstrings('def f():\n    """doc"""\n    return 1\n').count("doc") == 0


def test_what_students_control_is_escaped_in_the_page_and_inert_in_csv(tmp_path):
    evil_code = f"def f(z):\n    return z  # </pre>{HOSTILE}\n" * 3
    answers = {HOSTILE: evil_code, "b": evil_code}
    pairs, prints = similar_pairs(answers, STARTER, "nb", min_fingerprints=1)
    view = side_by_side(pairs[0], prints)
    html = similarity_section(pairs, [view], tmp_path, threshold=0.5)
    data = class_data({"t": {HOSTILE: 0.0, "b": 1.0}}, results=[
        StudentResult(HOSTILE, "digest", status="not graded", problems=[HOSTILE])])
    html += needs_action(data, [], [pairs[0]])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "</pre><script" not in html
    write_csv(tmp_path / "out.csv", ["student", "value"], [["=HYPERLINK(\"x\")", -1.5], ["-2", 3]])
    with open(tmp_path / "out.csv", newline="") as file:
        written = list(csv.reader(file))
    assert written[1][0] == "'=HYPERLINK(\"x\")" and written[2][0] == "-2"
