"""Score 0 any test cell whose hidden checks did not all run to the end.

nbgrader scores a test cell in full when it shows no error. A notebook that rewrites
how later cells run (an IPython input transformer, a replaced check function, a patched
shell) can make a test cell finish silently without checking anything. Each check that
passes displays a marker holding a token made for this run (graders/integrity.py); this
step, outside the kernel, adds an error to every test cell that lacks a marker for each
check it calls.
"""
import os
import re

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from grading_kernel.protocol import MARKER_MIME

CHECK_CALL = re.compile(r"^\s*(check_\w+)\(", re.MULTILINE)


class VerifyChecksRan(NbGraderPreprocessor):

    def preprocess(self, nb, resources):
        self._token = resources.get("grading_token")
        if os.environ.get("COURSE_DEFENCES") == "off":  # see grading_kernel/startup.py
            self._token = None
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or self._token is None:
            return cell, resources
        called = set(CHECK_CALL.findall(cell.source))
        outputs = cell.get("outputs", [])
        if not called or any(output.output_type == "error" for output in outputs):
            return cell, resources
        proven = {output.data[MARKER_MIME].get("check") for output in outputs
                  if output.output_type == "display_data" and MARKER_MIME in output.get("data", {})
                  and output.data[MARKER_MIME].get("token") == self._token}
        missing = sorted(called - proven)
        if missing:
            message = (f"The hidden checks of this cell did not run to the end ({', '.join(missing)}): "
                       "the notebook changed how cells run. Remove that code.")
            cell.outputs.append(NotebookNode(output_type="error", ename="ChecksDidNotRun",
                                             evalue=message,
                                             traceback=[f"ChecksDidNotRun: {message}"]))
        return cell, resources
