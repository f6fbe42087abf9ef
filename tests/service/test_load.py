"""Many clients and two worker processes against one ledger; the server killed mid-load."""

import time

import pytest

from stealkit.service.load import run_load, run_load_through_a_crash, summarise
from stealkit.service.local import LocalService

BATCHES = [1, 100] * 5  # ten requests per client, 505 rows


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    with LocalService(tmp_path_factory.mktemp("load") / "ledger.db", workers=2,
                      options=("--rate-limit", "0")) as s:
        yield s


def test_twenty_clients_two_workers_exact_ledger(two_workers):
    keys = two_workers.keys(*(f"load{i}" for i in range(20)))
    start = time.perf_counter()
    logs = run_load(two_workers.url, keys, model="adult-softmax", n_features=105,
                    batches=BATCHES)
    summary = summarise(logs, time.perf_counter() - start)
    charged = two_workers.charged()
    assert summary["5xx seen"] == 0 and summary["errors"] == 0
    for log in logs:
        assert log.rows_answered == sum(BATCHES)
        assert charged[log.name] == log.rows_answered  # no lost and no double charge


def test_server_killed_mid_load_every_answer_is_in_the_ledger(tmp_path):
    server = LocalService(tmp_path / "ledger.db", workers=2, options=("--rate-limit", "0"))
    try:
        keys = server.keys(*(f"fault{i}" for i in range(10)))
        logs = run_load_through_a_crash(server, keys, model="adult-softmax", n_features=105,
                                        batches=[100] * 20, kill_after=1.0)
        charged = server.charged()
        assert sum(log.retries for log in logs) > 0  # the kill was felt
        for log in logs:
            assert not log.errors, log.errors
            assert log.rows_answered == 2000
            assert charged[log.name] == log.rows_answered  # retries were not charged twice
    finally:
        server.stop()
