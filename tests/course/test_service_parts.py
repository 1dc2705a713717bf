"""The grading service's parts without a running service: reading the exchange's inbound,
collecting a submission that is not to be trusted, the ledger, and what feedback shows.
(tests/e2e/test_service.py runs the service itself, with students as OS users.)"""
import os
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.pipeline.staging import UnsafeFile
from course.service import exchange
from course.service.ledger import Entry, Ledger
from course.steps.feedback import SCORE_ONLY_NOTE, LimitFeedback

KEY = "alice+a1_activations+2026-12-04 08:00:00.000000 UTC+abcdef"


@pytest.mark.parametrize("key, words", [
    ("not-a-submission", "not a submission"),
    ("al ice!+a1_activations+2026-12-04 08:00:00.000000 UTC+abc", "student id"),
    ("alice+a1_activations+yesterday-ish+abc", "not a time"),
])
def test_a_folder_whose_name_is_not_a_submission_is_rejected(tmp_path, key, words):
    (tmp_path / key).mkdir()
    assert words in exchange.read_inbound(tmp_path, key, False).problem


def test_a_name_that_is_not_text_is_rejected_and_can_be_recorded(tmp_path):
    key = os.fsdecode(b"alice+a1_activations+2026-12-04 08:00:00.000000 UTC+\xff")
    os.mkdir(os.fsencode(tmp_path) + b"/" + os.fsencode(key))
    found = exchange.read_inbound(tmp_path, key, False)
    assert "not UTF-8" in found.problem
    assert Ledger(tmp_path / "ledger.db").add(Entry(found.key, "", "", "", 0.0, "rejected"))


def test_a_submission_is_read_from_its_name(tmp_path):
    (tmp_path / KEY).mkdir()
    found = exchange.read_inbound(tmp_path, KEY, False)
    assert (found.student, found.assignment, found.problem) == ("alice", "a1_activations", "")
    assert found.submitted_at == "2026-12-04 08:00:00.000000 UTC"


def test_a_link_or_a_file_in_inbound_is_not_a_submission(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / KEY)
    assert "not a folder" in exchange.read_inbound(tmp_path, KEY, False).problem


@pytest.mark.skipif(os.geteuid() != 0, reason="a folder owned by another user needs root")
def test_a_submission_in_another_students_name_is_rejected(tmp_path):
    key = KEY.replace("alice", "daemon")  # a user every Debian has; the folder is root's
    (tmp_path / key).mkdir()
    found = exchange.read_inbound(tmp_path, key, check_owner=True)
    assert "submitted as daemon but owned by root" in found.problem
    with pytest.raises(UnsafeFile, match="owned by root"):
        exchange.collect(tmp_path, key, tmp_path / "course", "a1_activations", "daemon", True)


def test_new_folders_come_oldest_first_and_known_ones_are_skipped(tmp_path):
    for name in ("b", "a", "c", ".hidden"):
        (tmp_path / name).mkdir()
        time.sleep(0.01)
    assert exchange.waiting(tmp_path, {"a"}) == ["b", "c"]


def test_collecting_copies_plain_files_only(tmp_path):
    inbound, root = tmp_path / "inbound", tmp_path / "course"
    folder = inbound / KEY
    folder.mkdir(parents=True)
    (folder / "activations.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2026-12-04 08:00:00.000000 UTC")
    os.symlink("/etc/passwd", folder / "prelu.ipynb")
    os.mkfifo(folder / "pipe")
    (folder / "sub").mkdir()
    stale = root / "submitted" / "alice" / "a1_activations"
    stale.mkdir(parents=True)
    (stale / "old.ipynb").write_text("{}")
    left = exchange.collect(inbound, KEY, root, "a1_activations", "alice", False)
    assert sorted(os.listdir(stale)) == ["activations.ipynb", "timestamp.txt"]
    assert any("prelu.ipynb: a symbolic link" in problem for problem in left)
    assert any("pipe: a named pipe" in problem for problem in left)
    assert any("sub: a folder" in problem for problem in left)


def test_a_submission_folder_swapped_for_a_link_is_not_followed(tmp_path):
    inbound, root = tmp_path / "inbound", tmp_path / "course"
    inbound.mkdir()
    other = tmp_path / "another-students-work"
    other.mkdir()
    (other / "activations.ipynb").write_text("{}")
    os.symlink(other, inbound / KEY)  # after read_inbound saw a folder
    with pytest.raises(OSError):
        exchange.collect(inbound, KEY, root, "a1_activations", "alice", False)
    assert not (root / "submitted" / "alice" / "a1_activations").exists()


def test_a_folder_of_many_files_is_not_read_through(tmp_path):
    inbound, root = tmp_path / "inbound", tmp_path / "course"
    folder = inbound / KEY
    folder.mkdir(parents=True)
    for number in range(exchange.MAX_FILES + 25):
        (folder / f"junk{number:03d}").write_text("x")
    left = exchange.collect(inbound, KEY, root, "a1_activations", "alice", False)
    assert left == ["25 more files in the submission, not collected"]
    assert len(os.listdir(root / "submitted" / "alice" / "a1_activations")) == exchange.MAX_FILES


def entry(key: str, state: str = "queued", started: float | None = None) -> Entry:
    return Entry(key, "a1_activations", "alice", "", time.time(), state, started=started)


def test_the_ledger_records_each_submission_once_and_resumes_after_a_stop(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    assert ledger.add(entry("one"))
    assert not ledger.add(entry("one"))  # seen again: nothing changes
    ledger.add(entry("two", "grading", started=100.0))
    ledger.add(entry("three", "released", started=50.0))
    reopened = Ledger(tmp_path / "ledger.db")  # as a restarted service opens it
    assert reopened.resume() == 1
    assert [(e.key, e.state) for e in reopened.entries()] == [
        ("one", "queued"), ("two", "queued"), ("three", "released")]
    assert "stopped while grading" in reopened.entries("queued")[1].detail
    # the rate limit counts gradings that ended, not the one the stop cut short
    assert reopened.last_graded("a1_activations", "alice") == 50.0
    assert reopened.last_graded("a1_activations", "bob") is None


def graded_notebook():
    test = new_code_cell("assert sigmoid(0) == 0.5", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "test_sigmoid",
        "points": 1, "schema_version": 3}})
    test.outputs = [new_output("error", ename="AssertionError", evalue="the hint",
                               traceback=["AssertionError: the hint"])]
    answer = new_code_cell("print('mine')", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "sigmoid",
        "schema_version": 3}})
    answer.outputs = [new_output("stream", name="stdout", text="mine\n")]
    return new_notebook(cells=[new_markdown_cell("# Title"), answer, test])


def test_scores_only_feedback_drops_the_checks_output_and_says_so():
    notebook, _ = LimitFeedback(shown="score").preprocess(graded_notebook(), {})
    assert notebook.cells[0].source == SCORE_ONLY_NOTE
    assert notebook.cells[-1].outputs == []  # the check's message
    assert notebook.cells[-2].outputs[0].text == "mine\n"  # the student's own output stays
    nbformat.validate(notebook)


def test_complete_feedback_is_left_as_it_is():
    original = graded_notebook()
    notebook, _ = LimitFeedback().preprocess(nbformat.from_dict(original), {})
    assert notebook == original
