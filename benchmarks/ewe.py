"""EWE on MNIST over several seeds: the spread that the public code is known for.

    python benchmarks/ewe.py                 # 5 seeds, the notebook's schedule (~1.5 h, 1 thread)
    python benchmarks/ewe.py --seeds 0 1     # some seeds
    python benchmarks/ewe.py --quick         # 1-epoch schedule, a smoke test

For each seed, the whole suite of notebook 04 is trained
(:func:`stealkit.watermark.pretrained.train_suite`), ``--copies`` further
copies are stolen from the EWE victim and from the clean victim (the watermark
success of a copy varies a lot from one copy to the next), and, unless
``--no-ablation``, a naive backdoor with its trigger at EWE's position is
trained and stolen, to tell how much of EWE's survival comes from the
position alone. It prints one row
per seed and the spread beside the paper's figures (Jia et al. 2021: accuracy
cost < 0.81 pp on average, ownership at 95 % with < 100 queries; the public
code: watermark success on extracted MNIST copies from ~1 % to 98 %). The
drivers and the paper's figures are :mod:`stealkit.paper.watermark`; this is
their command line.
Torch runs on one thread unless ``--threads`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import torch

from stealkit.course import compare_with_paper
from stealkit.datasets import load_mnist
from stealkit.paper.watermark import seed_row, seed_table, summary_table
from stealkit.watermark.pretrained import Schedule, mnist_split


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-ablation", dest="ablation", action="store_false")
    parser.add_argument("--copies", type=int, default=2,
                        help="further copies of the EWE and of the clean victim per seed "
                        "(copies vary a lot; default 2)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--save", type=Path, metavar="DIR",
                        help="also save the first seed's suite there (save_suite), e.g. "
                        "stealkit/watermark/weights: the shipped weights, without training "
                        "them twice")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    schedule = Schedule.quick() if args.quick else Schedule()
    split = mnist_split(load_mnist(), n_owner=schedule.n_owner)
    command = "python benchmarks/ewe.py " + shlex.join(sys.argv[1:])
    rows = []
    for seed in args.seeds:
        save = args.save if seed == args.seeds[0] else None
        row = seed_row(seed, schedule=schedule, split=split, copies=args.copies,
                       with_ablation=args.ablation, save=save, command=command)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(compare_with_paper(seed_table(rows), caption="EWE on MNIST, one row per seed (WSR: "
                             "watermark success on held-out triggered test images)"))
    print()
    print(compare_with_paper(summary_table(rows), caption="Ours vs the paper, over seeds "
                             + ", ".join(map(str, args.seeds))
                             + (" (quick schedule)" if args.quick else "")))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
