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

from stealkit.attacks.experiments import load_table4_data, rounding_row, table4_victim
from stealkit.course import compare_with_paper, spread_rows

DECIMALS = (None, 5, 4, 3, 2, 1)


def run(seeds, alphas=(1, 5), log=print) -> list[dict]:
    """One rounding_row per data set, α, decimals and seed."""
    from stealkit.datasets import load_digits

    records = []
    for seed in seeds:
        t0 = time.perf_counter()
        for name, data in (("digits", load_digits(rng=seed)),
                           ("adult (race)", load_table4_data(seed))):
            victim = table4_victim("softmax", data, rng=seed)
            unknowns = data.n_classes * (data.n_features + 1)
            for alpha in alphas:
                for decimals in DECIMALS:
                    r = rounding_row(victim, data, decimals=decimals,
                                     n_queries=alpha * unknowns, rng=seed)
                    records.append({"data set": name, "α": alpha, **r,
                                    "decimals": "exact" if decimals is None else decimals,
                                    "seed": seed})
        log(f"seed {seed:2d}: {time.perf_counter() - t0:.0f} s", flush=True)
    return records


def short_of_exact(records: list[dict]) -> dict[tuple, list[int]]:
    """For each rounded setting, the seeds whose 1 − R_unif is below the same seed's exact run."""
    exact = {(r["data set"], r["α"], r["seed"]): r["1-R_unif"] for r in records
             if r["decimals"] == "exact"}
    out: dict[tuple, list[int]] = {}
    for r in records:
        if r["decimals"] != "exact":
            key = (r["data set"], r["α"], r["decimals"])
            out.setdefault(key, [])
            if r["1-R_unif"] < exact[r["data set"], r["α"], r["seed"]]:
                out[key].append(r["seed"])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--alphas", type=int, nargs="+", default=[1],
                   help="budgets as multiples of the unknowns (default: 1)")
    p.add_argument("--json", type=Path, help="also write every measurement to this JSON file "
                   "(notebook 01 reads notebooks/results/figure7_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = run(range(args.seeds), alphas=tuple(args.alphas))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    first = {}
    for r in records:
        if r["seed"] == 0:
            row = first.setdefault((r["data set"], r["α"]), {"data set": r["data set"],
                                                             "α": r["α"], "queries": r["queries"]})
            row[f"1-R_unif, {r['decimals']}"] = round(r["1-R_unif"], 4)
    print(compare_with_paper(list(first.values()), caption=(
        "Figure 7 (seed 0): 1 - R_unif of softmax extraction by decimals kept in the answers")))
    for metric in ("1-R_test", "1-R_unif"):
        print()
        print(compare_with_paper(
            spread_rows(records, by=("data set", "α", "decimals"), metric=metric, scale=100),
            caption=f"Figure 7 over {args.seeds} seeds: {metric} (%), median and worst seed"))
    print("\nwhere a seed falls short of the unrounded answers, by decimals (seeds):")
    for (name, alpha, decimals), seeds in short_of_exact(records).items():
        print(f"  {name}, α = {alpha}, {decimals} decimals: {seeds}")
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
