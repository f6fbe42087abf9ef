"""Widgets of notebook 04 (entangled watermarks): each change is one package call and one plot."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from stealkit.plots.watermark import plot_snnl_clusters, plot_watermark_p_values

__all__ = ["interactive_snnl", "interactive_watermark_ownership"]


def interactive_snnl(*, n_samples: int = 60, rng: int = 0) -> W.Widget:
    """Move two 2-D groups apart and change the temperature: SNNL and the picture update.

    Each change draws the clusters (:func:`~stealkit.watermark.analysis.toy_clusters`,
    same ``rng``, so only the separation moves them) and computes
    :func:`~stealkit.watermark.snnl`.
    """
    # Imported here: torch is needed by this widget only, not by every notebook's widgets.
    import torch

    from stealkit.watermark.analysis import toy_clusters
    from stealkit.watermark.snnl import snnl

    separation = W.FloatSlider(value=2.0, min=0.0, max=8.0, step=0.25, description="separation")
    log_t = W.FloatSlider(value=0.0, min=-2.0, max=2.0, step=0.1, description="log₁₀ T",
                          readout_format=".1f")
    metric = W.ToggleButtons(options=["euclidean", "cosine"], description="metric")
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            c = toy_clusters(separation=separation.value, n_samples=n_samples, rng=rng)
            t = 10**log_t.value
            value = float(snnl(torch.as_tensor(c.X), c.y, t, metric=metric.value))
            fig, ax = plt.subplots(figsize=(6, 5))
            plot_snnl_clusters(c, value=value, temperature=t, ax=ax)
            plt.show()

    for w in (separation, log_t, metric):
        w.observe(show, names="value")
    show()
    return W.VBox([W.HBox([separation, log_t]), metric, out])


def interactive_watermark_ownership(verifications: dict[str, Any]) -> W.Widget:
    """Pick how many queries the verifier spends; see each suspect's median p-value there.

    ``verifications`` maps a suspect's name to a
    :class:`~stealkit.watermark.verify.Verification` (computed once; the
    slider only reads its p-value curve).
    """
    if not verifications:
        raise ValueError("The 'verifications' parameter must be a non-empty dict.")
    sizes = next(iter(verifications.values())).sizes
    m = W.IntSlider(value=int(min(20, sizes[-1])), min=int(sizes[0]), max=int(sizes[-1]),
                    description="queries m")
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            fig, ax = plt.subplots(figsize=(7, 4.2))
            plot_watermark_p_values(verifications, ax=ax)
            ax.axvline(m.value, color="black", lw=1)
            plt.show()
            for name, v in verifications.items():
                p = float(np.median(v.p_values[m.value - v.sizes[0]]))
                verdict = "stolen" if p < v.significance else "inconclusive"
                print(f"{name:>24}: median p = {p:.2g} with {m.value} queries → {verdict}")

    m.observe(show, names="value")
    show()
    return W.VBox([m, out])
