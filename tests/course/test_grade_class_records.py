"""grade_class keeps going when one submission cannot be staged or read: that student is
recorded as not graded, with the reason, and the run goes on."""
from course.pipeline import grading
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


def test_grading_without_the_sandbox_is_said_in_each_record(tmp_path, monkeypatch):
    """Where bubblewrap cannot run, grading goes on unsandboxed and each student's record
    says so (a value the worker reports, not a string found in a log)."""
    from course.steps import fast_engine, sandbox
    from course.nbgrader_commands import nbgrader
    from course.submissions import reference_answers, write_submission

    root = copy_course(tmp_path / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    write_submission(root / "release" / ASSIGNMENT, root / "submitted" / "ann" / ASSIGNMENT,
                     reference_answers(root / "source" / ASSIGNMENT))
    for module in (sandbox, fast_engine):  # the workers are forked: they inherit this
        monkeypatch.setattr(module, "sandbox_available", lambda: False)
    results = grading.grade_class(root, ASSIGNMENT, workers=1)
    assert results["ann"].status == "graded"
    assert "graded without the sandbox (bubblewrap unavailable)" in results["ann"].problems
