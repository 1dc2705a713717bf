"""A real JupyterLab on a copy of the course, driven by a real headless Chromium.

One JupyterLab server and one browser serve the whole session: on a two-core machine
each takes seconds to start. The browser is Debian's Chromium (/usr/bin/chromium, or
$CHROMIUM) driven by Playwright; nothing downloads a browser at run time. Without a
Chromium the tests skip, saying which package to install.

Each step of a journey saves a screenshot into tests/browser/output/<test name>/
($BROWSER_TEST_OUTPUT/<test name>/ when set); a failing test also saves `failed.png`
and the JupyterLab log beside them.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.lab import Screenshots
from tests.conftest import copy_course

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# running as root in a container: no sandbox; nothing the browser may fetch by itself
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage",
                  # every host name but the loopback fails to resolve: the journeys
                  # see the course as it works offline
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1400, "height": 900}
OUTPUT = Path(os.environ.get("BROWSER_TEST_OUTPUT", Path(__file__).parent / "output"))
VENV_BIN = Path(sys.executable).parent
SERVER_START_SECONDS = 90

# JupyterLab settings of a fresh profile, but for what would cover the screenshots, go
# online or hide text from the tests: no "Jupyter news?" question; every cell in the
# page, not only those scrolled into view (a cell is found by its position in the
# notebook file); the terminal's text also in the page, as a screen reader reads it.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/terminal-extension/plugin": {"screenReaderMode": True},
}


@dataclass
class JupyterLab:
    url: str
    token: str
    root: Path
    log: Path

    def lab_url(self, workspace: str, path: str = "") -> str:
        """The URL that opens `path` in a fresh JupyterLab workspace of its own."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab/workspaces/{workspace}{tree}?reset&token={self.token}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_lab_settings(config_dir: Path) -> None:
    for plugin, settings in LAB_SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        path = config_dir / "lab" / "user-settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


def wait_until_serving(server: subprocess.Popen, status_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n"
                       f"{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM lets JupyterLab shut its kernels down; whatever is left of its process
    group (it runs in a session of its own) is killed after 15 s."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory) -> Path:
    """The course as an instructor checks it out, in a temporary folder: JupyterLab's
    root, and the working folder of every nbgrader command the journeys run."""
    return copy_course(tmp_path_factory.mktemp("browser") / "course")


def start_jupyterlab(root: Path, home: Path, token: str) -> tuple[subprocess.Popen, str]:
    """Start `jupyter lab` on a free port; (server, its URL) once it answers. A port
    another process takes between our probe and the server's bind is tried again."""
    environment = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # a fresh Jupyter profile: no user settings, workspaces or config from ~
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        # JupyterLab's terminal runs $SHELL, or sh where it is unset (as in CI);
        # the README's instructions are for bash
        "SHELL": shutil.which("bash") or "/bin/bash",
    }
    log = home / "jupyterlab.log"
    for _ in range(3):
        port = free_port()
        command = [str(VENV_BIN / "jupyter"), "lab", "--no-browser",
                   f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:
            command.append("--ServerApp.allow_root=True")
        with open(log, "w") as log_file:
            server = subprocess.Popen(command, cwd=root, env=environment,
                                      stdout=log_file, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(server, f"{url}/api/status?token={token}", log)
            return server, url
        except RuntimeError:
            stop(server)
            if "already in use" not in log.read_text():
                raise
    raise RuntimeError(f"no free port for JupyterLab after 3 tries:\n{log.read_text()}")


@pytest.fixture(scope="session")
def jupyterlab(course_copy, tmp_path_factory) -> JupyterLab:
    """`jupyter lab` from the venv on a free loopback port, started in the course copy
    so that its nbgrader_config.py applies to the formgrader and to Validate."""
    home = tmp_path_factory.mktemp("jupyter")
    write_lab_settings(home / "config")
    token = secrets.token_hex(16)
    server, url = start_jupyterlab(course_copy, home, token)
    try:
        yield JupyterLab(url, token, course_copy, home / "jupyterlab.log")
    finally:
        stop(server)


def pytest_collection_modifyitems(config, items):
    """Without a Chromium, skip these tests before anything starts for them."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=(
        f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium "
        "fonts-dejavu-core fonts-liberation) or set $CHROMIUM to one; these tests "
        "never download a browser"))
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def screenshots(request) -> Screenshots:
    """Numbered screenshots of the steps of this test, in its own output folder."""
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


@pytest.fixture
def page(browser, jupyterlab, screenshots, request):
    """A new tab; when the test fails, its last state and the server's log are saved."""
    tab = browser.new_page()
    yield tab
    if getattr(request.node, "call_failed", False):
        tab.screenshot(path=screenshots.folder / "failed.png")
        shutil.copy(jupyterlab.log, screenshots.folder / "jupyterlab.log")
    tab.close()
