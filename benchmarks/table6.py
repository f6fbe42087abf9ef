"""Table 6 of Tramèr et al. (2016): path finding on decision trees, ours beside the paper's.

The paper attacked eight public BigML trees; most are gone, so we train
BigML-like trees (threshold and value-set splits, leaves identified by their
prediction and confidence) on the data sets of Table 3 and extract each one
with and without incomplete queries, ε = 10⁻³. Run from the repository root
with STEALKIT_DATA pointing at the offline data copies (``make bench``).
"""

from __future__ import annotations

import time

from stealkit.attacks.path_finding import PAPER_TABLE6, path_finding_row
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
from stealkit.trees import DecisionTree

SEED = 0

# (row name, loader, tree options); every tree answers BigML-like identifiers.
TREES = [
    ("German credit", load_german_credit, dict(max_leaf_nodes=26)),
    ("German credit, grown out", load_german_credit, dict()),
    ("Adult income", load_adult, dict(max_leaf_nodes=155)),
    ("Pima diabetes", load_pima_diabetes, dict(max_leaf_nodes=49)),
    ("Mushroom ('?' kept)", lambda **kw: load_mushroom(drop_missing=False, **kw), dict()),
    ("Iris", load_iris, dict()),
    ("Breast cancer", load_breast_cancer, dict(max_leaf_nodes=20)),
    ("Digits", load_digits, dict(max_leaf_nodes=100)),
]


def main() -> None:
    print(compare_with_paper(PAPER_TABLE6, caption="Paper: Table 6 (BigML's public trees)"))
    print()
    rows, start = [], time.perf_counter()
    for name, load, options in TREES:
        ds = load(raw=True, rng=SEED)
        tree = DecisionTree(features=ds.features, ids="prediction", **options)
        tree.fit(ds.X_train, ds.y_train)
        rows.append(path_finding_row(tree, ds.features, ds.X_test, name=name, rng=SEED))
    print(compare_with_paper(rows, caption="Ours: trees trained on Table 3's data sets"))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
