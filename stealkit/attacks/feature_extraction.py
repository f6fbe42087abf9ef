"""Reverse-engineering feature extraction, then equation solving (Tramèr et al. 2016, §4.2).

Threat model: the Amazon Machine Learning case study. The API takes raw
inputs (numbers and categories) and returns class probabilities; before its
logistic regression, the service extracts features the attacker does not see:
categorical inputs are one-hot encoded and numeric inputs are either
quantile-binned (each bin one-hot) or used as they are. The attacker knows the
input schema (names, kinds, ranges, categories: Amazon shows it) and that the
model is a logistic regression, not the bins. Each query is paid ($0.0001 at
Amazon in 2016).

The attack, with every other input held at a base point:

1. Probe each numeric input at five points across its range. If the logits
   move linearly, the input is used as it is.
2. Otherwise it is binned: query a grid across the range and, wherever two
   neighbours disagree, halve the interval until it is shorter than ε. Each
   such interval holds a bin edge.
3. Query each category of each categorical input once.
4. The log-probability ratios log pᵢ(x) − log p₀(x) are linear in the
   extracted features, which the attacker can now compute; the queries
   already made determine them, so solving the linear system by least squares
   costs no further queries.

What queries cannot see, the extracted model need not know: a bin that no
input in the range reaches (an edge at the bottom of the range), or a binned
input whose bins all weigh the same (it reads as "linear" with weight 0).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import softmax

from stealkit._validation import check_int, check_oracle, check_positive
from stealkit.attacks._common import ask, check_features
from stealkit.oracle import Oracle
from stealkit.victims import ENCODINGS, encode

__all__ = ["ENCODINGS", "STAGES", "ExtractedPipeline", "PipelineExtractionResult",
           "extract_pipeline"]

#: What each query was for.
STAGES = ("base", "probe", "grid", "line search", "category")
#: Probes per numeric input to tell a linear input from a binned one.
_N_PROBES = 5


class ExtractedPipeline:
    """The recovered feature extraction and logistic regression, on raw inputs.

    ``coef_`` has one row per class after the first (the first class's logit
    is 0), over the features ``transform`` extracts.
    """

    def __init__(self, features, encodings, edges, coef, intercept, classes):
        self.features = tuple(features)
        self.encodings_ = dict(encodings)
        self.edges_ = {k: np.asarray(v, dtype=np.float64) for k, v in edges.items()}
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = len(self.features)

    def transform(self, X_raw) -> np.ndarray:
        return encode(np.asarray(X_raw, dtype=np.float64), self.features, self.encodings_,
                      self.edges_)

    def decision_function(self, X_raw) -> np.ndarray:
        Z = self.transform(X_raw) @ self.coef_.T + self.intercept_
        return np.hstack([np.zeros((len(Z), 1)), Z])

    def predict_proba(self, X_raw) -> np.ndarray:
        return softmax(self.decision_function(X_raw), axis=1)

    def predict(self, X_raw) -> np.ndarray:
        return self.classes_[self.decision_function(X_raw).argmax(axis=1)]

    def __repr__(self) -> str:
        kinds = {e: sum(v == e for v in self.encodings_.values()) for e in ENCODINGS}
        return f"ExtractedPipeline({', '.join(f'{n} {k}' for k, n in kinds.items() if n)})"


@dataclass(frozen=True)
class PipelineExtractionResult:
    """What :func:`extract_pipeline` found and what it paid.

    Attributes
    ----------
    model : ExtractedPipeline
        Feature extraction and model, on raw inputs.
    n_queries : int
        Queries spent.
    cost : float
        ``n_queries`` times the oracle's ``price_per_query``.
    encodings : dict of str to str
        For each input: ``"one-hot"``, ``"quantile"`` or ``"linear"``.
    edges : dict of str to ndarray
        The bin edges found for each binned input: each is just above the
        last queried point below the true edge, so within ``epsilon`` below it
        (an input equal to a true edge lands in the same bin as for the victim).
    queries : ndarray of shape (n_queries, n_features)
        Every raw query, in order.
    answers : ndarray of shape (n_queries, n_classes)
        The oracle's probability vector for each query.
    stage : ndarray of str, shape (n_queries,)
        What each query was for (see :data:`STAGES`).
    epsilon : float
        Granularity of the line searches.
    seconds : float
        Time the attack took, queries included.
    """

    model: ExtractedPipeline
    n_queries: int
    cost: float
    encodings: dict[str, str]
    edges: dict[str, np.ndarray]
    queries: np.ndarray
    answers: np.ndarray = field(repr=False)
    stage: np.ndarray
    epsilon: float
    seconds: float

    def queries_by_stage(self) -> dict[str, int]:
        """How many queries went to each stage."""
        return {s: int(np.sum(self.stage == s)) for s in STAGES}


class _Recorder:
    """Sends raw queries, keeps them with their stage, returns log-probability ratios."""

    def __init__(self, oracle: Oracle, n_classes: int | None):
        self.oracle = oracle
        self.n_classes = n_classes
        self.X: list[np.ndarray] = []
        self.P: list[np.ndarray] = []
        self.R: list[np.ndarray] = []
        self.stage: list[str] = []

    def __call__(self, X: np.ndarray, stage: str) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        P = ask(self.oracle, X, self.n_classes)
        with np.errstate(divide="ignore"):
            logP = np.log(P)
        R = logP[:, 1:] - logP[:, :1]
        if not np.all(np.isfinite(R)):
            raise ValueError(
                "The oracle answered a probability of exactly 0, so the log-probability "
                "ratios this attack solves for are undefined (a rounded or top-k API?)."
            )
        self.X.append(X)
        self.P.append(P)
        self.R.append(R)
        self.stage += [stage] * len(X)
        return R


def _differ(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    return bool(np.max(np.abs(a - b)) > tol * (1.0 + np.max(np.abs(a))))


def extract_pipeline(
    oracle: Oracle,
    *,
    features: Sequence[Any],
    epsilon: float = 1e-3,
    n_grid: int = 32,
    tol: float = 1e-7,
) -> PipelineExtractionResult:
    """Find an Amazon-style feature extraction by queries, then solve for the model.

    Tramèr et al. (2016), §4.2 and Table 7: quantile bins are found by line
    search at granularity ``epsilon`` (10⁻³ in the paper), one-hot encoded
    categories by one query each, and the logistic regression on the
    extracted features by equation solving.

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``) on raw inputs.
    features : sequence of Feature
        The input schema (``dataset.features`` of a raw data set): names,
        kinds, ranges of numeric inputs and categories of categorical ones.
    epsilon : float, default=1e-3
        Each bin edge is located within ``epsilon`` (in the input's units).
    n_grid : int, default=32
        Intervals of the grid each binned input is first queried on; two
        edges closer than ``range / n_grid`` may merge into one.
    tol : float, default=1e-7
        Relative tolerance for telling two answers apart.

    Returns
    -------
    PipelineExtractionResult
        ``.model`` (an :class:`ExtractedPipeline`), ``.n_queries``, ``.cost``,
        the encodings and edges found, and every query with its stage.

    Raises
    ------
    QueryBudgetExceeded
        If the budget runs out during the attack; how many queries the line
        searches take is not known in advance.
    """
    oracle = check_oracle(oracle, output="proba")
    features = check_features(features, oracle.n_features)
    epsilon = check_positive(epsilon, "epsilon")
    n_grid = check_int(n_grid, "n_grid", minimum=2)
    tol = check_positive(tol, "tol")
    n_classes = None if oracle.classes is None else len(oracle.classes)

    t0 = time.perf_counter()
    spent0 = oracle.n_queries
    ask_ = _Recorder(oracle, n_classes)
    base = np.array([
        0.5 * (f.low + f.high) if f.kind == "continuous" else 0.0 for f in features
    ])
    r_base = ask_(base, "base")[0]

    def along(j: int, values) -> np.ndarray:
        X = np.repeat(base[None, :], len(values), axis=0)
        X[:, j] = values
        return X

    encodings, edges = {}, {}
    for j, f in enumerate(features):
        if f.kind == "categorical":
            encodings[f.name] = "one-hot"
            if len(f.values) > 1:
                ask_(along(j, np.arange(1, len(f.values))), "category")
            continue
        if not f.high > f.low:  # a constant input: nothing to learn
            encodings[f.name] = "linear"
            continue
        # Probes at evenly spaced points (the middle one is the base point).
        probes = np.linspace(f.low, f.high, _N_PROBES)
        middle = _N_PROBES // 2
        R = np.insert(ask_(along(j, np.delete(probes, middle)), "probe"), middle, r_base, axis=0)
        steps = np.diff(R, axis=0)
        if all(not _differ(steps[0], s, tol) for s in steps[1:]):
            encodings[f.name] = "linear"
            continue
        encodings[f.name] = "quantile"
        grid = np.linspace(f.low, f.high, n_grid + 1)
        known = np.isin(grid, probes)
        R_grid = np.empty((len(grid), R.shape[1]))
        R_grid[known] = R[np.searchsorted(probes, grid[known])]
        R_grid[~known] = ask_(along(j, grid[~known]), "grid")
        found = []

        def search(a, ra, b, rb, j=j, found=found):
            if b - a <= epsilon:
                found.append(np.nextafter(a, np.inf))  # a is below the edge, b at or above
                return
            m = 0.5 * (a + b)
            rm = ask_(along(j, [m]), "line search")[0]
            if _differ(ra, rm, tol):
                search(a, ra, m, rm)
            if _differ(rm, rb, tol):
                search(m, rm, b, rb)

        for k in range(n_grid):
            if _differ(R_grid[k], R_grid[k + 1], tol):
                search(grid[k], R_grid[k], grid[k + 1], R_grid[k + 1])
        edges[f.name] = np.array(sorted(found))

    X = np.vstack(ask_.X)
    R = np.vstack(ask_.R)
    Phi = encode(X, features, encodings, edges)
    A = np.hstack([Phi, np.ones((len(Phi), 1))])
    W = np.linalg.lstsq(A, R, rcond=None)[0]
    classes = np.arange(R.shape[1] + 1) if oracle.classes is None else oracle.classes
    model = ExtractedPipeline(features, encodings, edges, W[:-1].T, W[-1], classes)
    spent = oracle.n_queries - spent0
    return PipelineExtractionResult(
        model=model,
        n_queries=spent,
        cost=spent * oracle.price_per_query,
        encodings=encodings,
        edges=edges,
        queries=X,
        answers=np.vstack(ask_.P),
        stage=np.array(ask_.stage),
        epsilon=epsilon,
        seconds=time.perf_counter() - t0,
    )
