"""The fast engine's zygote warms up for one assignment: its graders, its reference and
what they import inside functions, nothing of the other assignments; and what it changes
to make tracebacks cheap leaves their answers as they were."""
import functools
import json
import subprocess
import sys

import pytest

from course.settings import COURSE_ROOT

WARMED = """
import inspect, json, sys
sys.path.insert(0, sys.argv[1])
from grading_kernel import zygote
shell, outputs = zygote.warm(sys.argv[1], sys.argv[2] or None)
shell.run_cell("import sys\\ndef fails():\\n    1 / 0\\ntry:\\n    fails()\\n"
               "except ZeroDivisionError:\\n    frame = sys.exc_info()[2].tb_next.tb_frame")
frame = shell.user_ns["frame"]
registered = inspect.getmodule(frame)  # the cell's file, noted when it was compiled
inspect.modulesbyfile.pop(inspect.getabsfile(frame))
scanned = inspect.getmodule(frame)  # inspect's own answer, after its scan of sys.modules
outputs.begin()
shell.run_cell("fails()")
print(json.dumps({"modules": sorted(sys.modules), "registered": repr(registered),
                  "scanned": repr(scanned), "error": outputs.items[-1]}))
"""


@functools.cache  # one zygote's warm-up per assignment, for every test that asks
def warmed(assignment):
    result = subprocess.run([sys.executable, "-c", WARMED, str(COURSE_ROOT), assignment or ""],
                            capture_output=True, text=True, cwd=COURSE_ROOT, timeout=120,
                            env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("assignment, imported, left_out", [
    ("a1_activations", {"graders.a1_activations.prelu", "solutions.a1_activations.activations",
                        "scipy.special"}, {"graders.a3_training.initialisation", "scipy.stats"}),
    ("a2_nonlinearity", {"graders.a2_nonlinearity.xor", "solutions.a2_nonlinearity.xor"},
     {"graders.a1_activations.prelu", "scipy.special", "scipy.stats"}),
    ("a3_training", {"graders.a3_training.initialisation", "scipy.stats", "scipy.optimize"},
     {"graders.a2_nonlinearity.xor"}),
    (None, {"graders.a1_activations.prelu", "graders.a2_nonlinearity.xor",
            "graders.a3_training.initialisation", "scipy.stats"}, set()),
])
def test_a_zygote_imports_its_assignments_graders_and_what_they_import(assignment, imported,
                                                                        left_out):
    modules = set(warmed(assignment)["modules"])
    shared = {"graders.compare", "graders.integrity", "graders.describe", "numpy",
              "matplotlib.pyplot"}
    assert imported | shared <= modules
    assert not left_out & modules


def test_a_cells_file_gives_inspect_the_answer_of_its_scan_and_tracebacks_name_the_cell():
    found = warmed("a2_nonlinearity")
    assert found["registered"] == found["scanned"] == "None"
    error = found["error"]
    assert error["output_type"] == "error" and error["ename"] == "ZeroDivisionError"
    shown = "\n".join(error["traceback"])
    assert "Cell In[1], line 3, in fails()" in shown and "----> 3     1 / 0" in shown


def test_a_process_keeps_its_latest_zygotes_and_closes_the_least_recently_used(monkeypatch):
    from course.steps import fast_engine

    class Fake:
        def __init__(self, key):
            self.key, self.closed = key, False

        def alive(self):
            return not self.closed

        def close(self):
            self.closed = True

    monkeypatch.setattr(fast_engine, "_zygotes", {})
    started = {}

    def zygote(key):
        return fast_engine._zygote(key, lambda: started.setdefault(key, Fake(key)))
    first = zygote("a1")
    for key in ["a2", "a1", "a3"]:  # a1 used again: a2 is now the least recent
        zygote(key)
    assert zygote("a1") is first and not first.closed
    zygote("a4")
    assert started["a2"].closed and not any(started[k].closed for k in ("a1", "a3", "a4"))
    assert list(fast_engine._zygotes) == ["a3", "a1", "a4"]
