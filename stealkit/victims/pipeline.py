"""Amazon-style feature pipelines: the victims of feature-extraction reverse engineering.

:class:`FeaturePipeline` is the feature extraction of Amazon Machine Learning
(Tramèr et al. 2016, §4.2): categorical inputs one-hot encoded, numeric ones
quantile-binned (or kept linear), then logistic regression. It takes raw
inputs and answers ``predict_proba``, so it goes straight into
:meth:`stealkit.Oracle.from_sklearn`. It is the owner's model: nothing here
is known to the attacker except what an attack says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stealkit._validation import check_int
from stealkit.victims._checks import check_Xy

__all__ = ["FeaturePipeline", "ENCODINGS", "encode"]

ENCODINGS = ("one-hot", "quantile", "linear")


class FeaturePipeline:
    """Amazon-style feature extraction, then (multinomial) logistic regression.

    Raw inputs have one column per :class:`~stealkit.datasets.Feature`:
    a categorical feature is an integer code and is one-hot encoded; a
    continuous one is either quantile-binned (``n_bins`` bins with edges at
    the training quantiles, then one-hot encoded: the feature's effect is a
    step function) or kept linear (scaled to [-1, 1] by its range).

    Parameters
    ----------
    features : sequence of Feature
        The raw features (``dataset.features`` of a raw data set).
    binned : sequence of str, optional
        Names of the continuous features to quantile-bin; default all of them.
    n_bins : int, default=10
        Quantile bins per binned feature (fewer when quantiles coincide).
    C : float, default=1.0
        Inverse L2 strength of the logistic regression.
    max_iter : int, default=2000

    Attributes
    ----------
    encodings_ : dict of str to str
        ``"one-hot"``, ``"quantile"`` or ``"linear"`` for each feature.
    edges_ : dict of str to ndarray
        The bin edges of each binned feature: a value x falls in bin
        ``np.searchsorted(edges, x, side="right")``.
    model_ : sklearn.linear_model.LogisticRegression
        The model on the extracted features.
    """

    def __init__(self, features: Sequence[Any], *, binned: Sequence[str] | None = None,
                 n_bins: int = 10, C: float = 1.0, max_iter: int = 2000):
        self.features = features
        self.binned = binned
        self.n_bins = n_bins
        self.C = C
        self.max_iter = max_iter

    def _layout(self) -> dict[str, str]:
        continuous = [f.name for f in self.features if f.kind == "continuous"]
        binned = continuous if self.binned is None else list(self.binned)
        unknown = sorted(set(binned) - set(continuous))
        if unknown:
            raise ValueError(
                f"The 'binned' features must be continuous features of 'features'. Got {unknown}"
                f" (continuous: {continuous})."
            )
        return {
            f.name: "one-hot" if f.kind == "categorical"
            else ("quantile" if f.name in binned else "linear")
            for f in self.features
        }

    def transform(self, X_raw) -> np.ndarray:
        """The extracted features: one-hot blocks, bin indicators and scaled values."""
        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ValueError(
                f"'X_raw' must have shape (n, {len(self.features)}), one column per raw feature. "
                f"Got {X.shape}."
            )
        return encode(X, self.features, self.encodings_, self.edges_)

    def fit(self, X_raw, y) -> FeaturePipeline:
        n_bins = check_int(self.n_bins, "n_bins", minimum=2)
        from sklearn.linear_model import LogisticRegression

        X, _, _ = check_Xy(X_raw, y)
        self.encodings_ = self._layout()
        levels = np.arange(1, n_bins) / n_bins
        self.edges_ = {
            f.name: np.unique(np.quantile(X[:, j], levels))
            for j, f in enumerate(self.features)
            if self.encodings_[f.name] == "quantile"
        }
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.model_.fit(self.transform(X), np.asarray(y))
        self.classes_ = self.model_.classes_
        self.n_features_in_ = len(self.features)
        return self

    def predict_proba(self, X_raw) -> np.ndarray:
        return self.model_.predict_proba(self.transform(X_raw))

    def predict(self, X_raw) -> np.ndarray:
        return self.model_.predict(self.transform(X_raw))


def encode(X: np.ndarray, features: Sequence[Any], encodings: dict[str, str],
           edges: dict[str, np.ndarray]) -> np.ndarray:
    """Apply a feature layout (encodings and bin edges) to raw rows."""
    blocks = []
    for j, f in enumerate(features):
        x = X[:, j]
        how = encodings[f.name]
        if how == "one-hot":
            blocks.append(np.eye(len(f.values))[x.astype(np.intp)])
        elif how == "quantile":
            e = edges[f.name]
            blocks.append(np.eye(len(e) + 1)[np.searchsorted(e, x, side="right")])
        elif f.high > f.low:
            blocks.append((2.0 * (x - f.low) / (f.high - f.low) - 1.0)[:, None])
        else:
            blocks.append(np.zeros((len(x), 1)))
    return np.hstack(blocks)
