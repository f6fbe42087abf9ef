"""A real ``stealkit serve`` on a loopback port (a subprocess, its own SQLite file)."""

import pytest

from stealkit.service.local import LocalService


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LocalService(tmp_path_factory.mktemp("service") / "ledger.db",
                      options=("--rate-limit", "0")) as s:
        yield s
