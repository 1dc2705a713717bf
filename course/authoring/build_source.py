"""Write source/<assignment>/<notebook>.ipynb from the chapters in course/authoring/notebooks/.

    python -m course.authoring.build_source            # rewrite the source notebooks
    python -m course.authoring.build_source --check    # exit 1 if any is out of date

Each chapter module course/authoring/notebooks/<assignment>/<notebook>.py has a build() that
returns the notebook. Source notebooks are stored without outputs.
"""
import argparse
import importlib
import pkgutil
import sys

import nbformat

from course.authoring import notebooks
from course.settings import COURSE_ROOT


def chapters():
    """(assignment, notebook name, chapter module) for every chapter, in order."""
    found = []
    prefix = notebooks.__name__ + "."
    for module in pkgutil.walk_packages(notebooks.__path__, prefix):
        parts = module.name[len(prefix):].split(".")  # <assignment>.<notebook>
        if len(parts) == 2 and not module.ispkg:
            found.append((parts[0], parts[1], importlib.import_module(module.name)))
    return sorted(found, key=lambda item: item[:2])


def render(chapter) -> str:
    notebook = chapter.build()
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="report out-of-date source notebooks instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for assignment, name, chapter in chapters():
        path = COURSE_ROOT / "source" / assignment / f"{name}.ipynb"
        text = render(chapter)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(COURSE_ROOT)}")
    if args.check and stale:
        print("out of date (run python -m course.authoring.build_source):",
              *(str(p.relative_to(COURSE_ROOT)) for p in stale), sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
