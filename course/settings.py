"""The course tooling's settings, in one place (nbgrader's own are in nbgrader_config.py)."""
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
