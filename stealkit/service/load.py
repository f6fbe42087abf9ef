"""A load generator for the service: many clients at once, each request retried until answered.

Used by the load and fault tests and by ``benchmarks/service_load.py``. Each
client sends its requests one after the other; a request that fails in
transit (the server killed, a 5xx) is sent again with the same
``Idempotency-Key`` until it is answered or ``deadline`` seconds have passed,
so that every request is charged exactly once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ClientLog", "run_load", "run_load_through_a_crash", "summarise"]


@dataclass
class ClientLog:
    """What one client saw."""

    name: str
    rows_answered: int = 0
    requests: int = 0
    retries: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _client(url: str, key: str, model: str, n_features: int, batches: Sequence[int],
            log: ClientLog, seed: int, deadline: float) -> None:
    import httpx

    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=url, timeout=10.0,
                      headers={"Authorization": f"Bearer {key}"}) as http:
        for n in batches:
            rows = rng.uniform(-0.5, 0.5, (n, n_features)).tolist()
            idem = str(uuid.uuid4())
            start = time.perf_counter()
            give_up = time.monotonic() + deadline
            while True:
                try:
                    r = http.post(f"/v1/models/{model}/predict", json={"rows": rows},
                                  headers={"Idempotency-Key": idem})
                except httpx.TransportError as exc:
                    log.retries += 1
                    if time.monotonic() > give_up:
                        log.errors.append(f"gave up: {exc!r}")
                        break
                    time.sleep(0.2)
                    continue
                log.statuses.append(r.status_code)
                if r.status_code >= 500 and time.monotonic() < give_up:
                    log.retries += 1
                    time.sleep(0.2)
                    continue
                if r.status_code == 200:
                    log.rows_answered += len(r.json()["answers"])
                    log.latencies.append(time.perf_counter() - start)
                else:
                    log.errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                break
            log.requests += 1


def run_load(url: str, keys: dict[str, str], *, model: str, n_features: int,
             batches: Sequence[int], deadline: float = 60.0, seed: int = 0) -> list[ClientLog]:
    """One thread per key, each sending ``batches`` (rows per request) in turn."""
    logs = [ClientLog(name) for name in keys]
    threads = [threading.Thread(target=_client, args=(url, key, model, n_features, batches, log,
                                                      seed + i, deadline))
               for i, (log, key) in enumerate(zip(logs, keys.values(), strict=True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return logs


def run_load_through_a_crash(service, keys: dict[str, str], *, model: str, n_features: int,
                             batches: Sequence[int], kill_after: float = 1.0,
                             deadline: float = 120.0, seed: int = 0) -> list[ClientLog]:
    """:func:`run_load`, while ``service`` (a running
    :class:`~stealkit.service.local.LocalService`) is killed with SIGKILL after
    ``kill_after`` seconds and restarted on the same ledger and port."""
    result: dict[str, list[ClientLog]] = {}
    runner = threading.Thread(target=lambda: result.update(logs=run_load(
        service.url, keys, model=model, n_features=n_features, batches=batches,
        deadline=deadline, seed=seed)))
    runner.start()
    time.sleep(kill_after)
    service.kill()  # the server and its workers, in the middle of the load
    service.start()
    runner.join()
    return result["logs"]


def summarise(logs: Sequence[ClientLog], seconds: float) -> dict[str, float]:
    """Latency percentiles (ms), rows and requests per second, errors and 5xx seen."""
    lat = np.concatenate([log.latencies for log in logs]) if logs else np.empty(0)
    statuses = [s for log in logs for s in log.statuses]
    return {"clients": len(logs), "requests": sum(log.requests for log in logs),
            "rows": sum(log.rows_answered for log in logs),
            "p50 ms": float(np.percentile(lat, 50) * 1000) if len(lat) else float("nan"),
            "p99 ms": float(np.percentile(lat, 99) * 1000) if len(lat) else float("nan"),
            "rows per s": sum(log.rows_answered for log in logs) / seconds,
            "requests per s": sum(log.requests for log in logs) / seconds,
            "5xx seen": sum(s >= 500 for s in statuses),
            "retries": sum(log.retries for log in logs),
            "errors": sum(len(log.errors) for log in logs)}
