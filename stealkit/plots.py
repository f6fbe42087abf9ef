"""Figures shared by the notebooks: results in, an Axes out.

Plot functions take results (or fitted local models to evaluate on a grid),
never an oracle: they spend no queries, train nothing and never call
``plt.show()``. Colours are the same in every notebook: the victim is always
:data:`VICTIM`, the extracted model :data:`EXTRACTED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

__all__ = [
    "VICTIM",
    "EXTRACTED",
    "QUERIES",
    "CLASS_COLORS",
    "plot_decision_boundary",
    "plot_answer",
]

#: Colour of the victim f in every figure of the course.
VICTIM = "#1f4e79"
#: Colour of the extracted model f̂ in every figure of the course.
EXTRACTED = "#e66100"
#: Colour of the attacker's queries.
QUERIES = "#222222"
#: Light fills for class regions (colour-blind safe).
CLASS_COLORS = ("#a6cee3", "#fdbf6f", "#b2df8a", "#cab2d6", "#fb9a99", "#ffff99")


def _ax(ax: Axes | None) -> Axes:
    return plt.gca() if ax is None else ax


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
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(
            f"'bounds' must be (x_min, x_max, y_min, y_max) with min < max. Got {bounds}."
        )
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
