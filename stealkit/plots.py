"""Figures shared by the notebooks: results in, an Axes out.

Plot functions take results (or fitted local models to evaluate on a grid),
never an oracle: they spend no queries, train nothing and never call
``plt.show()``. Colours are the same in every notebook: the victim is always
:data:`VICTIM`, the extracted model :data:`EXTRACTED`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    "STEP_STYLES",
    "plot_path_finding",
    "plot_tree_regions",
    "plot_epsilon_sweep",
    "PUBLIC",
    "plot_margins",
    "plot_margin_gaps",
    "plot_decision_success",
    "plot_p_values",
    "plot_representers",
    "plot_inversion",
    "plot_rounding",
    "SHORT",
    "plot_seed_spread",
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


# ----------------------------------------------------------------------------- trees
#: Marker and colour of each kind of path-finding query (``PathFindingResult.steps``).
STEP_STYLES = {
    "start": {"color": "#1b7837", "marker": "*", "s": 220},
    "line search": {"color": QUERIES, "marker": "x", "s": 30},
    "category split": {"color": "#8c510a", "marker": "s", "s": 30},
    "split feature": {"color": "#762a83", "marker": "D", "s": 50},
    "check": {"color": "#7f7f7f", "marker": "+", "s": 60},
}


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(
            f"'bounds' must be (x_min, x_max, y_min, y_max) with min < max. Got {bounds}."
        )
    return tuple(float(b) for b in bounds)


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

    ``rows`` are :func:`~stealkit.attacks.path_finding.path_finding_row`
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


# ------------------------------------------------------------- equation solving
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

    ``panel`` is a :class:`~stealkit.attacks.experiments.Figure2Panel`. Top row:
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

    ``comparison`` is an :class:`~stealkit.attacks.experiments.InversionComparison`.
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

    ``rows`` are :func:`~stealkit.attacks.experiments.rounding_row` dicts
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


#: Colour of a seed whose measurement falls short of the paper's figure.
SHORT = "#b2182b"


def plot_seed_spread(records: Sequence[Mapping[str, Any]], *, by: Sequence[str] | str,
                     metric: str, paper: Mapping[tuple, float | None] | None = None,
                     scale: float = 100.0, higher_is_better: bool = True,
                     labels: Mapping[tuple, str] | None = None, ylabel: str | None = None,
                     ax: Axes | None = None) -> Axes:
    """Every seed as a point, one column per row of a table, the paper's figure beside it.

    ``records``, ``by``, ``metric``, ``paper`` and ``higher_is_better`` are as
    in :func:`stealkit.course.spread_rows`. Each seed is a dot (a red cross,
    labelled with its seed, where it falls short of the paper); the median is
    a black bar and the paper's figure a dashed line across the column.
    ``labels`` renames columns (default: their ``by`` values joined).
    """
    from stealkit.course import seed_spread

    by = (by,) if isinstance(by, str) else tuple(by)
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    if not groups:
        raise ValueError("The 'records' parameter holds no measurements.")
    ax = _ax(ax)
    names = []
    for i, (key, runs) in enumerate(groups.items()):
        ref = None if paper is None else paper.get(key)
        s = seed_spread([r["seed"] for r in runs], [r[metric] for r in runs], paper=ref,
                        higher_is_better=higher_is_better)
        v = np.array(s.values) * scale
        jitter = (np.arange(len(v)) % 7 - 3) * 0.05
        short = np.isin(s.seeds, s.failures)
        ax.plot(i + jitter[~short], v[~short], "o", color=EXTRACTED, ms=5, alpha=0.7,
                label="one seed" if i == 0 else None)
        ax.plot(i + jitter[short], v[short], "x", color=SHORT, ms=8, mew=2,
                label="below the paper" if short.any() and "below the paper" not in
                [t.get_label() for t in ax.lines] else None)
        for x, y, seed in zip(i + jitter[short], v[short], np.array(s.seeds)[short], strict=True):
            ax.annotate(str(seed), (x, y), xytext=(5, -4), textcoords="offset points",
                        fontsize=10, color=SHORT)
        ax.plot([i - 0.3, i + 0.3], [s.median * scale] * 2, color="k", lw=2,
                label="median" if i == 0 else None)
        if ref is not None:
            ax.plot([i - 0.4, i + 0.4], [ref * scale] * 2, "--", color=VICTIM, lw=2,
                    label="paper" if "paper" not in [t.get_label() for t in ax.lines] else None)
        names.append(labels[key] if labels and key in labels else ", ".join(map(str, key)))
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel(ylabel or metric)
    ax.legend(loc="best", framealpha=0.9)
    return ax


# ------------------------------------------------------------- dataset inference
#: Colour of the public samples S₀ (the victim's private samples S use VICTIM).
PUBLIC = "#8c8c8c"


def plot_margins(private, public, *, test=None, ax: Axes | None = None) -> Axes:
    """Histograms of a suspect's margins (or scores) on private S and public S₀ samples.

    ``test`` (an :class:`~stealkit.dataset_inference.OwnershipTest`) is
    written into the title.
    """
    private, public = np.asarray(private, float), np.asarray(public, float)
    ax = _ax(ax)
    bins = np.histogram_bin_edges(np.concatenate([private, public]), bins=20)
    ax.hist(public, bins=bins, color=PUBLIC, alpha=0.6, label=f"public $S_0$ ({len(public)})")
    ax.hist(private, bins=bins, color=VICTIM, alpha=0.6, label=f"private $S$ ({len(private)})")
    ax.axvline(public.mean(), color=PUBLIC, ls="--", lw=2)
    ax.axvline(private.mean(), color=VICTIM, ls="--", lw=2)
    ax.set(xlabel="prediction margin $y\\cdot f(x)$", ylabel="samples")
    if test is not None:
        ax.set_title(f"{test.verdict} (p = {test.p_value:.2g})")
    ax.legend(loc="upper right")
    return ax


def plot_margin_gaps(gaps: Sequence[Any], *, ax: Axes | None = None) -> Axes:
    """Measured margin gaps (mean and 99 % interval) against Theorem 1's D·σ².

    ``gaps`` are :class:`~stealkit.dataset_inference.linear_toy.MarginGap`
    results; one series per σ, against D, on log-log axes.
    """
    ax = _ax(ax)
    sigmas = sorted({g.sigma for g in gaps})
    for k, sigma in enumerate(sigmas):
        series = sorted((g for g in gaps if g.sigma == sigma), key=lambda g: g.n_noise)
        D = np.array([g.n_noise for g in series])
        mean = np.array([g.mean for g in series])
        lo, hi = np.array([g.ci() for g in series]).T
        color = CLASS_COLORS[k % len(CLASS_COLORS)]
        ax.plot(D, D * sigma**2, color=VICTIM, lw=1, zorder=1)
        ax.errorbar(
            D,
            mean,
            yerr=[mean - lo, hi - mean],
            fmt="o",
            ms=6,
            capsize=3,
            color=color,
            mec="k",
            ecolor="k",
            label=f"σ = {sigma:g}",
            zorder=2,
        )
    ax.plot([], [], color=VICTIM, lw=1, label="Theorem 1: $D\\sigma^2$")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="noise dimension $D$",
        ylabel="margin gap $E_S - E_{\\mathcal{D}}$",
    )
    ax.legend()
    return ax


def plot_decision_success(decisions: Sequence[Any], *, ax: Axes | None = None) -> Axes:
    """Simulated probability of flagging the stolen model, against Theorem 3.

    ``decisions`` are :class:`~stealkit.dataset_inference.linear_toy.Decision`
    results at several D. Draws the lecture's formula, the exact χ² tail, the
    simulated flag rate (95 % intervals) and how often an independent model
    is cleared.
    """
    from stealkit.dataset_inference import linear_toy

    ax = _ax(ax)
    D = np.array([d.n_noise for d in decisions])
    grid = np.geomspace(D.min(), D.max(), 200)
    ax.plot(
        grid,
        linear_toy.theorem3_success_probability(grid),
        color=VICTIM,
        lw=2,
        label="Theorem 3: $1-\\Phi(-\\sqrt{D}/2\\sqrt{2})$",
    )
    ax.plot(
        grid,
        linear_toy.stolen_flag_probability(grid),
        color=VICTIM,
        lw=1,
        ls=":",
        label="exact: $P(\\chi^2_D > D/2)$",
    )
    flag = np.array([d.flag_stolen for d in decisions])
    half = np.array([d.ci95(d.flag_stolen)[1] - d.flag_stolen for d in decisions])
    ax.errorbar(
        D,
        flag,
        yerr=half,
        fmt="o",
        color=EXTRACTED,
        capsize=3,
        label="simulated: stolen model flagged",
    )
    ax.plot(
        D,
        [d.clear_independent for d in decisions],
        "s",
        color=PUBLIC,
        label="simulated: independent model cleared",
    )
    ax.set(
        xscale="log",
        xlabel="noise dimension $D$",
        ylabel="probability of a correct decision",
        ylim=(0.4, 1.02),
    )
    ax.legend(loc="lower right")
    return ax


def plot_p_values(
    sizes,
    p_values,
    *,
    significance: float = 0.01,
    label: str = "",
    color: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Median p-value (and inter-quartile band) of the ownership test against m.

    ``sizes`` and ``p_values`` are what :func:`~stealkit.dataset_inference.p_value_curve`
    returns; the dashed line marks the significance level.
    """
    sizes, p_values = np.asarray(sizes), np.asarray(p_values, float)
    if p_values.shape[0] != len(sizes):
        raise ValueError(
            f"'p_values' needs one row per size: got {p_values.shape[0]} rows "
            f"for {len(sizes)} sizes."
        )
    ax = _ax(ax)
    q1, med, q3 = np.quantile(p_values, [0.25, 0.5, 0.75], axis=1)
    (line,) = ax.plot(sizes, med, "o-", color=color, label=label or None)
    ax.fill_between(sizes, q1, q3, color=line.get_color(), alpha=0.2)
    ax.axhline(significance, color="k", ls="--", lw=1)
    ax.text(sizes.max(), significance, f" α = {significance:g}", va="bottom", ha="right")
    ax.set(yscale="log", xlabel="samples revealed $m$", ylabel="p-value (median, IQR)")
    if label:
        ax.legend()
    return ax
