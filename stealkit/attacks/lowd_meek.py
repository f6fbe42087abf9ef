"""The Lowd–Meek attack: a linear classifier from its labels alone (Tramèr et al. 2016, §5).

Threat model: the oracle returns only a class label, for any input the
attacker chooses (inputs off the data distribution included). The attacker
knows that the victim is a binary linear classifier, sign(w·x + b), or a
polynomial-kernel one, sign(w·φ(x) + b) with φ the monomials up to a known
degree, and the number of features d. Each query is paid; the attack spends
about (d + 1) line searches of log₂(1/ε) queries each.

The idea (Lowd & Meek 2005): two points with different labels bracket the
decision boundary; halving the bracket ε-close to it gives a point x₀ with
w·x₀ + b ≈ 0. Enough such boundary points in general position pin down
(w, b) up to a positive scale, as the null vector of the homogeneous linear
system w·φ(x_k) + b = 0. For a linear model we take x₀ and, for each
feature i, the boundary point reached from x₀ + δ·e_i by a line search along
the direction from the negative to the positive point (Lowd and Meek walk
along one witness feature instead; walking along the segment keeps every
search bounded). For a polynomial kernel the boundary points come from line
searches between random pairs of differently labelled points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np

from stealkit._validation import check_int, check_oracle, check_positive, check_rng
from stealkit.attacks._common import check_box, check_n_features
from stealkit.oracle import Oracle

__all__ = ["LinearClassifier", "LowdMeekResult", "lowd_meek", "line_search"]

#: Uniform points tried before giving up on finding both labels.
_MAX_WITNESS_QUERIES = 10_000
#: Doublings of a walk back to a linear boundary before giving up (2^40 times δ).
_MAX_DOUBLINGS = 40


# --------------------------------------------------------------------------- arguments
# --------------------------------------------------------------------------- the model
class LinearClassifier:
    """sign(w·φ(x) + b) with scikit-learn's attributes; φ is x, or its monomials up to ``degree``.

    Built from recovered parameters rather than fitted: ``coef_`` has shape
    ``(1, n_terms)`` (``n_terms = n_features`` when ``degree == 1``; otherwise
    the monomials of degree 1 to ``degree``, in scikit-learn's
    ``PolynomialFeatures`` order), and the positive side predicts
    ``classes_[1]``, as scikit-learn's binary classifiers do.
    """

    def __init__(self, coef: np.ndarray, intercept: float, classes: np.ndarray, *,
                 n_features: int, degree: int = 1):
        from sklearn.preprocessing import PolynomialFeatures

        self.coef_ = np.asarray(coef, dtype=np.float64).reshape(1, -1)
        self.intercept_ = np.array([float(intercept)])
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = int(n_features)
        self.degree = int(degree)
        self._monomials = PolynomialFeatures(self.degree, include_bias=False).fit(
            np.zeros((1, self.n_features_in_))
        )

    def transform(self, X) -> np.ndarray:
        """The feature map φ: the monomials of the columns of ``X`` up to ``degree``."""
        X = np.asarray(X, dtype=np.float64)
        return X if self.degree == 1 else self._monomials.transform(X)

    def decision_function(self, X) -> np.ndarray:
        return self.transform(X) @ self.coef_[0] + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(np.intp)]

    def __repr__(self) -> str:
        kind = "linear" if self.degree == 1 else f"polynomial, degree {self.degree}"
        return f"LinearClassifier({kind}, n_features={self.n_features_in_})"


@dataclass(frozen=True)
class LowdMeekResult:
    """What :func:`lowd_meek` recovered and what it paid.

    Attributes
    ----------
    model : LinearClassifier
        The extracted classifier; ``coef_`` and ``intercept_`` are (w, b)
        scaled to ‖(w, b)‖ = 1, on the victim's side of the boundary.
    n_queries : int
        Queries spent.
    positive, negative : ndarray of shape (n_features,)
        The first points found with each label (x⁺, x⁻).
    boundary : ndarray of shape (n_boundary, n_features)
        The points found within ``epsilon`` of the boundary; the first is x₀.
    queries : ndarray of shape (n_queries, n_features)
        Every query, in the order sent.
    answers : ndarray of shape (n_queries,)
        The oracle's label for each query.
    seconds : float
        Wall-clock time of the attack.
    stage : ndarray of shape (n_queries,)
        For each query: 0 searching for x⁺ and x⁻, 1 the line search to x₀
        (for a polynomial kernel: every line search), 2 the walks from
        x₀ + δ·eᵢ back to the boundary.
    epsilon : float
        The granularity of the line searches.
    """

    model: LinearClassifier
    n_queries: int
    positive: np.ndarray
    negative: np.ndarray
    boundary: np.ndarray
    queries: np.ndarray
    answers: np.ndarray = field(repr=False)
    seconds: float = field(repr=False)
    stage: np.ndarray
    epsilon: float


# --------------------------------------------------------------------------- line search
class _Meter:
    """Sends queries to the oracle and keeps them, with the stage they belong to."""

    def __init__(self, oracle: Oracle):
        self.oracle = oracle
        self.X: list[np.ndarray] = []
        self.answers: list[np.ndarray] = []
        self.stage: list[np.ndarray] = []

    def __call__(self, X: np.ndarray, stage: int) -> np.ndarray:
        answer = np.asarray(self.oracle(X))
        self.X.append(np.array(X, dtype=np.float64))
        self.answers.append(answer)
        self.stage.append(np.full(len(X), stage))
        return answer


def line_search(
    oracle: Any,
    X_a: np.ndarray,
    X_b: np.ndarray,
    *,
    y_a: np.ndarray,
    epsilon: float | None = None,
    n_steps: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Halve segments [a, b] with differently labelled ends towards the boundary, in parallel.

    Each step queries every segment's midpoint (one query per segment) and
    keeps the half whose ends still differ: ``a`` keeps ``a``'s label, ``b``
    any other. Stops after ``n_steps``, or when every segment is shorter than
    ``epsilon`` (Euclidean length); give exactly one of the two.

    Parameters
    ----------
    oracle : callable
        Maps a batch of inputs to labels (a label :class:`~stealkit.Oracle`).
    X_a, X_b : ndarray of shape (n_segments, n_features)
        The ends of the segments; ``X_a[k]`` and ``X_b[k]`` must have
        different labels.
    y_a : ndarray of shape (n_segments,)
        The labels of ``X_a``, already known to the caller.
    epsilon : float, optional
        Target length of the final segments.
    n_steps : int, optional
        Number of halvings.

    Returns
    -------
    A, B : ndarray of shape (n_segments, n_features)
        The final brackets: ``A`` on ``a``'s side, ``B`` on the other.
    X, y : ndarray
        Every midpoint queried and its label, in the order sent:
        ``n_steps * n_segments`` rows, or with ``epsilon`` about
        log₂(length / epsilon) per segment.
    """
    A = np.array(X_a, dtype=np.float64)
    B = np.array(X_b, dtype=np.float64)
    if (epsilon is None) == (n_steps is None):
        raise ValueError("Give exactly one of 'epsilon' and 'n_steps'.")
    y_a = np.asarray(y_a)
    if A.shape != B.shape or A.ndim != 2 or y_a.shape != (len(A),):
        raise ValueError(
            "'X_a' and 'X_b' must be 2-D arrays of the same shape and 'y_a' hold one label per "
            f"row. Got shapes {A.shape}, {B.shape} and {y_a.shape}."
        )
    Xs, ys = [], []
    step = 0
    while True:
        if n_steps is not None:
            active = np.ones(len(A), dtype=bool) if step < n_steps else np.zeros(len(A), bool)
        else:  # only segments still longer than epsilon are worth a query
            active = np.linalg.norm(B - A, axis=1) > epsilon
        if not active.any():
            break
        idx = np.flatnonzero(active)
        M = 0.5 * (A[idx] + B[idx])
        y = np.asarray(oracle(M))
        same = y == y_a[idx]
        A[idx[same]] = M[same]
        B[idx[~same]] = M[~same]
        Xs.append(M)
        ys.append(y)
        step += 1
    X = np.concatenate(Xs) if Xs else np.empty((0, A.shape[1]))
    y = np.concatenate(ys) if ys else y_a[:0]
    return A, B, X, y


