"""Tramèr et al. (2016), Table 7: stealing Amazon-style pipelines through raw inputs, ours vs paper.

Each victim one-hot encodes its categorical inputs and quantile-bins its numeric ones
(10 bins; Digits keeps its pixels linear) before a logistic regression. The attack finds
the bins by line search at ε = 10⁻³ and the one-hot layout by one query per category, then
solves for the model. Each seed draws a new training split (so a new pipeline). Printed:
the mean over the seeds beside the paper, then the spread of queries (worst = most; "at or
below paper" counts seeds that spent no more than the paper) and of 1 − R. The paper's
time includes Amazon's network latency, ours is local.

Run from the repository root: ``python benchmarks/table7.py [--seeds 20] [--json FILE]``
(Adult needs ``STEALKIT_DATA`` or a network).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from stealkit.attacks.experiments import PAPER_TABLE7, table7_row, table7_spread
from stealkit.course import compare_with_paper


def run(seeds) -> list[dict]:
    """One table7_row per data set and seed, with its seed."""
    return [{**table7_row(paper["data set"], rng=seed), "seed": seed}
            for paper in PAPER_TABLE7 for seed in seeds]


def summary(records: list[dict]) -> list[dict]:
    rows = []
    for paper in PAPER_TABLE7:
        ours = [r for r in records if r["data set"] == paper["data set"]]
        mean = {k: float(np.mean([r[k] for r in ours]))
                for k in ("queries", "price ($)", "time (s)", "1-R_test", "1-R_unif")}
        rows.append({
            "data set": paper["data set"], "one-hot": ours[0]["one-hot"],
            "binning": ours[0]["binning"], "paper queries": paper["queries"],
            "ours queries": round(mean["queries"]), "paper price ($)": paper["price ($)"],
            "ours price ($)": round(mean["price ($)"], 4), "paper time (s)": paper["time (s)"],
            "ours time (s)": round(mean["time (s)"], 2),
            "ours 1-R_test": round(mean["1-R_test"], 4),
            "ours 1-R_unif": round(mean["1-R_unif"], 4),
        })
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--json", type=Path, help="also write every (seed, data set) row to this JSON "
                   "file (notebook 01 reads notebooks/results/table7_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = run(range(args.seeds))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print(compare_with_paper(summary(records), caption=(
        f"Table 7: paper vs ours (mean over {args.seeds} seeds), $0.0001 a query")))
    print()
    print(compare_with_paper(table7_spread(records), caption=(
        f"Table 7 over {args.seeds} seeds: median, worst seed (queries: worst = most)")))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
