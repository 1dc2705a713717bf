"""Faults of the grader, not of a student: they stop a grading run before a score is written.

A student is scored only for what the student's own code caused. When something of ours
fails (the grading engine or its sandbox will not start, the gradebook cannot be written),
no student is to blame, so no score may be written for it: the run stops with an error
that says what to do, and the next run grades what this one did not.

nbgrader catches every exception raised inside its converters and logs it as text, so a
fault is also recorded here, in the process that raised it, where the worker finds it by
type once nbgrader returns (`raise recorded(EngineUnavailable(...))`).
"""


class GraderFault(RuntimeError):
    """Something of ours failed; the message says what and what to do."""
    exit_code = 3


class EngineUnavailable(GraderFault):
    """The engine that runs notebooks (a kernel or the fork engine's zygote) cannot start."""


class GradebookUnavailable(GraderFault):
    """The gradebook cannot be read or written."""


raised: list[GraderFault] = []  # in this process, since the worker last cleared it


def recorded(fault: GraderFault) -> GraderFault:
    raised.append(fault)
    return fault
