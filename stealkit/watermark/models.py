"""The paper's small MNIST network and the training loop every model here goes through.

Jia et al. (2021), §5.1 and their public code: two convolutions (32 filters of
5×5, max-pool, 64 filters of 3×3, max-pool), a hidden layer of 128 units and
10 outputs, trained with Adam (learning rate 10⁻³). The same loop trains the
victims (with or without a watermark), the extracted copies and the clean
reference models, so that they differ only in what they are trained on.

Threat model: none by itself. Whoever trains holds the data and the
labels (the owner) or labels bought from an oracle (the attacker). Training
runs on the CPU by default and on a GPU when one is present; randomness
(initial weights, batch order) comes only from the ``rng`` argument.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from stealkit._torch import (
    Training,
    batched,
    check_module,
    default_init_,
    device_of,
    label_accuracy,
    n_outputs,
    predict_labels,
    predict_softmax,
    resolve_device,
    soft_cross_entropy,
    torch_generator,
    train_epochs,
)
from stealkit._validation import check_int, check_real, check_rng
from stealkit.watermark._checks import as_images, as_labels

__all__ = [
    "LAYERS",
    "MnistCNN",
    "mnist_cnn",
    "Training",
    "train_mnist_classifier",
    "predict_proba",
    "predict",
    "mnist_accuracy",
    "activations",
]

#: The hidden layers whose representations EWE entangles (ReLU outputs, after pooling).
LAYERS = ("conv1", "conv2", "fc1")


class MnistCNN(nn.Module):
    """conv32 5×5 – pool – conv64 3×3 – pool – fc128 – fc10, ReLU after each hidden layer."""

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, n_classes)

    def hidden(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The representations of :data:`LAYERS` and the logits, by name."""
        h1 = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h2 = F.max_pool2d(F.relu(self.conv2(h1)), 2)
        h3 = F.relu(self.fc1(h2.flatten(1)))
        return {"conv1": h1, "conv2": h2, "fc1": h3, "logits": self.fc2(h3)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.hidden(x)["logits"]


def mnist_cnn(*, n_classes: int = 10, rng: int | np.random.Generator | None = None) -> MnistCNN:
    """A freshly initialised :class:`MnistCNN`, its weights drawn from ``rng``.

    The initialisation is PyTorch's default for these layers (uniform with
    bound 1/√fan_in), drawn from a generator derived from ``rng`` so that
    torch's global random state is left alone.
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    g = torch_generator(check_rng(rng))
    with torch.random.fork_rng(devices=[]):  # the default init draws; leave global state as it was
        model = MnistCNN(n_classes)
    return default_init_(model, g)


def train_mnist_classifier(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    epochs: int = 1,
    batch_size: int = 128,
    lr: float = 1e-3,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
    description: str = "training",
    after_step: Callable[[nn.Module], None] | None = None,
) -> Training:
    """Train ``model`` in place with Adam on cross-entropy (Jia et al. §5.1).

    Parameters
    ----------
    model : torch.nn.Module
        Maps images ``(n, 1, 28, 28)`` to logits ``(n, n_classes)``.
    X : array-like of images
        uint8 ``(n, 28, 28)`` or floats in [0, 1], ``(n, 28, 28)`` or ``(n, 1, 28, 28)``.
    y : array-like
        Class labels ``(n,)``, or class probabilities ``(n, n_classes)`` (the
        answers of a probability oracle), trained with soft cross-entropy.
    epochs, batch_size, lr : int, int, float
        Passes over the data, rows per Adam step, Adam's learning rate.
    rng : int, Generator or None
        Decides the batch order.
    device : torch device, optional
        Default: CUDA when present, else the CPU. The model stays there.
    progress : bool, default=True
        Show a tqdm progress bar.
    after_step : callable, optional
        Called with the model after every step (fine-pruning uses it to keep
        pruned units at zero).

    Returns
    -------
    Training
    """
    model = check_module(model)
    X = as_images(X)
    n_classes = n_outputs(model)
    y = as_labels(y, "y", len(X), n_classes)
    epochs = check_int(epochs, "epochs", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_real(lr, "lr", low=0.0)
    if after_step is not None and not callable(after_step):
        raise TypeError("The 'after_step' parameter must be callable or None.")
    g = torch_generator(check_rng(rng))
    device = resolve_device(device)
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    losses = train_epochs(
        len(X), lambda idx: soft_cross_entropy(model(X[idx].to(device)), y[idx].to(device)),
        optimizer, epochs=epochs, batch_size=batch_size, g=g, progress=progress,
        description=description,
        after_step=None if after_step is None else lambda: after_step(model),
    )
    model.eval()
    return Training(
        model=model,
        losses=losses,
        epochs=epochs,
        n_samples=len(X),
        seconds=time.perf_counter() - start,
        device=str(device),
    )


def predict_proba(model: nn.Module, X: Any) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` of ``model`` on images ``X`` (the owner's view)."""
    model, X = check_module(model), as_images(X)
    return predict_softmax(model, X).double().numpy()


def predict(model: nn.Module, X: Any) -> np.ndarray:
    """Predicted labels ``(n,)`` of ``model`` on images ``X``."""
    model, X = check_module(model), as_images(X)
    return predict_labels(model, X)


def mnist_accuracy(model: nn.Module, X: Any, y: Any) -> float:
    """Fraction of images ``X`` whose predicted label is ``y``."""
    model, X = check_module(model), as_images(X)
    return label_accuracy(model, X, y)


def activations(
    model: MnistCNN, X: Any, *, layers: Sequence[str] = LAYERS
) -> dict[str, np.ndarray]:
    """Flattened hidden representations ``(n, units)`` of ``X`` at each of ``layers``."""
    model, X = check_module(model), as_images(X)
    if not hasattr(model, "hidden"):
        raise TypeError("The 'model' must expose hidden(x) -> dict of layers, as MnistCNN does.")
    layers = tuple(layers)
    with torch.no_grad():
        known = tuple(model.hidden(X[:1].to(device_of(model))).keys())
    for layer in layers:
        if layer not in known:
            raise ValueError(
                f"Each of 'layers' must be one of {', '.join(map(repr, known))}. Got {layer!r}."
            )
    out = batched(
        model, X, lambda xb: {k: v.flatten(1).cpu() for k, v in model.hidden(xb).items()}
    )
    return {k: torch.cat([o[k] for o in out]).numpy() for k in layers}
