"""nbgrader configuration for the activation-functions course.

Every nbgrader command run from this folder reads it. Each non-default setting says why.
"""
import os
import sys
import warnings

import nbgrader

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, COURSE_ROOT)  # so nbgrader can load the feedback preprocessor below

from course.steps.check_metadata import CheckCellMetadataOnce  # noqa: E402
from course.steps.checks_ran import VerifyChecksRan  # noqa: E402
from course.steps.fast_engine import ENGINE_STEPS  # noqa: E402
from course.steps.feedback import HideHiddenTests, LimitFeedback  # noqa: E402
from course.steps.output_budget import LimitNotebookOutput  # noqa: E402
from course.steps.save_grades import SaveAutoGradesAtOnce  # noqa: E402
from course.steps.shared_gradebook import (  # noqa: E402
    AssignLatePenaltiesShared, OverwriteCellsShared, OverwriteKernelspecShared)
from course.settings import CELL_CPU_SECONDS, CELL_WALL_SECONDS, ENGINE_VARIABLE, ENGINES  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput)
from sqlalchemy.exc import SAWarning  # noqa: E402

# nbgrader 0.9's Gradebook.add_submission builds a submission's notebooks and grades
# before adding the submission to the session, which SQLAlchemy 2 reports once per object
# ("Object of type <SubmittedNotebook> not in session"); nbgrader adds them all right after,
# so nothing is lost. Every nbgrader command and grading worker reads this file.
warnings.filterwarnings("ignore", r"Object of type <\w+> not in session", SAWarning)

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.course_id = "activations"
# The gradebook: SQLite in the course root by default; a large course sets COURSE_DB_URL
# (e.g. postgresql://grader@db-host:5432/activations) so that many graders write at once.
c.CourseDirectory.db_url = os.environ.get(
    "COURSE_DB_URL", "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db"))

# Hidden tests import `graders`, which students never receive. Every grading kernel
# (either engine) starts with grading_kernel/startup.py's work: the course root first on
# sys.path, graders and solutions imported from there, so a `graders/` folder or a
# `solutions.py` submitted beside a notebook cannot stand in for them.
# nbgrader's autograde steps, with Execute replaced by one of two engines that run each
# notebook isolated (no network, no gradebook, no other student's files), within memory
# and time limits, where a kernel that dies or hangs costs only the cells it did not run:
# - "fork" (the default): a child forked from a warm, sandboxed zygote runs the cells
#   through IPython (course/steps/fast_engine.py), with no kernel to start per notebook;
# - "kernel": a Jupyter kernel per notebook under bubblewrap (course/steps/sandbox.py).
# COURSE_ENGINE=kernel picks the second for plain nbgrader commands (`python -m course
# grade --engine kernel` sets the step itself).
# LimitNotebookOutput then cuts what the notebook's code wrote to one budget per notebook
# (a flood of output or one huge error message costs only that notebook's display), and
# VerifyChecksRan scores 0 any test cell whose hidden checks did not all run, and
# SaveAutoGradesAtOnce saves nbgrader's grades in one transaction instead of ~30.
# nbgrader's last step, CheckCellMetadata, is left out: it validated the same metadata
# when the submission was sanitized, just before, and no step since changes it (student
# code runs in another process); validating twice cost 10% of a notebook's grading.
ENGINE = os.environ.get(ENGINE_VARIABLE) or ENGINES[0]
if ENGINE not in ENGINE_STEPS:
    raise ValueError(f"{ENGINE_VARIABLE}={ENGINE!r}: the engines are {', '.join(ENGINES)}")
