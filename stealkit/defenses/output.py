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

from stealkit._validation import check_int

__all__ = ["LabelsOnly", "Rounding", "TopK"]


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
