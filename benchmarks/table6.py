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

from stealkit.attacks.path_finding import PAPER_TABLE6, path_finding_row, table6_spread
from stealkit.course import compare_with_paper
from stealkit.datasets import (
    load_adult,
    load_breast_cancer,
    load_digits,
    load_german_credit,
    load_iris,
    load_mushroom,
    load_pima_diabetes,
)
from stealkit.victims import DecisionTree

# (row name, loader, tree options); BigML-like identifiers unless ids= says otherwise.
TREES = [
    ("German credit", load_german_credit, dict(max_leaf_nodes=26)),
    ("German credit, unique ids", load_german_credit, dict(max_leaf_nodes=26, ids="node")),
    ("German credit, grown out", load_german_credit, dict()),
    ("Adult income", load_adult, dict(max_leaf_nodes=155)),
    ("Pima diabetes", load_pima_diabetes, dict(max_leaf_nodes=49)),
    ("Mushroom ('?' kept)", lambda **kw: load_mushroom(drop_missing=False, **kw), dict()),
    ("Iris", load_iris, dict()),
    ("Breast cancer", load_breast_cancer, dict(max_leaf_nodes=20)),
    ("Digits", load_digits, dict(max_leaf_nodes=100)),
]
def run(seeds, log=print) -> list[dict]:
    """One path_finding_row per tree and seed, with its seed."""
    records = []
    for seed in seeds:
        t0 = time.perf_counter()
        for name, load, options in TREES:
            ds = load(raw=True, rng=seed)
            tree = DecisionTree(features=ds.features, **{"ids": "prediction", **options})
            tree.fit(ds.X_train, ds.y_train)
            records.append({**path_finding_row(tree, ds.features, ds.X_test, name=name,
                                               rng=seed), "seed": seed})
        log(f"seed {seed:2d}: {len(TREES)} trees in {time.perf_counter() - t0:.0f} s", flush=True)
    return records


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--json", type=Path, help="also write every (seed, tree) row to this JSON "
                   "file (notebook 02 reads notebooks/results/table6_seeds.json)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = run(range(args.seeds))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print(compare_with_paper(PAPER_TABLE6, caption="Paper: Table 6 (BigML's public trees)"))
    print()
    print(compare_with_paper([{k: v for k, v in r.items() if k != "seed"} for r in records
                              if r["seed"] == 0],
                             caption="Ours: trees trained on Table 3's data sets (seed 0)"))
    print()
    print(compare_with_paper(table6_spread(records), caption=(
        f"Ours over {args.seeds} seeds (new split, tree and attack each): median, worst seed; "
        "queries: worst = most")))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
