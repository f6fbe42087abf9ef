import numpy as np
import pytest

from stealkit.victims import KernelLogisticRegression, rbf_kernel


def test_victim_is_a_kernel_model_of_its_training_points(tiny_klr):
    victim, X = tiny_klr()
    assert victim.representers_.shape == (3, 2)
    # Every representer is a training point.
    assert all(np.any(np.all(X == r, axis=1)) for r in victim.representers_)
    K = rbf_kernel(X, victim.representers_, 2.0)
    Z = K @ victim.dual_coef_ + victim.intercept_
    np.testing.assert_allclose(victim.decision_function(X), Z)
    np.testing.assert_allclose(victim.predict_proba(X).sum(1), 1.0)
    full = KernelLogisticRegression(gamma=2.0).fit(X, (X[:, 0] > 0).astype(int))
    assert full.representers_.shape == (40, 2)
    assert np.mean(full.predict(X) == (X[:, 0] > 0)) > 0.9


def test_rbf_kernel_against_a_double_loop():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    K = np.array([[np.exp(-0.7 * np.sum((x - y) ** 2)) for y in Y] for x in X])
    np.testing.assert_allclose(rbf_kernel(X, Y, 0.7), K, atol=1e-12)


VICTIM_BAD = [
    (dict(gamma=-1.0), "'gamma'"),
    (dict(C=0), "'C'"),
    (dict(n_representers=100), "'n_representers'.*at most"),
    (dict(max_iter=0), "'max_iter'"),
]


@pytest.mark.parametrize("bad, match", VICTIM_BAD)
def test_victim_bad_arguments(bad, match):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match=match):
        KernelLogisticRegression(**bad).fit(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match="two classes"):
        KernelLogisticRegression().fit(X, np.zeros(10))
