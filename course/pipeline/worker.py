"""The grading worker: one process holding one nbgrader API object, and the steps it runs
for one student at a time.

A step is a module-level function `step(assignment, student)` returning an Outcome. The
backends (course/pipeline/grading.py's local processes, course/pipeline/distributed.py's Dask workers) run
any such step the same way, so a new step is added here, once, and runs on both.
"""
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from course import faults
from course.faults import GraderFault
from course.settings import DB_URL_VARIABLE
from course.pipeline.staging import STAGING

GRADEBOOK_RETRIES = 5  # a SQLite gradebook is locked while another worker writes


@dataclass
class Outcome:
    """What one grading step in a worker produced."""
    success: bool
    seconds: float = 0.0
    error: str = ""
    log: str = ""
    not_graded: dict[str, str] = field(default_factory=dict)
    kernel_problems: list[str] = field(default_factory=list)  # what went wrong as notebooks ran
    fault: GraderFault | None = None  # ours, not the student's: the run stops
    unsandboxed: bool = False  # the sandbox was asked for, but bubblewrap cannot run here


_api = None
_unsandboxed = False
_engine = None  # the engine this worker grades with
_engine_checked = False  # and whether it ran a notebook here


def start(root: str, db_url: str | None = None, engine: str | None = None) -> None:
    """Build this worker's nbgrader API once, from the course's nbgrader_config.py;
    `db_url`, if given, is the gradebook the caller chose (a Dask worker's environment
    may not name it), and `engine` the execution engine ("fork" or "kernel")."""
    global _api, _unsandboxed, _engine, _engine_checked
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from course.steps.sandbox import SandboxedExecute, sandbox_available

    os.chdir(root)
    sys.path.insert(0, root)
    config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
    if engine:  # in place of the engine's step that nbgrader_config.py chose
        from course.steps.fast_engine import ENGINE_STEPS
        config.Autograde.autograde_preprocessors = [
            ENGINE_STEPS[engine] if step in ENGINE_STEPS.values() else step
            for step in config.Autograde.autograde_preprocessors]
    config.CourseDirectory.submitted_directory = STAGING
    if db_url:
        config.CourseDirectory.db_url = db_url
    # the database URL may carry a password: the kernels this worker starts do not need it
    os.environ.pop(DB_URL_VARIABLE, None)
    coursedir = CourseDirectory(config=config)
    _api = NbGraderAPI(coursedir, config=config)
    _unsandboxed = SandboxedExecute(config=config).sandbox and not sandbox_available()
    _engine, _engine_checked = engine, False


def course_root() -> str:
    """The root of the course this worker grades (after `start`)."""
    return _api.coursedir.root


def _run_step(step) -> tuple[dict, GraderFault | None]:
    """Run an nbgrader step (it returns nbgrader's {"success", "error", "log"}); retry
    while another worker holds a SQLite gradebook. Returns the outcome and the fault of
    ours that stopped it, if any."""
    for attempt in range(GRADEBOOK_RETRIES):
        faults.raised.clear()
        outcome = step()
        fault = faults.raised[0] if faults.raised else None
        locked = "database is locked" in str(fault or outcome.get("error"))
        if outcome["success"] or not locked or attempt == GRADEBOOK_RETRIES - 1:
            return outcome, fault
        time.sleep(0.5 * (attempt + 1))


def check_engine(root: Path, engine: str, keep_warm: bool = False,
                 assignment: str | None = None) -> None:
    """Run the engine once, here, on a one-cell notebook that imports the graders: if it
    cannot (a missing sandbox mount, a broken grader module), raise EngineUnavailable now,
    before this process grades anyone, instead of scoring every student 0. With `keep_warm`,
    the fast engine's zygote (warmed for `assignment`, or for all) stays, to grade with."""
    import tempfile

    import nbformat

    from course.faults import EngineUnavailable
    from course.steps.fast_engine import ENGINE_STEPS, close_zygotes

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import graders, solutions\nprint('engine ready')")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    ready = False
    try:
        with tempfile.TemporaryDirectory(prefix="engine-check-") as folder:
            notebook, _ = ENGINE_STEPS[engine](config=config).preprocess(
                notebook, {"metadata": {"path": folder}, "nbgrader": {"assignment": assignment}})
        outputs = notebook.cells[0].get("outputs", [])
        ready = any("engine ready" in str(output.get("text", "")) for output in outputs)
    finally:
        if not (ready and keep_warm):
            close_zygotes()
    if not ready:
        shown = "; ".join(f"{o.get('ename')}: {o.get('evalue')}" if o.get("output_type") == "error"
                          else str(o.get("text", ""))[:200] for o in outputs) or "no output"
        raise EngineUnavailable(
            f"The grading engine ({engine}) could not run a one-line notebook "
            f"that imports the graders ({shown}); it graded no submission. Run `python -m course "
            "grade` with --engine kernel or fix the course's graders/ and solutions/ imports.")


