"""Functionally-equivalent extraction of a one-hidden-layer ReLU network from its raw scores.

Jagielski, Carlini, Berthelot, Kurakin and Papernot (USENIX Security 2020),
§5, and Carlini, Jagielski and Mironov (CRYPTO 2020). The victim computes
f(x) = Σ_j a_j ReLU(w_j·x + b_j) + c. Along any line, f is piecewise linear,
with a kink where the line crosses one of the hidden units' hyperplanes
w_j·x + b_j = 0 (a *critical point*). Three steps:

1. Search along long random lines for the kinks: where the slopes at the two
   ends of an interval differ, the kink of a one-kink interval is where the
   two end lines meet; otherwise the interval is halved.
2. At a critical point x* of a new unit, the gradient jumps across the
   hyperplane by a_j w_j (up to sign): two finite-difference gradients just
   either side of it give the unit's hyperplane up to scale and sign. Later
   critical points on that hyperplane cost no gradient; once a unit has more
   than d of them, its hyperplane is refitted exactly through them.
3. ReLU(-z) = ReLU(z) - z, so whatever the signs, f is linear in the
   unknowns of f(x) = Σ_j α_j ReLU(n_j(x)) + β·x + γ, with n_j the
   recovered hyperplanes: least squares on fresh queries solves them. When
   the units' weights are independent, the skip term β is a combination of
   the flipped units, which is found and undone (signs resolved).

Threat model: the attacker queries a scalar raw score at full precision
(``Oracle(..., output="score")``) anywhere in R^d, knows d and that the model
is a one-hidden-layer ReLU network, not its width. Rounding the scores (the
defence of Figure 7) or returning labels breaks the finite differences.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stealkit._validation import check_int, check_oracle, check_positive, check_rng

__all__ = ["ReLUNetwork", "ReLUExtractionResult", "LineSearch", "search_line",
           "extract_relu_network"]


@dataclass(frozen=True)
class ReLUNetwork:
    """f(x) = a·ReLU(W x + b) + skip·x + c, the recovered (or any) one-hidden-layer network."""

    W: np.ndarray
    b: np.ndarray
    a: np.ndarray
    c: float
    skip: np.ndarray

    def __call__(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return np.maximum(X @ self.W.T + self.b, 0.0) @ self.a + X @ self.skip + self.c

    @property
    def n_hidden(self) -> int:
        return len(self.b)


@dataclass(frozen=True)
class ReLUExtractionResult:
    """What :func:`extract_relu_network` recovered and what it cost.

    Attributes
    ----------
    model : ReLUNetwork
        Callable on a 2-D array, returning the scores.
    weights : dict
        ``W`` (h × d), ``b``, ``a`` (the output weights), ``c`` and ``skip``
        (zero once the signs are resolved); hidden units are recovered up to
        a positive scale and their order.
    n_queries : int
        Oracle queries, all steps together.
    critical_points : ndarray of shape (n_found, d)
        The kinks found on the search lines.
    signs_resolved : bool
        Whether the linear skip term was folded back into the units.
    queries, answers : ndarray
        Not kept (empty): the attack sends millions of numbers; they are counted.
    seconds : float
    """

    model: ReLUNetwork
    weights: dict[str, Any]
    n_queries: int
    critical_points: np.ndarray
    signs_resolved: bool
    seconds: float
    queries: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    answers: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)


class _Scores:
    """The oracle's scalar score, with a check that it is one number per row."""

    def __init__(self, oracle):
        self.oracle = oracle

    def __call__(self, X: np.ndarray) -> np.ndarray:
        out = np.asarray(self.oracle(np.atleast_2d(X)), dtype=np.float64)
        if out.ndim == 2 and out.shape[1] != 1:
            raise ValueError("extract_relu_network needs one raw score per query (a network "
                             f"with a single output); the oracle answers {out.shape[1]}.")
        return out.reshape(-1)


def _kinks(f, x0, v, lo, hi, *, eps, delta, tol, depth=0, max_depth=60,
           trace=None) -> list[float]:
    """Positions t of the kinks of t -> f(x0 + t v) in [lo, hi].

    An interval whose end slopes differ holds at least one kink. Where the
    two end lines meet, the slopes just left and right (``delta`` away) must
    be the end slopes, or the interval holds more than one kink and is
    halved; the kink is then placed where those two nearby lines meet, which
    is precise to the scores' rounding over ``delta``, not over the interval.
    ``trace``, a list, receives ``(lo, hi, verdict)`` for every interval examined.
    """
    def note(verdict):
        if trace is not None:
            trace.append((lo, hi, verdict))

    y = f(np.array([x0 + t * v for t in (lo, lo + eps, hi - eps, hi)]))
    s1, s2 = (y[1] - y[0]) / eps, (y[3] - y[2]) / eps
    if abs(s1 - s2) <= tol * (1 + abs(s1) + abs(s2)):
        note("linear")
        return []
    t = (y[3] - y[0] + s1 * lo - s2 * hi) / (s1 - s2)  # where the two end lines meet
    if lo + 3 * delta < t < hi - 3 * delta:
        z = f(np.array([x0 + u * v for u in (t - 2 * delta, t - delta, t + delta,
                                             t + 2 * delta)]))
        left, right = (z[1] - z[0]) / delta, (z[3] - z[2]) / delta
        if abs(left - s1) <= tol * (1 + abs(s1)) and abs(right - s2) <= tol * (1 + abs(s2)):
            note("one kink")
            return [(z[2] - z[1] + left * (t - delta) - right * (t + delta)) / (left - right)]
    if depth >= max_depth or hi - lo < 8 * delta:
        note("given up")
        return []
    note("halved")
    mid = (lo + hi) / 2
    options = dict(eps=eps, delta=delta, tol=tol, depth=depth + 1, trace=trace)
    return _kinks(f, x0, v, lo, mid, **options) + _kinks(f, x0, v, mid, hi, **options)


