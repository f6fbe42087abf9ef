"""Figures of entangled watermarks (notebook 04, Jia et al. 2021): results in, an Axes out.

They train nothing, query nothing and never call ``plt.show()``. The victim
is drawn in :data:`~stealkit.plots.VICTIM`, extracted copies in
:data:`~stealkit.plots.EXTRACTED`, watermarked inputs in
:data:`~stealkit.plots.WATERMARKED`, target-class inputs in
:data:`~stealkit.plots.TARGET` and models without the watermark in
:data:`~stealkit.plots.CLEAN`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from stealkit.plots._style import CLEAN, EXTRACTED, TARGET, VICTIM, WATERMARKED, _ax

__all__ = [
    "plot_snnl_clusters",
    "plot_activation_patterns",
    "plot_trigger_search",
    "plot_snnl_history",
    "plot_representations",
    "plot_watermark_success",
    "plot_watermark_p_values",
    "plot_removal",
    "plot_neural_cleanse",
]

#: One colour per layer in the SNNL history.
LAYER_COLORS = ("#1b9e77", "#7570b3", "#d95f02")


def plot_snnl_clusters(clusters: Any, *, value: float, temperature: float,
                       ax: Axes | None = None) -> Axes:
    """Two groups of 2-D points with their soft nearest-neighbour loss in the title."""
    ax = _ax(ax)
    X, y = np.asarray(clusters.X), np.asarray(clusters.y)
    for g, color, label in ((0, TARGET, "group 0"), (1, WATERMARKED, "group 1")):
        ax.scatter(X[y == g, 0], X[y == g, 1], s=30, c=color, label=label, alpha=0.8,
                   edgecolors="white", linewidths=0.5)
    ax.set(xlabel="$x_1$", ylabel="$x_2$",
           title=f"separation {clusters.separation:g}, T = {temperature:.3g}: SNNL = {value:.3f}")
    ax.legend(loc="upper right", framealpha=0.9)
    return ax


def plot_activation_patterns(patterns: Any, *, ax: Axes | None = None) -> Axes:
    """Firing rate of each unit for each group, units sorted by the first group's rate (§3)."""
    ax = _ax(ax)
    order = np.argsort(-patterns.rates[0], kind="stable")
    colors = {"watermarked": WATERMARKED, "target class": TARGET}
    for i, name in enumerate(patterns.groups):
        ax.plot(np.arange(len(order)), patterns.rates[i, order], lw=1.8,
                color=colors.get(name, VICTIM if i == 0 else CLEAN), label=name)
    ax.set(xlabel=f"unit of {patterns.layer} (sorted by the first group's rate)",
           ylabel="share of inputs that fire the unit", ylim=(-0.02, 1.02))
    ax.legend(loc="lower left", framealpha=0.9)
    return ax


def plot_trigger_search(search: Any, *, trigger_shape: Sequence[int] = (4, 4),
                        background: np.ndarray | None = None, ax: Axes | None = None) -> Axes:
    """The trigger-position map: gradient of SNNL correlated with the trigger (Algorithm 1).

    Each pixel (r, c) of the map is the gain of stamping the trigger with its
    top-left corner there; the chosen position is outlined. ``background``
    (e.g. the mean source image) is drawn faintly underneath.
    """
    ax = _ax(ax)
    h, w = trigger_shape
    heat = np.asarray(search.heatmap)
    if background is not None:
        ax.imshow(np.asarray(background), cmap="gray_r", alpha=0.35,
                  extent=(-0.5, 27.5, 27.5, -0.5))
    lim = np.abs(heat).max() or 1.0
    im = ax.imshow(heat, cmap="RdBu_r", vmin=-lim, vmax=lim, alpha=0.8,
                   extent=(-0.5, heat.shape[1] - 0.5, heat.shape[0] - 0.5, -0.5))
    r, c = search.position
    ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, ec="black", lw=2.5))
    ax.set(xlim=(-0.5, 27.5), ylim=(27.5, -0.5), xlabel="column (pixels)",
           ylabel="row (pixels)", title=f"trigger position {search.position}")
    ax.grid(False)
    plt.colorbar(im, ax=ax, label="gain in SNNL (a.u.)", shrink=0.85)
    return ax


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    if len(x) < k or k < 2:
        return x
    return np.convolve(x, np.ones(k) / k, mode="valid")


