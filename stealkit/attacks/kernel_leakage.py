"""Extracting a kernel logistic regression leaks its training data (Tramèr et al. 2016, §4.1.3).

Threat model: the oracle returns class probabilities for any input. The
attacker knows that the victim is a kernel logistic regression (KLR) with an
RBF kernel of known width γ and s representers, the number of features d and
of classes c; not the representers, the coefficients or the training data.
Each query is paid.

KLR replaces each class's w·x + β by Σ_r α_r K(x, x_r) + β, and the
representers x_r are training points. Extraction treats them as unknowns,
with the α_r and β: s·d + s·c + c in all. Fitting the answers recovers the
representers, i.e. training points: a privacy breach on top of the theft.
When the attacker fits fewer representers than the victim has, each
extracted one settles near an average of the training points of a class
(Figure 2b).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment, minimize
from scipy.special import log_softmax

from stealkit.attacks._common import (
    Sampler,
    ask,
    check_box,
    check_budget,
    check_choice,
    check_int,
    check_n_classes,
    check_n_features,
    check_positive,
    check_proba_oracle,
    check_rng,
    check_sampler,
    draw,
    log_proba,
    resolution,
)
from stealkit.attacks.mlp import EXACT_TOLERANCE, LOSSES
from stealkit.oracle import Oracle
from stealkit.victims import KernelLogisticRegression

__all__ = ["KernelExtractionResult", "extract_kernel_lr", "match_representers"]


@dataclass(frozen=True)
class KernelExtractionResult:
    """What :func:`extract_kernel_lr` recovered and what it paid.

    Attributes
    ----------
    model : KernelLogisticRegression
        The extracted model, with ``representers_``, ``dual_coef_`` and
        ``intercept_`` set (the restart with the lowest training loss).
    n_queries : int
        Queries spent.
    queries, answers : ndarray
        The points sent and the probability vectors returned.
    n_unknowns : int
        s·d + s·c + c.
    objective : str
        ``"log_ratio"`` or ``"cross_entropy"`` (see :func:`extract_kernel_lr`).
    losses : tuple of float
        Final training loss of each restart, relative to the all-zero model.
    exact : bool
        Whether the best fit reproduces the answers.
    seconds : float
        Time spent fitting.
    """

    model: KernelLogisticRegression
    n_queries: int
    queries: np.ndarray
    answers: np.ndarray
    n_unknowns: int
    objective: str
    losses: tuple[float, ...]
    exact: bool
    seconds: float

    @property
    def representers(self) -> np.ndarray:
        """The extracted representers, shape (s, d): candidate training points."""
        return self.model.representers_


def _objective(theta, X, T, P, logP, loss, s, gamma):
    """Training loss of a KLR with parameters ``theta`` = (R, α, β), and its gradient."""
    n, d = X.shape
    c = T.shape[1]
    R = theta[: s * d].reshape(s, d)
    alpha = theta[s * d : s * (d + c)].reshape(s, c)
    beta = theta[s * (d + c) :]
    sq = (X**2).sum(1)[:, None] + (R**2).sum(1)[None, :] - 2.0 * X @ R.T
    K = np.exp(-gamma * np.maximum(sq, 0.0))
    Z = K @ alpha + beta
    if loss == "log_ratio":
        E = Z - Z.mean(axis=1, keepdims=True) - T
        value = np.sum(E**2) / n
        G = 2.0 * E / n
    else:
        logQ = log_softmax(Z, axis=1)
        value = np.sum(P * (logP - logQ)) / n
        G = (np.exp(logQ) - P) / n
    M = (G @ alpha.T) * K  # dL/dK ⊙ K
    grad_R = 2.0 * gamma * (M.T @ X - M.sum(0)[:, None] * R)
    grad = np.concatenate([grad_R.ravel(), (K.T @ G).ravel(), G.sum(0)])
    return value, grad


#: Representers at the start, in multiples of s, and the sparsity path that prunes them.
_WIDEN, _STAGES, _SHRINK, _PENALTY = 3, 5, 3.0, 1e-2


def _penalised(theta, penalty, s, d, c, *args):
    value, grad = _objective(theta, *args)
    alpha = theta[s * d : s * (d + c)].reshape(s, c)
    size = np.sqrt((alpha**2).sum(1) + 1e-12)
    grad = grad.copy()
    grad[s * d : s * (d + c)] += penalty * (alpha / size[:, None]).ravel()
    return value + penalty * size.sum(), grad


def _lbfgs(fun, theta, args, max_iter):
    return minimize(fun, theta, args=args, jac=True, method="L-BFGS-B",
                    options={"maxiter": max_iter, "maxcor": 30, "gtol": 1e-14, "ftol": 1e-20})


def _fit_once(X, T, P, logP, loss, s, gamma, rng, max_iter, scale):
    """One restart: 3s representers at random queries, pruned to s along a sparsity path."""
    n, d = X.shape
    c = T.shape[1]
    wide = min(n, _WIDEN * s)
    R = X[rng.choice(n, size=wide, replace=False)]
    theta = np.concatenate([R.ravel(), 0.01 * rng.standard_normal(wide * c), np.zeros(c)])
    penalty = _PENALTY * np.sqrt(scale)
    for _ in range(_STAGES):
        args = (penalty, wide, d, c, X, T, P, logP, loss, wide, gamma)
        theta = _lbfgs(_penalised, theta, args, max(1, max_iter // 10)).x
        penalty /= _SHRINK
    R = theta[: wide * d].reshape(wide, d)
    alpha = theta[wide * d : wide * (d + c)].reshape(wide, c)
    keep = np.argsort(-np.linalg.norm(alpha, axis=1))[:s]
    theta = np.concatenate([R[keep].ravel(), alpha[keep].ravel(), theta[wide * (d + c) :]])
    opt = _lbfgs(_objective, theta, (X, T, P, logP, loss, s, gamma), max_iter)
    return opt.x, float(opt.fun)


def extract_kernel_lr(
    oracle: Oracle,
    *,
    n_features: int,
    n_classes: int,
    n_representers: int,
    gamma: float,
    n_queries: int,
    loss: str = "auto",
    n_restarts: int = 10,
    max_iter: int = 5000,
    low: float = -1.0,
    high: float = 1.0,
    sampler: Sampler | None = None,
    rng: int | np.random.Generator | None = None,
) -> KernelExtractionResult:
    """Recover an RBF kernel logistic regression, representers included.

    Tramèr et al. (2016), §4.1.3 and Figure 2: the representers x_r, the
    coefficients α_r and the intercepts β are fitted to the answers by
    full-batch L-BFGS (float64). Each restart places 3s representers at random
    queries, prunes them to s along a shrinking group-sparsity penalty on the
    α_r (the surplus ones die out) and polishes; restarts keep the fit with
    the lowest training loss. As for the MLP
    (:func:`~stealkit.attacks.mlp.extract_mlp`), exact answers are fitted
    through their centred log-probabilities, so a loss of zero is an exact
    recovery.

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``).
    n_features : int
        Number of input features d.
    n_classes : int
        Number of classes c.
    n_representers : int
        Representers s of the extracted model. With the victim's s, the
        attack recovers them (up to order); with fewer, it finds an
        approximation whose representers resemble class averages.
    gamma : float
        Width γ of the kernel K(x, x') = exp(−γ‖x − x'‖²), known to the attacker.
    n_queries : int
        Queries to spend.
    loss : {"auto", "log_ratio", "cross_entropy"}, default="auto"
        As in :func:`~stealkit.attacks.mlp.extract_mlp`.
    n_restarts : int, default=10
        Restarts at most; stops at the first exact fit.
    max_iter : int, default=5000
        L-BFGS iterations of the final polish of each restart (each of the five
        pruning stages runs a tenth of that).
    low, high : float, default=-1.0, 1.0
        The box the queries are drawn from uniformly.
    sampler : callable, optional
        ``sampler(n, rng=...)`` drawing the queries instead.
    rng : int, numpy.random.Generator or None
        Source of randomness (queries and starts).

    Returns
    -------
    KernelExtractionResult
        ``.model``, ``.representers``, ``.n_queries``, the queries, answers
        and training losses.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``n_queries``.
    """
    oracle = check_proba_oracle(oracle)
    n_features = check_n_features(oracle, n_features)
    n_classes = check_n_classes(oracle, n_classes)
    n_representers = check_int(n_representers, "n_representers", minimum=1)
    gamma = check_positive(gamma, "gamma")
    n_queries = check_int(n_queries, "n_queries", minimum=n_representers)
    loss = check_choice(loss, "loss", LOSSES)
    n_restarts = check_int(n_restarts, "n_restarts", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    low, high = check_box(low, high)
    sampler = check_sampler(sampler)
    rng = check_rng(rng)
    check_budget(oracle, n_queries)

    X = draw(n_queries, n_features, low=low, high=high, sampler=sampler, rng=rng)
    start = oracle.n_queries
    P = ask(oracle, X, n_classes)
    spent = oracle.n_queries - start

    t0 = time.perf_counter()
    if loss == "auto":
        loss = "cross_entropy" if resolution(P) > 0 or np.any(P <= 0) else "log_ratio"
    logP = log_proba(P)
    T = logP - logP.mean(axis=1, keepdims=True)
    if loss == "log_ratio":
        scale = float(np.mean(np.sum(T**2, axis=1)))
    else:
        scale = float(np.mean(np.sum(np.exp(logP) * (logP + math.log(n_classes)), axis=1)))
    scale = max(scale, 1e-300)
    s, d, c = n_representers, n_features, n_classes
    best, losses = None, []
    for _ in range(n_restarts):
        theta, value = _fit_once(X, T, np.exp(logP), logP, loss, s, gamma, rng, max_iter,
                                 scale)
        losses.append(value / scale)
        if best is None or losses[-1] < best[1]:
            best = (theta, losses[-1])
        if losses[-1] < EXACT_TOLERANCE:
            break
    theta, value = best
    R = theta[: s * d].reshape(s, d)
    alpha = theta[s * d : s * (d + c)].reshape(s, c)
    beta = theta[s * (d + c) :]
    model = KernelLogisticRegression(gamma=gamma, n_representers=n_representers)
    model.representers_ = R
    model.dual_coef_ = alpha
    model.intercept_ = beta
    model.classes_ = np.arange(n_classes) if oracle.classes is None else oracle.classes
    model.n_features_in_ = n_features
    return KernelExtractionResult(
        model=model,
        n_queries=spent,
        queries=X,
        answers=P,
        n_unknowns=n_representers * (n_features + n_classes) + n_classes,
        objective=loss,
        losses=tuple(losses),
        exact=bool(value < EXACT_TOLERANCE),
        seconds=time.perf_counter() - t0,
    )


def match_representers(found, true) -> tuple[np.ndarray, np.ndarray]:
    """Pair extracted representers with true ones, minimising the total distance.

    Parameters
    ----------
    found : ndarray of shape (s, d)
        Extracted representers.
    true : ndarray of shape (t, d)
        The victim's representers (or training points), t ≥ s.

    Returns
    -------
    index : ndarray of shape (s,)
        ``true[index[i]]`` is the partner of ``found[i]``.
    distance : ndarray of shape (s,)
        Euclidean distance of each pair.
    """
    found = np.atleast_2d(np.asarray(found, dtype=np.float64))
    true = np.atleast_2d(np.asarray(true, dtype=np.float64))
    if found.shape[1] != true.shape[1] or len(found) > len(true):
        raise ValueError(
            "match_representers needs 'found' (s, d) and 'true' (t, d) with t >= s. "
            f"Got shapes {found.shape} and {true.shape}."
        )
    D = np.linalg.norm(found[:, None, :] - true[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(D)
    index = np.empty(len(found), dtype=np.intp)
    index[rows] = cols
    return index, D[np.arange(len(found)), index]
