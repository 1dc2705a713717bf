"""Stage a submission for grading: copy only what may be graded, and repair what nbgrader
cannot take, so that each notebook is graded on its own.

A submission is untrusted bytes. Staging never follows a link and never reads anything
but plain files: a symbolic or hard link, a folder where a notebook belongs, a device, a
named pipe or a socket is never opened or copied (`file_problem`, one rule per kind).
The assignment is its notebooks: only the release's notebooks (or one renamed copy of
each), the timestamp and the exchange's submission secret are staged; any other file is
listed and left behind, so no file beside a notebook can stand in for a course module or
fill the disk.

Each notebook is rebuilt from its cells before nbgrader sees it (`repaired_notebook`):
cells keep their type and source, and each nbgrader cell gets back the release's own
metadata (ids, points, schema version), whatever the student's copy says; cells with ids
the release does not have, or a second cell with the same id, become ordinary cells. A
notebook that cannot be read at all is graded as the untouched release (0 points).
Submissions are never modified: nbgrader grades the staged copy.
"""
import copy
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

STAGING = ".grading/staged"  # relative to the course root; hidden from the sandbox
TIMESTAMP = "timestamp.txt"
# nbgrader submit writes it; release_feedback names the student's feedback by it
SUBMISSION_SECRET = "submission_secret.txt"
MAX_NOTEBOOK_BYTES = 20 * 2**20  # a notebook with its outputs and images; larger is not one
MAX_TIMESTAMP_BYTES = 1024
MAX_LISTED = 5  # ignored files named in the report; the rest are counted


class UnsafeFile(Exception):
    """A submitted entry that staging will not read; its message says what it is."""


class Unreadable(Exception):
    """A submitted file that is not a notebook nbgrader could grade; says why."""


@dataclass
class Staged:
    """What staging made of one submission."""
    problems: list[str] = field(default_factory=list)  # in plain words, for the report


def file_problem(path: Path, max_bytes: int, dir_fd: int | None = None) -> str | None:
    """Why `path` may not be read as a submitted file, or None if it is a plain file of at
    most `max_bytes`. The path itself is examined, never what a link points to (with
    `dir_fd`, `path` is a name in that open folder)."""
    try:
        info = os.lstat(path, dir_fd=dir_fd)
    except OSError as error:
        return f"could not be examined ({error.strerror})"
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link, not a file (links are never followed)"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if not stat.S_ISREG(mode):
        return "not a plain file"
    if info.st_nlink > 1:  # its content is also another file's, possibly one we must not read
        return "a hard link to another file (links are never followed)"
    if info.st_size > max_bytes:
        return f"{_size(info.st_size)}, over the {_size(max_bytes)} limit"
    return None


