"""Figures of the defences (notebook 07): what each one does to the answers, the stream, the data.

Results in, an Axes (or Figure) out: no query is spent, nothing is trained.
Records are those of :mod:`stealkit.paper.defenses`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from stealkit.defenses import ReverseSigmoid
from stealkit.plots._style import CLEAN, EXTRACTED, PUBLIC, SHORT, VICTIM, _ax

__all__ = [
    "plot_reverse_sigmoid",
    "plot_prada",
    "plot_privacy",
    "plot_prototypes",
    "plot_tradeoff",
]

_BETA_COLORS = ("#9ecae1", "#4292c6", "#08519c", "#08306b")


def plot_reverse_sigmoid(betas: Sequence[float], *, gamma: float = 0.5,
                         ax: Axes | None = None) -> Axes:
    """The log-odds an equation-solving attacker reads, against the true ones (two classes).

    Without the defence the points lie on the diagonal: log-odds are linear in
    the input, which is what equation solving solves. The reverse sigmoid
    bends them towards zero (β sets how far; γ how fast).
    """
    ax = _ax(ax)
    z = np.linspace(-8, 8, 401)
    p = 1 / (1 + np.exp(-z))
    ax.plot(z, z, color=VICTIM, lw=2.5, label="no defence (true log-odds)")
    for beta, color in zip(betas, _BETA_COLORS * 2, strict=False):
        q = ReverseSigmoid(beta=beta, gamma=gamma)(np.c_[1 - p, p])[:, 1]
        ax.plot(z, np.log(q / (1 - q)), color=color, lw=2, label=f"β = {beta:g}")
    ax.axhline(0, color=CLEAN, lw=0.8)
    ax.set_xlabel("true log-odds  w·x + b")
    ax.set_ylabel("log-odds read from the answer")
    ax.set_title(f"Reverse sigmoid (γ = {gamma:g}): the answers are no longer linear")
    ax.legend(loc="upper left")
    return ax


def plot_prada(histories: Mapping[str, np.ndarray], *, delta: float,
               alarms: Mapping[str, Any] | None = None, ax: Axes | None = None) -> Axes:
    """PRADA's statistic W against the queries of each client, with the threshold δ.

    ``histories``: name → ``PRADA.history`` (``(n_queries, W)`` rows);
    ``alarms``: name → query count of the alarm (None: never), marked.
    """
    ax = _ax(ax)
    colors = (EXTRACTED, SHORT, VICTIM, PUBLIC, "#1b9e77", "#7570b3")
    for (name, h), color in zip(histories.items(), colors * 3, strict=False):
        h = np.asarray(h).reshape(-1, 2)
        ax.plot(h[:, 0], h[:, 1], color=color, lw=2, label=name)
        at = (alarms or {}).get(name)
        if at is not None:
            w = h[h[:, 0] == at, 1]
            ax.plot([at], [w[0] if len(w) else delta], "v", color=color, ms=11, mec="k")
    ax.axhline(delta, color="k", ls="--", lw=1.2, label=f"δ = {delta:.3f} (alarm below)")
    ax.set_xlabel("queries from this client")
    ax.set_ylabel("Shapiro–Wilk W of the distances")
    ax.set_ylim(top=1.01)
    ax.set_title("PRADA: are this client's query distances normal?")
    ax.legend(loc="lower right")
    return ax


def _eps_axis(records: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, list[str]]:
    eps = [r["ε"] for r in records]
    finite = [float(e) for e in eps if e not in ("inf", math.inf)]
    top = max(finite) * 2 if finite else 1.0
    x = np.array([top if e in ("inf", math.inf) else float(e) for e in eps])
    labels = ["∞" if e in ("inf", math.inf) else f"{float(e):g}" for e in eps]
    return x, labels


def plot_privacy(records: Sequence[Mapping[str, Any]], *, ax: Axes | None = None) -> Axes:
    """Against ε: the owner's accuracy, the copy's fidelity, membership advantage and inversion.

    The advantage is drawn with its chance level (membership shuffled) and
    the DP bound.
    """
    ax = _ax(ax)
    x, labels = _eps_axis(records)
    order = np.argsort(x)
    x = x[order]

    def series(key):
        return np.array([records[i][key] for i in order], dtype=float)

    ax.plot(x, series("owner test acc"), "o-", color=VICTIM, lw=2, label="owner's test accuracy")
    ax.plot(x, series("fidelity (test)"), "s:", color=EXTRACTED, lw=2,
            label="fidelity of the stolen copy")
    ax.plot(x, series("membership advantage (copy)"), "D-", color=SHORT, lw=2,
            label="membership advantage of the copy")
    ax.plot(x, series("inversion corr"), "^-", color="#1b9e77", lw=2,
            label="inversion: prototype ~ class mean (corr.)")
    ax.plot(x, series("chance (95 %)"), ":", color=SHORT, lw=1.5,
            label="advantage by chance (95 %)")
    ax.plot(x, series("DP bound"), "--", color=CLEAN, lw=1.5, label="DP bound on the advantage")
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([labels[i] for i in order])
    ax.minorticks_off()
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("privacy budget ε (smaller: more private)")
    ax.set_title("DP-SGD: the copy is exact, what it reveals shrinks")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    return ax


def plot_prototypes(records: Sequence[Mapping[str, Any]], *, classes: Sequence[int] = range(10),
                    fig: Any = None) -> Any:
    """Model inversion on each stolen copy: one row per ε, one 8×8 prototype per class."""
    classes = list(classes)
    if fig is None:
        fig = plt.figure(figsize=(1.0 * len(classes) + 1, 1.15 * len(records) + 0.4))
    axes = fig.subplots(len(records), len(classes), squeeze=False)
    for row, r in zip(axes, records, strict=True):
        protos = np.asarray(r["prototypes"])
        for k, ax in zip(classes, row, strict=True):
            img = protos[k].reshape(8, 8)
            ax.imshow(img, cmap="gray_r", vmin=img.min(), vmax=img.max())
            ax.set_xticks([])
            ax.set_yticks([])
        eps = "∞" if r["ε"] in ("inf", math.inf) else f"{float(r['ε']):g}"
        row[0].set_ylabel(f"ε = {eps}", rotation=0, ha="right", va="center")
    for k, ax in zip(classes, axes[0], strict=True):
        ax.set_title(str(k))
    fig.suptitle("Model inversion on the stolen copy, digit by digit")
    return fig


def plot_tradeoff(points: Sequence[Mapping[str, Any]], *, fig: Any = None) -> Any:
    """Who pays for each defence: the owner's accuracy cost beside the thief's best fidelity.

    ``points``: dicts with ``defence``, ``owner cost`` (accuracy points lost;
    negative: gained), ``fidelity`` (the best 1 − R_test any attack reached)
    and ``queries`` (what that attack spent), one row per defence.
    """
    if fig is None:
        fig = plt.figure(figsize=(11, 0.55 * len(points) + 1.6))
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(points))[::-1]
    names = [p["defence"] for p in points]
    cost = np.array([p["owner cost"] for p in points], dtype=float)
    fidelity = np.array([p["fidelity"] for p in points], dtype=float)
    left.barh(y, cost, color=VICTIM, height=0.6)
    left.axvline(0, color="k", lw=0.8)
    left.set_yticks(y)
    left.set_yticklabels(names)
    left.set_xlabel("owner's cost: accuracy points lost")
    left.set_title("what the owner pays")
    right.barh(y, fidelity, color=EXTRACTED, height=0.6)
    for yi, f, p in zip(y, fidelity, points, strict=True):
        right.text(f - 0.01, yi, f"{f:.3f}  ({p['queries']:,} q.)", va="center", ha="right",
                   color="white", fontsize=11)
    right.set_xlim(0, 1.0)
    right.set_xlabel("thief's best fidelity (1 − R_test)")
    right.set_title("what the thief still gets")
    fig.suptitle("Every defence against the thief's best attack")
    fig.tight_layout()
    return fig
