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

from stealkit.course import compare_with_paper
from stealkit.paper.equation_solving import table7_records, table7_spread, table7_summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--json", type=Path, help="also write every (seed, data set) row to this JSON "
                   "file (notebook 01 reads notebooks/results/table7_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = table7_records(range(args.seeds))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print(compare_with_paper(table7_summary(records), caption=(
        f"Table 7: paper vs ours (mean over {args.seeds} seeds), $0.0001 a query")))
    print()
    print(compare_with_paper(table7_spread(records), caption=(
        f"Table 7 over {args.seeds} seeds: median, worst seed (queries: worst = most)")))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
