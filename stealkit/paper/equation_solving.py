"""Tramèr et al. (2016), equation solving: the paper's numbers and the drivers of its tables.

Threat model: as in each attack's module. The functions here also play the
owner: they train the victims and measure R_test and R_unif with full access
to them, which no query budget pays for.

- Table 4 (Adult, target "race"; softmax, one-vs-rest and MLP victims):
  :data:`PAPER_TABLE4`, :func:`table4_row` for one row and seed,
  :func:`table4_records` over seeds, :func:`table4_summary` and
  :func:`table4_spread` to set them beside the paper.
- Table 7 (feature extraction reverse-engineered, as against Amazon Machine
  Learning): :data:`PAPER_TABLE7`, :func:`table7_row`, :func:`table7_records`,
  :func:`table7_summary`, :func:`table7_spread`.
- Figure 7 (an API that rounds its probabilities): :func:`rounding_row` for
  one point, :func:`figure7_records` over seeds, :func:`figure7_table`,
  :func:`figure7_spread`, :func:`figure7_short_of_exact`.
- Figure 2 (the training-data leakage of kernel LR on Digits):
  :func:`figure2_panel`.
- §4.1.3 (model inversion on an extracted copy against black-box inversion
  through the API): :func:`inversion_comparison`.

A notebook calls a row function for one seed; ``benchmarks/table4.py``,
``table7.py`` and ``figure7.py`` call the ``*_records`` drivers over seeds.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from stealkit import datasets
from stealkit._validation import check_choice, check_int, check_rng
from stealkit.attacks.equation_solving import extract_softmax
from stealkit.attacks.feature_extraction import extract_pipeline
from stealkit.attacks.kernel_leakage import (
    KernelExtractionResult,
    extract_kernel_lr,
    match_representers,
)
from stealkit.attacks.mlp import extract_mlp, mlp_unknowns
from stealkit.attacks.model_inversion import InversionResult, invert_model, invert_oracle
from stealkit.course import seed_spread, spread_rows
from stealkit.metrics import r_test, r_unif
from stealkit.oracle import Oracle
from stealkit.victims import FeaturePipeline, KernelLogisticRegression

__all__ = [
    "TABLE4_MODELS",
    "PAPER_TABLE4",
    "DRAWN",
    "load_table4_data",
    "table4_victim",
    "table4_row",
    "table4_records",
    "rarest_category",
    "table4_summary",
    "table4_spread",
    "TABLE7_DATASETS",
    "PAPER_TABLE7",
    "AMAZON_PRICE",
    "table7_row",
    "table7_records",
    "table7_summary",
    "table7_spread",
    "FIGURE7_DECIMALS",
    "rounding_row",
    "figure7_records",
    "figure7_table",
    "figure7_spread",
    "figure7_short_of_exact",
    "Figure2Panel",
    "figure2_panel",
    "InversionComparison",
    "inversion_comparison",
]

# --------------------------------------------------------------------------- Table 4
TABLE4_MODELS = ("softmax", "ovr", "mlp")

#: Tramèr et al. (2016), Table 4: Adult (target "race"), uniform queries.
PAPER_TABLE4 = (
    {"model": "softmax", "unknowns": 530, "queries": 265, "1-R_test": 0.9996,
     "1-R_unif": 0.9975, "time (s)": 2.6},
    {"model": "softmax", "unknowns": 530, "queries": 530, "1-R_test": 1.0,
     "1-R_unif": 1.0, "time (s)": 3.1},
    {"model": "ovr", "unknowns": 530, "queries": 265, "1-R_test": 0.9998,
     "1-R_unif": 0.9998, "time (s)": 2.8},
    {"model": "ovr", "unknowns": 530, "queries": 530, "1-R_test": 1.0,
     "1-R_unif": 1.0, "time (s)": 3.5},
    {"model": "mlp", "unknowns": 2225, "queries": 1112, "1-R_test": 0.9817,
     "1-R_unif": 0.9432, "time (s)": 155.0},
    {"model": "mlp", "unknowns": 2225, "queries": 2225, "1-R_test": 0.9868,
     "1-R_unif": 0.9723, "time (s)": 168.0},
    {"model": "mlp", "unknowns": 2225, "queries": 4450, "1-R_test": 0.9989,
     "1-R_unif": 0.9982, "time (s)": 195.0},
    {"model": "mlp", "unknowns": 2225, "queries": 11125, "1-R_test": 0.9996,
     "1-R_unif": 0.9999, "time (s)": 89.0},
)

#: How the categories of Table 4's queries are drawn, as the tables name it.
DRAWN = {False: "independent (paper)", True: "balanced"}


def load_table4_data(rng: int | np.random.Generator | None = 0):
    """Adult with target "race", encoded as in the paper's code: 105 features, 5 classes.

    Rows with missing values are kept ('?' is a category), which gives the
    paper's 105 one-hot features (530 softmax unknowns); see
    :func:`stealkit.datasets.load_adult`.
    """
    return datasets.load_adult("race", drop_missing=False, rng=rng)


def table4_victim(model: str, dataset: Any, *, rng: int | np.random.Generator | None = 0):
    """Train a Table-4 victim on ``dataset``'s training split (70 %).

    ``"softmax"``: scikit-learn's multinomial ``LogisticRegression``; ``"ovr"``:
    ``OneVsRestClassifier(LogisticRegression())``; ``"mlp"``: ``MLPClassifier``
    with one hidden layer of 20 tanh units (default training settings; a
    ``ConvergenceWarning`` is the owner's business and is silenced).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.neural_network import MLPClassifier

    model = check_choice(model, "model", TABLE4_MODELS)
    seed = int(check_rng(rng).integers(2**31 - 1))
    if model == "softmax":
        victim = LogisticRegression(max_iter=1000)
    elif model == "ovr":
        victim = OneVsRestClassifier(LogisticRegression(max_iter=1000))
    else:
        victim = MLPClassifier(hidden_layer_sizes=(20,), activation="tanh", random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return victim.fit(dataset.X_train, dataset.y_train)


def table4_row(
    model: str,
    n_queries: int,
    *,
    dataset: Any = None,
    victim: Any = None,
    n_unif: int = 100_000,
    balanced: bool = True,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, Any]:
    """Measure one row of Table 4: extract a victim from ``n_queries`` uniform queries.

    Parameters
    ----------
    model : {"softmax", "ovr", "mlp"}
        The victim's family (and the attack: :func:`extract_softmax` or
        :func:`extract_mlp`).
    n_queries : int
        The budget (the paper: 265 or 530; 1,112 to 11,125 for the MLP).
    dataset : TabularDataset, optional
        Default :func:`load_table4_data` (seeded by ``rng``).
    victim : estimator, optional
        A trained victim; default :func:`table4_victim` on ``dataset``.
    n_unif : int, default=100000
        Uniform points for R_unif (drawn with ``dataset.sample_uniform``).
    balanced : bool, default=True
        Deal the categories of the queries out evenly
        (``dataset.sample_uniform(..., balanced=True)``; each row is still
        uniform). The recommended protocol: it costs no query, while drawing
        categories independently, as the paper does (``False``), sometimes
        draws a rare category once or never and leaves its weights
        undetermined.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the data split, the victim, the queries and R_unif's points.

    Returns
    -------
    dict
        ``model``, ``balanced``, ``unknowns``, ``queries``, ``1-R_test`` (0-1
        distance on the test split), ``1-R_unif``, ``time (s)`` (the solver's),
        ``rarest category`` (how many queries hold the least-queried value of
        any categorical feature: 0 or 1 leaves weights undetermined), and for
        the MLP ``exact`` (whether the fit reached zero loss).
    """
    model = check_choice(model, "model", TABLE4_MODELS)
    n_queries = check_int(n_queries, "n_queries", minimum=1)
    n_unif = check_int(n_unif, "n_unif", minimum=1)
    rng = check_rng(rng)
    if dataset is None:
        dataset = load_table4_data(rng=int(rng.integers(2**31 - 1)))
    if victim is None:
        victim = table4_victim(model, dataset, rng=rng)
    if not isinstance(balanced, bool):
        raise TypeError(f"The 'balanced' parameter must be a bool. Got {balanced!r} instead.")
    oracle = Oracle.from_sklearn(victim)
    d, c = dataset.n_features, dataset.n_classes
    sampler = partial(dataset.sample_uniform, balanced=True) if balanced else dataset.sample_uniform
    row: dict[str, Any] = {"model": model, "balanced": balanced}
    if model == "mlp":
        result = extract_mlp(oracle, n_features=d, n_classes=c, n_queries=n_queries,
                             sampler=sampler, rng=rng)
        row["unknowns"] = mlp_unknowns(d, c, 20)
    else:
        result = extract_softmax(oracle, n_features=d, n_classes=c, n_queries=n_queries,
                                 kind=model, sampler=sampler, rng=rng)
        row["unknowns"] = result.n_unknowns
    row["queries"] = result.n_queries
    row["1-R_test"] = 1.0 - r_test(victim, result.model, dataset.X_test)
    row["1-R_unif"] = 1.0 - r_unif(victim, result.model, sampler=dataset.sample_uniform,
                                   n_samples=n_unif, rng=rng)
    row["time (s)"] = result.seconds
    row["rarest category"] = rarest_category(dataset, result.queries)
    if model == "mlp":
        row["exact"] = result.exact
    return row


def table4_records(
    seeds: Iterable[int],
    *,
    mlp_seeds: Iterable[int] | None = None,
    n_unif: int = 100_000,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Every row of Table 4 for every seed, its queries drawn both ways.

    For each seed: :func:`load_table4_data`, one :func:`table4_victim` per
    model, then :func:`table4_row` at each of the paper's query counts, with
    the queries' categories drawn independently (the paper) and dealt out
    evenly (``balanced``).

    Parameters
    ----------
    seeds : iterable of int
        Seeds of the softmax and one-vs-rest rows.
    mlp_seeds : iterable of int, optional
        Seeds of the MLP rows (about a minute each); default ``seeds``.
    n_unif : int, default=100000
        Uniform points for R_unif.
    log : callable, optional
        Called with one line of progress per row.

    Returns
    -------
    list of dict
        :func:`table4_row` dicts with their ``"seed"``, as
        :func:`table4_summary` and :func:`table4_spread` take them.
    """
    seeds = list(seeds)
    mlp_seeds = seeds if mlp_seeds is None else list(mlp_seeds)
    records: list[dict[str, Any]] = []
    for seed in sorted(set(seeds) | set(mlp_seeds)):
        data = load_table4_data(rng=seed)
        victims = {}
        for paper in PAPER_TABLE4:
            model, n = paper["model"], paper["queries"]
            if seed not in (mlp_seeds if model == "mlp" else seeds):
                continue
            if model not in victims:
                victims[model] = table4_victim(model, data, rng=seed)
            victim = victims[model]
            for balanced in (False, True):
                row = table4_row(model, n, dataset=data, victim=victim, n_unif=n_unif,
                                 balanced=balanced, rng=seed)
                records.append({**row, "seed": seed})
                if log is not None:
                    log(f"seed {seed:2d}: {model:7s} {n:6,d} queries "
                        f"{'balanced   ' if balanced else 'independent'}  "
                        f"1-R_test {row['1-R_test']:.4%}  1-R_unif {row['1-R_unif']:.4%}  "
                        f"rarest category {row['rarest category']}  {row['time (s)']:.1f} s"
                        + (f"  exact={row['exact']}" if "exact" in row else ""))
    return records


def rarest_category(dataset: Any, X: np.ndarray) -> int | None:
    """How many rows of ``X`` hold the least frequent value of any categorical feature.

    ``X`` is in ``dataset``'s prepared (one-hot) representation; None when the
    data set has no categorical feature.
    """
    X = np.asarray(X)
    counts, start = [], 0
    for j, f in enumerate(dataset.features):
        width = 1 if dataset.raw else len(f.columns)
        if f.kind != "continuous":
            if dataset.raw:
                codes = np.rint(X[:, j]).astype(int)
                counts.append(np.bincount(codes, minlength=len(f.values)).min())
            else:
                counts.append(X[:, start:start + width].sum(axis=0).min())
        start += width
    return int(round(min(counts))) if counts else None


def _table4_groups(records: Any) -> tuple[list[dict], dict[tuple, list[dict]]]:
    """The paper rows that were measured, and the records of each (model, queries, drawn)."""
    measured: dict[tuple, list[dict]] = {}
    for r in records:
        measured.setdefault((r["model"], r["queries"], DRAWN[bool(r.get("balanced"))]),
                            []).append(r)
    if not measured:
        raise ValueError("'records' holds no table4_row results.")
    rows = [(paper, drawn) for paper in PAPER_TABLE4 for drawn in DRAWN.values()
            if (paper["model"], paper["queries"], drawn) in measured]
    return rows, measured


def table4_summary(records: Any) -> list[dict[str, Any]]:
    """Table 4 beside the paper from per-seed :func:`table4_row` records: mean ± sd.

    ``records`` are ``table4_row`` dicts with a ``"seed"``, as
    :func:`table4_records` returns them and ``benchmarks/table4.py --json``
    writes them. One row per paper row and way
    of drawing the queries' categories (:data:`DRAWN`): queries, both 1 − R
    columns and time, paper beside ours as mean ± sd over the seeds (in %),
    how many MLP fits were exact, and the number of seeds. A mean hides how
    often a row falls short of the paper: :func:`table4_spread` shows it.
    """
    rows = []
    papers, measured = _table4_groups(records)
    for paper, drawn in papers:
        ours = measured[paper["model"], paper["queries"], drawn]
        rows.append({
            "model": paper["model"],
            "queries drawn": drawn,
            "unknowns": ours[0]["unknowns"],
            "queries": paper["queries"],
            "paper 1-R_test (%)": 100 * paper["1-R_test"],
            "ours 1-R_test (%)": _mean_sd([r["1-R_test"] for r in ours], 100.0, 2),
            "paper 1-R_unif (%)": 100 * paper["1-R_unif"],
            "ours 1-R_unif (%)": _mean_sd([r["1-R_unif"] for r in ours], 100.0, 2),
            "paper time (s)": paper["time (s)"],
            "ours time (s)": _mean_sd([r["time (s)"] for r in ours], 1.0, 1),
            "exact fits": (f"{sum(r['exact'] for r in ours)}/{len(ours)}"
                           if "exact" in ours[0] else None),
            "seeds": len(ours),
        })
    return rows


def table4_spread(records: Any) -> list[dict[str, Any]]:
    """Table 4 seed by seed: median, worst seed and the share of seeds at the paper (in %).

    One row per paper row, way of drawing the queries (:data:`DRAWN`) and
    measure (1 − R_test, 1 − R_unif), from :func:`table4_row` records with a
    ``"seed"``. ``short of paper`` lists each seed below the paper's figure
    with the count of its rarest category in the queries (``seed: count``):
    the mechanism of the failures found so far, a category drawn once or never.
    """
    rows = []
    papers, measured = _table4_groups(records)
    for paper, drawn in papers:
        ours = measured[paper["model"], paper["queries"], drawn]
        for metric in ("1-R_test", "1-R_unif"):
            s = seed_spread([r["seed"] for r in ours], [r[metric] for r in ours],
                            paper=paper[metric])
            rarest = {r["seed"]: r.get("rarest category") for r in ours}
            rows.append({
                "model": paper["model"], "queries drawn": drawn, "queries": paper["queries"],
                "measure": metric, "seeds": s.n_seeds, "paper (%)": f"{100 * s.paper:.2f}",
                "median (%)": f"{100 * s.median:.2f}",
                "worst (%) (seed)": f"{100 * s.worst:.2f} ({s.worst_seed})",
                "reaches paper": f"{s.at_paper}/{s.n_seeds}",
                "short of paper (seed: rarest category)":
                    ", ".join(f"{k}: {rarest[k]}" for k in s.failures) or None,
            })
    return rows


def _mean_sd(values, scale: float, digits: int) -> str:
    v = np.asarray(values, dtype=float) * scale
    if len(v) == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


# --------------------------------------------------------------------------- Table 7
TABLE7_DATASETS = ("circles", "digits", "iris", "adult")

#: Tramèr et al. (2016), Table 7: attacks on Amazon ML ($0.0001 a prediction).
PAPER_TABLE7 = (
    {"data set": "circles", "one-hot": False, "binning": True, "queries": 278,
     "time (s)": 28.0, "price ($)": 0.03},
    {"data set": "digits", "one-hot": False, "binning": False, "queries": 650,
     "time (s)": 70.0, "price ($)": 0.07},
    {"data set": "iris", "one-hot": False, "binning": True, "queries": 644,
     "time (s)": 68.0, "price ($)": 0.07},
    {"data set": "adult", "one-hot": True, "binning": True, "queries": 1485,
     "time (s)": 149.0, "price ($)": 0.15},
)

#: Amazon's price per prediction in 2016.
AMAZON_PRICE = 1e-4


def table7_row(name: str, *, epsilon: float = 1e-3,
               rng: int | np.random.Generator | None = 0) -> dict[str, Any]:
    """Measure one row of Table 7: steal an Amazon-style pipeline through its raw inputs.

    The victim is a :class:`~stealkit.victims.FeaturePipeline` trained on the
    raw data set: categorical inputs one-hot encoded, numeric inputs
    quantile-binned (10 bins), except Digits, whose pixels are used as they
    are. The attack is :func:`extract_pipeline`; Adult uses target "income".

    Returns
    -------
    dict
        ``data set``, ``one-hot``, ``binning``, ``queries``, ``time (s)``,
        ``price ($)`` at $0.0001 a query, ``1-R_test`` and ``1-R_unif``
        (10,000 uniform raw inputs).
    """
    name = check_choice(name, "name", TABLE7_DATASETS)
    rng = check_rng(rng)
    seed = int(rng.integers(2**31 - 1))
    if name == "adult":
        data = datasets.load_adult("income", raw=True, rng=seed)
    else:
        data = getattr(datasets, f"load_{name}")(raw=True, rng=seed)
    victim = FeaturePipeline(data.features, binned=[] if name == "digits" else None)
    victim.fit(data.X_train, data.y_train)
    oracle = Oracle.from_sklearn(victim, price_per_query=AMAZON_PRICE)
    t0 = time.perf_counter()
    result = extract_pipeline(oracle, features=data.features, epsilon=epsilon)
    seconds = time.perf_counter() - t0
    return {
        "data set": name,
        "one-hot": "one-hot" in victim.encodings_.values(),
        "binning": "quantile" in victim.encodings_.values(),
        "queries": result.n_queries,
        "time (s)": seconds,
        "price ($)": result.cost,
        "1-R_test": 1.0 - r_test(victim, result.model, data.X_test),
        "1-R_unif": 1.0 - r_unif(victim, result.model, sampler=data.sample_uniform,
                                 n_samples=10_000, rng=rng),
    }


def table7_records(seeds: Iterable[int]) -> list[dict[str, Any]]:
    """One :func:`table7_row` per data set and seed, with its ``"seed"``."""
    seeds = list(seeds)
    return [{**table7_row(paper["data set"], rng=seed), "seed": seed}
            for paper in PAPER_TABLE7 for seed in seeds]


def table7_summary(records: Any) -> list[dict[str, Any]]:
    """Table 7 beside the paper: the mean over seeds of :func:`table7_row` records.

    One row per data set of the paper: its encodings, then queries, price and
    time, paper beside ours, and our 1 − R_test and 1 − R_unif (the paper
    gives no figure for them).
    """
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


def table7_spread(records: Any) -> list[dict[str, Any]]:
    """Table 7 over seeds, from :func:`table7_row` dicts with a ``"seed"``.

    One row per data set and measure: queries (worst = most; "reaches paper"
    counts seeds that spent no more than the paper) and 1 − R_test, 1 − R_unif
    in % (the paper gives no figure for them).
    """
    queries = {(p["data set"],): p["queries"] for p in PAPER_TABLE7}
    order = [p["data set"] for p in PAPER_TABLE7]
    rows = []
    for metric, paper, higher, scale, digits in (("queries", queries, False, 1, 0),
                                                 ("1-R_test", None, True, 100, 2),
                                                 ("1-R_unif", None, True, 100, 2)):
        for row in spread_rows(records, by=("data set",), metric=metric, paper=paper,
                               scale=scale, digits=digits, higher_is_better=higher):
            rows.append({"data set": row.pop("data set"),
                         "measure": metric + (" (%)" if scale == 100 else ""), **row})
    rows.sort(key=lambda r: order.index(r["data set"]) if r["data set"] in order else len(order))
    return rows


# --------------------------------------------------------------------------- Figure 7
#: Figure 7's settings: decimals kept in the answers (None: no rounding).
FIGURE7_DECIMALS = (None, 5, 4, 3, 2, 1)


def rounding_row(
    victim: Any,
    dataset: Any,
    *,
    decimals: int | None,
    n_queries: int,
    n_unif: int = 10_000,
    balanced: bool = True,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, Any]:
    """One point of Figure 7: softmax extraction against an API rounding to ``decimals``.

    ``victim`` is a trained softmax (or binary logistic) model on ``dataset``;
    ``decimals=None`` means no rounding; ``balanced`` deals the categories of
    the queries out evenly, as in :func:`table4_row` (no effect on a data set
    without categorical features). Returns ``decimals``, ``queries``,
    ``1-R_test`` and ``1-R_unif``.
    """
    if decimals is not None:
        decimals = check_int(decimals, "decimals", minimum=0)
    if not isinstance(balanced, bool):
        raise TypeError(f"The 'balanced' parameter must be a bool. Got {balanced!r} instead.")
    rng = check_rng(rng)
    oracle = Oracle.from_sklearn(victim, decimals=decimals)
    sampler = partial(dataset.sample_uniform, balanced=True) if balanced else dataset.sample_uniform
    result = extract_softmax(oracle, n_features=dataset.n_features,
                             n_classes=len(victim.classes_), n_queries=n_queries,
                             sampler=sampler, rng=rng)
    return {
        "decimals": decimals,
        "queries": result.n_queries,
        "1-R_test": 1.0 - r_test(victim, result.model, dataset.X_test),
        "1-R_unif": 1.0 - r_unif(victim, result.model, sampler=dataset.sample_uniform,
                                 n_samples=n_unif, rng=rng),
    }


def figure7_records(
    seeds: Iterable[int],
    *,
    alphas: Iterable[int] = (1, 5),
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Figure 7 over seeds: one :func:`rounding_row` per data set, α, decimals and seed.

    For each seed, a softmax victim (:func:`table4_victim`) on Digits and on
    Adult (target "race", :func:`load_table4_data`) is extracted from α times
    its c(d + 1) unknowns in queries, at each of :data:`FIGURE7_DECIMALS`.
    Each record holds ``data set``, ``α``, the row (``decimals`` is
    ``"exact"`` without rounding) and its ``seed``; ``log`` is called with one
    line per seed.
    """
    alphas = tuple(alphas)
    records = []
    for seed in seeds:
        t0 = time.perf_counter()
        for name, data in (("digits", datasets.load_digits(rng=seed)),
                           ("adult (race)", load_table4_data(seed))):
            victim = table4_victim("softmax", data, rng=seed)
            unknowns = data.n_classes * (data.n_features + 1)
            for alpha in alphas:
                for decimals in FIGURE7_DECIMALS:
                    r = rounding_row(victim, data, decimals=decimals,
                                     n_queries=alpha * unknowns, rng=seed)
                    records.append({"data set": name, "α": alpha, **r,
                                    "decimals": "exact" if decimals is None else decimals,
                                    "seed": seed})
        if log is not None:
            log(f"seed {seed:2d}: {time.perf_counter() - t0:.0f} s")
    return records


def figure7_table(records: Any, *, seed: int = 0) -> list[dict[str, Any]]:
    """Figure 7 for one seed: 1 − R_unif at each number of decimals, one row per data set and α."""
    rows: dict[tuple, dict[str, Any]] = {}
    for r in records:
        if r["seed"] == seed:
            row = rows.setdefault((r["data set"], r["α"]), {"data set": r["data set"],
                                                            "α": r["α"], "queries": r["queries"]})
            row[f"1-R_unif, {r['decimals']}"] = round(r["1-R_unif"], 4)
    return list(rows.values())


def figure7_spread(records: Any, *, metric: str) -> list[dict[str, Any]]:
    """Figure 7 over seeds: ``metric`` in % by data set, α and decimals, median and worst seed."""
    return spread_rows(records, by=("data set", "α", "decimals"), metric=metric, scale=100)


def figure7_short_of_exact(records: Any) -> dict[tuple, list[int]]:
    """For each rounded setting, the seeds whose 1 − R_unif is below the same seed's exact run.

    Keys are (data set, α, decimals) of :func:`figure7_records` records.
    """
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


# --------------------------------------------------------------------------- Figure 2, §4.1.3
@dataclass(frozen=True)
class Figure2Panel:
    """A panel of Figure 2: a KLR victim on Digits and the representers extracted from it.

    Attributes
    ----------
    victim : KernelLogisticRegression
        The owner's model (its ``representers_`` are training images).
    result : KernelExtractionResult
        The attack's result; ``result.representers`` are the extracted images.
    partner : ndarray of shape (s,)
        For each extracted representer, the index of the victim representer
        paired with it (:func:`~stealkit.attacks.kernel_leakage.match_representers`).
    distance : ndarray of shape (s,)
        Distance to that partner (pixels in [-1, 1]; two different training
        digits are typically about 6 apart).
    class_means : ndarray of shape (10, 64)
        The average training image of each digit.
    nearest_mean : ndarray of shape (s,)
        For each extracted representer, the digit whose average is closest.
    mean_distance : ndarray of shape (s,)
        The distance to that average.
    """

    victim: Any
    result: KernelExtractionResult
    partner: np.ndarray
    distance: np.ndarray
    class_means: np.ndarray
    nearest_mean: np.ndarray
    mean_distance: np.ndarray


def figure2_panel(
    *,
    victim_representers: int | None = 20,
    n_representers: int = 20,
    gamma: float = 0.05,
    n_queries: int = 2000,
    n_restarts: int = 1,
    rng: int | np.random.Generator | None = 0,
) -> Figure2Panel:
    """Reproduce a panel of Figure 2: extracted KLR representers leak Digits images.

    Panel (a): a victim with 20 training images as representers, and 20
    extracted representers, each next to the training image it recovers.
    Panel (b): ``victim_representers=None`` (every training image is a
    representer) and ``n_representers=10``: the extracted representers now
    resemble class averages. Queries are uniform in [-1, 1]^64 (the prepared
    pixel range); the victim is trained with C = 10.
    """
    rng = check_rng(rng)
    seed = int(rng.integers(2**31 - 1))
    data = datasets.load_digits(rng=seed)
    victim = KernelLogisticRegression(gamma=gamma, C=10.0, n_representers=victim_representers,
                                      random_state=seed).fit(data.X_train, data.y_train)
    result = extract_kernel_lr(Oracle.from_sklearn(victim), n_features=data.n_features,
                               n_classes=data.n_classes, n_representers=n_representers,
                               gamma=gamma, n_queries=n_queries, n_restarts=n_restarts, rng=rng)
    partner, distance = match_representers(result.representers, victim.representers_)
    means = np.array([data.X_train[data.y_train == k].mean(axis=0)
                      for k in range(data.n_classes)])
    D = np.linalg.norm(result.representers[:, None, :] - means[None, :, :], axis=2)
    return Figure2Panel(victim=victim, result=result, partner=partner, distance=distance,
                        class_means=means, nearest_mean=D.argmin(axis=1),
                        mean_distance=D.min(axis=1))


@dataclass(frozen=True)
class InversionComparison:
    """Model inversion on Digits: on an extracted copy (white-box) and through the API.

    Attributes
    ----------
    extraction_queries : int
        Queries that stole the softmax copy (paid once, for every class).
    white_box, black_box : tuple of InversionResult
        One inversion per class: on the copy (0 queries each) and through the
        oracle (``inversion_queries(d, n_steps)`` each).
    black_box_queries : int
        Queries of all the black-box inversions together.
    victim_confidence : ndarray of shape (n_classes, 2)
        The victim's confidence in each class at the white-box and at the
        black-box prototype.
    """

    extraction_queries: int
    white_box: tuple[InversionResult, ...]
    black_box: tuple[InversionResult, ...]
    black_box_queries: int
    victim_confidence: np.ndarray


def inversion_comparison(
    *,
    n_steps: int = 50,
    step_size: float = 0.05,
    rng: int | np.random.Generator | None = 0,
) -> InversionComparison:
    """Invert every digit of a softmax victim on Digits, white-box after extraction and black-box.

    Tramèr et al. (2016), §4.1.3: extracting first (c(d + 1) = 650 unknowns,
    as many queries) makes each later inversion free, where the black-box
    attack pays 2d queries per gradient step and per class.
    """
    rng = check_rng(rng)
    data = datasets.load_digits(rng=int(rng.integers(2**31 - 1)))
    victim = table4_victim("softmax", data, rng=rng)
    oracle = Oracle.from_sklearn(victim)
    n_unknowns = data.n_classes * (data.n_features + 1)
    stolen = extract_softmax(oracle, n_features=data.n_features, n_classes=data.n_classes,
                             n_queries=n_unknowns, rng=rng)
    extraction = oracle.n_queries
    white = tuple(invert_model(stolen.model, target=k, n_steps=n_steps, step_size=step_size)
                  for k in victim.classes_)
    black = tuple(invert_oracle(oracle, target=k, n_steps=n_steps, step_size=step_size)
                  for k in victim.classes_)
    confidence = np.array([
        [victim.predict_proba(w.x[None])[0, w.target], victim.predict_proba(b.x[None])[0, b.target]]
        for w, b in zip(white, black, strict=True)
    ])
    return InversionComparison(
        extraction_queries=extraction,
        white_box=white,
        black_box=black,
        black_box_queries=oracle.n_queries - extraction,
        victim_confidence=confidence,
    )


# --------------------------------------------------------------------------- arguments
