"""Learning-based extraction from a pool of natural inputs (Knockoff Nets; ActiveThief).

Orekondy, Schiele and Fritz (CVPR 2019) and Pal et al. (AAAI 2020): the
attacker owns a pool of unlabelled inputs from *some* distribution (not the
victim's training data), buys the victim's answers to a subset of them, and
trains a copy of its own on those answers. The subset is chosen at random
or actively: after each round the copy, trained on the answers so far,
picks the next inputs it is least sure about (*uncertainty*: the highest
entropy of its probabilities) or those farthest from everything already
asked (*k-center*: greedy, in the space of its probabilities). The copy is
judged for accuracy (agreement with the true labels) and fidelity
(agreement with the victim) as the queries grow (Jagielski et al. 2020, §3).

Threat model: the attacker sees the victim's class probabilities or only
its labels, for inputs of its own pool, one query per input; it knows the
input shape and picks an architecture for its copy (here, as in the papers'
easiest case, a network like the victim's); it knows nothing of the
victim's weights or training data. The copy keeps its weights from one
round to the next (a warm start: cheaper on a CPU than retraining from
scratch each round, as ActiveThief does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from stealkit._torch import (
    Training,
    check_module,
    n_outputs,
    predict_softmax,
    resolve_device,
    soft_cross_entropy,
    torch_generator,
    train_epochs,
)
from stealkit._validation import (
    check_budget,
    check_choice,
    check_int,
    check_oracle,
    check_real,
    check_rng,
)
from stealkit.oracle import Oracle

__all__ = ["STRATEGIES", "PoolExtractionResult", "extract_from_pool", "select_queries"]

#: How the next queries are picked from the pool.
STRATEGIES = ("random", "uncertainty", "kcenter")


@dataclass(frozen=True)
class PoolExtractionResult:
    """The copy f̂ trained on the victim's answers to pool inputs, and its learning curve.

    Attributes
    ----------
    model : torch.nn.Module
        The copy (logits), trained on every answer bought.
    n_queries : int
        Queries spent: one per pool input asked.
    queries : ndarray of shape (n_queries,)
        Indices into the pool of the inputs asked, in the order asked.
    answers : ndarray
        The answers: labels ``(n_queries,)`` or probabilities ``(n_queries, c)``.
    seconds : float
        Wall-clock time of the whole attack (queries, selection, training).
    strategy, output : str
        How inputs were picked; what the oracle answered.
    curve : list of dict
        One row per budget: ``n_queries``, ``seconds`` so far, and whatever
        ``evaluate`` returned for the copy at that point.
    trainings : list of Training
        The training record of each round.
    """

    model: nn.Module
    n_queries: int
    queries: np.ndarray = field(repr=False)
    answers: np.ndarray = field(repr=False)
    seconds: float
    strategy: str
    output: str
    curve: list[dict[str, Any]] = field(repr=False)
    trainings: list[Training] = field(repr=False)


def select_queries(
    strategy: str,
    n: int,
    *,
    proba: np.ndarray,
    asked: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pick ``n`` new pool indices by ``strategy``, given the copy's probabilities on the pool.

    ``proba`` is ``(n_pool, c)``; ``asked`` a boolean mask of the inputs
    already bought (never picked again). *uncertainty* takes the highest
    entropies; *kcenter* adds, one at a time, the input whose probability
    vector is farthest (Euclidean) from every input asked so far.
    """
    free = np.flatnonzero(~asked)
    if strategy == "random":
        return rng.choice(free, size=n, replace=False)
    if strategy == "uncertainty":
        p = np.clip(proba[free], 1e-12, 1.0)
        entropy = -(p * np.log(p)).sum(1)
        return free[np.argsort(-entropy, kind="stable")[:n]]
    centres = proba[asked].astype(np.float32)
    points = proba[free].astype(np.float32)
    nearest = np.full(len(free), np.inf, dtype=np.float32)
    squares = (points**2).sum(1)[:, None]
    for s in range(0, len(centres), 512):  # the distance matrix a block of centres at a time
        c = centres[s : s + 512]
        d2 = squares - 2 * points @ c.T + (c**2).sum(1)[None, :]
        nearest = np.minimum(nearest, d2.min(1))
    chosen = np.empty(n, dtype=np.int64)
    for i in range(n):
        j = int(np.argmax(nearest))
        chosen[i] = j
        nearest = np.minimum(nearest, ((points - points[j]) ** 2).sum(1))
    return free[chosen]


