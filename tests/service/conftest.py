"""A real ``stealkit serve`` on a loopback port (a subprocess, its own SQLite file)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db, *, workers=1, extra=()):
        self.db, self.port = str(db), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [sys.executable, "-m", "stealkit.service.cli", "serve", "--demo", "--db",
                     self.db, "--port", str(self.port), "--workers", str(workers), *extra]
        self.instructor = None
        self.start()

    def start(self, timeout=120):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True, env=os.environ.copy())
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(r"Instructor key \(shown once\): (\S+)", line)
            if m:
                self.instructor = m.group(1)
            if line.startswith("Serving on"):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("stealkit serve exited: " + line + self.proc.stdout.read())
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise RuntimeError("stealkit serve did not answer in time")

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self, method, path, **kw):
        return httpx.request(method, self.url + path, timeout=30,
                             headers={"Authorization": f"Bearer {self.instructor}"}, **kw)

    def keys(self, *names, budget=None, price=None):
        r = self.admin("POST", "/v1/admin/keys",
                       json={"names": list(names), "budget": budget, "price": price})
        assert r.status_code == 200, r.text
        return {k["name"]: k["key"] for k in r.json()["keys"]}

    def charged(self):
        return self.admin("GET", "/v1/admin/usage").json()["charged"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("service") / "ledger.db", extra=("--rate-limit", "0"))
    yield s
    s.stop()
