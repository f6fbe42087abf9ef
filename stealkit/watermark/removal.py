"""Removing a watermark from a stolen copy: pruning, fine-pruning, Neural Cleanse (Jia et al. §6).

Threat model: the attacker holds a stolen (extracted) copy in white box, its
own unlabelled task data, and the labels it bought from the victim for that
data. It does not know the trigger, the source or the target class. It wants
a model that no longer answers the watermark but is still accurate: a removal
that costs the task accuracy defeats the point of stealing (the "no free
lunch" of the lecture). Each attack reports the task accuracy and the
watermark success of what it leaves.

- :func:`prune` / :func:`pruning_curve`: zero the units of a hidden layer that
  legitimate data activates least (a backdoor hides in them, Liu et al. 2018).
- ``fine_tune_epochs > 0``: fine-pruning, retraining on the attacker's data
  after pruning with the pruned units held at zero.
- :func:`neural_cleanse`: reverse-engineer, for every class, the smallest
  mask and pattern that send clean images to it; a class whose mask is an
  outlier (MAD anomaly index > 2) is flagged as a backdoor target, and the
  model is fine-tuned to answer correctly on images carrying the reversed
  trigger (Wang et al. 2019).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from stealkit._torch import (
    batched,
    check_module,
    device_of,
    n_outputs,
    progress_bar,
    resolve_device,
    torch_generator,
)
from stealkit._validation import check_choice, check_int, check_real, check_rng
from stealkit.watermark._checks import as_images, as_labels
from stealkit.watermark.models import mnist_accuracy, train_mnist_classifier
from stealkit.watermark.verify import watermark_success

__all__ = [
    "PRUNABLE",
    "Pruned",
    "prune",
    "RemovalCurve",
    "pruning_curve",
    "NeuralCleanse",
    "neural_cleanse",
]

#: Layers of :class:`~stealkit.watermark.models.MnistCNN` whose units can be pruned.
PRUNABLE = ("conv1", "conv2", "fc1")


def _check_evaluation(X_test, y_test, X_watermarked, target, n_classes):
    X_test = as_images(X_test, "X_test")
    y_test = np.asarray(y_test)
    if y_test.shape != (len(X_test),):
        raise ValueError(
            f"The 'y_test' parameter must hold one label per test image ({len(X_test)}). "
            f"Got shape {y_test.shape}."
        )
    X_watermarked = as_images(X_watermarked, "X_watermarked")
    target = check_int(target, "target", minimum=0, maximum=n_classes - 1)
    return X_test, y_test, X_watermarked, target


def _unit_activation(model: nn.Module, X: torch.Tensor, layer: str) -> np.ndarray:
    """Mean activation of each unit (channel, for a convolution) of ``layer`` over ``X``."""
    def mean_act(xb):
        h = model.hidden(xb)[layer]
        return (h.mean((2, 3)) if h.ndim == 4 else h).sum(0).cpu()

    return (torch.stack(batched(model, X, mean_act, 256)).sum(0) / len(X)).double().numpy()


def _zero_units(model: nn.Module, layer: str, units: np.ndarray) -> None:
    module = getattr(model, layer)
    with torch.no_grad():
        idx = torch.as_tensor(units, dtype=torch.long, device=module.weight.device)
        module.weight[idx] = 0.0
        module.bias[idx] = 0.0


@dataclass(frozen=True)
class Pruned:
    """A pruned copy: which units of ``layer`` were zeroed, and their mean activation."""

    model: nn.Module
    layer: str
    pruned: np.ndarray
    activation: np.ndarray

    @property
    def fraction(self) -> float:
        return len(self.pruned) / len(self.activation)


def _check_prune(model, X, fraction, layer):
    model = check_module(model)
    if not hasattr(model, "hidden"):
        raise TypeError("The 'model' must expose hidden(x), as MnistCNN does.")
    layer = check_choice(layer, "layer", PRUNABLE)
    fraction = check_real(fraction, "fraction", low=0.0, include_low=True, high=1.0)
    return model, as_images(X), fraction, layer


def prune(model: nn.Module, X: Any, *, fraction: float, layer: str = "conv2") -> Pruned:
    """Zero the ``fraction`` of units of ``layer`` least activated by legitimate data ``X``.

    The model is copied, not changed. A pruned unit's weights and bias are set
    to 0, so its ReLU output is 0 for every input (Jia et al. §6.1, after Liu
    et al. 2018).
    """
    model, X, fraction, layer = _check_prune(model, X, fraction, layer)
    activation = _unit_activation(model, X, layer)
    order = np.argsort(activation, kind="stable")
    pruned = np.sort(order[: int(round(fraction * len(order)))])
    copy_ = copy.deepcopy(model)
    _zero_units(copy_, layer, pruned)
    return Pruned(model=copy_.eval(), layer=layer, pruned=pruned, activation=activation)


@dataclass(frozen=True)
class RemovalCurve:
    """Task accuracy and watermark success as a removal attack grows (the no-free-lunch plot)."""

    attack: str
    layer: str
    fractions: np.ndarray
    accuracy: np.ndarray
    watermark_success: np.ndarray

    def rows(self) -> list[dict]:
        return [
            {"pruned": f, "accuracy": a, "watermark success": w}
            for f, a, w in zip(self.fractions, self.accuracy, self.watermark_success, strict=True)
        ]


def pruning_curve(
    model: nn.Module,
    X: Any,
    y: Any = None,
    *,
    X_test: Any,
    y_test: Any,
    X_watermarked: Any,
    target: int,
    fractions: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9),
    layer: str = "conv2",
    fine_tune_epochs: int = 0,
    batch_size: int = 128,
    lr: float = 1e-3,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> RemovalCurve:
    """Pruning (or fine-pruning) at growing fractions, with accuracy and watermark success.

    Parameters
    ----------
    model : MnistCNN
        The attacker's copy (not changed).
    X : array-like of images
        The attacker's legitimate data: it ranks the units by activation.
    y : array-like, optional
        Labels of ``X`` (as bought from the victim); needed for fine-pruning.
    X_test, y_test : test images and their true labels
        For the task accuracy.
    X_watermarked : array-like of images
        Held-out watermarked inputs, for the watermark success.
    target : int
        The watermark's target class.
    fractions : sequence of float in [0, 1]
        Shares of the units of ``layer`` to prune.
    layer : {"conv1", "conv2", "fc1"}, default="conv2"
    fine_tune_epochs : int, default=0
        0: pruning only. More: fine-pruning, retraining on (X, y) for this many
        epochs after pruning, the pruned units held at zero.
    batch_size, lr, rng, device, progress
        The fine-tuning schedule.
    """
    model = check_module(model)
    n_classes = n_outputs(model)
    X_test, y_test, X_watermarked, target = _check_evaluation(
        X_test, y_test, X_watermarked, target, n_classes
    )
    fr = np.asarray(fractions, dtype=float)
    if fr.ndim != 1 or not len(fr) or not np.isfinite(fr).all() or fr.min() < 0 or fr.max() > 1:
        raise ValueError(
            f"The 'fractions' parameter must be a non-empty sequence of numbers in [0, 1]. "
            f"Got {list(fractions)!r}."
        )
    fine_tune_epochs = check_int(fine_tune_epochs, "fine_tune_epochs", minimum=0)
    model, X, _, layer = _check_prune(model, X, 0.0, layer)
    if fine_tune_epochs:
        if y is None:
            raise ValueError("Fine-pruning (fine_tune_epochs > 0) needs the labels 'y' of 'X'.")
        y = as_labels(y, "y", len(X), n_classes)
    rng = check_rng(rng)
    activation = _unit_activation(model, X, layer)
    order = np.argsort(activation, kind="stable")
    acc, wsr = [], []
    for f in fr:
        pruned = np.sort(order[: int(round(f * len(order)))])
        m = copy.deepcopy(model)
        _zero_units(m, layer, pruned)
        if fine_tune_epochs:
            train_mnist_classifier(
                m, X, y, epochs=fine_tune_epochs, batch_size=batch_size, lr=lr, rng=rng,
                device=device, progress=progress, description=f"fine-pruning {f:.0%}",
                after_step=lambda mod, p=pruned: _zero_units(mod, layer, p),
            )
        acc.append(mnist_accuracy(m, X_test, y_test))
        wsr.append(watermark_success(m, X_watermarked, target=target))
    return RemovalCurve(
        attack="fine-pruning" if fine_tune_epochs else "pruning",
        layer=layer,
        fractions=fr,
        accuracy=np.asarray(acc),
        watermark_success=np.asarray(wsr),
    )


@dataclass(frozen=True)
class NeuralCleanse:
    """What :func:`neural_cleanse` found and what its unlearning left.

    Attributes
    ----------
    masks, patterns : ndarray of shape (n_classes, 28, 28)
        The reversed trigger of each class: x' = (1 − mask)·x + mask·pattern.
    norms : ndarray of shape (n_classes,)
        L1 norm of each mask (a backdoor target needs a small one).
    success : ndarray of shape (n_classes,)
        Share of clean images the reversed trigger sends to each class.
    anomaly_index : ndarray of shape (n_classes,)
        (median − norm) / (1.4826·MAD) of the norms; > 2 flags a class.
    flagged : tuple of int
        Classes flagged as backdoor targets.
    model : torch.nn.Module
        The model after unlearning the flagged classes' triggers (a copy of
        the input if nothing was flagged and ``unlearn="flagged"``).
    accuracy, watermark_success : float
        Of ``model``, after unlearning.
    accuracy_before, watermark_success_before : float
    """

    masks: np.ndarray
    patterns: np.ndarray
    norms: np.ndarray
    success: np.ndarray
    anomaly_index: np.ndarray
    flagged: tuple[int, ...]
    model: nn.Module
    accuracy: float
    watermark_success: float
    accuracy_before: float
    watermark_success_before: float


def _reverse_trigger(model, X, c, *, steps, lr, l1_weight, batch_size, g, device):
    """Smallest mask and pattern sending images of X to class c (Wang et al. 2019, Eq. 3)."""
    mask_logit = torch.full((1, 1, 28, 28), -3.0, device=device, requires_grad=True)
    pattern_logit = torch.zeros((1, 1, 28, 28), device=device, requires_grad=True)
    opt = torch.optim.Adam([mask_logit, pattern_logit], lr=lr, betas=(0.5, 0.9))
    labels = torch.full((batch_size,), c, device=device)
    for _ in range(steps):
        xb = X[torch.randint(len(X), (batch_size,), generator=g)].to(device)
        mask, pattern = torch.sigmoid(mask_logit), torch.sigmoid(pattern_logit)
        logits = model((1 - mask) * xb + mask * pattern)
        loss = F.cross_entropy(logits, labels) + l1_weight * mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return torch.sigmoid(mask_logit).detach(), torch.sigmoid(pattern_logit).detach()


def neural_cleanse(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    X_test: Any,
    y_test: Any,
    X_watermarked: Any,
    target: int,
    steps: int = 100,
    lr: float = 0.1,
    l1_weight: float = 0.01,
    batch_size: int = 64,
    unlearn: str = "flagged",
    unlearn_epochs: int = 1,
    unlearn_share: float = 0.2,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> NeuralCleanse:
    """Neural Cleanse: reverse-engineer triggers, flag outliers, unlearn them (Jia et al. §6.3).

    Parameters
    ----------
    model : torch.nn.Module
        The attacker's copy (not changed).
    X, y : the attacker's images and the labels it bought for them
        Used to reverse the triggers and to unlearn them.
    X_test, y_test, X_watermarked, target
        For the accuracy and the watermark success before and after
        (``target`` is not used by the detection itself).
    steps, lr, l1_weight, batch_size
        The optimisation of each class's mask and pattern (Adam): minimise
        CE(f((1 − m)·x + m·p), c) + l1_weight·‖m‖₁.
    unlearn : {"flagged", "smallest", "none"}, default="flagged"
        Unlearn the triggers of the flagged classes, of the class with the
        smallest mask whatever its anomaly index, or nothing.
    unlearn_epochs, unlearn_share
        Fine-tune on (X, y) for this many epochs with the reversed trigger
        stamped on ``unlearn_share`` of the images, their labels unchanged.
    rng, device, progress
    """
    model = check_module(model)
    n_classes = n_outputs(model)
    X_test, y_test, X_watermarked, target = _check_evaluation(
        X_test, y_test, X_watermarked, target, n_classes
    )
    X = as_images(X)
    y = as_labels(y, "y", len(X), n_classes)
    steps = check_int(steps, "steps", minimum=1)
    lr = check_real(lr, "lr", low=0.0)
    l1_weight = check_real(l1_weight, "l1_weight", low=0.0, include_low=True)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    unlearn = check_choice(unlearn, "unlearn", ("flagged", "smallest", "none"))
    unlearn_epochs = check_int(unlearn_epochs, "unlearn_epochs", minimum=0)
    unlearn_share = check_real(unlearn_share, "unlearn_share", low=0.0, high=1.0)
    rng = check_rng(rng)
    g = torch_generator(rng)
    device = resolve_device(device) if device is not None else device_of(model)
    work = copy.deepcopy(model).to(device).eval()
    for p in work.parameters():
        p.requires_grad_(False)
    masks, patterns = [], []
    with progress_bar(n_classes, "Neural Cleanse", progress) as bar:
        for c in range(n_classes):
            m, p = _reverse_trigger(work, X, c, steps=steps, lr=lr, l1_weight=l1_weight,
                                    batch_size=batch_size, g=g, device=device)
            masks.append(m.cpu())
            patterns.append(p.cpu())
            bar.update()
    masks_t, patterns_t = torch.cat(masks), torch.cat(patterns)
    norms = masks_t.sum((1, 2, 3)).double().numpy()
    probe = X_test[:1000]
    success = np.array([
        np.mean(
            torch.cat(batched(work, (1 - masks_t[c]) * probe + masks_t[c] * patterns_t[c],
                              lambda xb: work(xb).argmax(1).cpu())).numpy() == c
        )
        for c in range(n_classes)
    ])
    median = np.median(norms)
    mad = 1.4826 * np.median(np.abs(norms - median))
    anomaly = (median - norms) / mad if mad > 0 else np.zeros_like(norms)
    flagged = tuple(int(c) for c in np.flatnonzero(anomaly > 2))
    classes = {"flagged": flagged, "smallest": (int(np.argmin(norms)),), "none": ()}[unlearn]
    for p in work.parameters():
        p.requires_grad_(True)
    if classes and unlearn_epochs:
        X_u = X.clone()
        chosen = torch.randperm(len(X), generator=g)[: int(round(unlearn_share * len(X)))]
        for k, i in enumerate(chosen.tolist()):
            c = classes[k % len(classes)]
            X_u[i] = (1 - masks_t[c, 0]) * X_u[i] + masks_t[c, 0] * patterns_t[c, 0]
        train_mnist_classifier(work, X_u, y, epochs=unlearn_epochs, rng=rng, device=device,
                               progress=progress, description="unlearning")
    return NeuralCleanse(
        masks=masks_t[:, 0].numpy(),
        patterns=patterns_t[:, 0].numpy(),
        norms=norms,
        success=success,
        anomaly_index=anomaly,
        flagged=flagged,
        model=work.eval(),
        accuracy=mnist_accuracy(work, X_test, y_test),
        watermark_success=watermark_success(work, X_watermarked, target=target),
        accuracy_before=mnist_accuracy(model, X_test, y_test),
        watermark_success_before=watermark_success(model, X_watermarked, target=target),
    )
