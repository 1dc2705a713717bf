"""The grading service (`python -m course serve`) on nbgrader's real exchange: students are
operating-system users who run `nbgrader submit` and `nbgrader fetch_feedback` as
themselves; the service runs as its own process, as an instructor starts it.

The tests share one course and run in order (the due date is set last).
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from nbgrader.api import Gradebook

from course.exchange_class import ExchangeClass
from course.local_services import PostgresServer, environment, postgres_bin, run_nbgrader
from course.nbgrader_commands import nbgrader
from course.sample_class import changed
from course.service.ledger import DONE, Ledger
from course.service.serve import FOLDER
from course.submissions import copy_course, reference_answers

ASSIGNMENT = "a1_activations"
# a check's message, as an output (the check's source, shown too, holds the same words)
HINT = "AssertionError: sigmoid(-3), sigmoid(0), sigmoid(3) should be"
WRONG_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(z))"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("useradd"),
    reason="students are operating-system users: needs root, runuser and useradd")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("service") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    classroom = ExchangeClass(root, ASSIGNMENT, students=11)
    for student in classroom.students:
        classroom.fetch(student)
    try:
        yield classroom
    finally:
        classroom.close()


@pytest.fixture(scope="module")
def answers(course):
    reference = reference_answers(course.root / "source" / ASSIGNMENT)
    return {"right": reference,
            "wrong": changed(reference, {"activations": {"sigmoid": WRONG_SIGMOID}})}


def configure(classroom, **settings) -> None:
    """The service's settings in the course's nbgrader_config.py, as an instructor sets them."""
    path = classroom.root / "nbgrader_config.py"
    text = path.read_text().split("# -- service settings of the test --")[0]
    lines = "".join(f"c.GradingService.{name} = {value!r}\n" for name, value in settings.items())
    path.write_text(f"{text}# -- service settings of the test --\n{lines}")


def serve(classroom, *args) -> subprocess.Popen:
    log = open(classroom.root / "service-output.log", "a")
    return subprocess.Popen(
        [sys.executable, "-m", "course", "serve", "--exchange", str(classroom.exchange), *args],
        cwd=classroom.root, env=environment(), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def stop_service(service: subprocess.Popen) -> int:
    """SIGTERM, as systemd stops it: the service finishes what it grades and exits. Killed
    (with its workers, its process group) if it has not within a minute."""
    service.send_signal(signal.SIGTERM)
    try:
        return service.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
        raise


def serve_once(classroom) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "course", "serve", "--once", "--exchange", str(classroom.exchange)],
        cwd=classroom.root, env=environment(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stderr


def status(classroom) -> str:
    return subprocess.run([sys.executable, "-m", "course", "serve", "--status"],
                          cwd=classroom.root, env=environment(), capture_output=True,
                          text=True, check=True).stdout


def ledger(classroom, *students) -> list:
    entries = Ledger(classroom.root / FOLDER / "ledger.db").entries()
    return [entry for entry in entries if entry.student in students]


def settled(entries, count: int) -> bool:
    return len(entries) == count and all(entry.state in DONE for entry in entries)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.2)


def as_shell(classroom, student: str, script: str) -> None:
    subprocess.run(["runuser", "-u", student, "--", "sh", "-c", script], check=True,
                   cwd=classroom.home(student))


def test_each_student_fetches_feedback_seconds_after_submitting(course, answers):
    """Two students submit to the running service and fetch their feedback; a student
    who submits in another's name, a folder that is no submission and one full of links
    and pipes are refused or cost only their own author; `grade` finds all up to date."""
    configure(course, before_deadline="hints", min_interval=0)
    right, wrong, hostile = course.students[:3]
    service = serve(course)
    try:
        course.work(right, answers["right"])
        course.work(wrong, answers["wrong"])
        course.work(hostile, answers["right"])
        submitted = time.monotonic()
        for student in (right, wrong):
            assert course.submit(student).returncode == 0
        # the hostile student: a submission in another's name, a folder with the wrong name,
        # and a submission of a link to a secret and a named pipe
        assert course.submit(hostile, f"--student={right}").returncode == 0
        inbound = course.exchange / "activations" / "inbound"
        as_shell(course, hostile, f"mkdir '{inbound}/not-a-submission'")
        folder = f"{inbound}/{hostile}+{ASSIGNMENT}+2026-12-01 10:00:00.000000 UTC+abc"
        as_shell(course, hostile, f"mkdir '{folder}' && ln -s /etc/shadow '{folder}/activations.ipynb'"
                                  f" && mkfifo '{folder}/prelu.ipynb'")
        wait_until(lambda: settled(ledger(course, right, wrong, hostile, ""), 5),
                   180, "five submissions graded or rejected")
        print(f"submit to released feedback: {time.monotonic() - submitted:.1f} s for two students")
        # the service and `grade` write the same records: one grades at a time
        refused = subprocess.run([sys.executable, "-m", "course", "grade", ASSIGNMENT],
                                 cwd=course.root, env=environment(), capture_output=True,
                                 text=True, timeout=120)
        assert refused.returncode == 2 and "being graded already" in refused.stderr
    finally:
        assert stop_service(service) == 0

    entries = {(e.student, e.state): e for e in ledger(course, right, wrong, hostile, "")}
    assert "owned by " + hostile in entries[(right, "rejected")].detail
    assert entries[(right, "released")].score == entries[(right, "released")].max_score
    assert entries[(wrong, "released")].score < entries[(wrong, "released")].max_score
    # graded, but its feedback cannot be released: it has no submission secret
    assert "named pipe" in entries[(hostile, "graded")].detail
    assert "symbolic link" in entries[(hostile, "graded")].detail
    assert entries[(hostile, "graded")].score == 0
    assert "not a submission" in entries[("", "rejected")].detail

    pages = {student: course.fetch_feedback(student) for student in (right, wrong)}
    for student, fetched in pages.items():
        (page,) = fetched.values()  # one submission, one set of pages
        assert set(page) == {"activations", "prelu"}
        assert "BEGIN HIDDEN TESTS" not in page["activations"]
        assert "Score:" in page["activations"]
    (wrong_page,) = pages[wrong].values()
    assert HINT in wrong_page["activations"]

    graded = subprocess.run([sys.executable, "-m", "course", "grade", ASSIGNMENT],
                            cwd=course.root, env=environment(), capture_output=True,
                            text=True, timeout=600)
    assert graded.returncode == 0, graded.stderr
    assert "2 graded (2 of them unchanged since the last run), 1 graded with problems" \
        in graded.stdout


def test_scores_only_before_the_due_date_and_one_grading_per_interval(course, answers):
    """With scores only before the due date and one grading per hour, the first submission's
    feedback shows points but no message; the next two wait, the newer standing for both."""
    configure(course, before_deadline="score", min_interval=3600)
    student = course.students[3]
    course.work(student, answers["wrong"])
    assert course.submit(student).returncode == 0
    serve_once(course)
    (page,) = course.fetch_feedback(student).values()
    assert "Score:" in page["activations"] and HINT not in page["activations"]
    assert "Scores only, for now" in page["activations"]

    for _ in range(2):
        time.sleep(1.1)  # nbgrader's timestamps are to the microsecond; one per submission
        assert course.submit(student).returncode == 0
    # and a submission for an assignment the gradebook does not have (yet): it waits
    unknown = f"{student}+a9_unknown+2026-12-04 10:00:00.000000 UTC+abc"
    as_shell(course, student, f"mkdir '{course.exchange}/activations/inbound/{unknown}'")
    serve_once(course)
    first, second, third, waiting = ledger(course, student)
    assert (first.state, first.shown, second.state, third.state) == (
        "released", "score", "superseded", "queued")
    assert "waits until" in third.detail
    shown = status(course)
    assert f"{third.key}: queued (waits until" in shown
    assert f"{unknown}: queued (waits: no assignment 'a9_unknown' in the gradebook)" in shown


def test_a_burst_survives_the_service_killed_and_the_gradebook_locked(course, answers):
    """Four students submit three times each while the service grades; it is killed with
    SIGKILL mid-burst (its workers die with it) and started again while the gradebook is
    locked for 12 s, and then one of its workers is killed: every submission ends graded
    once, released, in the order it came."""
    configure(course, before_deadline="hints", min_interval=0)
    students = course.students[4:8]
    for student in students:
        course.work(student, answers["right"])
    service = serve(course)

    def submit_three_times(student):
        for version in ("wrong", "right", "wrong"):
            course.work(student, answers[version])
            assert course.submit(student).returncode == 0
    burst = [threading.Thread(target=submit_three_times, args=(s,)) for s in students]
    for thread in burst:
        thread.start()
    wait_until(lambda: {"released", "grading"} <= {e.state for e in ledger(course, *students)},
               180, "one submission released while another is graded")
    service.kill()
    service.wait()
    wait_until(lambda: not _service_processes(course), 20, "the killed service's workers to end")

    gradebook = sqlite3.connect(course.root / "gradebook.db", timeout=30)
    gradebook.execute("BEGIN EXCLUSIVE")
    service = serve(course)
    try:
        time.sleep(12)
        gradebook.rollback()
        gradebook.close()

        # then a grading worker dies mid-grading (the kernel's OOM killer, say)
        def workers():
            return subprocess.run(["pgrep", "-P", str(service.pid)], capture_output=True,
                                  text=True).stdout.split()
        wait_until(lambda: "grading" in {e.state for e in ledger(course, *students)}
                   and workers(), 120, "a submission being graded by a worker")
        os.kill(int(workers()[0]), signal.SIGKILL)
        for thread in burst:
            thread.join()
        wait_until(lambda: [e.state for e in ledger(course, *students)] == ["released"] * 12,
                   300, "all twelve submissions released")
    finally:
        stop_service(service)

    entries = ledger(course, *students)
    assert all(entry.gradings == 1 for entry in entries), [(e.key, e.gradings) for e in entries]
    for student in students:
        own = [entry for entry in entries if entry.student == student]
        assert [entry.finished for entry in own] == sorted(entry.finished for entry in own)
        assert [entry.score == entry.max_score for entry in own] == [False, True, False]
        fetched = course.fetch_feedback(student)
        assert len(fetched) == 3 and all(set(pages) == {"activations", "prelu"}
                                         for pages in fetched.values())
    log = (course.root / FOLDER / "service.log").read_text()
    assert "were being graded when the service stopped: queued again" in log
    assert "the grading worker died" in log


def _service_processes(classroom) -> list[str]:
    """The service, its workers (forked: the same command line) and their sandboxed
    zygotes (bubblewrap, given the course's folders)."""
    found = []
    for pattern in (f"course serve --exchange {classroom.exchange}", str(classroom.root)):
        found += subprocess.run(["pgrep", "-f", pattern], capture_output=True,
                                text=True).stdout.split()
    return found


def test_feedback_held_until_the_due_date_then_complete(course, answers):
    """Before the due date one student's feedback shows scores only and another's is held
    (the course changed its mind); once the due date has passed, the service releases both
    complete."""
    nbgrader(course.root, "db", "assignment", "add", ASSIGNMENT,
             "--duedate=2099-01-01 00:00:00 UTC", echo=False)
    scores_only, held = course.students[8:10]
    for student, shown in ((scores_only, "score"), (held, "nothing")):
        configure(course, before_deadline=shown, min_interval=0)
        course.work(student, answers["wrong"])
        assert course.submit(student).returncode == 0
        serve_once(course)
    assert [(e.state, e.shown) for e in ledger(course, scores_only, held)] == [
        ("released", "score"), ("graded", "held")]
    (page,) = course.fetch_feedback(scores_only).values()
    assert HINT not in page["activations"]
    assert course.fetch_feedback(held) == {}

    nbgrader(course.root, "db", "assignment", "add", ASSIGNMENT,
             "--duedate=2020-01-01 00:00:00 UTC", echo=False)
    serve_once(course)
    assert [(e.state, e.shown) for e in ledger(course, scores_only, held)] == [
        ("released", "hints"), ("released", "hints")]
    for student in (scores_only, held):
        (page,) = course.fetch_feedback(student).values()
        assert HINT in page["activations"]


def test_a_late_submission_gets_nbgraders_late_penalty(course, answers):
    """Past the due date, the course's late penalty (nbgrader's LateSubmissionPlugin, here
    'zero') applies to what the service grades."""
    nbgrader(course.root, "db", "assignment", "add", ASSIGNMENT,
             "--duedate=2020-01-01 00:00:00 UTC", echo=False)
    configure(course, before_deadline="hints", min_interval=0)
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    student = course.students[10]
    course.work(student, answers["right"])
    assert course.submit(student).returncode == 0
    serve_once(course)
    (entry,) = ledger(course, student)
    assert (entry.state, entry.score) == ("released", 0)
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        assert submission.score == submission.max_score > 0  # every check passed ...
        assert submission.late_submission_penalty == submission.score  # ... and it was late


@pytest.mark.skipif(postgres_bin() is None, reason="needs PostgreSQL (apt-get install postgresql)")
def test_a_postgresql_gradebook_that_goes_down_mid_burst_loses_nothing(
        tmp_path_factory, monkeypatch):
    """With the gradebook on a PostgreSQL server that is shut down for 8 s while submissions
    are being graded, grading pauses (no score written) and resumes: every submission is
    released, graded once, with the score its answers earn."""
    server = PostgresServer(postgres_bin())
    url = server.create_database("service")
    monkeypatch.setenv("COURSE_DB_URL", url)  # for the service and nbgrader's commands
    root = copy_course(tmp_path_factory.mktemp("service-postgres") / "course")
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", db_url=url)
    classroom = ExchangeClass(root, ASSIGNMENT, students=3)
    try:
        configure(classroom, before_deadline="hints", min_interval=0)
        reference = reference_answers(root / "source" / ASSIGNMENT)
        for student in classroom.students:
            classroom.fetch(student)
            classroom.work(student, reference)
        service = serve(classroom)
        try:
            for student in classroom.students:
                assert classroom.submit(student).returncode == 0
            wait_until(lambda: "released" in {e.state for e in ledger(classroom, *classroom.students)},
                       180, "a first submission released")
            server.pause()
            time.sleep(8)
            server.start()
            for student in classroom.students:  # and a second round, after the outage
                assert classroom.submit(student).returncode == 0
            wait_until(lambda: [e.state for e in ledger(classroom, *classroom.students)]
                       == ["released"] * 6, 300, "six submissions released")
        finally:
            stop_service(service)
        entries = ledger(classroom, *classroom.students)
        assert all(e.gradings == 1 and e.score == e.max_score for e in entries), \
            [(e.key, e.gradings, e.score, e.max_score) for e in entries]
        log = (root / FOLDER / "service.log").read_text()
        assert "grading paused" in log and "no score was written" in log
    finally:
        classroom.close()
        server.stop()
