"""Looking inside a watermarked model: activation patterns and representations (Jia et al. §3, §4).

Threat model: none; the owner inspects its own models (white box) to see
*why* a naive watermark does not survive extraction (watermarked inputs
light up units that legitimate data leaves silent, §3) and what EWE changes
(watermarked and target-class representations become entangled, §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from stealkit._torch import check_module
from stealkit._validation import check_choice, check_int, check_rng
from stealkit.watermark._checks import as_images
from stealkit.watermark.models import activations
from stealkit.watermark.snnl import METRICS, snnl

__all__ = [
    "ActivationPatterns",
    "activation_patterns",
    "Representations",
    "representations",
    "ToyClusters",
    "toy_clusters",
]


@dataclass(frozen=True)
class ActivationPatterns:
    """How often each unit of ``layer`` fires (ReLU output > 0) for each group of inputs."""

    layer: str
    groups: tuple[str, ...]
    rates: np.ndarray  # (n_groups, n_units)

    def silent_for(self, reference: str, threshold: float = 0.05) -> np.ndarray:
        """Units that fire for less than ``threshold`` of the ``reference`` group."""
        return np.flatnonzero(self.rates[self.groups.index(reference)] < threshold)


def activation_patterns(
    model: nn.Module, groups: dict[str, Any], *, layer: str = "fc1"
) -> ActivationPatterns:
    """Firing rate of every unit of ``layer`` for each named group of images (§3, Figure 3).

    Parameters
    ----------
    model : MnistCNN
    groups : dict of str to images
        E.g. ``{"legitimate": X_test, "watermarked": watermark.apply(X_source)}``.
    layer : str, default="fc1"
    """
    model = check_module(model)
    if not isinstance(groups, dict) or not groups:
        raise ValueError("The 'groups' parameter must be a non-empty dict of name to images.")
    rates = []
    for name, X in groups.items():
        acts = activations(model, as_images(X, f"groups[{name!r}]"), layers=(layer,))[layer]
        if acts.ndim > 2:
            acts = acts.reshape(len(acts), -1)
        rates.append((acts > 0).mean(0))
    return ActivationPatterns(layer=layer, groups=tuple(groups), rates=np.stack(rates))


@dataclass(frozen=True)
class Representations:
    """Two groups' representations at one layer, projected on their first two principal axes."""

    layer: str
    points: np.ndarray  # (n, 2)
    groups: np.ndarray  # (n,) 1 = watermarked, 0 = target class
    snnl: float
    temperature: float
    labels: tuple[str, str] = ("target class", "watermarked")


def representations(
    model: nn.Module,
    X_watermarked: Any,
    X_target: Any,
    *,
    layer: str = "fc1",
    temperature: float = 1.0,
    metric: str = "cosine",
) -> Representations:
    """Representations of watermarked and target-class inputs, with their SNNL (§4, Figure 5).

    The projection is a PCA of both groups together (2 components); SNNL is
    computed on the full representations.
    """
    model = check_module(model)
    Xw, Xt = as_images(X_watermarked, "X_watermarked"), as_images(X_target, "X_target")
    metric = check_choice(metric, "metric", METRICS)
    import torch

    reps = activations(model, torch.cat([Xw, Xt]), layers=(layer,))[layer].astype(np.float64)
    groups = np.r_[np.ones(len(Xw), int), np.zeros(len(Xt), int)]
    value = float(snnl(torch.as_tensor(reps), groups, temperature, metric=metric))
    centred = reps - reps.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    points = centred @ vt[:2].T
    # fix the signs so that the picture does not flip between runs
    points *= np.where(np.abs(points).max(0) == points.max(0), 1.0, -1.0)
    return Representations(layer=layer, points=points, groups=groups, snnl=value,
                           temperature=float(temperature))


@dataclass(frozen=True)
class ToyClusters:
    """Two groups of 2-D points whose centres are ``separation`` apart."""

    X: np.ndarray
    y: np.ndarray
    separation: float


def toy_clusters(
    *, separation: float = 2.0, n_samples: int = 60, rng: int | np.random.Generator | None = None
) -> ToyClusters:
    """Two Gaussian blobs (unit variance) in 2-D, centres ``separation`` apart, half each."""
    if not np.isfinite(separation) or separation < 0:
        raise ValueError(
            f"The 'separation' parameter must be a number >= 0. Got {separation!r} instead."
        )
    n_samples = check_int(n_samples, "n_samples", minimum=4)
    rng = check_rng(rng)
    y = np.arange(n_samples) % 2
    X = rng.normal(size=(n_samples, 2))
    X[:, 0] += (y - 0.5) * separation
    return ToyClusters(X=X, y=y, separation=float(separation))
