"""`python -m course serve`: grade each submission as it arrives in nbgrader's exchange and
release its feedback to the student, who fetches it with nbgrader's "Fetch Feedback".

The loop, once per `GradingService.poll_seconds`:
1. note every new folder in the exchange's inbound in the ledger (course/service/ledger.py),
   in the order they arrived, rejecting what is not a student's submission
   (course/service/exchange.py);
2. for each queued submission, oldest first, one per student at a time: collect it to
   submitted/, stage it (course/pipeline/staging.py) and hand it to a grading worker
   (course/pipeline/worker.py's grade_with_feedback: the class grader's engine and sandbox);
3. when a worker is done: record the grade as `python -m course grade` does (so a later
   `grade` finds the student up to date), and release the feedback through nbgrader's
   release_feedback, showing what the course allows before the due date
   (GradingService.before_deadline); once the due date has passed, feedback that was held
   back or showed scores only is generated again, complete, and released.
A student graded less than GradingService.min_interval seconds ago waits (the ledger says
until when), so that the hidden checks cannot be probed by resubmitting.

A fault of ours (the gradebook cannot be written, the engine will not start) puts the
submission back in the queue and pauses grading, with a growing wait, instead of writing
a score; a worker that dies is replaced, and a submission that killed it three times is
marked failed. One service (or `grade`) runs per course at a time (a lock file); killed,
it starts again where the ledger says it was.
"""
import datetime
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from course.faults import GraderFault
from course.pipeline import worker
from course.pipeline.grading import (StudentResult, course_lock, load_results,
                                     record_grading, save_results)
from course.pipeline.staging import UnsafeFile, stage_submission, submission_digest
from course.service import exchange
from course.service.ledger import DONE, Entry, Ledger
from course.service.workers import WorkerDied, Workers
from course.settings import ENGINES, GradingService, course_config, db_url
from course.steps.autograde import check_gradebook

FOLDER = ".grading/service"  # in the course root: the ledger and the log
MAX_DEATHS = 3  # gradings of one submission that may end with the worker dead
FAULT_PAUSE = (2.0, 60.0)  # seconds: the first pause after a fault of ours, the longest

log = logging.getLogger("course.service")


@dataclass
class Job:
    entry: Entry
    shown: str                          # what its feedback shows: hints, score, nothing
    result: StudentResult | None = None  # None: the feedback after the due date, no grading
    started: float = 0.0