def plot_snnl_history(history: Mapping[str, np.ndarray], *, layers: Sequence[str],
                      window: int = 20, ax: Axes | None = None) -> Axes:
    """SNNL of watermarked vs target data per layer over the watermark steps.

    ``history`` maps a method name ("EWE", "backdoor") to an array
    ``(n_steps, n_layers)``; the first is drawn solid, the others dashed.
    Curves are moving averages over ``window`` steps.
    """
    ax = _ax(ax)
    for k, (method, values) in enumerate(history.items()):
        values = np.asarray(values)
        for i, layer in enumerate(layers):
            y = _smooth(values[:, i], window)
            ax.plot(np.arange(len(y)) + min(window, len(values[:, i])) - 1, y,
                    color=LAYER_COLORS[i % 3], ls="-" if k == 0 else "--", lw=2,
                    label=f"{method}, {layer}")
    ax.axhline(np.log(2), color="black", lw=0.8, ls=":")
    n_steps = max(len(v) for v in history.values())
    ax.annotate("log 2: fully entangled", (n_steps, np.log(2)), xytext=(-4, -16),
                textcoords="offset points", ha="right", fontsize=11)
    ax.set(xlabel="watermark step", ylabel="SNNL (cosine)")
    ax.legend(loc="lower right", ncol=2, fontsize=11, framealpha=0.9)
    return ax


def plot_representations(reps: Any, *, title: str = "", ax: Axes | None = None) -> Axes:
    """Watermarked and target-class representations on their first two principal axes."""
    ax = _ax(ax)
    for g, color in ((0, TARGET), (1, WATERMARKED)):
        p = reps.points[reps.groups == g]
        ax.scatter(p[:, 0], p[:, 1], s=12, c=color, alpha=0.6, label=reps.labels[g],
                   edgecolors="none")
    ax.set(xlabel="principal axis 1", ylabel="principal axis 2",
           title=f"{title}{reps.layer}: SNNL = {reps.snnl:.3f}")
    ax.legend(loc="best", framealpha=0.9, markerscale=2)
    return ax


def _role_color(name: str) -> str:
    name = name.lower()
    if "extracted" in name or "copy" in name:
        return EXTRACTED
    if "clean" in name or "independent" in name or "innocent" in name:
        return CLEAN
    return VICTIM


def plot_watermark_success(success: Mapping[str, float], *, ax: Axes | None = None) -> Axes:
    """Bars of watermark success per model: victims, extracted copies, clean models."""
    ax = _ax(ax)
    names = list(success)
    values = [100 * float(success[n]) for n in names]
    bars = ax.bar(range(len(names)), values, color=[_role_color(n) for n in names])
    for b, v in zip(bars, values, strict=True):
        ax.annotate(f"{v:.1f}", (b.get_x() + b.get_width() / 2, v), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=11)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set(ylabel="watermark success (%)", ylim=(0, 112))
    return ax