def _merge(normals: list, members: list, d: int) -> tuple[list, list]:
    """Units whose hyperplanes coincide are one unit (its first gradient was off); lone points
    that no other line confirmed are dropped when the others have several."""
    keep_n, keep_m = [], []
    for n, pts in zip(normals, members, strict=True):
        for i, (m, q) in enumerate(zip(keep_n, keep_m, strict=True)):
            if min(np.abs(n - m).max(), np.abs(n + m).max()) < 1e-3:
                keep_m[i] = q + pts
                break
        else:
            keep_n.append(n)
            keep_m.append(list(pts))
    typical = np.median([len(m) for m in keep_m])
    if typical > 2:
        pairs = [(n, m) for n, m in zip(keep_n, keep_m, strict=True) if len(m) > 1]
        keep_n, keep_m = [p[0] for p in pairs], [p[1] for p in pairs]
    return keep_n, keep_m


def _gradient(f, x: np.ndarray, h: float) -> np.ndarray:
    d = len(x)
    X = np.vstack([x, x + h * np.eye(d)])
    y = f(X)
    return (y[1:] - y[0]) / h


@dataclass(frozen=True)
class LineSearch:
    """The kinks of the victim's score along one line, and how the search found them.

    Attributes
    ----------
    kinks : ndarray
        Positions t of the critical points x0 + t·v found, in increasing order.
    intervals : list of (float, float, str)
        Every interval examined, in order, with its verdict: ``"linear"`` (the
        slopes at its ends agree), ``"one kink"`` (placed), ``"halved"`` or
        ``"given up"`` (too short to split).
    n_queries : int
    """

    kinks: np.ndarray
    intervals: list[tuple[float, float, str]]
    n_queries: int


def search_line(
    oracle: Any,
    start: Any,
    direction: Any,
    *,
    lo: float = -100.0,
    hi: float = 100.0,
    eps: float = 1e-6,
    step: float = 1e-4,
    tol: float = 1e-6,
) -> LineSearch:
    """Find the critical points on the line ``start + t·direction``, t in [lo, hi].

    Step 1 of :func:`extract_relu_network`, on one line (its parameters as
    there; ``direction`` is used as given, not normalised).
    """
    oracle = check_oracle(oracle, output="score")
    x0, v = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (start, direction))
    d = oracle.n_features
    if x0.shape != (d,) or v.shape != (d,) or not np.isfinite(np.r_[x0, v]).all():
        raise ValueError(f"The 'start' and 'direction' parameters must be {d} finite numbers "
                         f"each (the oracle's inputs). Got shapes {x0.shape} and {v.shape}.")
    if not np.any(v):
        raise ValueError("The 'direction' parameter must not be zero.")
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"The 'lo' and 'hi' parameters must be finite with lo < hi. "
                         f"Got {lo} and {hi}.")
    eps, step = check_positive(eps, "eps"), check_positive(step, "step")
    tol = check_positive(tol, "tol")
    before, trace = oracle.n_queries, []
    kinks = _kinks(_Scores(oracle), x0, v, lo, hi, eps=eps, delta=step, tol=tol, trace=trace)
    return LineSearch(kinks=np.sort(np.array(kinks, dtype=np.float64)), intervals=trace,
                      n_queries=oracle.n_queries - before)


