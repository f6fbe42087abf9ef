"""Figures of equation solving and the prediction API (notebooks 00 and 01, Tramèr et al. 2016, §4).

Results (or fitted local models to evaluate on a grid) in, an Axes out: no
query is spent and nothing is trained. The victim is drawn in
:data:`~stealkit.plots.VICTIM`, the extracted model in
:data:`~stealkit.plots.EXTRACTED`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from stealkit.plots._style import CLASS_COLORS, EXTRACTED, QUERIES, VICTIM, _ax, _check_bounds

__all__ = [
    "plot_decision_boundary",
    "plot_answer",
    "plot_representers",
    "plot_inversion",
    "plot_rounding",
]


def _labels(model: Any, X: np.ndarray) -> np.ndarray:
    predict = getattr(model, "predict", model)
    return np.asarray(predict(X))


def plot_decision_boundary(
    victim: Any,
    extracted: Any = None,
    *,
    queries: np.ndarray | None = None,
    bounds: Sequence[float] = (-1.0, 1.0, -1.0, 1.0),
    resolution: int = 300,
    ax: Axes | None = None,
) -> Axes:
    """Class regions and boundary of a 2-D victim, with the extracted boundary and queries.

    Parameters
    ----------
    victim, extracted : estimator or callable
        Local models with ``predict`` (or callables) over 2-D inputs; the
        victim's regions are shaded and its boundary drawn solid, the
        extracted model's boundary dashed.
    queries : ndarray of shape (n_queries, 2), optional
        The points the attacker sent to the oracle.
    bounds : (x_min, x_max, y_min, y_max)
        The window of the feature space to draw.
    """
    _check_bounds(bounds)
    ax = _ax(ax)
    xx, yy = np.meshgrid(
        np.linspace(bounds[0], bounds[1], resolution), np.linspace(bounds[2], bounds[3], resolution)
    )
    grid = np.c_[xx.ravel(), yy.ravel()]
    classes, zv = np.unique(_labels(victim, grid), return_inverse=True)
    zv = zv.reshape(xx.shape)
    n = max(len(classes), 2)
    ax.contourf(
        xx, yy, zv, levels=np.arange(n + 1) - 0.5, cmap=ListedColormap(CLASS_COLORS[:n]), alpha=0.6
    )
    ax.contour(xx, yy, zv, levels=np.arange(n) + 0.5, colors=VICTIM, linewidths=2)
    handles = [plt.Line2D([], [], color=VICTIM, lw=2, label="victim $f$")]
    if extracted is not None:
        ze = np.searchsorted(classes, _labels(extracted, grid)).reshape(xx.shape)
        ax.contour(
            xx, yy, ze, levels=np.arange(n) + 0.5, colors=EXTRACTED, linewidths=2, linestyles="--"
        )
        handles.append(
            plt.Line2D([], [], color=EXTRACTED, lw=2, ls="--", label=r"extracted $\hat f$")
        )
    if queries is not None and len(queries):
        q = np.asarray(queries)
        ax.scatter(q[:, 0], q[:, 1], s=18, c=QUERIES, marker="x", lw=1, zorder=3)
        handles.append(
            plt.Line2D([], [], color=QUERIES, marker="x", ls="", label=f"queries ({len(q)})")
        )
    ax.set(xlim=bounds[:2], ylim=bounds[2:], xlabel="feature $x_1$", ylabel="feature $x_2$")
    ax.legend(handles=handles, loc="upper right", framealpha=0.9)
    return ax


def plot_answer(
    answer: np.ndarray,
    *,
    classes: Sequence[Any] | None = None,
    reference: np.ndarray | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bar chart of one probability vector returned by an API.

    ``reference`` (e.g. the undefended probabilities) is drawn as outlines,
    so that the effect of rounding or top-k is visible.
    """
    answer = np.asarray(answer, dtype=float)
    if answer.ndim != 1:
        raise ValueError(
            f"'answer' must be one probability vector (1-D). Got shape {answer.shape}."
        )
    ax = _ax(ax)
    names = [str(c) for c in (classes if classes is not None else range(len(answer)))]
    pos = np.arange(len(answer))
    ax.bar(pos, answer, color=VICTIM, alpha=0.8, label="answer")
    if reference is not None:
        ax.bar(
            pos,
            np.asarray(reference, dtype=float),
            fill=False,
            edgecolor=EXTRACTED,
            lw=2,
            ls="--",
            label="exact",
        )
        ax.legend(loc="upper right")
    for p, v in zip(pos, answer, strict=True):
        ax.text(p, v + 0.02, f"{v:.6g}", ha="center", fontsize=11)
    ax.set(
        xticks=pos, xticklabels=names, ylim=(0, 1.15), xlabel="class", ylabel="returned probability"
    )
    return ax




