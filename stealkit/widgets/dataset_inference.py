"""Widgets of notebooks 05 and 06: dataset inference, re-run on every change."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from stealkit.plots.dataset_inference import plot_margins

__all__ = ["interactive_linear_toy", "interactive_zoo_ownership"]


def interactive_linear_toy(*, rng: int = 0) -> W.Widget:
    """Dataset inference in the linear toy model, re-simulated on every change.

    Sliders set K, D, σ, the training-set size, the m samples revealed to the
    test and the significance; the victim (left) and an independent model
    (right) are tested on the same samples.
    """
    from stealkit.dataset_inference import linear_toy

    K = W.IntSlider(value=1, min=1, max=20, description="K (signal)")
    D = W.IntSlider(value=64, min=1, max=512, description="D (noise)")
    sigma = W.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="σ")
    n_train = W.IntSlider(value=20, min=10, max=200, step=10, description="|S|")
    m = W.IntSlider(value=10, min=2, max=10, description="m")
    alpha = W.Dropdown(options=[0.05, 0.01, 0.001], value=0.01, description="α")
    out = W.Output()

    def show(*_):
        m.max = n_train.value
        out.clear_output(wait=True)
        with out:
            t = linear_toy.trial(
                n_signal=K.value,
                n_noise=D.value,
                sigma=sigma.value,
                n_train=n_train.value,
                m=m.value,
                significance=alpha.value,
                rng=rng,
            )
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
            plot_margins(t.victim_private, t.victim_public, test=t.victim_test, ax=axes[0])
            plot_margins(
                t.independent_private, t.independent_public, test=t.independent_test, ax=axes[1]
            )
            axes[0].set_title("victim: " + axes[0].get_title())
            axes[1].set_title("independent: " + axes[1].get_title())
            plt.show()

    for control in (K, D, sigma, n_train, m, alpha):
        control.observe(show, names="value")
    show()
    return W.VBox([W.HBox([K, D, sigma]), W.HBox([n_train, m, alpha]), out])


def interactive_zoo_ownership(regressor: Any, embeddings: Any, labels: Any, *,
                              max_draw: int = 50) -> W.Widget:
    """Dataset inference on one zoo member at a time: suspect, m and the draw.

    ``embeddings`` maps each member to its zoo embedding (n private then n
    public rows, as :func:`~stealkit.dataset_inference.cifar.split_rows` reads
    it); the held-out halves are tested. Each change draws m + m held-out rows
    (``rng`` = the draw), scores them with ``regressor`` and runs the ownership
    test; the histogram of the scores shows the verdict.
    """
    from stealkit.dataset_inference.cifar import split_rows
    from stealkit.dataset_inference.regressor import verify_dataset

    labels = dict(labels)
    if not labels or any(name not in embeddings for name in labels):
        raise ValueError("Every member in 'labels' needs an embedding in 'embeddings'.")
    held_out = {name: split_rows(embeddings[name])[2:] for name in labels}
    n = min(len(private) for private, _ in held_out.values())
    suspect = W.Dropdown(options=[(label, name) for name, label in labels.items()],
                         description="suspect")
    m = W.IntSlider(value=min(10, n), min=2, max=n, description="m", continuous_update=False)
    draw = W.IntSlider(value=0, min=0, max=max_draw, description="draw", continuous_update=False)
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            private, public = held_out[suspect.value]
            result = verify_dataset(regressor, private, public, m=m.value, rng=draw.value)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            plot_margins(result.private_scores, result.public_scores, test=result.test, ax=ax)
            ax.set(xlabel="regressor score g (−1: looks private)",
                   title=f"{labels[suspect.value]}, m = {m.value}: {result.verdict} "
                         f"(p = {result.p_value:.2g})")
            plt.show()

    for control in (suspect, m, draw):
        control.observe(show, names="value")
    show()
    return W.VBox([W.HBox([suspect, m, draw]), out])
