"""Building blocks of the source notebooks: one function per kind of nbgrader cell.

The chapters in course/authoring/notebooks/ describe each notebook as a list of these cells;
course/authoring/build_source.py writes them to source/. Solution cells are made from the
functions in solutions/, so the reference code exists in one place only.
"""
import ast
import inspect
import textwrap

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# quiet lines in the formgrader; nbgrader finds the delimiters inside them
BEGIN_MARK_SCHEME = "*BEGIN MARK SCHEME: for the instructor, removed from the release*"
END_MARK_SCHEME = "*END MARK SCHEME*"


def _nbgrader(grade_id, *, grade=False, solution=False, locked=False, points=None):
    metadata = {"grade": grade, "grade_id": grade_id, "locked": locked,
                "schema_version": 3, "solution": solution}
    if points is not None:
        metadata["points"] = points
    return {"nbgrader": metadata}


def markdown(text):
    """Teaching text; students may edit it, nothing is graded."""
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(source):
    """An ordinary code cell: a plot or a demonstration the student runs."""
    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip())


def given(grade_id, source):
    """Code the student needs but must not change (restored at grading time)."""
    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip(),
                                     metadata=_nbgrader(grade_id, locked=True))


def solution(grade_id, *objects, prelude=""):
    """A cell whose function (or class) bodies become stubs in the release.

    Each object comes from solutions/: its signature and docstring stay, its body is
    the solution region. `prelude` is code kept above them (imports, constants).
    """
    parts = [textwrap.dedent(prelude).strip()] if prelude else []
    parts += [_with_solution_regions(inspect.getsource(obj)) for obj in objects]
    return nbformat.v4.new_code_cell("\n\n\n".join(parts),
                                     metadata=_nbgrader(grade_id, solution=True))


def _with_solution_regions(source):
    """Wrap the body of every function in `source` (after its docstring) in markers.

    A class's __init__ stays as it is: storing the arguments is given, not graded."""
    source = textwrap.dedent(source)
    lines = source.splitlines()
    regions = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name != "__init__":
            body = node.body
            has_docstring = isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and isinstance(
                body[0].value.value, str)
            first = body[1] if has_docstring else body[0]
            # comments and blank lines above the first statement are part of the answer
            # (a comment says why), so the region begins right after the docstring or the
            # signature
            header = body[0] if has_docstring else node.args
            above = max([node.lineno, getattr(node.returns, "end_lineno", 0)]
                        + [part.end_lineno for part in ast.walk(header)
                           if hasattr(part, "end_lineno")])
            start = first.lineno - 1
            while start > above and (not lines[start - 1].strip()
                                     or lines[start - 1].lstrip().startswith("#")):
                start -= 1
            regions.append((start, node.end_lineno, first.col_offset))
    for start, end, indent in sorted(regions, reverse=True):
        pad = " " * indent
        lines[end:end] = [pad + END_SOLUTION]
        lines[start:start] = [pad + BEGIN_SOLUTION]
    return "\n".join(lines)


def assignments_of(module, names):
    """The source of the top-level assignments of `names` in `module`, with the comment
    block right above them: the reference code stays in solutions/ only."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    nodes = [node for node in ast.parse(source).body if isinstance(node, ast.Assign)
             and any(getattr(target, "id", None) in names for target in node.targets)]
    start = nodes[0].lineno - 1
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    return "\n".join(lines[start:nodes[-1].end_lineno])


def solution_values(grade_id, prelude, values):
    """A solution cell whose answer is a block of assignments, not a function: `prelude`
    stays in the release, `values` becomes the solution region (a stub there)."""
    cell = solution(grade_id, prelude=prelude)
    cell.source = "\n".join([cell.source, BEGIN_SOLUTION, textwrap.dedent(values).strip(),
                             END_SOLUTION])
    return cell


def tests(grade_id, points, visible="", hidden=""):
    """An autograded test cell: visible checks the student can run, then hidden ones."""
    parts = [textwrap.dedent(visible).strip()] if visible else []
    if hidden:
        parts.append("\n".join([BEGIN_HIDDEN, textwrap.dedent(hidden).strip(), END_HIDDEN]))
    return nbformat.v4.new_code_cell("\n".join(parts), metadata=_nbgrader(
        grade_id, grade=True, locked=True, points=points))


def hidden_check(grade_id, points, description, module, check, argument):
    """A test cell that is one call into a grader, described for the student."""
    return tests(grade_id, points, visible=f"# Checked at grading time: {description}",
                 hidden=f"from {module} import {check}\n{check}({argument})")


def written_answer(grade_id, points, model_answer):
    """A manually graded Markdown answer; the model answer is the solution region."""
    source = "\n".join([BEGIN_SOLUTION, textwrap.dedent(model_answer).strip(), END_SOLUTION])
    return nbformat.v4.new_markdown_cell(source, metadata=_nbgrader(
        grade_id, grade=True, solution=True, points=points))


def task(grade_id, points, text, mark_scheme):
    """A task cell (nbgrader's manually graded kind that students cannot edit).

    Students read `text`. The mark scheme region stays in the source notebook and the
    gradebook, so the autograded notebook and the formgrader show it to the instructor;
    generate_assignment removes it from the release. nbgrader allows mark scheme regions
    in task cells only."""
    source = "\n".join([textwrap.dedent(text).strip(), BEGIN_MARK_SCHEME,
                        textwrap.dedent(mark_scheme).strip(), END_MARK_SCHEME])
    return nbformat.v4.new_markdown_cell(source, metadata={"nbgrader": {
        "grade": False, "grade_id": grade_id, "locked": True, "points": points,
        "schema_version": 3, "solution": False, "task": True}})


def mark_scheme(points, rubric, grader_notes, model_answer):
    """The text of a task cell's mark scheme: the rubric as (points, criterion) pairs, the
    grader's notes and the model answer, for the instructor's eyes only."""
    lines = [f"**Rubric ({points} points), for the answer cell below.**", ""]
    lines += [f"- {p} point{'s' if p != 1 else ''}: {text}" for p, text in rubric]
    lines += ["", grader_notes, "", "**Model answer.**", "", model_answer.strip()]
    return "\n".join(lines)


def notebook(cells):
    # stable cell ids, so that rebuilding an unchanged chapter changes nothing
    for index, cell in enumerate(cells):
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell-{index:03d}")
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                  "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    return nb
