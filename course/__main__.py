"""The course's command line: `python -m course <verb>` (see README.md).

    grade <assignment>    grade the class: autograde in parallel, feedback, grades CSV, report
    serve                 grade each submission to nbgrader's exchange as it arrives,
                          and release its feedback to the student
    report <assignment>   rebuild the class report (reports/<assignment>/index.html)
    check NOTEBOOK...     run the hidden graders on notebooks as a pytest session
    demo                  the whole instructor cycle on the sample class
    build-source          rebuild source/ notebooks from course/authoring/notebooks/
"""
import argparse
import sys

from course.settings import COURSE_ROOT, ENGINES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    grade = verbs.add_parser("grade", help="grade a whole class")
    grade.add_argument("assignment")
    grade.add_argument("--workers", type=int, default=None,
                       help="parallel graders (default: one per core)")
    grade.add_argument("--force", action="store_true",
                       help="grade every submission again, not only new or changed ones")
    grade.add_argument("--from-lms", metavar="FOLDER",
                       help="first collect the files downloaded from an LMS in FOLDER "
                            "(with nbgrader zip_collect)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the Dask cluster whose scheduler is at ADDRESS "
                            "(e.g. tcp://127.0.0.1:8786) instead of local processes")
    grade.add_argument("--engine", choices=ENGINES, default=None,
                       help="what runs the notebooks: 'fork', children of a warm sandboxed "
                            "parent (the default), or 'kernel', a Jupyter kernel each")
    serve = verbs.add_parser("serve", help="grade submissions as they arrive in nbgrader's "
                                           "exchange and release their feedback")
    serve.add_argument("--once", action="store_true",
                       help="grade what is waiting, then exit (for cron or a CI job)")
    serve.add_argument("--status", action="store_true",
                       help="print what the service has seen and what waits, then exit")
    serve.add_argument("--exchange", metavar="FOLDER", default=None,
                       help="nbgrader's exchange folder (default: the course's Exchange.root)")
    serve.add_argument("--workers", type=int, default=None,
                       help="parallel graders (default: one per core)")
    serve.add_argument("--engine", choices=ENGINES, default=None,
                       help="what runs the notebooks (see grade --engine)")
    report = verbs.add_parser("report", help="rebuild the class report")
    report.add_argument("assignment")
    verbs.add_parser("check", help="run the hidden graders on notebooks as a pytest session: "
                                   "check NOTEBOOK... [pytest options such as -k, -x, --junitxml]")
    verbs.add_parser("demo", help="the whole instructor cycle on the sample class")
    verbs.add_parser("build-source", help="rebuild source/ from course/authoring/notebooks/")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:  # everything after it is pytest's, options included
        from course.check import main as check_main
        return check_main(argv[1:])
    args = parser.parse_args(argv)

    from course.pipeline.deferred_imports import defer_imports
    defer_imports()  # about 1.5 s of nbgrader's start-up that these commands never use
    if args.verb == "grade":
        from course.pipeline.grade_command import main as grade_main
        return grade_main(COURSE_ROOT, args.assignment, workers=args.workers,
                          force=args.force, lms_folder=args.from_lms,
                          scheduler=args.scheduler, engine=args.engine)
    if args.verb == "serve":
        from course.service.serve import main as serve_main, status
        if args.status:
            return status(COURSE_ROOT)
        return serve_main(COURSE_ROOT, exchange_root=args.exchange, once=args.once,
                          workers=args.workers, engine=args.engine)
    if args.verb == "report":
        from course.report import build_report
        print(f"report: {build_report(COURSE_ROOT, args.assignment)}")
        return 0
    if args.verb == "demo":
        from course.demo import main as demo_main
        demo_main()
        return 0
    from course.authoring.build_source import main as build_main
    return build_main([])


if __name__ == "__main__":
    sys.exit(main())
