"""grade_class keeps going when one submission cannot be staged or read: that student is
recorded as not graded, with the reason, and the run goes on."""
from course import grading
from tests.conftest import copy_course

ASSIGNMENT = "a1_activations"


def test_a_submission_that_cannot_be_staged_costs_only_itself(tmp_path, monkeypatch):
    root = copy_course(tmp_path / "course")
    for student in ("ann", "bob"):
        (root / "submitted" / student / ASSIGNMENT).mkdir(parents=True)

    def stage(root, assignment, student):
        raise RuntimeError(f"unforeseen in {student}'s files")
    monkeypatch.setattr(grading, "stage_submission", stage)
    results = grading.grade_class(root, ASSIGNMENT, workers=1)
    assert {s: r.status for s, r in results.items()} == {"ann": "not graded",
                                                         "bob": "not graded"}
    assert "could not be staged (RuntimeError: unforeseen in bob's files)" in \
        results["bob"].problems[0]
    assert grading.load_results(root, ASSIGNMENT)["bob"].status == "not graded"
