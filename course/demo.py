"""The whole instructor cycle on the demo class, with nbgrader's own commands.

    python -m course.demo

1. nbgrader generate_assignment   source/ -> release/
2. write the demo class's submissions into submitted/ (course/sample_class/)
3. python -m course grade         autograde (parallel, sandboxed), feedback, grades, report
4. give the written answers their manual points through nbgrader's gradebook, as the
   formgrader does, and regenerate the feedback with nbgrader generate_feedback
5. nbgrader export                the gradebook -> grades.csv (a row per student)
6. print the score of every student on every notebook, and the time grading took
"""
import time
from pathlib import Path

from nbgrader.api import Gradebook

from course.pipeline import grade_command
from course.steps.export import score_text, score_rows
from course.nbgrader_commands import nbgrader
from course.sample_class import DEMO
from course.settings import COURSE_ROOT, db_url
from course.submissions import reference_answers, write_submission


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
                    grade.needs_manual_grade = False  # as the formgrader does
                    gradebook.find_comment(grade_id, notebook, assignment,
                                           student_id).manual_comment = comment
        gradebook.db.commit()


def score_table(db_url: str) -> str:
    """The exported grades as an aligned text table: a row per student."""
    with Gradebook(db_url) as gradebook:
        header, maxima, rows = score_rows(gradebook)
    lines = [header, *([row[0], *(score_text(score) for score in row[1:-1]), row[-1]]
                       for row in [*rows, maxima])]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths))
                     for line in lines)


def main() -> None:
    notebooks_graded, grading_seconds = 0, 0.0
    for assignment, students in sorted(DEMO.items()):
        nbgrader(COURSE_ROOT, "generate_assignment", assignment, "--force")
        write_class_submissions(assignment, students)
        print(f"$ python -m course grade {assignment} --force", flush=True)
        started = time.perf_counter()
        grade_command.main(COURSE_ROOT, assignment, force=True)
        grading_seconds += time.perf_counter() - started
        notebooks_graded += len(students) * len(
            list((COURSE_ROOT / "release" / assignment).glob("*.ipynb")))
        if any(student.manual_grades for student in students.values()):
            print("(the instructor grades the written answers in the formgrader)")
            give_manual_grades(assignment, students, db_url(COURSE_ROOT))
            nbgrader(COURSE_ROOT, "generate_feedback", assignment, "--force")
    nbgrader(COURSE_ROOT, "export", "--to", str(COURSE_ROOT / "grades.csv"))
    print()
    print(score_table(db_url(COURSE_ROOT)))
    print(f"\ngrading: {notebooks_graded} notebooks in {grading_seconds:.1f} s "
          f"({grading_seconds / max(notebooks_graded, 1):.2f} s per notebook: autograde, "
          "feedback, export and report, on all cores)")
    print(f"feedback: {COURSE_ROOT / 'feedback'}\ngrades:   {COURSE_ROOT / 'grades.csv'}")


if __name__ == "__main__":
    main()
