"""The class report: what an instructor opens after grading.

An HTML page that leads with what needs the instructor (students not graded, and graded
with problems, each with the reason in plain words and what to do), then a figure per
question with the numbers behind it as CSV beside it: the score distributions, how many
students failed each check, the most common failure messages (the class's
misconceptions, in the graders' words) and time per submission. Everything a student
controls (ids, file names, messages) is escaped. It reads only the gradebook, the
autograded notebooks and the grading records.
"""
import collections
import csv
import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import nbformat  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402

from course.steps.autograde import is_not_graded  # noqa: E402
from course.pipeline.grading import load_results  # noqa: E402
from course.settings import db_url  # noqa: E402

# Parts of a failure message that vary from student to student but do not change the
# mistake: the replay seed, random shapes, counts of wrong entries.
VARYING = [(re.compile(r"\s*\(grader seed \d+\)"), ""),
           (re.compile(r"shape \([0-9, ]*\)"), "shape (…)"),
           (re.compile(r"on \d+ of \d+ entries \(largest difference [^)]*\)"),
            "on some entries")]


def common_message(message: str) -> str:
    for pattern, replacement in VARYING:
        message = pattern.sub(replacement, message)
    return message.strip()


def _write_csv(path: Path, header, rows) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def _figure(path: Path, draw, width=8, height=3.5) -> None:
    fig, ax = plt.subplots(figsize=(width, height))
    draw(ax)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def collect(root: Path, assignment: str) -> dict:
    """Every number the report shows, from the gradebook and the autograded notebooks."""
    scores = collections.defaultdict(dict)   # notebook -> student -> score
    maxima = {}
    failed_checks = collections.Counter()    # "notebook: grade_id" -> students failing
    not_graded = collections.defaultdict(list)  # student -> notebooks without a score
    messages = collections.defaultdict(set)  # common failure message -> students
    with Gradebook(db_url(root)) as gradebook:
        assignment_row = gradebook.find_assignment(assignment)
        notebooks = [(n.name, n.max_score, [c.name for c in n.grade_cells])
                     for n in assignment_row.notebooks]
        for submission in gradebook.assignment_submissions(assignment):
            for name, max_score, _ in notebooks:
                maxima[name] = max_score
                try:
                    notebook = gradebook.find_submission_notebook(name, assignment,
                                                                   submission.student_id)
                except MissingEntry:
                    continue
                if is_not_graded(notebook):
                    not_graded[submission.student_id].append(name)
                    continue
                scores[name][submission.student_id] = notebook.score
                for grade in notebook.grades:
                    if grade.auto_score is not None and grade.auto_score < grade.max_score:
                        failed_checks[f"{name}: {grade.name}"] += 1
    for path in sorted((root / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = path.parent.parent.name
        for cell in nbformat.read(path, as_version=4).cells:
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    text = f"{output.get('ename')}: {output.get('evalue', '')}"
                    messages[f"{path.stem}: {common_message(text)}"].add(student)
    students = sorted({s for per_notebook in scores.values() for s in per_notebook}
                      - set(not_graded))
    totals = {s: sum(scores[n].get(s, 0) for n in scores) for s in students}
    return {"scores": scores, "maxima": maxima, "totals": totals, "not_graded": not_graded,
            "failed_checks": failed_checks,
            "messages": collections.Counter({m: len(s) for m, s in messages.items()}),
            "results": load_results(root, assignment), "students": students}


def build_report(root: Path, assignment: str) -> Path:
    """Write reports/<assignment>/index.html with its figures and CSV files."""
    folder = root / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    data = collect(root, assignment)
    results = sorted(data["results"].values(), key=lambda r: r.student)
    sections = [("Needs your attention", None, _attention(assignment, results,
                                                          data["not_graded"]))]

    # 1. score distributions
    columns = sorted(data["scores"]) + ["total"]
    _write_csv(folder / "scores.csv", ["student", *columns],
               [[s, *(data["scores"][n].get(s, 0) for n in sorted(data["scores"])),
                 data["totals"][s]] for s in data["students"]])
    full_total = sum(data["maxima"].values())

    def draw_scores(ax):
        series = [[data["scores"][n].get(s, 0) / (data["maxima"][n] or 1) * 100
                   for s in data["students"]] for n in sorted(data["scores"])]
        series.append([data["totals"][s] / (full_total or 1) * 100 for s in data["students"]])
        # ten bins from 0 to 100 %; the last one includes full marks
        ax.hist(series, bins=[10 * i for i in range(11)], label=columns)
        ax.set_xlabel("score (% of the maximum)")
        ax.set_ylabel("students")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.set_title("Score distribution")
    _figure(folder / "scores.png", draw_scores)
    sections.append(("Scores", "scores", _table(
        ["", *columns], [["mean", *(_mean(data["scores"][n].values()) for n in sorted(data["scores"])),
                               _mean(data["totals"].values())],
                         ["maximum", *(data["maxima"][n] for n in sorted(data["scores"])), full_total]])))

    # 2. failures per check
    failed = data["failed_checks"].most_common()
    _write_csv(folder / "failed_checks.csv", ["check", "students failing"], failed)

    def draw_failed(ax):
        labels = [name for name, _ in failed][::-1]
        ax.barh(labels, [count for _, count in failed][::-1], color="tab:red")
        ax.set_xlabel(f"students failing (of {len(data['students'])})")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("Students failing each check")
    _figure(folder / "failed_checks.png", draw_failed, height=max(2.5, 0.28 * len(failed) + 1))
    sections.append(("Checks the class failed", "failed_checks",
                     _table(["check", "students failing"], failed)))

    # 3. the class's misconceptions
    common = data["messages"].most_common(15)
    _write_csv(folder / "failure_messages.csv", ["message", "students"],
               data["messages"].most_common())
    sections.append(("Most common failure messages", None,
                     _table(["students", "message"], [[c, m] for m, c in common])))

    # 4. time per submission
    _write_csv(folder / "submissions.csv", ["student", "status", "seconds", "problems"],
               [[r.student, r.status, f"{r.seconds:.2f}", " | ".join(r.problems)]
                for r in results])

    def draw_times(ax):
        ax.bar([r.student for r in results], [r.seconds for r in results])
        ax.set_ylabel("seconds")
        ax.set_title("Grading time per submission")
        ax.tick_params(axis="x", rotation=90, labelsize=7)
    _figure(folder / "submissions.png", draw_times)
    sections.append(("Time per submission", "submissions", ""))

    (folder / "index.html").write_text(_page(assignment, results, data["not_graded"], sections))
    return folder / "index.html"


def _attention(assignment: str, results, not_graded: dict) -> str:
    """The students an instructor must act on, not graded first, each with why and what
    to do; escaped, since students control the ids and most of the reasons."""
    missing_score = [r for r in results if not r.fully_graded or r.student in not_graded]
    with_problems = [r for r in results if r not in missing_score and r.problems]
    rows = []
    for result in missing_score:
        notebooks = sorted(set(not_graded.get(result.student, [])) | set(result.not_graded))
        if result.status == "not graded":
            action = (f"Fix what the reason says, then run <code>python -m course grade "
                      f"{html.escape(assignment)}</code> again: it grades what changed or "
                      "was not graded.")
        else:
            action = ("Grade " + ", ".join(f"<b>{html.escape(n)}</b>" for n in notebooks)
                      + " by hand in the formgrader (Manual Grading › "
                      f"{html.escape(assignment)}), or fix the notebook and grade again.")
        rows.append(["not graded", result.student, result.problems, action])
    for result in with_problems:
        rows.append(["graded, with problems", result.student, result.problems,
                     "Check that the score is fair (the autograded notebook is in "
                     f"<code>autograded/{html.escape(result.student)}/"
                     f"{html.escape(assignment)}/</code>); give manual points in the "
                     "formgrader if it is not."])
    if not rows:
        return "<p>Nothing: every submission graded normally.</p>"
    body = "".join(
        f"<tr class='{'urgent' if kind == 'not graded' else 'problem'}'><td>{kind}</td>"
        f"<td>{html.escape(student)}</td><td><ul>"
        + "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
        + f"</ul></td><td>{action}</td></tr>" for kind, student, problems, action in rows)
    return ("<table><tr><th>state</th><th>student</th><th>why</th><th>what to do</th></tr>"
            + body + "</table>")


def _mean(values) -> str:
    values = list(values)
    return f"{sum(values) / len(values):.1f}" if values else "-"


def _table(header, rows, escape=True) -> str:
    def cell(value):
        return html.escape(str(value)) if escape else str(value)
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(assignment: str, results, not_graded: dict, sections) -> str:
    missing = sum(1 for r in results if not r.fully_graded or r.student in not_graded)
    problems = sum(1 for r in results if r.fully_graded and r.student not in not_graded
                   and r.problems)
    clean = len(results) - missing - problems
    parts = [f"<h1>Grading report: {html.escape(assignment)}</h1>",
             f"<p class='counts'><b>{clean}</b> graded, <b>{problems}</b> graded with "
             f"problems, <b>{missing}</b> not graded ({len(results)} submissions).</p>"]
    for title, figure, table in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        if figure:
            parts.append(f'<img src="{figure}.png" alt="{html.escape(title)}">'
                         f'<p class="data">Data: <a href="{figure}.csv">{figure}.csv</a></p>')
        parts.append(table)
    style = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;"
             "color:#222}"
             "table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
             "th{background:#f2f2f2}img{max-width:100%}.data{font-size:small;color:#555}"
             "tr.urgent td:first-child{color:#b00020;font-weight:bold}"
             "td ul{margin:0;padding-left:1.2em}.counts{font-size:larger}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading report: "
            f"{html.escape(assignment)}</title><style>{style}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
