"""nbgrader's autograde, in one pass per notebook, where a notebook nbgrader refuses costs
only that notebook.

nbgrader's converter takes each notebook through two passes: it reads the submission,
sanitizes it (outputs cleared, test and locked cells restored from the gradebook) and
writes it to autograded/, then reads that file again to execute and score it, validating
the notebook on each read and write. `NotebookByNotebookAutograde` runs the same
preprocessors, in the same order and with the same resources as the second pass, on one
notebook read once and written once (the kernel still runs in autograded/).

nbgrader's converter grades a student's notebooks one after another and, when any of
them raises, deletes the student's whole autograded folder and moves on: one notebook it
cannot take (metadata it does not expect, a schema it refuses) would cost the student
every notebook of the assignment. `NotebookByNotebookAutograde` catches what one notebook
raises, removes only that notebook's autograded file and marks it *not graded* in the
gradebook (no automatic score, waiting for the instructor), and grades the others.

Faults of ours (course/faults.py) are not a notebook's doing: they propagate, and the
run stops. A database error is one of them.
"""
import json
import os
import traceback

import nbformat
import sqlalchemy.exc
from nbconvert.exporters.exporter import ResourcesDict
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry, SubmittedNotebook
from nbgrader.converters import Autograde

from course.faults import GradebookUnavailable, GraderFault, recorded
from course.steps import shared_gradebook
from course.steps.output_budget import CUT_NOTE


class NotebookByNotebookAutograde(Autograde):

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.not_graded: dict[str, str] = {}  # notebook -> why nbgrader refused it
        self.kernel_problems: list[str] = []  # "<notebook>.ipynb: what went wrong as it ran"

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        try:  # nbgrader's, on this process's open gradebook
            shared_gradebook.init_assignment(self, assignment_id, student_id)
        except sqlalchemy.exc.OperationalError as error:
            raise recorded(GradebookUnavailable(gradebook_message(error))) from error

    def convert_single_notebook(self, notebook_filename: str) -> None:
        name = os.path.splitext(os.path.basename(notebook_filename))[0]
        try:
            self._autograde_in_one_pass(notebook_filename)
        except GraderFault:
            raise
        except sqlalchemy.exc.OperationalError as error:
            raise recorded(GradebookUnavailable(gradebook_message(error))) from error
        except Exception as error:  # whatever nbgrader refuses in this notebook
            self.log.error("nbgrader could not grade %s:\n%s", notebook_filename,
                           traceback.format_exc())
            self.not_graded[name] = _first_line(error)
            autograded = os.path.join(self._format_dest(self.coursedir.assignment_id,
                                                        self.coursedir.student_id),
                                      name + ".ipynb")
            if os.path.exists(autograded):
                os.remove(autograded)
            mark_not_graded(self.coursedir.db_url, self.coursedir.assignment_id,
                            self.coursedir.student_id, name)

    def _autograde_in_one_pass(self, notebook_filename: str) -> None:
        """nbgrader's sanitize and autograde passes as one (see the top)."""
        self.log.info("Autograding %s", notebook_filename)
        resources = self.init_single_notebook_resources(notebook_filename)
        # the second pass would read its notebook in autograded/ and run the kernel there
        graded_folder = self._format_dest(resources["nbgrader"]["assignment"],
                                          resources["nbgrader"]["student"])
        os.makedirs(graded_folder, exist_ok=True)
        resources["metadata"] = ResourcesDict(name=resources["unique_key"], path=graded_folder)
        self.exporter._preprocessors = []  # as nbgrader's _init_preprocessors does
        for preprocessor in [*self.sanitize_preprocessors, _as_read_back,
                             *self.autograde_preprocessors]:
            self.exporter.register_preprocessor(preprocessor)
        with open(notebook_filename, encoding="utf-8") as file:
            notebook = nbformat.read(file, as_version=4)
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            output, resources = self.exporter.from_notebook_node(notebook, resources=resources)
        self.write_single_notebook(output, resources)
        self.kernel_problems += [f"{os.path.basename(notebook_filename)}: {reason}"
                                 for reason in kernel_problems(json.loads(output))]


KERNEL_PROBLEMS = {"CellTimeoutError": "a cell ran past its time limit",
                   "CellCPUTimeExceeded": "a cell used more than its CPU time",
                   "NotExecuted": "the kernel stopped early"}


def kernel_problems(notebook: dict) -> list[str]:
    """What went wrong while an autograded notebook ran, read from its outputs (its JSON,
    where a stream's text may be a list of lines)."""
    reasons = set()
    for cell in notebook.get("cells", []):  # never raises: a notebook graded stays graded
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in KERNEL_PROBLEMS:
                reasons.add(str(output.get("evalue") or KERNEL_PROBLEMS[output["ename"]])[:200])
            elif (output.get("output_type") == "stream"
                  and CUT_NOTE in "".join(output.get("text", ""))):
                reasons.add("its outputs passed the notebook's output budget and were cut")
    return sorted(reasons)


def _as_read_back(notebook, resources):
    """The sanitized notebook as the second pass would have read it from its file: cells
    that the sanitize steps rebuilt from plain dicts get attribute access again. And
    valid: nbgrader_config.py has nbconvert validate only after the last step, and a
    notebook that is not valid must be refused before any of its code runs."""
    notebook = nbformat.from_dict(notebook)
    nbformat.validate(notebook, relax_add_props=True)
    return notebook, resources


def mark_not_graded(db_url: str, assignment: str, student: str, notebook: str) -> None:
    """Clear a notebook's automatic scores so that the gradebook says *not graded* (see
    `is_not_graded`) instead of keeping a score of an earlier submission or a 0; manual
    scores an instructor gave stay."""
    try:
        with Gradebook(db_url) as gradebook:
            try:
                submitted = gradebook.find_submission_notebook(notebook, assignment, student)
            except MissingEntry:
                return
            for grade in submitted.grades:
                grade.auto_score = None
                grade.needs_manual_grade = grade.manual_score is None
            gradebook.db.commit()
    except sqlalchemy.exc.OperationalError as error:
        raise recorded(GradebookUnavailable(gradebook_message(error))) from error


def is_not_graded(submitted: SubmittedNotebook) -> bool:
    """Does this notebook have a test cell with neither an automatic nor a manual score?
    nbgrader's autograde scores every test cell, so such a notebook was not graded."""
    return any(grade.cell.cell_type == "code" and grade.auto_score is None
               and grade.manual_score is None for grade in submitted.grades)


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


def gradebook_message(error: BaseException) -> str:
    return (f"The gradebook cannot be written ({_first_line(getattr(error, 'orig', error))}). "
            "Check that the database (gradebook.db, or the server COURSE_DB_URL names) is "
            "reachable and writable, then run the command again: nothing was scored for "
            "the submissions this run did not finish.")


def check_gradebook(url: str) -> None:
    """Fail now, with GradebookUnavailable, if the gradebook cannot be written."""
    try:
        with Gradebook(url) as gradebook:
            gradebook.db.execute(sqlalchemy.text("UPDATE student SET id = id WHERE 1 = 0"))
            gradebook.db.rollback()
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise GradebookUnavailable(gradebook_message(error)) from error
