"""Label-only extraction, Figures 4–7 of Tramèr et al. (2016), §5–6: the paper's numbers,
the sweeps that rebuild them, and the summaries notebook 03 and the benchmark print.

Threat model (every sweep): the attacker sees only the victim's labels
(Figure 7: probabilities rounded to a few decimals), knows the number of
features, the classes and the victim's family, queries the box [-1, 1]^d and
pays α × the number of unknowns queries.

For every data set of the paper's Table 3 that we have, a victim is trained on
70 % of it (the split and the victim of seed 0) and attacked at budgets of α ×
its unknowns; the seed drives the attack:

- Figure 4: binary logistic regression (unknowns d + 1): Lowd–Meek at several
  granularities ε, and uniform, line-search and adaptive retraining.
- Figure 5: softmax regression (unknowns c(d + 1)): the three retraining
  strategies.
- Figure 6: RBF-kernel SVMs (budgets in multiples of d + 1, as for Figure 4).
- Figure 7: equation solving on probabilities rounded to 2–4 decimals (or
  not) against label-only adaptive retraining, on the softmax victims of
  Figure 5.
- The MLP of the lecture's limitations slide: 20 tanh hidden units
  (unknowns dh + hc + h + c), from labels only.

R_test is measured on the test split, R_unif on points uniform in [-1, 1]^d
(the box the attacks query, as in the paper's code): 100,000 for linear
victims, 10,000 for SVMs and MLPs. Each run is one record (a dict: ``figure``,
``dataset``, ``victim``, ``attack``, ``decimals``, ``alpha``, ``n_unknowns``,
``n_queries``, ``seed``, ``r_test``, ``r_unif``, ``seconds``; Lowd–Meek adds
``epsilon`` and ``cosine``). :func:`run_sweep` and :func:`run_headline`
return ``{"meta": ..., "records": [...]}``, what ``benchmarks/label_only.py``
writes to ``notebooks/results/``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from stealkit import datasets, metrics
from stealkit.attacks.equation_solving import extract_softmax
from stealkit.attacks.lowd_meek import lowd_meek
from stealkit.attacks.retraining import STRATEGIES, extract_by_retraining
from stealkit.oracle import Oracle

__all__ = [
    "PAPER_LABEL_ONLY",
    "BINARY",
    "MULTICLASS",
    "HIDDEN",
    "Log",
    "load",
    "train_victim",
    "unknowns",
    "measure",
    "record",
    "retraining_sweep",
    "lowd_meek_sweep",
    "rounding_sweep",
    "run_sweep",
    "run_headline",
    "select_records",
    "sweep_mean",
    "sweep_curve",
    "compare_rows",
    "headline_records",
    "headline_spread_rows",
    "per_dataset_rows",
]

#: What Tramèr et al. (2016) report for label-only extraction (§5, Figures 4–6, and the
#: lecture's limitations slide). Queries are averages over their data sets; "1-R" is the
#: extraction accuracy they state (a lower bound where they write "> 99 %").
PAPER_LABEL_ONLY = (
    {"key": "lowd_meek", "attack": "Lowd–Meek", "victim": "binary LR",
     "queries": 2_050, "1-R": 1.0},
    {"key": "adaptive_lr", "attack": "adaptive retraining, α = 20", "victim": "binary LR",
     "queries": 827, "1-R": 0.99},
    {"key": "uniform_lr", "attack": "uniform retraining, α = 20", "victim": "binary LR",
     "queries": 827, "1-R": None},
    {"key": "adaptive_softmax", "attack": "adaptive retraining, α = 100", "victim": "softmax",
     "queries": None, "1-R": 0.999},
    {"key": "adaptive_mlp", "attack": "adaptive retraining", "victim": "MLP, 20 hidden units",
     "queries": 108_200, "1-R": 0.99},
)

#: The seed of the data splits and of the victims (the attacks take their own seeds).
SEED = 0
BINARY = ("circles", "moons", "breast_cancer", "mushroom", "adult", "pima_diabetes")
MULTICLASS = ("blobs", "five_class", "iris", "digits", "adult_race")
#: Hidden units of the MLP victim.
HIDDEN = 20


# --------------------------------------------------------------------------- one run
def load(name: str):
    """The data set ``name``, split with the sweep's seed (``adult_race``: Adult, race as label)."""
    if name == "adult_race":
        return datasets.load_adult("race", rng=SEED)
    return getattr(datasets, f"load_{name}")(rng=SEED)


