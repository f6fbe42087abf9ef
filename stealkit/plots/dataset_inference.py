"""Figures of dataset inference (notebooks 05 and 06, Maini et al. 2021).

Results in, an Axes (or Figure) out: they train nothing, query nothing and
never call ``plt.show()``. The victim's private samples S are drawn in
:data:`~stealkit.plots.VICTIM`, public samples S₀ in :data:`~stealkit.plots.PUBLIC`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from stealkit.plots._style import CLASS_COLORS, EXTRACTED, PUBLIC, VICTIM, _ax

__all__ = [
    "plot_margins",
    "plot_margin_gaps",
    "plot_decision_success",
    "plot_p_values",
    "plot_walks",
    "plot_distances",
    "plot_zoo_p_values",
    "member_color",
]


def plot_margins(private, public, *, test=None, ax: Axes | None = None) -> Axes:
    """Histograms of a suspect's margins (or scores) on private S and public S₀ samples.

    ``test`` (an :class:`~stealkit.dataset_inference.OwnershipTest`) is
    written into the title, its p-value beside the significance α it must
    fall below. The counts axis shows whole samples.
    """
    private, public = np.asarray(private, float), np.asarray(public, float)
    ax = _ax(ax)
    bins = np.histogram_bin_edges(np.concatenate([private, public]), bins=20)
    ax.hist(public, bins=bins, color=PUBLIC, alpha=0.6, label=f"public $S_0$ ({len(public)})")
    ax.hist(private, bins=bins, color=VICTIM, alpha=0.6, label=f"private $S$ ({len(private)})")
    ax.axvline(public.mean(), color=PUBLIC, ls="--", lw=2)
    ax.axvline(private.mean(), color=VICTIM, ls="--", lw=2)
    ax.set(xlabel="prediction margin $y\\cdot f(x)$", ylabel="samples")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if test is not None:
        below = "<" if test.p_value < test.significance else "≥"
        ax.set_title(f"{test.verdict} (p = {test.p_value:.2g} {below} α = {test.significance:g})")
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


def _image(x: np.ndarray) -> np.ndarray:
    """An image for imshow: (H, W, C) floats in [0, 1]."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        x = x / 255.0
    if x.ndim == 3 and x.shape[0] in (1, 3):
        x = x.transpose(1, 2, 0)
    return np.clip(x, 0.0, 1.0)


def plot_walks(
    X: Any,
    embedding: Any,
    *,
    norm: str = "linf",
    direction: int = 0,
    titles: Sequence[str] | None = None,
    fig: Any = None,
) -> Any:
    """Each sample (top row) and where its Blind Walk changed the label (bottom row).

    ``embedding`` is a Blind Walk :class:`~stealkit.dataset_inference.Embedding`
    of ``X``; the bottom image is x + kδ for the walk along ``direction`` of
    ``norm``, k its first step with a new label (censored walks show step
    ``max_steps + 1``).
    """
    if embedding.method != "blind_walk" or embedding.directions is None:
        raise ValueError("plot_walks needs a Blind Walk embedding (with its directions).")
    if norm not in embedding.norms:
        raise ValueError(f"The 'norm' must be one of {embedding.norms}. Got {norm!r}.")
    a = embedding.norms.index(norm)
    n = len(embedding)
    fig = fig or plt.figure(figsize=(2.0 * n, 4.6))
    axes = fig.subplots(2, n, squeeze=False)
    delta = embedding.directions[a, direction]
    for i in range(n):
        x = _image(X[i]).transpose(2, 0, 1)
        k = int(embedding.steps[i, a, direction])
        walked = x + k * delta
        axes[0, i].imshow(_image(x))
        axes[0, i].set_title(titles[i] if titles is not None else f"sample {i}", fontsize=11)
        axes[1, i].imshow(_image(walked))
        more = "+" if embedding.censored[i, a, direction] else ""
        axes[1, i].set_title(f"k = {k}{more}, d = {embedding.distances[i, a, direction]:.2g}",
                             fontsize=11)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    axes[0, 0].set_ylabel("x", fontsize=12)
    axes[1, 0].set_ylabel(f"x + kδ ({norm})", fontsize=12)
    return fig


def plot_distances(
    private: Any,
    public: Any,
    *,
    norms: Sequence[str] = ("l1", "l2", "linf"),
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Box plots of one model's distances to the boundary, private against public, per norm.

    ``private`` and ``public`` have shape ``(n, n_norms, n_columns)``; zeros
    (MinGD's own class) are left out; log scale.
    """
    ax = _ax(ax)
    private, public = np.asarray(private, float), np.asarray(public, float)
    pos = np.arange(len(norms)) * 3.0
    for offset, d, color, label in ((-0.5, private, VICTIM, "private $S$"),
                                    (0.5, public, PUBLIC, "public $S_0$")):
        data = [d[:, a][d[:, a] > 0] for a in range(len(norms))]
        parts = ax.boxplot(data, positions=pos + offset, widths=0.8, patch_artist=True,
                           showfliers=False)
        for box in parts["boxes"]:
            box.set(facecolor=color, alpha=0.6)
        for med in parts["medians"]:
            med.set(color="k")
        ax.plot([], [], "s", color=color, alpha=0.6, label=f"{label} ({len(d)})")
    ax.set_xticks(pos, [f"$L_{{{n[1:] if n != 'linf' else chr(8734)}}}$" for n in norms])
    ax.set(yscale="log", ylabel="distance to the boundary", title=title)
    ax.legend()
    return ax


#: One colour per threat model in the p-value figure: the victim and the independent
#: model as everywhere in the course, the thieves in EXTRACTED and its neighbours.
_MEMBER_COLORS = {
    "V source": VICTIM,
    "I independent": PUBLIC,
    "A_M fine-tuning": "#6a3d9a",
    "A_D distillation": EXTRACTED,
    "A_D diff. architecture": "#b15928",
    "A_Q label-query": "#33a02c",
    "A_Q logit-query": "#1f78b4",
    "A_M zero-shot": "#e7298a",
}


def member_color(threat_model: str) -> str:
    """The colour of a zoo member (its threat model's row) in notebook 06's figures."""
    return _MEMBER_COLORS.get(threat_model, "k")


def plot_zoo_p_values(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    labels: Mapping[str, str] | None = None,
    significances: Sequence[float] = (0.05, 0.01),
    ax: Axes | None = None,
) -> Axes:
    """p-value against m for every zoo member, with a line at each significance level.

    ``curves`` maps a member to what :func:`~stealkit.dataset_inference.p_value_curve`
    returns; ``labels`` maps a member to its threat model (legend and colour).
    """
    ax = _ax(ax)
    labels = dict(labels or {})
    levels = sorted(significances)
    sizes_all = set()
    for i, (name, (sizes, p)) in enumerate(curves.items()):
        label = labels.get(name, name)
        plot_p_values(sizes, p, significance=levels[0], label=label, color=member_color(label),
                      ax=ax)
        if i:  # one label for the significance line, not one per member
            ax.texts[-1].remove()
        sizes_all.update(np.asarray(sizes).tolist())
    for level in levels[1:]:
        ax.axhline(level, color="k", ls=":", lw=1)
        ax.text(max(sizes_all), level, f" α = {level:g}", va="bottom", ha="right")
    ax.set_xscale("log")
    ax.set_xticks(sorted(sizes_all), [str(s) for s in sorted(sizes_all)])
    ax.minorticks_off()
    ax.legend(fontsize=9, loc="lower left", ncol=2)
    return ax
