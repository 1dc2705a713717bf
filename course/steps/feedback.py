"""What students see in their feedback: every message, no hidden test.

nbgrader's feedback shows test cells as they were graded, hidden tests and full
tracebacks included, which would give away the graders' inputs and code. This
preprocessor removes the hidden-test region from each test cell's source and cuts
each error down to its last line: the check's message, which is written for students.
It also drops the markers by which the checks prove they ran (course/steps/checks_ran.py).
"""
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from nbformat.v4 import new_markdown_cell
from traitlets import Enum, Unicode

from grading_kernel.protocol import MARKER_MIME


class HideHiddenTests(NbGraderPreprocessor):
    begin_hidden = Unicode("### BEGIN HIDDEN TESTS",
                           help="Line that opens a hidden test region.").tag(config=True)
    end_hidden = Unicode("### END HIDDEN TESTS",
                         help="Line that closes a hidden test region.").tag(config=True)
    placeholder = Unicode("# (hidden tests ran here)",
                          help="What replaces a hidden test region.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.source = self._without_hidden_region(cell.source)
            cell.outputs = [output for output in cell.get("outputs", [])
                            if MARKER_MIME not in output.get("data", {})]
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources

    def _without_hidden_region(self, source):
        kept, hidden = [], False
        for line in source.splitlines():
            if self.begin_hidden in line:
                hidden = True
                kept.append(line[: len(line) - len(line.lstrip())] + self.placeholder)
            elif self.end_hidden in line:
                hidden = False
            elif not hidden:
                kept.append(line)
        return "\n".join(kept)


SCORE_ONLY_NOTE = ("**Scores only, for now.** Before the deadline this course shows the points "
                   "of each check but not its message; the messages come with the feedback "
                   "after the deadline.")


class LimitFeedback(NbGraderPreprocessor):
    """What feedback shows before the deadline, as the grading service asks
    (course/service/): "hints", everything (the default, and always after the deadline),
    or "score", each check's points without its output, so that the hidden checks cannot
    be probed by resubmitting."""
    shown = Enum(["hints", "score"], "hints",
                 help="hints: scores and the checks' messages; score: scores only").tag(config=True)

    def preprocess(self, nb, resources):
        if self.shown == "hints":
            return nb, resources
        nb.cells.insert(0, new_markdown_cell(SCORE_ONLY_NOTE))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.outputs = []
        return cell, resources
