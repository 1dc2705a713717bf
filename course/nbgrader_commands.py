"""Running nbgrader's own commands from the course's tooling."""
import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
NBGRADER = str(VENV_BIN / "nbgrader")
# nbgrader runs `alembic` from PATH to create a new gradebook
ENVIRONMENT = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


class NbgraderFailed(RuntimeError):
    pass


def nbgrader(root: Path, *args: str, echo: bool = True) -> subprocess.CompletedProcess:
    """Run `nbgrader <args>` in the course folder `root`; raise with its log if it fails."""
    if echo:
        print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([NBGRADER, *args], cwd=root, env=ENVIRONMENT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed (exit {result.returncode}):\n"
                             f"{result.stdout}{result.stderr}")
    return result
