"""The soft nearest-neighbour loss: how entangled two groups of representations are.

Frosst, Papernot and Hinton (2019); used by Jia et al. (2021), §4.1, to
entangle watermarked inputs with the target class. For a batch of
representations x_1 … x_N with group labels y_1 … y_N and temperature T,

    SNNL = −(1/N) Σ_i log( Σ_{j≠i, y_j=y_i} e^{−d(x_i,x_j)/T} / Σ_{k≠i} e^{−d(x_i,x_k)/T} ),

the mean surprise of drawing a same-group neighbour when neighbours are
drawn with probability decreasing in distance. Near 0: the groups are far
apart (separated). Large: every point's neighbours are as likely to come from
another group as from its own (entangled).

Threat model: none; this is a measurement the owner makes on its own model.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import torch

from stealkit._validation import check_choice

__all__ = ["METRICS", "snnl", "pairwise_distances"]

METRICS = ("euclidean", "cosine")


def pairwise_distances(x: torch.Tensor, *, metric: str = "euclidean") -> torch.Tensor:
    """Squared Euclidean or cosine distances between the rows of ``x``, ``(N, N)``.

    The squared Euclidean distance is computed as ‖a‖² + ‖b‖² − 2a·b and
    clipped at 0 (rounding can make it slightly negative); its gradient at
    identical points is 0, as it should be. The cosine distance is
    1 − a·b/(‖a‖‖b‖); a zero row has distance 1 to every row.
    """
    metric = check_choice(metric, "metric", METRICS)
    if metric == "cosine":
        unit = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return 1.0 - unit @ unit.T
    sq = (x * x).sum(1)
    return (sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)).clamp_min(0.0)


def _check_temperature(temperature: Any) -> torch.Tensor | float:
    if isinstance(temperature, torch.Tensor):
        if temperature.numel() != 1:
            raise ValueError(
                "The 'temperature' parameter must be a positive scalar. "
                f"Got a tensor of shape {tuple(temperature.shape)}."
            )
        value = float(temperature.detach())
    elif isinstance(temperature, Real) and not isinstance(temperature, bool):
        value = float(temperature)
    else:
        raise TypeError(
            "The 'temperature' parameter must be a positive number or a scalar tensor. "
            f"Got {type(temperature).__name__} {temperature!r} instead."
        )
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"The 'temperature' parameter must be a positive number. Got {value!r} instead."
        )
    return temperature.reshape(()) if isinstance(temperature, torch.Tensor) else value


def snnl(
    x: torch.Tensor,
    y: Any,
    temperature: float | torch.Tensor,
    *,
    metric: str = "euclidean",
) -> torch.Tensor:
    """Soft nearest-neighbour loss of representations ``x`` grouped by ``y`` (Jia et al. §4.1).

    Parameters
    ----------
    x : torch.Tensor of shape (N, D) or (N, ...)
        One representation per row (further dimensions are flattened). The
        loss is differentiable in ``x``.
    y : array-like of shape (N,)
        Group labels (any integers); only equality matters.
    temperature : float or scalar torch.Tensor
        T > 0. Small T looks only at the nearest neighbours, large T at all
        points alike. A tensor with ``requires_grad`` receives a gradient
        (EWE adjusts T by gradient steps).
    metric : {"euclidean", "cosine"}, default="euclidean"
        d(a, b) = ‖a − b‖² (the paper's formula) or 1 − cos(a, b) (the
        public EWE code, on ReLU activations).

    Returns
    -------
    torch.Tensor
        A scalar ≥ 0, in the dtype of ``x``.

    Notes
    -----
    The ratio is evaluated in log space (log-sum-exp), so that neither far
    points nor a small temperature underflow to 0/0. Limits:

    - identical points: every distance is 0, each ratio is the share of the
      other points that are in i's group, (n_{y_i} − 1)/(N − 1); the gradient
      is finite (0 for the Euclidean metric).
    - one group only: every ratio is 1 and the loss is exactly 0.
    - a point with no other point of its group has an infinite term (no
      same-group neighbour can ever be drawn); such points are left out of
      the mean (they carry no information on how the groups mix) and receive
      no gradient. The mean is over the remaining points.

    Raises
    ------
    ValueError
        If no point has a same-group partner (including N < 2): the loss is
        then undefined.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"The 'x' parameter must be a torch.Tensor. Got {type(x).__name__}.")
    if x.ndim < 2 or not x.is_floating_point():
        raise ValueError(
            "The 'x' parameter must be a floating-point tensor of shape (N, D), one "
            f"representation per row. Got dtype {x.dtype} and shape {tuple(x.shape)}."
        )
    x = x.flatten(1)
    labels = torch.as_tensor(
        y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    )
    if labels.shape != (len(x),):
        raise ValueError(
            f"The 'y' parameter must hold one group label per row of 'x', shape ({len(x)},). "
            f"Got shape {tuple(labels.shape)}."
        )
    temperature = _check_temperature(temperature)
    metric = check_choice(metric, "metric", METRICS)
    labels = labels.to(x.device)
    n = len(x)
    eye = torch.eye(n, dtype=torch.bool, device=x.device)
    same = (labels[:, None] == labels[None, :]) & ~eye
    has_partner = same.any(1)
    if not bool(has_partner.any()):
        raise ValueError(
            "The soft nearest-neighbour loss needs at least one pair of points in the same "
            f"group. Got {n} point(s) in {len(torch.unique(labels))} group(s), all different."
        )
    if isinstance(temperature, torch.Tensor):
        temperature = temperature.to(device=x.device, dtype=x.dtype)
    logits = -pairwise_distances(x, metric=metric) / temperature
    log_all = torch.logsumexp(logits.masked_fill(eye, -torch.inf), dim=1)
    # Rows without a partner would be log(0); give them a finite stand-in, then drop them.
    same_logits = logits.masked_fill(~same, -torch.inf)
    same_logits = torch.where(has_partner[:, None], same_logits, torch.zeros_like(logits))
    log_same = torch.logsumexp(same_logits, dim=1)
    return (log_all - log_same)[has_partner].mean()
