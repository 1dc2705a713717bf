"""The committed notebooks: source without outputs and up to date, release without secrets."""
import re

import nbformat
import pytest

from course.authoring import build_source
from course.settings import COURSE_ROOT

SOURCE = sorted((COURSE_ROOT / "source").rglob("*.ipynb"))
RELEASE = sorted(path for path in (COURSE_ROOT / "release").rglob("*") if path.is_file())
SECRETS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|"
                     r"BEGIN MARK SCHEME|(^|[^a-z_])(import|from) +(graders|solutions)\b")


def test_source_notebooks_are_built_from_the_chapters():
    """Is every source notebook what course/authoring/notebooks/ builds, solutions included?"""
    built = {(assignment, name) for assignment, name, _ in build_source.chapters()}
    assert built == {(p.parent.name, p.stem) for p in SOURCE}  # a chapter for each, no more
    assert build_source.main(["--check"]) == 0


@pytest.mark.parametrize("path", SOURCE, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_source_notebooks_carry_no_outputs(path):
    """Is each source notebook stored without outputs or execution counts?"""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_every_source_notebook_is_released():
    """Does release/ hold exactly the source notebooks, one for one?"""
    released = {p.relative_to(COURSE_ROOT / "release") for p in RELEASE if p.suffix == ".ipynb"}
    assert released == {p.relative_to(COURSE_ROOT / "source") for p in SOURCE}


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_release_holds_no_solution_hidden_test_or_grader_import(path):
    """Could a student read a solution, a hidden test or the graders' location?"""
    text = path.read_text()
    assert not SECRETS.search(text), SECRETS.search(text).group(0)


def solution_lines(cells):
    """The lines inside the solution regions of `cells`, and the lines outside them."""
    inside, outside = set(), set()
    for cell in cells:
        region = False
        for line in cell.source.splitlines():
            line = line.strip()
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                region = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                region = False
            elif line:
                (inside if region else outside).add(line)
    return inside, outside


@pytest.mark.parametrize("path", SOURCE, ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_no_line_of_a_solution_reaches_the_release(path):
    """Does any line of the reference (code or comment) show in the student's notebook?
    Lines the notebook also shows outside its solutions, and short ones (`return z`),
    do not count."""
    inside, outside = solution_lines(nbformat.read(path, as_version=4).cells)
    released = COURSE_ROOT / "release" / path.relative_to(COURSE_ROOT / "source")
    release_lines = {line.strip() for cell in nbformat.read(released, as_version=4).cells
                     for line in cell.source.splitlines()}
    telling = {line for line in inside - outside if len(line) >= 16}
    assert telling, "no solution lines found: is the region marker still BEGIN SOLUTION?"
    assert not telling & release_lines, sorted(telling & release_lines)
