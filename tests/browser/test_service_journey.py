"""A student fetches an assignment, submits it and fetches its feedback in JupyterLab's
Assignments tab, in a real browser, while the grading service (`python -m course serve`)
runs as its own process: JupyterLab runs as the student, an operating-system user."""
import os
import re
import secrets
import subprocess
import time

import pytest
from playwright.sync_api import expect

from course.exchange_class import ExchangeClass
from course.nbgrader_commands import nbgrader
from course.sample_class import changed
from course.service.ledger import Ledger
from course.service.serve import FOLDER
from course.submissions import copy_course, reference_answers
from tests.browser.conftest import VENV_BIN, free_port, stop, wait_until_serving, write_lab_settings
from tests.browser.lab import menu
from tests.e2e.test_service import serve, stop_service

ASSIGNMENT = "a1_activations"
HINT = "AssertionError: sigmoid(-3), sigmoid(0), sigmoid(3) should be"
WRONG_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(z))"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="students are OS users: needs root")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("service-journey") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("c.GradingService.min_interval = 0\n")
    classroom = ExchangeClass(root, ASSIGNMENT, students=1)
    service = serve(classroom)
    try:
        yield classroom
    finally:
        stop_service(service)
        classroom.close()


@pytest.fixture(scope="module")
def student_lab(classroom):
    """`jupyter lab` run by the student in the student's home, configured for the exchange
    as a JupyterHub image would be (~/.jupyter/nbgrader_config.py)."""
    (student,) = classroom.students
    home = classroom.home(student)
    config = home / ".jupyter"
    write_lab_settings(config)
    (config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(classroom.exchange)!r}\n")
    subprocess.run(["chown", "-R", f"{student}:", str(config)], check=True)
    token, port = secrets.token_hex(16), free_port()
    log = classroom.root / "student-lab.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            ["runuser", "-u", student, "--", "env", f"HOME={home}",
             f"PATH={VENV_BIN}:/usr/bin:/bin", f"JUPYTER_CONFIG_DIR={config}",
             str(VENV_BIN / "jupyter"), "lab", "--no-browser", f"--ServerApp.token={token}",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             f"--ServerApp.root_dir={home}", "--LabApp.news_url=None"],
            cwd=home, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(server, f"{url}/api/status?token={token}", log)
    try:
        yield student, url, token
    finally:
        stop(server)


def test_student_submits_and_fetches_feedback_in_jupyterlab(
        browser, classroom, student_lab, screenshots):
    student, url, token = student_lab
    page = browser.new_page()
    try:
        page.goto(f"{url}/lab/workspaces/student?reset&token={token}")
        menu(page, "Nbgrader", "Assignment List")
        released = page.locator("#released_assignments_list")
        expect(released).to_contain_text(ASSIGNMENT, timeout=60_000)
        screenshots.take(page, "released")
        released.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list")
        expect(fetched).to_contain_text(ASSIGNMENT, timeout=60_000)

        # the student's work (typed in a notebook in test_student.py): a sign slip in sigmoid
        reference = reference_answers(classroom.root / "source" / ASSIGNMENT)
        classroom.work(student, changed(reference, {"activations": {"sigmoid": WRONG_SIGMOID}}))
        fetched.get_by_role("button", name="Submit").click()
        submitted = page.locator("#submitted_assignments_list")
        expect(submitted).to_contain_text(ASSIGNMENT, timeout=60_000)
        clicked = time.monotonic()
        screenshots.take(page, "submitted")

        ledger = Ledger(classroom.root / FOLDER / "ledger.db")
        deadline = time.monotonic() + 120
        while [e.state for e in ledger.entries()] != ["released"]:
            assert time.monotonic() < deadline, [(e.state, e.detail) for e in ledger.entries()]
            time.sleep(0.2)
        print(f"Submit clicked to feedback released: {time.monotonic() - clicked:.1f} s")

        page.locator("#refresh_assignments_list").click()
        expect(submitted).to_contain_text("feedback available to fetch", timeout=30_000)
        submitted.get_by_role("button", name="Fetch Feedback").click()
        expect(submitted).to_contain_text("view feedback", timeout=60_000)
        screenshots.take(page, "feedback_fetched")

        stamp = next((classroom.home(student) / ASSIGNMENT / "feedback").iterdir()).name
        page.goto(f"{url}/files/{ASSIGNMENT}/feedback/{stamp}/activations.html?token={token}")
        expect(page.get_by_text(re.compile(r"Score: \d+(\.\d+)? / \d+")).first).to_be_visible()
        screenshots.take(page, "feedback_page")
        hint = page.get_by_text(HINT).first
        hint.scroll_into_view_if_needed()
        expect(hint).to_be_visible()
        screenshots.take(page, "feedback_hint")
    finally:
        page.close()
