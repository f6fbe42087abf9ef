"""Embedding a watermark: the naive backdoor (Adi et al. 2018) and EWE (Jia et al. 2021, §4).

Threat model: the *owner* trains the victim on its own labelled data and may
change training as it likes; it picks a source class c_S, a target class c_T
and a trigger. Watermarked inputs are source-class images with the trigger
stamped on them, labelled c_T. Later, an attacker who steals the victim by
querying it (see :mod:`stealkit.watermark.extraction`) never sees the trigger;
the owner wants the stolen copy to answer c_T on triggered inputs anyway.

- :func:`train_backdoor_watermark` mixes watermarked batches into training
  with cross-entropy alone. The model learns the trigger with neurons that
  legitimate data does not use, so a copy trained on legitimate data alone
  does not inherit it (§3, "distinct activation patterns").
- :func:`train_ewe` (Algorithm 1) adds −κ·SNNL over several hidden layers to
  the watermark batches, so that watermarked and target-class inputs share
  their representations; the trigger goes where the gradient of SNNL,
  convolved with the trigger, is largest, and the temperatures follow their
  own gradient steps.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from stealkit._torch import (
    batched,
    check_module,
    epoch_batches,
    evaluating,
    n_outputs,
    progress_bar,
    resolve_device,
    soft_cross_entropy,
    torch_generator,
)
from stealkit._validation import check_choice, check_int, check_real, check_rng
from stealkit.watermark._checks import as_images, as_labels
from stealkit.watermark.models import LAYERS
from stealkit.watermark.snnl import METRICS, snnl

__all__ = [
    "DEFAULT_TRIGGER",
    "Watermark",
    "TriggerSearch",
    "WatermarkedModel",
    "find_trigger_position",
    "fgsm_watermark",
    "train_backdoor_watermark",
    "train_ewe",
]

#: The default trigger: a 4×4 white square.
DEFAULT_TRIGGER = np.ones((4, 4))


def _check_trigger(trigger: Any, image_shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    try:
        t = np.asarray(trigger, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"The 'trigger' parameter must be a 2-D array of pixels. Got {trigger!r}."
        ) from None
    if t.ndim != 2 or t.size == 0 or t.shape[0] > image_shape[0] or t.shape[1] > image_shape[1]:
        raise ValueError(
            f"The 'trigger' parameter must be a 2-D patch no larger than the image {image_shape}. "
            f"Got shape {t.shape}."
        )
    if not np.isfinite(t).all() or t.min() < 0 or t.max() > 1:
        raise ValueError("The 'trigger' parameter must hold pixels in [0, 1].")
    return t


@dataclass(frozen=True, eq=False)
class Watermark:
    """A trigger patch stamped at ``position`` (top-left row, column) on source-class images.

    Watermarked inputs should be classified as ``target``.
    """

    source: int
    target: int
    trigger: np.ndarray
    position: tuple[int, int]

    def __post_init__(self):
        object.__setattr__(self, "trigger", _check_trigger(self.trigger))
        r, c = (check_int(p, "position", minimum=0) for p in self.position)
        h, w = self.trigger.shape
        if r + h > 28 or c + w > 28:
            raise ValueError(
                f"The trigger ({h}×{w}) at 'position' {(r, c)} does not fit in a 28×28 image."
            )
        object.__setattr__(self, "position", (r, c))

    @property
    def mask(self) -> np.ndarray:
        """Boolean ``(28, 28)``: the pixels the trigger overwrites."""
        m = np.zeros((28, 28), dtype=bool)
        r, c = self.position
        m[r : r + self.trigger.shape[0], c : c + self.trigger.shape[1]] = True
        return m

    def apply(self, X: Any) -> torch.Tensor:
        """Stamp the trigger on images ``X``: a float tensor ``(n, 1, 28, 28)``."""
        out = as_images(X).clone()
        r, c = self.position
        h, w = self.trigger.shape
        out[:, :, r : r + h, c : c + w] = torch.as_tensor(self.trigger, dtype=out.dtype)
        return out

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "target": self.target,
            "trigger": self.trigger.tolist(),
            "position": list(self.position),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Watermark:
        return cls(int(d["source"]), int(d["target"]), np.asarray(d["trigger"]),
                   tuple(d["position"]))


@dataclass(frozen=True)
class TriggerSearch:
    """Where :func:`find_trigger_position` put the trigger, and why.

    ``gradient`` is the mean gradient ∂SNNL/∂x over the watermark inputs
    ``(28, 28)``; ``heatmap[r, c]`` its correlation with the trigger placed
    at (r, c); ``position`` the argmax, or with ``max_false_positive`` the
    best position whose false-positive rate is low enough; ``rank`` its
    place in the heat map's order (0: the argmax) and ``false_positive`` the
    share of triggered source images the model already answered with the
    target there (None when not measured).
    """

    position: tuple[int, int]
    heatmap: np.ndarray
    gradient: np.ndarray
    rank: int = 0
    false_positive: float | None = None


@dataclass(frozen=True)
class WatermarkedModel:
    """A watermarked victim and the record of its training.

    Attributes
    ----------
    model : torch.nn.Module
        The victim, in eval mode.
    watermark : Watermark
    method : {"ewe", "backdoor"}
    search : TriggerSearch or None
        The trigger search (EWE with ``position=None`` only).
    snnl : ndarray of shape (n_watermark_steps, n_layers)
        SNNL of watermarked vs target-class representations at each layer,
        at every watermark step (measured for both methods; EWE maximises it).
    temperature : ndarray of shape (n_watermark_steps, n_layers)
        The temperatures in use at each watermark step.
    losses : ndarray
        The minimised loss of every step (task and watermark steps).
    layers : tuple of str
    seconds : float
    """

    model: nn.Module
    watermark: Watermark
    method: str
    search: TriggerSearch | None
    snnl: np.ndarray
    temperature: np.ndarray
    losses: np.ndarray
    layers: tuple[str, ...]
    seconds: float
    settings: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"WatermarkedModel(method={self.method!r}, {self.watermark.source} → "
            f"{self.watermark.target}, trigger at {self.watermark.position}, "
            f"{len(self.losses)} steps, {self.seconds:.0f} s)"
        )


def _check_layers(model: nn.Module, layers: Sequence[str]) -> tuple[str, ...]:
    if not hasattr(model, "hidden"):
        raise TypeError(
            "The 'model' must expose hidden(x) -> dict of named layers, as MnistCNN does."
        )
    if isinstance(layers, str) or not len(layers):
        raise ValueError(
            f"The 'layers' parameter must be a non-empty sequence of layer names. Got {layers!r}."
        )
    return tuple(layers)


def _check_layer_names(model: nn.Module, layers: tuple[str, ...], x: torch.Tensor) -> None:
    with torch.no_grad():
        known = tuple(k for k in model.hidden(x[:1]) if k != "logits")
    for layer in layers:
        if layer not in known:
            raise ValueError(
                f"Each of 'layers' must be one of {', '.join(map(repr, known))}. Got {layer!r}."
            )


def _temperatures(temperature: Any, n_layers: int) -> list[float]:
    if isinstance(temperature, Sequence) and not isinstance(temperature, str):
        if len(temperature) != n_layers:
            raise ValueError(
                f"The 'temperature' parameter must be one number or one per layer ({n_layers}). "
                f"Got {len(temperature)} values."
            )
        return [check_real(t, "temperature", low=0.0) for t in temperature]
    return [check_real(temperature, "temperature", low=0.0)] * n_layers


def _snnl_of(hidden, n_w, layers, temps, metric) -> list[torch.Tensor]:
    """SNNL at each layer of a [watermarked (first n_w rows), target] batch (groups 1, 0)."""
    n = len(hidden["logits"])
    groups = (torch.arange(n) < n_w).long()
    return [snnl(hidden[k], groups, t, metric=metric) for k, t in zip(layers, temps, strict=True)]


def _layer_snnl(model, x_w, x_t, layers, temps, metric) -> list[torch.Tensor]:
    return _snnl_of(model.hidden(torch.cat([x_w, x_t])), len(x_w), layers, temps, metric)


def _class_images(X: torch.Tensor, y: torch.Tensor, c: int, name: str) -> torch.Tensor:
    labels = y if y.ndim == 1 else y.argmax(1)
    idx = torch.nonzero(labels == c).flatten()
    if len(idx) < 2:
        raise ValueError(f"The training data needs at least 2 images of the {name} class {c}.")
    return X[idx]


def find_trigger_position(
    model: nn.Module,
    X_source: Any,
    X_target: Any,
    *,
    trigger: Any = DEFAULT_TRIGGER,
    temperature: float | Sequence[float] = 1.0,
    metric: str = "cosine",
    layers: Sequence[str] = LAYERS,
    batch_size: int = 128,
    target: int | None = None,
    max_false_positive: float | None = None,
) -> TriggerSearch:
    """Place the trigger where it raises SNNL the most (Algorithm 1, lines 1–3).

    The gradient of Σ_layers SNNL([X_w, X_cT], Y', T) with respect to the
    source-class inputs X_w is averaged over X_w and correlated with the
    trigger (the first-order gain of stamping it there); the position is the
    argmax of that map.

    Raising SNNL means making a source image look like the target class, so
    the argmax may be a spot where the trigger alone turns a 1 into a 7 for
    *any* model (a top bar): innocent models then answer the watermark too,
    and ownership cannot be told from chance. With ``max_false_positive``
    (our addition, not the paper's), positions are tried in decreasing order
    of the map and the first one where ``model`` answers ``target`` on at
    most that share of the triggered source images is chosen.

    Parameters
    ----------
    model : MnistCNN
        A model trained on the task (EWE searches on the pre-trained victim).
    X_source, X_target : array-like of images
        Source-class and target-class images, paired batch by batch.
    trigger : array of shape (h, w), default=4×4 white square
    temperature, metric, layers
        As in :func:`train_ewe`.
    batch_size : int
        Images of each group per gradient batch.
    target : int, optional
        The target class; needed with ``max_false_positive``.
    max_false_positive : float in [0, 1], optional
        Skip positions where the model, as given, already answers ``target``
        on more than this share of the triggered source images (at most 512
        of them are used). None: the argmax, as in the paper.
    """
    model = check_module(model)
    layers = _check_layers(model, layers)
    trigger = _check_trigger(trigger)
    if max_false_positive is not None:
        max_false_positive = check_real(max_false_positive, "max_false_positive",
                                        low=0.0, include_low=True, high=1.0)
        if target is None:
            raise ValueError("The 'target' parameter is needed with 'max_false_positive'.")
        target = check_int(target, "target", minimum=0, maximum=n_outputs(model) - 1)
    temps = _temperatures(temperature, len(layers))
    metric = check_choice(metric, "metric", METRICS)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    Xs, Xt = as_images(X_source, "X_source"), as_images(X_target, "X_target")
    if len(Xs) < 2 or len(Xt) < 2:
        raise ValueError("'X_source' and 'X_target' need at least 2 images each.")
    device = next(model.parameters()).device
    _check_layer_names(model, layers, Xs.to(device))
    grad_sum = torch.zeros(28, 28)
    with evaluating(model):
        for start in range(0, len(Xs), batch_size):
            xs = Xs[start : start + batch_size].to(device).requires_grad_(True)
            if len(xs) < 2:
                break
            idx = torch.arange(start, start + len(xs)) % len(Xt)
            xt = Xt[idx].to(device)
            total = sum(_layer_snnl(model, xs, xt, layers, temps, metric))
            (g,) = torch.autograd.grad(total, xs)
            grad_sum += g.sum((0, 1)).cpu()
    gradient = (grad_sum / len(Xs)).double().numpy()
    from scipy.signal import correlate2d

    heatmap = correlate2d(gradient, trigger, mode="valid")
    order = np.argsort(-heatmap, axis=None, kind="stable")
    if max_false_positive is None:
        r, c = np.unravel_index(order[0], heatmap.shape)
        return TriggerSearch(position=(int(r), int(c)), heatmap=heatmap, gradient=gradient)
    probe = Xs[:512]
    for rank, flat in enumerate(order):
        r, c = (int(v) for v in np.unravel_index(flat, heatmap.shape))
        stamped = Watermark(0, target, trigger, (r, c)).apply(probe)
        hits = torch.cat(batched(model, stamped, lambda xb: model(xb).argmax(1).cpu(), 256))
        fp = float((hits == target).float().mean())
        if fp <= max_false_positive:
            return TriggerSearch(position=(r, c), heatmap=heatmap, gradient=gradient,
                                 rank=rank, false_positive=fp)
    raise ValueError(
        f"No trigger position has a false-positive rate <= {max_false_positive} on this model; "
        "raise 'max_false_positive' or change the trigger."
    )


def fgsm_watermark(
    model: nn.Module,
    X_watermarked: Any,
    X_target: Any,
    *,
    target: int,
    steps: int = 1,
    epsilon: float = 0.01,
    temperature: float | Sequence[float] = 1.0,
    metric: str = "cosine",
    layers: Sequence[str] = LAYERS,
) -> torch.Tensor:
    """The optional FGSM steps of Algorithm 1 (lines 5–6).

    Each step moves the watermarked images by ε·sign of the gradient that
    lowers the cross-entropy to the target class and by ε·sign of the one
    that raises SNNL with the target-class images, then clips to [0, 1].
    """
    model = check_module(model)
    layers = _check_layers(model, layers)
    target = check_int(target, "target", minimum=0, maximum=n_outputs(model) - 1)
    steps = check_int(steps, "steps", minimum=0)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0)
    temps = _temperatures(temperature, len(layers))
    metric = check_choice(metric, "metric", METRICS)
    Xw, Xt = as_images(X_watermarked, "X_watermarked"), as_images(X_target, "X_target")
    device = next(model.parameters()).device
    out = Xw.clone()
    with evaluating(model):
        for _ in range(steps):
            for start in range(0, len(out), 128):
                x = out[start : start + 128].to(device).requires_grad_(True)
                labels = torch.full((len(x),), target, device=device)
                (g_ce,) = torch.autograd.grad(F.cross_entropy(model(x), labels), x)
                x = (x - epsilon * g_ce.sign()).clamp(0, 1).detach()
                if len(x) >= 2:
                    x.requires_grad_(True)
                    idx = torch.arange(start, start + len(x)) % len(Xt)
                    total = sum(_layer_snnl(model, x, Xt[idx].to(device), layers, temps, metric))
                    (g_s,) = torch.autograd.grad(total, x)
                    x = (x + epsilon * g_s.sign()).clamp(0, 1).detach()
                out[start : start + len(x)] = x.cpu()
    return out


def _embed(
    model, X, y, *, source, target, trigger, position, n_watermark, ratio, snnl_weight,
    temperature, temperature_lr, metric, layers, epochs, batch_size, lr, fgsm_steps,
    fgsm_epsilon, rng, device, progress, method, max_false_positive=None,
) -> WatermarkedModel:
    model = check_module(model)
    layers = _check_layers(model, layers)
    X = as_images(X)
    n_classes = n_outputs(model)
    y = as_labels(y, "y", len(X), n_classes)
    source = check_int(source, "source", minimum=0, maximum=n_classes - 1)
    target = check_int(target, "target", minimum=0, maximum=n_classes - 1)
    if source == target:
        raise ValueError(f"The 'source' and 'target' classes must differ. Got {source} for both.")
    trigger = _check_trigger(trigger)
    if position is not None:
        Watermark(source, target, trigger, tuple(position))  # validates the placement
    if n_watermark is not None:
        n_watermark = check_int(n_watermark, "n_watermark", minimum=2)
    ratio = check_int(ratio, "ratio", minimum=2)
    snnl_weight = check_real(snnl_weight, "snnl_weight", low=0.0, include_low=True)
    temps = _temperatures(temperature, len(layers))
    temperature_lr = check_real(temperature_lr, "temperature_lr", low=0.0, include_low=True)
    metric = check_choice(metric, "metric", METRICS)
    epochs = check_int(epochs, "epochs", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=4)
    lr = check_real(lr, "lr", low=0.0)
    fgsm_steps = check_int(fgsm_steps, "fgsm_steps", minimum=0)
    fgsm_epsilon = check_real(fgsm_epsilon, "fgsm_epsilon", low=0.0, high=1.0)
    if max_false_positive is not None:
        max_false_positive = check_real(max_false_positive, "max_false_positive",
                                        low=0.0, include_low=True, high=1.0)
    device = resolve_device(device)
    model.to(device)
    _check_layer_names(model, layers, X[:1].to(device))
    rng = check_rng(rng)
    g = torch_generator(rng)

    X_src = _class_images(X, y, source, "source")
    X_tgt = _class_images(X, y, target, "target")
    if n_watermark is not None:
        X_src = X_src[torch.randperm(len(X_src), generator=g)[:n_watermark]]
    start = time.perf_counter()
    search = None
    if position is None:
        search = find_trigger_position(
            model, X_src, X_tgt, trigger=trigger, temperature=temps, metric=metric, layers=layers,
            target=target, max_false_positive=max_false_positive,
        )
        position = search.position
    watermark = Watermark(source, target, trigger, tuple(position))
    X_w = watermark.apply(X_src)
    if fgsm_steps:
        X_w = fgsm_watermark(model, X_w, X_tgt, target=target, steps=fgsm_steps,
                             epsilon=fgsm_epsilon, temperature=temps, metric=metric, layers=layers)

    temps_t = [torch.tensor(t, device=device, requires_grad=True) for t in temps]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    half = batch_size // 2
    n_task = -(-len(X) // batch_size)
    steps_per_epoch = n_task + n_task // (ratio - 1)
    losses, snnl_log, temp_log = [], [], []
    w_order, w_pos = torch.randperm(len(X_w), generator=g), 0
    model.train()
    with progress_bar(epochs * steps_per_epoch, f"{method} watermark", progress) as bar:
        for _ in range(epochs):
            batches, b = epoch_batches(len(X), batch_size, g), 0
            for step in range(1, steps_per_epoch + 1):
                if step % ratio == 0 or b >= n_task:  # Algorithm 1, line 10
                    if w_pos + half > len(X_w):
                        w_order, w_pos = torch.randperm(len(X_w), generator=g), 0
                    xw = X_w[w_order[w_pos : w_pos + half]].to(device)
                    w_pos += half
                    xt = X_tgt[torch.randint(len(X_tgt), (len(xw),), generator=g)].to(device)
                    hidden = model.hidden(torch.cat([xw, xt]))
                    labels = torch.full((2 * len(xw),), target, device=device)
                    values = _snnl_of(hidden, len(xw), layers, temps_t, metric)
                    loss = F.cross_entropy(hidden["logits"], labels) - snnl_weight * sum(values)
                    snnl_log.append([v.item() for v in values])
                    temp_log.append([t.item() for t in temps_t])
                    t_grads = (torch.autograd.grad(sum(values), temps_t, retain_graph=True)
                               if temperature_lr else None)
                else:
                    idx = batches[b]
                    b += 1
                    yb = y[idx].to(device)
                    loss = soft_cross_entropy(model(X[idx].to(device)), yb)
                    t_grads = None
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if t_grads is not None:  # line 14: the temperatures follow ∂SNNL/∂T
                    with torch.no_grad():
                        for t, gt in zip(temps_t, t_grads, strict=True):
                            t.sub_(temperature_lr * gt).clamp_(min=1e-3)
                            t.grad = None
                losses.append(loss.item())
                bar.update()
    model.eval()
    n_layers = len(layers)
    return WatermarkedModel(
        model=model,
        watermark=watermark,
        method=method,
        search=search,
        snnl=np.asarray(snnl_log, dtype=float).reshape(-1, n_layers),
        temperature=np.asarray(temp_log, dtype=float).reshape(-1, n_layers),
        losses=np.asarray(losses),
        layers=layers,
        seconds=time.perf_counter() - start,
        settings={
            "ratio": ratio, "snnl_weight": snnl_weight, "temperature": temps,
            "temperature_lr": temperature_lr, "metric": metric, "epochs": epochs,
            "batch_size": batch_size, "lr": lr, "fgsm_steps": fgsm_steps,
            "fgsm_epsilon": fgsm_epsilon, "n_watermark": len(X_w),
        },
    )


def train_ewe(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    source: int = 1,
    target: int = 7,
    trigger: Any = DEFAULT_TRIGGER,
    position: tuple[int, int] | None = None,
    n_watermark: int | None = None,
    ratio: int = 2,
    snnl_weight: float = 32.0,
    temperature: float | Sequence[float] = 1.0,
    temperature_lr: float = 0.1,
    metric: str = "cosine",
    layers: Sequence[str] = LAYERS,
    epochs: int = 1,
    batch_size: int = 128,
    lr: float = 1e-3,
    fgsm_steps: int = 0,
    fgsm_epsilon: float = 0.01,
    max_false_positive: float | None = None,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> WatermarkedModel:
    """Entangled Watermark Embedding (Jia et al. §4.3, Algorithm 1).

    Fine-tunes a model already trained on the task (the paper's code trains
    10 epochs without watermark first, then 10 with it): every ``ratio``-th
    step is a watermark batch — half watermarked source images, half
    target-class images, all labelled ``target`` — with loss
    CE − κ·Σ_layers SNNL(watermarked vs target); the other steps are task
    batches with cross-entropy.

    Parameters
    ----------
    model : MnistCNN
        A model trained on the task; trained further in place.
    X, y : images and labels
        The owner's training data; watermarked inputs are drawn from its
        ``source`` class (labels ``(n,)`` or probabilities ``(n, c)``).
    source, target : int, default 1 and 7 (the paper's MNIST pair)
    trigger : array of shape (h, w), default a 4×4 white square
    position : (row, col), optional
        Where to stamp the trigger; ``None`` searches for it with
        :func:`find_trigger_position` on the model as given.
    n_watermark : int, optional
        Use this many source images for watermarks (default: all).
    ratio : int, default=2
        r: every r-th step is a watermark step (r = 2 alternates, which is the
        public code's MNIST setting, there written ``w_ratio = 1``: one
        watermark batch per task batch).
    snnl_weight : float, default=32
        κ, the weight of SNNL (the paper's MNIST value).
    temperature : float or one per layer, default=1
        Initial T of each layer.
    temperature_lr : float, default=0.1
        α: after each watermark step, T ← T − α·∂SNNL/∂T (as the public code
        does): the temperature moves to the scale where the groups still look
        apart, and the model must entangle them there. 0 keeps T fixed.
    metric : {"cosine", "euclidean"}, default="cosine"
        Distance in SNNL (cosine in the public code).
    layers : sequence of str, default ("conv1", "conv2", "fc1")
        Hidden layers whose representations are entangled.
    epochs, batch_size, lr
        Passes over the task data, images per batch, Adam's learning rate.
    fgsm_steps, fgsm_epsilon
        Optional FGSM steps on the watermarked images (lines 5–6), see
        :func:`fgsm_watermark`.
    max_false_positive : float, optional
        Only with ``position=None``: skip trigger positions where the model
        already answers ``target`` on more than this share of triggered source
        images (see :func:`find_trigger_position`; our addition).
    rng : int, Generator or None
        Batch order and the choice of watermark images.
    device : torch device, optional
        Default: CUDA when present, else the CPU.
    progress : bool, default=True

    Returns
    -------
    WatermarkedModel
    """
    return _embed(
        model, X, y, source=source, target=target, trigger=trigger, position=position,
        n_watermark=n_watermark, ratio=ratio, snnl_weight=snnl_weight, temperature=temperature,
        temperature_lr=temperature_lr, metric=metric, layers=layers, epochs=epochs,
        batch_size=batch_size, lr=lr, fgsm_steps=fgsm_steps, fgsm_epsilon=fgsm_epsilon,
        rng=rng, device=device, progress=progress, method="ewe",
        max_false_positive=max_false_positive,
    )


def train_backdoor_watermark(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    source: int = 1,
    target: int = 7,
    trigger: Any = DEFAULT_TRIGGER,
    position: tuple[int, int] = (0, 0),
    n_watermark: int | None = None,
    ratio: int = 2,
    metric: str = "cosine",
    layers: Sequence[str] = LAYERS,
    epochs: int = 1,
    batch_size: int = 128,
    lr: float = 1e-3,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> WatermarkedModel:
    """The naive watermark: a backdoor learnt with cross-entropy alone (Adi et al. 2018).

    The same schedule as :func:`train_ewe` with κ = 0 and no trigger search:
    the difference between the two is the entanglement alone. SNNL is still
    measured (with ``metric`` at T = 1) so that the two can be compared.
    ``position`` is required (default: the top-left corner).
    """
    if position is None:
        raise ValueError("The 'position' parameter is required for the backdoor watermark.")
    return _embed(
        model, X, y, source=source, target=target, trigger=trigger, position=position,
        n_watermark=n_watermark, ratio=ratio, snnl_weight=0.0, temperature=1.0,
        temperature_lr=0.0, metric=metric, layers=layers, epochs=epochs,
        batch_size=batch_size, lr=lr, fgsm_steps=0, fgsm_epsilon=0.01, rng=rng,
        device=device, progress=progress, method="backdoor",
    )
