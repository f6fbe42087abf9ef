"""Query helpers and problem checks shared by the attacks.

Every attack validates all of its arguments with these before its first query,
so a bad argument never costs the attacker anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from stealkit._validation import check_budget, check_int, check_oracle, check_rng
from stealkit.oracle import Oracle

Sampler = Callable[..., np.ndarray]


def check_n_features(oracle: Oracle, n_features: Any) -> int:
    n_features = check_int(n_features, "n_features", minimum=1)
    if n_features != oracle.n_features:
        raise ValueError(
            f"The 'n_features' parameter must match the oracle's input size "
            f"({oracle.n_features}). Got {n_features} instead."
        )
    return n_features


def check_n_classes(oracle: Oracle, n_classes: Any) -> int:
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    if oracle.classes is not None and len(oracle.classes) != n_classes:
        raise ValueError(
            f"The 'n_classes' parameter must match the oracle's classes "
            f"({len(oracle.classes)}). Got {n_classes} instead."
        )
    return n_classes


def check_problem(oracle: Any, n_features: Any, n_classes: Any) -> tuple[Oracle, int, int]:
    """Check a probability oracle and the d and c the attacker claims for it, in that order.

    Returns
    -------
    oracle : Oracle
    n_features, n_classes : int
    """
    oracle = check_oracle(oracle, output="proba")
    n_features = check_n_features(oracle, n_features)
    n_classes = check_n_classes(oracle, n_classes)
    return oracle, n_features, n_classes


def check_features(features: Any, n_features: int) -> list:
    """The descriptions of the oracle's raw inputs (``dataset.features``), one per input.

    Each is continuous, with finite ``low <= high``, or categorical, with its ``values``.
    """
    if isinstance(features, (str, bytes, Mapping)) or not isinstance(features, Sequence):
        raise TypeError(
            "The 'features' parameter must be a sequence of feature descriptions (e.g. "
            f"dataset.features of a raw data set). Got {type(features).__name__}."
        )
    features = list(features)
    if len(features) != n_features:
        raise ValueError(
            f"The 'features' parameter must describe each of the oracle's {n_features} "
            f"features. Got {len(features)} descriptions."
        )
    for i, f in enumerate(features):
        kind = getattr(f, "kind", None)
        where = f"feature {i} ({getattr(f, 'name', '?')!r})"
        if kind == "continuous":
            lo, hi = getattr(f, "low", None), getattr(f, "high", None)
            for bound, v in (("low", lo), ("high", hi)):
                if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v):
                    raise ValueError(
                        f"The 'features' parameter: continuous {where} needs a finite number "
                        f"as '{bound}'. Got {v!r}."
                    )
            if lo > hi:
                raise ValueError(
                    f"The 'features' parameter: continuous {where} needs low <= high. "
                    f"Got low={lo}, high={hi}."
                )
        elif kind == "categorical":
            values = getattr(f, "values", None)
            if values is None or isinstance(values, (str, bytes)) or len(values) == 0:
                raise ValueError(
                    f"The 'features' parameter: categorical {where} needs a non-empty "
                    f"sequence of 'values'. Got {values!r}."
                )
        else:
            raise ValueError(
                f"The 'features' parameter: {where} must have kind 'continuous' or "
                f"'categorical'. Got {kind!r}."
            )
    return features

def check_box(low: Any, high: Any) -> tuple[float, float]:
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v):
            raise ValueError(f"The '{name}' parameter must be a finite number. Got {v!r} instead.")
    if not low < high:
        raise ValueError(
            f"The query box needs 'low' < 'high'. Got low={low!r}, high={high!r} instead."
        )
    return float(low), float(high)


def check_sampler(sampler: Any) -> Sampler | None:
    if sampler is not None and not callable(sampler):
        raise TypeError(
            "The 'sampler' parameter must be callable as sampler(n, rng=...). "
            f"Got {type(sampler).__name__}."
        )
    return sampler


def check_queries(
    oracle: Oracle, n_queries: int, low: Any, high: Any, sampler: Any, rng: Any
) -> tuple[float, float, Sampler | None, np.random.Generator]:
    """Check how the queries are drawn, then the budget (the last check before querying).

    Checks the box, the sampler and the rng in that order, then raises
    :class:`~stealkit.oracle.QueryBudgetExceeded` if the oracle's budget cannot
    cover ``n_queries``.

    Returns
    -------
    low, high : float
    sampler : callable or None
    rng : numpy.random.Generator
    """
    low, high = check_box(low, high)
    sampler = check_sampler(sampler)
    rng = check_rng(rng)
    check_budget(oracle, n_queries)
    return low, high, sampler, rng


def draw(
    n: int,
    n_features: int,
    *,
    low: float,
    high: float,
    sampler: Sampler | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """``n`` query points: uniform in ``[low, high]^n_features`` or from ``sampler``."""
    if sampler is None:
        return rng.uniform(low, high, size=(n, n_features))
    X = np.asarray(sampler(n, rng=rng), dtype=np.float64)
    if X.shape != (n, n_features):
        raise ValueError(
            f"The 'sampler' must return an array of shape (n, {n_features}). "
            f"Got shape {X.shape} for n={n}."
        )
    return X


def ask(oracle: Oracle, X: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """The oracle's probability vectors for ``X``, checked to be one column per class."""
    P = np.asarray(oracle(X), dtype=np.float64)
    if P.ndim != 2 or len(P) != len(X) or (n_classes is not None and P.shape[1] != n_classes):
        want = f"(n, {n_classes})" if n_classes is not None else "(n, n_classes)"
        raise ValueError(
            f"The oracle must answer probability vectors of shape {want}. Got shape {P.shape}."
        )
    return P


def draw_and_ask(
    oracle: Oracle,
    n_queries: int,
    n_features: int,
    n_classes: int,
    *,
    low: float,
    high: float,
    sampler: Sampler | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Draw ``n_queries`` points (see :func:`draw`) and ask the oracle about them.

    Returns
    -------
    X : ndarray of shape (n_queries, n_features)
        The queries, in the order sent.
    P : ndarray of shape (n_queries, n_classes)
        The answers (see :func:`ask`).
    spent : int
        How many queries the oracle charged for them.
    """
    X = draw(n_queries, n_features, low=low, high=high, sampler=sampler, rng=rng)
    start = oracle.n_queries
    P = ask(oracle, X, n_classes)
    return X, P, oracle.n_queries - start


def oracle_classes(oracle: Oracle, n_classes: int) -> np.ndarray:
    """The oracle's class labels, or 0, ..., c − 1 where it does not name them."""
    return np.arange(n_classes) if oracle.classes is None else oracle.classes


def resolution(P: np.ndarray, max_decimals: int = 10) -> float:
    """The rounding unit of the answers: 10^-k if all lie on that grid, else 0.

    An API that rounds to k decimals reports 0 for any probability below half
    a unit, so the unit tells how far to clip before taking logarithms.
    """
    P = np.asarray(P, dtype=np.float64)
    for k in range(max_decimals + 1):
        scaled = P * 10.0**k
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return 10.0**-k
    return 0.0


def log_proba(P: np.ndarray) -> np.ndarray:
    """log P, with answers clipped to half a rounding unit (or to 1e-300) from 0."""
    unit = resolution(P)
    floor = unit / 2 if unit > 0 else 1e-300
    P = np.clip(P, floor, None)
    return np.log(P / P.sum(axis=1, keepdims=True))


def torch_generator(rng: np.random.Generator):
    """A torch CPU generator seeded from ``rng`` (torch never touches global state here)."""
    import torch

    return torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
