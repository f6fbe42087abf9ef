"""Tramèr et al. (2016), Table 7: stealing Amazon-style pipelines through raw inputs, ours vs paper.

Each victim one-hot encodes its categorical inputs and quantile-bins its numeric ones
(10 bins; Digits keeps its pixels linear) before a logistic regression. The attack finds
the bins by line search at ε = 10⁻³ and the one-hot layout by one query per category, then
solves for the model. Queries and price ($0.0001 a query) are the mean over the seeds;
the paper's time includes Amazon's network latency, ours is local.

Run from the repository root: ``python benchmarks/table7.py [--seeds N]`` (Adult needs
``STEALKIT_DATA`` or a network).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from stealkit.attacks.experiments import PAPER_TABLE7, table7_row
from stealkit.course import compare_with_paper


def run(seeds) -> list[dict]:
    rows = []
    for paper in PAPER_TABLE7:
        ours = [table7_row(paper["data set"], rng=seed) for seed in seeds]
        mean = {k: float(np.mean([r[k] for r in ours]))
                for k in ("queries", "price ($)", "time (s)", "1-R_test", "1-R_unif")}
        rows.append({
            "data set": paper["data set"],
            "one-hot": ours[0]["one-hot"],
            "binning": ours[0]["binning"],
            "paper queries": paper["queries"],
            "ours queries": round(mean["queries"]),
            "paper price ($)": paper["price ($)"],
            "ours price ($)": round(mean["price ($)"], 4),
            "paper time (s)": paper["time (s)"],
            "ours time (s)": round(mean["time (s)"], 2),
            "ours 1-R_test": round(mean["1-R_test"], 4),
            "ours 1-R_unif": round(mean["1-R_unif"], 4),
        })
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    rows = run(range(args.seeds))
    print(compare_with_paper(rows, caption=f"Table 7: paper vs ours (mean over {args.seeds} "
                                           "seeds), $0.0001 a query"))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