def _bisect(meter: _Meter, A, B, y_a, epsilon: float, stage: int) -> np.ndarray:
    """Midpoints of brackets halved to length ``epsilon`` (points ε-close to the boundary)."""
    A, B, _, _ = line_search(lambda M: meter(M, stage), A, B, epsilon=epsilon, y_a=y_a)
    return 0.5 * (A + B)


# --------------------------------------------------------------------------- the attack
def _null_vector(Phi: np.ndarray) -> np.ndarray:
    """Unit (w, b) minimising ‖[Φ 1](w, b)‖: the solution of w·φ(x_k) + b = 0."""
    system = np.hstack([Phi, np.ones((len(Phi), 1))])
    return np.linalg.svd(system)[2][-1]


def _witnesses(meter: _Meter, oracle: Oracle, n_features: int, low: float, high: float,
               rng: np.random.Generator, n_each: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points and labels, until ``n_each`` pairs of different labels exist."""
    X = np.empty((0, n_features))
    y = None
    batch = 1 if n_each == 1 else max(2, int(np.ceil(2 * np.sqrt(n_each))))
    while True:
        if len(X) >= _MAX_WITNESS_QUERIES:
            raise RuntimeError(
                f"The oracle gave the same label to {len(X)} uniform points in "
                f"[{low}, {high}]^{n_features}: no decision boundary was found in the query box. "
                "Widen it with 'low' and 'high'."
            )
        new = rng.uniform(low, high, size=(batch, n_features))
        labels = meter(new, 0)
        X = np.vstack([X, new])
        y = labels if y is None else np.concatenate([y, labels])
        values, counts = np.unique(y, return_counts=True)
        if len(values) > 2:
            raise ValueError(
                "Lowd–Meek extracts binary classifiers, but the oracle answered "
                f"{len(values)} different labels: {values.tolist()}."
            )
        if len(values) == 2 and counts[0] * counts[1] >= n_each:
            return X, y


def lowd_meek(
    oracle: Oracle,
    *,
    n_features: int,
    degree: int = 1,
    epsilon: float = 1e-6,
    low: float = -1.0,
    high: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> LowdMeekResult:
    """Extract a binary linear (or polynomial-kernel) classifier from labels only.

    Tramèr et al. (2016), §5 ("Lowd–Meek"): find a positive and a negative
    point, line-search ε-close to the decision boundary, and solve
    w·φ(x) + b = 0 at the boundary points found; φ is the identity
    (``degree=1``) or the explicit feature map of a polynomial kernel
    (K(x, x') = (γ x·x' + c)^degree is linear in the monomials of x up to
    ``degree``).

    Parameters
    ----------
    oracle : Oracle
        A label oracle (``output="label"``) around a binary classifier.
    n_features : int
        Number of input features d (known to the attacker).
    degree : int, default=1
        1 for a linear model; p ≥ 2 for a polynomial kernel of degree p,
        with C(d + p, p) − 1 monomials as unknowns (plus the bias).
    epsilon : float, default=1e-6
        Granularity of the line searches: every boundary point is within
        ``epsilon`` (Euclidean) of a point of the victim's boundary.
    low, high : float, default=-1.0, 1.0
        The box the random starting points are drawn from.
    rng : int, numpy.random.Generator or None
        Source of randomness for the starting points.

    Returns
    -------
    LowdMeekResult
        ``.model`` (with ``coef_``, ``intercept_`` and ``predict``) equals the
        victim's (w, b) up to a positive scale and the line searches' error;
        ``.n_queries`` is the number of queries spent.

    Raises
    ------
    QueryBudgetExceeded
        If the oracle's budget runs out during the attack.
    RuntimeError
        If 10,000 uniform points in the box all have the same label, or (for
        ``degree=1``) if the victim does not behave like a linear classifier.
    """
    oracle = check_oracle(oracle, output="label")
    n_features = check_n_features(oracle, n_features)
    degree = check_int(degree, "degree", minimum=1)
    epsilon = check_positive(epsilon, "epsilon")
    low, high = check_box(low, high)
    rng = check_rng(rng)
    if oracle.classes is not None and len(oracle.classes) != 2:
        raise ValueError(
            "Lowd–Meek extracts binary classifiers; the oracle's 'classes' has "
            f"{len(oracle.classes)} entries: {list(oracle.classes)}."
        )

    t0 = time.perf_counter()
    start = oracle.n_queries
    meter = _Meter(oracle)
    n_terms = comb(n_features + degree, degree) - 1
    # Linear: one pair gives x0, then one search per feature. Polynomial: one search
    # per pair, for twice as many boundary points as unknowns (least squares).
    n_pairs = 1 if degree == 1 else 2 * (n_terms + 1)
    X, y = _witnesses(meter, oracle, n_features, low, high, rng, n_pairs)
    classes = oracle.classes if oracle.classes is not None else np.unique(y)
    positive_label = classes[1]
    pos, neg = np.flatnonzero(y == positive_label), np.flatnonzero(y != positive_label)
    x_pos, x_neg = X[pos[0]], X[neg[0]]

    if degree == 1:
        x0 = _bisect(meter, x_neg[None], x_pos[None], y[neg[:1]], epsilon, stage=1)[0]
        # From x0 + delta*e_i, walk along u (negative to positive) back to the boundary:
        # the crossing t_i = -delta * w_i / (w.u) is finite for every i.
        u = (x_pos - x_neg) / np.linalg.norm(x_pos - x_neg)
        delta = 0.5 * (high - low)
        P = x0 + delta * np.eye(n_features)
        y_start = meter(P, 2)
        side = y_start == positive_label  # the sign of w_i: a free sign witness
        step = np.where(side, -1.0, 1.0)[:, None] * u  # towards the other side
        reach = np.full(n_features, delta)
        far = P + reach[:, None] * step
        for _ in range(_MAX_DOUBLINGS):  # double the reach until every walk has crossed
            crossed = (meter(far, 2) == positive_label) != side
            if crossed.all():
                break
            reach[~crossed] *= 2
            far[~crossed] = P[~crossed] + reach[~crossed, None] * step[~crossed]
        else:
            raise RuntimeError(
                f"{int((~crossed).sum())} walks from the boundary never crossed it again, "
                f"{reach.max():.3g} units away: the victim does not look linear."
            )
        boundary = np.vstack([x0, _bisect(meter, P, far, y_start, epsilon, stage=2)])
        Phi = boundary
    else:
        pairs = rng.permutation(len(pos) * len(neg))[:n_pairs]
        A, B = X[neg[pairs % len(neg)]], X[pos[pairs // len(neg)]]
        boundary = _bisect(meter, A, B, y[neg[pairs % len(neg)]], epsilon, stage=1)
        Phi = LinearClassifier(np.zeros(n_terms), 0.0, classes, n_features=n_features,
                               degree=degree).transform(boundary)

    wb = _null_vector(Phi)
    model = LinearClassifier(wb[:-1], wb[-1], classes, n_features=n_features, degree=degree)
    if model.decision_function(x_pos[None])[0] < 0:  # the null vector's sign is arbitrary
        model = LinearClassifier(-wb[:-1], -wb[-1], classes, n_features=n_features,
                                 degree=degree)
    return LowdMeekResult(
        model=model,
        n_queries=oracle.n_queries - start,
        positive=x_pos,
        negative=x_neg,
        boundary=boundary,
        queries=np.concatenate(meter.X),
        stage=np.concatenate(meter.stage),
        epsilon=epsilon,
        answers=np.concatenate(meter.answers),
        seconds=time.perf_counter() - t0,
    )
