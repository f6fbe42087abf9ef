"""Tramèr et al. (2016), Figure 7: equation solving against an API that rounds its probabilities.

Softmax victims on Digits and on Adult (target "race"); the attack spends α times the
c(d + 1) unknowns in uniform queries (categories dealt out evenly, the recommended
protocol) while the oracle rounds every probability to 1-5 decimals (or not at all). Each
seed draws a new split, victim, queries and uniform points. The paper: rounding to 4-5
decimals changes nothing, 2-3 decimals weaken the attack, which still beats label-only
retraining. Printed: 1 − R_unif at each setting for seed 0, then the spread over seeds.

Run from the repository root: ``python benchmarks/figure7.py [--seeds 20] [--alphas 1 5]
[--json FILE]`` (Adult needs ``STEALKIT_DATA`` or a network; about a minute a seed at α = 1 on
one thread, four at α = 1 and 5: rounded answers leave the solver no exact fit, so it runs to
its iteration limit).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.paper.equation_solving import (
    figure7_records,
    figure7_short_of_exact,
    figure7_spread,
    figure7_table,
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--alphas", type=int, nargs="+", default=[1],
                   help="budgets as multiples of the unknowns (default: 1)")
    p.add_argument("--json", type=Path, help="also write every measurement to this JSON file "
                   "(notebook 03 reads notebooks/results/figure7_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = figure7_records(range(args.seeds), alphas=tuple(args.alphas),
                              log=lambda line: print(line, flush=True))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print(compare_with_paper(figure7_table(records, seed=0), caption=(
        "Figure 7 (seed 0): 1 - R_unif of softmax extraction by decimals kept in the answers")))
    for metric in ("1-R_test", "1-R_unif"):
        print()
        print(compare_with_paper(
            figure7_spread(records, metric=metric),
            caption=f"Figure 7 over {args.seeds} seeds: {metric} (%), median and worst seed"))
    print("\nwhere a seed falls short of the unrounded answers, by decimals (seeds):")
    for (name, alpha, decimals), seeds in figure7_short_of_exact(records).items():
        print(f"  {name}, α = {alpha}, {decimals} decimals: {seeds}")
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
