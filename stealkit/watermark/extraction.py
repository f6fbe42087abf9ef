"""Stealing an image classifier by retraining on its answers (Jia et al. 2021, §2.2 and §5).

Threat model: the attacker has unlabelled images from the task's
distribution (not the owner's training set, and never a triggered image) and
black-box access to the victim through an :class:`~stealkit.Oracle` that
answers class labels or probabilities. It pays one query per image, labels
its images with the answers, and trains a fresh model of its own on them (the
same small CNN: the paper assumes the attacker knows a suitable
architecture). It does not know that the victim is watermarked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from stealkit._torch import Training
from stealkit._validation import check_int, check_oracle, check_real, check_rng
from stealkit.oracle import Oracle, label_through_oracle
from stealkit.watermark._checks import as_images
from stealkit.watermark.models import mnist_cnn, train_mnist_classifier

__all__ = ["Extraction", "extract_mnist_copy"]


@dataclass(frozen=True)
class Extraction:
    """The extracted copy f̂, what it cost, and how it was trained.

    Attributes
    ----------
    model : torch.nn.Module
        The copy.
    n_queries : int
        Queries spent: one per image.
    queries : ndarray of shape (n_queries, 1, 28, 28)
        The images sent, in order (float32 in [0, 1]).
    answers : ndarray
        The oracle's answers: labels ``(n_queries,)`` or probabilities ``(n_queries, 10)``.
    seconds : float
        Wall-clock time: queries and training.
    output : {"label", "proba"}
        What the oracle answered.
    training : Training
        The copy's training record.
    """

    model: nn.Module
    n_queries: int
    queries: np.ndarray = field(repr=False)
    answers: np.ndarray = field(repr=False)
    seconds: float = field(repr=False)
    output: str
    training: Training

    def __repr__(self) -> str:
        return (
            f"Extraction({self.n_queries:,} {self.output} queries, "
            f"{self.training.epochs} epoch(s), {self.training.seconds:.0f} s)"
        )


def extract_mnist_copy(
    oracle: Oracle,
    X: Any,
    *,
    model: nn.Module | None = None,
    epochs: int = 2,
    batch_size: int = 128,
    lr: float = 1e-3,
    query_batch: int = 5000,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Extraction:
    """Label images ``X`` with the oracle's answers and train a fresh model on them (§5).

    Parameters
    ----------
    oracle : stealkit.Oracle
        The victim's prediction API for 28×28 grey images (``input_shape``
        ``(1, 28, 28)``), answering ``"label"`` or ``"proba"``. With
        probabilities the copy is trained with soft cross-entropy (a
        distillation), with labels with ordinary cross-entropy.
    X : array-like of images
        The attacker's unlabelled images: one query each.
    model : torch.nn.Module, optional
        The attacker's architecture, untrained (default: a fresh
        :class:`~stealkit.watermark.models.MnistCNN` drawn from ``rng``).
    epochs, batch_size, lr
        The attacker's training schedule (Adam).
    query_batch : int, default=5000
        Images per call to the oracle (keeps memory low; the count of queries
        does not depend on it).
    rng : int, Generator or None
        The copy's initial weights and batch order.
    device : torch device, optional
    progress : bool, default=True

    Returns
    -------
    Extraction
        The copy, the number of queries spent (``len(X)``) and the training record.

    Raises
    ------
    QueryBudgetExceeded
        Before any query, if the oracle's budget cannot cover ``len(X)``.
    """
    oracle = check_oracle(oracle, output=("label", "proba"))
    if oracle.n_features != 28 * 28:
        raise ValueError(
            "The 'oracle' must answer 28×28 images (n_features 784). "
            f"Got n_features={oracle.n_features}."
        )
    X = as_images(X)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_real(lr, "lr", low=0.0)
    query_batch = check_int(query_batch, "query_batch", minimum=1)
    rng = check_rng(rng)
    if model is None:
        model = mnist_cnn(rng=rng)
    elif not isinstance(model, nn.Module):
        raise TypeError(f"The 'model' parameter must be a torch.nn.Module or None. Got {model!r}.")
    t0 = time.perf_counter()
    before = oracle.n_queries
    raw = answers = label_through_oracle(oracle, X, batch_size=query_batch)
    if oracle.output == "label":
        if oracle.classes is not None:
            lookup = {c: i for i, c in enumerate(oracle.classes.tolist())}
            answers = np.array([lookup[a] for a in answers.tolist()])
        y = answers.astype(np.int64)
    else:
        y = answers.astype(np.float32)
        y /= y.sum(1, keepdims=True)
    training = train_mnist_classifier(
        model, X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng, device=device,
        progress=progress, description="extraction",
    )
    return Extraction(
        model=model,
        n_queries=oracle.n_queries - before,
        queries=X.numpy(),
        answers=raw,
        seconds=time.perf_counter() - t0,
        output=oracle.output,
        training=training,
    )
