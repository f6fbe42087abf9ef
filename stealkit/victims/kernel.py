"""Kernel logistic regression: the victim whose representers are training points.

:class:`KernelLogisticRegression` is multinomial logistic regression on RBF
kernel features, whose representers are training points (the model of
Tramèr et al. 2016, §4.1.3, Figure 2). It answers ``predict_proba``, so it
goes straight into :meth:`stealkit.Oracle.from_sklearn`. It is the owner's
model: nothing here is known to the attacker except what an attack says.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

from stealkit._validation import check_int, check_positive
from stealkit.victims._checks import check_Xy

__all__ = ["KernelLogisticRegression", "rbf_kernel"]


def rbf_kernel(X, Y, gamma: float) -> np.ndarray:
    """K(x, y) = exp(−γ‖x − y‖²) for every row of ``X`` against every row of ``Y``."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    sq = (X**2).sum(1)[:, None] + (Y**2).sum(1)[None, :] - 2.0 * X @ Y.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


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
        gamma = check_positive(self.gamma, "gamma")
        C = check_positive(self.C, "C")
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        X, codes, classes = check_Xy(X, y)
        n, c = len(X), len(classes)
        if self.n_representers is None:
            R = X
        else:
            s = check_int(self.n_representers, "n_representers", minimum=1)
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
