"""Retraining attacks: label queries become a training set (Tramèr et al. 2016, §5).

Threat model: the oracle returns only a class label. The attacker knows the
number of features d, the class names, the family of the victim (logistic,
softmax, RBF SVM or a one-hidden-layer MLP) and the input box (or a sampler of
the feature space); not its parameters or training data. It spends exactly
``n_queries`` queries, then trains a local model f̂ of that family on the
labelled queries.

Three ways to choose the queries:

- ``"uniform"``: m points drawn uniformly from the feature space.
- ``"line_search"``: a quarter of the budget on uniform anchors, the rest on
  line searches between differently labelled anchors, which place queries
  ever closer to the victim's decision boundary (a generalisation of
  Lowd–Meek).
- ``"adaptive"``: ``rounds`` rounds of m/r queries. The first is uniform;
  each later round puts three quarters of its queries where the current local
  model is least certain, on its own decision boundary (found by line search
  on the local model between candidates it labels differently: no query is
  spent), and a quarter uniformly, then retrains. This is active learning, as
  in the paper's code (5 rounds, ¾ near the local boundary, ¼ uniform).

Every strategy spends its budget exactly, and every labelled query, the
intermediate points of line searches included, goes into the training set.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from stealkit._validation import check_budget, check_choice, check_int, check_oracle, check_rng
from stealkit.attacks._common import Sampler, check_box, check_n_features, check_sampler, draw
from stealkit.attacks.lowd_meek import line_search
from stealkit.oracle import Oracle

__all__ = [
    "STRATEGIES",
    "MODELS",
    "RetrainingResult",
    "extract_by_retraining",
    "local_model",
]

STRATEGIES = ("uniform", "line_search", "adaptive")
MODELS = ("logistic", "softmax", "rbf_svm", "mlp")

#: Halvings per line search in "line_search": the bracket ends at 1/256 of the segment.
LINE_SEARCH_STEPS = 8
#: Share of each adaptive round (after the first) spent on uniform queries.
UNIFORM_SHARE = 0.25
#: Halvings, on the local model (free), that place a query on its boundary.
LOCAL_STEPS = 20


@dataclass(frozen=True)
class RetrainingResult:
    """What :func:`extract_by_retraining` trained and what it queried, round by round.

    Attributes
    ----------
    model : estimator
        The extracted model f̂ (scikit-learn, with ``predict``), trained on
        every labelled query.
    n_queries : int
        Queries spent (always the ``n_queries`` asked for).
    queries : ndarray of shape (n_queries, n_features)
        Every query, in the order sent.
    answers : ndarray of shape (n_queries,)
        The oracle's label for each query.
    seconds : float
        Wall-clock time of the attack (queries and local training).
    strategy : str
        How the queries were chosen.
    round_queries, round_labels : tuple of ndarray
        The same queries and labels split by round (one round for
        ``"uniform"`` and ``"line_search"``).
    models : tuple of estimators
        The local model after each round; the last is :attr:`model`.
    """

    model: Any
    n_queries: int
    queries: np.ndarray = field(repr=False)
    answers: np.ndarray = field(repr=False)
    seconds: float = field(repr=False)
    strategy: str
    round_queries: tuple[np.ndarray, ...] = field(repr=False)
    round_labels: tuple[np.ndarray, ...] = field(repr=False)
    models: tuple[Any, ...] = field(repr=False)

    @property
    def n_rounds(self) -> int:
        return len(self.round_queries)

    @property
    def queries_per_round(self) -> tuple[int, ...]:
        return tuple(len(q) for q in self.round_queries)


def local_model(model: str, *, rng: int | np.random.Generator | None = None) -> Any:
    """The unfitted scikit-learn estimator the attacker trains for a model family.

    ``"logistic"`` is binary logistic regression (one-vs-rest beyond two
    classes), ``"softmax"`` multinomial logistic regression, ``"rbf_svm"`` an
    SVM with an RBF kernel and ``"mlp"`` one hidden layer of 20 tanh units
    (Tramèr et al.'s MLP). Regularisation is weak: the labels are the
    victim's, free of noise, and the copy should follow its boundary rather
    than generalise.

    ``rng`` seeds the MLP's initial weights (an int is passed to scikit-learn
    as is; a generator gives one draw); the other families are deterministic.
    """
    if model == "logistic":
        return OneVsRestClassifier(LogisticRegression(C=1e4, max_iter=5000))
    if model == "softmax":
        return LogisticRegression(C=1e4, max_iter=5000)
    if model == "rbf_svm":
        return SVC(kernel="rbf", C=1e3, gamma="scale")
    if model == "mlp":
        return MLPClassifier(
            hidden_layer_sizes=(20,),
            activation="tanh",
            solver="lbfgs",
            alpha=1e-5,
            max_iter=2000,
            random_state=_sklearn_seed(rng),
        )
    raise ValueError(
        f"The 'model' parameter must be one of {', '.join(map(repr, MODELS))} or an "
        f"unfitted scikit-learn classifier. Got {model!r} instead."
    )


def _sklearn_seed(rng: int | np.random.Generator | None) -> int | None:
    """scikit-learn's ``random_state``: None and ints as they are, a generator's next draw."""
    if rng is None:
        return None
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return int(rng)
    return int(check_rng(rng).integers(2**31 - 1))


def _check_model(model: Any) -> Any:
    if isinstance(model, str):
        local_model(model)  # raises for an unknown name
        return model
    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise TypeError(
            f"The 'model' parameter must be one of {', '.join(map(repr, MODELS))} or an "
            f"unfitted scikit-learn classifier. Got {type(model).__name__} {model!r} instead."
        )
    return model


def _fit(model: Any, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Any:
    """Train the local model; with a single label seen, a constant classifier."""
    seed = int(rng.integers(2**31 - 1))
    if len(np.unique(y)) < 2:
        return DummyClassifier(strategy="most_frequent").fit(X, y)
    est = local_model(model, rng=seed) if isinstance(model, str) else clone(model)
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    with warnings.catch_warnings():
        # Separable victim labels push logistic weights to infinity; the boundary settles first.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _margin(model: Any, X: np.ndarray) -> np.ndarray:
    """How certain the local model is: the gap between its two highest class scores."""
    if isinstance(model, DummyClassifier):
        return np.zeros(len(X))
    scores = (
        model.decision_function(X) if hasattr(model, "decision_function")
        else model.predict_proba(X)
    )
    scores = np.asarray(scores)
    if scores.ndim == 1:
        return np.abs(scores)
    top = np.sort(scores, axis=1)[:, -2:]
    return top[:, 1] - top[:, 0]


# --------------------------------------------------------------------------- strategies
def _uniform(oracle, sample, n_queries, model, rng):
    X = sample(n_queries)
    y = np.asarray(oracle(X))
    return [X], [y], [_fit(model, X, y, rng)]


def _pairs(y: np.ndarray, first: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """For each label in ``first``, a random index with that label and one with another."""
    a = np.empty(len(first), dtype=np.intp)
    b = np.empty(len(first), dtype=np.intp)
    for label in np.unique(first):
        rows = np.flatnonzero(first == label)
        inside, outside = np.flatnonzero(y == label), np.flatnonzero(y != label)
        a[rows] = inside[rng.integers(len(inside), size=len(rows))]
        b[rows] = outside[rng.integers(len(outside), size=len(rows))]
    return a, b


def _line_search(oracle, sample, n_queries, model, rng):
    X0 = sample(max(2, min(n_queries, int(round(UNIFORM_SHARE * n_queries)))))
    y0 = np.asarray(oracle(X0))
    Xs, ys = [X0], [y0]
    left = n_queries - len(X0)
    while left > 0 and len(np.unique(y0)) < 2:  # one more anchor, until two labels are seen
        X1 = sample(1)
        y1 = np.asarray(oracle(X1))
        Xs.append(X1)
        ys.append(y1)
        X0, y0 = np.concatenate([X0, X1]), np.concatenate([y0, y1])
        left -= 1
    while left > 0:
        n_steps = min(LINE_SEARCH_STEPS, left)
        a, b = _pairs(y0, y0[rng.integers(len(y0), size=left // n_steps)], rng)
        _, _, X, y = line_search(oracle, X0[a], X0[b], n_steps=n_steps, y_a=y0[a])
        Xs.append(X)
        ys.append(y)
        left -= len(X)
    X, y = np.concatenate(Xs), np.concatenate(ys)
    return [X], [y], [_fit(model, X, y, rng)]


def _near_boundary(model: Any, candidates: np.ndarray, n: int, rng: np.random.Generator
                   ) -> np.ndarray:
    """``n`` points on the local model's decision boundary, where it is least certain.

    Random pairs of candidates that the local model labels differently are
    halved towards its boundary, on the local model alone: no query is spent.
    """
    pred = np.asarray(model.predict(candidates))
    labels = np.unique(pred)
    if len(labels) < 2:  # no local boundary among the candidates: least certain of them
        return candidates[np.argsort(_margin(model, candidates), kind="stable")[:n]]
    # Pick the first end's predicted class uniformly, so that a class the local model
    # gives to a handful of points still has its boundary explored.
    a, b = _pairs(pred, labels[rng.integers(len(labels), size=n)], rng)
    A, B, _, _ = line_search(model.predict, candidates[a], candidates[b], n_steps=LOCAL_STEPS,
                             y_a=pred[a])
    return 0.5 * (A + B)


def _adaptive(oracle, sample, n_queries, model, rng, rounds):
    sizes = [n_queries // rounds + (r < n_queries % rounds) for r in range(rounds)]
    Xs, ys, models = [], [], []
    current = None
    for size in sizes:
        if current is None or isinstance(current, DummyClassifier):
            X = sample(size)
        else:
            n_near = size - int(round(UNIFORM_SHARE * size))
            # Candidates: fresh uniform points and everything queried so far (a rare
            # class may so far be known only from the queries that found it).
            candidates = np.concatenate([sample(size), *Xs])
            X = np.concatenate([_near_boundary(current, candidates, n_near, rng),
                                sample(size - n_near)])
        y = np.asarray(oracle(X))
        Xs.append(X)
        ys.append(y)
        current = _fit(model, np.concatenate(Xs), np.concatenate(ys), rng)
        models.append(current)
    return Xs, ys, models


# --------------------------------------------------------------------------- the attack
def extract_by_retraining(
    oracle: Oracle,
    *,
    n_features: int,
    n_queries: int,
    strategy: str = "uniform",
    model: str | Any = "logistic",
    rounds: int = 5,
    low: float = -1.0,
    high: float = 1.0,
    sampler: Sampler | None = None,
    rng: int | np.random.Generator | None = None,
) -> RetrainingResult:
    """Steal a classifier from labels by training a local copy on chosen queries.

    Tramèr et al. (2016), §5 ("Retraining"): uniform retraining, line-search
    retraining, and adaptive retraining in ``rounds`` rounds of
    ``n_queries / rounds`` queries, each after the first placing ¾ of its
    queries where the current local model is least certain and ¼ uniformly.

    Parameters
    ----------
    oracle : Oracle
        A label oracle (``output="label"``).
    n_features : int
        Number of input features d (known to the attacker).
    n_queries : int
        The budget m, spent exactly. The paper gives it as α × the number of
        unknowns, e.g. α·(d + 1) for binary logistic regression.
    strategy : {"uniform", "line_search", "adaptive"}, default="uniform"
        How the queries are chosen.
    model : {"logistic", "softmax", "rbf_svm", "mlp"} or estimator, default="logistic"
        The family of the local model (see :func:`local_model`), or an
        unfitted scikit-learn classifier, cloned for each fit.
    rounds : int, default=5
        Rounds of the adaptive strategy (the paper's code uses 5); ignored by
        the others. Each round needs at least one query.
    low, high : float, default=-1.0, 1.0
        The box uniform queries are drawn from.
    sampler : callable, optional
        ``sampler(n, rng=...)`` drawing n points of the feature space instead
        of the box, e.g. ``dataset.sample_uniform`` (one-hot features stay
        one-hot).
    rng : int, numpy.random.Generator or None
        Source of randomness (queries and local training).

    Returns
    -------
    RetrainingResult
        ``.model``, ``.n_queries``, and the queries, labels and local models
        of every round.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``n_queries``.
    """
    oracle = check_oracle(oracle, output="label")
    n_features = check_n_features(oracle, n_features)
    n_queries = check_int(n_queries, "n_queries", minimum=1)
    strategy = check_choice(strategy, "strategy", STRATEGIES)
    model = _check_model(model)
    rounds = check_int(rounds, "rounds", minimum=1)
    if strategy == "adaptive" and rounds > n_queries:
        raise ValueError(
            f"The 'rounds' parameter must be at most 'n_queries' ({n_queries}): each round "
            f"needs at least one query. Got {rounds} instead."
        )
    low, high = check_box(low, high)
    sampler = check_sampler(sampler)
    rng = check_rng(rng)
    check_budget(oracle, n_queries)

    def sample(n: int) -> np.ndarray:
        return draw(n, n_features, low=low, high=high, sampler=sampler, rng=rng)

    t0 = time.perf_counter()
    start = oracle.n_queries
    # The local problems are small: one BLAS thread is as fast, and several threads on a
    # shared 2-core machine (Binder) slow every fit down tenfold.
    with threadpool_limits(limits=1):
        if strategy == "uniform":
            Xs, ys, models = _uniform(oracle, sample, n_queries, model, rng)
        elif strategy == "line_search":
            Xs, ys, models = _line_search(oracle, sample, n_queries, model, rng)
        else:
            Xs, ys, models = _adaptive(oracle, sample, n_queries, model, rng, rounds)
    return RetrainingResult(
        model=models[-1],
        n_queries=oracle.n_queries - start,
        queries=np.concatenate(Xs),
        answers=np.concatenate(ys),
        seconds=time.perf_counter() - t0,
        strategy=strategy,
        round_queries=tuple(Xs),
        round_labels=tuple(ys),
        models=tuple(models),
    )
