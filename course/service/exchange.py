"""The service's side of nbgrader's exchange: what waits in inbound, collecting one
submission, releasing one student's feedback.

`nbgrader submit` puts a submission in <exchange>/<course>/inbound/ as a folder named
<student>+<assignment>+<timestamp>+<random>, owned by the student who ran it. Everything
in it is the student's: the name can claim any student, any timestamp; the folder can
hold links, pipes, thousands of files. So nothing is taken on trust: a name that does not
parse, a folder not owned by the student it names (when nbgrader's
CollectApp.check_owner is on, its default) or not a folder is rejected, and collecting
copies only plain files (course/pipeline/staging.py's rules), never following a link.
"""
import os
import pwd
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from nbgrader.utils import parse_utc

from course.pipeline.grading import SAFE_STUDENT_ID
from course.pipeline.staging import (MAX_NOTEBOOK_BYTES, SUBMISSION_SECRET, TIMESTAMP, UnsafeFile,
                                     read_plain_file, shown)

MAX_FILES = 50  # a submission is a few notebooks; a folder of thousands is not read through


@dataclass
class Inbound:
    """A folder in inbound, read from its name; `problem` says why it cannot be graded."""
    key: str
    student: str = ""
    assignment: str = ""
    submitted_at: str = ""
    problem: str = ""


def read_inbound(folder: Path, key: str, check_owner: bool) -> Inbound:
    if shown(key) != key:  # bytes that are not UTF-8: no text (nor ledger) can hold the name
        return Inbound(shown(key), problem="not a submission: its name is not UTF-8 text")
    parts = key.rsplit("+", 3)
    if len(parts) != 4:
        return Inbound(key, problem="not a submission: its name is not "
                                    "<student>+<assignment>+<timestamp>+<random>")
    student, assignment, submitted_at, _ = parts
    entry = Inbound(key, student, assignment, submitted_at)
    if not SAFE_STUDENT_ID.fullmatch(student):
        entry.problem = "the student id in its name is not one nbgrader can take"
    else:
        try:
            parse_utc(submitted_at)
        except Exception:  # whatever nbgrader's parser cannot read
            entry.problem = "the time in its name is not a time"
    if entry.problem:
        return entry
    try:
        info = os.lstat(folder / key)
    except OSError as error:
        entry.problem = f"could not be examined ({error.strerror})"
        return entry
    if not stat.S_ISDIR(info.st_mode):
        entry.problem = "not a folder (links are never followed)"
    elif check_owner and _owner(info.st_uid) != student:
        entry.problem = (f"submitted as {student} but owned by {_owner(info.st_uid)}: not "
                         "graded (nbgrader's CollectApp.check_owner)")
    return entry


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user id {uid}, unknown here"


def waiting(inbound: Path, known: set[str]) -> list[str]:
    """Names of the folders in inbound not seen before, oldest first (by the time the
    file system gave them, which a student cannot set), then by name."""
    found = []
    with os.scandir(inbound) as entries:
        for entry in entries:
            if entry.name not in known and not entry.name.startswith("."):
                try:
                    found.append((entry.stat(follow_symlinks=False).st_ctime, entry.name))
                except OSError:
                    found.append((0.0, entry.name))
    return [name for _, name in sorted(found)]


def collect(inbound: Path, key: str, root: Path, assignment: str, student: str,
            check_owner: bool) -> list[str]:
    """Copy one submission folder to submitted/<student>/<assignment>/, replacing what
    was there, as `nbgrader collect --update` would, but copying plain files only. The
    folder is opened once, without following a link, and every file is read through that
    open folder, so swapping the folder for a link after it was looked at reads nothing
    else. Returns what was left behind, in words; UnsafeFile if the folder itself is
    not the student's."""
    folder = os.open(inbound / key, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        owner = _owner(os.fstat(folder).st_uid)
        if check_owner and owner != student:
            raise UnsafeFile(f"submitted as {student} but owned by {owner}")
        names = sorted(os.listdir(folder))
        target = root / "submitted" / student / assignment
        incoming = target.parent / f".{assignment}.incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir(parents=True)
        problems = []
        for count, name in enumerate(names):
            if count == MAX_FILES:
                problems.append(f"{len(names) - MAX_FILES} more files in the submission, "
                                "not collected")
                break
            try:
                (incoming / name).write_bytes(read_plain_file(name, MAX_NOTEBOOK_BYTES, folder))
            except UnsafeFile as error:
                problems.append(f"{shown(name)}: {error}; not collected")
    finally:
        os.close(folder)
    if target.exists():
        shutil.rmtree(target)
    incoming.rename(target)
    return problems


def release_feedback(api, assignment: str, student: str) -> None:
    """nbgrader's own release_feedback for one student: the feedback files go to the
    exchange under the name only that submission's author can work out."""
    feedback = Path(api.coursedir.format_path(api.coursedir.feedback_directory, student,
                                              assignment))
    missing = [name for name in (TIMESTAMP, SUBMISSION_SECRET) if not (feedback / name).is_file()]
    if missing:  # nbgrader's release_feedback would stop on the first
        raise RuntimeError(f"the submission has no {' or '.join(missing)}: it was not made by "
                           "nbgrader submit, so no feedback name only its author knows")
    outcome = api.release_feedback(assignment, student)
    if not outcome["success"]:
        raise RuntimeError(f"release_feedback failed: {outcome.get('error') or outcome.get('log')}")
