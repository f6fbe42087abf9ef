"""Tramèr et al. (2016), §4.2, Table 6: path finding on decision trees, numbers and driver.

Threat model: as in :mod:`stealkit.attacks.path_finding`. The functions here
also play the owner: they train the trees and measure R_test and R_unif with
full access to them, which no query budget pays for.

- :data:`PAPER_TABLE6`: BigML's eight public trees as the paper reports them.
- :func:`path_finding_row`: one row for one tree (both variants of the attack).
- :data:`TABLE6_TREES`, :func:`table6_records`: our trees, trained on the data
  sets of Table 3, over seeds; :func:`table6_seed_rows` and
  :func:`table6_spread` set them beside the paper.

A notebook calls :func:`path_finding_row` for one seed; ``benchmarks/table6.py``
calls :func:`table6_records` over seeds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from stealkit._validation import check_int, check_rng
from stealkit.attacks.path_finding import extract_tree, uniform_inputs
from stealkit.course import spread_rows
from stealkit.datasets import (
    load_adult,
    load_breast_cancer,
    load_digits,
    load_german_credit,
    load_iris,
    load_mushroom,
    load_pima_diabetes,
)
from stealkit.metrics import r_test
from stealkit.oracle import Oracle
from stealkit.victims import DecisionTree

__all__ = [
    "PAPER_TABLE6",
    "path_finding_row",
    "TABLE6_TREES",
    "table6_records",
    "table6_seed_rows",
    "TABLE6_MEASURES",
    "table6_spread",
]

#: Table 6 of Tramèr et al. (2016): BigML's public trees, extracted with ε = 10⁻³.
#: Fractions; "inc." columns use incomplete queries.
PAPER_TABLE6 = tuple(
    {"tree": t, "leaves": lv, "ids": i, "depth": d, "1-R_test": a / 100, "1-R_unif": b / 100,
     "queries": q, "queries/leaf": q / lv, "1-R_test inc.": c / 100, "1-R_unif inc.": e / 100,
     "queries inc.": r, "queries/leaf inc.": r / lv}
    for t, lv, i, d, a, b, q, c, e, r in (
        ("IRS tax patterns", 318, 318, 8, 100, 100, 101_057, 100, 100, 29_609),
        ("Steak survey", 193, 28, 17, 92.45, 86.40, 3_652, 100, 100, 4_013),
        ("GSS survey", 159, 113, 8, 99.98, 99.61, 7_434, 100, 99.65, 2_752),
        ("Email importance", 109, 55, 17, 99.13, 99.90, 12_888, 99.81, 99.99, 4_081),
        ("Email spam", 219, 78, 29, 87.20, 100, 42_324, 99.70, 100, 21_808),
        ("German credit", 26, 25, 11, 100, 100, 1_722, 100, 100, 1_150),
        ("Medical cover", 49, 49, 11, 100, 100, 5_966, 100, 100, 1_788),
        ("Bitcoin price", 155, 155, 9, 100, 100, 31_956, 100, 100, 7_390),
    )
)


def path_finding_row(
    tree: Any,
    features: Sequence[Any],
    X_test,
    *,
    name: str = "",
    epsilon: float = 1e-3,
    n_unif: int = 10_000,
    rng: int | np.random.Generator | None = 0,
) -> dict:
    """One row of the Table 6 analogue: extract ``tree`` both ways and score it.

    Parameters
    ----------
    tree : stealkit.victims.DecisionTree
        The victim (any object with ``apply``, ``predict``, ``n_leaves``,
        ``n_leaf_ids`` and ``depth``).
    features : sequence of Feature
        The feature description the attacker is given.
    X_test : array-like
        Test inputs for R_test.
    name : str
        The row's name.
    epsilon : float, default=1e-3
        Granularity of the line searches (the paper's ε).
    n_unif : int, default=10,000
        Uniform inputs for R_unif (the paper used 10,000 for trees).
    rng : int, numpy.random.Generator or None, default=0
        Seeds the first query of Algorithm 1 and the uniform inputs.

    Returns
    -------
    dict
        ``tree, leaves, ids, depth, 1-R_test, 1-R_unif, queries, queries/leaf``
        and the same with incomplete queries (``1-R_test inc.``, ...): the keys
        of :data:`PAPER_TABLE6`, ready for
        :func:`stealkit.course.compare_with_paper`. Extraction accuracy is
        measured on labels (each leaf's label read with one label query).
    """
    n_unif = check_int(n_unif, "n_unif", minimum=1)
    rng = check_rng(rng)
    X_test = np.asarray(X_test, dtype=np.float64)
    X_unif = uniform_inputs(features, n_unif, rng=rng)
    d = len(features)
    row = {"tree": name, "leaves": tree.n_leaves, "ids": tree.n_leaf_ids, "depth": tree.depth}
    for incomplete, suffix in ((False, ""), (True, " inc.")):
        oracle = Oracle(tree.apply, n_features=d, output="leaf")
        labels = Oracle(tree.predict, n_features=d, output="label")
        result = extract_tree(oracle, features, epsilon=epsilon, incomplete_queries=incomplete,
                              label_oracle=labels, rng=rng)
        row[f"1-R_test{suffix}"] = 1 - r_test(tree, result.model, X_test)
        row[f"1-R_unif{suffix}"] = 1 - r_test(tree, result.model, X_unif)
        row[f"queries{suffix}"] = result.n_queries
        row[f"queries/leaf{suffix}"] = result.n_queries / tree.n_leaves
    return row


#: Our Table 6: (row name, loader, DecisionTree options), trees trained on Table 3's data
#: sets; BigML-like identifiers (``ids="prediction"``) unless the options say otherwise.
TABLE6_TREES = (
    ("German credit", load_german_credit, dict(max_leaf_nodes=26)),
    ("German credit, unique ids", load_german_credit, dict(max_leaf_nodes=26, ids="node")),
    ("German credit, grown out", load_german_credit, dict()),
    ("Adult income", load_adult, dict(max_leaf_nodes=155)),
    ("Pima diabetes", load_pima_diabetes, dict(max_leaf_nodes=49)),
    ("Mushroom ('?' kept)", lambda **kw: load_mushroom(drop_missing=False, **kw), dict()),
    ("Iris", load_iris, dict()),
    ("Breast cancer", load_breast_cancer, dict(max_leaf_nodes=20)),
    ("Digits", load_digits, dict(max_leaf_nodes=100)),
)


def table6_records(seeds: Iterable[int], *,
                   log: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One :func:`path_finding_row` per tree of :data:`TABLE6_TREES` and seed, with its ``"seed"``.

    Each seed draws a new training split (so a new tree), the attack's first
    query and the uniform inputs; ``log`` is called with one line per seed.
    """
    records = []
    for seed in seeds:
        t0 = time.perf_counter()
        for name, load, options in TABLE6_TREES:
            ds = load(raw=True, rng=seed)
            tree = DecisionTree(features=ds.features, **{"ids": "prediction", **options})
            tree.fit(ds.X_train, ds.y_train)
            records.append({**path_finding_row(tree, ds.features, ds.X_test, name=name,
                                               rng=seed), "seed": seed})
        if log is not None:
            log(f"seed {seed:2d}: {len(TABLE6_TREES)} trees in {time.perf_counter() - t0:.0f} s")
    return records


def table6_seed_rows(records: Sequence[dict], *, seed: int = 0) -> list[dict[str, Any]]:
    """Our Table 6 for one seed: the :func:`table6_records` of ``seed``, without the seed."""
    return [{k: v for k, v in r.items() if k != "seed"} for r in records if r["seed"] == seed]


#: Table 6's measures: (field, higher is better, scale, decimals shown).
TABLE6_MEASURES = (("1-R_test", True, 100, 2), ("1-R_unif", True, 100, 2), ("queries", False, 1, 0),
                   ("1-R_test inc.", True, 100, 2), ("1-R_unif inc.", True, 100, 2),
                   ("queries inc.", False, 1, 0))


def table6_spread(records: Sequence[dict], *, shared: dict[str, str] | None = None,
                  measures: Sequence[str] | None = None) -> list[dict]:
    """Each tree's spread over seeds, from :func:`path_finding_row` rows with a ``"seed"``.

    One row per tree and measure (``1-R_test``, ``1-R_unif``, ``queries`` and
    their ``inc.`` counterparts, or those named in ``measures``): median,
    worst seed (for queries, the most) and, for trees named in ``shared``
    (our tree → the paper's tree of the same data; default German credit),
    the seeds at or above the paper (for queries: spending no more).
    """
    shared = {"German credit": "German credit"} if shared is None else shared
    paper = {row["tree"]: row for row in PAPER_TABLE6}
    unknown = sorted(set(shared.values()) - set(paper))
    if unknown:
        raise ValueError(f"'shared' names trees that are not in Table 6: {unknown}.")
    chosen = [m for m in TABLE6_MEASURES if measures is None or m[0] in measures]
    if not chosen:
        raise ValueError(f"'measures' must name some of {[m[0] for m in TABLE6_MEASURES]}. "
                         f"Got {measures!r}.")
    order = list(dict.fromkeys(r["tree"] for r in records))
    rows = []
    for metric, higher, scale, digits in chosen:
        ref = {(ours,): paper[theirs][metric] for ours, theirs in shared.items()}
        for row in spread_rows(records, by=("tree",), metric=metric, paper=ref, scale=scale,
                               digits=digits, higher_is_better=higher):
            rows.append({"tree": row.pop("tree"),
                         "measure": metric + (" (%)" if scale == 100 else ""), **row})
    rows.sort(key=lambda r: order.index(r["tree"]))
    return rows
