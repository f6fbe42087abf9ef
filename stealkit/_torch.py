"""Torch helpers shared by the CIFAR zoo of dataset inference and the watermark modules.

One home for what both train and evaluate the same way: seeded generators
and initialisation, devices, argument checks on modules, the soft
cross-entropy, the shuffled epoch loop and its :class:`Training` record,
batched prediction and accuracy. Randomness comes only from the generators
passed in; torch's global random state is never drawn from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


# --------------------------------------------------------------------------- seeds and devices
def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A CPU torch generator seeded from ``rng`` (advances ``rng`` by one draw)."""
    g = torch.Generator()
    g.manual_seed(int(rng.integers(2**62)))
    return g


def resolve_device(device: Any) -> torch.device:
    """``None`` picks CUDA when present, else the CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"The 'device' parameter is not a torch device: {exc}") from None


def check_module(model: Any, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"The '{name}' parameter must be a torch.nn.Module. Got {type(model).__name__}."
        )
    return model


def n_outputs(model: nn.Module) -> int:
    """The number of logits: the width of the model's last linear layer."""
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not last:
        raise ValueError("The 'model' must end in a torch.nn.Linear layer (its logits).")
    return last[-1].out_features


def device_of(model: nn.Module) -> torch.device:
    """Where the model's parameters live (the CPU for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def default_init_(model: nn.Module, g: torch.Generator) -> nn.Module:
    """PyTorch's default initialisation of every convolution and linear layer, drawn from ``g``.

    Uniform with bound 1/√fan_in for weights and biases, layer by layer in the
    order of ``model.modules()``; other layers are left as they are.
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                bound = 1.0 / np.sqrt(module.weight[0].numel())
                module.weight.uniform_(-bound, bound, generator=g)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=g)
    return model


# --------------------------------------------------------------------------- training
@dataclass(frozen=True)
class Training:
    """A trained model and what training it cost: the loss of every step and the time."""

    model: nn.Module
    losses: np.ndarray
    epochs: int
    n_samples: int
    seconds: float
    device: str
    n_queries: int = 0
    threat_model: str | None = None

    def __repr__(self) -> str:
        who = f"{self.threat_model}: {type(self.model).__name__}, " if self.threat_model else ""
        q = f", {self.n_queries:,} queries" if self.n_queries else ""
        loss = f", final loss {self.losses[-1]:.3f}" if len(self.losses) else ""
        return (
            f"Training({who}{self.epochs} epoch(s) over {self.n_samples:,} samples{q}{loss}, "
            f"{self.seconds:.0f} s on {self.device})"
        )


def soft_cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, smoothing: float = 0.0
) -> torch.Tensor:
    """Cross-entropy with labels ``(n,)`` (``smoothing`` applies) or probabilities ``(n, c)``."""
    if target.ndim == 1:
        return F.cross_entropy(logits, target, label_smoothing=smoothing)
    return -(target * F.log_softmax(logits, dim=1)).sum(1).mean()


def progress_bar(total: int, description: str, enabled: bool, *, unit: str = "batch"):
    """A tqdm bar (the notebook flavour in Jupyter), or a silent stand-in."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, disable=not enabled, leave=False, unit=unit)


def epoch_batches(
    n: int, batch_size: int, g: torch.Generator, device: torch.device | None = None
) -> list[torch.Tensor]:
    """One epoch: a permutation of ``range(n)`` drawn from ``g``, cut into consecutive batches.

    The last batch may be smaller. With ``device`` the indices live there.
    """
    order = torch.randperm(n, generator=g)
    if device is not None:
        order = order.to(device)
    return [order[s : s + batch_size] for s in range(0, n, batch_size)]


def train_epochs(
    n: int,
    loss_of: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    g: torch.Generator,
    progress: bool,
    description: str,
    unit: str = "batch",
    after_step: Callable[[], None] | None = None,
    index_device: torch.device | None = None,
) -> np.ndarray:
    """The shuffled mini-batch loop; returns the loss of every step.

    Each epoch draws one permutation from ``g`` (:func:`epoch_batches`); each
    batch of indices goes to ``loss_of``, whose loss is minimised by one step
    of ``optimizer``, after which ``after_step`` runs (a learning-rate
    schedule, a constraint on the weights). Whatever else ``loss_of`` draws
    from ``g`` (augmentation) comes between those permutations, in order.
    """
    n_batches = -(-n // batch_size)
    losses = []
    with progress_bar(epochs * n_batches, description, progress, unit=unit) as bar:
        for _ in range(epochs):
            for idx in epoch_batches(n, batch_size, g, index_device):
                loss = loss_of(idx)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if after_step is not None:
                    after_step()
                losses.append(loss.item())
                bar.update()
    return np.asarray(losses)


# --------------------------------------------------------------------------- evaluation
@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """``model`` in eval mode for the block, then back in the mode it was in."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def batched(model: nn.Module, X: torch.Tensor, fn, batch_size: int = 2048) -> list:
    """``fn`` of each batch of ``X`` (moved to the model's device), in eval mode, no gradients."""
    device = device_of(model)
    with evaluating(model):
        return [fn(X[s : s + batch_size].to(device)) for s in range(0, len(X), batch_size)]


def predict_labels(model: nn.Module, X: torch.Tensor, batch_size: int = 2048) -> np.ndarray:
    """Predicted labels ``(n,)``: the argmax of ``model``'s logits on ``X``, batch by batch."""
    return torch.cat(batched(model, X, lambda xb: model(xb).argmax(1).cpu(), batch_size)).numpy()


def predict_softmax(model: nn.Module, X: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Class probabilities ``(n, n_classes)``: the softmax of ``model``'s logits, on the CPU."""
    return torch.cat(batched(model, X, lambda xb: torch.softmax(model(xb), 1).cpu(), batch_size))


def label_accuracy(model: nn.Module, X: torch.Tensor, y: Any, batch_size: int = 2048) -> float:
    """Fraction of ``X`` whose predicted label (:func:`predict_labels`) is ``y``."""
    pred = predict_labels(model, X, batch_size)
    y = np.asarray(y)
    if y.shape != pred.shape:
        raise ValueError(f"The 'y' parameter must have shape {pred.shape}. Got {y.shape}.")
    return float(np.mean(pred == y))
