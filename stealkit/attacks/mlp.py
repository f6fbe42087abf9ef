"""Equation solving on a multilayer perceptron (Tramèr et al. 2016, §4.1.2).

Threat model: the oracle returns class probabilities for any input the
attacker chooses. The attacker knows the architecture (one hidden layer of h
tanh units, a softmax output), the number of features d and of classes c, but
not the weights or the training data. Each query is paid.

The network has d·h + h + h·c + c unknowns, and each query gives c − 1
independent equations (the probabilities sum to one). Unlike softmax
regression the fit is not convex: a solver started at random often stops in a
local minimum. This module fits the log-probability ratios, which are exactly
the network's logits up to a shift, so that a perfect fit has loss zero and a
local minimum shows as a loss that is not. To avoid local minima it starts
wider than the victim (3h units), prunes to h units along a path of shrinking
group-sparsity penalties, and polishes with full-batch L-BFGS in float64.
Restarts begin afresh, fitting the pruning path to twice as many queries each
time; the fit with the lowest training loss is kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from stealkit._validation import check_int
from stealkit.attacks._common import (
    Sampler,
    check_problem,
    check_queries,
    draw_and_ask,
    oracle_classes,
    torch_generator,
)

# EXACT_TOLERANCE and LOSSES, shared with the kernel attack, stay importable from here.
from stealkit.attacks._fit import EXACT_TOLERANCE as EXACT_TOLERANCE
from stealkit.attacks._fit import (
    LOSSES,
    best_restart,
    check_fit_options,
    fit_targets,
    resolve_loss,
    restart_result,
)
from stealkit.oracle import Oracle

__all__ = ["LOSSES", "MLPModel", "MLPExtractionResult", "extract_mlp", "mlp_unknowns"]

#: Width of the starting network, in multiples of ``hidden``.
_WIDEN = 3
#: Stages of the sparsity path, and how much the penalty shrinks between them.
_STAGES, _SHRINK, _STAGE_ITER = 6, 3.0, 500
#: The polish checks the relative loss every _CHUNK iterations; it stops below _POLISHED,
#: or when a chunk gains less than a factor _STALL.
_POLISHED, _CHUNK, _STALL = 1e-11, 250, 0.7
#: Units less important than this fraction of the most important one are dead.
_DEAD = 1e-2
#: The pruning path fits this many times the queries that determine the weights.
_INIT_FACTOR = 4
#: First penalty weight, relative to the root-mean-square size of the targets, and its
#: multiplier at each restart in turn: too strong a penalty merges two similar hidden
#: units into one, too weak a one leaves surplus units alive.
_PENALTY, _RESTART_PENALTY = 1.5e-3, (1.0, 3.0, 1.0 / 3.0)


def mlp_unknowns(n_features: int, n_classes: int, hidden: int) -> int:
    """Parameters of a one-hidden-layer network: d·h + h + h·c + c."""
    return n_features * hidden + hidden + hidden * n_classes + n_classes


class MLPModel:
    """A one-hidden-layer tanh network, with scikit-learn ``MLPClassifier``'s attributes.

    ``coefs_ = [W1 (d, h), W2 (h, c)]`` and ``intercepts_ = [b1 (h,), b2 (c,)]``;
    the probabilities are softmax(tanh(x W1 + b1) W2 + b2).
    """

    def __init__(self, coefs, intercepts, classes):
        self.coefs_ = [np.asarray(W, dtype=np.float64) for W in coefs]
        self.intercepts_ = [np.asarray(b, dtype=np.float64) for b in intercepts]
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = self.coefs_[0].shape[0]
        self.hidden = self.coefs_[0].shape[1]

    def hidden_activations(self, X) -> np.ndarray:
        return np.tanh(np.asarray(X, dtype=np.float64) @ self.coefs_[0] + self.intercepts_[0])

    def decision_function(self, X) -> np.ndarray:
        """The logits, shape (n, c)."""
        return self.hidden_activations(X) @ self.coefs_[1] + self.intercepts_[1]

    def predict_proba(self, X) -> np.ndarray:
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def __repr__(self) -> str:
        return (
            f"MLPModel(n_features={self.n_features_in_}, hidden={self.hidden}, "
            f"n_classes={len(self.classes_)})"
        )


@dataclass(frozen=True)
class MLPExtractionResult:
    """What :func:`extract_mlp` recovered and what it paid.

    Attributes
    ----------
    model : MLPModel
        The extracted network f̂ (the restart with the lowest training loss).
    n_queries : int
        Queries spent.
    queries : ndarray of shape (n_queries, n_features)
        The points sent.
    answers : ndarray of shape (n_queries, n_classes)
        The probability vectors returned.
    n_unknowns : int
        d·h + h + h·c + c.
    objective : str
        The loss fitted: ``"log_ratio"`` (mean squared error of the centred
        log-probabilities, i.e. the logits up to a shift) or
        ``"cross_entropy"`` (mean KL divergence from the answers).
    losses : tuple of float
        The final training loss of each restart, relative to the loss of the
        all-zero network (so 0 is a perfect fit, 1 no better than guessing).
    exact : bool
        Whether the best fit reproduces the answers (relative loss below
        :data:`EXACT_TOLERANCE`): with exact answers, False means every
        restart ended in a local minimum, or too few queries were spent.
        With rounded answers the loss cannot reach zero.
    seconds : float
        Time spent fitting.
    """

    model: MLPModel
    n_queries: int
    queries: np.ndarray
    answers: np.ndarray
    n_unknowns: int
    objective: str
    losses: tuple[float, ...]
    exact: bool
    seconds: float

    @property
    def relative_loss(self) -> float:
        """The best restart's loss, relative to that of the all-zero network."""
        return min(self.losses)


