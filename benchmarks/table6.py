"""Table 6 of Tramèr et al. (2016): path finding on decision trees, ours beside the paper's.

The paper attacked eight public BigML trees; most are gone, so we train
BigML-like trees (threshold and value-set splits, leaves identified by their
prediction and confidence) on the data sets of Table 3 and extract each one
with and without incomplete queries, ε = 10⁻³. Each seed draws a new training
split (so a new tree), the attack's first query and the uniform inputs.

Prints the paper's table, ours for seed 0, and each tree's spread over the
seeds: median, worst seed and, for German credit (the one data set the paper
shares), the seeds at or above the paper. Run from the repository root with
STEALKIT_DATA pointing at the offline data copies (``make bench``)::

    python benchmarks/table6.py [--seeds 20] [--json notebooks/results/table6_seeds.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.paper.path_finding import (
    PAPER_TABLE6,
    table6_records,
    table6_seed_rows,
    table6_spread,
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--json", type=Path, help="also write every (seed, tree) row to this JSON "
                   "file (notebook 02 reads notebooks/results/table6_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = table6_records(range(args.seeds), log=lambda line: print(line, flush=True))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print(compare_with_paper(PAPER_TABLE6, caption="Paper: Table 6 (BigML's public trees)"))
    print()
    print(compare_with_paper(table6_seed_rows(records, seed=0),
                             caption="Ours: trees trained on Table 3's data sets (seed 0)"))
    print()
    print(compare_with_paper(table6_spread(records), caption=(
        f"Ours over {args.seeds} seeds (new split, tree and attack each): median, worst seed; "
        "queries: worst = most")))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
