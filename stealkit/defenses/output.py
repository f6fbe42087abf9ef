"""Output defences: perturb what a prediction API reveals (Tramèr et al. §6).

Threat model: the owner keeps the model but changes each answer before it
leaves the API. The attacker still sees every (defended) answer and pays per
query. Each defence is a small callable from a batch of probability vectors,
shape ``(n_queries, n_classes)``, to a batch of the same shape, so that they
can be stacked in ``Oracle(..., defenses=[...])`` and compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from stealkit._validation import check_int, check_positive

__all__ = ["LabelsOnly", "ReverseSigmoid", "Rounding", "TopK"]


def _check_proba(P) -> np.ndarray:
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2:
        raise ValueError(
            f"An output defence needs a 2-D array of probability vectors. Got shape {P.shape}."
        )
    return P


@dataclass(frozen=True)
class Rounding:
    """Round every probability to ``decimals`` decimal places (Figure 7)."""

    decimals: int

    def __post_init__(self):
        check_int(self.decimals, "decimals", minimum=0)

    def __call__(self, P) -> np.ndarray:
        return np.round(_check_proba(P), self.decimals)


@dataclass(frozen=True)
class TopK:
    """Reveal only the ``k`` largest probabilities; the others read as 0."""

    k: int

    def __post_init__(self):
        check_int(self.k, "k", minimum=1)

    def __call__(self, P) -> np.ndarray:
        P = _check_proba(P)
        if self.k >= P.shape[1]:
            return P.copy()
        # Stable sort so that ties keep the lower class index, like argmax.
        order = np.argsort(-P, axis=1, kind="stable")
        keep = np.zeros_like(P, dtype=bool)
        np.put_along_axis(keep, order[:, : self.k], True, axis=1)
        return np.where(keep, P, 0.0)


@dataclass(frozen=True)
class LabelsOnly:
    """Reveal only the top-1 class, as a one-hot probability vector."""

    def __call__(self, P) -> np.ndarray:
        P = _check_proba(P)
        out = np.zeros_like(P)
        out[np.arange(len(P)), P.argmax(axis=1)] = 1.0
        return out


@dataclass(frozen=True)
class ReverseSigmoid:
    """Push every probability through a reverse sigmoid, then renormalise (Lee et al. 2019).

    Lee, Edwards, Molloy and Srivastava, "Defending against NN model stealing
    attacks using deceptive perturbations" (IEEE S&P Workshops 2019):
    ``q = α (p − β [σ(γ σ⁻¹(p)) − ½])``, with α renormalising each row. The
    perturbation is zero at ½ and grows towards 0 and 1, so the logits an
    attacker reads off ``q`` (``log q``, as equation solving does) are not a
    linear function of the input any more. With two classes, ``β < 1`` and
    ``γ <= 1`` the returned label never changes; with more classes it can,
    rarely, between near-equal classes.

    Parameters
    ----------
    beta : float
        Strength β > 0 of the perturbation.
    gamma : float
        Slope γ > 0 of the inner sigmoid.
    """

    beta: float
    gamma: float

    def __post_init__(self):
        check_positive(self.beta, "beta")
        check_positive(self.gamma, "gamma")

    def __call__(self, P) -> np.ndarray:
        P = _check_proba(P)
        p = np.clip(P, 1e-12, 1 - 1e-12)
        logit = np.log(p) - np.log1p(-p)
        r = self.beta * (expit(self.gamma * logit) - 0.5)
        q = np.clip(P - r, 0.0, None)
        total = q.sum(axis=1, keepdims=True)
        # small probabilities are pushed up (towards beta / 2), so a row sums to > 0 unless
        # it was all zeros to begin with; such a row is returned as it came
        return np.where(total > 0, q / np.where(total > 0, total, 1.0), P)
