"""Figures of decision-tree path finding (notebook 02, Tramèr et al. 2016, §4.2).

Results (or fitted local trees to evaluate on a grid) in, an Axes out: no
query is spent and nothing is trained. Victim leaves are outlined in
:data:`~stealkit.plots.VICTIM`, extracted ones in :data:`~stealkit.plots.EXTRACTED`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from stealkit.plots._style import CLASS_COLORS, EXTRACTED, QUERIES, VICTIM, _ax, _check_bounds

__all__ = ["STEP_STYLES", "plot_path_finding", "plot_tree_regions", "plot_epsilon_sweep"]

#: Marker and colour of each kind of path-finding query (``PathFindingResult.steps``).
STEP_STYLES = {
    "start": {"color": "#1b7837", "marker": "*", "s": 220},
    "line search": {"color": QUERIES, "marker": "x", "s": 30},
    "category split": {"color": "#8c510a", "marker": "s", "s": 30},
    "split feature": {"color": "#762a83", "marker": "D", "s": 50},
    "check": {"color": "#7f7f7f", "marker": "+", "s": 60},
}



def _leaf_found_at(result: Any) -> np.ndarray:
    """Index of the first query that reached each extracted leaf."""
    queries, answers = np.asarray(result.queries, dtype=float), np.asarray(result.answers)
    found = []
    for leaf in result.leaves:
        same = answers == leaf.id
        # With shared identifiers an answer may come from another leaf: also ask for the box.
        hits = np.flatnonzero(same & leaf.contains(queries))
        if not len(hits):
            hits = np.flatnonzero(same)
        found.append(hits[0] if len(hits) else len(queries) - 1)
    return np.asarray(found, dtype=int)


def _leaf_colors(leaves: Sequence[Any]) -> list[str]:
    """Fill colours: by label when the leaves have labels, else one per leaf."""
    if leaves and all(leaf.label is not None for leaf in leaves):
        classes = sorted({leaf.label for leaf in leaves}, key=str)
        return [CLASS_COLORS[classes.index(leaf.label) % len(CLASS_COLORS)] for leaf in leaves]
    return [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(leaves))]


def plot_path_finding(
    result: Any,
    *,
    step: int | None = None,
    bounds: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Path finding on a 2-D tree, replayed up to query ``step``.

    Draws the box of each extracted leaf that a query has reached by then
    (with its final predicates, outlined in :data:`EXTRACTED` and filled by
    label) and the queries sent so far, styled by what they were for
    (``result.steps``, see :data:`STEP_STYLES`). An incomplete query (one
    feature missing) is a dotted line across the missing feature's axis; the
    latest query is circled.

    Parameters
    ----------
    result : PathFindingResult
        What :func:`stealkit.attacks.path_finding.extract_tree` returned for
        a tree of two continuous features.
    step : int, optional
        Number of queries to show, 0 to ``result.n_queries`` (default: all).
    bounds : (x_min, x_max, y_min, y_max), optional
        The window to draw; default: the range the queries span (the domain,
        whose ends every line search queries).
    """
    leaves = tuple(result.leaves)
    queries = np.asarray(result.queries, dtype=float)
    n = len(queries)
    if queries.ndim != 2 or queries.shape[1] != 2:
        raise ValueError(
            f"plot_path_finding draws trees of two features. Got queries of shape {queries.shape}."
        )
    if any(leaf.categories for leaf in leaves):
        raise ValueError(
            "plot_path_finding draws boxes of two continuous features; "
            "a leaf has a categorical predicate."
        )
    if step is None:
        step = n
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step <= n:
        raise ValueError(f"The 'step' parameter must be an int in [0, {n}]. Got {step!r} instead.")
    if bounds is None:
        lows, highs = np.nanmin(queries, axis=0), np.nanmax(queries, axis=0)
        if not (np.isfinite(lows).all() and (highs > lows).all()):
            raise ValueError("The queries do not span both features; pass 'bounds'.")
        bounds = (lows[0], highs[0], lows[1], highs[1])
    x0, x1, y0, y1 = _check_bounds(bounds)
    ax = _ax(ax)

    found = _leaf_found_at(result)
    colors = _leaf_colors(leaves)
    n_found = 0
    for leaf, at, color in zip(leaves, found, colors, strict=True):
        if at >= step:
            continue
        n_found += 1
        lo_x, hi_x = leaf.intervals.get(0, (-np.inf, np.inf))
        lo_y, hi_y = leaf.intervals.get(1, (-np.inf, np.inf))
        lo_x, hi_x = max(lo_x, x0), min(hi_x, x1)
        lo_y, hi_y = max(lo_y, y0), min(hi_y, y1)
        ax.add_patch(
            plt.Rectangle(
                (lo_x, lo_y),
                hi_x - lo_x,
                hi_y - lo_y,
                facecolor=color,
                edgecolor=EXTRACTED,
                lw=2,
                alpha=0.75,
                zorder=1,
            )
        )
        ax.text(
            (lo_x + hi_x) / 2,
            (lo_y + hi_y) / 2,
            str(leaf.id),
            ha="center",
            va="center",
            fontsize=11,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )

    shown = queries[:step]
    kinds = np.asarray(result.steps[:step], dtype=object)
    missing = np.isnan(shown)
    handles = [
        plt.Rectangle(
            (0, 0),
            1,
            1,
            facecolor="none",
            edgecolor=EXTRACTED,
            lw=2,
            label=f"leaves found ({n_found} of {len(leaves)})",
        )
    ]
    for kind in dict.fromkeys(result.steps):
        style = STEP_STYLES.get(kind, {"color": QUERIES, "marker": "o", "s": 30})
        mine = kinds == kind
        if not mine.any():
            continue
        full = mine & ~missing.any(axis=1)
        ax.scatter(
            shown[full, 0],
            shown[full, 1],
            c=style["color"],
            marker=style["marker"],
            s=style["s"],
            lw=1.5,
            zorder=3,
        )
        for x in shown[mine & missing[:, 1] & ~missing[:, 0], 0]:
            ax.axvline(x, color=style["color"], ls=":", lw=1.2, alpha=0.7, zorder=2)
        for y in shown[mine & missing[:, 0] & ~missing[:, 1], 1]:
            ax.axhline(y, color=style["color"], ls=":", lw=1.2, alpha=0.7, zorder=2)
        handles.append(
            plt.Line2D(
                [],
                [],
                color=style["color"],
                marker=style["marker"],
                ls="",
                markersize=9,
                label=f"{kind} ({int(mine.sum())})",
            )
        )
    if step:
        last = shown[-1]
        if not np.isnan(last).any():
            ax.scatter(*last, s=300, facecolors="none", edgecolors=QUERIES, lw=2, zorder=5)
        elif not np.isnan(last[0]):
            ax.axvline(last[0], color=QUERIES, lw=2.5, zorder=5)
        elif not np.isnan(last[1]):
            ax.axhline(last[1], color=QUERIES, lw=2.5, zorder=5)
    names = getattr(result.model, "names", ("$x_1$", "$x_2$"))
    title = f"{n} queries" if step == n else f"query {step} of {n}"
    if 0 < step:
        title += f" ({result.steps[step - 1]}: answer {result.answers[step - 1]})"
    # A margin, so that the queries on the ends of the domain stay visible.
    dx, dy = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
    ax.set(
        xlim=(x0 - dx, x1 + dx),
        ylim=(y0 - dy, y1 + dy),
        xlabel=names[0],
        ylabel=names[1],
        title=title,
    )
    ax.grid(False)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    return ax


