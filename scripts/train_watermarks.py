"""Train the watermark suite of notebook 04 and write the shipped weights with their manifest.

    python scripts/train_watermarks.py                # the shipped weights (seed 0)
    python scripts/train_watermarks.py --quick --out /tmp/wm   # a smoke test

Cost of the default schedule (Schedule()): about 17 epoch-equivalents of the
paper's small CNN over 50,000 MNIST images (clean 4 epochs, victim 2 + 2 with
every other step a watermark step for the backdoor and for EWE, 3 copies of
10 epochs over 10,000 attacker images, one independent model): about 15 min
on one CPU thread of a quiet 2-core machine, a minute or two on a GPU. The
paper's schedule (10 + 10 epochs, batch 512) would be about 45 min on 2 CPU
cores for the victim alone.

Torch runs on one thread by default (the course's machines are small and
shared); ``--threads`` changes it. A GPU is used when present.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from stealkit.watermark.pretrained import WEIGHTS, Schedule, save_suite, train_suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="folder for the weights")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="1-epoch smoke-test schedule")
    parser.add_argument("--output", choices=("label", "proba"), default=None,
                        help="what the victims' APIs answer the attacker (default: the "
                        "schedule's, probabilities)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    schedule = Schedule.quick() if args.quick else Schedule()
    if args.output is not None:
        schedule = replace(schedule, output=args.output)
    start = time.perf_counter()
    suite = train_suite(rng=args.seed, schedule=schedule, progress=not args.no_progress)
    command = "python scripts/train_watermarks.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    manifest = save_suite(suite, args.out, command=command.strip())
    m = suite.metrics
    print(f"{suite!r}\nwrote {manifest} after {time.perf_counter() - start:.0f} s")
    for k in ("accuracy", "watermark_success"):
        print(k, {n: round(v, 4) for n, v in m[k].items()})
    print("ownership", m["ownership"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
