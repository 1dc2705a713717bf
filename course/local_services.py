"""Real services started on this machine, for the tests and the benchmarks: a PostgreSQL
server in a temporary folder, a Dask cluster on loopback (the `dask` command line, as an
instructor starts one), nbgrader run as a command from the course's venv.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(**extra) -> dict:
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **extra}


def run_nbgrader(root: Path, *args, db_url: str | None = None) -> None:
    env = environment(**({"COURSE_DB_URL": db_url} if db_url else {}))
    result = subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=root, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)}: {result.stdout}{result.stderr}")


# ---- a Dask cluster on loopback -------------------------------------------------------
class DaskCluster:
    """`dask scheduler` and `dask worker` processes, as an instructor starts them."""

    def __init__(self, root: Path, workers: int = 2):
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        env = environment(PYTHONPATH=str(root))
        dask = str(VENV_BIN / "dask")
        self.scheduler = subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # no nanny: a killed worker stays dead, its tasks must go to the other one
        self.workers = [subprocess.Popen(
            [dask, "worker", self.address, "--nthreads", "1", "--no-nanny",
             "--host", "127.0.0.1", "--no-dashboard"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(workers)]
        import distributed

        with distributed.Client(self.address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
            self.pids = client.run(os.getpid)  # {worker address: process id}

    def close(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---- a PostgreSQL server in a temporary folder -----------------------------------------
class PostgresServer:
    """Debian's PostgreSQL in a temporary folder, on a free port, trusting local users."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.port = free_port()
        # PostgreSQL refuses to run as root: then run it as the 'postgres' user
        self.prefix = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                           "--clear-groups"]
        self.data = self.folder / "data"
        self._run("initdb", "-D", str(self.data), "-U", "grader", "--auth=trust",
                  "--encoding=UTF8", "--locale=C")
        self.start()

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} "
                        f"-c unix_socket_directories={self.folder} -c max_connections=100",
                  "start")

    def pause(self) -> None:
        """Shut the server down, keeping its data: start() brings it back."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.prefix, str(self.bin_dir / program), *args],
                                capture_output=True, text=True, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{program}: {result.stdout}{result.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://grader@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        self.pause()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None