def read_plain_file(path: Path, max_bytes: int, dir_fd: int | None = None) -> bytes:
    """The bytes of a plain submitted file; UnsafeFile (saying what it is) otherwise.
    The file is checked again once open, so swapping it for a link in between is caught."""
    problem = file_problem(path, max_bytes, dir_fd)
    if problem:
        raise UnsafeFile(problem)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as error:
        raise UnsafeFile(f"could not be opened ({error.strerror})") from None
    with open(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            raise UnsafeFile("changed into something other than a plain file while read")
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeFile(f"grew past the {_size(max_bytes)} limit while read")
    return data


def shown(name: str) -> str:
    """A file name as words: bytes that are not UTF-8 (a name can hold any) replaced."""
    return os.fsencode(name).decode("utf-8", "replace")


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MiB" if count >= 2**20 else f"{count} bytes"


def submission_folder_problem(root: Path, assignment: str, student: str) -> str | None:
    """Why submitted/<student>/<assignment> is not a real folder of the course, or None."""
    for path in (root / "submitted" / student, root / "submitted" / student / assignment):
        try:
            info = os.lstat(path)
        except OSError as error:
            return f"the submission folder could not be examined ({error.strerror})"
        if not stat.S_ISDIR(info.st_mode):
            return (f"{path.relative_to(root)} is a symbolic link, not a folder (links are never "
                    "followed)" if stat.S_ISLNK(info.st_mode) else
                    f"{path.relative_to(root)} is not a folder")
    return None


def submission_digest(folder: Path) -> str:
    """A fingerprint of everything submitted, without following links: names, kinds,
    sizes and times of all files, and the bytes of the notebooks and timestamp.txt beside
    them (the only files staging reads), so a folder of junk costs a listing, not a read."""
    digest = hashlib.sha256()
    for path in (folder.parent, folder):  # a linked submission folder is not entered
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            target = os.readlink(path) if stat.S_ISLNK(info.st_mode) else ""
            digest.update(f"{path.name}:{stat.S_IFMT(info.st_mode)}:{target}".encode(
                "utf-8", "replace"))
            return digest.hexdigest()
    for directory, folders, files in os.walk(folder, followlinks=False):
        folders.sort()
        for name in sorted(files + [f for f in folders if os.path.islink(os.path.join(directory, f))]):
            path = Path(directory, name)
            info = os.lstat(path)
            digest.update(os.fsencode(path.relative_to(folder)) + b"\0")
            digest.update(f"{stat.S_IFMT(info.st_mode)}:{info.st_size}:{info.st_nlink}".encode())
            readable = directory == str(folder) and (name.endswith(".ipynb") or name == TIMESTAMP)
            if readable and stat.S_ISREG(info.st_mode) and info.st_size <= MAX_NOTEBOOK_BYTES:
                try:
                    digest.update(read_plain_file(path, MAX_NOTEBOOK_BYTES))
                except UnsafeFile:
                    digest.update(str(info.st_mtime_ns).encode())
            else:
                digest.update(str(info.st_mtime_ns).encode())
    return digest.hexdigest()


# ---- notebooks ----------------------------------------------------------------------
def _nbgrader_metadata(cell: dict):
    metadata = cell.get("metadata")
    return metadata.get("nbgrader") if isinstance(metadata, dict) else None


def _grade_id(cell: dict):
    metadata = _nbgrader_metadata(cell)
    return metadata.get("grade_id") if isinstance(metadata, dict) else None


def _text(value) -> str | None:
    """A cell's source as one string (nbformat allows a string or a list of strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return None


def _load_cells(data: bytes) -> list:
    """The cells of a submitted notebook file, as plain JSON; Unreadable if there are none."""
    if not data.strip():
        raise Unreadable("empty file")
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"not a notebook: invalid JSON ({str(error)[:120]})") from None
    if not isinstance(raw, dict):
        raise Unreadable("not a notebook: no cells")
    try:  # JSON may spell lone surrogates ("\\ud800"), which no file can hold: replace them
        raw = json.loads(json.dumps(raw, ensure_ascii=False).encode("utf-8", "replace"))
    except RecursionError:
        raise Unreadable("not a notebook: nested too deeply") from None
    if raw.get("nbformat") != 4:  # an old format: let nbformat convert it
        try:
            raw = nbformat.convert(nbformat.from_dict(raw), 4)
        except Exception as error:  # any shape nbformat cannot convert
            raise Unreadable(f"not a notebook nbformat can read ({type(error).__name__})") from None
    if not isinstance(raw.get("cells"), list):
        raise Unreadable("not a notebook: no list of cells")
    return raw["cells"]


def repaired_notebook(data: bytes, release: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The submitted notebook rebuilt on the release's structure (see the top), and the
    repairs made, in words. Unreadable if it is not a notebook at all."""
    expected = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in release.cells
                if "nbgrader" in cell.metadata}
    notebook = nbformat.v4.new_notebook(metadata=copy.deepcopy(release.metadata))
    unknown, duplicated, restored, dropped, seen = [], [], [], 0, set()
    for raw_cell in _load_cells(data):
        source = _text(raw_cell.get("source")) if isinstance(raw_cell, dict) else None
        cell_type = raw_cell.get("cell_type") if isinstance(raw_cell, dict) else None
        if source is None or cell_type not in ("code", "markdown", "raw"):
            dropped += 1
            continue
        metadata, grade_id = None, None
        if _nbgrader_metadata(raw_cell) is not None:
            grade_id = _grade_id(raw_cell)
            if not isinstance(grade_id, str) or grade_id not in expected:
                unknown.append(str(grade_id)[:40])
            elif grade_id in seen:
                duplicated.append(grade_id)
            else:
                seen.add(grade_id)
                original = expected[grade_id]
                metadata = copy.deepcopy(original.metadata)
                if _nbgrader_metadata(raw_cell) != original.metadata["nbgrader"] \
                        or cell_type != original.cell_type:
                    restored.append(grade_id)
                cell_type = original.cell_type
        cell = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
                "raw": nbformat.v4.new_raw_cell}[cell_type](source)
        if metadata is not None:
            cell.metadata = metadata
            cell.id = expected[grade_id].id
        else:
            cell.id = f"submitted-{len(notebook.cells)}"
        if cell_type == "markdown" and isinstance(raw_cell.get("attachments"), dict):
            cell.attachments = raw_cell["attachments"]  # pictures in a written answer
        notebook.cells.append(cell)
    repairs = []
    if unknown:
        repairs.append(f"cells with unknown nbgrader ids ({', '.join(unknown[:MAX_LISTED])}) "
                       "graded as ordinary cells; the missing test cells were put back")
    if duplicated:
        repairs.append(f"second copies of cells {', '.join(sorted(set(duplicated))[:MAX_LISTED])} "
                       "kept as ordinary cells (the first copy is graded)")
    if restored:
        repairs.append(f"nbgrader metadata of cells {', '.join(restored[:MAX_LISTED])} differed "
                       "from the release and was restored")
    if dropped:
        repairs.append(f"{dropped} malformed cell(s) dropped")
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError:  # only attachments come from the student as they are
        for cell in notebook.cells:
            cell.pop("attachments", None)
        repairs.append("malformed attachments dropped")
    return notebook, repairs