class Service:
    def __init__(self, root: Path, exchange_root: str | None = None, *,
                 workers: int | None = None, engine: str | None = None):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default import Exchange

        self.root = Path(root)
        config = course_config(self.root)
        if exchange_root:
            config.Exchange.root = str(exchange_root)
        self.settings = GradingService(config=config)
        self.api = NbGraderAPI(CourseDirectory(config=config), config=config)
        self.inbound = (Path(Exchange(config=config).root) / self.api.coursedir.course_id
                        / "inbound")
        self.check_owner = bool(config.CollectApp.get("check_owner", True))
        self.db_url = db_url(self.root)
        self.engine = engine or ENGINES[0]
        self.ledger = Ledger(self.root / FOLDER / "ledger.db")
        self.pool = Workers(workers or os.cpu_count() or 1, str(self.root), self.engine)
        self.duedates: dict[str, datetime.datetime | None] = {}
        self.paused_until, self.pause = 0.0, FAULT_PAUSE[0]
        self.deaths: dict[str, int] = {}  # submission -> workers it has seen die
        self.stopping = False
        self.once = False  # --once: a fault of ours ends the run (exit code 3), no waiting
        self.exit_code = 0
        self.said_no_inbound = False

    # ---- the loop ---------------------------------------------------------------------
    def run(self, once: bool = False) -> int:
        self.once = once
        resumed = self.ledger.resume()
        if resumed:
            log.info("%d submission(s) were being graded when the service stopped: queued again",
                     resumed)
        self.wait_for_gradebook()
        worker.check_engine(self.root, self.engine)  # a broken engine: exit now, not retry
        log.info("serving %s from %s (%d workers, feedback before the due date: %s, one "
                 "grading per student every %g s)", self.api.coursedir.course_id,
                 self.inbound, self.pool.count, self.settings.before_deadline,
                 self.settings.min_interval)
        try:
            while not self.stopping:
                if self.read_assignments():
                    self.note_arrivals()
                    self.release_after_due_dates()
                    self.dispatch()
                if once and not len(self.pool) and not self.ready():
                    break
                self.wait_for_workers(self.settings.poll_seconds)
            while len(self.pool):  # stopping: let what is being graded finish
                self.wait_for_workers(self.settings.poll_seconds)
        finally:
            self.pool.close()
        waiting = self.ledger.entries("queued")
        log.info("stopped; %d submission(s) queued", len(waiting))
        return self.exit_code

    def wait_for_gradebook(self) -> None:
        """A service waits for its gradebook (a database restarting, a long lock); a run
        with --once stops with the fault instead."""
        while True:
            try:
                return check_gradebook(self.db_url)
            except GraderFault as fault:
                if self.once or self.stopping:
                    raise
                self.fault_pause(str(fault))
                time.sleep(max(0.0, self.paused_until - time.time()))

    def read_assignments(self) -> bool:
        """The gradebook's assignments and due dates, read again each round (an instructor
        may set a due date while the service runs); False if it cannot be read now."""
        if time.time() < self.paused_until:
            return False
        try:
            with Gradebook(self.db_url) as gradebook:
                self.duedates = {a.name: a.duedate for a in gradebook.assignments}
            return True
        except Exception as error:
            self.fault_pause(f"the gradebook cannot be read ({type(error).__name__}: "
                             f"{str(error)[:300]})")
            return False

    def note_arrivals(self) -> None:
        if not self.inbound.is_dir():
            if not self.said_no_inbound:
                log.warning("no inbound folder at %s yet: release an assignment (nbgrader "
                            "release_assignment) or pass --exchange", self.inbound)
                self.said_no_inbound = True
            return
        for key in exchange.waiting(self.inbound, self.ledger.known()):
            found = exchange.read_inbound(self.inbound, key, self.check_owner)
            entry = Entry(found.key, found.assignment, found.student, found.submitted_at,
                          time.time(), "rejected" if found.problem else "queued", found.problem)
            if self.ledger.add(entry):
                log.info("%s: %s%s", found.key, entry.state,
                         f" ({found.problem})" if found.problem else "")

    def ready(self) -> list[Entry]:
        """The queued submissions to grade now, at most one per student, oldest first;
        under a rate limit a student's newest waiting submission stands for the others."""
        busy = {(job.entry.assignment, job.entry.student) for job in self.pool.jobs()}
        by_student: dict[tuple, list[Entry]] = {}
        for entry in self.ledger.entries("queued"):
            by_student.setdefault((entry.assignment, entry.student), []).append(entry)
        chosen = []
        for who, entries in by_student.items():
            if who in busy:
                continue
            if who[0] not in self.duedates:  # not (or not yet) in the gradebook: it waits
                detail = f"waits: no assignment '{who[0]}' in the gradebook"
                for entry in entries:
                    if entry.detail != detail:
                        self.ledger.update(entry.key, detail=detail)
                continue
            if self.settings.min_interval > 0:
                for older in entries[:-1]:
                    self.ledger.update(older.key, state="superseded", finished=time.time(),
                                       detail=f"{entries[-1].key} came before it was graded")
                entries = entries[-1:]
            wait_until = self.allowed_from(*who)
            if wait_until > time.time():
                detail = (f"waits until {time.strftime('%H:%M:%S', time.localtime(wait_until))}"
                          f" (one grading every {self.settings.min_interval:g} s)")
                if entries[0].detail != detail:
                    self.ledger.update(entries[0].key, detail=detail)
                continue
            chosen.append(entries[0])
        return chosen

    def allowed_from(self, assignment: str, student: str) -> float:
        last = self.ledger.last_graded(assignment, student)
        return last + self.settings.min_interval if last and self.settings.min_interval else 0.0

    def shown_now(self, assignment: str) -> str:
        due = self.duedates.get(assignment)
        if due is not None and datetime.datetime.utcnow() > due:
            return "hints"
        return self.settings.before_deadline

    # ---- grading ----------------------------------------------------------------------
    def dispatch(self) -> None:
        if time.time() < self.paused_until or self.stopping:
            return
        for entry in self.ready():
            if len(self.pool) >= self.pool.count:
                return
            self.start(entry)

    def start(self, entry: Entry) -> None:
        root, assignment, student = self.root, entry.assignment, entry.student
        try:
            left_behind = exchange.collect(self.inbound, entry.key, root, assignment, student,
                                           self.check_owner)
            digest = submission_digest(root / "submitted" / student / assignment)
            staged = stage_submission(root, assignment, student)
        except (OSError, UnsafeFile) as error:  # e.g. the folder is gone, or now a link
            why = getattr(error, "strerror", None) or str(error)
            self.ledger.update(entry.key, state="rejected", finished=time.time(),
                               detail=f"could not be collected ({why})")
            log.warning("%s: rejected, could not be collected (%s)", entry.key, why)
            return
        shown = self.shown_now(assignment)
        started = time.time()
        self.ledger.update(entry.key, state="grading", attempts=entry.attempts + 1,
                           started=started, detail="")
        result = StudentResult(student, digest, problems=left_behind + staged.problems)
        self.submit(Job(entry, shown, result, started), worker.grade_with_feedback,
                    assignment, student, shown)

    def submit(self, job: Job, function, *args) -> None:
        self.pool.submit(job, function, *args)

    def wait_for_workers(self, timeout: float) -> None:
        if not len(self.pool):
            time.sleep(timeout)
            return
        for job, outcome in self.pool.finished(timeout):
            if isinstance(outcome, WorkerDied):
                self.worker_died(job, outcome)
            elif job.result is None:
                self.finish_late_feedback(job, outcome)
            else:
                self.finish(job, *outcome)

    def finish(self, job: Job, graded: worker.Outcome, feedback: worker.Outcome | None) -> None:
        entry, result = job.entry, job.result
        fault = graded.fault or (feedback.fault if feedback else None)
        if fault:
            self.ledger.update(entry.key, state="queued", detail=f"waiting: {fault}")
            self.fault_pause(str(fault))
            return
        self.pause = FAULT_PAUSE[0]
        record_grading(self.root, entry.assignment, result, graded)
        if feedback is not None and not feedback.success:
            result.problems.append("feedback failed: "
                                   + (feedback.error.strip().splitlines() or ["?"])[-1])
        results = load_results(self.root, entry.assignment)
        results[entry.student] = result
        save_results(self.root, entry.assignment, results)
        score, max_score = self.score(entry)
        fields = dict(gradings=entry.gradings + 1, finished=time.time(), score=score,
                      max_score=max_score, detail="; ".join(result.problems)[:1000])
        released = feedback is not None and feedback.success and self.release(entry)
        if released:
            self.ledger.update(entry.key, state="released", shown=job.shown, **fields)
        else:
            self.ledger.update(entry.key, state="graded",
                               shown="held" if job.shown == "nothing" else "", **fields)
        log.info("%s: %s %s/%s in %.1f s, feedback %s%s", entry.key,
                 "graded" if result.fully_graded else "NOT GRADED", score, max_score,
                 time.time() - job.started, f"released ({job.shown})" if released
                 else "held until the due date" if job.shown == "nothing" else "not released",
                 "".join(f"\n    {problem}" for problem in result.problems))

    def score(self, entry: Entry) -> tuple[float | None, float | None]:
        """The student's score (after nbgrader's late penalty) and the maximum."""
        try:
            with Gradebook(self.db_url) as gradebook:
                submission = gradebook.find_submission(entry.assignment, entry.student)
                return (submission.score - submission.late_submission_penalty,
                        submission.max_score)
        except Exception:  # not graded, or the gradebook unavailable: the log says so
            return None, None

    def release(self, entry: Entry) -> bool:
        try:
            exchange.release_feedback(self.api, entry.assignment, entry.student)
            return True
        except Exception as error:
            log.error("%s: feedback could not be released (%s)", entry.key, error)
            return False

    def worker_died(self, job: Job, error: BaseException) -> None:
        entry = job.entry
        log.error("%s: the grading worker died (%s); a new one takes its place", entry.key, error)
        if job.result is None:
            return  # late feedback: tried again next round
        deaths = self.deaths[entry.key] = self.deaths.get(entry.key, 0) + 1
        if deaths >= MAX_DEATHS:
            self.ledger.update(entry.key, state="failed", finished=time.time(),
                               detail=f"the grading worker died {deaths} times on it "
                                      f"({type(error).__name__}); grade it by hand")
        else:
            self.ledger.update(entry.key, state="queued",
                               detail="queued again: the grading worker died")

    def fault_pause(self, why: str) -> None:
        if self.once:
            log.error("stopping: %s (a fault of the grader: no score was written)", why)
            self.stopping, self.exit_code = True, GraderFault.exit_code
            return
        log.error("grading paused for %.0f s: %s (a fault of the grader: no score was "
                  "written)", self.pause, why)
        self.paused_until = time.time() + self.pause
        self.pause = min(self.pause * 2, FAULT_PAUSE[1])

    # ---- complete feedback once the due date has passed -------------------------------
    def release_after_due_dates(self) -> None:
        if time.time() < self.paused_until or self.stopping:
            return
        busy = {(job.entry.assignment, job.entry.student) for job in self.pool.jobs()}
        latest: dict[tuple, Entry] = {}
        for entry in self.ledger.entries("graded", "released"):
            latest[(entry.assignment, entry.student)] = entry
        for who, entry in latest.items():
            if (entry.shown in ("held", "score") and who not in busy
                    and self.shown_now(entry.assignment) == "hints"
                    and len(self.pool) < self.pool.count):
                self.submit(Job(entry, "hints"), worker.feedback_for, *who, "hints")

    def finish_late_feedback(self, job: Job, feedback: worker.Outcome) -> None:
        entry = job.entry
        if feedback.fault:
            self.fault_pause(str(feedback.fault))
        elif feedback.success and self.release(entry):
            for same in self.ledger.entries("graded", "released"):
                if (same.assignment, same.student) == (entry.assignment, entry.student):
                    self.ledger.update(same.key, shown="hints")
            self.ledger.update(entry.key, state="released", shown="hints")
            log.info("%s: the due date has passed: complete feedback released", entry.key)
        else:
            self.ledger.update(entry.key, shown="")  # not tried again every round
            log.error("%s: complete feedback failed: %s", entry.key, feedback.error[-300:])