def plot_watermark_p_values(verifications: Mapping[str, Any], *, ax: Axes | None = None) -> Axes:
    """Median p-value of the ownership test against the number of queries to the suspect."""
    ax = _ax(ax)
    # Each suspect its own colour and line: its role's colour first (copies orange,
    # innocent models grey), then darker shades of the palette for a second of a role.
    spare = iter(("#8c2d04", "#1f4e79", "#2ca02c", "#6a3d9a", "#b15928", "#444444"))
    used: set[str] = set()
    for k, (name, v) in enumerate(verifications.items()):
        med = np.median(v.p_values, axis=1)
        lo, hi = np.quantile(v.p_values, [0.25, 0.75], axis=1)
        color = _role_color(name)
        if color in used:
            color = next(c for c in spare if c not in used)
        used.add(color)
        ax.plot(v.sizes, np.maximum(med, 1e-12), color=color, lw=2,
                ls=("-", "--", "-.", ":")[k % 4], label=name)
        ax.fill_between(v.sizes, np.maximum(lo, 1e-12), np.maximum(hi, 1e-12), color=color,
                        alpha=0.15)
        if v.queries_needed is not None:
            ax.plot([v.queries_needed], [max(med[v.queries_needed - v.sizes[0]], 1e-12)], "o",
                    color=color, ms=7)
    sig = next(iter(verifications.values())).significance
    ax.axhline(sig, color="black", lw=1, ls=":")
    ax.annotate(f"p = {sig:g} (95 % confidence)", (ax.get_xlim()[1], sig), xytext=(-4, 3),
                textcoords="offset points", ha="right", fontsize=11)
    ax.set(yscale="log", ylim=(1e-12, 1.5), xlabel="queries to the suspect (watermarked inputs)",
           ylabel="p-value (median, quartiles)")
    ax.legend(loc="lower left", framealpha=0.9)
    return ax


def plot_removal(curves: Sequence[Any], *, labels: Sequence[str] | None = None,
                 clean_success: float | None = None, ax: Axes | None = None) -> Axes:
    """No free lunch: watermark success against task accuracy as a removal attack grows.

    Each curve is a :class:`~stealkit.watermark.removal.RemovalCurve`; points
    are labelled with the share of units pruned (from 70 %, where they spread
    out). ``labels`` name the curves
    (default: the attack and layer); a label containing "naive" is drawn in
    grey, others in the victim's colour.
    """
    ax = _ax(ax)
    styles = ({"marker": "o", "ls": "-"}, {"marker": "s", "ls": "--"}, {"marker": "^", "ls": ":"},
              {"marker": "D", "ls": "-."})
    if labels is None:
        labels = [f"{c.attack} ({c.layer})" for c in curves]
    placed: list[tuple[float, float]] = []  # labels of every curve: none on top of another
    for curve, label, style in zip(curves, labels, styles, strict=False):
        acc, wsr = 100 * curve.accuracy, 100 * curve.watermark_success
        color = CLEAN if "naive" in label else VICTIM
        ax.plot(acc, wsr, color=color, lw=2, ms=6, label=label, **style)
        for f, a, w in zip(curve.fractions, acc, wsr, strict=True):
            # label only where the points have spread out
            if f < 0.7 or any(abs(a - pa) < 6 and abs(w - pw) < 8 for pa, pw in placed):
                continue
            placed.append((a, w))
            ax.annotate(f"{f:.0%}", (a, w), xytext=(5, -14), textcoords="offset points",
                        fontsize=11, color=color)
    if clean_success is not None:
        ax.axhline(100 * clean_success, color=CLEAN, ls=":", lw=1.5,
                   label="clean model's false positives")
    ax.set(xlabel="task accuracy (%)", ylabel="watermark success (%)", ylim=(-3, 103))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)  # off the points
    return ax


def plot_neural_cleanse(result: Any, *, target: int | None = None,
                        ax: Axes | None = None) -> Axes:
    """L1 norm of the reversed trigger of every class; the watermark's target is outlined."""
    ax = _ax(ax)
    norms = np.asarray(result.norms)
    colors = [EXTRACTED if c in result.flagged else CLEAN for c in range(len(norms))]
    bars = ax.bar(range(len(norms)), norms, color=colors)
    if target is not None:
        bars[target].set_edgecolor("black")
        bars[target].set_linewidth(2.5)
    for c, (b, a) in enumerate(zip(bars, result.anomaly_index, strict=True)):
        ax.annotate(f"{a:+.1f}", (c, b.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=11)
    ax.set_xticks(range(len(norms)))
    ax.set(xlabel="class (outlined: the watermark's target)",
           ylabel="L1 norm of the reversed mask (pixels)",
           title="numbers: anomaly index (> 2 is flagged)")
    return ax
