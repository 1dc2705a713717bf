"""Shared fixtures. The end-to-end fixture grades every sample student once per session."""
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.demo import give_manual_grades, write_class_submissions
from course.nbgrader_commands import nbgrader
from course.sample_class import DEMO, TESTS
from course.submissions import copy_course



@dataclass
class GradedCourse:
    root: Path

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def cell_scores(self, assignment: str, student: str, notebook: str) -> dict:
        """{grade_id: (score, max_score, graded_by_hand)} of one graded notebook;
        graded_by_hand is True for written answers (no automatic score)."""
        with Gradebook(self.db_url) as gradebook:
            submitted = gradebook.find_submission_notebook(notebook, assignment, student)
            return {grade.name: (grade.score, grade.max_score, grade.auto_score is None)
                    for grade in submitted.grades}


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory) -> GradedCourse:
    """A copy of the course with every DEMO and TESTS student autograded, feedback
    generated and grades exported, by nbgrader's own commands, once per session.
    The source notebooks themselves are submitted too, by the student 'source'.
    Written answers get the manual grades the sample students declare."""
    root = copy_course(tmp_path_factory.mktemp("course") / "course")
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    for assignment in sorted(DEMO):
        nbgrader(root, "generate_assignment", assignment, "--force")
        students = {**DEMO[assignment], **TESTS[assignment]}
        write_class_submissions(assignment, students, root)
        source_copy = root / "submitted" / "source" / assignment
        shutil.copytree(root / "source" / assignment, source_copy)
        nbgrader(root, "autograde", assignment)
        give_manual_grades(assignment, students, db_url)
        nbgrader(root, "generate_feedback", assignment)
    nbgrader(root, "export", "--to", str(root / "grades.csv"))
    return GradedCourse(root)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's headless Chromium with a fresh profile, driven by Playwright, for every test
    of the session that needs one (the JupyterLab journeys, the report's page): a second
    sync Playwright cannot start in the same thread while the first runs."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, VIEWPORT
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT,
            chromium_sandbox=False)
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def chromium(request):
    """The session's Chromium (`browser`), or a skip saying what to install: for a test
    that opens a page the course wrote (the report, a feedback page)."""
    from tests.browser.conftest import CHROMIUM
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return request.getfixturevalue("browser")
