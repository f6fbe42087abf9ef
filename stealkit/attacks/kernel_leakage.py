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

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import log_softmax

from stealkit._validation import check_int, check_positive
from stealkit.attacks._common import (
    Sampler,
    check_problem,
    check_queries,
    draw_and_ask,
    oracle_classes,
)
from stealkit.attacks._fit import (
    best_restart,
    check_fit_options,
    fit_targets,
    minimize_lbfgs,
    resolve_loss,
    restart_result,
)
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


def _unpack(theta, s, d, c):
    """The representers R (s, d), coefficients α (s, c) and intercepts β (c,) in ``theta``."""
    R = theta[: s * d].reshape(s, d)
    alpha = theta[s * d : s * (d + c)].reshape(s, c)
    beta = theta[s * (d + c) :]
    return R, alpha, beta


def _objective(theta, X, T, P, logP, loss, s, gamma):
    """Training loss of a KLR with parameters ``theta`` = (R, α, β), and its gradient."""
    n, d = X.shape
    c = T.shape[1]
    R, alpha, beta = _unpack(theta, s, d, c)
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
#: Tolerances of L-BFGS-B: the fits run until the iteration limit or a stall.
_GTOL, _FTOL = 1e-14, 1e-20


def _penalised(theta, penalty, s, d, c, *args):
    value, grad = _objective(theta, *args)
    _, alpha, _ = _unpack(theta, s, d, c)
    size = np.sqrt((alpha**2).sum(1) + 1e-12)
    grad = grad.copy()
    grad[s * d : s * (d + c)] += penalty * (alpha / size[:, None]).ravel()
    return value + penalty * size.sum(), grad


def _fit_once(X, T, P, logP, loss, s, gamma, rng, max_iter, scale):
    """One restart: 3s representers at random queries, pruned to s along a sparsity path.

    Returns the parameters and their loss relative to that of the all-zero model.
    """
    n, d = X.shape
    c = T.shape[1]
    wide = min(n, _WIDEN * s)
    R = X[rng.choice(n, size=wide, replace=False)]
    theta = np.concatenate([R.ravel(), 0.01 * rng.standard_normal(wide * c), np.zeros(c)])
    penalty = _PENALTY * np.sqrt(scale)
    for _ in range(_STAGES):
        args = (penalty, wide, d, c, X, T, P, logP, loss, wide, gamma)
        theta = minimize_lbfgs(
            _penalised, theta, args, max_iter=max(1, max_iter // 10), gtol=_GTOL, ftol=_FTOL
        ).x
        penalty /= _SHRINK
    R, alpha, beta = _unpack(theta, wide, d, c)
    keep = np.argsort(-np.linalg.norm(alpha, axis=1))[:s]
    theta = np.concatenate([R[keep].ravel(), alpha[keep].ravel(), beta])
    opt = minimize_lbfgs(
        _objective, theta, (X, T, P, logP, loss, s, gamma), max_iter=max_iter, gtol=_GTOL,
        ftol=_FTOL,
    )
    return opt.x, float(opt.fun) / scale


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
    oracle, n_features, n_classes = check_problem(oracle, n_features, n_classes)
    n_representers = check_int(n_representers, "n_representers", minimum=1)
    gamma = check_positive(gamma, "gamma")
    n_queries = check_int(n_queries, "n_queries", minimum=n_representers)
    loss, n_restarts, max_iter = check_fit_options(loss, n_restarts, max_iter)
    low, high, sampler, rng = check_queries(oracle, n_queries, low, high, sampler, rng)

    X, P, spent = draw_and_ask(
        oracle, n_queries, n_features, n_classes, low=low, high=high, sampler=sampler, rng=rng
    )

    t0 = time.perf_counter()
    loss = resolve_loss(loss, P)
    logP, T, scale = fit_targets(P, loss)
    s, d, c = n_representers, n_features, n_classes
    restarts = best_restart(
        lambda _: _fit_once(X, T, np.exp(logP), logP, loss, s, gamma, rng, max_iter, scale),
        n_restarts,
    )
    model = KernelLogisticRegression(gamma=gamma, n_representers=n_representers)
    model.representers_, model.dual_coef_, model.intercept_ = _unpack(restarts.params, s, d, c)
    model.classes_ = oracle_classes(oracle, n_classes)
    model.n_features_in_ = n_features
    return restart_result(
        KernelExtractionResult, model, restarts, queries=X, answers=P, n_queries=spent,
        n_unknowns=n_representers * (n_features + n_classes) + n_classes, objective=loss, t0=t0,
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
