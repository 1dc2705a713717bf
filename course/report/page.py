"""reports/<assignment>/index.html: the page, its figures and a CSV beside each figure.

Sections, in the order an instructor acts on them: needs action, scores, item analysis,
misconceptions, similarity, time per submission. Everything a student controls (ids, code,
messages, reasons) is escaped in the page, and a CSV field that a spreadsheet would run as
a formula is quoted. The page loads nothing from the network.
"""
import csv
import html
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from course.report.gather import ClassData  # noqa: E402
from course.report.items import Item  # noqa: E402
from course.report.misconceptions import Misconception  # noqa: E402
from course.report.similarity import Pair, SideBySide  # noqa: E402

UNNAMED_SHOWN = 15
PAIRS_SHOWN = 10


def write_csv(path: Path, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows([[_inert(value) for value in row] for row in rows])


def _inert(value):
    """A spreadsheet runs a field that starts with = + - @ as a formula; a student's id or
    message must not, so such text gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def figure(path: Path, draw, width=8.0, height=3.5) -> None:
    fig, ax = plt.subplots(figsize=(width, height))
    draw(ax)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def escape(value) -> str:
    return html.escape(str(value))


def table(header, rows, classes=None, stacked=False) -> str:
    """An HTML table of escaped text (cells given as Markup(...) are kept as they are).
    A `stacked` table becomes one card per row in a narrow window, each cell labelled."""
    def cell(value, label):
        text = value.html if isinstance(value, Markup) else escape(value)
        return f"<td data-label='{escape(label)}'>{text}</td>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = ""
    for number, row in enumerate(rows):
        css = f" class='{classes[number]}'" if classes and classes[number] else ""
        body += f"<tr{css}>" + "".join(cell(v, h) for v, h in zip(row, header)) + "</tr>"
    kind = " class='stacked'" if stacked else ""
    return f"<div class='scroll'><table{kind}><tr>{head}</tr>{body}</table></div>"


class Markup:
    """HTML we built ourselves from escaped parts: shown as it is."""

    def __init__(self, html_text: str):
        self.html = html_text


def data_link(name: str) -> str:
    return f"<p class='data'>Data: <a href='{name}'>{name}</a></p>"


def image(name: str, alt: str) -> str:
    return f"<img src='{name}' alt='{escape(alt)}'>"


# ---- sections --------------------------------------------------------------------------
def needs_action(data: ClassData, items: list[Item], flagged: list[Pair]) -> str:
    """Who and what needs the instructor, most urgent first, each with why and what to do."""
    assignment = escape(data.assignment)
    rows, classes = [], []
    results = {r.student: r for r in data.results}
    for student in sorted(set(data.not_graded) | {r.student for r in data.results
                                                   if not r.fully_graded}):
        result = results.get(student)
        notebooks = sorted(set(data.not_graded.get(student, []))
                           | set(result.not_graded if result else []))
        why = list(result.problems) if result and result.problems else [
            f"{n}: not graded" for n in notebooks]
        if result and result.status == "not graded":
            action = (f"Fix what the reason says, then run <code>python -m course grade "
                      f"{assignment}</code> again: it grades what changed or was not graded.")
        else:
            action = ("Grade " + ", ".join(f"<b>{escape(n)}</b>" for n in notebooks)
                      + " by hand in the formgrader (Manual Grading › "
                      f"{assignment}), or fix the notebook and grade again.")
        rows.append(["not graded", student, _list(why), Markup(action)])
        classes.append("urgent")
    for pair_number, pair in enumerate(flagged, 1):
        rows.append(["similar code", f"{pair.student_a} and {pair.student_b}",
                     _list([f"{pair.notebook}: {pair.similarity:.0%} of their answer code "
                            "in common"]),
                     Markup(f"Compare them <a href='#pair-{pair_number}'>side by side</a> "
                            "and talk with both; if one copied, change the points in the "
                            f"formgrader (Manual Grading › {assignment} › "
                            f"{escape(pair.notebook)}).")])
        classes.append("urgent")
    for item in items:
        if item.flag:
            rows.append(["check", item.check.label, _list([item.flag]), Markup(
                f"Read the check (<code>source/{assignment}/{escape(item.check.notebook)}"
                f".ipynb</code>, cell <code>{escape(item.check.name)}</code>) and its "
                "failure messages below; if it is wrong, fix it, release it again and run "
                f"<code>python -m course grade {assignment} --force</code>.")])
            classes.append("check")
    for result in data.results:
        if result.fully_graded and result.problems and result.student not in data.not_graded:
            rows.append(["graded, with problems", result.student, _list(result.problems),
                         Markup("Check that the score is fair (the autograded notebook is in "
                                f"<code>autograded/{escape(result.student)}/{assignment}/"
                                "</code>); give manual points in the formgrader if it is not.")])
            classes.append("problem")
    for student, notebooks in sorted(data.awaiting_manual.items()):
        rows.append(["written answers to grade", student,
                     _list([f"{n}: written answers not graded yet" for n in notebooks]),
                     Markup("Grade them in the formgrader (Manual Grading › "
                            f"{assignment} › {', '.join(escape(n) for n in notebooks)}); "
                            "the scores below count them once given.")])
        classes.append("problem")
    if not rows:
        return "<p>Nothing: every submission graded normally, no check or pair stands out.</p>"
    return table(["what", "who", "why", "what to do"], rows, classes, stacked=True)


def _list(lines) -> Markup:
    return Markup("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")


def scores_section(data: ClassData, folder: Path) -> str:
    columns = data.notebooks + ["total"]
    full = sum(data.maxima.values())
    per_student = {s: [data.scores[n].get(s, 0.0) for n in data.notebooks] + [data.total(s)]
                   for s in data.students}
    maxima = [data.maxima[n] for n in data.notebooks] + [full]
    write_csv(folder / "scores.csv", ["student", *columns],
              [[s, *values] for s, values in per_student.items()])

    def draw(ax):
        series = [[values[i] / (maxima[i] or 1) * 100 for values in per_student.values()]
                  for i in range(len(columns))]
        ax.hist(series, bins=[10 * i for i in range(11)], label=columns)  # 100 % in the last
        ax.set_xlabel("score (% of the maximum)")
        ax.set_ylabel("students")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.set_title("Score distribution")
    figure(folder / "scores.png", draw)

    def summary(index):
        values = [v[index] for v in per_student.values()]
        if not values:
            return ["-"] * 4
        return [f"{statistics.mean(values):.1f}", f"{statistics.median(values):.1f}",
                f"{min(values):g}", f"{max(values):g}"]
    rows = [[column, *summary(i), f"{maxima[i]:g}"] for i, column in enumerate(columns)]
    waiting = len(data.awaiting_manual)
    note = (f"<p>{waiting} students have written answers not graded yet: until they are, "
            "their scores count the automatic points only.</p>" if waiting else
            "<p>Manual (formgrader) points are included.</p>")
    return (image("scores.png", "Score distribution") + data_link("scores.csv") + note
            + table(["", "mean", "median", "lowest", "highest", "maximum"], rows))


def items_section(items: list[Item], folder: Path, hard_below: float,
                  discrimination_below: float) -> str:
    def number(value):
        return "" if value is None else f"{value:.2f}"
    rows = [[i.check.notebook, i.check.name, f"{i.check.max_score:g}", i.students,
             number(i.difficulty), number(i.discrimination), number(i.upper_lower), i.flag]
            for i in items]
    write_csv(folder / "items.csv", ["notebook", "check", "points", "students", "difficulty",
                                     "discrimination", "upper_lower", "flag"], rows)

    def draw(ax):
        for item in items:
            y = item.discrimination if item.discrimination is not None else 0.0
            style = dict(color="tab:red", marker="x") if item.flag else dict(
                color="tab:blue", marker="o", alpha=0.7)
            ax.scatter([item.difficulty], [y], **style)
            if item.flag:
                ax.annotate(item.check.name, (item.difficulty, y), fontsize=7,
                            xytext=(4, 4), textcoords="offset points")
        ax.axhline(discrimination_below, color="grey", linestyle="--", linewidth=1)
        ax.axvline(hard_below, color="grey", linestyle="--", linewidth=1)
        ax.set_xlim(-0.05, 1.1)
        ax.set_xlabel("difficulty (mean share of the points earned)")
        ax.set_ylabel("discrimination (r with the rest)")
        ax.set_title("Checks: difficulty against discrimination (red: flagged; "
                     "no discrimination drawn at 0)", fontsize=9)
    figure(folder / "items.png", draw, height=4.5)
    classes = ["check" if i.flag else "" for i in items]
    return (image("items.png", "Difficulty against discrimination") + data_link("items.csv")
            + "<p>Difficulty: the mean share of the check's points the class earned. "
              "Discrimination: the correlation of the check's score with the rest of the "
              "student's total; upper − lower: its difficulty among the 27 % of students "
              "with the highest rest-of-total minus among the lowest 27 %.</p>"
            + table(["notebook", "check", "points", "students", "difficulty",
                     "discrimination", "upper − lower", "flag"], rows, classes))


def misconceptions_section(found: list[Misconception], folder: Path) -> str:
    write_csv(folder / "misconceptions.csv",
              ["notebook", "check", "named", "message", "students"],
              [[m.notebook, m.check, "yes" if m.named else "no", m.message, len(m.students)]
               for m in found])
    named = [m for m in found if m.named]
    unnamed = [m for m in found if not m.named][:UNNAMED_SHOWN]
    parts = ["<h3>Named mistakes</h3><p>Mistakes the checks recognise, with the hint the "
             "student read.</p>"]
    parts.append(table(["students", "check", "mistake"],
                       [[len(m.students), f"{m.notebook}: {m.check}", m.message]
                        for m in named], stacked=True) if named else "<p>None caught.</p>")
    parts.append(f"<h3>Most common other failures</h3><p>The {UNNAMED_SHOWN} most common "
                 "failure messages no check names (answers left as the stub not counted): "
                 "mistakes worth a new hint?</p>")
    parts.append(table(["students", "check", "message"],
                       [[len(m.students), f"{m.notebook}: {m.check}", m.message]
                        for m in unnamed], stacked=True) if unnamed else "<p>None.</p>")
    return data_link("misconceptions.csv") + "".join(parts)


def similarity_section(pairs: list[Pair], views: list[SideBySide], folder: Path,
                       threshold: float) -> str:
    write_csv(folder / "similarity.csv", ["student_a", "student_b", "notebook", "similarity"],
              [[p.student_a, p.student_b, p.notebook, f"{p.similarity:.4f}"] for p in pairs])

    def draw(ax):
        ax.hist([p.similarity for p in pairs], bins=[i / 50 for i in range(51)],
                color="tab:gray")
        ax.axvline(threshold, color="tab:red", linestyle="--", label="threshold")
        if pairs:
            ax.set_yscale("log")  # the few pairs that stand out stay visible
        ax.set_xlabel("similarity of a pair's answer code (0 to 1)")
        ax.set_ylabel("pairs of students")
        ax.legend()
        ax.set_title("Similarity of every pair of students, per notebook")
    figure(folder / "similarity.png", draw)
    parts = [image("similarity.png", "Similarity of every pair"), data_link("similarity.csv"),
             f"<p>Answer cells compared per notebook, the release's code left out; names, "
             f"comments and layout do not count. Pairs at {threshold:.0%} or more are "
             "flagged.</p>"]
    parts.append(table(["similarity", "notebook", "students"],
                       [[f"{p.similarity:.0%}", p.notebook, f"{p.student_a} and {p.student_b}"]
                        for p in pairs[:PAIRS_SHOWN]],
                       ["urgent" if p.similarity >= threshold else "" for p in pairs[:PAIRS_SHOWN]]))
    for number, view in enumerate(views, 1):
        pair = view.pair
        parts.append(
            f"<section class='pair' id='pair-{number}'><h3>{escape(pair.student_a)} and "
            f"{escape(pair.student_b)}: {escape(pair.notebook)}, {pair.similarity:.0%}</h3>"
            f"<div class='side'><div><h4>{escape(pair.student_a)}</h4><pre>{view.code_a}</pre>"
            f"</div><div><h4>{escape(pair.student_b)}</h4><pre>{view.code_b}</pre></div>"
            "</div></section>")
    return "".join(parts)


def times_section(data: ClassData, folder: Path) -> str:
    results = data.results
    write_csv(folder / "submissions.csv", ["student", "status", "seconds", "problems"],
              [[r.student, r.status, f"{r.seconds:.2f}", " | ".join(r.problems)]
               for r in results])

    def draw(ax):
        ax.hist([r.seconds for r in results if r.status == "graded"], bins=20)
        ax.set_xlabel("seconds to grade one submission")
        ax.set_ylabel("submissions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("Grading time per submission")
    figure(folder / "submissions.png", draw)
    return image("submissions.png", "Grading time per submission") + data_link("submissions.csv")


STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.8em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}img{max-width:100%;height:auto}.data{font-size:small;color:#555}
tr.urgent td:first-child{color:#b00020;font-weight:bold}
tr.check td:first-child,tr.problem td:first-child{color:#8a5a00;font-weight:bold}
td ul{margin:0;padding-left:1.2em}.counts{font-size:larger}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.side>div{min-width:0}
pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em}
mark{background:#ffe08a}
nav a{margin-right:1em}
@media (max-width:720px){.side{grid-template-columns:1fr}body{padding:0 .5em}
 table.stacked,table.stacked tbody,table.stacked tr,table.stacked td{display:block}
 table.stacked tr:first-child{display:none}table.stacked tr{border:1px solid #ccc;margin:.6em 0}
 table.stacked td{border:none}
 table.stacked td::before{content:attr(data-label);display:block;font-size:small;color:#555}}
"""


def page(data: ClassData, sections: list[tuple[str, str, str]]) -> str:
    counts = counts_line(data)
    nav = "".join(f"<a href='#{anchor}'>{escape(title)}</a>" for anchor, title, _ in sections)
    body = "".join(f"<h2 id='{anchor}'>{escape(title)}</h2>{html_text}"
                   for anchor, title, html_text in sections)
    title = f"Grading report: {escape(data.assignment)}"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            f"<h1>{title}</h1><p class='counts'>{counts}</p><nav>{nav}</nav>{body}"
            "</body></html>")


def counts_line(data: ClassData) -> str:
    results = data.results
    missing = {r.student for r in results if not r.fully_graded} | set(data.not_graded)
    problems = {r.student for r in results if r.problems} - missing
    everyone = {r.student for r in results} | set(data.students) | missing
    clean = len(everyone) - len(missing) - len(problems)
    return (f"<b>{clean}</b> graded, <b>{len(problems)}</b> graded with problems, "
            f"<b>{len(missing)}</b> not graded ({len(everyone)} submissions).")
