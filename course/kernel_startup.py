"""Run by every grading kernel before the notebook's first cell (see nbgrader_config.py).

It imports the course's graders and reference solutions from the course folder, so that
the hidden tests find them in sys.modules whatever the student submitted beside the
notebook: a submitted `graders/` folder or `solutions.py` is never imported (the course
root also comes first on sys.path, before the submission's folder). Then it locks the
kernel down against tampering and borrowing (graders/integrity.py).
The code runs in the notebook's namespace, so it leaves no names behind.
"""


def _import_course_modules():
    import importlib
    import os
    import pkgutil
    import sys

    course_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, course_root)
    for package_name in ("solutions", "graders"):
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, package_name + "."):
            importlib.import_module(module.name)
    from graders import compare, integrity
    compare.freeze_replay_seed()
    # the instructor's switch, for measuring the defences (tests/e2e/test_cheats.py);
    # read here, before any student code could set it
    if os.environ.pop("COURSE_DEFENCES", "on") != "off":
        integrity.lock_down(course_root)


_import_course_modules()
del _import_course_modules
