"""How fast the grading service answers a burst: submit to released feedback.

    .venv/bin/python benchmarks/service_burst.py [--students 100] [--submissions 3]
        [--seconds 60] [--assignment a1_activations] [--workers <cpu count>]

A fresh course copy with an exchange; `python -m course serve` started as its own process;
then `--students` students submit `--submissions` times each, at moments drawn uniformly
over `--seconds` (a fixed seed), each submission written into the exchange's inbound as
`nbgrader submit` writes it (folder name, notebooks, timestamp.txt, submission_secret.txt,
permissions). The students' answers cycle through the sample class (complete, partial,
wrong, broken; the runaway loop left out, as it costs the cell time limit by design).
Written directly rather than by 300 `nbgrader submit` processes, whose start-up (a second
of CPU each, on the students' servers in a real deployment) would take the grader's CPU;
the service's owner check is off for the same reason (the students are not OS users here;
tests/e2e/test_service.py runs the real `nbgrader submit` as real users).

Prints, per submission, the time from its folder appearing in inbound to its feedback
released (from the service's ledger): median, 95th percentile and the longest; the
throughput (submissions released per second, from the first submission to the last
release); and whether every submission was released exactly once.
"""
import argparse
import itertools
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.local_services import environment, run_nbgrader  # noqa: E402
from course.sample_class import DEMO, TESTS  # noqa: E402
from course.service.ledger import DONE, Ledger  # noqa: E402
from course.service.serve import FOLDER  # noqa: E402
from course.submissions import copy_course, reference_answers, write_submission  # noqa: E402

COURSE_ID = "activations"


def answered_notebooks(root: Path, assignment: str, folder: Path) -> list[dict[str, bytes]]:
    """Each sample student's submission (written by write_submission once, into `folder`)
    as {file name: bytes}, to copy into inbound as fast as a burst needs."""
    reference = reference_answers(root / "source" / assignment)
    kinds = [(name, student) for name, student in {**DEMO[assignment], **TESTS[assignment]}.items()
             if name != "runaway" and not student.extra_files]
    submissions = []
    for name, student in kinds:
        write_submission(root / "release" / assignment, folder / name, student.answers(reference))
        submissions.append({path.name: path.read_bytes() for path in (folder / name).iterdir()})
    return submissions


def submit(inbound: Path, student: str, assignment: str, files: dict[str, bytes]) -> str:
    """One submission, laid out as nbgrader submit lays it out; returns its folder name."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()) + f".{time.time_ns() // 1000 % 10**6:06d} UTC"
    name = f"{student}+{assignment}+{stamp}+{secrets.token_urlsafe(9)}"
    staging = inbound.parent / f".{name}"  # renamed into place whole, as a copy appears whole
    staging.mkdir()
    for file_name, data in files.items():
        (staging / file_name).write_bytes(data)
    (staging / "timestamp.txt").write_text(stamp)
    (staging / "submission_secret.txt").write_text(secrets.token_hex(64))
    os.chmod(staging, 0o777)
    staging.rename(inbound / name)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--submissions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--assignment", default="a1_activations")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="service-burst-", dir="/var/tmp"))
    root = copy_course(base / "course")
    exchange = base / "exchange"
    exchange.mkdir(mode=0o1777)
    options = [f"--Exchange.root={exchange}", f"--course={COURSE_ID}"]
    run_nbgrader(root, "generate_assignment", args.assignment, "--force")
    run_nbgrader(root, "release_assignment", args.assignment, "--force", *options)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("c.GradingService.min_interval = 0  # every submission graded\n"
                     "c.GradingService.before_deadline = 'hints'\n"
                     "c.CollectApp.check_owner = False  # the students are not OS users here\n")
    inbound = exchange / COURSE_ID / "inbound"
    contents = answered_notebooks(root, args.assignment, base / "answers")

    service = subprocess.Popen(
        [sys.executable, "-m", "course", "serve", "--exchange", str(exchange),
         "--workers", str(args.workers)], cwd=root, env=environment(),
        stdout=subprocess.DEVNULL, stderr=open(base / "service.log", "w"))
    ledger_path = root / FOLDER / "ledger.db"
    while not (root / FOLDER / "service.log").exists() or \
            "serving" not in (root / FOLDER / "service.log").read_text():
        time.sleep(0.2)  # the service has checked its engine and gradebook

    rng = random.Random(0)
    plan = sorted((rng.uniform(0, args.seconds), f"s{student:03d}")
                  for student in range(args.students) for _ in range(args.submissions))
    submitted_at, kinds = {}, itertools.cycle(contents)
    started = time.time()
    for offset, student in plan:
        time.sleep(max(0.0, started + offset - time.time()))
        submitted_at[submit(inbound, student, args.assignment, next(kinds))] = time.time()
    total = len(plan)
    while True:
        entries = Ledger(ledger_path).entries()
        if len(entries) == total and all(entry.state in DONE for entry in entries):
            break
        time.sleep(0.5)
    service.terminate()
    service.wait()

    latencies = sorted(entry.finished - submitted_at[entry.key] for entry in entries)
    released = [entry for entry in entries if entry.state == "released"]
    span = max(entry.finished for entry in entries) - started
    quantile = statistics.quantiles(latencies, n=20)
    print(f"{args.assignment}: {args.students} students x {args.submissions} submissions = "
          f"{total} over {args.seconds:g} s, {args.workers} workers")
    print(f"released {len(released)} of {total}; graded exactly once: "
          f"{all(entry.gradings == 1 for entry in entries)}; states: "
          f"{ {state: sum(e.state == state for e in entries) for state in DONE} }")
    print(f"submit -> feedback released: median {statistics.median(latencies):.1f} s, "
          f"95th percentile {quantile[18]:.1f} s, longest {latencies[-1]:.1f} s")
    print(f"throughput: {total / span:.2f} submissions/s (the last released "
          f"{span:.0f} s after the first was submitted; arrivals {total / args.seconds:.2f}/s)")
    print(f"(course, exchange and the service's log in {base})")


if __name__ == "__main__":
    main()