def plot_tree_regions(
    model: Any,
    *,
    bounds: Sequence[float],
    classes: Sequence[Any] | None = None,
    color: str = VICTIM,
    resolution: int = 400,
    ax: Axes | None = None,
) -> Axes:
    """The leaves of a 2-D tree: regions shaded by label, outlined and named by identifier.

    Evaluates a local model (the victim's tree or an extracted one) on a grid;
    it spends no queries. Regions are shaded by ``model.predict`` when it
    answers (else by identifier), and the borders between different
    ``model.apply`` identifiers are drawn in ``color``: :data:`VICTIM` for
    the victim, :data:`EXTRACTED` for the extracted tree.

    Parameters
    ----------
    model : DecisionTree or ExtractedTree
        Anything with ``apply`` (and optionally ``predict``) over 2-D inputs.
    bounds : (x_min, x_max, y_min, y_max)
        The window of the feature space to draw.
    classes : sequence, optional
        The labels in colour order, so that two figures shade alike
        (default: ``model.classes_`` if it has them, else the labels seen).
    """
    x0, x1, y0, y1 = _check_bounds(bounds)
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, (int, np.integer))
        or resolution < 2
    ):
        raise ValueError(f"The 'resolution' parameter must be an int >= 2. Got {resolution!r}.")
    ax = _ax(ax)
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()]
    ids = np.asarray(model.apply(grid)).reshape(xx.shape)
    try:
        labels = np.asarray(model.predict(grid)).reshape(xx.shape)
    except (AttributeError, ValueError):  # an extracted tree without leaf labels
        labels = None
    handles = []
    if labels is not None:
        if classes is None:
            classes = getattr(model, "classes_", None)
        classes = np.unique(labels) if classes is None else np.asarray(classes)
        shade = np.searchsorted(classes, labels)
        n = len(classes)
        handles = [
            plt.Rectangle(
                (0, 0), 1, 1, color=CLASS_COLORS[i % len(CLASS_COLORS)], label=f"label {c}"
            )
            for i, c in enumerate(classes)
        ]
    else:
        shade = np.unique(ids, return_inverse=True)[1].reshape(xx.shape) % len(CLASS_COLORS)
        n = len(CLASS_COLORS)
    cmap = ListedColormap([CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(max(n, 1))])
    ax.imshow(
        shade,
        extent=(x0, x1, y0, y1),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        vmin=-0.5,
        vmax=max(n, 1) - 0.5,
        interpolation="nearest",
        alpha=0.75,
    )
    for leaf_id in np.unique(ids):
        inside = ids == leaf_id
        if not inside.all():
            ax.contour(xx, yy, inside.astype(float), levels=[0.5], colors=color, linewidths=2)
        rows, cols = np.nonzero(inside)
        k = np.argmin((rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2)
        ax.text(
            xx[rows[k], cols[k]],
            yy[rows[k], cols[k]],
            str(leaf_id),
            ha="center",
            va="center",
            fontsize=11,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
    handles.append(plt.Line2D([], [], color=color, lw=2, label="leaf borders"))
    names = getattr(model, "feature_names_", None) or getattr(model, "names", None)
    names = names if names is not None and len(names) == 2 else ("$x_1$", "$x_2$")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=names[0], ylabel=names[1])
    ax.grid(False)
    ax.legend(handles=handles, loc="upper left", framealpha=0.9)
    return ax


def plot_epsilon_sweep(
    rows: Sequence[Mapping[str, Any]], *, y: str = "queries", ax: Axes | None = None
) -> Axes:
    """One column of path-finding rows against the granularity ε, for both variants.

    ``rows`` are :func:`~stealkit.paper.path_finding.path_finding_row`
    dicts with an added ``"epsilon"``; ``y`` names a column (``"queries"``,
    ``"1-R_test"``, ``"1-R_unif"``, ...) and its ``" inc."`` twin is drawn for
    the top-down variant.
    """
    rows = list(rows)
    if not rows or any("epsilon" not in r or y not in r or f"{y} inc." not in r for r in rows):
        raise ValueError(
            f"'rows' must be path_finding_row dicts with 'epsilon', {y!r} and {y + ' inc.'!r}."
        )
    ax = _ax(ax)
    order = sorted(range(len(rows)), key=lambda i: rows[i]["epsilon"])
    eps = [rows[i]["epsilon"] for i in order]
    for key, style, label in (
        (y, "-o", "Algorithm 1 (complete queries)"),
        (f"{y} inc.", "--s", "top-down (incomplete queries)"),
    ):
        ax.plot(eps, [rows[i][key] for i in order], style, color=EXTRACTED, lw=2, ms=7, label=label)
    ax.set_xscale("log")
    ylabel = "unique queries" if y == "queries" else y.replace("1-R", "1 − R")
    ax.set(xlabel="granularity ε (feature units)", ylabel=ylabel)
    ax.legend(loc="best", framealpha=0.9)
    return ax

