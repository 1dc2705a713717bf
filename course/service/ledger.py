"""The service's ledger: every submission it has seen, and how far it got.

One SQLite file in the course (.grading/service/ledger.db), written before each step is
taken, so that a service killed at any moment starts again where it was: a submission
that was being graded is queued again (nbgrader's autograde replaces a student's grade,
so grading it again leaves one grade), nothing seen is forgotten, nothing done is redone.

A submission's states:
    queued      seen, waiting to be graded (`detail` says why it waits, if it does)
    grading     being graded now
    graded      graded; its feedback held back (the course shows nothing before the deadline)
    released    graded and its feedback released to the student
    superseded  a newer submission of the same student was graded in its place
    rejected    never graded (`detail` says why: not the student's, not a submission)
    failed      grading it stopped the grading worker every time it was tried
"""
import sqlite3
from dataclasses import dataclass
from pathlib import Path

DONE = ("graded", "released", "superseded", "rejected", "failed")


@dataclass
class Entry:
    key: str            # the submission's folder name in the exchange's inbound
    assignment: str
    student: str
    submitted_at: str   # as the folder name says (the student's side wrote it)
    seen: float         # when the service first saw it (its clock)
    state: str
    detail: str = ""
    attempts: int = 0   # gradings started
    gradings: int = 0   # gradings finished
    started: float | None = None   # when its last grading started
    finished: float | None = None  # when its feedback was released (or its grading ended)
    shown: str = ""     # its feedback: "hints" or "score" (released), "held" (until due)
    score: float | None = None  # after nbgrader's late penalty
    max_score: float | None = None


COLUMNS = tuple(Entry.__dataclass_fields__)
SCHEMA = f"""CREATE TABLE IF NOT EXISTS submission (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    {', '.join(f'{name} {"TEXT UNIQUE NOT NULL" if name == "key" else ""}' for name in COLUMNS)})"""


class Ledger:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit: each change is on disk when the call returns
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def add(self, entry: Entry) -> bool:
        """Record a submission seen for the first time; False if it was already known."""
        cursor = self.db.execute(
            f"INSERT OR IGNORE INTO submission ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(COLUMNS))})",
            tuple(getattr(entry, name) for name in COLUMNS))
        return cursor.rowcount == 1

    def known(self) -> set[str]:
        return {key for (key,) in self.db.execute("SELECT key FROM submission")}

    def update(self, key: str, **fields) -> None:
        assert set(fields) <= set(COLUMNS) - {"key"}, fields
        self.db.execute(f"UPDATE submission SET {', '.join(f'{name} = ?' for name in fields)} "
                        "WHERE key = ?", (*fields.values(), key))

    def entries(self, *states: str) -> list[Entry]:
        """Entries in the order they arrived, of the given states (all if none)."""
        where = f"WHERE state IN ({', '.join('?' * len(states))})" if states else ""
        rows = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM submission {where} "
                               "ORDER BY position", states)
        return [Entry(*row) for row in rows]

    def resume(self) -> int:
        """After a stop mid-grading: what was being graded is queued again."""
        return self.db.execute("UPDATE submission SET state = 'queued', "
                               "detail = 'queued again: the service stopped while grading it' "
                               "WHERE state = 'grading'").rowcount

    def last_graded(self, assignment: str, student: str) -> float | None:
        """When the student's last finished grading of the assignment started (for the
        rate limit; a grading that a fault or a stop cut short does not count)."""
        (started,), = self.db.execute(
            "SELECT MAX(started) FROM submission WHERE assignment = ? AND student = ? "
            "AND state IN ('graded', 'released')", (assignment, student))
        return started
