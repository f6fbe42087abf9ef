"""PRADA: detecting extraction from the distances between one client's queries.

Juuti, Szyller, Marchal and Asokan, "PRADA: Protecting against DNN model
stealing attacks" (EuroS&P 2019), Algorithm 1. The owner keeps, per client
and per predicted class, a growing set of earlier queries. Each new query's
minimum L2 distance to that set joins a stream of distances; natural queries
give roughly normally distributed distances, the synthetic queries of
extraction attacks (points on a line, on a grid, just across a boundary) do
not. Once ``min_queries`` distances are collected, a Shapiro–Wilk test runs
after every query and the alarm rises when its statistic W drops below δ.

Threat model: the detector sees every query of one client (one API key) and
the class the model predicted for it, nothing about the client's intent. An
attacker who knows the detector can mix natural inputs into its stream or
spread its queries over many keys.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from scipy import stats

from stealkit._validation import check_int, check_real

__all__ = ["PRADA"]


class _Growing:
    """A class's growing set G_c (rows kept in a buffer that doubles)."""

    def __init__(self, n_features: int):
        self.rows = np.empty((16, n_features))
        self.n = 0
        self.distances: list[float] = []  # distances of the rows added (for T_c)
        self.threshold = 0.0

    def nearest(self, x: np.ndarray) -> float:
        diff = self.rows[: self.n] - x
        return float(np.sqrt(np.einsum("ij,ij->i", diff, diff).min()))

    def add(self, x: np.ndarray, distance: float | None) -> None:
        if self.n == len(self.rows):
            self.rows = np.concatenate([self.rows, np.empty_like(self.rows)])
        self.rows[self.n] = x
        self.n += 1
        if distance is not None:
            self.distances.append(distance)
            d = np.asarray(self.distances)
            self.threshold = max(self.threshold, float(d.mean() - d.std()))


