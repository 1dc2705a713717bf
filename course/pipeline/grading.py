"""Grade a whole class: stage, autograde in parallel, feedback, export, report.

Grading one student is a short list of steps (course/pipeline/worker.py: autograde, feedback),
run by a backend: a pool of local worker processes (`local_workers`) or a Dask cluster
(course/pipeline/distributed.py), each process holding one nbgrader API object (so nbgrader
starts once per worker, not once per student). What went wrong is recorded in the
student's result: a broken submission costs that student points, never the run.

Submissions are never modified: each is staged first (course/pipeline/staging.py), and nbgrader
grades the staged copy, one notebook at a time (course/steps/autograde.py). A fault of ours
(course/faults.py) stops the run instead of becoming a student's score.
"""
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.faults import GraderFault
from course.pipeline import worker
from course.pipeline.staging import stage_submission, submission_digest
from course.pipeline.worker import Outcome
from course.settings import ENGINES

STATE = ".grading/{assignment}/results.json"  # the result records of the last run
LOCK = ".grading/lock"  # held by `grade` and by the grading service while they run
LOGS = ".grading/{assignment}/logs"  # nbgrader's log of each student's last grading


@dataclass
class StudentResult:
    """What grading one student's assignment produced: the record the report reads."""
    student: str
    digest: str                      # fingerprint of the submitted files
    status: str = "graded"           # graded | unchanged | not graded
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # why it did not grade normally
    not_graded: dict[str, str] = field(default_factory=dict)  # notebook -> why

    @property
    def fully_graded(self) -> bool:
        return self.status != "not graded" and not self.not_graded


@contextmanager
def course_lock(root: Path):
    """The course's grading lock: yields True while this process holds it, or False if
    `grade` or the grading service holds it already (both write the same records, so one
    grades at a time). Released explicitly, so that a child process still holding the
    descriptor (a worker winding down) cannot keep it."""
    import fcntl

    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ---- the class ----------------------------------------------------------------------
def load_results(root: Path, assignment: str) -> dict:
    path = root / STATE.format(assignment=assignment)
    if not path.exists():
        return {}
    records = json.loads(path.read_text())
    for record in records:  # records written before "failed" was called "not graded"
        record["status"] = "not graded" if record["status"] == "failed" else record["status"]
    return {r["student"]: StudentResult(**r) for r in records}


def save_results(root: Path, assignment: str, results: dict) -> None:
    path = root / STATE.format(assignment=assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in sorted(results.values(),
                                                           key=lambda r: r.student)], indent=1))


