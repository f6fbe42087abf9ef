"""The widgets of notebook 09: the critical-point search step by step, and the learning curves.

:func:`interactive_line_search` runs :func:`~stealkit.attacks.search_line`
on a small ReLU network along a random line and lets the reader step
through the intervals it examined; :func:`interactive_learning_curves`
reads the shipped results of ``benchmarks/neural_networks.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from stealkit._validation import check_rng
from stealkit.attacks.relu_network import ReLUNetwork, search_line
from stealkit.oracle import Oracle
from stealkit.plots import EXTRACTED, QUERIES, VICTIM
from stealkit.plots.neural_networks import (
    METRICS,
    POOL_NAMES,
    plot_learning_curves,
    plot_line_search,
)

__all__ = ["interactive_line_search", "interactive_learning_curves"]


def _plane(ax, net: ReLUNetwork, x0, v, lo, hi, kinks):
    """The input plane of a 2-feature network: each unit's line, the search line, its kinks."""
    box = 1.2 * max(np.abs(x0 + lo * v).max(), np.abs(x0 + hi * v).max())
    xs = np.linspace(-box, box, 2)
    for w, b in zip(net.W, net.b, strict=True):
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color=VICTIM, lw=1, alpha=0.6)
        else:
            ax.axvline(-b / w[0], color=VICTIM, lw=1, alpha=0.6)
    ax.plot(*np.array([x0 + lo * v, x0 + hi * v]).T, color=QUERIES, lw=2, label="search line")
    if len(kinks):
        pts = x0 + np.outer(kinks, v)
        ax.plot(pts[:, 0], pts[:, 1], "o", color=EXTRACTED, ms=7, label="critical points")
    ax.plot([], [], color=VICTIM, lw=1, label="hidden units' hyperplanes")
    ax.set_xlim(-box, box)
    ax.set_ylim(-box, box)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(fontsize=10, loc="lower left", framealpha=0.9)


def interactive_line_search(net: ReLUNetwork, *, radius: float = 6.0,
                            rng: int | np.random.Generator | None = 0) -> W.Widget:
    """Step through the critical-point search along random lines of ``net`` (2 features).

    The "line" slider draws a new random line through [-1, 1]²; the "step"
    slider shows the first k intervals the search examined.
    """
    if not isinstance(net, ReLUNetwork) or net.W.shape[1] != 2:
        raise ValueError("interactive_line_search needs a ReLUNetwork with 2 input features.")
    rng = check_rng(rng)
    seeds = rng.integers(2**31, size=20)
    oracle = Oracle(lambda X: net(X)[:, None], n_features=2, output="score")
    line = W.IntSlider(value=0, min=0, max=len(seeds) - 1, description="line")
    step = W.IntSlider(value=1, min=1, max=1, description="step")
    out = W.Output()
    state: dict[str, Any] = {}

    def search(*_):
        g = np.random.default_rng(seeds[line.value])
        x0, v = g.uniform(-1, 1, 2), g.normal(size=2)
        v /= np.linalg.norm(v)
        oracle.reset()
        found = search_line(oracle, x0, v, lo=-radius, hi=radius)
        state.update(x0=x0, v=v, found=found)
        step.max = len(found.intervals)
        step.value = len(found.intervals)
        draw()

    def draw(*_):
        found, x0, v = state["found"], state["x0"], state["v"]
        shown = found.intervals[: step.value]
        kinks = [k for k in found.kinks
                 if any(verdict == "one kink" and lo <= k <= hi for lo, hi, verdict in shown)]
        t = np.linspace(-radius, radius, 801)
        with out:
            out.clear_output(wait=True)
            fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.6),
                                         gridspec_kw={"width_ratios": [3, 2]})
            plot_line_search(t, net(x0 + np.outer(t, v)), shown, kinks=kinks, ax=a1)
            a1.set_title(f"step {step.value} of {len(found.intervals)}: {len(kinks)} of "
                         f"{len(found.kinks)} kinks, {found.n_queries} queries in all")
            _plane(a2, net, x0, v, -radius, radius, kinks)
            a2.set_title(f"{net.n_hidden} hidden units")
            fig.tight_layout()
            plt.show()

    line.observe(search, "value")
    step.observe(draw, "value")
    search()
    return W.VBox([W.HBox([line, step]), out])


def interactive_learning_curves(results: Mapping[str, Any], *, pool: str = "cifar10",
                                metric: str = "fidelity") -> W.Widget:
    """Pool, answers and metric over the shipped learning curves (no training: they are loaded).

    ``results``: the JSON written by ``benchmarks/neural_networks.py``. Every
    selection strategy run on the pool is drawn; label-only answers were run
    with random selection only.
    """
    curves = results["curves"]
    pools = [p for p in POOL_NAMES if any(c["pool"] == p for c in curves)]
    if pool not in pools:
        raise ValueError(f"The 'pool' parameter must be one of {pools}. Got {pool!r}.")
    pool_w = W.Dropdown(options=[(POOL_NAMES[p], p) for p in pools], value=pool,
                        description="pool")
    answers = W.ToggleButtons(options=[("probabilities", "proba"), ("labels only", "label")],
                              value="proba", description="answers")
    metric_w = W.Dropdown(options=[(v, k) for k, v in METRICS.items()], value=metric,
                          description="metric", layout=W.Layout(width="340px"))
    out = W.Output()

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 4.4))
            ref = results["victim"]["accuracy"] if metric_w.value == "accuracy" else None
            plot_learning_curves(curves, metric=metric_w.value, pools=(pool_w.value,),
                                 outputs=(answers.value,), reference=ref, ax=ax)
            if answers.value == "label":
                ax.set_title("label-only answers: random selection")
            else:
                ax.set_title("probabilities: random and active selection")
            fig.tight_layout()
            plt.show()

    for w in (pool_w, answers, metric_w):
        w.observe(draw, "value")
    draw()
    return W.VBox([W.HBox([pool_w, metric_w]), answers, out])
