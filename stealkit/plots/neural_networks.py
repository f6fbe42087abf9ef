"""Figures of notebook 09: critical points on a line, learning curves, transfer, three notions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from stealkit.plots._style import CLEAN, EXTRACTED, PUBLIC, QUERIES, SHORT, VICTIM, _ax

__all__ = [
    "plot_line_search",
    "plot_learning_curves",
    "plot_transfer",
    "plot_three_notions",
    "POOL_COLORS",
]

#: One colour per attacker pool.
POOL_COLORS = {"noise": PUBLIC, "cifar10": EXTRACTED, "mnist": VICTIM}
#: How each pool is named in figures and controls.
POOL_NAMES = {"noise": "uniform noise", "cifar10": "CIFAR-10, grey", "mnist": "MNIST (held out)"}
_STYLES = {"random": "-", "uncertainty": "--", "kcenter": ":"}
_VERDICT_COLORS = {"linear": "#b2df8a", "one kink": EXTRACTED, "halved": "#fdbf6f",
                   "given up": SHORT}
METRICS = {"accuracy": "accuracy on MNIST test", "fidelity": "fidelity on MNIST test",
           "fidelity_uniform": "fidelity on uniform noise"}
ATTACKS = {"fgsm": "FGSM", "pgd": "PGD", "pgd_targeted": "PGD, targeted"}


def plot_line_search(t: np.ndarray, scores: np.ndarray, intervals: Sequence[tuple], *,
                     kinks: Sequence[float] = (), ax: Axes | None = None) -> Axes:
    """The victim's score along a line, the intervals the search examined and the kinks.

    ``t`` and ``scores``: the score at ``start + t·direction`` (for the
    picture); ``intervals``: ``(lo, hi, verdict)`` as in
    :class:`~stealkit.attacks.LineSearch`, drawn as bands under the curve,
    one row per level of halving; ``kinks``: marked.
    """
    ax = _ax(ax)
    ax.plot(t, scores, color=VICTIM, lw=2, label="victim's score f(x₀ + t·v)")
    low, high = float(np.min(scores)), float(np.max(scores))
    span = (high - low) or 1.0
    whole = (intervals[0][1] - intervals[0][0]) if intervals else 1.0
    for lo, hi, verdict in intervals:
        depth = round(np.log2(whole / (hi - lo)))
        y0 = low - span * (0.08 + 0.06 * depth)
        ax.plot([lo, hi], [y0, y0], color=_VERDICT_COLORS[verdict], lw=5, solid_capstyle="butt")
    for verdict, color in _VERDICT_COLORS.items():
        if any(v == verdict for *_, v in intervals):
            ax.plot([], [], color=color, lw=5, label=f"interval: {verdict}")
    if len(kinks):
        ax.plot(kinks, np.interp(kinks, t, scores), "o", color=EXTRACTED, ms=8,
                label="critical point found")
    ax.set_xlabel("position t along the line")
    ax.set_ylabel("score")
    ax.set_xlim(float(t[0]), float(t[-1]))
    ax.legend(loc="upper left", fontsize=10, framealpha=0.9)
    return ax


def _runs(curves: Sequence[Mapping[str, Any]], pools, strategies, outputs):
    return [c for c in curves if c["pool"] in pools and c["strategy"] in strategies
            and c["output"] in outputs]


def plot_learning_curves(curves: Sequence[Mapping[str, Any]], *, metric: str = "fidelity",
                         pools: Sequence[str] = ("noise", "cifar10", "mnist"),
                         strategies: Sequence[str] = ("random", "uncertainty", "kcenter"),
                         outputs: Sequence[str] = ("proba",), reference: float | None = None,
                         ax: Axes | None = None) -> Axes:
    """``metric`` of the copy against the queries, one line per run (pool: colour, strategy: style).

    ``curves``: runs as written by :func:`stealkit.paper.neural_networks.pool_curve`;
    label-only runs are drawn with hollow markers. ``reference``: a level to
    draw (e.g. the victim's own accuracy).
    """
    if metric not in METRICS:
        raise ValueError(f"The 'metric' parameter must be one of {list(METRICS)}. Got {metric!r}.")
    ax = _ax(ax)
    for run in _runs(curves, pools, strategies, outputs):
        n = [row["n_queries"] for row in run["curve"]]
        v = [row[metric] for row in run["curve"]]
        hollow = run["output"] == "label"
        ax.plot(n, v, _STYLES[run["strategy"]], marker="o", color=POOL_COLORS[run["pool"]],
                mfc="white" if hollow else POOL_COLORS[run["pool"]], lw=2,
                label=f"{POOL_NAMES[run['pool']]}, {run['strategy']}"
                      + (", labels" if hollow else ""))
    if reference is not None:
        ax.axhline(reference, color=QUERIES, lw=1, ls="--", label="the victim's accuracy")
    ax.set_xscale("log")
    ax.set_xlabel("queries")
    ax.set_ylabel(METRICS[metric])
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=10, loc="lower right")
    return ax


def plot_transfer(curves: Sequence[Mapping[str, Any]], references: Sequence[Mapping[str, Any]],
                  *, attack: str = "pgd", ax: Axes | None = None) -> Axes:
    """Success on the victim of examples crafted on each copy, against the queries it cost.

    Runs with transfer figures (random selection) are lines; ``references``
    (an independent model, the victim itself) and the random-noise control
    are horizontal lines.
    """
    if attack not in ATTACKS:
        raise ValueError(f"The 'attack' parameter must be one of {list(ATTACKS)}. Got {attack!r}.")
    ax = _ax(ax)
    for run in curves:
        if attack not in run["curve"][0] or run["output"] != "proba":
            continue
        ax.plot([r["n_queries"] for r in run["curve"]], [r[attack] for r in run["curve"]],
                "-o", color=POOL_COLORS[run["pool"]], lw=2,
                label=f"copy from {POOL_NAMES[run['pool']]}")
    styles = ["--", "-."]
    for ref, style in zip(references, styles, strict=False):
        ax.axhline(ref[attack], color=VICTIM if "victim" in ref["model"] else CLEAN, ls=style,
                   lw=1.5, label=ref["model"].split(" (")[0] + (" (white box)"
                                                                 if "victim" in ref["model"]
                                                                 else ", no query"))
    if references and "noise" in references[0] and attack != "pgd_targeted":
        ax.axhline(references[0]["noise"], color=QUERIES, ls=":", lw=1.5,
                   label="random signs (control)")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("queries spent on the copy")
    ax.set_ylabel(f"{ATTACKS[attack]}: success on the victim")
    ax.legend(fontsize=10, loc="best")
    return ax


def plot_three_notions(rows: Sequence[Mapping[str, Any]], *, fig: Any = None) -> Any:
    """Accuracy and fidelity (left) and worst-case error (right) of each model beside the victim."""
    fig = fig or plt.figure(figsize=(12, 4.2))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = [r["copy"].split(" (")[0] for r in rows]
    x = np.arange(len(rows))
    bars = (("accuracy", "accuracy", "#a6cee3"), ("fidelity", "fidelity (test)", VICTIM),
            ("fidelity_uniform", "fidelity (uniform)", EXTRACTED))
    for i, (key, label, color) in enumerate(bars):
        left.bar(x + (i - 1) * 0.27, [r[key] for r in rows], width=0.27, color=color, label=label)
    left.set_xticks(x, names, rotation=15, ha="right")
    left.set_ylim(0.4, 1.0)
    left.set_ylabel("share of inputs")
    left.legend(fontsize=10, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 1.0),
                frameon=False)
    worst = [r["log2_worst_error"] for r in rows]
    right.bar(x, worst, color=[EXTRACTED if w < -10 else CLEAN for w in worst])
    for xi, w, r in zip(x, worst, rows, strict=True):
        above = w > -6
        right.text(xi, max(w, 0) + 0.5 if above else w / 2, f"{w:+.1f}\n{r['queries']:,}\nqueries",
                   ha="center", va="bottom" if above else "center", fontsize=10,
                   color=QUERIES if above else "white")
    right.set_ylim(min(min(worst), 0) - 1, max(max(worst), 0) + 8)
    right.axhline(0, color=QUERIES, lw=1)
    right.set_xticks(x, names, rotation=15, ha="right")
    right.set_ylabel("log₂ worst |f − f̂| of the score")
    fig.tight_layout()
    return fig
