"""The instructor cycle end to end, through nbgrader's own commands (one run a session)."""
import csv
import html
import re

import nbformat
import pytest

from course.sample_class import DEMO, EVERY_CELL, TESTS

STUDENTS = [pytest.param(assignment, student_id, student, id=f"{assignment}-{student_id}")
            for assignment in sorted(DEMO)
            for student_id, student in {**DEMO[assignment], **TESTS[assignment]}.items()]


def notebooks_of(graded_course, assignment):
    return sorted(path.stem for path in (graded_course.root / "source" / assignment).glob("*.ipynb"))


@pytest.mark.parametrize("assignment, student_id, student", STUDENTS)
def test_each_sample_student_scores_exactly_the_checks_it_passes(
        graded_course, assignment, student_id, student):
    """Does every automatic test cell score in full, except the ones this student fails,
    and does every written answer hold the manual grade it was given?"""
    for notebook in notebooks_of(graded_course, assignment):
        failing = student.fails.get(notebook, set())
        manual = student.manual_grades.get(notebook, {})
        for grade_id, (score, max_score, by_hand) in graded_course.cell_scores(
                assignment, student_id, notebook).items():
            if by_hand:
                assert score == manual.get(grade_id, (0.0, ""))[0], (student_id, grade_id)
                continue
            should_fail = failing == EVERY_CELL or grade_id in failing
            assert score == (0 if should_fail else max_score), (
                f"{student_id} {notebook} {grade_id}: {score}/{max_score}")


@pytest.mark.parametrize("assignment", sorted(DEMO))
def test_source_notebooks_score_every_automatic_point(graded_course, assignment):
    """Do the source notebooks (the solutions) earn every automatic point?"""
    for notebook in notebooks_of(graded_course, assignment):
        scores = graded_course.cell_scores(assignment, "source", notebook)
        automatic = {grade_id: s for grade_id, s in scores.items() if not s[2]}  # not by hand
        assert automatic and all(score == max_score for score, max_score, _ in automatic.values()), scores


def visible_text(page):
    """The text a student reads in a feedback page (no tags, styles or scripts)."""
    content = re.sub(r"<(style|script)\b.*?</\1>", "", page.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", content))


def test_feedback_shows_messages_but_no_hidden_test(graded_course):
    """Does the students' feedback name their mistakes without revealing hidden tests?"""
    pages = list((graded_course.root / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = visible_text(page)
        assert "cdnjs" not in page.read_text(), page  # maths as MathML, not CDN MathJax
        assert "BEGIN HIDDEN TESTS" not in text, page
        assert "from graders" not in text and "check_" not in text, page
        # tracebacks of the student's own cells may stay; none may enter the graders
        assert "/graders/" not in text and "/solutions/" not in text, page
        assert "MARK SCHEME" not in text and "Rubric" not in text, page
    ben = visible_text(graded_course.root / "feedback" / "ben" / "a1_activations"
                       / "activations.html")
    assert "RuntimeWarning" in ben and "grader seed" in ben
    assert "the tanh is squared" in ben


def test_autograded_notebooks_keep_the_graders_messages(graded_course):
    """Does the instructor's copy keep the full failure message of a hidden check?"""
    notebook = nbformat.read(graded_course.root / "autograded" / "ben" / "a1_activations"
                             / "activations.ipynb", as_version=4)
    errors = {cell.metadata.nbgrader.grade_id: output.evalue for cell in notebook.cells
              if cell.metadata.get("nbgrader", {}).get("grade")
              for output in cell.get("outputs", []) if output.output_type == "error"}
    assert "softplus(100) must be 100" in errors["test_softplus_edge_cases"]


def test_exported_grades_have_a_row_per_student_and_a_column_per_notebook(graded_course):
    """Does nbgrader export write what an LMS imports, totals matching the gradebook?"""
    with open(graded_course.root / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    for assignment in DEMO:
        for student_id in {**DEMO[assignment], **TESTS[assignment], "source": None}:
            row = rows[student_id]
            for notebook in notebooks_of(graded_course, assignment):
                scores = graded_course.cell_scores(assignment, student_id, notebook)
                expected = sum(score or 0 for score, _, _ in scores.values())
                assert float(row[f"{assignment}/{notebook}"]) == expected
    for row in rows.values():
        notebook_columns = [key for key in row if "/" in key]
        assert float(row["total"]) == sum(float(row[key]) for key in notebook_columns)
    assert float(rows["cy"]["total"]) == 0 < float(rows["ada"]["total"])


def test_regenerating_the_release_changes_nothing(graded_course):
    """Is the committed release/ exactly what nbgrader generate_assignment makes now?"""
    from course.settings import COURSE_ROOT

    for assignment in sorted(DEMO):
        fresh = graded_course.root / "release" / assignment
        committed = COURSE_ROOT / "release" / assignment
        fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
        assert fresh_files == sorted(p.relative_to(committed) for p in committed.rglob("*")
                                     if p.is_file())
        for relative in fresh_files:
            assert (fresh / relative).read_bytes() == (committed / relative).read_bytes(), (
                f"release/{assignment}/{relative} is stale: run `make release`")


def test_feedback_draws_its_maths_with_the_network_off(graded_course, chromium):
    """Does a feedback page show its formulas, laid out, with every request that would
    leave the file refused? A screenshot of a formula is kept."""
    from tests.browser.conftest import OUTPUT
    student = sorted(DEMO["a1_activations"])[0]
    feedback = graded_course.root / "feedback" / student / "a1_activations" / "activations.html"
    page = chromium.new_page()
    refused = []

    def network_off(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        refused.append(route.request.url)
        return route.abort()
    page.route("**/*", network_off)
    page.goto(feedback.as_uri())
    page.wait_for_load_state("load")
    widths = page.eval_on_selector_all(
        "math", "formulas => formulas.map(f => f.getBoundingClientRect().width)")
    fractions = page.eval_on_selector_all(
        "mfrac", "fractions => fractions.map(f => f.getBoundingClientRect().height)")
    text = page.inner_text("body")
    shots = OUTPUT / "feedback"
    shots.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-MarkdownCell, .text_cell_render").filter(
        has=page.locator("mfrac")).first.screenshot(path=shots / "maths_offline.png")
    page.screenshot(path=shots / "activations_feedback.png", full_page=True)
    page.close()
    assert not refused, refused
    assert len(widths) >= 10 and all(width > 0 for width in widths), widths
    # a fraction drawn as one (numerator over denominator) is taller than a line of text
    assert fractions and min(fractions) > 20, fractions
    assert not re.search(r"\\(frac|sigma|tanh|begin)|\$\$", text), "raw TeX on the page"