def _engine_in_order(assignment: str) -> GraderFault | None:
    """Check this worker's engine before its first grading, keeping the fast engine's
    zygote warm to grade with; until a check passes, each grading checks again."""
    global _engine_checked
    if _engine and not _engine_checked:
        try:
            check_engine(Path(_api.coursedir.root), _engine, keep_warm=True, assignment=assignment)
        except GraderFault as fault:
            return fault
        _engine_checked = True
    return None


def grade_student(assignment: str, student: str) -> Outcome:
    """Autograde one staged submission with nbgrader, notebook by notebook."""
    from nbgrader.utils import capture_log, temp_attrs

    from course.steps.autograde import NotebookByNotebookAutograde, mark_not_graded
    started = time.perf_counter()
    fault = _engine_in_order(assignment)
    if fault:
        return Outcome(False, error=str(fault), fault=fault, unsandboxed=_unsandboxed)
    app = None

    def autograde():
        nonlocal app
        app = NotebookByNotebookAutograde(coursedir=_api.coursedir, parent=_api)
        app.force, app.create_student = True, True
        return capture_log(app)
    with temp_attrs(_api.coursedir, assignment_id=assignment, student_id=student):
        outcome, fault = _run_step(autograde)
    if not outcome["success"] and not fault and not app.not_graded:
        # nbgrader dropped the whole student: no score of an earlier run may stand
        for path in (Path(_api.coursedir.root) / STAGING / student / assignment).glob("*.ipynb"):
            mark_not_graded(_api.coursedir.db_url, assignment, student, path.stem)
    return Outcome(outcome["success"], time.perf_counter() - started,
                   str(outcome.get("error") or "")[-2000:], str(outcome.get("log") or ""),
                   dict(app.not_graded), list(app.kernel_problems), fault, _unsandboxed)


def feedback_for(assignment: str, student: str, shown: str = "hints") -> Outcome:
    """Generate one student's feedback with nbgrader; `shown` is what it shows
    (course/steps/feedback.py's LimitFeedback: "hints", everything, or "score")."""
    _api.config.LimitFeedback.shown = shown  # read by the converter this call builds
    try:
        outcome, fault = _run_step(lambda: _api.generate_feedback(assignment, student, True))
    finally:
        _api.config.LimitFeedback.shown = "hints"
    if not outcome["success"] and fault is None:
        fault = _gradebook_fault()  # nbgrader reports a gradebook it cannot reach as text
    return Outcome(outcome["success"], error=str(outcome.get("error") or "")[-2000:],
                   fault=fault)


def _gradebook_fault() -> GraderFault | None:
    """GradebookUnavailable if the gradebook cannot be written now, else None."""
    from course.faults import GradebookUnavailable
    from course.steps.autograde import check_gradebook
    try:
        check_gradebook(_api.coursedir.db_url)
    except GradebookUnavailable as fault:
        return fault
    return None


def grade_with_feedback(assignment: str, student: str, shown: str) -> tuple[Outcome, Outcome | None]:
    """The grading service's step: autograde one staged submission, then generate its
    feedback showing `shown` ("hints" or "score"; "nothing": no feedback yet)."""
    graded = grade_student(assignment, student)
    if graded.fault or shown == "nothing" or not (graded.success or graded.not_graded):
        return graded, None
    return graded, feedback_for(assignment, student, shown)