def _check_pool(pool: Any, input_shape: tuple[int, ...]) -> torch.Tensor:
    try:
        arr = np.asarray(pool)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"The 'pool' parameter must be an array of inputs: {exc}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"The 'pool' parameter must be numeric. Got dtype {arr.dtype}.")
    d = int(np.prod(input_shape))
    if arr.ndim < 2 or len(arr) == 0 or (arr.shape[1:] != input_shape and arr[0].size != d):
        raise ValueError(
            f"The 'pool' parameter must have shape (n, {', '.join(map(str, input_shape))}) "
            f"with n >= 1, as the oracle's inputs. Got shape {arr.shape}."
        )
    arr = arr.reshape((len(arr), *input_shape)).astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("The 'pool' parameter contains NaN or infinite values.")
    return torch.from_numpy(arr)


def extract_from_pool(
    oracle: Oracle,
    pool: Any,
    *,
    model: nn.Module,
    budgets: Sequence[int] = (1000,),
    strategy: str = "random",
    epochs: int = 5,
    min_steps: int = 0,
    batch_size: int = 128,
    lr: float = 1e-3,
    evaluate: Callable[[nn.Module], dict[str, Any]] | None = None,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> PoolExtractionResult:
    """Buy the victim's answers to pool inputs, round by round, and train a copy on them.

    Knockoff Nets (Orekondy et al. 2019, §4–5) with ActiveThief's selection
    strategies (Pal et al. 2020, §3). Round ``i`` asks ``budgets[i] −
    budgets[i − 1]`` new inputs (the first round picks at random whatever the
    strategy: there is no copy yet to choose with), then trains ``model`` for
    ``epochs`` passes over every answer so far, with Adam on the
    cross-entropy against the answered probabilities or labels.

    Parameters
    ----------
    oracle : Oracle
        Answers probabilities (``output="proba"``) or labels (``"label"``,
        classes 0 … c − 1).
    pool : array-like of shape (n_pool, *input_shape) or (n_pool, n_features)
        The attacker's unlabelled inputs.
    model : torch.nn.Module
        The attacker's copy, freshly initialised: inputs of the oracle's
        shape to c logits. Trained in place.
    budgets : sequence of int, default=(1000,)
        Increasing query counts at which a round ends; the last is the total.
    strategy : {"random", "uncertainty", "kcenter"}, default="random"
    epochs, batch_size, lr : int, int, float
        Training of each round.
    min_steps : int, default=0
        Each round takes at least this many Adam steps (more epochs when
        the answers so far are few).
    evaluate : callable, optional
        Called with the copy after each round; returns a dict of figures
        (accuracy, fidelity, …) kept in ``curve``.
    rng : int, Generator or None
        Decides the picks and the training order.
    device : torch device, optional
        Where the copy trains (default: CUDA when present, else the CPU).
    progress : bool, default=True
        Show a progress bar per round.

    Returns
    -------
    PoolExtractionResult

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``budgets[-1]``.
    """
    oracle = check_oracle(oracle, output=("proba", "label"))
    model = check_module(model)
    shape = tuple(getattr(oracle, "input_shape", None) or (oracle.n_features,))
    X = _check_pool(pool, shape)
    if isinstance(budgets, int | np.integer) or not isinstance(budgets, Sequence | np.ndarray):
        raise TypeError("The 'budgets' parameter must be a sequence of increasing query counts. "
                        f"Got {budgets!r}.")
    budgets = [check_int(b, "budgets", minimum=1) for b in budgets]
    if not budgets or any(b <= a for a, b in zip(budgets, budgets[1:], strict=False)):
        raise ValueError("The 'budgets' parameter must be non-empty and increasing. "
                         f"Got {budgets}.")
    if budgets[-1] > len(X):
        raise ValueError(f"The 'budgets' parameter asks for {budgets[-1]:,} queries, but the "
                         f"pool holds only {len(X):,} inputs.")
    strategy = check_choice(strategy, "strategy", STRATEGIES)
    epochs = check_int(epochs, "epochs", minimum=1)
    min_steps = check_int(min_steps, "min_steps", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_real(lr, "lr", low=0.0)
    if evaluate is not None and not callable(evaluate):
        raise TypeError("The 'evaluate' parameter must be callable or None.")
    rng = check_rng(rng)
    device = resolve_device(device)
    n_classes = n_outputs(model)
    check_budget(oracle, budgets[-1])

    start = time.perf_counter()
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    asked = np.zeros(len(X), dtype=bool)
    order: list[np.ndarray] = []
    answers: list[np.ndarray] = []
    curve, trainings = [], []
    for i, budget in enumerate(budgets):
        n_new = budget - (budgets[i - 1] if i else 0)
        if i == 0 or strategy == "random":
            picked = select_queries("random", n_new, proba=np.empty((0, 0)), asked=asked, rng=rng)
        else:
            proba = predict_softmax(model, X).numpy()
            picked = select_queries(strategy, n_new, proba=proba, asked=asked, rng=rng)
        asked[picked] = True
        order.append(picked)
        answers.append(np.asarray(oracle(X[picked].numpy())))
        idx = np.concatenate(order)
        target = _targets(np.concatenate(answers), oracle.output, n_classes)
        inputs = X[idx]
        g = torch_generator(rng)
        n_epochs = max(epochs, -(-min_steps // -(-len(idx) // batch_size)))
        model.train()
        round_start = time.perf_counter()
        losses = train_epochs(
            len(idx),
            lambda b, inputs=inputs, target=target: soft_cross_entropy(
                model(inputs[b].to(device)), target[b].to(device)),
            optimizer, epochs=n_epochs, batch_size=batch_size, g=g, progress=progress,
            description=f"copy on {budget:,} {oracle.output} answers",
        )
        trainings.append(Training(model=model, losses=losses, epochs=n_epochs, n_samples=len(idx),
                                  seconds=time.perf_counter() - round_start, device=str(device),
                                  n_queries=budget, threat_model=f"{strategy} pool queries"))
        row = {"n_queries": budget, "seconds": time.perf_counter() - start}
        if evaluate is not None:
            row.update(evaluate(model))
        curve.append(row)
    model.eval()
    return PoolExtractionResult(
        model=model, n_queries=budgets[-1], queries=np.concatenate(order),
        answers=np.concatenate(answers), seconds=time.perf_counter() - start,
        strategy=strategy, output=oracle.output, curve=curve, trainings=trainings,
    )


def _targets(answers: np.ndarray, output: str, n_classes: int) -> torch.Tensor:
    if output == "label":
        if not np.issubdtype(answers.dtype, np.number):
            raise ValueError("The oracle's labels must be class numbers 0 … "
                             f"{n_classes - 1} (the copy's outputs). Got {answers[:3]!r}.")
        labels = answers.astype(np.int64)
        if labels.min() < 0 or labels.max() >= n_classes:
            raise ValueError(f"The oracle's labels must be classes 0 … {n_classes - 1} (the "
                             f"copy's outputs). Got labels in [{labels.min()}, {labels.max()}].")
        return torch.from_numpy(labels)
    if answers.ndim != 2 or answers.shape[1] != n_classes:
        raise ValueError(f"The oracle answers {answers.shape[-1]} probabilities, the copy has "
                         f"{n_classes} outputs.")
    return torch.from_numpy(answers.astype(np.float32))
