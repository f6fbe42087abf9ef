"""Every seed of a table, beside the paper's figure: the spread behind a mean.

Records in, an Axes out; the statistics come from :mod:`stealkit.course`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from stealkit.plots._style import EXTRACTED, SHORT, VICTIM, _ax

__all__ = ["plot_seed_spread"]


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
