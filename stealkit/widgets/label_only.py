"""Widgets for notebook 03 (label-only extraction): one attack call and one plot per change.

Each control change builds a fresh label :class:`~stealkit.Oracle` around the
victim, runs the attack with a fixed seed (so moving back and forth shows the
same run) and draws it. Defaults are 2-D and cheap, so a slider answers at once.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from stealkit.attacks.lowd_meek import lowd_meek
from stealkit.attacks.retraining import STRATEGIES, extract_by_retraining
from stealkit.metrics import r_unif
from stealkit.oracle import Oracle
from stealkit.plots.label_only import LOWD_MEEK_STEPS, plot_lowd_meek, plot_retraining_round

__all__ = ["interactive_retraining", "interactive_lowd_meek"]


def _check_2d(victim: Any) -> None:
    if getattr(victim, "n_features_in_", None) != 2:
        raise ValueError(
            "These widgets draw 2-D victims: 'victim' must be a fitted scikit-learn "
            f"classifier with n_features_in_ == 2. Got {type(victim).__name__}."
        )


def interactive_retraining(victim: Any, *, model: str = "rbf_svm", n_queries: int = 100,
                           rounds: int = 5, rng: int = 0) -> W.Widget:
    """Play a retraining attack on a 2-D victim round by round.

    Controls: the strategy, the budget and the round shown. Each change runs
    :func:`~stealkit.attacks.retraining.extract_by_retraining` against a fresh
    label oracle and draws the chosen round with
    :func:`~stealkit.plots.plot_retraining_round`, with 1 − R_unif
    of the local model after that round (on 2,000 uniform points, and a coarse
    grid, so that an SVM victim answers quickly).
    """
    _check_2d(victim)
    strategy = W.ToggleButtons(options=list(STRATEGIES), value="adaptive", description="strategy")
    budget = W.IntSlider(value=n_queries, min=max(rounds, 10), max=max(400, n_queries), step=10,
                         description="queries")
    shown = W.IntSlider(value=rounds, min=1, max=rounds, description="round")
    out = W.Output()
    updating = False  # the strategy moves the round slider: draw once, not twice

    def show(*_):
        if updating:
            return
        out.clear_output(wait=True)
        with out:
            result = extract_by_retraining(
                Oracle.from_sklearn(victim, output="label"), n_features=2,
                n_queries=budget.value, strategy=strategy.value, model=model, rounds=rounds,
                rng=rng,
            )
            k = min(shown.value, result.n_rounds)
            fig, ax = plt.subplots(figsize=(5.5, 5))
            plot_retraining_round(result, victim, round=k, resolution=100, ax=ax)
            agree = 1 - r_unif(victim, result.models[k - 1], n_features=2, n_samples=2000,
                               rng=rng)
            ax.set_title(f"{strategy.value}, round {k} of {result.n_rounds}: "
                         f"1 − R_unif = {agree:.3f}", fontsize=12)
            plt.show()

    def on_strategy(_):
        # Uniform and line-search retraining have a single round: the slider says so.
        nonlocal updating
        n = rounds if strategy.value == "adaptive" else 1
        updating = True
        shown.max, shown.value, shown.disabled = n, n, n == 1
        updating = False
        show()

    strategy.observe(on_strategy, names="value")
    for control in (budget, shown):
        control.observe(show, names="value")
    show()
    return W.VBox([strategy, W.HBox([budget, shown]), out])


def interactive_lowd_meek(victim: Any, *, rng: int = 0) -> W.Widget:
    """Step through the Lowd–Meek attack on a 2-D linear victim, at a chosen granularity ε.

    Each change runs :func:`~stealkit.attacks.lowd_meek.lowd_meek` against a
    fresh label oracle and draws it up to the chosen step with
    :func:`~stealkit.plots.plot_lowd_meek`; the queries spent are
    printed.
    """
    _check_2d(victim)
    step = W.SelectionSlider(options=[(s, i + 1) for i, s in enumerate(LOWD_MEEK_STEPS)],
                             value=4, description="step", layout=W.Layout(width="480px"))
    epsilon = W.Dropdown(options=[(f"1e-{k}", 10.0**-k) for k in range(1, 7)], value=1e-3,
                         description="ε")
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            result = lowd_meek(Oracle.from_sklearn(victim, output="label"), n_features=2,
                               epsilon=epsilon.value, rng=rng)
            fig, ax = plt.subplots(figsize=(5.5, 5))
            plot_lowd_meek(result, victim, step=step.value, ax=ax)
            plt.show()
            print(f"{result.n_queries} queries in all")

    for control in (step, epsilon):
        control.observe(show, names="value")
    show()
    return W.VBox([W.HBox([step, epsilon]), out])
