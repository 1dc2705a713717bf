"""Grades as an LMS imports them: one row per student, one column per notebook, a total.

`nbgrader export` uses this plugin (nbgrader_config.py), and the demo prints the same
rows as its score table. Scores are nbgrader's: automatic points, overridden by manual
ones where an instructor gave them; a notebook not submitted counts 0. A notebook that was
submitted but not graded (course/steps/autograde.py) is left blank, as is the total, and named
in the last column: an LMS reads a blank as "no grade yet", never as a 0.
"""
import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

from course.steps.autograde import is_not_graded


def score_rows(gradebook: Gradebook, assignments=(), students=()):
    """(header, maxima, rows): rows are [student_id, score per notebook..., total,
    notebooks not graded]; a score is None where not graded; maxima is the same row for
    full marks."""
    chosen = [a for a in gradebook.assignments if not assignments or a.name in assignments]
    columns = [(a, n) for a in chosen for n in a.notebooks]
    header = ["student_id", *(f"{a.name}/{n.name}" for a, n in columns), "total", "not graded"]
    maxima = ["(max)", *(n.max_score for _, n in columns), sum(n.max_score for _, n in columns),
              ""]
    rows = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        if students and student.id not in students:
            continue
        scores, not_graded = [], []
        for assignment, notebook in columns:
            try:
                submitted = gradebook.find_submission_notebook(
                    notebook.name, assignment.name, student.id)
            except MissingEntry:
                scores.append(0.0)
                continue
            if is_not_graded(submitted):
                scores.append(None)
                not_graded.append(f"{assignment.name}/{notebook.name}")
            else:
                scores.append(submitted.score)
        total = None if not_graded else sum(scores)
        rows.append([student.id, *scores, total, " ".join(not_graded)])
    return header, maxima, rows


class NotebookColumnsExport(ExportPlugin):
    """CSV with a row per student and a column per notebook, plus the total."""

    def export(self, gradebook: Gradebook) -> None:
        destination = self.to or "grades.csv"
        header, _, rows = score_rows(gradebook, [str(a) for a in self.assignment],
                                  [str(s) for s in self.student])
        with open(destination, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows([[row[0], *(score_text(score) for score in row[1:-1]), row[-1]]
                              for row in rows])
        self.log.info("Exported %d students to %s", len(rows), destination)


def score_text(score) -> str:
    return "" if score is None else f"{score:g}"