c.Autograde.autograde_preprocessors = [
    ENGINE_STEPS[ENGINE], LimitNotebookOutput, VerifyChecksRan, IgnorePattern,
    ClearMetadataPreprocessor, LimitOutput, SaveAutoGradesAtOnce, AssignLatePenaltiesShared,
]
# nbgrader's own sanitize steps; the two that read the gradebook (and the late penalty
# above) run nbgrader's code on one open gradebook per process instead of opening it for
# each notebook (course/steps/shared_gradebook.py), and the metadata check validates each
# distinct cell metadata once per process (course/steps/check_metadata.py).
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspecShared, OverwriteCellsShared,
    CheckCellMetadataOnce,
]
# nbconvert validates the whole notebook after each autograde step (fourteen of them in
# the course's one pass): once after the sanitize steps (course/steps/autograde.py, before
# any student code runs) and once at the end is enough (~35 ms less per a1 notebook).
c.NotebookExporter.optimistic_validation = True
# A cell may use CELL_CPU_SECONDS of CPU time (course/settings.py; every graded cell's
# reference takes at most a fifth of it): past it, it is stopped and scored 0 while the
# rest of the notebook runs. CPU time does not grow when the machine is busy, so a grade
# does not depend on what else runs; the wall-clock timeout, several times larger, only
# stops code that sleeps or waits.
c.SandboxedExecute.cell_cpu_seconds = CELL_CPU_SECONDS
c.Execute.timeout = CELL_WALL_SECONDS
c.SandboxedExecute.notebook_timeout = 300
c.SandboxedExecute.memory_limit_mb = 4096
# Everything a notebook's code writes into its autograded notebook (and so its feedback)
c.LimitNotebookOutput.max_bytes = 2 * 2**20

# Files downloaded from an LMS, for `nbgrader zip_collect` (and `course grade --from-lms`),
# are named like Canvas names them: <name>_<student id>_<submission number>_<file>.ipynb
# (nbgrader matches the expression against the file's full path)
c.FileNameCollectorPlugin.named_regexp = (
    r".*/[^_/]+_(?P<student_id>[^_/]+)_[0-9]+_(?P<file_id>[^/]+\.ipynb)$")

# A deleted test cell is put back (and so run), not silently dropped from the grade.
c.OverwriteCells.add_missing_cells = True

# `nbgrader export` writes what an LMS imports: a row per student, a column per notebook.
c.ExportApp.plugin_class = "course.steps.export.NotebookColumnsExport"

# The class report (course/report/, reports/<assignment>/index.html), not an nbgrader
# setting: pairs of students whose answer code in a notebook is at least this similar
# (0 to 1) are flagged. Short notebooks give students who worked alone a high overlap too
# (up to 0.76 on prelu.ipynb in the generated class of 60 of tests/e2e/test_report.py), so
# the default is high; course/settings.py has the other thresholds of the report.
c.ClassReport.similarity_threshold = 0.9

# Feedback goes to students: strip hidden test code and tracebacks, keep the message;
# drop the rubrics (mark schemes) that the instructor reads in the formgrader.
# LimitFeedback keeps everything unless the grading service asks for scores only.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearMarkScheme",
    HideHiddenTests,
    LimitFeedback,
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Feedback and formgrader pages write their maths as MathML (course/steps/maths.py), so
# they render offline; nbgrader's templates would load MathJax from a public CDN. The
# course's page templates come first (they replace only the MathJax macro), then
# nbgrader's own, which nbgrader would otherwise set itself.
c.HTMLExporter.filters = {"markdown2html": "course.steps.maths.markdown2html"}
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(COURSE_ROOT, "course", "steps", "page_templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]

# The grading service (`python -m course serve`, course/service/), not an nbgrader setting.
# It grades each submission that arrives in the exchange (nbgrader's Exchange.root, by
# default /usr/local/share/nbgrader/exchange) and releases its feedback. Before the due
# date (`nbgrader db assignment add <assignment> --duedate=...`) students see their scores
# and the checks' messages ("hints"); "score" hides the messages and "nothing" holds the
# feedback until the due date. A student is graded at most once per 5 minutes: a sooner
# resubmission waits, so the hidden checks cannot be probed by resubmitting.
c.GradingService.before_deadline = "hints"
c.GradingService.min_interval = 300
