"""Figures 4–7 of Tramèr et al. (2016), label-only extraction: ours beside the paper's.

What is measured, and how, is described in :mod:`stealkit.paper.label_only`,
whose sweeps notebook 03 calls too. The records go to
``notebooks/results/label_only.json``, which notebook 03 plots. Run from the
repository root with STEALKIT_DATA pointing at the offline data copies::

    python benchmarks/label_only.py            # the full sweep (about 30 minutes on 2 cores)
    python benchmarks/label_only.py --quick    # small data sets, one seed (about a minute)
    python benchmarks/label_only.py --headline # the paper's headline rows over many seeds

``--headline`` measures only the rows the paper states a figure for, over 20 seeds
(Lowd–Meek and retraining at α = 20 on the six binary data sets) and 10 seeds
(adaptive retraining of softmax at α = 100 and of the MLP at α = 20; a minute a seed),
and prints each row's spread: median, worst seed, seeds at or above the paper. Its
records go to ``notebooks/results/label_only_seeds.json``. The seed drives the attack;
the data split and the victim are those of seed 0, as in the sweep (about 25 minutes
on one thread).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.paper.label_only import (
    compare_rows,
    headline_records,
    headline_spread_rows,
    per_dataset_rows,
    run_headline,
    run_sweep,
)

OUT = Path(__file__).resolve().parent.parent / "notebooks" / "results" / "label_only.json"
OUT_SEEDS = OUT.with_name("label_only_seeds.json")


def _write(results: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, separators=(",", ":")))
    print(f"\nwrote {len(results['records'])} runs to {out} ({results['meta']['seconds']} s)\n")


def headline(seeds: int, slow_seeds: int, out: Path) -> None:
    """The paper's headline rows over many seeds, and their spread."""
    results = run_headline(seeds=seeds, slow_seeds=slow_seeds)
    _write(results, out)
    records = results["records"]
    print(compare_with_paper(headline_spread_rows(headline_records(records)), caption=(
        "Label-only headline rows seed by seed (each seed: the mean over the data sets), "
        "1 − R_test in %")))
    print()
    print(compare_with_paper(headline_spread_rows(records, per_dataset=True), caption=(
        "Adaptive retraining at α = 20, binary LR, per data set: 1 − R_test in %")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data sets, one seed")
    parser.add_argument("--headline", action="store_true",
                        help="only the paper's headline rows, over --seeds (default 20) and "
                        "--slow-seeds (default 10) seeds")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per setting (default 3; 20 with --headline)")
    parser.add_argument("--slow-seeds", type=int, default=10,
                        help="with --headline: seeds for softmax and MLP retraining (default 10)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"results file (default {OUT}, or {OUT_SEEDS} with --headline)")
    args = parser.parse_args()
    if args.headline:
        headline(20 if args.seeds is None else args.seeds, args.slow_seeds,
                 args.out or OUT_SEEDS)
        return
    results = run_sweep(quick=args.quick, seeds=args.seeds)
    _write(results, args.out or OUT)
    records = results["records"]
    print(compare_with_paper(compare_rows(records),
                             caption="Label-only extraction: ours vs the paper"))
    for figure, alpha in (("4", 20), ("5", 100), ("6", 100), ("mlp", 20)):
        if any(r["figure"] == figure and r["alpha"] == alpha for r in records):
            print()
            print(compare_with_paper(per_dataset_rows(records, figure=figure, alpha=alpha),
                                     caption=f"Figure {figure} at α = {alpha}: 1-R_test (mean ± "
                                     "std over seeds) and 1-R_unif"))


if __name__ == "__main__":
    main()