class PRADA:
    """A per-client extraction detector (Juuti et al. 2019, Algorithm 1).

    Parameters
    ----------
    delta : float, default=0.9
        Alarm threshold δ on the Shapiro–Wilk statistic W, in (0, 1). The
        paper calibrates it per model on benign traffic.
    min_queries : int, default=100
        Distances to collect before the first test (at least 3).

    Attributes
    ----------
    n_queries : int
        Queries seen.
    statistic : float or None
        The latest W (None before the first test).
    alarm : bool
        Whether W has dropped below δ at any test so far.
    alarm_at : int or None
        The query count at which the alarm first rose.
    history : ndarray of shape (n_tests, 2)
        ``(n_queries, W)`` after every test.
    """

    def __init__(self, *, delta: float = 0.9, min_queries: int = 100):
        self.delta = check_real(delta, "delta", low=0.0, high=1.0, include_high=False)
        self.min_queries = check_int(min_queries, "min_queries", minimum=3)
        self.reset()

    def reset(self) -> PRADA:
        """Forget every query (a new client)."""
        self.n_queries = 0
        self.statistic: float | None = None
        self.alarm = False
        self.alarm_at: int | None = None
        self._history: list[tuple[int, float]] = []
        self._sets: dict[Any, _Growing] = {}
        self._distances: list[float] = []
        self._n_features: int | None = None
        return self

    @property
    def history(self) -> np.ndarray:
        return np.asarray(self._history, dtype=np.float64).reshape(-1, 2)

    @property
    def distances(self) -> np.ndarray:
        """The stream of minimum distances D."""
        return np.asarray(self._distances)

    def _check(self, X: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"The queries 'X' must be a numeric array: {exc}") from None
        if X.ndim < 2:
            raise ValueError(f"The queries 'X' must be 2-D, one row per query. Got shape "
                             f"{X.shape}; for a single query use X.reshape(1, -1).")
        X = X.reshape(len(X), -1)
        if not np.isfinite(X).all():
            raise ValueError("The queries 'X' contain NaN or infinite values; PRADA measures "
                             "distances between complete queries.")
        if self._n_features is not None and X.shape[1] != self._n_features:
            raise ValueError(f"The queries 'X' must have {self._n_features} features, like "
                             f"this client's earlier queries. Got {X.shape[1]}.")
        labels = np.asarray(labels)
        if labels.shape != (len(X),):
            raise ValueError(f"The 'labels' must hold one predicted class per query, shape "
                             f"({len(X)},). Got shape {labels.shape}.")
        return X, labels

    def update(self, X: Any, labels: Any) -> bool:
        """Feed a batch of queries with the classes the model predicted; return :attr:`alarm`."""
        X, labels = self._check(X, labels)
        if self._n_features is None and len(X):
            self._n_features = X.shape[1]
        for x, c in zip(X, labels.tolist(), strict=True):
            self.n_queries += 1
            grow = self._sets.get(c)
            if grow is None:
                grow = self._sets[c] = _Growing(X.shape[1])
                grow.add(x, None)
                continue
            d = grow.nearest(x)
            self._distances.append(d)
            if d > grow.threshold:
                grow.add(x, d)
            if len(self._distances) >= self.min_queries:
                self._test()
        return self.alarm

    def _test(self) -> None:
        D = np.asarray(self._distances)
        mu, sd = D.mean(), D.std()
        kept = D[np.abs(D - mu) <= 3 * sd] if sd > 0 else D
        if len(kept) < 3 or np.ptp(kept) == 0:
            w = 0.0  # all distances equal: as far from normal as a stream can be
        else:
            with warnings.catch_warnings():  # N > 5000: W is exact, only its p-value is not
                warnings.simplefilter("ignore", UserWarning)
                w = float(stats.shapiro(kept).statistic)
        self.statistic = w
        self._history.append((self.n_queries, w))
        if w < self.delta and not self.alarm:
            self.alarm, self.alarm_at = True, self.n_queries

    # ---------------------------------------------------------------- storage
    def to_bytes(self) -> bytes:
        """The whole state as an ``.npz`` archive (no pickle), for a server's database."""
        classes = list(self._sets)
        arrays = {
            "meta": np.array([self.n_queries, np.nan if self.statistic is None else self.statistic,
                              self.alarm, -1 if self.alarm_at is None else self.alarm_at,
                              -1 if self._n_features is None else self._n_features,
                              self.delta, self.min_queries], dtype=np.float64),
            "history": self.history, "distances": self.distances,
            "classes": np.array(classes), "thresholds": np.array(
                [self._sets[c].threshold for c in classes], dtype=np.float64),
        }
        for i, c in enumerate(classes):
            g = self._sets[c]
            arrays[f"rows{i}"] = g.rows[: g.n]
            arrays[f"added{i}"] = np.asarray(g.distances, dtype=np.float64)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PRADA:
        """A detector restored from :meth:`to_bytes` (class labels come back as Python scalars)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            meta = f["meta"]
            det = cls(delta=float(meta[5]), min_queries=int(meta[6]))
            det.n_queries = int(meta[0])
            det.statistic = None if np.isnan(meta[1]) else float(meta[1])
            det.alarm = bool(meta[2])
            det.alarm_at = None if meta[3] < 0 else int(meta[3])
            det._n_features = None if meta[4] < 0 else int(meta[4])
            det._history = [(int(n), float(w)) for n, w in f["history"]]
            det._distances = f["distances"].tolist()
            for i, (c, t) in enumerate(zip(f["classes"].tolist(), f["thresholds"], strict=True)):
                rows = f[f"rows{i}"]
                g = _Growing(rows.shape[1])
                g.rows = np.concatenate([rows, np.empty_like(rows)]) if len(rows) else g.rows
                g.n, g.distances, g.threshold = len(rows), f[f"added{i}"].tolist(), float(t)
                det._sets[c] = g
        return det

    def __repr__(self) -> str:
        w = "–" if self.statistic is None else f"{self.statistic:.3f}"
        return (f"PRADA(delta={self.delta}, min_queries={self.min_queries}, "
                f"n_queries={self.n_queries}, W={w}, alarm={self.alarm})")
