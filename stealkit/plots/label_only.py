"""Figures of label-only extraction (notebook 03, Tramèr et al. 2016, §5–6).

Results in, an Axes out: no query is spent, nothing is trained. Sweep records
are those of :mod:`stealkit.paper.label_only` (one dict per attack run:
``figure``, ``dataset``, ``attack``, ``alpha``, ``n_queries``, ``seed``,
``r_test``, ``r_unif``, ...). The victim is drawn in
:data:`~stealkit.plots.VICTIM`, the extracted model in
:data:`~stealkit.plots.EXTRACTED`; adaptive retraining, the strongest
label-only attack, takes the extracted model's colour in the sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from stealkit.paper.label_only import select_records, sweep_curve
from stealkit.plots._style import EXTRACTED, QUERIES, VICTIM, _ax
from stealkit.plots.extraction import plot_decision_boundary

__all__ = [
    "ATTACK_COLORS",
    "ATTACK_NAMES",
    "LOWD_MEEK_STEPS",
    "plot_budget_curves",
    "plot_rounding_vs_labels",
    "plot_retraining_round",
    "plot_lowd_meek",
]

#: One colour per attack in the sweeps (colour-blind safe; adaptive = extracted model).
ATTACK_COLORS = {
    "uniform": "#7f7f7f",
    "line_search": "#5e3c99",
    "adaptive": EXTRACTED,
    "lowd_meek": "#1b9e77",
    "equation_solving": VICTIM,
}
ATTACK_NAMES = {
    "uniform": "uniform retraining",
    "line_search": "line-search retraining",
    "adaptive": "adaptive retraining",
    "lowd_meek": "Lowd–Meek",
    "equation_solving": "equation solving",
}
#: R = 0 cannot be drawn on a log scale; it is drawn at this floor.
FLOOR = 1e-5


def _curve(ax: Axes, c: Mapping[str, np.ndarray], **style: Any) -> None:
    """The mean over seeds, a band from the best to the worst seed.

    On a log axis a seed with no error at all would pull the band down to the
    floor; the band stops at the mean there instead, and a small ▾ on the floor
    marks that some seed extracted the model exactly.
    """
    mean = np.maximum(c["mean"], FLOOR)
    ax.plot(c["alpha"], mean, **{"marker": "o", "ms": 4, "lw": 2, **style})
    if len(c["alpha"]) and np.any(c["high"] > c["low"]):
        exact = np.asarray(c["low"]) <= 0
        low = np.where(exact, mean, np.maximum(c["low"], FLOOR))
        ax.fill_between(c["alpha"], low, np.maximum(c["high"], FLOOR),
                        color=style.get("color"), alpha=0.15, lw=0)
        if np.any(exact & (np.asarray(c["mean"]) > 0)):
            ax.scatter(np.asarray(c["alpha"])[exact], np.full(exact.sum(), FLOOR), marker="v",
                       s=25, color=style.get("color"), alpha=0.6)


def plot_budget_curves(records: Sequence[Mapping[str, Any]], *, figure: str,
                       metric: str = "r_test", ax: Axes | None = None) -> Axes:
    """Figures 4–6: R_test or R_unif against the budget factor α, one line per attack.

    Averaged over the data sets in ``records`` for that figure; the band is
    the spread over seeds. Lowd–Meek (Figure 4) has no budget to set: it is
    drawn at the queries it needed for each granularity ε.
    """
    ax = _ax(ax)
    for attack in ("uniform", "line_search", "adaptive"):
        c = sweep_curve(records, metric=metric, figure=figure, attack=attack)
        if len(c["alpha"]):
            _curve(ax, c, color=ATTACK_COLORS[attack], label=ATTACK_NAMES[attack])
    c = sweep_curve(records, metric=metric, by="epsilon", figure=figure, attack="lowd_meek")
    if len(c["alpha"]):
        _curve(ax, c, color=ATTACK_COLORS["lowd_meek"], ls="--", label="Lowd–Meek (ε = 10⁻¹…10⁻⁶)")
    name = {"r_test": "$R_{test}$", "r_unif": "$R_{unif}$"}[metric]
    ax.set(xscale="log", yscale="log", xlabel="budget factor α (queries / unknowns)",
           ylabel=f"{name} (0 drawn at {FLOOR:g})")
    ax.legend(loc="best", fontsize=10)
    return ax


def plot_rounding_vs_labels(records: Sequence[Mapping[str, Any]], *, metric: str = "r_test",
                  ax: Axes | None = None) -> Axes:
    """Figure 7: equation solving on rounded probabilities against label-only retraining.

    One line per number of decimals the API keeps (``decimals=None``: no
    rounding), averaged over the softmax victims; adaptive retraining on
    labels alone (the Figure 5 runs on the same victims) for comparison.
    """
    ax = _ax(ax)
    runs = select_records(records, {"figure": "7"})
    # exact first, then fewer and fewer decimals: colours far apart on one scale, and markers
    levels = sorted({r["decimals"] for r in runs}, key=lambda d: -np.inf if d is None else -d)
    shades = plt.get_cmap("viridis")(np.linspace(0.0, 0.8, max(len(levels), 1)))
    markers = ("o", "s", "^", "D", "v", "P")
    for k, (level, shade) in enumerate(zip(levels, shades, strict=False)):
        c = sweep_curve(records, metric=metric, figure="7", decimals=level)
        label = "probabilities, exact" if level is None else f"rounded to {level} decimals"
        _curve(ax, c, color=shade, label=label, marker=markers[k % len(markers)])
    datasets = sorted({r["dataset"] for r in runs})
    labels = [r for r in select_records(records, {"figure": "5", "attack": "adaptive"})
              if r["dataset"] in datasets]
    if labels:
        _curve(ax, sweep_curve(labels, metric=metric), color=ATTACK_COLORS["adaptive"],
               ls="--", label="labels only (adaptive retraining)")
    name = {"r_test": "$R_{test}$", "r_unif": "$R_{unif}$"}[metric]
    ax.set(xscale="log", yscale="log", xlabel="budget factor α (queries / unknowns)",
           ylabel=f"{name} (0 drawn at {FLOOR:g})")
    ax.legend(loc="best", fontsize=10)
    return ax


# --------------------------------------------------------------------------- 2-D pictures
def _add_legend(ax: Axes, *handles: Any) -> None:
    old = ax.get_legend()
    existing = list(old.legend_handles) if old is not None else []
    # Below the axes: the 2-D pictures are busy, and x⁺ or x⁻ may sit in any corner.
    ax.legend(handles=existing + list(handles), loc="upper center", bbox_to_anchor=(0.5, -0.14),
              ncol=2, framealpha=0.9, fontsize=10)


def plot_retraining_round(result: Any, victim: Any, *, round: int | None = None,
                          bounds: Sequence[float] = (-1.0, 1.0, -1.0, 1.0),
                          resolution: int = 200, ax: Axes | None = None) -> Axes:
    """A 2-D retraining attack after ``round`` rounds (default: the last).

    The victim's regions and boundary, the local model's boundary after that
    round (dashed), the queries of earlier rounds (grey ×) and of that round
    (the extracted model's colour). ``resolution`` is the grid size per axis
    (both models are evaluated on it; lower it for victims that are slow to
    answer, such as SVMs with many support vectors).
    """
    n = result.n_rounds
    k = n if round is None else int(round)
    if not 1 <= k <= n:
        raise ValueError(f"'round' must be between 1 and {n}. Got {round!r}.")
    ax = _ax(ax)
    earlier = np.concatenate(result.round_queries[: k - 1]) if k > 1 else None
    plot_decision_boundary(victim, result.models[k - 1], bounds=bounds, resolution=resolution,
                           ax=ax)
    handles = []
    if earlier is not None:
        ax.scatter(earlier[:, 0], earlier[:, 1], s=12, c="#9a9a9a", marker="x", lw=1, zorder=3)
        handles.append(plt.Line2D([], [], color="#9a9a9a", marker="x", ls="",
                                  label=f"earlier queries ({len(earlier)})"))
    now = result.round_queries[k - 1]
    ax.scatter(now[:, 0], now[:, 1], s=22, c=EXTRACTED, edgecolors=QUERIES, lw=0.5, zorder=4)
    label = f"queries ({len(now)})" if n == 1 else f"round {k} ({len(now)})"
    handles.append(plt.Line2D([], [], color=EXTRACTED, marker="o", ls="", mec=QUERIES,
                              label=label))
    _add_legend(ax, *handles)
    return ax


#: The steps of :func:`plot_lowd_meek`.
LOWD_MEEK_STEPS = (
    "1. a positive and a negative point",
    "2. line search to the boundary: x₀",
    "3. one line search per feature",
    "4. solve w·x + b = 0",
)


def plot_lowd_meek(result: Any, victim: Any, *, step: int = 4, ax: Axes | None = None) -> Axes:
    """The Lowd–Meek attack on a 2-D linear victim, up to ``step`` (1–4).

    1: the uniform tries and the first positive (x⁺) and negative (x⁻) point;
    2: the line search between them, ending ε-close to the boundary at x₀;
    3: the line searches from x₀ + δ·eᵢ back to the boundary, one per feature;
    4: the boundary recovered from the boundary points (dashed).
    """
    if step not in (1, 2, 3, 4):
        raise ValueError(f"'step' must be 1, 2, 3 or 4. Got {step!r}.")
    if result.queries.shape[1] != 2:
        raise ValueError("plot_lowd_meek draws 2-D attacks only.")
    Q, stage = result.queries, result.stage
    shown = Q[stage < min(step, 3)]
    pts = np.vstack([shown, [[-1.0, -1.0], [1.0, 1.0]]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.05 * (hi - lo)
    bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    ax = _ax(ax)
    plot_decision_boundary(victim, result.model if step == 4 else None, bounds=bounds,
                           resolution=200, ax=ax)
    handles = []
    tries = Q[stage == 0]
    ax.scatter(tries[:, 0], tries[:, 1], s=14, c="#9a9a9a", marker="x", lw=1, zorder=3)
    handles.append(plt.Line2D([], [], color="#9a9a9a", marker="x", ls="",
                              label=f"uniform tries ({len(tries)})"))
    for x, name, marker in ((result.positive, "x⁺", "P"), (result.negative, "x⁻", "X")):
        ax.scatter(*x, s=110, c="white", edgecolors=QUERIES, marker=marker, lw=1.5, zorder=5)
        ax.annotate(name, x, xytext=(6, 6), textcoords="offset points", fontsize=12)
    if step >= 2:
        search = Q[stage == 1]
        ax.plot(*np.vstack([result.negative, result.positive]).T, color=QUERIES, lw=0.8, ls=":")
        ax.scatter(search[:, 0], search[:, 1], s=16, c=EXTRACTED, zorder=4)
        handles.append(plt.Line2D([], [], color=EXTRACTED, marker="o", ls="",
                                  label=f"line search ({len(search)})"))
        ax.scatter(*result.boundary[0], s=90, c=EXTRACTED, edgecolors=QUERIES, marker="*",
                   zorder=6)
        ax.annotate("x₀", result.boundary[0], xytext=(6, -14), textcoords="offset points",
                    fontsize=12)
    if step >= 3:
        probes = Q[stage == 2]
        ax.scatter(probes[:, 0], probes[:, 1], s=10, c="#5e3c99", zorder=4)
        ax.scatter(result.boundary[1:, 0], result.boundary[1:, 1], s=90, c="#5e3c99",
                   edgecolors=QUERIES, marker="*", zorder=6)
        handles.append(plt.Line2D([], [], color="#5e3c99", marker="o", ls="",
                                  label=f"per-feature searches ({len(probes)})"))
    _add_legend(ax, *handles)
    ax.set_title(LOWD_MEEK_STEPS[step - 1], fontsize=12)
    return ax