def extract_relu_network(
    oracle: Any,
    *,
    n_features: int,
    n_lines: int | None = None,
    radius: float = 100.0,
    eps: float = 1e-6,
    step: float = 1e-4,
    tol: float = 1e-6,
    n_fit: int | None = None,
    rng: int | np.random.Generator | None = None,
) -> ReLUExtractionResult:
    """Steal a one-hidden-layer ReLU network up to functional equivalence (Jagielski et al. 2020).

    Parameters
    ----------
    oracle : Oracle or HTTPOracle
        Answers a raw score per query (``output="score"``, one output).
    n_features : int
        d.
    n_lines : int, optional
        Random lines searched for critical points, each from ``-radius`` to
        ``radius`` through a random point of [-1, 1]^d. Each line crosses
        every unit's hyperplane once, so with the default d + d // 10 + 4 lines every
        unit has more than d critical points, which pin its hyperplane down
        to the precision of the scores.
    radius : float, default=100
        Half-length of each line (long lines cross every unit's hyperplane).
    eps, step : float
        Finite-difference step at the ends of a search interval, and the
        distance from a critical point at which its two one-sided slopes and
        gradients are taken.
    tol : float, default=1e-6
        Relative tolerance for "the slope did not change".
    n_fit : int, optional
        Queries of the least-squares step (default 4(h + d + 1)), half in
        [-1, 1]^d and half spread out to ``radius``.
    rng : int, Generator or None

    Returns
    -------
    ReLUExtractionResult
    """
    oracle = check_oracle(oracle, output="score")
    d = check_int(n_features, "n_features", minimum=1)
    if d != oracle.n_features:
        raise ValueError(f"The 'n_features' parameter must match the oracle's {oracle.n_features} "
                         f"inputs. Got {d}.")
    n_lines = d + d // 10 + 4 if n_lines is None else check_int(n_lines, "n_lines", minimum=1)
    radius, eps = check_positive(radius, "radius"), check_positive(eps, "eps")
    step, tol = check_positive(step, "step"), check_positive(tol, "tol")
    n_fit = check_int(n_fit, "n_fit", minimum=1, allow_none=True)
    rng = check_rng(rng)
    start_queries, start = oracle.n_queries, time.perf_counter()
    f = _Scores(oracle)

    # 1-2. critical points along random lines; a new hyperplane's normal from the gradient jump,
    # then each hyperplane refitted through all of its critical points
    normals: list[np.ndarray] = []  # (w, b) per unit found, w of unit norm
    members: list[list[np.ndarray]] = []
    points = []
    for _ in range(n_lines):
        x0 = rng.uniform(-1, 1, d)
        v = rng.normal(size=d)
        v /= np.linalg.norm(v)
        for t in _kinks(f, x0, v, -radius, radius, eps=eps, delta=step, tol=tol):
            x = x0 + t * v
            points.append(x)
            near = [abs(n[:d] @ x + n[d]) for n in normals]
            if near and min(near) < 1e-5 * (1 + np.linalg.norm(x)):
                members[int(np.argmin(near))].append(x)
                continue
            jump = (_gradient(f, x + step * v, step * 1e-3)
                    - _gradient(f, x - step * v, step * 1e-3))
            norm = np.linalg.norm(jump)
            if norm <= tol:
                continue
            w = jump / norm
            normals.append(np.append(w, -w @ x))
            members.append([x])
    if not normals:
        raise RuntimeError("No critical point was found: the oracle answers a linear function "
                           "along every line searched (or its scores are rounded).")
    normals, members = _merge(normals, members, d)
    for i, pts in enumerate(members):
        P = np.hstack([np.array(pts), np.ones((len(pts), 1))])
        for _ in range(2):  # fit, drop the points off the plane (a misplaced kink), fit again
            if len(P) <= d:
                break
            n = np.linalg.svd(P, full_matrices=False)[2][-1]
            n /= np.linalg.norm(n[:d])
            normals[i] = n if n[:d] @ normals[i][:d] > 0 else -n
            off = np.abs(P @ normals[i])
            P = P[off <= max(1e-9, 10 * np.median(off))]
    N = np.array(normals)
    W, b = N[:, :d], N[:, d]

    # 3. the output layer, with a linear skip term that absorbs the unknown signs
    h = len(b)
    m = n_fit or 4 * (h + d + 1)
    # half in the box, half spread as far as the search lines went, so that every unit is seen
    # on both sides of its hyperplane (a unit seen on one side only is a linear function there)
    X = np.vstack([rng.uniform(-1, 1, (m - m // 2, d)),
                   rng.normal(size=(m // 2, d)) * radius / np.sqrt(d)])
    A = np.hstack([np.maximum(X @ W.T + b, 0.0), X, np.ones((m, 1))])
    theta, *_ = np.linalg.lstsq(A, f(X), rcond=None)
    a, skip, c = theta[:h], theta[h:h + d], float(theta[-1])
    resolved = False
    if h <= d:
        # skip = -Σ_{flipped j} a_j w_j: find the flipped units, and flip them back
        coef, *_ = np.linalg.lstsq((a[:, None] * W).T, -skip, rcond=None)
        flip = np.round(coef).astype(int)
        if np.all(np.isin(flip, (0, 1))) and np.allclose(coef, flip, atol=1e-3):
            sign = np.where(flip == 1, -1.0, 1.0)
            c = c + float(np.sum(a * flip * b))
            skip = skip + (a * flip) @ W
            W, b = W * sign[:, None], b * sign
            resolved = True
    model = ReLUNetwork(W=W, b=b, a=a, c=c, skip=skip)
    return ReLUExtractionResult(
        model=model, weights={"W": W, "b": b, "a": a, "c": c, "skip": skip},
        n_queries=oracle.n_queries - start_queries, critical_points=np.array(points),
        signs_resolved=resolved, seconds=time.perf_counter() - start)
