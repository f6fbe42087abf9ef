"""A victim trained with differential privacy: softmax regression by DP-SGD (opacus).

The lecture names differential privacy of the parameters among the defences
of a prediction API. DP-SGD (Abadi et al. 2016, through the ``opacus``
library) clips each example's gradient and adds Gaussian noise, so that the
released parameters are (ε, δ)-differentially private with respect to any
one training record. It bounds what the model, and so any copy of it, tells
about the training data; it does nothing against copying the model itself.
Threat model: the attacker queries the deployed model as before; the owner
chose ε.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from stealkit._torch import torch_generator
from stealkit._validation import check_int, check_positive, check_rng
from stealkit.victims._checks import check_Xy

__all__ = ["PrivateSoftmax", "train_private_softmax"]


class PrivateSoftmax:
    """A fitted softmax regression (like scikit-learn's), with the privacy it spent.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray
    classes_ : ndarray
    n_features_in_ : int
    epsilon_ : float
        The ε spent (``inf`` for a model trained without privacy).
    delta_ : float
        The δ of the guarantee.
    noise_multiplier_ : float
        The Gaussian noise's standard deviation, in units of ``max_grad_norm``.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, classes: np.ndarray, *, epsilon: float,
                 delta: float, noise_multiplier: float):
        if len(classes) == 2:  # as scikit-learn stores a binary model: one logit
            W, b = W[1:] - W[:1], b[1:] - b[:1]
        self.coef_, self.intercept_ = W, b
        self.classes_ = classes
        self.n_features_in_ = W.shape[1]
        self.epsilon_, self.delta_ = epsilon, delta
        self.noise_multiplier_ = noise_multiplier

    def decision_function(self, X: Any) -> np.ndarray:
        z = np.asarray(X, dtype=np.float64) @ self.coef_.T + self.intercept_
        return z.ravel() if len(self.classes_) == 2 else z

    def predict_proba(self, X: Any) -> np.ndarray:
        z = self.decision_function(X)
        if len(self.classes_) == 2:
            z = np.c_[np.zeros_like(z), z]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __repr__(self) -> str:
        eps = "∞ (no privacy)" if math.isinf(self.epsilon_) else f"{self.epsilon_:.3g}"
        return (f"PrivateSoftmax(n_features={self.n_features_in_}, "
                f"n_classes={len(self.classes_)}, epsilon={eps}, delta={self.delta_:.2g})")


def train_private_softmax(
    X: Any,
    y: Any,
    *,
    epsilon: float,
    delta: float | None = None,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 0.5,
    max_grad_norm: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> PrivateSoftmax:
    """Train softmax regression with DP-SGD at privacy budget (ε, δ).

    Opacus picks the noise that spends exactly ``epsilon`` over ``epochs``
    epochs of Poisson-sampled batches (its PRV accountant); ``epsilon=inf``
    trains the same model with the same optimiser, without clipping or noise,
    as the non-private baseline.

    Parameters
    ----------
    X, y : array-like
        Training data; features should be scaled (DP-SGD clips gradients).
    epsilon : float
        Privacy budget ε > 0, or ``math.inf``.
    delta : float, optional
        Default: ``1 / n_samples**1.1`` (below 1/n, as is customary).
    epochs, batch_size, lr, max_grad_norm : int, int, float, float
        Plain SGD; ``max_grad_norm`` is the per-example clipping bound C.
    rng : int, Generator or None
        Initial weights, batches and noise.

    Returns
    -------
    PrivateSoftmax
    """
    X, codes, classes = check_Xy(X, y)
    epsilon = check_positive(epsilon, "epsilon") if not (
        isinstance(epsilon, float) and math.isinf(epsilon) and epsilon > 0) else math.inf
    n = len(X)
    delta = 1.0 / n**1.1 if delta is None else check_positive(delta, "delta")
    if delta >= 1:
        raise ValueError(f"The 'delta' parameter must be below 1. Got {delta!r} instead.")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    max_grad_norm = check_positive(max_grad_norm, "max_grad_norm")
    g = torch_generator(check_rng(rng))

    model = nn.Linear(X.shape[1], len(classes)).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(model.weight.shape, generator=g, dtype=torch.float64)
                           * 0.01)
        model.bias.zero_()
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(codes))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, generator=g)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    noise = 0.0
    if math.isinf(epsilon):
        module, spent = model, math.inf
    else:
        from opacus import PrivacyEngine

        with warnings.catch_warnings():  # "secure RNG off": the course wants repeatable runs
            warnings.simplefilter("ignore", UserWarning)
            engine = PrivacyEngine(accountant="prv")
            module, optimizer, loader = engine.make_private_with_epsilon(
                module=model, optimizer=optimizer, data_loader=loader,
                target_epsilon=epsilon, target_delta=delta, epochs=epochs,
                max_grad_norm=max_grad_norm, noise_generator=g)
        noise = float(optimizer.noise_multiplier)
    with warnings.catch_warnings():  # opacus's hooks warn that inputs need no gradient
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(epochs):
            for xb, yb in loader:
                if len(xb) == 0:  # Poisson sampling can draw an empty batch
                    continue
                optimizer.zero_grad()
                loss_fn(module(xb), yb).backward()
                optimizer.step()
        if not math.isinf(epsilon):
            spent = float(engine.get_epsilon(delta))
    W = model.weight.detach().numpy().copy()
    b = model.bias.detach().numpy().copy()
    return PrivateSoftmax(W, b, classes, epsilon=spent, delta=delta, noise_multiplier=noise)
