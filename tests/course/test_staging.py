"""course/pipeline/staging.py: a submission is untrusted bytes; staging reads only plain files,
never follows a link, and rebuilds each notebook on the release's structure."""
import json
import os
import shutil
import socket

import nbformat
import pytest

from course.settings import COURSE_ROOT
from course.pipeline.staging import (MAX_NOTEBOOK_BYTES, STAGING, Unreadable, UnsafeFile, file_problem,
                            read_plain_file, repaired_notebook, stage_submission,
                            submission_digest, submission_folder_problem)

ASSIGNMENT = "a1_activations"
RELEASE = COURSE_ROOT / "release" / ASSIGNMENT
PRELU = nbformat.read(RELEASE / "prelu.ipynb", as_version=4)
LIMIT = 1000


def grade_ids(notebook):
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if "nbgrader" in cell.metadata]


def as_json(notebook) -> dict:
    return json.loads(nbformat.writes(notebook))


def as_bytes(raw: dict) -> bytes:
    return json.dumps(raw).encode()


# ---- file_problem: one rule per kind of entry -----------------------------------------
def test_a_plain_file_is_fine(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    assert file_problem(tmp_path / "a.ipynb", LIMIT) is None


@pytest.mark.parametrize("make, words", [
    (lambda p, t: p.symlink_to(t / "target"), "symbolic link"),
    (lambda p, t: p.symlink_to(t), "symbolic link"),  # to a folder
    (lambda p, t: p.symlink_to(t / "nowhere"), "symbolic link"),  # dangling
    (lambda p, t: os.link(t / "target", p), "hard link"),
    (lambda p, t: os.mkfifo(p), "named pipe"),
    (lambda p, t: p.mkdir(), "folder"),
    (lambda p, t: p.write_bytes(b"x" * (LIMIT + 1)), "over the"),
], ids=["symlink", "symlink-to-folder", "dangling-symlink", "hard-link", "fifo", "folder",
        "too-large"])
def test_every_other_kind_is_refused_without_being_followed(tmp_path, make, words):
    (tmp_path / "target").write_text("the instructor's solution")
    entry = tmp_path / "entry.ipynb"
    make(entry, tmp_path)
    assert words in file_problem(entry, LIMIT)
    with pytest.raises(UnsafeFile, match=words):
        read_plain_file(entry, LIMIT)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.ipynb"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert "socket" in file_problem(path, LIMIT)


def test_a_device_is_refused():
    assert "device" in file_problem("/dev/null", LIMIT)


# ---- the submission folder ------------------------------------------------------------
def make_course(root, students=("ann",)):
    shutil.copytree(RELEASE, root / "release" / ASSIGNMENT)
    for student in students:
        shutil.copytree(RELEASE, root / "submitted" / student / ASSIGNMENT)
    return root


def test_a_submission_folder_that_is_a_link_is_not_graded(tmp_path):
    root = make_course(tmp_path, ["ann"])
    (root / "submitted" / "bob").mkdir()
    (root / "submitted" / "bob" / ASSIGNMENT).symlink_to(root / "submitted" / "ann" / ASSIGNMENT)
    assert "symbolic link" in submission_folder_problem(root, ASSIGNMENT, "bob")
    staged = stage_submission(root, ASSIGNMENT, "bob")
    assert "every notebook graded as the untouched release" in staged.problems[0]
    staged_notebooks = sorted((root / STAGING / "bob" / ASSIGNMENT).iterdir())
    assert [p.name for p in staged_notebooks] == ["activations.ipynb", "prelu.ipynb"]
    for path in staged_notebooks:  # worth 0, not ann's work
        assert nbformat.read(path, as_version=4).cells == nbformat.read(
            RELEASE / path.name, as_version=4).cells


def test_the_digest_sees_a_change_anywhere_but_never_follows_links(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "a.ipynb").write_text("one")
    (tmp_path / "outside").write_text("secret")
    (folder / "link").symlink_to(tmp_path / "outside")
    first = submission_digest(folder)
    (tmp_path / "outside").write_text("changed secret")
    assert submission_digest(folder) == first  # the link's target is never read
    (folder / "a.ipynb").write_text("two")
    second = submission_digest(folder)
    assert second != first
    (folder / "deep").mkdir()
    (folder / "deep" / "x.txt").write_text("1")
    assert submission_digest(folder) != second


# ---- stage_submission -----------------------------------------------------------------
def test_only_the_release_notebooks_are_staged(tmp_path):
    root = make_course(tmp_path)
    submitted = root / "submitted" / "ann" / ASSIGNMENT
    (submitted / "numpy.py").write_text("raise SystemExit")
    (submitted / "graders").mkdir()
    (submitted / "graders" / "__init__.py").write_text("")
    staged = stage_submission(root, ASSIGNMENT, "ann")
    names = sorted(p.name for p in (root / STAGING / "ann" / ASSIGNMENT).iterdir())
    assert names == ["activations.ipynb", "prelu.ipynb"]
    assert sorted(staged.problems) == [
        "graders: not part of the assignment, ignored (a folder, not a file)",
        "numpy.py: not part of the assignment, ignored"]


def test_a_notebook_linked_to_the_source_is_graded_as_the_release(tmp_path):
    root = make_course(tmp_path)
    source = COURSE_ROOT / "source" / ASSIGNMENT / "prelu.ipynb"
    path = root / "submitted" / "ann" / ASSIGNMENT / "prelu.ipynb"
    path.unlink()
    path.symlink_to(source)
    staged = stage_submission(root, ASSIGNMENT, "ann")
    assert any("prelu.ipynb: a symbolic link" in p and "untouched release" in p
               for p in staged.problems)
    text = (root / STAGING / "ann" / ASSIGNMENT / "prelu.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert nbformat.reads(text, as_version=4).cells == PRELU.cells


def test_a_fifo_notebook_neither_blocks_nor_stops_staging(tmp_path):
    root = make_course(tmp_path)
    path = root / "submitted" / "ann" / ASSIGNMENT / "prelu.ipynb"
    path.unlink()
    os.mkfifo(path)
    staged = stage_submission(root, ASSIGNMENT, "ann")
    assert any("named pipe" in p for p in staged.problems)
    assert (root / STAGING / "ann" / ASSIGNMENT / "activations.ipynb").exists()


def test_a_renamed_notebook_is_graded_under_its_name(tmp_path):
    root = make_course(tmp_path)
    folder = root / "submitted" / "ann" / ASSIGNMENT
    (folder / "prelu.ipynb").rename(folder / "prelu (1).ipynb")
    staged = stage_submission(root, ASSIGNMENT, "ann")
    assert any("submitted as 'prelu (1).ipynb'" in p for p in staged.problems)
    assert grade_ids(nbformat.read(root / STAGING / "ann" / ASSIGNMENT / "prelu.ipynb", 4)) \
        == grade_ids(PRELU)


@pytest.mark.parametrize("content, words", [
    (b"not a time", "not a time nbgrader can read"),
    (b"x" * 5000, "over the"),
], ids=["garbage", "huge"])
def test_a_bad_timestamp_is_left_out(tmp_path, content, words):
    root = make_course(tmp_path)
    (root / "submitted" / "ann" / ASSIGNMENT / "timestamp.txt").write_bytes(content)
    staged = stage_submission(root, ASSIGNMENT, "ann")
    assert any(p.startswith("timestamp.txt") and words in p for p in staged.problems)
    assert not (root / STAGING / "ann" / ASSIGNMENT / "timestamp.txt").exists()


def test_a_good_timestamp_is_kept(tmp_path):
    root = make_course(tmp_path)
    (root / "submitted" / "ann" / ASSIGNMENT / "timestamp.txt").write_text(
        "2026-12-03 15:08:57.703588 UTC")
    assert stage_submission(root, ASSIGNMENT, "ann").problems == []
    assert (root / STAGING / "ann" / ASSIGNMENT / "timestamp.txt").read_text().startswith("2026")


def test_a_non_utf8_file_name_is_listed_readably(tmp_path):
    root = make_course(tmp_path)
    folder = os.fsencode(root / "submitted" / "ann" / ASSIGNMENT)
    os.close(os.open(folder + b"/\xff.txt", os.O_CREAT | os.O_WRONLY))
    [problem] = stage_submission(root, ASSIGNMENT, "ann").problems
    problem.encode("utf-8")  # no lone surrogates: the report and the records can hold it
    assert "not part of the assignment" in problem


# ---- repaired_notebook ----------------------------------------------------------------
@pytest.mark.parametrize("data, words", [
    (b"", "empty file"),
    (b"{ this is not json", "invalid JSON"),
    (b"[1, 2, 3]", "no cells"),
    (b'{"nbformat": 4, "cells": 7}', "no list of cells"),
    (b"[" * 100_000 + b"]" * 100_000, "not a notebook"),
    (b'{"nbformat": 3, "worksheets": "x"}', "not a notebook"),
], ids=["empty", "not-json", "a-list", "cells-not-a-list", "nested-deeply", "bad-v3"])
def test_what_is_not_a_notebook_is_unreadable_with_a_reason(data, words):
    with pytest.raises(Unreadable, match=words):
        repaired_notebook(data, PRELU)


def test_the_release_metadata_comes_back_whatever_the_cells_say():
    raw = as_json(PRELU)
    graded = [c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    answer = next(c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    answer["metadata"]["nbgrader"].update(grade=True, points=100)  # an answer graded
    graded[0]["metadata"]["nbgrader"]["points"] = 1000  # changed points
    graded[1]["metadata"]["nbgrader"]["schema_version"] = 1  # an old schema
    notebook, repairs = repaired_notebook(as_bytes(raw), PRELU)
    assert [c.metadata for c in notebook.cells if "nbgrader" in c.metadata] == [
        c.metadata for c in PRELU.cells if "nbgrader" in c.metadata]
    assert any("was restored" in r for r in repairs)
    nbformat.validate(notebook)


def test_a_duplicated_or_unknown_id_becomes_an_ordinary_cell():
    raw = as_json(PRELU)
    first_test = next(c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
    copy = json.loads(json.dumps(first_test))
    copy["source"] = "pass"
    unknown = json.loads(json.dumps(first_test))
    unknown["metadata"]["nbgrader"]["grade_id"] = "mine"
    raw["cells"] += [copy, unknown]
    notebook, repairs = repaired_notebook(as_bytes(raw), PRELU)
    assert grade_ids(notebook) == grade_ids(PRELU)  # each id once, nothing new
    assert [c.source for c in notebook.cells[-2:]] == ["pass", "".join(first_test["source"])]
    assert any("second copies" in r for r in repairs) and any("unknown" in r for r in repairs)


def test_malformed_cells_are_dropped_not_fatal():
    raw = as_json(PRELU)
    raw["cells"] += [{"cell_type": "code", "source": 42}, "a string", None,
                     {"cell_type": "nonsense", "source": "x"},
                     {"cell_type": "code", "source": ["a = 1\n", "b = 2"], "outputs": "no",
                      "metadata": "no"},
                     {"cell_type": "code", "source": "# \ud800 lone surrogate"}]
    notebook, repairs = repaired_notebook(as_bytes(raw), PRELU)
    assert "4 malformed cell(s) dropped" in repairs
    assert notebook.cells[-2].source == "a = 1\nb = 2"
    nbformat.writes(notebook).encode("utf-8")  # writable: the surrogate is replaced


def test_a_notebook_of_the_old_format_is_converted():
    old = nbformat.v3.new_notebook(worksheets=[nbformat.v3.new_worksheet(cells=[
        nbformat.v3.new_code_cell(input="x = 1")])])
    notebook, _ = repaired_notebook(nbformat.v3.writes_json(old).encode(), PRELU)
    assert [c.source for c in notebook.cells] == ["x = 1"]


def test_the_size_limit_is_a_notebook_with_outputs():
    assert MAX_NOTEBOOK_BYTES >= 10 * 2**20


def test_the_digest_of_a_linked_submission_folder_is_the_link_not_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.ipynb").write_text("one")
    (tmp_path / "student").mkdir()
    linked = tmp_path / "student" / "assignment"
    linked.symlink_to(tmp_path / "real")
    first = submission_digest(linked)
    (tmp_path / "real" / "a.ipynb").write_text("two")
    assert submission_digest(linked) == first