# ---- the command --------------------------------------------------------------------
def configure_logging(root: Path) -> None:
    (root / FOLDER).mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for handler in (logging.StreamHandler(sys.stderr),
                    logging.FileHandler(root / FOLDER / "service.log")):
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def status(root: Path) -> int:
    """Print what the ledger holds: counts by state, then every submission that waits or
    needs a look (rejected, failed, graded but its feedback not released)."""
    entries = Ledger(root / FOLDER / "ledger.db").entries()
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.state] = counts.get(entry.state, 0) + 1
    print(", ".join(f"{count} {state}" for state, count in counts.items()) or "nothing seen yet")
    for entry in entries:
        if entry.state not in DONE or entry.state in ("rejected", "failed") \
                or entry.state == "graded" and entry.shown != "held":
            print(f"  {entry.key}: {entry.state}{' (' + entry.detail + ')' if entry.detail else ''}")
    return 0


def main(root: Path, **options) -> int:
    """The service, while holding the course's grading lock (see serve)."""
    configure_logging(root)
    with course_lock(root) as held:
        if not held:
            print("The course is being graded already (another grading service or `python -m "
                  "course grade`): nothing to do.", file=sys.stderr)
            return 2
        return serve(root, **options)


def serve(root: Path, *, exchange_root: str | None = None, once: bool = False,
          workers: int | None = None, engine: str | None = None) -> int:
    service = Service(root, exchange_root, workers=workers, engine=engine)

    def stop(signum, frame):  # finish what is being graded, then exit
        service.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return service.run(once)
    except GraderFault as fault:
        log.error("the service cannot start: %s", fault)
        return fault.exit_code
