"""The ``stealkit`` command: serve the prediction service, create keys.

``stealkit serve [--config FILE] [--demo] [--db FILE] [--host HOST] [--port PORT] [--workers N]``
runs the service with uvicorn (``--demo``: the course's demo victims, no file
needed). On a database without an instructor key it creates one and prints
it once. ``stealkit keys create NAME... --budget N [--price P] --db FILE``
prints one ``name,key`` line per student (``--admin`` for instructors).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from stealkit.service.app import ENV
from stealkit.service.ledger import Ledger

__all__ = ["main"]


def _serve(args) -> int:
    import uvicorn

    if not args.demo and not args.config:
        print("stealkit serve: give --config FILE or --demo.", file=sys.stderr)
        return 2
    if args.config and not os.path.isfile(args.config):
        print(f"stealkit serve: no configuration file at {args.config!r}.", file=sys.stderr)
        return 2
    ledger = Ledger(args.db)
    if not any(a.admin for a in ledger.accounts()):
        (name, key), = ledger.create_keys(["instructor"], admin=True)
        print(f"Instructor key (shown once): {key}", flush=True)
    ledger.close()
    os.environ[ENV] = json.dumps({
        "db": os.path.abspath(args.db), "config": args.config and os.path.abspath(args.config),
        "seed": args.seed,
        "options": {"detector": args.detector, "delta": args.delta,
                    "rate_limit": args.rate_limit, "max_batch": args.max_batch}})
    print(f"Serving on http://{args.host}:{args.port} (docs: /docs, dashboard: /dashboard)",
          flush=True)
    uvicorn.run("stealkit.service.app:app_from_env", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_level=args.log_level)
    return 0


def _keys(args) -> int:
    ledger = Ledger(args.db)
    try:
        made = ledger.create_keys(args.names, budget=args.budget, price=args.price,
                                  admin=args.admin)
    except ValueError as exc:
        print(f"stealkit keys create: {exc}", file=sys.stderr)
        return 2
    print("name,key")
    for name, key in made:
        print(f"{name},{key}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="stealkit", description="The course's prediction service.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the prediction service")
    s.add_argument("--config", help="TOML file: [service] settings and [[models]]")
    s.add_argument("--demo", action="store_true", help="serve the course's demo victims")
    s.add_argument("--db", default="stealkit-service.db", help="SQLite file of the accounts")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--seed", type=int, default=0, help="the demo victims' seed")
    s.add_argument("--detector", choices=("record", "warn", "block"), default=None)
    s.add_argument("--delta", type=float, default=None, help="PRADA's threshold δ")
    s.add_argument("--rate-limit", type=float, default=None,
                   help="requests per second per key (0: none)")
    s.add_argument("--max-batch", type=int, default=None, help="rows per request at most")
    s.add_argument("--log-level", default="warning")
    k = sub.add_parser("keys", help="manage API keys")
    ksub = k.add_subparsers(dest="action", required=True)
    c = ksub.add_parser("create", help="create keys, print name,key lines")
    c.add_argument("names", nargs="+")
    c.add_argument("--budget", type=int, default=None, help="queries per key")
    c.add_argument("--price", type=float, default=None, help="price per query (overrides the "
                   "model's)")
    c.add_argument("--admin", action="store_true", help="instructor keys")
    c.add_argument("--db", required=True)
    args = p.parse_args(argv)
    return _serve(args) if args.command == "serve" else _keys(args)


if __name__ == "__main__":
    sys.exit(main())
