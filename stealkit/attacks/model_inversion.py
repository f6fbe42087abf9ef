"""Model inversion on an extracted model (Tramèr et al. 2016, §4.1.3; Fredrikson et al. 2015).

Threat model: the attacker wants a prototype of a class: the input the model
is most confident belongs to it (for a face recogniser, a recognisable face of
a person known by name only). Against the prediction API itself the attack is
black-box: each gradient is estimated from 2d finite-difference queries, and
every step is paid. Against a white-box copy extracted first, the same search
costs no queries at all: the attacker pays for the extraction once and then
inverts every class for free.

The search (Fredrikson et al.'s MI-Face, without its denoising step):
projected gradient ascent on log f_t(x), the log-confidence of the target
class t, inside the input box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stealkit._validation import check_budget, check_int, check_oracle, check_positive
from stealkit.attacks._common import ask, check_box
from stealkit.oracle import Oracle

__all__ = ["InversionResult", "invert_model", "invert_oracle", "inversion_queries"]


@dataclass(frozen=True)
class InversionResult:
    """The prototype a model inversion found.

    Attributes
    ----------
    x : ndarray of shape (n_features,)
        The input found (the class prototype).
    target : int
        Index of the target class in the model's (or oracle's) classes.
    confidence : ndarray of shape (n_steps + 1,)
        The target class's probability at the start and after each step, as
        the inverted model (or the oracle) reports it.
    n_queries : int
        Oracle queries spent: 0 for a white-box copy.
    n_evaluations : int
        Points the model was evaluated on (queries, for the oracle).
    seconds : float
        Wall-clock time of the inversion.

    Notes
    -----
    Model inversion recovers an input, not a model: ``x`` stands where other
    attacks' results have ``model``, and the queries (2d per step: 50 steps
    on a 784-pixel image send 78,400 queries, 61 million numbers) are
    counted, not kept.
    """

    x: np.ndarray
    target: int
    confidence: np.ndarray
    n_queries: int
    n_evaluations: int
    seconds: float = field(repr=False)


def inversion_queries(n_features: int, n_steps: int) -> int:
    """Queries of a black-box inversion: 2d per finite-difference gradient, plus the final one."""
    return n_steps * 2 * n_features + 1


def _target_index(target: Any, classes: np.ndarray | None, n_classes: int | None) -> int:
    if classes is not None:
        matches = np.flatnonzero(np.asarray(classes) == target)
        if len(matches) != 1:
            raise ValueError(
                f"The 'target' parameter must be one of the classes {np.asarray(classes).tolist()}."
                f" Got {target!r} instead."
            )
        return int(matches[0])
    index = check_int(target, "target", minimum=0)
    if n_classes is not None and index >= n_classes:
        raise ValueError(
            f"The 'target' parameter must be a class index below {n_classes}. Got {index}."
        )
    return index


def _check_start(x0: Any, n_features: int, low: float, high: float) -> np.ndarray:
    if x0 is None:
        return np.full(n_features, 0.5 * (low + high))
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.shape != (n_features,) or not np.all(np.isfinite(x0)):
        raise ValueError(
            f"The start 'x0' must be a finite array of shape ({n_features},). Got shape {x0.shape}."
        )
    return np.clip(x0, low, high)


def _ascend(proba: Callable[[np.ndarray], np.ndarray], x: np.ndarray, t: int, *, n_steps: int,
            step_size: float, epsilon: float, low: float, high: float):
    """Projected ascent on log p_t, gradients by central differences (2d points a step)."""
    d = len(x)
    eye = np.eye(d) * epsilon
    confidence = []
    for _ in range(n_steps):
        batch = np.vstack([x + eye, x - eye])
        logp = np.log(np.clip(proba(batch)[:, t], 1e-300, None))
        grad = (logp[:d] - logp[d:]) / (2 * epsilon)
        # The confidence at x, for the record: the mean of each ± pair is within O(ε²).
        confidence.append(float(np.exp(0.5 * (logp[:d] + logp[d:])).mean()))
        scale = np.abs(grad).max()
        if scale == 0:
            break
        x = np.clip(x + step_size * grad / scale, low, high)
    confidence.append(float(proba(x[None, :])[0, t]))
    return x, np.array(confidence)


def invert_model(
    model: Any,
    *,
    target: Any,
    n_steps: int = 100,
    step_size: float = 0.05,
    epsilon: float = 1e-4,
    low: float = -1.0,
    high: float = 1.0,
    x0: np.ndarray | None = None,
) -> InversionResult:
    """Find a prototype of class ``target`` on a white-box model (no queries).

    Fredrikson et al. (2015) as used in Tramèr et al. (2016), §4.1.3: start at
    ``x0`` (the middle of the box) and take ``n_steps`` steps of projected
    gradient ascent on log f_t(x), each moving every feature by at most
    ``step_size``. Gradients are central differences with step ``epsilon``,
    so any model with ``predict_proba`` can be inverted (an extracted
    :class:`~stealkit.attacks.equation_solving.LinearModel`, an
    :class:`~stealkit.attacks.mlp.MLPModel`, a scikit-learn classifier).

    Parameters
    ----------
    model : estimator
        Has ``predict_proba`` and ``classes_`` (or use a class index).
    target : class label
        The class to invert: an element of ``model.classes_``, or an index if
        the model has no ``classes_``.
    n_steps : int, default=100
    step_size : float, default=0.05
        Largest change of one feature per step.
    epsilon : float, default=1e-4
        Finite-difference step.
    low, high : float, default=-1.0, 1.0
        The input box.
    x0 : ndarray of shape (n_features,), optional
        The start; the middle of the box by default.

    Returns
    -------
    InversionResult
        ``.x`` (the prototype), ``.confidence`` per step, ``.n_queries == 0``.
    """
    if not callable(getattr(model, "predict_proba", None)):
        raise TypeError(
            f"The 'model' must have predict_proba(). Got {type(model).__name__}."
        )
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None:
        raise ValueError("The 'model' must be fitted (it has no 'n_features_in_').")
    t = _target_index(target, getattr(model, "classes_", None), None)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    step_size = check_positive(step_size, "step_size")
    epsilon = check_positive(epsilon, "epsilon")
    low, high = check_box(low, high)
    x = _check_start(x0, int(n_features), low, high)

    t0 = time.perf_counter()
    x, confidence = _ascend(
        lambda X: np.asarray(model.predict_proba(X)), x, t, n_steps=n_steps,
        step_size=step_size, epsilon=epsilon, low=low, high=high,
    )
    return InversionResult(x=x, target=t, confidence=confidence, n_queries=0,
                           n_evaluations=inversion_queries(int(n_features), n_steps),
                           seconds=time.perf_counter() - t0)


def invert_oracle(
    oracle: Oracle,
    *,
    target: Any,
    n_steps: int = 100,
    step_size: float = 0.05,
    epsilon: float = 1e-4,
    low: float = -1.0,
    high: float = 1.0,
    x0: np.ndarray | None = None,
) -> InversionResult:
    """Find a prototype of class ``target`` through the prediction API (black-box).

    The same search as :func:`invert_model`, each finite-difference gradient
    paid with 2d queries: ``inversion_queries(d, n_steps)`` in all, checked
    against the oracle's budget before the first query.

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``).
    target : class label
        An element of ``oracle.classes``, or a class index if it has none.
    n_steps, step_size, epsilon, low, high, x0
        As in :func:`invert_model`.

    Returns
    -------
    InversionResult
        ``.x``, ``.confidence`` per step (as the oracle reported it) and the
        queries spent.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the budget cannot cover the search.
    """
    oracle = check_oracle(oracle, output="proba")
    t = _target_index(target, oracle.classes, None)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    step_size = check_positive(step_size, "step_size")
    epsilon = check_positive(epsilon, "epsilon")
    low, high = check_box(low, high)
    x = _check_start(x0, oracle.n_features, low, high)
    needed = inversion_queries(oracle.n_features, n_steps)
    check_budget(oracle, needed)

    t0 = time.perf_counter()
    start = oracle.n_queries
    x, confidence = _ascend(
        lambda X: ask(oracle, X), x, t, n_steps=n_steps, step_size=step_size,
        epsilon=epsilon, low=low, high=high,
    )
    spent = oracle.n_queries - start
    return InversionResult(x=x, target=t, confidence=confidence, n_queries=spent,
                           n_evaluations=spent, seconds=time.perf_counter() - t0)
