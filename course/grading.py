"""Grade a whole class: stage, autograde in parallel, feedback, export, report.

Grading one student is a short list of steps (`grade_student`), run by a pool of worker
processes, each holding one nbgrader API object (so nbgrader starts once per worker,
not once per student). Every step records what went wrong in the student's result
instead of raising: a broken submission costs that student points, never the run.

Submissions are never modified: each is copied to a staging folder, where an unreadable
notebook is replaced by the untouched release notebook (worth 0) and a renamed notebook
gets its expected name back, and nbgrader grades the staged copy.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from course.settings import COURSE_ROOT, DB_URL_VARIABLE, ENGINE_VARIABLE  # noqa: F401

STAGING = ".grading/staged"  # relative to the course root; hidden from kernels
STATE = ".grading/{assignment}/results.json"  # the result records of the last run
LOGS = ".grading/{assignment}/logs"  # nbgrader's log of each student's last grading
KERNEL_PROBLEMS = {"CellTimeoutError": "a cell ran past its time limit",
                   "NotExecuted": "the kernel stopped early"}


@dataclass
class StudentResult:
    """What grading one student's assignment produced: the record the report reads."""
    student: str
    digest: str                      # fingerprint of the submitted files
    status: str = "graded"           # graded | unchanged | failed
    seconds: float = 0.0
    problems: list = field(default_factory=list)  # why it did not grade normally


# ---- staging ------------------------------------------------------------------------
def submission_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _grade_ids(path: Path) -> set:
    notebook = nbformat.read(path, as_version=4)
    return {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells} - {None}


def _readable(path: Path) -> str | None:
    """None if `path` is a notebook nbgrader can grade, else why it is not."""
    try:
        if path.stat().st_size == 0:
            return "empty file"
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as error:
        return f"unreadable ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
    return None


def stage_submission(root: Path, assignment: str, student: str) -> list[str]:
    """Copy a submission to the staging folder and repair what nbgrader cannot grade.
    Returns the problems found, in words for the report."""
    submitted = root / "submitted" / student / assignment
    staged = root / STAGING / student / assignment
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(submitted, staged, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    release = root / "release" / assignment
    expected = {path.name: path for path in release.glob("*.ipynb")}
    problems = []
    extras = sorted(p for p in staged.glob("*.ipynb") if p.name not in expected)
    for name, release_path in sorted(expected.items()):
        path = staged / name
        if not path.exists():
            renamed = _find_renamed(extras, _grade_ids(release_path))
            if renamed is None:
                problems.append(f"{name}: missing (scored 0)")
                continue
            problems.append(f"{name}: submitted as '{renamed.name}', graded under its "
                            "expected name")
            extras.remove(renamed)
            renamed.rename(path)
        reason = _readable(path)
        if reason:
            problems.append(f"{name}: {reason}; graded as the untouched release (0 points)")
            shutil.copy(release_path, path)
        elif renamed_cells := _forget_unknown_cells(path, _grade_ids(release_path)):
            problems.append(f"{name}: cells with unknown nbgrader ids ({', '.join(renamed_cells)}) "
                            "graded as ordinary cells; the missing test cells were put back")
    for extra in extras:
        problems.append(f"{extra.name}: not part of the assignment, ignored")
        extra.unlink()
    return problems


def _forget_unknown_cells(path: Path, known_ids: set) -> list:
    """Strip the nbgrader metadata of cells whose id the assignment does not have (a
    student edited it), so that nbgrader grades the notebook and restores the real test
    cells, instead of refusing the whole submission. Returns the ids it removed."""
    notebook = nbformat.read(path, as_version=4)
    unknown = []
    for cell in notebook.cells:
        metadata = cell.metadata.get("nbgrader")
        if metadata is not None and metadata.get("grade_id") not in known_ids:
            unknown.append(str(metadata.get("grade_id")))
            del cell.metadata["nbgrader"]
    if unknown:
        nbformat.write(notebook, path)
    return unknown


def _find_renamed(candidates: list, expected_ids: set):
    """The one readable candidate that carries most of the expected notebook's cells."""
    matches = []
    for path in candidates:
        if _readable(path) is None and len(_grade_ids(path) & expected_ids) > len(expected_ids) / 2:
            matches.append(path)
    return matches[0] if len(matches) == 1 else None


# ---- the worker ---------------------------------------------------------------------
_api = None


def _start_worker(root: str, db_url: str | None = None, engine: str | None = None) -> None:
    """Build this worker's nbgrader API once, from the course's nbgrader_config.py;
    `db_url`, if given, is the gradebook the caller chose (a Dask worker's environment
    may not name it), and `engine` the execution engine ("fork" or "kernel")."""
    global _api
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    if engine:
        os.environ[ENGINE_VARIABLE] = engine  # read by nbgrader_config.py
    os.chdir(root)
    sys.path.insert(0, root)
    config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
    config.CourseDirectory.submitted_directory = STAGING
    if db_url:
        config.CourseDirectory.db_url = db_url
    # the database URL may carry a password: the kernels this worker starts do not need it
    os.environ.pop(DB_URL_VARIABLE, None)
    coursedir = CourseDirectory(config=config)
    _api = NbGraderAPI(coursedir, config=config)


def _retrying(step, *args) -> dict:
    """Run an nbgrader API step; retry while another worker holds the SQLite gradebook."""
    for attempt in range(5):
        outcome = step(*args)
        if outcome["success"] or "database is locked" not in str(outcome.get("error")):
            return outcome
        time.sleep(0.5 * (attempt + 1))
    return outcome


def grade_student(assignment: str, student: str) -> dict:
    """Autograde one staged submission with nbgrader."""
    started = time.perf_counter()
    outcome = _retrying(_api.autograde, assignment, student, True, True)
    return {"success": outcome["success"], "seconds": time.perf_counter() - started,
            "error": str(outcome.get("error") or "")[-2000:],
            "log": str(outcome.get("log") or "")}


def feedback_for(assignment: str, student: str) -> dict:
    """Generate one student's feedback with nbgrader."""
    outcome = _retrying(_api.generate_feedback, assignment, student, True)
    return {"success": outcome["success"], "error": str(outcome.get("error") or "")[-2000:]}


def kernel_problems(root: Path, assignment: str, student: str) -> list[str]:
    """What went wrong while the notebooks ran, read from the autograded notebooks."""
    problems = []
    for path in sorted((root / "autograded" / student / assignment).glob("*.ipynb")):
        reasons = set()
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") in KERNEL_PROBLEMS:
                    reasons.add(output.get("evalue") or KERNEL_PROBLEMS[output["ename"]])
        problems += [f"{path.name}: {reason}" for reason in sorted(reasons)]
    return problems


# ---- the class ----------------------------------------------------------------------
def load_results(root: Path, assignment: str) -> dict:
    path = root / STATE.format(assignment=assignment)
    if not path.exists():
        return {}
    return {r["student"]: StudentResult(**r) for r in json.loads(path.read_text())}


def save_results(root: Path, assignment: str, results: dict) -> None:
    path = root / STATE.format(assignment=assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in sorted(results.values(),
                                                           key=lambda r: r.student)], indent=1))


