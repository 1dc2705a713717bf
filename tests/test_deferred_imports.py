"""The stand-ins of course/pipeline/deferred_imports.py hand over to the real modules when used."""
import subprocess
import sys

from course.settings import COURSE_ROOT

PROBE = """
import sys, zipfile, tempfile, pathlib
from course.pipeline.deferred_imports import defer_imports
defer_imports()
import nbgrader.apps, nbgrader.utils  # what the grade command loads
assert "rfc3987_syntax" not in sys.modules or sys.modules["rfc3987_syntax"].__doc__.startswith("stand-in")
folder = pathlib.Path(tempfile.mkdtemp())
with zipfile.ZipFile(folder / "a.zip", "w") as archive:
    archive.writestr("inside.txt", "unzipped")
(folder / "out").mkdir()
nbgrader.utils.unzip(str(folder / "a.zip"), str(folder / "out"))
print((folder / "out" / "inside.txt").read_text())
import jsonschema
checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
print(checker.conforms("http://example.org/a b", "iri"), checker.conforms("http://example.org/é", "iri"))
"""


def test_stand_ins_behave_as_the_real_modules():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=COURSE_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["unzipped", "False", "True"]
