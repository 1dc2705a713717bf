"""nbgrader's SaveAutoGrades, with a notebook's grades written in one transaction.

nbgrader's step looks each grade and comment up with a query of its own and commits after
each (about 30 commits per notebook here, each a write to SQLite's journal). This one
loads the submitted notebook's grades and comments once, sets the same fields by the same
rules, and commits once: the gradebook ends exactly as nbgrader's step leaves it. It
runs on the process's open gradebook (course/steps/shared_gradebook.py).
"""
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import SaveAutoGrades

from course.steps.shared_gradebook import shared_gradebook


class SaveAutoGradesAtOnce(SaveAutoGrades):

    def preprocess(self, nb, resources):
        names = resources["nbgrader"]
        with shared_gradebook(names["db_url"]) as gradebook:
            submitted = gradebook.find_submission_notebook(
                names["notebook"], names["assignment"], names["student"])
            grades = {grade.name: grade for grade in submitted.grades}
            comments = {comment.name: comment for comment in submitted.comments}
            for cell in nb.cells:
                if utils.is_grade(cell):
                    grade = _entry(grades, cell, "grade")
                    grade.auto_score, _ = utils.determine_grade(cell, self.log)
                    # a manual score, or no automatic one, is for the instructor to review
                    grade.needs_manual_grade = (grade.manual_score is not None
                                                or grade.auto_score is None)
                if utils.is_solution(cell) or utils.is_task(cell):
                    comment = _entry(comments, cell, "comment")
                    unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
                    comment.auto_comment = ("No response." if unchanged and not utils.is_task(cell)
                                            else None)
            gradebook.db.commit()
        return nb, resources


def _entry(entries: dict, cell, kind: str):
    grade_id = cell.metadata.nbgrader["grade_id"]
    if grade_id not in entries:  # as nbgrader's find_grade / find_comment would raise
        raise MissingEntry(f"no {kind} {grade_id!r} in the gradebook")
    return entries[grade_id]
