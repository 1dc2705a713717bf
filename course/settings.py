"""The course tooling's settings, in one place (nbgrader's own are in nbgrader_config.py)."""
import os
from pathlib import Path

from traitlets import Enum, Float, Integer
from traitlets.config import Configurable

COURSE_ROOT = Path(__file__).resolve().parent.parent

# The gradebook's database URL, if set, replaces the SQLite file in the course root
# (nbgrader_config.py reads it, so plain nbgrader commands follow it too), e.g.
# COURSE_DB_URL=postgresql://grader@db.example.org:5432/activations
DB_URL_VARIABLE = "COURSE_DB_URL"
# The engine that runs the notebooks at autograde, the first the default (see
# nbgrader_config.py, which reads it)
ENGINE_VARIABLE = "COURSE_ENGINE"
ENGINES = ("fork", "kernel")
# The per-cell CPU limit, as the kernel engine hands it to a kernel's start-up
from grading_kernel.protocol import CPU_LIMIT_VARIABLE  # noqa: E402,F401 (one place for settings)


def default_db_url(root: Path) -> str:
    return "sqlite:///" + os.path.join(str(root), "gradebook.db")


def db_url(root: Path = COURSE_ROOT) -> str:
    """The gradebook URL nbgrader uses for the course in `root`: what its
    nbgrader_config.py sets (itself following COURSE_DB_URL), loaded as nbgrader loads it."""
    url = course_config(root).CourseDirectory.get("db_url")
    return str(url) if url else os.environ.get(DB_URL_VARIABLE) or default_db_url(root)

# How long one cell may run at grading time. The limit counts CPU seconds of the cell's
# own process (what the student's code costs, whatever else the machine is doing); the
# wall-clock backstop, several times larger, only stops code that sleeps or waits.
# Every graded experiment is sized so that the reference takes at most a fifth of it.
CELL_CPU_SECONDS = 15
CELL_WALL_SECONDS = 4 * CELL_CPU_SECONDS


def course_config(root: Path):
    """The course's nbgrader_config.py, loaded as nbgrader loads it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


class ClassReport(Configurable):
    """The class report's thresholds (course/report/), set in nbgrader_config.py like
    nbgrader's own: c.ClassReport.similarity_threshold = 0.9."""
    similarity_threshold = Float(
        0.9, help="flag pairs of students whose answer cells of a notebook share at least "
                  "this share of their code (0 to 1)").tag(config=True)
    similarity_min_fingerprints = Integer(
        60, help="a notebook with less own code than this many fingerprints counts as this "
                 "much when comparing, so two students who wrote the same single answer "
                 "cell (40 to 50 fingerprints in a1) are not a pair").tag(config=True)
    hard_below = Float(
        0.1, help="flag a check whose mean share of points is below this").tag(config=True)
    discrimination_below = Float(
        0.15, help="flag a check whose correlation with the rest of the total is below "
                   "this").tag(config=True)


def report_settings(root: Path = COURSE_ROOT) -> ClassReport:
    return ClassReport(config=course_config(root))


class GradingService(Configurable):
    """The grading service's choices (`python -m course serve`, course/service/), set in
    nbgrader_config.py like nbgrader's own: c.GradingService.min_interval = 300."""
    before_deadline = Enum(
        ["hints", "score", "nothing"], "hints",
        help="what a student's feedback shows before the assignment's due date: 'hints' "
             "(scores and the checks' messages), 'score' (scores only) or 'nothing' (no "
             "feedback until the due date); after it, feedback is complete").tag(config=True)
    min_interval = Float(
        0.0, help="seconds between two gradings of one student's assignment: a submission "
                  "that comes sooner waits, and only the newest waiting one is graded "
                  "(0: every submission is graded at once)").tag(config=True)
    poll_seconds = Float(0.5, help="how often the exchange is looked at").tag(config=True)
