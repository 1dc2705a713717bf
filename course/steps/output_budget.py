"""One budget for everything a notebook's code writes into its autograded notebook.

Streams, tracebacks, error messages and rich outputs (figures, tables, results) all count
against one budget per notebook, in cell order; what does not fit is cut, with a note
saying so where it was cut. Errors are never dropped, since an error is what scores a
test cell 0: each is cut to a short message and the last lines of its traceback, and
counts against the budget as it stands. What a test cell's score depends on is tiny and
kept: the markers by which the hidden checks prove they ran (course/steps/checks_ran.py), and
the cell's result (a partial score). The note of a cut goes to stdout, since nbgrader
scores a test cell with anything on stderr 0. Both engines pass through this
step, right after executing the notebook (nbgrader_config.py).
"""
import json

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from grading_kernel.protocol import MARKER_MIME

MARKER_BYTES = 1024  # a real marker is a check's name and a token
CUT_NOTE = "[output cut by the grader"  # how the report finds a notebook that was cut


class LimitNotebookOutput(NbGraderPreprocessor):
    max_bytes = Integer(2 * 2**20, help=(
        "Bytes of output a notebook's cells may leave in the autograded notebook and the "
        "feedback, all kinds together; the rest is cut, with a note.")).tag(config=True)
    max_error_chars = Integer(2000, help=(
        "Characters kept of an error's message, and of each line of its traceback.")
    ).tag(config=True)
    max_traceback_lines = Integer(20, help=(
        "Lines kept of an error's traceback, the last ones.")).tag(config=True)

    def preprocess(self, nb, resources):
        self._left = self.max_bytes
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept, cut = [], False
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                short = self._short_error(output)
                cut = cut or _size(short) < _size(output)
                output = short
                self._left -= _size(output)
                kept.append(output)
            elif utils.is_grade(cell) and _counts_for_the_grade(output):
                kept.append(output)
            elif output.get("output_type") == "stream" and self._left > 0:
                text = str(output.get("text", ""))
                if len(text.encode()) > self._left:
                    output.text = text.encode()[:self._left].decode(errors="ignore")
                    cut = True
                self._left -= len(output.text.encode())
                kept.append(output)
            elif self._left >= _size(output):
                self._left -= _size(output)
                kept.append(output)
            else:
                cut = True
        if cut:  # on stdout: nbgrader scores a test cell with stderr 0, and a cut is no failure
            kept.append(NotebookNode(output_type="stream", name="stdout", text=(
                f"\n{CUT_NOTE}: a notebook's outputs may take "
                f"{self.max_bytes / 2**20:g} MiB in all]\n")))
        cell.outputs = kept
        return cell, resources

    def _short_error(self, output):
        def cut(text):
            text = str(text)
            return text if len(text) <= self.max_error_chars else (
                text[:self.max_error_chars] + f"… [{len(text) - self.max_error_chars} "
                "characters cut by the grader]")
        traceback = [cut(line) for line in list(output.get("traceback", []))[-self.max_traceback_lines:]]
        return NotebookNode(output_type="error", ename=cut(output.get("ename", "Error"))[:200],
                            evalue=cut(output.get("evalue", "")), traceback=traceback)


def _size(output) -> int:
    return len(json.dumps(output, default=str).encode())


def _counts_for_the_grade(output) -> bool:
    """A small output of a test cell that nbgrader's score depends on: a check's marker,
    or the cell's result (a test cell ending in a number scores that number)."""
    if _size(output) > MARKER_BYTES:
        return False
    return output.get("output_type") == "execute_result" or (
        output.get("output_type") == "display_data" and MARKER_MIME in output.get("data", {}))
