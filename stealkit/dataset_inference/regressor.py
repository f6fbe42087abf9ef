"""The confidence regressor and the end-to-end ownership test of dataset inference.

Maini et al. (2021), §5 ("Confidence regressor", "Hypothesis testing"). The
victim embeds some of its private (training) samples and some public samples
of the same distribution with its own model (:mod:`~.embeddings`), and trains a
small network g — Linear(30, 100) – ReLU – Linear(100, 1) – Tanh — to output −1
on private and +1 on public embeddings. To judge a suspect, it embeds *other*
private and public samples with the suspect model and compares g's scores with
a one-sided Welch t-test (:func:`~stealkit.stats.ownership_test`,
``alternative="less"``): significantly lower scores on the private samples mean
the suspect carries the victim's training data ("stolen"); otherwise the test
is inconclusive.

Threat model: the verifier is the victim. It holds its private data, public
data of the same distribution and its own model, and can embed samples with
the suspect (white box for MinGD, label queries for Blind Walk). It never
needs the suspect's training data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stealkit._validation import check_choice, check_int, check_positive, check_rng
from stealkit.dataset_inference.embeddings import Embedding
from stealkit.stats import OwnershipTest, ownership_test

__all__ = [
    "REGRESSOR_LOSSES",
    "embedding_features",
    "ConfidenceRegressor",
    "train_regressor",
    "DatasetInference",
    "verify_dataset",
]

#: "margin": −mean((2·public − 1)·g(e)), the loss of the public code as we read it,
#: which pushes the Tanh outputs to ±1; "bce": binary cross-entropy on (g(e) + 1) / 2.
#: Both classes weigh the same whatever their sizes.
REGRESSOR_LOSSES = ("margin", "bce")


def embedding_features(
    embeddings: Any, *, sort: bool = True, nonnegative: bool = True
) -> np.ndarray:
    """The regressor's input: one row per sample, ``(n_samples, n_features)``.

    Parameters
    ----------
    embeddings : Embedding or array-like
        An :class:`~.embeddings.Embedding`, or distances of shape
        ``(n_samples, n_norms, n_columns)`` (or ``(n_samples, n_features)``,
        taken as one block).
    sort : bool, default=True
        Sort each norm's block in increasing order. Blind Walk's directions
        are exchangeable, and sorted MinGD distances read "nearest other class,
        second nearest, …" whatever the sample's class. (On a small CIFAR
        victim, sorting raised Δμ on held-out samples from 0.84 to 1.0.)
    nonnegative : bool, default=True
        Require non-negative values (distances, whose logarithm the regressor
        takes). False accepts any finite numbers, e.g. features standardised
        beforehand (:func:`~.cifar.public_code_rows`).
    """
    if isinstance(embeddings, Embedding):
        d = embeddings.distances
    else:
        try:
            d = np.asarray(embeddings, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "The embeddings must be an Embedding or a numeric array of distances. "
                f"Got {type(embeddings).__name__}."
            ) from None
        if d.ndim == 2:
            d = d[:, None, :]
        if d.ndim != 3 or len(d) == 0:
            raise ValueError(
                "The embeddings must have shape (n_samples, n_norms, n_columns) or "
                f"(n_samples, n_features), n_samples >= 1. Got shape {d.shape}."
            )
    d = np.asarray(d, dtype=np.float64)
    if not np.isfinite(d).all():
        raise ValueError("The embeddings must hold finite values (no NaN or infinity).")
    if nonnegative and (d < 0).any():
        raise ValueError(
            "The embeddings must hold non-negative distances (the regressor takes their "
            "logarithm; train it with log=False for other features)."
        )
    if sort:
        d = np.sort(d, axis=2)
    return d.reshape(len(d), -1)


def _log_offset(X: np.ndarray) -> np.ndarray:
    """Per feature, 1/100 of its median positive value (1 where none): log(x + offset) is finite."""
    offset = np.ones(X.shape[1])
    for j in range(X.shape[1]):
        pos = X[:, j][X[:, j] > 0]
        if len(pos):
            offset[j] = 0.01 * np.median(pos)
    return offset


@dataclass(frozen=True)
class ConfidenceRegressor:
    """The trained regressor g: embeddings to scores in (−1, 1), low on private samples.

    Attributes
    ----------
    module : torch.nn.Sequential
        Linear – ReLU – Linear – Tanh (or Linear – Tanh), on standardised features.
    offset : ndarray of shape (n_features,) or None
        Features are log(distance + offset) when set (``log=True``).
    mean, scale : ndarray of shape (n_features,)
        The standardisation, fitted on the victim's training embeddings.
    sort : bool
        Each norm's block sorted (:func:`embedding_features`).
    losses : ndarray
        The training loss at every epoch.
    n_private, n_public : int
        Embeddings it was trained on.
    """

    module: Any = field(repr=False)
    offset: np.ndarray | None = field(repr=False)
    mean: np.ndarray = field(repr=False)
    scale: np.ndarray = field(repr=False)
    sort: bool
    loss: str
    losses: np.ndarray = field(repr=False)
    n_private: int
    n_public: int

    def score(self, embeddings: Any) -> np.ndarray:
        """Scores ``(n_samples,)`` in (−1, 1): near −1 looks private, near +1 public."""
        import torch

        X = embedding_features(embeddings, sort=self.sort, nonnegative=self.offset is not None)
        if X.shape[1] != len(self.mean):
            raise ValueError(
                f"The embeddings have {X.shape[1]} features; this regressor was trained on "
                f"{len(self.mean)}."
            )
        if self.offset is not None:
            X = np.log(X + self.offset)
        X = torch.as_tensor((X - self.mean) / self.scale, dtype=torch.float32)
        with torch.no_grad():
            return self.module(X).squeeze(1).double().numpy()


def train_regressor(
    private: Any,
    public: Any,
    *,
    hidden: int = 100,
    epochs: int = 1000,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    loss: str = "margin",
    sort: bool = True,
    log: bool = True,
    rng: int | np.random.Generator | None = None,
) -> ConfidenceRegressor:
    """Train the confidence regressor on the victim's private and public embeddings.

    Maini et al. (2021), §5: Linear(n_features, ``hidden``) – ReLU –
    Linear(``hidden``, 1) – Tanh, trained full-batch with Adam for ``epochs``
    to output −1 on private and +1 on public embeddings. Features are
    standardised with the mean and standard deviation of these training
    embeddings, and the same transform is applied to every suspect's.

    Parameters
    ----------
    private, public : Embedding or array-like
        The victim model's embeddings of private (training) and public samples;
        keep the samples used to test suspects out of these.
    hidden : int, default=100
        Hidden units; 0 for a linear regressor, Linear(n_features, 1) – Tanh.
    epochs : int, default=1000
    lr, weight_decay : float
        Adam's learning rate and (L2) weight decay.
    loss : {"margin", "bce"}, default="margin"
        See :data:`REGRESSOR_LOSSES`.
    sort : bool, default=True
        Sort each norm's block (:func:`embedding_features`).
    log : bool, default=True
        Use log(distance + offset), offset 1/100 of each feature's median
        positive value on these embeddings: distances are positive and skewed
        over orders of magnitude. With ``log=False`` the features may be any
        finite numbers.
    rng : int, Generator or None
        The initial weights.

    Returns
    -------
    ConfidenceRegressor
    """
    import torch
    from torch import nn

    hidden = check_int(hidden, "hidden", minimum=0)
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_positive(lr, "lr")
    if weight_decay != 0:
        weight_decay = check_positive(weight_decay, "weight_decay")
    loss = check_choice(loss, "loss", REGRESSOR_LOSSES)
    a = embedding_features(private, sort=sort, nonnegative=log)
    b = embedding_features(public, sort=sort, nonnegative=log)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"The private and public embeddings must have the same number of features. "
            f"Got {a.shape[1]} and {b.shape[1]}."
        )
    if len(a) < 2 or len(b) < 2:
        raise ValueError(
            f"Need at least 2 private and 2 public embeddings. Got {len(a)} and {len(b)}."
        )
    X = np.concatenate([a, b])
    offset = _log_offset(X) if log else None
    if log:
        X = np.log(X + offset)
    mean, scale = X.mean(0), X.std(0)
    scale = np.where(scale > 0, scale, 1.0)
    Xt = torch.as_tensor((X - mean) / scale, dtype=torch.float32)
    target = torch.cat([-torch.ones(len(a)), torch.ones(len(b))])
    # each class weighs the same, whatever the sizes
    weight = torch.cat([torch.full((len(a),), 0.5 / len(a)), torch.full((len(b),), 0.5 / len(b))])

    g = torch.Generator().manual_seed(int(check_rng(rng).integers(2**62)))
    with torch.random.fork_rng(devices=[]):
        if hidden:
            module = nn.Sequential(nn.Linear(X.shape[1], hidden), nn.ReLU(),
                                   nn.Linear(hidden, 1), nn.Tanh())
        else:
            module = nn.Sequential(nn.Linear(X.shape[1], 1), nn.Tanh())
    with torch.no_grad():
        for layer in (m for m in module if isinstance(m, nn.Linear)):
            bound = 1.0 / np.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=weight_decay)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        out = module(Xt).squeeze(1)
        if loss == "margin":
            value = -(weight * target * out).sum()
        else:
            p = ((out + 1) / 2).clamp(1e-6, 1 - 1e-6)
            t = (target + 1) / 2
            value = -(weight * (t * p.log() + (1 - t) * (1 - p).log())).sum()
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        losses[epoch] = value.item()
    module.eval()
    return ConfidenceRegressor(module=module, offset=offset, mean=mean, scale=scale,
                               sort=bool(sort), loss=loss, losses=losses, n_private=len(a),
                               n_public=len(b))


@dataclass(frozen=True)
class DatasetInference:
    """Outcome of :func:`verify_dataset`: the test and the scores behind it."""

    test: OwnershipTest
    private_scores: np.ndarray = field(repr=False)
    public_scores: np.ndarray = field(repr=False)

    @property
    def delta_mean(self) -> float:
        """Mean public score minus mean private score (Δμ; positive points to theft)."""
        return self.test.delta_mean

    @property
    def p_value(self) -> float:
        return self.test.p_value

    @property
    def verdict(self) -> str:
        return self.test.verdict

    def __str__(self) -> str:
        return str(self.test)


def verify_dataset(
    regressor: ConfidenceRegressor,
    private: Any,
    public: Any,
    *,
    m: int | None = None,
    significance: float = 0.01,
    rng: int | np.random.Generator | None = None,
) -> DatasetInference:
    """Dataset inference on a suspect: Δμ, p-value and verdict from its embeddings.

    Maini et al. (2021), §5: score the suspect model's embeddings of private
    and public samples (not those the regressor was trained on) and test with a
    one-sided Welch t-test that the private scores are lower.

    Parameters
    ----------
    regressor : ConfidenceRegressor
        From :func:`train_regressor` on the victim's embeddings.
    private, public : Embedding or array-like
        The suspect's embeddings of held-out private and public samples.
    m : int, optional
        Test on ``m`` private and ``m`` public samples drawn at random (the
        paper's m); default: all of them.
    significance : float, default=0.01
    rng : int, Generator or None
        Draws the m samples.

    Returns
    -------
    DatasetInference
    """
    if not isinstance(regressor, ConfidenceRegressor):
        raise TypeError(
            "The 'regressor' parameter must be a ConfidenceRegressor (from train_regressor). "
            f"Got {type(regressor).__name__}."
        )
    a, b = regressor.score(private), regressor.score(public)
    if m is not None:
        m = check_int(m, "m", minimum=2, maximum=min(len(a), len(b)))
        rng = check_rng(rng)
        a = a[rng.choice(len(a), m, replace=False)]
        b = b[rng.choice(len(b), m, replace=False)]
    test = ownership_test(a, b, alternative="less", significance=significance)
    return DatasetInference(test=test, private_scores=a, public_scores=b)
