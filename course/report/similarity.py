"""Which students handed in the same code: answer cells compared across the class.

copydetect (a maintained winnowing implementation, as MOSS uses) turns each student's
answer cells of a notebook into fingerprints: the code is tokenised, every name becomes
one symbol (so renaming changes nothing), comments and layout are dropped, and hashes of
k-token windows are winnowed. Docstrings are left out too: copydetect keeps a string as one
symbol, and deleting a docstring is as cheap a disguise as a comment. Fingerprints of the release's own code in the answer
cells (the starter code every student gets) are removed first.

A pair's similarity is the share of fingerprints the two have in common, out of the
larger of the two sets (so one student's one-line answer inside another's long one is
not a copy); a notebook with less own code than `min_fingerprints` counts as that much,
so two students who both wrote one short obvious line are not a pair. All pairs are
scored at once with one sparse matrix product; copydetect then marks the code the
flagged pairs share for the side-by-side view.
"""
import ast
import io
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap
from scipy import sparse

NOISE_THRESHOLD = 25      # copydetect's defaults: shorter matches are noise,
GUARANTEE_THRESHOLD = 30  # matches this long are always found
WINDOW = GUARANTEE_THRESHOLD - NOISE_THRESHOLD + 1


@dataclass(frozen=True)
class Pair:
    student_a: str
    student_b: str
    notebook: str
    similarity: float


@dataclass(frozen=True)
class SideBySide:
    pair: Pair
    code_a: str   # HTML: the student's code, escaped, shared parts in <mark>
    code_b: str


def without_docstrings(code: str) -> str:
    """The code with its docstrings (strings standing alone as statements) blanked out,
    keeping every other character where it was; code that does not parse as it is."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return code
    lines = code.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            first, last = node.lineno - 1, node.end_lineno - 1
            for number in range(first, last + 1):
                start = node.col_offset if number == first else 0
                end = node.end_col_offset if number == last else len(lines[number].rstrip("\r\n"))
                line = lines[number]
                lines[number] = line[:start] + " " * (end - start) + line[end:]
    return "".join(lines)


def fingerprint(code: str, starter: set) -> CodeFingerprint:
    """`raw_code` keeps the student's code as written, for the side-by-side view."""
    found = CodeFingerprint("answer.py", NOISE_THRESHOLD, WINDOW,
                            fp=io.StringIO(without_docstrings(code)))
    found.raw_code = code
    found.hashes -= starter
    for value in starter:
        found.hash_idx.pop(value, None)
    return found


def similar_pairs(answers: dict[str, str], starter_code: str, notebook: str,
                  min_fingerprints: int) -> tuple[list[Pair], dict]:
    """Every pair of students whose answer cells of `notebook` share fingerprints, the
    most similar first, and each student's fingerprints (for `side_by_side`)."""
    starter = fingerprint(starter_code, set()).hashes
    students = sorted(answers)
    prints = {s: fingerprint(answers[s], starter) for s in students}
    columns = {}
    rows, cols = [], []
    for row, student in enumerate(students):
        for value in prints[student].hashes:
            rows.append(row)
            cols.append(columns.setdefault(value, len(columns)))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(len(students), max(1, len(columns))))
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    pairs = []
    for a, b, count in zip(shared.row, shared.col, shared.data):
        similarity = count / max(sizes[a], sizes[b], min_fingerprints)
        pairs.append(Pair(students[a], students[b], notebook, round(float(similarity), 4)))
    pairs.sort(key=lambda p: (-p.similarity, p.student_a, p.student_b))
    return pairs, prints


def side_by_side(pair: Pair, prints: dict) -> SideBySide:
    """The two students' code, escaped, with what they share marked."""
    first, second = prints[pair.student_a], prints[pair.student_b]
    _, _, (slices_a, slices_b) = compare_files(first, second)
    return SideBySide(pair, _marked(first.raw_code, slices_a), _marked(second.raw_code, slices_b))


def _marked(code: str, slices) -> str:
    import html
    if len(slices) == 0 or np.size(slices) == 0:
        return html.escape(code)
    marked, _ = highlight_overlap(code, np.asarray(slices), "<mark>", "</mark>",
                                  escape_html=True)
    return marked
