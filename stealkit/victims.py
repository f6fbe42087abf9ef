"""Small victim models that scikit-learn does not provide.

- :class:`KernelLogisticRegression`: multinomial logistic regression on RBF
  kernel features, whose representers are training points (the model of
  Tramèr et al. 2016, §4.1.3, Figure 2).
- :class:`FeaturePipeline`: the feature extraction of Amazon Machine Learning
  (Tramèr et al. 2016, §4.2): categorical inputs one-hot encoded, numeric ones
  quantile-binned (or kept linear), then logistic regression.

Both take raw inputs and answer ``predict_proba``, so they go straight into
:meth:`stealkit.Oracle.from_sklearn`. They are the owner's models: nothing
here is known to the attacker except what an attack says.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

__all__ = ["KernelLogisticRegression", "FeaturePipeline", "rbf_kernel"]


def rbf_kernel(X, Y, gamma: float) -> np.ndarray:
    """K(x, y) = exp(−γ‖x − y‖²) for every row of ``X`` against every row of ``Y``."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    sq = (X**2).sum(1)[:, None] + (Y**2).sum(1)[None, :] - 2.0 * X @ Y.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < np.inf:
        raise ValueError(
            f"The '{name}' parameter must be a positive number. Got {value!r} instead."
        )
    return float(value)


def _check_count(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(
            f"The '{name}' parameter must be an int >= {minimum}. Got {value!r} instead."
        )
    return int(value)


def _check_Xy(X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(
            f"'X' must be 2-D and 'y' hold one label per row. Got shapes {X.shape} and {y.shape}."
        )
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"'y' must hold at least two classes. Got {classes.tolist()}.")
    return X, codes, classes


class KernelLogisticRegression:
    """Multinomial logistic regression with an RBF kernel.

    f(x) = softmax(Σ_r α_r K(x, x_r) + β), where the representers x_r are
    training points (all of them, or a random subset) and K(x, x') =
    exp(−γ‖x − x'‖²). Fitted by L-BFGS on the mean cross-entropy plus
    ‖α‖² / (2 C n).

    Parameters
    ----------
    gamma : float, default=1.0
        Width of the kernel.
    C : float, default=1.0
        Inverse strength of the L2 penalty.
    n_representers : int, optional
        Keep this many training points as representers (drawn at random);
        all of them by default.
    max_iter : int, default=2000
        Iterations of L-BFGS.
    random_state : int, optional
        Seeds the choice of representers.

    Attributes
    ----------
    representers_ : ndarray of shape (s, d)
    dual_coef_ : ndarray of shape (s, c)
        The α_r, one row per representer.
    intercept_ : ndarray of shape (c,)
    classes_ : ndarray of shape (c,)
    """

    def __init__(self, *, gamma: float = 1.0, C: float = 1.0, n_representers: int | None = None,
                 max_iter: int = 2000, random_state: int | None = None):
        self.gamma = gamma
        self.C = C
        self.n_representers = n_representers
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y) -> KernelLogisticRegression:
        gamma = _check_positive(self.gamma, "gamma")
        C = _check_positive(self.C, "C")
        max_iter = _check_count(self.max_iter, "max_iter")
        X, codes, classes = _check_Xy(X, y)
        n, c = len(X), len(classes)
        if self.n_representers is None:
            R = X
        else:
            s = _check_count(self.n_representers, "n_representers")
            if s > n:
                raise ValueError(
                    f"The 'n_representers' parameter must be at most the number of training "
                    f"rows ({n}). Got {s} instead."
                )
            R = X[np.random.default_rng(self.random_state).choice(n, s, replace=False)]
        K = rbf_kernel(X, R, gamma)
        Y = np.eye(c)[codes]
        s = len(R)

        def loss(theta):
            alpha, beta = theta[: s * c].reshape(s, c), theta[s * c:]
            logQ = log_softmax(K @ alpha + beta, axis=1)
            G = (np.exp(logQ) - Y) / n
            value = -np.sum(Y * logQ) / n + np.sum(alpha**2) / (2 * C * n)
            grad = np.concatenate([(K.T @ G + alpha / (C * n)).ravel(), G.sum(0)])
            return value, grad

        opt = minimize(loss, np.zeros(s * c + c), jac=True, method="L-BFGS-B",
                       options={"maxiter": max_iter})
        self.representers_ = R.copy()
        self.dual_coef_ = opt.x[: s * c].reshape(s, c)
        self.intercept_ = opt.x[s * c:]
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        K = rbf_kernel(X, self.representers_, self.gamma)
        return K @ self.dual_coef_ + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


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
        n_bins = _check_count(self.n_bins, "n_bins", minimum=2)
        from sklearn.linear_model import LogisticRegression

        X, _, _ = _check_Xy(X_raw, y)
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
