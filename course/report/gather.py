"""What grading already wrote, read once for the class report: the gradebook (scores of
every graded cell, manual points included once given), the autograded notebooks (the
code of the answer cells, the failure messages of the test cells) and the grading records.
Everything here that comes from a submission is the student's and untrusted: it is kept
as text and escaped where it is shown."""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import (Assignment, Gradebook, Grade, GradeCell, Notebook, SolutionCell,
                          SubmittedAssignment, SubmittedNotebook)

from course.pipeline.grading import StudentResult, load_results
from course.settings import db_url


@dataclass(frozen=True)
class Check:
    """A graded cell of the assignment."""
    notebook: str
    name: str
    max_score: float
    automatic: bool  # a test cell the autograder scores (not a written answer)

    @property
    def label(self) -> str:
        return f"{self.notebook}: {self.name}"


@dataclass(frozen=True)
class Failure:
    """A test cell that ended in an error, as the autograded notebook shows it."""
    notebook: str
    check: str
    student: str
    error: str      # the exception's name, e.g. KnownMistake, GradingError, NameError
    message: str


@dataclass
class ClassData:
    assignment: str
    notebooks: list[str]
    maxima: dict[str, float]                      # notebook -> its maximum score
    checks: list[Check]
    students: list[str]                           # those with a score in every notebook
    scores: dict[str, dict[str, float]]           # notebook -> student -> score
    cell_scores: dict[tuple, dict[str, float]]    # (notebook, check) -> student -> score
    not_graded: dict[str, list[str]]              # student -> notebooks with no score
    awaiting_manual: dict[str, list[str]]         # student -> notebooks to grade by hand
    answers: dict[str, dict[str, str]]            # notebook -> student -> answer cells' code
    starter: dict[str, str]                       # notebook -> the release's answer cells
    failures: list[Failure] = field(default_factory=list)
    results: list[StudentResult] = field(default_factory=list)

    def total(self, student: str) -> float:
        return sum(self.scores[notebook].get(student, 0.0) for notebook in self.notebooks)


def gather(root: Path, assignment: str) -> ClassData:
    with Gradebook(db_url(root)) as gradebook:
        session = gradebook.db
        notebooks = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        cells = (session.query(Notebook.name, GradeCell.name, GradeCell.max_score,
                               GradeCell.cell_type)
                 .join(GradeCell.notebook).join(Notebook.assignment)
                 .filter(Assignment.name == assignment).all())
        answer_cells = {(notebook, name) for notebook, name in
                        session.query(Notebook.name, SolutionCell.name)
                        .join(SolutionCell.notebook).join(Notebook.assignment)
                        .filter(Assignment.name == assignment)}
        # one query for every grade of the class, rather than one per notebook
        grades = (session.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name,
                                Grade.score, Grade.auto_score, Grade.manual_score,
                                Grade.needs_manual_grade)
                  .select_from(Grade)
                  .join(Grade.cell).join(Grade.notebook)
                  .join(SubmittedNotebook.assignment).join(SubmittedNotebook.notebook)
                  .join(SubmittedAssignment.assignment)
                  .filter(Assignment.name == assignment).all())
    checks = sorted((Check(notebook, name, float(max_score or 0),
                           cell_type == "code" and (notebook, name) not in answer_cells)
                     for notebook, name, max_score, cell_type in cells),
                    key=lambda c: (notebooks.index(c.notebook), c.name))
    cell_scores = defaultdict(dict)
    scores = {notebook: defaultdict(float) for notebook in notebooks}
    not_graded, awaiting_manual = defaultdict(set), defaultdict(set)
    automatic = {(c.notebook, c.name) for c in checks if c.automatic}
    for student, notebook, cell, score, auto_score, manual_score, needs_manual in grades:
        if (notebook, cell) in automatic and auto_score is None and manual_score is None:
            not_graded[student].add(notebook)  # what course.steps.autograde marks
        if needs_manual and manual_score is None and (notebook, cell) not in automatic:
            awaiting_manual[student].add(notebook)
        cell_scores[(notebook, cell)][student] = float(score or 0.0)
        scores[notebook][student] += float(score or 0.0)
    submitted = {student for student, *_ in grades}
    students = sorted(submitted - set(not_graded))
    data = ClassData(
        assignment=assignment, notebooks=notebooks,
        maxima={n: sum(c.max_score for c in checks if c.notebook == n) for n in notebooks},
        checks=checks,
        students=students,
        scores={n: {s: v for s, v in per.items() if s in students} for n, per in scores.items()},
        cell_scores={key: {s: v for s, v in per.items() if s in students}
                     for key, per in cell_scores.items()},
        not_graded={s: sorted(n) for s, n in not_graded.items()},
        awaiting_manual={s: sorted(n) for s, n in awaiting_manual.items() if s in students},
        answers={n: {} for n in notebooks}, starter={},
        results=sorted(load_results(root, assignment).values(), key=lambda r: r.student))
    for notebook in notebooks:
        release = _read(root / "release" / assignment / f"{notebook}.ipynb")
        data.starter[notebook] = _answer_code(release) if release else ""
    for student in sorted(submitted):
        for notebook in notebooks:
            graded = _read(root / "autograded" / student / assignment / f"{notebook}.ipynb")
            if graded is None:
                continue
            data.answers[notebook][student] = _answer_code(graded)
            data.failures.extend(_failures(graded, notebook, student, automatic))
    return data


def _read(path: Path):
    """A notebook as plain JSON (no schema validation: nbgrader validated it when it
    wrote it, and the report only reads cells and outputs); None if it cannot be read."""
    try:
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
        return notebook if isinstance(notebook.get("cells"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _nbgrader(cell) -> dict:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def _answer_code(notebook: dict) -> str:
    """The code of the notebook's answer cells, in order, one blank line apart."""
    return "\n\n".join(_source(cell) for cell in notebook["cells"] if isinstance(cell, dict)
                       and cell.get("cell_type") == "code" and _nbgrader(cell).get("solution"))


def _failures(notebook: dict, name: str, student: str, automatic: set) -> list[Failure]:
    found = []
    for cell in notebook["cells"]:
        check = _nbgrader(cell).get("grade_id")
        if (name, check) not in automatic or not isinstance(cell.get("outputs"), list):
            continue
        for output in cell["outputs"]:
            if isinstance(output, dict) and output.get("output_type") == "error":
                found.append(Failure(name, check, student, str(output.get("ename", "")),
                                     str(output.get("evalue", ""))))
    return found