# --------------------------------------------------------------------------- the fit
class _Fit:
    """Fits tanh networks to (queries, targets) in float64 torch."""

    def __init__(self, X: np.ndarray, P: np.ndarray, loss: str):
        import torch

        self.torch = torch
        n = len(X)
        self.X1 = torch.as_tensor(np.hstack([X, np.ones((n, 1))]), dtype=torch.float64)
        self.loss = loss
        logP, T, self.scale = fit_targets(P, loss)  # scale: the loss of the zero network
        if loss == "log_ratio":
            self.T = torch.as_tensor(T)
        else:
            self.T = torch.as_tensor(np.exp(logP))
            self.entropy = torch.as_tensor(np.sum(np.exp(logP) * logP, axis=1))
        self.T_ratio = torch.as_tensor(T)
        self.penalty = _PENALTY * math.sqrt(np.mean(np.sum(T**2, axis=1)))

    def error(self, A, B, rows=slice(None)):
        """Mean loss of the network (A: (d+1, h) with biases last, B: (h+1, c))."""
        torch = self.torch
        Z = torch.tanh(self.X1[rows] @ A) @ B[:-1] + B[-1]
        if self.loss == "log_ratio":
            Z = Z - Z.mean(dim=1, keepdim=True)
            return ((Z - self.T[rows]) ** 2).sum(dim=1).mean()
        logQ = torch.log_softmax(Z, dim=1)
        return (self.entropy[rows] - (self.T[rows] * logQ).sum(dim=1)).mean()

    def lbfgs(self, params, objective, max_iter: int, tolerance: float = 1e-16):
        """Minimise ``objective`` with L-BFGS; returns a function that runs more iterations."""
        torch = self.torch
        opt = torch.optim.LBFGS(
            params,
            lr=1.0,
            max_iter=max_iter,
            history_size=50,
            tolerance_grad=1e-12,
            tolerance_change=tolerance,
            line_search_fn="strong_wolfe",
        )

        def closure():
            opt.zero_grad()
            value = objective()
            value.backward()
            return value

        if max_iter > 0:
            opt.step(closure)

        def more(n_iter: int) -> None:  # continues with the curvature pairs kept
            opt.param_groups[0]["max_iter"] = n_iter
            opt.param_groups[0]["max_eval"] = n_iter * 5 // 4
            opt.step(closure)

        return more

    def prune(self, A, B, hidden: int, rows, max_iter: int):
        """Cut a wide network down to ``hidden`` units, one at a time.

        Units the sparsity path silenced go first. Then, while too many remain, the
        one whose loss the others can best make up for: with its column removed, the
        output layer is re-solved by least squares and the unit with the smallest
        residual goes (a duplicate of another unit costs nothing), and the rest are
        refitted. Dropping the least important unit instead can keep two copies of
        one hidden unit and lose another. Least squares by SVD (``gelsd``): MKL's
        default driver (``gelsy``) gave different last bits on repeated calls with
        the same inputs (37 answers in 100 calls), and the fit made the whole
        attack irreproducible.
        """
        torch = self.torch
        X1, T = self.X1[rows], self.T_ratio[rows]
        while True:
            with torch.no_grad():
                H = torch.tanh(X1 @ A)
                importance = H.std(dim=0) * B[:-1].norm(dim=1)
                alive = torch.nonzero(importance > _DEAD * importance.max()).flatten()
                if len(alive) <= hidden:
                    keep = torch.argsort(importance, descending=True)[:hidden]
                    return A[:, keep].clone().requires_grad_(), torch.cat(
                        [B[:-1][keep], B[-1:]]).clone().requires_grad_()
                H1 = torch.cat([H[:, alive], torch.ones(len(H), 1, dtype=H.dtype)], dim=1)
                residual = []
                for k in range(len(alive)):
                    M = torch.cat([H1[:, :k], H1[:, k + 1 :]], dim=1)
                    W = torch.linalg.lstsq(M, T, driver="gelsd").solution
                    residual.append(float(((M @ W - T) ** 2).sum()))
                drop = int(np.argmin(residual))
                keep = torch.cat([alive[:drop], alive[drop + 1 :]])
                M = torch.cat([H1[:, :drop], H1[:, drop + 1 :]], dim=1)
                W = torch.linalg.lstsq(M, T, driver="gelsd").solution
                A = A[:, keep].contiguous().requires_grad_()
                B = W.contiguous().clone().requires_grad_()
            self.lbfgs([A, B], lambda A=A, B=B: self.error(A, B, rows),
                       max_iter=min(_STAGE_ITER, max_iter), tolerance=1e-9 * self.scale)
            A, B = A.detach(), B.detach()

    def run(self, hidden: int, generator, *, n_init: int, max_iter: int, penalty: float):
        """One restart: widen, prune along a sparsity path, polish. Returns (A, B, loss)."""
        torch = self.torch
        d1, c = self.X1.shape[1], self.T.shape[1]
        wide = _WIDEN * hidden

        def uniform(rows, cols, bound):
            U = torch.rand(rows, cols, generator=generator, dtype=torch.float64)
            return (2 * U - 1) * bound

        A = uniform(d1, wide, math.sqrt(6.0 / (d1 - 1 + wide)))
        B = uniform(wide + 1, c, math.sqrt(6.0 / (wide + c)))
        A.requires_grad_()
        B.requires_grad_()
        rows = slice(0, n_init)
        weight = penalty * self.penalty
        for _ in range(_STAGES):
            def objective(weight=weight):
                size = torch.sqrt((A[:-1] ** 2).sum(dim=0) + 1e-12)
                size = size * torch.sqrt((B[:-1] ** 2).sum(dim=1) + 1e-12)
                return self.error(A, B, rows) + weight * size.sum()

            # A stage need not converge tightly: the next one moves the optimum anyway.
            self.lbfgs([A, B], objective, max_iter=min(_STAGE_ITER, max_iter),
                       tolerance=1e-9 * self.scale)
            weight /= _SHRINK
        A, B = self.prune(A.detach(), B.detach(), hidden, rows, max_iter)
        # Polish on the same queries, then on all of them (once the weights are pinned
        # down, the rest agree already), in chunks so as to stop once the fit is exact.
        n = self.X1.shape[0]
        for polish_rows in (rows, slice(None)) if n_init < n else (rows,):
            more = self.lbfgs([A, B], lambda r=polish_rows: self.error(A, B, r), max_iter=0)
            done, previous = 0, np.inf
            while True:
                with torch.no_grad():
                    loss = float(self.error(A, B, polish_rows)) / self.scale
                if loss < _POLISHED or done >= max_iter or loss > _STALL * previous:
                    break
                more(min(_CHUNK, max_iter - done))
                done, previous = done + _CHUNK, loss
        return A.detach().numpy(), B.detach().numpy(), loss


