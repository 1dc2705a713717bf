"""A class on nbgrader's real exchange, for the service's tests and its benchmark: an
exchange folder, students as operating-system users (created here, as root, and removed
after), who run `nbgrader fetch_assignment`, `submit` and `fetch_feedback` as themselves.
"""
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from course.local_services import VENV_BIN, run_nbgrader
from course.submissions import Answers, write_submission

COURSE_ID = "activations"


class ExchangeClass:
    def __init__(self, root: Path, assignment: str, students: int):
        if os.geteuid() != 0:
            raise RuntimeError("students are operating-system users: run as root")
        self.root, self.assignment = root, assignment
        # not under /tmp, which the grading sandbox replaces; everyone may write, as nbgrader asks
        self.exchange = Path(tempfile.mkdtemp(prefix="course-exchange-", dir="/var/tmp"))
        os.chmod(self.exchange, 0o1777)
        self.tag = secrets.token_hex(3)
        self.students = [f"st{self.tag}{number:03d}" for number in range(students)]
        # the venv, and the Python it was made from (pyenv's lives in /root)
        interpreter = Path(os.path.realpath(sys.executable)).parent.parent
        self._opened = _open_path_to(VENV_BIN) + _open_path_to(interpreter)
        try:
            for student in self.students:
                subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", student],
                               check=True, capture_output=True)
            run_nbgrader(root, "release_assignment", assignment, "--force", *self.options)
        except BaseException:
            self.close()  # no user, folder or opened path left behind
            raise

    @property
    def options(self) -> list[str]:
        return [f"--Exchange.root={self.exchange}", f"--course={COURSE_ID}"]

    def home(self, student: str) -> Path:
        return Path(pwd.getpwnam(student).pw_dir)

    def as_student(self, student: str, *args: str) -> subprocess.CompletedProcess:
        """`nbgrader <args>` run by the student, in the student's home."""
        home = self.home(student)
        command = ["runuser", "-u", student, "--", "env", f"HOME={home}",
                   f"PATH={VENV_BIN}:/usr/bin:/bin", str(VENV_BIN / "nbgrader"), *args,
                   *self.options]
        return subprocess.run(command, cwd=home, capture_output=True, text=True)

    def fetch(self, student: str) -> None:
        self._check(self.as_student(student, "fetch_assignment", self.assignment))

    def work(self, student: str, answers: Answers) -> None:
        """The student's notebooks, filled in with `answers` (as if typed in JupyterLab)."""
        folder = self.home(student) / self.assignment
        write_submission(self.root / "release" / self.assignment, folder, answers)
        user = pwd.getpwnam(student)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)

    def submit(self, student: str, *extra: str) -> subprocess.CompletedProcess:
        return self.as_student(student, "submit", self.assignment, *extra)

    def fetch_feedback(self, student: str) -> dict[str, str]:
        """{submission time: {notebook: feedback HTML}} the student fetched."""
        self._check(self.as_student(student, "fetch_feedback", self.assignment))
        folder = self.home(student) / self.assignment / "feedback"
        return {stamp.name: {page.stem: page.read_text() for page in stamp.glob("*.html")}
                for stamp in sorted(folder.iterdir())} if folder.is_dir() else {}

    def close(self) -> None:
        for student in self.students:
            subprocess.run(["userdel", "--remove", student], capture_output=True)
        shutil.rmtree(self.exchange, ignore_errors=True)
        for path, mode in self._opened:
            os.chmod(path, mode)

    @staticmethod
    def _check(result: subprocess.CompletedProcess) -> None:
        if result.returncode != 0:
            raise RuntimeError(f"{result.args}: {result.stdout}{result.stderr}")


def _open_path_to(folder: Path) -> list[tuple[Path, int]]:
    """Let every user reach `folder` (a clone or its Python may live under /root): folders
    on the way get 'x' for others; returns their earlier modes, to put back."""
    opened = []
    for path in [*reversed(folder.resolve().parents), folder.resolve()]:
        mode = path.stat().st_mode & 0o7777
        if not mode & 0o001:
            os.chmod(path, mode | 0o001)
            opened.append((path, mode))
    return opened