# ---- the submission -----------------------------------------------------------------
def stage_submission(root: Path, assignment: str, student: str) -> Staged:
    """Copy a submission to the staging folder (see the top); returns what was found."""
    submitted = root / "submitted" / student / assignment
    staged = root / STAGING / student / assignment
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    release = {path.stem: nbformat.read(path, as_version=4)
               for path in sorted((root / "release" / assignment).glob("*.ipynb"))}
    result = Staged()
    folder_problem = submission_folder_problem(root, assignment, student)
    if folder_problem:
        result.problems.append(f"{folder_problem}; every notebook graded as the untouched "
                               "release (0 points)")
        _stage_untouched(release, staged)
        return result
    entries = sorted(os.listdir(submitted))
    candidates = {}  # notebook files that are not the expected names: renamed copies?
    # (the first MAX_LISTED only: each may be read, and a folder can hold thousands)
    ignored = []
    for name in entries:
        if name.endswith(".ipynb") and name[:-len(".ipynb")] in release \
                or name in (TIMESTAMP, SUBMISSION_SECRET):
            continue
        if name.endswith(".ipynb") and len(candidates) < MAX_LISTED \
                and file_problem(submitted / name, MAX_NOTEBOOK_BYTES) is None:
            candidates[name] = submitted / name
        elif name != ".ipynb_checkpoints":
            ignored.append(name)
    for stem, release_notebook in release.items():
        name = f"{stem}.ipynb"
        path = submitted / name
        if not os.path.lexists(path):
            renamed = _find_renamed(candidates, release_notebook)
            if renamed is None:
                result.problems.append(f"{name}: missing (scored 0)")
                continue
            result.problems.append(f"{name}: submitted as '{shown(renamed)}', graded under its "
                                   "expected name")
            path = candidates.pop(renamed)
        try:
            notebook, repairs = repaired_notebook(read_plain_file(path, MAX_NOTEBOOK_BYTES),
                                                  release_notebook)
        except (UnsafeFile, Unreadable) as error:
            result.problems.append(f"{name}: {error}; graded as the untouched release (0 points)")
            notebook, repairs = release_notebook, []
        nbformat.write(notebook, staged / name)
        result.problems += [f"{name}: {repair}" for repair in repairs]
    ignored += sorted(candidates)
    for name in ignored[:MAX_LISTED]:
        reason = file_problem(submitted / name, MAX_NOTEBOOK_BYTES)
        result.problems.append(f"{shown(name)}: not part of the assignment, ignored"
                               + (f" ({reason})" if reason else ""))
    if len(ignored) > MAX_LISTED:
        result.problems.append(f"{len(ignored) - MAX_LISTED} more files not part of the "
                               "assignment, ignored")
    _stage_timestamp(submitted / TIMESTAMP, staged / TIMESTAMP, result)
    _stage_secret(submitted / SUBMISSION_SECRET, staged / SUBMISSION_SECRET, result)
    if not any(staged.glob("*.ipynb")):  # nbgrader cannot grade a submission of no notebook
        _stage_untouched(release, staged)
    return result


