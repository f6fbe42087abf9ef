"""Equation-solving attacks on logistic models (Tramèr et al. 2016, §4.1).

Threat model: the oracle returns class probabilities (possibly rounded) for any
input the attacker chooses. The attacker knows the number of features d, the
number of classes c, and the model family (binary logistic regression,
multinomial "softmax" regression, or one-vs-rest logistic regression), but not
its parameters or its training data. Each query is paid.

Each answered query is a set of equations in the unknown parameters. For
binary logistic regression f(x) = σ(w·x + b), the logit of the returned
probability is linear, σ⁻¹(f(x)) = w·x + b, so d + 1 queries in general
position give a linear system with a unique solution: the parameters are
recovered exactly. For softmax and one-vs-rest models with c(d + 1) unknowns,
the attack minimises the cross-entropy between the returned probability
vectors and the model's, plus a tiny L2 term; for softmax this is strongly
convex, so L-BFGS reaches the global optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax

from stealkit._validation import check_budget, check_choice, check_int, check_positive, check_rng
from stealkit.attacks._common import (
    Sampler,
    check_box,
    check_problem,
    check_queries,
    check_sampler,
    draw_and_ask,
    log_proba,
    oracle_classes,
    resolution,
)
from stealkit.attacks._fit import minimize_lbfgs
from stealkit.oracle import Oracle

__all__ = ["KINDS", "LinearModel", "EquationSolvingResult", "extract_logistic", "extract_softmax"]

KINDS = ("softmax", "ovr")


class LinearModel:
    """A logistic model rebuilt from extracted parameters, with scikit-learn's attributes.

    ``kind`` is ``"logistic"`` (binary: P(classes_[1]) = σ(x·coef_[0] + intercept_[0])),
    ``"softmax"`` (multinomial: softmax of ``X @ coef_.T + intercept_``) or ``"ovr"``
    (one-vs-rest: the c sigmoids normalised to sum to one, as scikit-learn's
    ``OneVsRestClassifier`` does).
    """

    def __init__(self, coef, intercept, classes, *, kind: str = "softmax"):
        self.kind = check_choice(kind, "kind", ("logistic", *KINDS))
        self.coef_ = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = self.coef_.shape[1]

    def decision_function(self, X) -> np.ndarray:
        """The logits w·x + b: shape (n,) for ``"logistic"``, (n, c) otherwise."""
        Z = np.asarray(X, dtype=np.float64) @ self.coef_.T + self.intercept_
        return Z[:, 0] if self.kind == "logistic" else Z

    def predict_proba(self, X) -> np.ndarray:
        Z = self.decision_function(X)
        if self.kind == "logistic":
            p = expit(Z)
            return np.column_stack([1.0 - p, p])
        if self.kind == "softmax":
            return softmax(Z, axis=1)
        S = expit(Z)
        return S / S.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __repr__(self) -> str:
        return (
            f"LinearModel(kind={self.kind!r}, n_features={self.n_features_in_}, "
            f"n_classes={len(self.classes_)})"
        )


@dataclass(frozen=True)
class EquationSolvingResult:
    """What an equation-solving attack recovered and what it paid.

    Attributes
    ----------
    model : LinearModel
        The extracted model f̂.
    n_queries : int
        Queries spent.
    queries : ndarray of shape (n_queries, n_features)
        The points sent, in order.
    answers : ndarray of shape (n_queries, n_classes)
        The probability vectors the oracle returned.
    n_unknowns : int
        Parameters of the model family: d + 1, or c(d + 1).
    loss : float
        What the solver left: the root-mean-square residual of the logit
        equations (logistic) or the mean KL divergence from the answers to
        the model's probabilities (softmax, OvR); 0 for an exact fit.
    seconds : float
        Time spent solving (not querying).
    """

    model: LinearModel
    n_queries: int
    queries: np.ndarray
    answers: np.ndarray
    n_unknowns: int
    loss: float
    seconds: float


def extract_logistic(
    oracle: Oracle,
    *,
    n_features: int,
    n_queries: int | None = None,
    low: float = -1.0,
    high: float = 1.0,
    sampler: Sampler | None = None,
    rng: int | np.random.Generator | None = None,
) -> EquationSolvingResult:
    """Recover a binary logistic regression by solving the linear logit equations.

    Tramèr et al. (2016), §4.1.1: σ⁻¹(f(x)) = w·x + b is linear in the d + 1
    unknowns (w, b), so d + 1 queries in general position determine them
    exactly. With more queries the (over-determined) system is solved by least
    squares, which is what makes the attack degrade gracefully when the API
    rounds its probabilities (§6, Figure 7): answers rounded to 0 or 1 are
    clipped to half a rounding unit before the logit, and each equation is
    weighted by p(1 − p), the inverse of how much rounding moves its logit.

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``) with two classes.
    n_features : int
        Number of input features d (known to the attacker).
    n_queries : int, optional
        Queries to spend, at least d + 1 (the default).
    low, high : float, default=-1.0, 1.0
        The box the queries are drawn from uniformly.
    sampler : callable, optional
        ``sampler(n, rng=...)`` drawing the queries instead of the box, e.g.
        ``dataset.sample_uniform`` (one-hot features stay one-hot; the
        parameters are then determined only up to the directions such inputs
        cannot see, and the least-norm solution is returned).
    rng : int, numpy.random.Generator or None
        Source of randomness for the queries.

    Returns
    -------
    EquationSolvingResult
        ``.model`` (a :class:`LinearModel` of kind ``"logistic"``),
        ``.n_queries``, the queries and answers.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``n_queries``.
    """
    oracle, n_features, _ = check_problem(oracle, n_features, 2)
    n_queries = n_features + 1 if n_queries is None else n_queries
    n_queries = check_int(n_queries, "n_queries", minimum=n_features + 1)
    low, high, sampler, rng = check_queries(oracle, n_queries, low, high, sampler, rng)

    X, P, spent = draw_and_ask(
        oracle, n_queries, n_features, 2, low=low, high=high, sampler=sampler, rng=rng
    )

    t0 = time.perf_counter()
    L = log_proba(P)
    logit = L[:, 1] - L[:, 0]
    A = np.hstack([X, np.ones((n_queries, 1))])
    if resolution(P) > 0:  # rounded answers: trust the equations near p = ½ most
        p = np.exp(L[:, 1])
        weight = p * (1.0 - p)
    else:
        weight = np.ones(n_queries)
    theta = np.linalg.lstsq(A * weight[:, None], logit * weight, rcond=None)[0]
    residual = A @ theta - logit
    seconds = time.perf_counter() - t0
    model = LinearModel(theta[:-1], theta[-1:], oracle_classes(oracle, 2), kind="logistic")
    return EquationSolvingResult(
        model=model,
        n_queries=spent,
        queries=X,
        answers=P,
        n_unknowns=n_features + 1,
        loss=float(np.sqrt(np.mean(residual**2))),
        seconds=seconds,
    )


# --------------------------------------------------------------------------- softmax and OvR
def _forward(theta, X1, kind, c):
    W = theta.reshape(c, -1)
    Z = X1 @ W.T
    if kind == "softmax":
        logQ = log_softmax(Z, axis=1)
        return W, logQ, np.exp(logQ), None
    log_s = log_expit(Z)
    S = np.exp(log_s)
    total = S.sum(axis=1, keepdims=True)
    return W, log_s - np.log(total), S, total


def _loss_and_grad(theta, X1, P, logP, kind, l2):
    """Mean KL(answers ‖ model) plus ½·l2·‖W‖² (intercepts free), and its gradient."""
    n, c = P.shape
    W, logQ, S, total = _forward(theta, X1, kind, c)
    if kind == "softmax":
        G = S - P  # S holds the model's probabilities
    else:
        # d/dz_j of −Σ_i p_i log q_i with Σ_i p_i = 1, for q_i = σ(z_i) / Σ_k σ(z_k)
        G = (1.0 - S) * (S / total - P)
    kl = np.sum(P * (logP - logQ)) / n
    loss = kl + 0.5 * l2 * np.sum(W[:, :-1] ** 2)
    grad = G.T @ X1 / n
    grad[:, :-1] += l2 * W[:, :-1]
    return loss, grad.ravel()


def _hessian(theta, X1, P, logP, kind, l2):
    """The full Hessian of :func:`_loss_and_grad` (for small problems)."""
    n, c = P.shape
    _, _, S, total = _forward(theta, X1, kind, c)
    if kind == "softmax":
        h = S[:, :, None] * (np.eye(c) - S[:, None, :])
    else:
        d = S * (1.0 - S)
        diag = P * d + d * (1.0 - 2.0 * S) / total
        h = diag[:, :, None] * np.eye(c) - d[:, :, None] * d[:, None, :] / total[:, :, None] ** 2
    m = X1.shape[1]
    H = np.einsum("kjl,ka,kb->jalb", h, X1, X1, optimize=True).reshape(c * m, c * m) / n
    idx = np.arange(c * m).reshape(c, m)[:, :-1].ravel()
    H[idx, idx] += l2
    return 0.5 * (H + H.T)


#: Largest number of unknowns for which Newton polishing forms the Hessian.
_NEWTON_MAX_UNKNOWNS = 1500


def _newton(theta, args, *, n_steps: int = 10) -> np.ndarray:
    """Newton steps on :func:`_loss_and_grad` with backtracking; stops when stuck.

    Directions of zero curvature (features the queries never vary, or one-hot
    groups whose columns always sum to one) are left as they are.
    """
    if theta.size > _NEWTON_MAX_UNKNOWNS:
        return theta
    loss, grad = _loss_and_grad(theta, *args)
    for _ in range(n_steps):
        w, V = np.linalg.eigh(_hessian(theta, *args))
        keep = w > 1e-13 * w.max()
        step = -(V[:, keep] @ ((V[:, keep].T @ grad) / w[keep]))
        for t in 0.5 ** np.arange(8):
            new_loss, new_grad = _loss_and_grad(theta + t * step, *args)
            if new_loss < loss:
                break
        else:
            break
        theta, loss, grad = theta + t * step, new_loss, new_grad
    return theta


def extract_softmax(
    oracle: Oracle,
    *,
    n_features: int,
    n_classes: int,
    n_queries: int,
    kind: str = "softmax",
    low: float = -1.0,
    high: float = 1.0,
    sampler: Sampler | None = None,
    l2: float = 1e-8,
    max_iter: int = 10_000,
    rng: int | np.random.Generator | None = None,
) -> EquationSolvingResult:
    """Recover a multinomial or one-vs-rest logistic regression from probability vectors.

    Tramèr et al. (2016), §4.1.2: each answered query gives c equations in the
    c(d + 1) unknowns. The attack fits the model to the answers by minimising
    the cross-entropy to them (as soft labels) plus a very small L2 term, from a
    tiny random start, with L-BFGS. For softmax the objective is strongly
    convex, so the minimum found is the global one; with as few as
    ``n_queries ≈ (d + 1)`` exact answers the victim is recovered (Table 4).
    Up to ten Newton steps without the L2 term then finish what L-BFGS leaves
    half-converged along weakly curved directions (one-vs-rest models are
    nearly invariant to shifting every logit); they are skipped above 1,500
    unknowns. With one-hot inputs, a category that the queries show only once
    leaves one direction of a one-vs-rest model undetermined (c − 1 equations
    for c unknowns), where the L2 term decides.

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``).
    n_features : int
        Number of input features d.
    n_classes : int
        Number of classes c (at least 2).
    n_queries : int
        Queries to spend; the paper gives it as α · c(d + 1), α ∈ {0.5, 1, ...}.
    kind : {"softmax", "ovr"}, default="softmax"
        The model family: multinomial, or one-vs-rest (c sigmoids normalised).
    low, high : float, default=-1.0, 1.0
        The box the queries are drawn from uniformly.
    sampler : callable, optional
        ``sampler(n, rng=...)`` drawing the queries instead, e.g.
        ``dataset.sample_uniform``.
    l2 : float, default=1e-8
        Weight of the L2 term (on the weights, not the intercepts).
    max_iter : int, default=10000
        Iteration limit of L-BFGS.
    rng : int, numpy.random.Generator or None
        Source of randomness (queries and the start of the solver).

    Returns
    -------
    EquationSolvingResult
        ``.model`` (a :class:`LinearModel`), ``.n_queries``, the queries and
        answers, and the KL divergence left (``.loss``).

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``n_queries``.
    """
    oracle, n_features, n_classes = check_problem(oracle, n_features, n_classes)
    n_queries = check_int(n_queries, "n_queries", minimum=1)
    kind = check_choice(kind, "kind", KINDS)
    # check_queries's checks, with l2 and max_iter between the sampler and the rng (the
    # order decides which error a call with several bad arguments raises).
    low, high = check_box(low, high)
    sampler = check_sampler(sampler)
    l2 = check_positive(l2, "l2", allow_zero=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    rng = check_rng(rng)
    check_budget(oracle, n_queries)

    X, P, spent = draw_and_ask(
        oracle, n_queries, n_features, n_classes, low=low, high=high, sampler=sampler, rng=rng
    )

    t0 = time.perf_counter()
    logP = log_proba(P)
    targets = np.exp(logP)  # rounded answers renormalised to sum to one
    X1 = np.hstack([X, np.ones((n_queries, 1))])
    theta0 = 1e-3 * rng.standard_normal(n_classes * (n_features + 1))
    opt = minimize_lbfgs(
        _loss_and_grad,
        theta0,
        (X1, targets, logP, kind, l2),
        max_iter=max_iter,
        gtol=1e-10,
        ftol=1e-13,
    )
    # A few Newton steps resolve the directions of weak curvature that L-BFGS leaves
    # half-converged (one-vs-rest is nearly invariant to shifting every logit).
    theta = _newton(opt.x, (X1, targets, logP, kind, 0.0))
    W = theta.reshape(n_classes, n_features + 1)
    seconds = time.perf_counter() - t0
    model = LinearModel(W[:, :-1], W[:, -1], oracle_classes(oracle, n_classes), kind=kind)
    kl = _loss_and_grad(theta, X1, targets, logP, kind, 0.0)[0]
    return EquationSolvingResult(
        model=model,
        n_queries=spent,
        queries=X,
        answers=P,
        n_unknowns=n_classes * (n_features + 1),
        loss=float(kl),
        seconds=seconds,
    )