def extract_mlp(
    oracle: Oracle,
    *,
    n_features: int,
    n_classes: int,
    n_queries: int,
    hidden: int = 20,
    loss: str = "auto",
    n_restarts: int = 3,
    max_iter: int = 3000,
    low: float = -1.0,
    high: float = 1.0,
    sampler: Sampler | None = None,
    rng: int | np.random.Generator | None = None,
) -> MLPExtractionResult:
    """Recover a one-hidden-layer tanh network from probability vectors.

    Tramèr et al. (2016), §4.1.2 and Table 4 (an MLP with 20 hidden units on
    Adult, 2,225 unknowns, 1,112 to 11,125 queries). The answers are fitted
    by full-batch L-BFGS in float64. With exact answers the loss is the mean
    squared error of the centred log-probabilities, log pᵢ − mean_j log p_j,
    which the victim's own weights make exactly zero; so a restart whose loss
    stays above zero is a local minimum, and the next restart begins. The
    first restart starts with 3h random hidden units, shrinks a group-sparsity
    penalty (‖wⱼ‖·‖vⱼ‖ per unit) over six stages so that the surplus units die
    out, keeps the h most important units and polishes them without penalty.
    The pruning path runs on the first 4·⌈unknowns / (c − 1)⌉ queries (2,228
    for Table 4's MLP), the polish then on all of them; each restart starts
    afresh, with twice as many queries for the path (more equations leave
    fewer spurious minima) as long as there are that many, and a penalty
    three times stronger, then three times weaker, than the first. When
    more than h units survive the path, they are removed one at a time, each
    time the one the others can best make up for (see ``_Fit.prune``).

    Parameters
    ----------
    oracle : Oracle
        A probability oracle (``output="proba"``).
    n_features : int
        Number of input features d.
    n_classes : int
        Number of classes c (at least 2).
    n_queries : int
        Queries to spend; each gives c − 1 equations, so at least
        ``mlp_unknowns(d, c, h) / (c − 1)`` are needed to determine the
        weights (Table 4 uses ½, 1, 2 and 5 times the unknowns).
    hidden : int, default=20
        Hidden units h of the victim (known to the attacker).
    loss : {"auto", "log_ratio", "cross_entropy"}, default="auto"
        What to fit: the log-probability ratios (exact answers), or the
        cross-entropy to the answers as soft labels (the paper's choice; robust
        to rounding). ``"auto"`` picks ``"cross_entropy"`` when the answers look
        rounded (they lie on a decimal grid) or contain zeros.
    n_restarts : int, default=3
        Restarts at most; the attack stops at the first exact fit.
    max_iter : int, default=3000
        L-BFGS iterations of the final polish of each restart; each of the six
        stages before it runs at most ``min(500, max_iter)``.
    low, high : float, default=-1.0, 1.0
        The box the queries are drawn from uniformly.
    sampler : callable, optional
        ``sampler(n, rng=...)`` drawing the queries instead, e.g.
        ``dataset.sample_uniform``.
    rng : int, numpy.random.Generator or None
        Source of randomness (queries and the starts of the solver).

    Returns
    -------
    MLPExtractionResult
        ``.model`` (an :class:`MLPModel`), ``.n_queries``, the queries and
        answers, the loss of each restart and whether the fit is exact.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``n_queries``.
    """
    oracle, n_features, n_classes = check_problem(oracle, n_features, n_classes)
    n_queries = check_int(n_queries, "n_queries", minimum=1)
    hidden = check_int(hidden, "hidden", minimum=1)
    loss, n_restarts, max_iter = check_fit_options(loss, n_restarts, max_iter)
    low, high, sampler, rng = check_queries(oracle, n_queries, low, high, sampler, rng)

    X, P, spent = draw_and_ask(
        oracle, n_queries, n_features, n_classes, low=low, high=high, sampler=sampler, rng=rng
    )

    t0 = time.perf_counter()
    loss = resolve_loss(loss, P)
    unknowns = mlp_unknowns(n_features, n_classes, hidden)
    # The sparsity path runs on as many queries as pin the weights down four times
    # over, twice as many at each restart; the polish then uses them all.
    n_init = _INIT_FACTOR * math.ceil(unknowns / (n_classes - 1))
    fit = _Fit(X, P, loss)
    generator = torch_generator(rng)

    def restart(i: int):
        A, B, value = fit.run(
            hidden, generator, n_init=min(n_queries, n_init * 2**i), max_iter=max_iter,
            penalty=_RESTART_PENALTY[i % len(_RESTART_PENALTY)],
        )
        return (A, B), value

    restarts = best_restart(restart, n_restarts)
    A, B = restarts.params
    model = MLPModel([A[:-1], B[:-1]], [A[-1], B[-1]], oracle_classes(oracle, n_classes))
    return restart_result(
        MLPExtractionResult, model, restarts, queries=X, answers=P, n_queries=spent,
        n_unknowns=unknowns, objective=loss, t0=t0,
    )