def _image(ax: Axes, x: np.ndarray, title: str, *, color: str = "k") -> None:
    side = int(round(np.sqrt(x.size)))
    if side * side != x.size:
        raise ValueError(f"Images must be square: got {x.size} pixels.")
    ax.imshow(x.reshape(side, side), cmap="gray_r")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8, color=color)


def plot_representers(panel: Any, *, n: int = 10, fig: Any = None) -> Any:
    """Figure 2 of Tramèr et al.: extracted KLR representers above what they leak.

    ``panel`` is a :class:`~stealkit.paper.equation_solving.Figure2Panel`. Top row:
    the first ``n`` extracted representers (orange titles); bottom row: the
    victim's training image each is paired with and their distance, or, when
    every training image was a representer, the nearest class average.
    Returns the figure.
    """
    found = np.asarray(panel.result.representers)
    n = min(int(n), len(found))
    if n < 1:
        raise ValueError("The panel has no extracted representers to show.")
    if fig is None:
        fig = plt.figure(figsize=(1.1 * n, 2.7))
    axes = fig.subplots(2, n, squeeze=False)
    victim = np.asarray(panel.victim.representers_)
    per_image = len(victim) <= 2 * len(found)  # panel (a): a few training images
    for k in range(n):
        _image(axes[0, k], found[k], "stolen", color=EXTRACTED)
        if per_image:
            _image(axes[1, k], victim[panel.partner[k]], f"train, {panel.distance[k]:.1f}",
                   color=VICTIM)
        else:
            _image(axes[1, k], panel.class_means[panel.nearest_mean[k]],
                   f"mean '{panel.nearest_mean[k]}'", color=VICTIM)
    return fig


def plot_inversion(comparison: Any, *, fig: Any = None) -> Any:
    """Model inversion per class: the prototype found white-box (on the stolen copy)
    and black-box (through the API), with the victim's confidence in each.

    ``comparison`` is an :class:`~stealkit.paper.equation_solving.InversionComparison`.
    Returns the figure.
    """
    white, black = comparison.white_box, comparison.black_box
    n = len(white)
    if fig is None:
        fig = plt.figure(figsize=(1.1 * n, 2.9))
    axes = fig.subplots(2, n, squeeze=False)
    conf = np.asarray(comparison.victim_confidence)
    for k in range(n):
        _image(axes[0, k], white[k].x, f"{k}: {conf[k, 0]:.2f}", color=EXTRACTED)
        _image(axes[1, k], black[k].x, f"{k}: {conf[k, 1]:.2f}", color=VICTIM)
    axes[0, 0].set_ylabel("stolen copy\n0 queries", fontsize=8)
    axes[1, 0].set_ylabel(f"black box\n{comparison.black_box_queries:,} q.", fontsize=8)
    return fig


def plot_rounding(rows: Sequence[Mapping[str, Any]], *, highlight: Any = "none",
                  ax: Axes | None = None) -> Axes:
    """Figure 7: extraction error against the decimals an API keeps.

    ``rows`` are :func:`~stealkit.paper.equation_solving.rounding_row` dicts
    (``decimals`` None means unrounded, drawn at the right). Plots R_test and
    R_unif on a log scale (a perfect copy sits on the floor, 10⁻⁵); the row
    whose decimals equal ``highlight`` is circled.
    """
    rows = list(rows)
    if not rows or any(k not in r for r in rows for k in ("decimals", "1-R_test", "1-R_unif")):
        raise ValueError("'rows' must be rounding_row dicts with 'decimals', '1-R_test' and "
                         "'1-R_unif'.")
    exact_at = max([r["decimals"] for r in rows if r["decimals"] is not None], default=0) + 1
    xs = np.array([exact_at if r["decimals"] is None else r["decimals"] for r in rows])
    order = np.argsort(xs)
    floor = 1e-5
    ax = _ax(ax)
    for key, style, label in (("1-R_test", "-o", "$R_{test}$"), ("1-R_unif", "--s", "$R_{unif}$")):
        err = np.maximum(1.0 - np.array([rows[i][key] for i in order]), floor)
        ax.plot(xs[order], err, style, color=EXTRACTED, lw=2, ms=7, label=label)
    for i, r in enumerate(rows):
        if r["decimals"] == highlight:
            ax.plot([xs[i]] * 2, np.maximum([1 - r["1-R_test"], 1 - r["1-R_unif"]], floor), "o",
                    ms=16, mfc="none", mec=VICTIM, mew=2)
    ticks = sorted(set(xs.tolist()))
    ax.set_xticks(ticks, [("exact" if t == exact_at and any(r["decimals"] is None for r in rows)
                           else str(t)) for t in ticks])
    ax.set(yscale="log", xlabel="decimals in each answer", ylabel="extraction error",
           ylim=(floor / 2, 1))
    ax.axhline(floor, color="0.7", lw=1)
    ax.legend(loc="upper right", framealpha=0.9)
    return ax

