"""Fitting helpers shared by the equation-solving attacks that fit answers numerically.

The MLP (:mod:`stealkit.attacks.mlp`) and kernel logistic regression
(:mod:`stealkit.attacks.kernel_leakage`) attacks fit the answers with the same
choice of loss, measure it relative to the all-zero model, and keep the best
of several restarts; softmax regression (:mod:`stealkit.attacks.equation_solving`)
and the kernel attack minimise with the same L-BFGS-B call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import OptimizeResult, minimize

from stealkit._validation import check_choice, check_int
from stealkit.attacks._common import log_proba, resolution

LOSSES = ("auto", "log_ratio", "cross_entropy")

#: A fit whose loss is below this fraction of the targets' energy is exact.
EXACT_TOLERANCE = 1e-7


def check_fit_options(loss: Any, n_restarts: Any, max_iter: Any) -> tuple[str, int, int]:
    """Check ``loss`` (one of :data:`LOSSES`), ``n_restarts`` and ``max_iter``, in that order."""
    loss = check_choice(loss, "loss", LOSSES)
    n_restarts = check_int(n_restarts, "n_restarts", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    return loss, n_restarts, max_iter


def resolve_loss(loss: str, P: np.ndarray) -> str:
    """The loss to fit: ``"auto"`` becomes ``"cross_entropy"`` for answers that look rounded.

    Answers on a decimal grid, or with zeros, cannot be fitted through their
    log-probability ratios; otherwise ``"auto"`` becomes ``"log_ratio"``.
    """
    if loss == "auto":
        loss = "cross_entropy" if resolution(P) > 0 or np.any(P <= 0) else "log_ratio"
    return loss


def fit_targets(P: np.ndarray, loss: str) -> tuple[np.ndarray, np.ndarray, float]:
    """What a fit of the answers ``P`` aims at, and the loss of the all-zero model.

    Parameters
    ----------
    P : ndarray of shape (n, c)
        The answers.
    loss : {"log_ratio", "cross_entropy"}
        The loss fitted.

    Returns
    -------
    logP : ndarray of shape (n, c)
        The log-probabilities (see :func:`~stealkit.attacks._common.log_proba`).
    T : ndarray of shape (n, c)
        The centred log-probabilities, log pᵢ − mean_j log p_j: the logits up to a shift.
    scale : float
        The loss of the all-zero model (mean ‖T‖² for ``"log_ratio"``, mean
        KL divergence from the uniform distribution for ``"cross_entropy"``),
        at least 1e-300: divide by it for a relative loss.
    """
    logP = log_proba(P)
    T = logP - logP.mean(axis=1, keepdims=True)
    if loss == "log_ratio":
        scale = float(np.mean(np.sum(T**2, axis=1)))
    else:
        c = P.shape[1]
        scale = float(np.mean(np.sum(np.exp(logP) * (logP + math.log(c)), axis=1)))
    return logP, T, max(scale, 1e-300)


class Restarts(NamedTuple):
    """The outcome of :func:`best_restart`."""

    params: Any
    """The parameters of the restart with the lowest loss (the first of equals)."""
    loss: float
    """Its loss."""
    losses: tuple[float, ...]
    """The loss of each restart run, in order."""

    @property
    def exact(self) -> bool:
        """Whether the best loss is below :data:`EXACT_TOLERANCE`."""
        return bool(self.loss < EXACT_TOLERANCE)


def best_restart(fit: Callable[[int], tuple[Any, float]], n_restarts: int) -> Restarts:
    """Run ``fit(restart)`` for ``restart = 0, 1, ...`` and keep the best result.

    Parameters
    ----------
    fit : callable
        ``fit(restart) -> (params, loss)``: one restart, with its loss relative
        to that of the all-zero model.
    n_restarts : int
        Restarts at most; the loop stops after the first exact one (loss below
        :data:`EXACT_TOLERANCE`).

    Returns
    -------
    Restarts
        The best parameters, their loss and the loss of every restart.
    """
    best, losses = None, []
    for restart in range(n_restarts):
        params, value = fit(restart)
        losses.append(value)
        if best is None or value < best[1]:
            best = (params, value)
        if value < EXACT_TOLERANCE:
            break
    return Restarts(best[0], best[1], tuple(losses))


def restart_result(
    result_type: type,
    model: Any,
    restarts: Restarts,
    *,
    queries: np.ndarray,
    answers: np.ndarray,
    n_queries: int,
    n_unknowns: int,
    objective: str,
    t0: float,
):
    """A ``result_type`` (MLP or kernel result) for the best restart of a fit begun at ``t0``.

    ``losses`` and ``exact`` come from ``restarts``, ``seconds`` is the time
    since ``t0`` (a :func:`time.perf_counter` reading); the other fields are
    passed through.
    """
    return result_type(
        model=model,
        n_queries=n_queries,
        queries=queries,
        answers=answers,
        n_unknowns=n_unknowns,
        objective=objective,
        losses=restarts.losses,
        exact=restarts.exact,
        seconds=time.perf_counter() - t0,
    )


def minimize_lbfgs(
    fun: Callable, theta: np.ndarray, args: tuple, *, max_iter: int, gtol: float, ftol: float
) -> OptimizeResult:
    """Minimise ``fun(theta, *args) -> (value, gradient)`` with SciPy's L-BFGS-B (30 pairs)."""
    return minimize(
        fun,
        theta,
        args=args,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxcor": 30, "gtol": gtol, "ftol": ftol},
    )
