"""A service on this machine, for a notebook, a test or a benchmark.

:class:`LocalService` starts the real server (a subprocess on a free loopback
port, its own SQLite file), waits until it answers, keeps the instructor key
it printed, and stops it (``with`` block, or :meth:`stop`).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["LocalService", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalService:
    """``stealkit serve --demo`` (or ``--config FILE``) on ``127.0.0.1``, in the background.

    Parameters
    ----------
    db : path, optional
        The ledger's SQLite file (default: a new temporary file).
    workers : int, default=1
    config : path, optional
        A TOML configuration instead of the demo victims.
    options : sequence of str
        More ``stealkit serve`` flags, e.g. ``("--detector", "block")``.
    """

    def __init__(self, db: str | Path | None = None, *, workers: int = 1,
                 config: str | Path | None = None, options: tuple[str, ...] = (),
                 timeout: float = 120.0):
        if db is None:
            db = Path(tempfile.mkdtemp(prefix="stealkit-service-")) / "ledger.db"
        self.db, self.port = str(db), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        source = ("--config", str(config)) if config else ("--demo",)
        self.args = [sys.executable, "-m", "stealkit.service.cli", "serve", *source, "--db",
                     self.db, "--port", str(self.port), "--workers", str(workers), *options]
        self.instructor: str | None = None
        self.timeout = timeout
        self.start()

    def start(self) -> LocalService:
        """Start (or restart, on the same database and port) and wait until it answers."""
        import httpx

        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        deadline = time.time() + self.timeout
        seen = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            seen.append(line)
            found = re.search(r"Instructor key \(shown once\): (\S+)", line)
            if found:
                self.instructor = found.group(1)
            if line.startswith("Serving on"):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("stealkit serve exited:\n" + "".join(seen)
                                   + self.proc.stdout.read())
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"stealkit serve did not answer within {self.timeout:.0f} s.")

    def kill(self) -> None:
        """SIGKILL the server and its workers (a crash, for fault tests)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def admin(self, method: str, path: str, **kwargs: Any):
        """A request with the instructor's key."""
        import httpx

        headers = {"Authorization": f"Bearer {self.instructor}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, timeout=30, headers=headers, **kwargs)

    def keys(self, *names: str, budget: int | None = None,
             price: float | None = None) -> dict[str, str]:
        """Create keys; ``{name: key}``."""
        r = self.admin("POST", "/v1/admin/keys",
                       json={"names": list(names), "budget": budget, "price": price})
        if r.status_code != 200:
            raise RuntimeError(f"Could not create keys: {r.text}")
        return {k["name"]: k["key"] for k in r.json()["keys"]}

    def charged(self) -> dict[str, int]:
        """Queries charged per key, from the ledger."""
        return self.admin("GET", "/v1/admin/usage").json()["charged"]

    def __repr__(self) -> str:
        state = "running" if self.proc.poll() is None else "stopped"
        return f"LocalService({self.url!r}, {state}, db={self.db!r})"
