"""A real JupyterLab on loopback and a headless Chromium driven by Playwright.

`make browser-test` runs these tests (they carry the ``browser`` mark, which the
plain unit run deselects). JupyterLab serves a throw-away copy of the notebooks,
signed as trusted the way `make lab` signs them, so that nothing the browser
does (autosave included) touches the committed files.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's probe starts it: no background traffic on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop screen


def pytest_collection_modifyitems(items):
    # Tests that need the browser or the server are slow: `make browser-test` runs them.
    for item in items:
        if {"browser", "lab", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _missing() -> str | None:
    if CHROMIUM is None:
        return ("Chromium is not installed (Debian package 'chromium'); `make browser-test` "
                "installs it with apt-get where it runs as root or with sudo.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `make browser-test` installs it into .venv."
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server: its address, token and REST API."""

    def __init__(self, url: str, token: str, root: Path, process: subprocess.Popen):
        self.url, self.token, self.root, self.process = url, token, root, process

    def page_url(self, path: str) -> str:
        """The notebook alone in a fresh workspace (no tabs restored from an earlier page)."""
        workspace = Path(path).stem.replace(".", "-")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_pid(self, kernel_id: str) -> int | None:
        """The kernel's process, found by its connection file on the command line."""
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    cmdline = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if f"kernel-{kernel_id}.json".encode() in cmdline:
                    return int(proc.name)
        return None


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    missing = _missing()
    if missing:
        pytest.skip(missing)
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns("student"))
    env = dict(os.environ, JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    jupyter = Path(sys.executable).parent / "jupyter"
    # The project's set-up signs the shipped notebooks (see `make lab`), so their
    # stored widget state renders before anything runs.
    subprocess.run([str(jupyter), "trust", *map(str, sorted(root.glob("[0-9]*.ipynb")))],
                   env=env, check=True, capture_output=True)
    # Render every cell, not only those scrolled into view, so the page can be read whole.
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = _free_port(), secrets.token_hex(16)
    args = [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={home / 'settings'}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    if os.geteuid() == 0:  # JupyterLab refuses root without it (containers, CI)
        args.append("--allow-root")
    log = (home / "lab.log").open("w")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = Lab(f"http://127.0.0.1:{port}", token, root, process)
    deadline = time.monotonic() + 90
    while True:
        try:
            server.api("status")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"JupyterLab did not start; its log:\n{(home / 'lab.log').read_text()}")
            time.sleep(0.5)
    yield server
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh page that records the page's own errors (uncaught exceptions)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture(scope="session")
def report(artifacts):
    """What the browser test measured, written to artifacts/browser/report.json."""
    data: dict = {}
    yield data
    (artifacts / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
