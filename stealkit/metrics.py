"""How well a model was stolen: the distances and risks of Tramèr et al. §3.

R_test is the mean distance between the victim f and the extracted model f̂
on a test set; R_unif the same on inputs drawn uniformly from the feature
space. Labels are compared with the 0-1 distance, probability vectors with
the total variation distance d(y, y') = ½ Σ_i |y_i − y'_i|. Extraction
accuracy is 1 − R; with the 0-1 distance it is the *fidelity* (agreement with
the victim), not the *accuracy* (agreement with the true labels).

:func:`membership_advantage` measures something else: what a model (a
victim or a stolen copy) reveals about who was in its training set.

Metrics see the victim directly (the evaluator owns it): they never spend
queries of an attack's budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stealkit._validation import check_choice, check_int, check_rng

__all__ = [
    "DISTANCES",
    "zero_one",
    "total_variation",
    "r_test",
    "r_unif",
    "extraction_accuracy",
    "fidelity",
    "accuracy",
    "membership_advantage",
]

DISTANCES = ("zero_one", "total_variation")


def zero_one(y, y_hat) -> np.ndarray:
    """0-1 distance per sample: 1 where the labels differ."""
    y, y_hat = np.asarray(y), np.asarray(y_hat)
    if y.shape != y_hat.shape or y.ndim != 1:
        raise ValueError(
            "zero_one needs two 1-D label arrays of the same length. "
            f"Got shapes {y.shape} and {y_hat.shape}."
        )
    return (y != y_hat).astype(np.float64)


def total_variation(p, q) -> np.ndarray:
    """Total variation distance per sample between rows of probability vectors."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 2:
        raise ValueError(
            "total_variation needs two 2-D arrays of probability vectors of the same shape. "
            f"Got shapes {p.shape} and {q.shape}."
        )
    return 0.5 * np.abs(p - q).sum(axis=1)


def _answer(model: Any, X: np.ndarray, distance: str) -> np.ndarray:
    """Labels or probabilities of an estimator or a plain callable."""
    method = "predict" if distance == "zero_one" else "predict_proba"
    fn: Callable | None = getattr(model, method, None)
    if fn is None:
        if not callable(model):
            raise TypeError(
                f"A model must have {method}() or be callable. Got {type(model).__name__}."
            )
        fn = model
    return np.asarray(fn(X))


def r_test(f: Any, f_hat: Any, X, *, distance: str = "zero_one") -> float:
    """Mean distance between victim ``f`` and extracted ``f_hat`` on the inputs ``X``.

    ``f`` and ``f_hat`` are estimators (``predict`` for the 0-1 distance,
    ``predict_proba`` for total variation) or callables returning the same.
    """
    distance = check_choice(distance, "distance", DISTANCES)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim < 2 or len(X) == 0:
        raise ValueError(f"The inputs 'X' must be a non-empty 2-D array. Got shape {X.shape}.")
    d = zero_one if distance == "zero_one" else total_variation
    return float(d(_answer(f, X, distance), _answer(f_hat, X, distance)).mean())


def r_unif(
    f: Any,
    f_hat: Any,
    *,
    n_features: int | None = None,
    sampler: Callable[..., np.ndarray] | None = None,
    n_samples: int = 10_000,
    low: float = -1.0,
    high: float = 1.0,
    distance: str = "zero_one",
    rng: int | np.random.Generator | None = None,
) -> float:
    """Mean distance on ``n_samples`` inputs drawn uniformly from the feature space.

    Give either ``n_features`` (uniform on ``[low, high]^n_features``) or a
    ``sampler(n_samples, rng=...)`` such as ``dataset.sample_uniform``, which
    respects one-hot encoded categorical features. The paper uses 100,000
    samples for regression models and 10,000 for trees.
    """
    if (n_features is None) == (sampler is None):
        raise ValueError("Give exactly one of 'n_features' and 'sampler'.")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = check_rng(rng)
    if sampler is not None:
        X = sampler(n_samples, rng=rng)
    else:
        n_features = check_int(n_features, "n_features", minimum=1)
        if not low < high:
            raise ValueError(f"Need low < high for the uniform box. Got low={low}, high={high}.")
        X = rng.uniform(low, high, size=(n_samples, n_features))
    return r_test(f, f_hat, X, distance=distance)


def extraction_accuracy(f: Any, f_hat: Any, X, *, distance: str = "zero_one") -> float:
    """1 − R_test: the paper's extraction accuracy on the inputs ``X``."""
    return 1.0 - r_test(f, f_hat, X, distance=distance)


def fidelity(f: Any, f_hat: Any, X) -> float:
    """Fraction of inputs on which ``f_hat`` predicts the victim's label."""
    return extraction_accuracy(f, f_hat, X, distance="zero_one")


def accuracy(model: Any, X, y) -> float:
    """Fraction of inputs on which ``model`` predicts the true label."""
    y = np.asarray(y)
    pred = _answer(model, np.asarray(X, dtype=np.float64), "zero_one")
    return float(1.0 - zero_one(y, pred).mean())


def membership_advantage(model: Any, members: tuple, non_members: tuple) -> float:
    """Membership inference advantage of the loss-threshold attack (Yeom et al. 2018).

    The attacker calls a record a member when the model's cross-entropy loss
    on it is below a threshold; the advantage is the best true-positive rate
    minus false-positive rate over all thresholds (0: the model reveals
    nothing this way; 1: it separates members perfectly). An (ε, 0)-DP
    training bounds it by e^ε − 1.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` and ``classes_``
    members, non_members : (X, y) pairs
        Records the model trained on, and records of the same distribution it
        never saw.
    """
    losses = []
    for name, pair in (("members", members), ("non_members", non_members)):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"The '{name}' parameter must be an (X, y) pair. "
                            f"Got {type(pair).__name__}.")
        X, y = np.asarray(pair[0], dtype=np.float64), np.asarray(pair[1])
        if X.ndim != 2 or y.shape != (len(X),) or len(X) == 0:
            raise ValueError(f"The '{name}' parameter must hold a 2-D X and one label per row. "
                             f"Got shapes {X.shape} and {y.shape}.")
        classes = np.asarray(model.classes_)
        index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        if (classes[index] != y).any():
            raise ValueError(f"The labels of '{name}' must be among the model's classes "
                             f"{classes.tolist()}.")
        P = np.asarray(model.predict_proba(X), dtype=np.float64)
        losses.append(-np.log(np.clip(P[np.arange(len(X)), index], 1e-300, None)))
    inside, outside = losses
    thresholds = np.unique(np.concatenate(losses))
    tpr = np.searchsorted(np.sort(inside), thresholds, side="right") / len(inside)
    fpr = np.searchsorted(np.sort(outside), thresholds, side="right") / len(outside)
    return float(max(0.0, (tpr - fpr).max()))