@contextmanager
def local_workers(root: Path, workers: int, engine: str | None = None):
    """Worker processes on this machine. Yields run(function, assignment, students),
    which calls function(assignment, student) for each student in the workers and yields
    (student, outcome or the exception that ended it) as each completes; closing it
    early cancels what has not started."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=worker.start, initargs=(str(root), None, engine)) as pool:
        def run(function, assignment, students):
            futures = {pool.submit(function, assignment, student): student
                       for student in students}
            try:
                for future in as_completed(futures):
                    try:
                        yield futures[future], future.result()
                    except Exception as error:  # the worker itself died
                        yield futures[future], error
            finally:
                for future in futures:
                    future.cancel()
        yield run


SAFE_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")


def submitted_students(root: Path, assignment: str) -> list[str]:
    """Every folder name under submitted/ that holds something for `assignment` (whatever
    it is: staging decides what to trust)."""
    folder = root / "submitted"
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in os.scandir(folder)
                  if not entry.name.startswith(".")
                  and os.path.lexists(folder / entry.name / assignment))


def grade_class(root: Path, assignment: str, *, workers: int | None = None,
                force: bool = False, progress=None, scheduler: str | None = None,
                engine: str | None = None) -> dict[str, StudentResult]:
    """Autograde every new or changed submission of `assignment`; return all records.
    With `scheduler` (a Dask scheduler's address) the Dask cluster's workers grade,
    else `workers` processes on this machine; `engine` runs the notebooks ("fork", the
    default, or "kernel": see nbgrader_config.py). Raises GraderFault, after saving the
    records, when a fault of ours stops the run (course/faults.py)."""
    engine = engine or ENGINES[0]  # COURSE_ENGINE is for plain nbgrader commands
    submitted = submitted_students(root, assignment)
    previous = load_results(root, assignment)
    results, to_stage, to_grade = {}, [], []
    for student in submitted:
        if not SAFE_STUDENT_ID.fullmatch(student):
            results[student] = StudentResult(student, "", "not graded", problems=[
                "not graded: the folder name under submitted/ is not a student id nbgrader "
                "can take (letters, digits and . _ @ + - only); rename it and grade again"])
            continue
        try:
            digest = submission_digest(root / "submitted" / student / assignment)
        except OSError as error:  # e.g. a folder grading may not read
            results[student] = StudentResult(student, "", "not graded", problems=[
                f"not graded: the submission could not be read ({error.strerror})"])
            continue
        earlier = previous.get(student)
        if (not force and earlier and earlier.digest == digest
                and earlier.status != "not graded"
                and (root / "autograded" / student / assignment).is_dir()):
            results[student] = StudentResult(student, digest, "unchanged", earlier.seconds,
                                             earlier.problems, earlier.not_graded)
            continue
        to_stage.append((student, digest))

    def staged_one_by_one():
        """Stage each submission and hand it to the workers at once: they start (and warm
        their engine) on the first while the others are staged."""
        for student, digest in to_stage:
            try:
                staged = stage_submission(root, assignment, student)
            except Exception as error:  # a submission staging did not foresee: only it is lost
                results[student] = StudentResult(student, digest, "not graded", problems=[
                    f"not graded: the submission could not be staged "
                    f"({type(error).__name__}: {str(error)[:200]})"])
                continue
            results[student] = StudentResult(student, digest, problems=staged.problems)
            to_grade.append(student)
            yield student

    if scheduler:
        from course.pipeline.distributed import dask_workers
        backend = dask_workers(root, scheduler, engine=engine)
    else:
        workers = workers or os.cpu_count() or 1
        backend = local_workers(root, min(workers, max(len(submitted), 1)), engine)
    fault, recorded = None, set()
    with backend as run:
        # each backend submits every student before the first result comes back, so
        # to_grade is complete when progress first counts it
        grading = run(worker.grade_student, assignment, staged_one_by_one())
        for done, (student, outcome) in enumerate(grading, start=1):
            fault = record_grading(root, assignment, results[student], outcome)
            recorded.add(student)
            if fault:
                break
            if progress:
                progress(done, len(to_grade), f"graded {student}")
        grading.close()  # after a fault: cancel what has not started
        if not fault:
            # feedback for everyone: manual grades may have changed since the last run
            graded = [s for s, r in results.items() if r.status != "not graded"]
            feedback = run(worker.feedback_for, assignment, graded)
            for done, (student, outcome) in enumerate(feedback, start=1):
                if isinstance(outcome, BaseException):
                    outcome = Outcome(False, error=f"{type(outcome).__name__}: {outcome}")
                if outcome.fault:
                    fault = outcome.fault
                    break
                if not outcome.success:
                    results[student].problems.append(
                        "feedback failed: " + (outcome.error.strip().splitlines() or ["?"])[-1])
                if progress:
                    progress(done, len(graded), f"feedback {student}")
            feedback.close()
    if fault:
        for student in set(to_grade) - recorded:
            results[student].status = "not graded"
            results[student].problems.append("not graded: the run stopped (a fault of "
                                             "the grader, not of this submission)")
    save_results(root, assignment, results)
    if fault:
        raise fault
    return results


def record_grading(root: Path, assignment: str, result: StudentResult,
                    outcome: "Outcome | BaseException") -> GraderFault | None:
    """Put one student's grading outcome in the record and its log on disk; returns the
    fault of ours that stopped it, if any."""
    if isinstance(outcome, BaseException):
        outcome = Outcome(False, error=f"the grading worker died ({type(outcome).__name__}: "
                                       f"{outcome})")
    logs = root / LOGS.format(assignment=assignment)
    logs.mkdir(parents=True, exist_ok=True)
    (logs / f"{result.student}.log").write_text(outcome.log + outcome.error)
    if outcome.fault:
        result.status = "not graded"
        result.problems.append(f"not graded: {outcome.fault}")
        return outcome.fault
    result.seconds = outcome.seconds
    result.not_graded = dict(outcome.not_graded)
    for notebook, why in sorted(outcome.not_graded.items()):
        result.problems.append(f"{notebook}.ipynb: not graded: nbgrader refused it ({why}); "
                               "grade it by hand in the formgrader")
    if not outcome.success and not outcome.not_graded:
        result.status = "not graded"
        last = outcome.error.strip().splitlines()[-1][:300] if outcome.error.strip() else "?"
        result.problems.append(f"not graded: nbgrader could not grade it ({last}); its log is "
                               f"{LOGS.format(assignment=assignment)}/{result.student}.log")
    result.problems += outcome.kernel_problems
    if outcome.unsandboxed:
        result.problems.append("graded without the sandbox (bubblewrap unavailable)")
    return None
