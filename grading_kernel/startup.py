"""Run by every grading kernel before the notebook's first cell (see nbgrader_config.py).

It puts the course root first on sys.path, imports the course's graders and reference
solutions from there, and locks the kernel down against tampering and borrowing: the
same start-up as the fast engine's (grading_kernel/zygote.py). The code runs in the notebook's
namespace, so it leaves no names behind. If it fails, the kernel exits before any cell.
"""


def _start_grading():
    import os
    import signal
    import sys
    import traceback

    course_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, course_root)
    try:
        from grading_kernel.protocol import CPU_LIMIT_VARIABLE
        from grading_kernel.zygote import import_course_modules, limit_cell_cpu_time, prepare_checks
        import_course_modules(course_root)
        prepare_checks(course_root)
        seconds = int(os.environ.pop(CPU_LIMIT_VARIABLE))  # set by the engine, always
        limit_cell_cpu_time(get_ipython(), seconds)  # noqa: F821 (IPython's)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the size limit fails
    except BaseException:
        # a kernel without the graders or the defences must not grade: it dies before
        # any cell, which the engine reports as a fault of ours (course/faults.py)
        traceback.print_exc()
        os._exit(1)


_start_grading()
del _start_grading
