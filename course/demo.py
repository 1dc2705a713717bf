"""The whole instructor cycle on the demo class, with nbgrader's own commands.

    python -m course.demo

1. nbgrader generate_assignment   source/ -> release/
2. write the demo class's submissions into submitted/ (course/sample_class/)
3. nbgrader autograde             submitted/ -> autograded/ and the gradebook
   then give the written answers their manual points through nbgrader's gradebook
4. nbgrader generate_feedback     autograded/ -> feedback/ (hidden tests stripped)
5. nbgrader export                the gradebook -> grades.csv
6. print the score of every student on every notebook, and the time autograding took
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook

from course.export import score_rows
from course.sample_class import DEMO
from course.settings import COURSE_ROOT
from course.submissions import reference_answers, write_submission

VENV_BIN = Path(sys.executable).parent
NBGRADER = str(VENV_BIN / "nbgrader")
DB_URL = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"
# nbgrader runs `alembic` from PATH to create a new gradebook
ENVIRONMENT = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def nbgrader(*args: str, root: Path = COURSE_ROOT) -> None:
    """Run an nbgrader command in the course folder; stop the cycle if it fails."""
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([NBGRADER, *args], cwd=root, env=ENVIRONMENT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"nbgrader {args[0]} failed (exit {result.returncode}); "
                         "its log is above.")


def write_class_submissions(assignment: str, students: dict,
                            root: Path = COURSE_ROOT) -> None:
    """Write each sample student's submission into submitted/<student>/<assignment>/."""
    reference = reference_answers(root / "source" / assignment)
    for student_id, student in students.items():
        write_submission(root / "release" / assignment,
                         root / "submitted" / student_id / assignment,
                         student.answers(reference), extra_files=student.extra_files)


def give_manual_grades(assignment: str, students: dict, db_url: str) -> None:
    """Grade the written answers as an instructor does in the formgrader: through
    nbgrader's gradebook, so exports hold automatic and manual points together."""
    with Gradebook(db_url) as gradebook:
        for student_id, student in students.items():
            for notebook, grades in student.manual_grades.items():
                for grade_id, (points, comment) in grades.items():
                    grade = gradebook.find_grade(grade_id, notebook, assignment, student_id)
                    grade.manual_score = points
                    gradebook.find_comment(grade_id, notebook, assignment,
                                           student_id).manual_comment = comment
        gradebook.db.commit()


def score_table(db_url: str) -> str:
    """The exported grades as an aligned text table: a row per student."""
    with Gradebook(db_url) as gradebook:
        header, maxima, rows = score_rows(gradebook)
    lines = [header, *([row[0], *(f"{score:g}" for score in row[1:])]
                       for row in [*rows, maxima])]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths))
                     for line in lines)


def main() -> None:
    notebooks_graded, grading_seconds = 0, 0.0
    for assignment, students in sorted(DEMO.items()):
        nbgrader("generate_assignment", assignment, "--force")
        write_class_submissions(assignment, students)
        started = time.perf_counter()
        nbgrader("autograde", assignment, "--force")
        grading_seconds += time.perf_counter() - started
        give_manual_grades(assignment, students, DB_URL)
        notebooks_graded += len(students) * len(
            list((COURSE_ROOT / "release" / assignment).glob("*.ipynb")))
        nbgrader("generate_feedback", assignment, "--force")
    nbgrader("export", "--to", str(COURSE_ROOT / "grades.csv"))
    print()
    print(score_table(DB_URL))
    print(f"\nautograde: {notebooks_graded} notebooks in {grading_seconds:.1f} s "
          f"({grading_seconds / max(notebooks_graded, 1):.2f} s per notebook, "
          "nbgrader start-up included)")
    print(f"feedback: {COURSE_ROOT / 'feedback'}    grades: {COURSE_ROOT / 'grades.csv'}")


if __name__ == "__main__":
    main()
