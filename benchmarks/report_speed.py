"""What the class report costs next to grading the class it reports on.

    .venv/bin/python benchmarks/report_speed.py [--students 600] [--workers 2]

Makes a generated class of a1_activations (course/generated_class.py: independent
students, one copier) in a fresh copy of the course, grades it with `python -m course
grade` (which builds the report once at its end), then builds the report again on its
own, timing each stage: reading the gradebook and the autograded notebooks, similarity
(every pair of students, per notebook), and the page with its figures and CSVs. Prints
the seconds and the report's share of the grading time, both measured in this run.
"""
import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.generated_class import ASSIGNMENT, make_generated_course  # noqa: E402
from course.pipeline import grade_command  # noqa: E402
from course.report import build_report  # noqa: E402
from course.settings import report_settings  # noqa: E402
from course.submissions import copy_course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-speed-") as folder:
        root = copy_course(Path(folder) / "course")
        generated = make_generated_course(root, args.students)
        started = time.perf_counter()
        if grade_command.main(root, ASSIGNMENT, workers=args.workers) != 0:
            sys.exit("grading failed")
        grading = time.perf_counter() - started
        timings = {}
        started = time.perf_counter()
        build_report(root, ASSIGNMENT, timings)
        report = time.perf_counter() - started
        with open(root / "reports" / ASSIGNMENT / "similarity.csv", newline="") as file:
            pairs = list(csv.DictReader(file))
        notebooks = len(list((root / "release" / ASSIGNMENT).glob("*.ipynb")))
        possible = args.students * (args.students - 1) // 2 * notebooks
        top = pairs[0]
        print(f"\n{args.students} students, {args.students * notebooks} notebooks, "
              f"{args.workers} workers")
        print(f"grading (python -m course grade, report included): {grading:8.1f} s")
        print(f"report alone:                                       {report:8.2f} s "
              f"({report / grading:.1%} of grading)")
        for stage, seconds in timings.items():
            print(f"  {stage:<12} {seconds:8.2f} s")
        print(f"pairs scored: {possible} possible, {len(pairs)} sharing any code; most "
              f"similar: {top['student_a']} and {top['student_b']} ({top['notebook']}, "
              f"{float(top['similarity']):.2f}); the copier: "
              f"{' copied from '.join(reversed(generated.copied))}")
        ranks = [i for i, p in enumerate(pairs)
                 if {p["student_a"], p["student_b"]} == set(generated.copied)]
        others = [float(p["similarity"]) for p in pairs
                  if {p["student_a"], p["student_b"]} != set(generated.copied)]
        threshold = report_settings(root).similarity_threshold
        print(f"the copied pair ranks {[r + 1 for r in ranks]}; the most similar independent "
              f"pair: {max(others, default=0.0):.2f}; independent pairs at or above the "
              f"threshold ({threshold}): {sum(o >= threshold for o in others)}")


if __name__ == "__main__":
    main()
