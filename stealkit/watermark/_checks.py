"""Image and label arguments of the watermark modules, checked and turned into tensors.

The scalar checks are :mod:`stealkit._validation`'s; these two know MNIST's
shapes and the two forms of labels (classes or probability rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_images(X: Any, name: str = "X"):
    """Images as a float32 tensor ``(n, 1, 28, 28)`` in [0, 1], on the CPU.

    Accepts uint8 arrays ``(n, 28, 28)`` (as stored by the loaders, scaled by
    1/255) and float arrays or tensors ``(n, 28, 28)`` or ``(n, 1, 28, 28)``
    already in [0, 1].
    """
    import torch

    if isinstance(X, torch.Tensor):
        t = X.detach().cpu()
        is_uint8 = t.dtype == torch.uint8
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"The '{name}' parameter must be an array of images: {exc}") from None
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(
                f"The '{name}' parameter must be a numeric array of images. Got dtype {arr.dtype}."
            )
        is_uint8 = arr.dtype == np.uint8
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.ndim == 3:
        t = t.unsqueeze(1)
    if t.ndim != 4 or t.shape[1] != 1 or len(t) == 0:
        raise ValueError(
            f"The '{name}' parameter must hold grey images, shape (n, H, W) or (n, 1, H, W) "
            f"with n >= 1. Got shape {tuple(X.shape)}."
        )
    t = t.float() / 255.0 if is_uint8 else t.float()
    if not torch.isfinite(t).all():
        raise ValueError(f"The '{name}' parameter contains NaN or infinite pixels.")
    if not is_uint8 and (t.min() < 0 or t.max() > 1):
        raise ValueError(
            f"The '{name}' parameter must hold pixels in [0, 1] (or uint8 in [0, 255]). "
            f"Got values in [{float(t.min()):.3g}, {float(t.max()):.3g}]."
        )
    return t


def as_labels(y: Any, name: str, n: int, n_classes: int):
    """Class labels ``(n,)`` as an int64 tensor, or probability rows ``(n, c)`` as float32."""
    import torch

    t = y.detach().cpu() if isinstance(y, torch.Tensor) else torch.from_numpy(np.asarray(y))
    if t.ndim == 1 and not t.is_floating_point() and t.dtype != torch.bool:
        if len(t) != n:
            raise ValueError(f"The '{name}' parameter must hold {n} labels. Got {len(t)}.")
        if len(t) and (t.min() < 0 or t.max() >= n_classes):
            raise ValueError(
                f"The '{name}' parameter must hold class labels in [0, {n_classes - 1}]. "
                f"Got values in [{int(t.min())}, {int(t.max())}]."
            )
        return t.long()
    if t.ndim == 2 and t.is_floating_point():
        if t.shape != (n, n_classes):
            raise ValueError(
                f"The '{name}' parameter, as probabilities, must have shape ({n}, {n_classes}). "
                f"Got {tuple(t.shape)}."
            )
        if not torch.isfinite(t).all() or t.min() < 0 or (t.sum(1) - 1).abs().max() > 1e-3:
            raise ValueError(
                f"The '{name}' parameter, as probabilities, must have non-negative rows "
                "summing to 1."
            )
        return t.float()
    raise ValueError(
        f"The '{name}' parameter must be int labels of shape ({n},) or probabilities of shape "
        f"({n}, {n_classes}). Got dtype {t.dtype} and shape {tuple(t.shape)}."
    )
