import numpy as np
import pytest
from scipy.optimize import check_grad

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.kernel_leakage import (
    KernelExtractionResult,
    _objective,
    extract_kernel_lr,
    match_representers,
)


@pytest.mark.parametrize("loss", ["log_ratio", "cross_entropy"])
def test_objective_gradient(loss):
    rng = np.random.default_rng(0)
    n, d, c, s = 9, 3, 4, 2
    X = rng.normal(size=(n, d))
    P = rng.dirichlet(np.ones(c), n)
    logP = np.log(P)
    T = logP - logP.mean(1, keepdims=True)
    theta = rng.normal(size=s * (d + c) + c)
    args = (X, T, P, logP, loss, s, 0.7)
    assert check_grad(lambda t: _objective(t, *args)[0], lambda t: _objective(t, *args)[1],
                      theta) < 1e-5


def test_representers_leak_training_points(tiny_klr):
    victim, _ = tiny_klr()
    oracle = Oracle.from_sklearn(victim)
    result = extract_kernel_lr(oracle, n_features=2, n_classes=2, n_representers=3,
                               gamma=2.0, n_queries=50, rng=0)
    assert isinstance(result, KernelExtractionResult)
    assert result.n_queries == oracle.n_queries == 50
    assert result.n_unknowns == 3 * (2 + 2) + 2
    assert result.exact
    index, distance = match_representers(result.representers, victim.representers_)
    assert sorted(index) == [0, 1, 2]
    assert distance.max() < 1e-6  # the training points themselves, up to numerics
    X = np.random.default_rng(1).uniform(-1, 1, (2000, 2))
    np.testing.assert_allclose(result.model.predict_proba(X), victim.predict_proba(X),
                               atol=1e-6)


def test_fewer_representers_approximate(tiny_klr):
    victim, _ = tiny_klr()
    oracle = Oracle.from_sklearn(victim)
    result = extract_kernel_lr(oracle, n_features=2, n_classes=2, n_representers=1,
                               gamma=2.0, n_queries=50, n_restarts=2, rng=0)
    assert not result.exact and result.representers.shape == (1, 2)


def test_match_representers():
    true = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    found = np.array([[1.1, 1.0], [0.0, 0.1]])
    index, distance = match_representers(found, true)
    np.testing.assert_array_equal(index, [1, 0])
    np.testing.assert_allclose(distance, [0.1, 0.1])
    with pytest.raises(ValueError, match="t >= s"):
        match_representers(true, found)


def test_same_rng_same_result(tiny_klr):
    victim, _ = tiny_klr()
    kw = dict(n_features=2, n_classes=2, n_representers=3, gamma=2.0, n_queries=30,
              n_restarts=1, max_iter=200)
    a = extract_kernel_lr(Oracle.from_sklearn(victim), rng=4, **kw)
    b = extract_kernel_lr(Oracle.from_sklearn(victim), rng=np.random.default_rng(4), **kw)
    np.testing.assert_array_equal(a.representers, b.representers)


def test_budget_checked_before_any_query(tiny_klr):
    victim, _ = tiny_klr()
    oracle = Oracle.from_sklearn(victim, budget=10)
    with pytest.raises(QueryBudgetExceeded):
        extract_kernel_lr(oracle, n_features=2, n_classes=2, n_representers=3, gamma=2.0,
                          n_queries=11)
    assert oracle.n_queries == 0


BAD = [
    (dict(n_representers=0), ValueError, "'n_representers'"),
    (dict(gamma=0.0), ValueError, "'gamma'"),
    (dict(gamma="wide"), TypeError, "'gamma'"),
    (dict(n_queries=2), ValueError, "'n_queries'.*>= 3"),
    (dict(loss="hinge"), ValueError, "'loss'"),
    (dict(n_restarts=0), ValueError, "'n_restarts'"),
    (dict(max_iter=0), ValueError, "'max_iter'"),
    (dict(n_features=3), ValueError, "'n_features'"),
    (dict(n_classes=3), ValueError, "'n_classes'"),
    (dict(rng="x"), ValueError, "'rng'"),
]


@pytest.mark.parametrize("bad, error, match", BAD)
def test_bad_arguments_cost_nothing(bad, error, match, tiny_klr):
    victim, _ = tiny_klr()
    oracle = Oracle.from_sklearn(victim)
    kwargs = dict(n_features=2, n_classes=2, n_representers=3, gamma=2.0, n_queries=20)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        extract_kernel_lr(oracle, **kwargs)
    assert oracle.n_queries == 0
