"""An ensemble victim: several fitted models behind one API.

The lecture lists ensembles among the defences of a prediction API: the
answers no longer come from one model of a known family, so equation solving
has no single set of parameters to solve for, and a forest returns no leaf
identifier for path finding. The owner pays with every member's prediction
time. Threat model: the attacker queries the ensemble's answers only; it does
not know the members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stealkit._validation import check_choice

__all__ = ["Ensemble", "VOTING"]

VOTING = ("soft", "hard")


class Ensemble:
    """Average (``"soft"``) or vote (``"hard"``) the answers of fitted classifiers.

    Parameters
    ----------
    models : sequence of fitted classifiers
        Each with ``predict_proba`` and the same ``classes_`` and
        ``n_features_in_``.
    voting : {"soft", "hard"}, default="soft"
        ``"soft"`` returns the mean of the members' probabilities; ``"hard"``
        the fraction of members voting for each class (ties go to the lower
        class index, like ``argmax``).
    """

    def __init__(self, models: Sequence[Any], *, voting: str = "soft"):
        models = list(models)
        if len(models) < 2:
            raise ValueError(f"An ensemble needs at least two fitted models. Got {len(models)}.")
        for m in models:
            if not hasattr(m, "predict_proba") or not hasattr(m, "classes_"):
                raise TypeError("Every member must be a fitted classifier with predict_proba "
                                f"and classes_. Got {type(m).__name__}.")
        classes = [np.asarray(m.classes_) for m in models]
        if any(not np.array_equal(classes[0], c) for c in classes[1:]):
            raise ValueError("The members must share the same classes_. Got "
                             f"{[c.tolist() for c in classes]}.")
        widths = {getattr(m, "n_features_in_", None) for m in models}
        if len(widths) != 1 or None in widths:
            raise ValueError("The members must share n_features_in_. Got "
                             f"{sorted(widths, key=str)}.")
        self.models = models
        self.voting = check_choice(voting, "voting", VOTING)
        self.classes_ = classes[0]
        self.n_features_in_ = widths.pop()

    def predict_proba(self, X: Any) -> np.ndarray:
        P = np.stack([m.predict_proba(X) for m in self.models])
        if self.voting == "soft":
            return P.mean(axis=0)
        votes = P.argmax(axis=2)  # (n_models, n_samples)
        counts = np.stack([(votes == k).sum(axis=0) for k in range(len(self.classes_))], axis=1)
        return counts / len(self.models)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __repr__(self) -> str:
        names = ", ".join(type(m).__name__ for m in self.models)
        return f"Ensemble([{names}], voting={self.voting!r})"