@contextmanager
def local_workers(root: Path, workers: int, engine: str | None = None):
    """Worker processes on this machine. Yields run(function, assignment, students),
    which calls function(assignment, student) for each student in the workers and yields
    (student, outcome or the exception that ended it) as each completes."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start_worker, initargs=(str(root), None, engine)) as pool:
        def run(function, assignment, students):
            futures = {pool.submit(function, assignment, student): student
                       for student in students}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except Exception as error:  # the worker itself died
                    yield futures[future], error
        yield run


def grade_class(root: Path, assignment: str, *, workers: int | None = None,
                force: bool = False, progress=None, scheduler: str | None = None,
                engine: str | None = None) -> dict:
    """Autograde every new or changed submission of `assignment`; return all records.
    With `scheduler` (a Dask scheduler's address) the Dask cluster's workers grade,
    else `workers` processes on this machine; `engine` runs the notebooks ("fork", the
    default, or "kernel": see nbgrader_config.py)."""
    submitted = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}")
                       if p.is_dir())
    previous = load_results(root, assignment)
    results, to_grade = {}, []
    for student in submitted:
        digest = submission_digest(root / "submitted" / student / assignment)
        earlier = previous.get(student)
        if (not force and earlier and earlier.digest == digest and earlier.status != "failed"
                and (root / "autograded" / student / assignment).is_dir()):
            results[student] = StudentResult(student, digest, "unchanged", earlier.seconds,
                                             earlier.problems)
            continue
        results[student] = StudentResult(student, digest,
                                         problems=stage_submission(root, assignment, student))
        to_grade.append(student)

    if scheduler:
        from course.distributed import dask_workers
        backend = dask_workers(root, scheduler, engine=engine)
    else:
        workers = workers or os.cpu_count() or 1
        backend = local_workers(root, min(workers, max(len(submitted), 1)), engine)
    with backend as run:
        for done, (student, outcome) in enumerate(run(grade_student, assignment, to_grade),
                                                  start=1):
            result = results[student]
            if isinstance(outcome, BaseException):
                outcome = {"success": False, "seconds": 0.0, "log": "",
                           "error": f"{type(outcome).__name__}: {outcome}"}
            result.seconds = outcome["seconds"]
            logs = root / LOGS.format(assignment=assignment)
            logs.mkdir(parents=True, exist_ok=True)
            (logs / f"{student}.log").write_text(outcome["log"] + outcome["error"])
            if not outcome["success"]:
                result.status = "failed"
                result.problems.append("nbgrader could not grade it: "
                                       + outcome["error"].strip().splitlines()[-1][:300]
                                       if outcome["error"].strip() else "nbgrader failed")
            result.problems += kernel_problems(root, assignment, student)
            if "SANDBOX UNAVAILABLE" in outcome["log"]:
                result.problems.append("graded without the sandbox (bubblewrap unavailable)")
            if progress:
                progress(done, len(to_grade), f"graded {student}")
        # feedback for everyone: manual grades may have changed since the last run
        graded = [s for s, r in results.items() if r.status != "failed"]
        for done, (student, outcome) in enumerate(run(feedback_for, assignment, graded),
                                                  start=1):
            if isinstance(outcome, BaseException):
                outcome = {"success": False, "error": f"{type(outcome).__name__}: {outcome}"}
            if not outcome["success"]:
                results[student].problems.append(
                    "feedback failed: " + (outcome["error"].strip().splitlines() or ["?"])[-1])
            if progress:
                progress(done, len(graded), f"feedback {student}")
    save_results(root, assignment, results)
    return results