def train_victim(kind: str, data):
    """The owner's model, trained on the training split."""
    X, y = data.X_train, data.y_train
    if kind == "rbf_svm" and len(X) > 3000:  # an SVM's answers cost one kernel per support vector
        X, y = X[:3000], y[:3000]
    model = {
        "logistic": LogisticRegression(max_iter=5000),
        "softmax": LogisticRegression(max_iter=5000),
        "rbf_svm": SVC(kernel="rbf"),
        "mlp": MLPClassifier((HIDDEN,), activation="tanh", max_iter=2000, random_state=SEED),
    }[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def unknowns(kind: str, d: int, c: int) -> int:
    """The unknowns of a victim of ``kind`` on d features and c classes: the budget unit."""
    if kind == "softmax":
        return c * (d + 1)
    if kind == "mlp":
        return d * HIDDEN + HIDDEN * c + HIDDEN + c
    return d + 1  # binary logistic regression, and the SVM's budget unit


def measure(victim, model, data, n_unif: int, seed: int) -> tuple[float, float]:
    """R_test on the test split, R_unif on ``n_unif`` uniform points (seeded from ``seed``)."""
    r_test = metrics.r_test(victim, model, data.X_test)
    r_unif = metrics.r_unif(victim, model, n_features=data.n_features, n_samples=n_unif,
                            rng=10_000 + seed)
    return r_test, r_unif


def record(figure, name, kind, attack, alpha, n_unknowns, n_queries, seed, r, seconds,
           decimals=None):
    """One run as a record, rounded as the results files keep it."""
    return {"figure": figure, "dataset": name, "victim": kind, "attack": attack,
            "decimals": decimals, "alpha": round(float(alpha), 4), "n_unknowns": int(n_unknowns),
            "n_queries": int(n_queries), "seed": int(seed), "r_test": round(float(r[0]), 6),
            "r_unif": round(float(r[1]), 6), "seconds": round(float(seconds), 3)}


# --------------------------------------------------------------------------- sweeps
class Log:
    """Loads data sets once, skips those that fail to load, and reports progress.

    With ``verbose`` (the default) each step, and each data set skipped, is
    printed as it happens; the data sets skipped are kept in ``skipped``.
    """

    def __init__(self, *, verbose: bool = True):
        self.cache, self.skipped, self.start = {}, {}, time.perf_counter()
        self.verbose = verbose

    def say(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)

    def load(self, name):
        if name not in self.cache:
            try:
                self.cache[name] = load(name)
            except Exception as exc:  # noqa: BLE001 (a broken offline copy must not stop the rest)
                self.cache[name] = None
                self.skipped[name] = f"{type(exc).__name__}: {exc}"
                self.say(f"  skipped {name}: {self.skipped[name]}")
        return self.cache[name]

    def progress(self, figure, name, step, records):
        self.say(f"  [{time.perf_counter() - self.start:6.0f} s] figure {figure} {name} {step} "
                 f"({len(records)} runs)")


def retraining_sweep(figure, kind, names, alphas, seeds, strategies, n_unif, log):
    """Retraining against a ``kind`` victim on each data set, every budget, strategy and seed."""
    out = []
    for name in names:
        data = log.load(name)
        if data is None:
            continue
        victim = train_victim(kind, data)
        d, c = data.n_features, data.n_classes
        n_unknowns = unknowns(kind, d, c)
        local = "logistic" if kind == "logistic" else kind
        for alpha in alphas:
            n = max(1, int(round(alpha * n_unknowns)))
            for strategy in strategies:
                for seed in seeds:
                    oracle = Oracle.from_sklearn(victim, output="label")
                    t0 = time.perf_counter()
                    res = extract_by_retraining(
                        oracle, n_features=d, n_queries=n, strategy=strategy, model=local,
                        rounds=min(5, n), rng=seed,
                    )
                    seconds = time.perf_counter() - t0
                    r = measure(victim, res.model, data, n_unif, seed)
                    out.append(record(figure, name, kind, strategy, alpha, n_unknowns,
                                      oracle.n_queries, seed, r, seconds))
            log.progress(figure, name, alpha, out)
    return out


def lowd_meek_sweep(names, epsilons, seeds, log):
    """Lowd–Meek against binary logistic regression on each data set, for every ε and seed."""
    out = []
    for name in names:
        data = log.load(name)
        if data is None:
            continue
        victim = train_victim("logistic", data)
        d = data.n_features
        for epsilon in epsilons:
            for seed in seeds:
                oracle = Oracle.from_sklearn(victim, output="label")
                t0 = time.perf_counter()
                res = lowd_meek(oracle, n_features=d, epsilon=epsilon, rng=seed)
                seconds = time.perf_counter() - t0
                r = measure(victim, res.model, data, 100_000, seed)
                rec = record("4", name, "logistic", "lowd_meek", res.n_queries / (d + 1), d + 1,
                             res.n_queries, seed, r, seconds)
                w, w_hat = victim.coef_[0], res.model.coef_[0]
                rec["epsilon"] = epsilon
                rec["cosine"] = round(float(w @ w_hat / np.linalg.norm(w) / np.linalg.norm(w_hat)),
                                      12)
                out.append(rec)
        log.progress("4", name, "Lowd–Meek", out)
    return out


def rounding_sweep(names, alphas, decimals_list, seeds, log):
    """Equation solving against softmax victims whose probabilities are rounded (Figure 7)."""
    out = []
    for name in names:
        data = log.load(name)
        if data is None:
            continue
        victim = train_victim("softmax", data)
        d, c = data.n_features, data.n_classes
        n_unknowns = unknowns("softmax", d, c)
        for alpha in alphas:
            n = max(1, int(round(alpha * n_unknowns)))
            for decimals in decimals_list:
                for seed in seeds:
                    oracle = Oracle.from_sklearn(victim, decimals=decimals)
                    t0 = time.perf_counter()
                    model = extract_softmax(oracle, n_features=d, n_classes=c, n_queries=n,
                                            max_iter=1000, rng=seed).model
                    seconds = time.perf_counter() - t0
                    r = measure(victim, model, data, 100_000, seed)
                    out.append(record("7", name, "softmax", "equation_solving", alpha,
                                      n_unknowns, oracle.n_queries, seed, r, seconds,
                                      decimals=decimals))
            log.progress("7", name, alpha, out)
    return out


# --------------------------------------------------------------------------- drivers
def run_sweep(*, quick: bool = False, seeds: int | None = None, verbose: bool = True) -> dict:
    """Figures 4–7 and the MLP: every attack at every budget, on every data set.

    Parameters
    ----------
    quick : bool
        Small data sets, fewer budgets and one seed (about a minute on one
        thread) instead of the full sweep (about 30 minutes on 2 cores).
    seeds : int, optional
        Seeds per setting (default: 1 with ``quick``, else 3); Figure 7 uses
        the first only.
    verbose : bool
        Print each step as it runs.

    Returns
    -------
    dict
        ``{"meta": ..., "records": [...]}``, one record per attack run.
    """
    seeds = range(seeds if seeds is not None else (1 if quick else 3))
    binary = ("circles", "moons", "breast_cancer") if quick else BINARY
    multi = ("blobs", "iris") if quick else MULTICLASS
    alphas = (1, 5, 20) if quick else (1, 2, 5, 10, 20, 50, 100)
    log = Log(verbose=verbose)
    records = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        log.say("Figure 4: binary logistic regression")
        records += lowd_meek_sweep(binary, (1e-1, 1e-2, 1e-4, 1e-6), seeds, log)
        records += retraining_sweep("4", "logistic", binary, alphas, seeds, STRATEGIES,
                                    100_000, log)
        log.say("Figure 5: softmax regression")
        records += retraining_sweep("5", "softmax", multi, alphas, seeds, STRATEGIES, 100_000,
                                    log)
        log.say("Figure 6: RBF SVM")
        records += retraining_sweep("6", "rbf_svm", binary, alphas, seeds, STRATEGIES, 10_000,
                                    log)
        log.say("Figure 7: rounded probabilities against labels")
        fig7_alphas = (0.5, 1, 2, 5) if quick else (0.5, 1, 2, 5, 10)
        records += rounding_sweep(multi, fig7_alphas, (None, 4, 3, 2), seeds[:1], log)
        log.say("MLP, 20 hidden units, labels only")
        mlp_sets = ("moons",) if quick else ("circles", "moons", "blobs", "iris", "five_class")
        records += retraining_sweep("mlp", "mlp", mlp_sets, (1, 5) if quick else (1, 5, 20),
                                    seeds, ("uniform", "adaptive"), 10_000, log)
    meta = {
        "paper": "Tramèr et al. 2016, Stealing Machine Learning Models via Prediction APIs, §5-6",
        "quick": quick, "seeds": len(seeds), "skipped": log.skipped,
        "equation_solving": "stealkit.attacks.equation_solving.extract_softmax",
        "r_unif": "uniform in [-1, 1]^d; 100,000 points (linear) or 10,000 (SVM, MLP)",
        "seconds": round(time.perf_counter() - log.start),
    }
    return {"meta": meta, "records": records}


def run_headline(*, seeds: int = 20, slow_seeds: int = 10, verbose: bool = True) -> dict:
    """Only the rows the paper states a figure for, over many seeds.

    Lowd–Meek and retraining at α = 20 on the six binary data sets over
    ``seeds`` seeds; adaptive retraining of softmax at α = 100 and of the MLP
    at α = 20 (a minute a seed) over ``slow_seeds``. Returns
    ``{"meta": ..., "records": [...]}``, as :func:`run_sweep`.
    """
    seeds, slow_seeds = range(seeds), range(slow_seeds)
    log = Log(verbose=verbose)
    records = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        log.say(f"Figure 4, binary LR: Lowd–Meek and retraining at α = 20, {len(seeds)} seeds")
        records += lowd_meek_sweep(BINARY, (1e-1, 1e-2, 1e-4, 1e-6), seeds, log)
        records += retraining_sweep("4", "logistic", BINARY, (20,), seeds, STRATEGIES, 100_000,
                                    log)
        log.say(f"Figure 5, softmax: adaptive retraining at α = 100, {len(slow_seeds)} seeds")
        records += retraining_sweep("5", "softmax", MULTICLASS, (100,), slow_seeds,
                                    ("adaptive",), 100_000, log)
        log.say(f"MLP, 20 hidden units: adaptive retraining at α = 20, {len(slow_seeds)} seeds")
        records += retraining_sweep("mlp", "mlp", ("circles", "moons", "blobs", "iris",
                                                   "five_class"), (20,), slow_seeds,
                                    ("adaptive",), 10_000, log)
    meta = {
        "paper": "Tramèr et al. 2016, Stealing Machine Learning Models via Prediction APIs, §5",
        "headline": True, "seeds": len(seeds), "slow seeds": len(slow_seeds),
        "skipped": log.skipped, "seconds": round(time.perf_counter() - log.start),
        "r_unif": "uniform in [-1, 1]^d; 100,000 points (linear) or 10,000 (MLP)",
    }
    return {"meta": meta, "records": records}


# --------------------------------------------------------------------------- summaries
def select_records(records: Iterable[Mapping[str, Any]], match: Mapping[str, Any]) -> list:
    """The records whose fields equal every item of ``match``."""
    return [r for r in records if all(r.get(k) == v for k, v in match.items())]


def sweep_mean(records: Iterable[Mapping[str, Any]], **match: Any) -> dict:
    """Mean queries and extraction accuracies of the runs whose fields equal ``match``.

    Returns ``runs``, ``n_queries``, ``1-r_test``, ``1-r_unif`` and ``std r_test``
    (over the runs); values are None when no run matches.
    """
    runs = select_records(records, match)
    if not runs:
        return {"runs": 0, "n_queries": None, "1-r_test": None, "1-r_unif": None,
                "std r_test": None}
    r_test = np.array([r["r_test"] for r in runs])
    return {
        "runs": len(runs),
        "n_queries": int(round(np.mean([r["n_queries"] for r in runs]))),
        "1-r_test": float(1 - r_test.mean()),
        "1-r_unif": float(1 - np.mean([r["r_unif"] for r in runs])),
        "std r_test": float(r_test.std()),
    }


def sweep_curve(records: Iterable[Mapping[str, Any]], *, metric: str = "r_test",
                by: str = "alpha", **match: Any) -> dict[str, np.ndarray]:
    """R against the budget, averaged over data sets, with its spread over seeds.

    For each value of ``by`` (the budget factor α, or ``epsilon`` for
    Lowd–Meek), the runs of each seed are averaged over the data sets; the
    curve is the mean over seeds, ``low``/``high`` the smallest and largest
    seed. ``alpha`` and ``n_queries`` are the mean budget at each point.
    """
    if metric not in ("r_test", "r_unif"):
        raise ValueError(f"'metric' must be 'r_test' or 'r_unif'. Got {metric!r}.")
    runs = select_records(records, match)
    keys = sorted({r[by] for r in runs})
    out = {k: [] for k in ("alpha", "n_queries", "mean", "low", "high")}
    for key in keys:
        at = [r for r in runs if r[by] == key]
        per_seed = [np.mean([r[metric] for r in at if r["seed"] == s])
                    for s in sorted({r["seed"] for r in at})]
        out["alpha"].append(np.mean([r["alpha"] for r in at]))
        out["n_queries"].append(np.mean([r["n_queries"] for r in at]))
        out["mean"].append(np.mean(per_seed))
        out["low"].append(np.min(per_seed))
        out["high"].append(np.max(per_seed))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def compare_rows(records: Iterable[Mapping[str, Any]], *, mlp_alpha: float | None = None
                 ) -> list[dict]:
    """Rows for :func:`stealkit.course.compare_with_paper`: the paper's figures beside ours.

    Ours: Lowd–Meek at ε = 10⁻⁶; retraining at the paper's α; the MLP at
    ``mlp_alpha`` (default: the largest budget in the records).
    """
    records = list(records)
    mlp_alpha, ours = _headline_runs(records, mlp_alpha)
    rows = []
    for paper in PAPER_LABEL_ONLY:
        m = sweep_mean(records, **ours[paper["key"]])
        attack = paper["attack"]
        if paper["key"] == "adaptive_mlp" and mlp_alpha is not None:
            attack = f"{attack} (ours: α = {mlp_alpha:g})"
        rows.append({
            "attack": attack,
            "victim": paper["victim"],
            "paper queries": paper["queries"],
            "paper 1-R": paper["1-R"],
            "our queries": m["n_queries"],
            "our 1-R_test": m["1-r_test"],
            "our 1-R_unif": m["1-r_unif"],
        })
    return rows


def _headline_runs(records: list, mlp_alpha: float | None) -> tuple[float | None, dict]:
    """Which runs measure each of the paper's label-only figures (keys of PAPER_LABEL_ONLY)."""
    if mlp_alpha is None:
        mlp_alpha = max((r["alpha"] for r in records if r["figure"] == "mlp"), default=None)
    return mlp_alpha, {
        "lowd_meek": dict(figure="4", attack="lowd_meek", epsilon=1e-6),
        "adaptive_lr": dict(figure="4", attack="adaptive", alpha=20),
        "uniform_lr": dict(figure="4", attack="uniform", alpha=20),
        "adaptive_softmax": dict(figure="5", attack="adaptive", alpha=100),
        "adaptive_mlp": dict(figure="mlp", attack="adaptive", alpha=mlp_alpha),
    }


def headline_records(records: Iterable[Mapping[str, Any]], *, mlp_alpha: float | None = None
                     ) -> list[dict]:
    """One record per paper figure and seed: the seed's runs averaged over the data sets.

    The paper states each label-only figure as an average over its data sets
    (e.g. adaptive retraining of binary LR at α = 20: > 99 %); this is that
    average for each seed, so that :func:`stealkit.course.spread_rows` can
    show how often one seed reaches it. Fields: ``key``, ``attack``,
    ``victim``, ``seed``, ``datasets``, ``n_queries``, ``1-R_test``,
    ``1-R_unif``.
    """
    records = list(records)
    mlp_alpha, ours = _headline_runs(records, mlp_alpha)
    out = []
    for paper in PAPER_LABEL_ONLY:
        runs = select_records(records, ours[paper["key"]])
        for seed in sorted({r["seed"] for r in runs}):
            at = [r for r in runs if r["seed"] == seed]
            out.append({
                "key": paper["key"], "attack": paper["attack"], "victim": paper["victim"],
                "seed": seed, "datasets": len(at),
                "n_queries": float(np.mean([r["n_queries"] for r in at])),
                "1-R_test": float(1 - np.mean([r["r_test"] for r in at])),
                "1-R_unif": float(1 - np.mean([r["r_unif"] for r in at])),
            })
    return out


def headline_spread_rows(records: Iterable[Mapping[str, Any]], *, per_dataset: bool = False,
                         metric: str = "1-R_test") -> list[dict]:
    """The spread over seeds of the paper's label-only figures, in %.

    With ``per_dataset=False``, ``records`` are :func:`headline_records`: one
    row per paper figure (median, worst seed, seeds at or above the paper).
    With ``per_dataset=True``, ``records`` are sweep records and the rows are
    adaptive retraining of binary LR at α = 20 on each data set, against the
    paper's average (> 99 %).
    """
    from stealkit.course import spread_rows

    if metric not in ("1-R_test", "1-R_unif"):
        raise ValueError(f"'metric' must be '1-R_test' or '1-R_unif'. Got {metric!r}.")
    records = list(records)
    if per_dataset:
        paper = next(p["1-R"] for p in PAPER_LABEL_ONLY if p["key"] == "adaptive_lr")
        runs = [{**r, metric: 1 - r[metric.lower()[2:]]} for r in
                select_records(records, dict(figure="4", attack="adaptive", alpha=20))]
        names = dict.fromkeys(r["dataset"] for r in runs)
        return spread_rows(runs, by=("dataset",), metric=metric,
                           paper={(n,): paper for n in names}, scale=100)
    paper = {(p["attack"], p["victim"]): p["1-R"] for p in PAPER_LABEL_ONLY}
    return spread_rows(records, by=("attack", "victim"), metric=metric, paper=paper, scale=100)


def per_dataset_rows(records: Iterable[Mapping[str, Any]], *, figure: str, alpha: float,
                     attacks: Sequence[str] = ("uniform", "line_search", "adaptive")
                     ) -> list[dict]:
    """One row per data set of a figure at budget ``alpha``: each attack's 1 − R.

    1 − R_test is given as "mean ± standard deviation" over the seeds,
    1 − R_unif as the mean.
    """
    records = list(records)
    rows = []
    for name in dict.fromkeys(r["dataset"] for r in records if r["figure"] == figure):
        row: dict[str, Any] = {"data set": name}
        for attack in attacks:
            m = sweep_mean(records, figure=figure, dataset=name, attack=attack, alpha=alpha)
            if m["runs"]:
                row["queries"] = m["n_queries"]
                row[f"{attack} 1-R_test"] = f"{m['1-r_test']:.4f} ± {m['std r_test']:.4f}"
        for attack in attacks:
            m = sweep_mean(records, figure=figure, dataset=name, attack=attack, alpha=alpha)
            if m["runs"]:
                row[f"{attack} 1-R_unif"] = round(m["1-r_unif"], 4)
        rows.append(row)
    return rows

