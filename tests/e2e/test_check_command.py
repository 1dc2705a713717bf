"""`python -m course check`: the hidden graders as a pytest session on any notebook. Every
source notebook passes every check; every release notebook fails every check with what a
student who ran the stubs would read; pytest's options pass through."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import nbformat
import pytest

from course.settings import COURSE_ROOT

SOURCE = sorted((COURSE_ROOT / "source").glob("*/*.ipynb"))
RELEASE = sorted((COURSE_ROOT / "release").glob("*/*.ipynb"))


def check(*arguments, env=None):
    return subprocess.run([sys.executable, "-m", "course", "check", *arguments],
                          cwd=COURSE_ROOT, capture_output=True, text=True, timeout=1200,
                          env=env)


def graded_cells(path) -> set:
    """The grade_ids of a notebook's automatically graded test cells."""
    return {cell.metadata["nbgrader"]["grade_id"]
            for cell in nbformat.read(path, as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution") and cell.cell_type == "code"}


def junit_cases(path) -> dict:
    """{(notebook file, check): the failure message or None}"""
    cases = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        failure = case.find("failure")
        notebook = case.get("classname", "").split(".")[-2] + ".ipynb"
        cases[(notebook, case.get("name"))] = None if failure is None else (
            failure.get("message", "") + (failure.text or ""))
    return cases


def test_every_source_notebook_passes_every_check(tmp_path):
    result = check(*map(str, SOURCE), "--junitxml", str(tmp_path / "source.xml"))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    cases = junit_cases(tmp_path / "source.xml")
    expected = {(path.name, grade_id) for path in SOURCE for grade_id in graded_cells(path)}
    assert set(cases) == expected
    assert all(message is None for message in cases.values())


def test_every_release_notebook_fails_every_check_with_the_stubs_message(tmp_path):
    result = check(*map(str, RELEASE), "--junitxml", str(tmp_path / "release.xml"))
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    cases = junit_cases(tmp_path / "release.xml")
    assert set(cases) == {(p.name, g) for p in RELEASE for g in graded_cells(p)}
    sources = {(p.name, cell.metadata["nbgrader"]["grade_id"]): cell.source
               for p in RELEASE for cell in nbformat.read(p, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("grade_id")}
    for case, message in cases.items():
        assert message, f"{case} passed on the release's stubs"
        # a stub that raises says so; one left as a value fails the cell's visible assert
        visible = re.search(r"AssertionError: (.+?)(0 of|$)", message)
        assert ("not implemented" in message or "NotImplementedError" in message
                or (visible and visible.group(1).strip() in sources[case])), (case, message)


def test_pytest_options_pass_through(tmp_path):
    """-k, -x pass through; a class gradebook named by COURSE_DB_URL (here one that cannot
    be reached) is never used: the check grades in a scratch course of its own."""
    notebook = COURSE_ROOT / "source" / "a1_activations" / "activations.ipynb"
    elsewhere = {**os.environ, "COURSE_DB_URL": "postgresql://nobody@127.0.0.1:9/class"}
    result = check(str(notebook), "-k", "test_sigmoid_values or test_relu_values", "-q",
                   env=elsewhere)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 passed" in result.stdout and "deselected" in result.stdout
    stub = COURSE_ROOT / "release" / "a1_activations" / "activations.ipynb"
    result = check(str(stub), "-x", "-q")
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("arguments, code", [((), 4), (("missing.ipynb",), 4)])
def test_usage_errors_say_what_is_wrong(arguments, code):
    result = check(*arguments)
    assert result.returncode == code and "usage: python -m course check" in result.stderr


def test_a_notebook_of_no_assignment_is_an_error_not_a_pass(tmp_path):
    stray = tmp_path / "homework.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), stray)
    result = check(str(stray))
    assert result.returncode != 0 and "no notebook of this name in source/" in result.stdout
