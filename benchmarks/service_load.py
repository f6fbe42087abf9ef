"""The live service under load: latency and throughput beside the in-process Oracle.

Starts ``stealkit serve --demo`` with two worker processes on a loopback port
(:class:`~stealkit.service.local.LocalService`), sends 20 concurrent clients ×
a fixed list of requests (batches of 1 and of 100 rows) at the Adult softmax
(:func:`~stealkit.service.load.run_load`), and checks the ledger against the
answers (no lost or double charge). Then kills the server (SIGKILL) in the
middle of a second load, restarts it on the same database, and checks again.
The in-process :class:`~stealkit.Oracle` answers the same batches for
comparison.

Run from the repository root: ``python benchmarks/service_load.py [--workers N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from stealkit.course import compare_with_paper
from stealkit.service.deployments import build
from stealkit.service.load import run_load, run_load_through_a_crash, summarise
from stealkit.service.local import LocalService

BATCHES = [1, 100] * 10


def in_process(batches) -> dict:
    oracle = build("adult-softmax").oracle
    rng = np.random.default_rng(0)
    lat = []
    start = time.perf_counter()
    for n in batches * 20:
        X = rng.uniform(-0.5, 0.5, (n, 105))
        t = time.perf_counter()
        oracle(X)
        lat.append(time.perf_counter() - t)
    seconds = time.perf_counter() - start
    return {"setting": "in-process Oracle (1 thread)", "clients": 1,
            "requests": len(lat), "rows": sum(batches) * 20,
            "p50 ms": float(np.percentile(lat, 50) * 1000),
            "p99 ms": float(np.percentile(lat, 99) * 1000),
            "rows per s": sum(batches) * 20 / seconds, "5xx seen": 0, "lost or double": 0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    rows = [in_process(BATCHES)]
    folder = Path(tempfile.mkdtemp(prefix="stealkit-load-"))
    with LocalService(folder / "load.db", workers=args.workers,
                      options=("--rate-limit", "0")) as server:
        keys = server.keys(*(f"client{i}" for i in range(20)))
        start = time.perf_counter()
        logs = run_load(server.url, keys, model="adult-softmax", n_features=105,
                        batches=BATCHES)
        summary = summarise(logs, time.perf_counter() - start)
        charged = server.charged()
        wrong = sum(charged[log.name] != log.rows_answered for log in logs)
        rows.append({"setting": f"HTTP, {args.workers} workers", **{
            k: summary[k] for k in ("clients", "requests", "rows", "p50 ms", "p99 ms",
                                    "rows per s", "5xx seen")}, "lost or double": wrong})

        keys = server.keys(*(f"fault{i}" for i in range(20)))
        start = time.perf_counter()
        logs = run_load_through_a_crash(server, keys, model="adult-softmax", n_features=105,
                                        batches=BATCHES, kill_after=1.0)
        summary = summarise(logs, time.perf_counter() - start)
        charged = server.charged()
        wrong = sum(charged[log.name] != log.rows_answered for log in logs)
        rows.append({"setting": "HTTP, SIGKILL at 1 s and restart", **{
            k: summary[k] for k in ("clients", "requests", "rows", "p50 ms", "p99 ms",
                                    "rows per s", "5xx seen")}, "lost or double": wrong,
            "retries": summary["retries"]})
    print(compare_with_paper(rows, caption="The live service under load (Adult softmax, "
                             "batches of 1 and 100 rows)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
