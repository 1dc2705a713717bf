"""`python -m course grade <assignment>`: grade a whole class in one command.

1. collect: submitted/<student>/<assignment>/, and first, with --from-lms, the files
   downloaded from an LMS (by nbgrader zip_collect);
2. autograde new or changed submissions in parallel, sandboxed (course/pipeline/grading.py), on
   local worker processes or, with --scheduler, on a Dask cluster (course/pipeline/distributed.py);
3. feedback for every student; grades to grades/<assignment>.csv (a row per student);
4. the report, reports/<assignment>/index.html (course/report.py).
"""
import shutil
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from course.steps.export import NotebookColumnsExport
from course.faults import GraderFault
from course.pipeline.grading import course_lock, grade_class
from course.steps.autograde import check_gradebook
from course.nbgrader_commands import nbgrader
from course.steps.sandbox import sandbox_available
from course.settings import db_url


def collect_from_lms(root: Path, assignment: str, folder: Path) -> None:
    """Copy LMS downloads where nbgrader zip_collect looks, and let it collect them."""
    archive = root / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(folder).iterdir()):
        if path.is_file():
            shutil.copy(path, archive / path.name)
    nbgrader(root, "zip_collect", assignment, "--force")


def settle_zero_point_tasks(gradebook: Gradebook, assignment: str) -> None:
    """nbgrader flags a task cell for manual grading even when it is worth 0 points (a
    prompt carrying the rubric): grade those 0, so that only real work waits for the
    instructor in the formgrader."""
    for submission in gradebook.assignment_submissions(assignment):
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.max_score == 0 and grade.needs_manual_grade:
                    grade.manual_score = 0.0
                    grade.needs_manual_grade = False
    gradebook.db.commit()


def class_counts(results) -> dict[str, int]:
    """Students fully graded without problems (`unchanged` among them), graded with
    problems, and not graded (some notebook has no score: see the problems)."""
    results = list(results)
    not_graded = [r for r in results if not r.fully_graded]
    problems = [r for r in results if r.fully_graded and r.problems]
    clean = [r for r in results if r.fully_graded and not r.problems]
    return {"graded": len(clean), "unchanged": sum(r.status == "unchanged" for r in clean),
            "problems": len(problems), "not graded": len(not_graded)}


def progress_bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<30}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(root: Path, assignment: str, **options) -> int:
    """`grade`, while holding the course's grading lock (see grade)."""
    with course_lock(root) as held:
        if not held:
            print("The course is being graded already (the grading service, `python -m "
                  "course serve`, or another `grade`): stop it first.", file=sys.stderr)
            return 2
        return grade(root, assignment, **options)


def grade(root: Path, assignment: str, *, workers: int | None = None, force: bool = False,
          lms_folder: str | None = None, scheduler: str | None = None,
          engine: str | None = None) -> int:
    try:
        check_gradebook(db_url(root))
    except GraderFault as fault:
        print(f"ERROR: {fault}", file=sys.stderr)
        return fault.exit_code
    with Gradebook(db_url(root)) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            print(f"No assignment '{assignment}' in the gradebook: did you forget to run "
                  f"'nbgrader generate_assignment {assignment}'?", file=sys.stderr)
            return 2
    if not sandbox_available():
        print("WARNING: SANDBOX UNAVAILABLE. bubblewrap is missing or cannot create "
              "namespaces here, so student code runs unisolated (install the Debian package "
              "'bubblewrap').", file=sys.stderr)
    if lms_folder:
        collect_from_lms(root, assignment, Path(lms_folder))

    started = time.perf_counter()
    try:
        results = grade_class(root, assignment, workers=workers, force=force,
                              progress=progress_bar, scheduler=scheduler, engine=engine)
    except GraderFault as fault:
        print(f"\nERROR: grading stopped, a fault of the grader, not of a student: {fault}",
              file=sys.stderr)
        return fault.exit_code
    seconds = time.perf_counter() - started

    grades = root / "grades" / f"{assignment}.csv"
    grades.parent.mkdir(exist_ok=True)
    with Gradebook(db_url(root)) as gradebook:
        settle_zero_point_tasks(gradebook, assignment)
        NotebookColumnsExport(to=str(grades), assignment=[assignment]).export(gradebook)
    from course.report import build_report  # matplotlib: imported once grading is done

    report = build_report(root, assignment)

    counts = class_counts(results.values())
    print(f"{assignment}: {counts['graded']} graded ({counts['unchanged']} of them unchanged "
          f"since the last run), {counts['problems']} graded with problems, "
          f"{counts['not graded']} not graded, in {seconds:.1f} s")
    for result in sorted(results.values(), key=lambda r: (r.fully_graded, r.student)):
        for problem in result.problems:
            print(f"  {result.student}: {problem}")
    print(f"grades: {grades}\nreport: {report}")
    return 0