def _stage_untouched(release: dict, staged: Path) -> None:
    """The release's notebooks as the submission: graded, each worth 0 points."""
    for stem, notebook in release.items():
        nbformat.write(notebook, staged / f"{stem}.ipynb")


def _stage_timestamp(path: Path, target: Path, result: Staged) -> None:
    """nbgrader reads the submission time (for late penalties) from timestamp.txt."""
    if not os.path.lexists(path):
        return
    from nbgrader.utils import parse_utc
    try:
        text = read_plain_file(path, MAX_TIMESTAMP_BYTES).decode().strip()
        if text:
            parse_utc(text)
    except UnsafeFile as error:
        result.problems.append(f"{TIMESTAMP}: {error}; ignored (no submission time)")
    except Exception:  # anything nbgrader's parser cannot read would stop nbgrader
        result.problems.append(f"{TIMESTAMP}: not a time nbgrader can read; ignored "
                               "(no submission time)")
    else:
        target.write_text(text)


def _stage_secret(path: Path, target: Path, result: Staged) -> None:
    """The secret nbgrader submit wrote (hex digits), which release_feedback needs to name
    the student's feedback so that only the student finds it."""
    if not os.path.lexists(path):
        return
    try:
        text = read_plain_file(path, MAX_TIMESTAMP_BYTES).decode("ascii").strip()
    except (UnsafeFile, UnicodeDecodeError):
        text = ""
    if text and all(c in "0123456789abcdef" for c in text):
        target.write_text(text)
    else:
        result.problems.append(f"{SUBMISSION_SECRET}: not a secret nbgrader submit wrote; "
                               "ignored (its feedback cannot be released through the exchange)")


def _find_renamed(candidates: dict, release_notebook: NotebookNode) -> str | None:
    """The one candidate notebook that carries most of the expected notebook's cells."""
    expected_ids = {cell.metadata["nbgrader"]["grade_id"] for cell in release_notebook.cells
                    if "nbgrader" in cell.metadata}
    matches = []
    for name, path in candidates.items():
        try:
            cells = _load_cells(read_plain_file(path, MAX_NOTEBOOK_BYTES))
            ids = {_grade_id(cell) for cell in cells if isinstance(cell, dict)
                   and isinstance(_grade_id(cell), str)}
        except (UnsafeFile, Unreadable):
            continue
        if len(ids & expected_ids) > len(expected_ids) / 2:
            matches.append(name)
    return matches[0] if len(matches) == 1 else None
