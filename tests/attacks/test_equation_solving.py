import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.equation_solving import (
    EquationSolvingResult,
    LinearModel,
    _hessian,
    _loss_and_grad,
    extract_logistic,
    extract_softmax,
)
from stealkit.metrics import fidelity


def logistic_oracle(w, b, **kwargs):
    """A binary LR victim written out by hand (the reference the attack must match)."""

    def predict(X):
        p = expit(X @ w + b)
        return np.column_stack([1 - p, p])

    return Oracle(predict, n_features=len(w), classes=["no", "yes"], **kwargs)


def linear_oracle(W, b, kind, **kwargs):
    def predict(X):
        Z = X @ W.T + b
        if kind == "softmax":
            return softmax(Z, axis=1)
        S = expit(Z)
        return S / S.sum(axis=1, keepdims=True)

    return Oracle(predict, n_features=W.shape[1], classes=np.arange(len(W)), **kwargs)


# ---------------------------------------------------------------------------- binary LR
@pytest.mark.parametrize("seed", range(5))
def test_logistic_recovered_exactly_with_d_plus_1_queries(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 60))
    # Logits of moderate size: a probability within 1e-13 of 1 would carry few digits of 1 - p.
    w, b = rng.normal(0, 1, d), rng.normal()
    oracle = logistic_oracle(w, b)
    result = extract_logistic(oracle, n_features=d, rng=seed)
    assert isinstance(result, EquationSolvingResult)
    assert result.n_queries == oracle.n_queries == d + 1 == result.n_unknowns
    np.testing.assert_allclose(result.model.coef_[0], w, atol=1e-6)
    np.testing.assert_allclose(result.model.intercept_[0], b, atol=1e-6)
    assert result.queries.shape == (d + 1, d) and result.answers.shape == (d + 1, 2)
    assert result.loss < 1e-9
    X = rng.uniform(-1, 1, (200, d))
    np.testing.assert_allclose(result.model.predict_proba(X), oracle._predict(X), atol=1e-9)
    assert set(result.model.predict(X)) <= {"no", "yes"}


def test_logistic_least_squares_with_more_queries():
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=8), 0.3
    result = extract_logistic(logistic_oracle(w, b), n_features=8, n_queries=50, rng=1)
    assert result.n_queries == 50
    np.testing.assert_allclose(result.model.coef_[0], w, atol=1e-9)


def test_logistic_from_sklearn_victim_and_sampler():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 5))
    y = (X @ rng.normal(size=5) > 0).astype(int)
    victim = LogisticRegression().fit(X, y)

    def sampler(n, rng):
        return rng.normal(size=(n, 5))

    result = extract_logistic(Oracle.from_sklearn(victim), n_features=5, sampler=sampler, rng=0)
    np.testing.assert_allclose(result.model.coef_, victim.coef_, atol=1e-6)
    np.testing.assert_allclose(result.model.intercept_, victim.intercept_, atol=1e-6)


def test_logistic_rounding_degrades_gracefully():
    rng = np.random.default_rng(3)
    d = 10
    w, b = rng.normal(0, 1.5, d), 0.2
    X = rng.uniform(-1, 1, (2000, d))
    errors, agree = [], []
    for decimals in (5, 4, 3, 2):
        oracle = logistic_oracle(w, b, decimals=decimals)
        result = extract_logistic(oracle, n_features=d, n_queries=20 * (d + 1), rng=0)
        errors.append(np.abs(result.model.coef_[0] - w).max())
        agree.append(np.mean((X @ w + b > 0) == (result.model.decision_function(X) > 0)))
    assert errors == sorted(errors), errors  # coarser answers, larger error
    assert errors[0] < 1e-3
    assert agree[0] > 0.999 and min(agree) > 0.97, agree


def test_logistic_survives_answers_rounded_to_zero_and_one():
    w = np.array([20.0, -15.0, 8.0])
    oracle = logistic_oracle(w, 0.0, decimals=2)
    result = extract_logistic(oracle, n_features=3, n_queries=200, rng=0)
    assert np.all(np.isfinite(result.model.coef_))
    X = np.random.default_rng(0).uniform(-1, 1, (2000, 3))
    agree = np.mean((X @ w > 0) == (result.model.decision_function(X) > 0))
    assert agree > 0.97


# ---------------------------------------------------------------------------- softmax / OvR
@pytest.mark.parametrize("kind", ["softmax", "ovr"])
def test_softmax_and_ovr_recovered_from_few_queries(kind):
    rng = np.random.default_rng(4)
    c, d = 4, 6
    W, b = rng.normal(0, 2, (c, d)), rng.normal(0, 1, c)
    oracle = linear_oracle(W, b, kind)
    result = extract_softmax(oracle, n_features=d, n_classes=c, n_queries=2 * (d + 1),
                             kind=kind, rng=0)
    assert result.n_queries == 14 and result.n_unknowns == c * (d + 1)
    assert result.model.kind == kind and result.loss < 1e-9
    X = rng.uniform(-1, 1, (5000, d))
    np.testing.assert_allclose(result.model.predict_proba(X), oracle._predict(X), atol=1e-5)


def test_softmax_on_iris_victim_fidelity():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    for kind, victim in (("softmax", LogisticRegression(max_iter=1000)),
                         ("ovr", OneVsRestClassifier(LogisticRegression()))):
        victim.fit(X, y)
        oracle = Oracle.from_sklearn(victim)
        result = extract_softmax(oracle, n_features=4, n_classes=3, n_queries=15, kind=kind,
                                 low=-3, high=3, rng=1)
        assert result.n_queries == 15
        grid = np.random.default_rng(0).uniform(-3, 3, (10_000, 4))
        assert fidelity(victim, result.model, grid) >= 0.999
        assert fidelity(victim, result.model, X) == 1.0
        np.testing.assert_array_equal(result.model.classes_, victim.classes_)


def test_softmax_rounding_error_grows_as_decimals_shrink():
    rng = np.random.default_rng(5)
    c, d = 3, 5
    W, b = rng.normal(0, 2, (c, d)), rng.normal(0, 1, c)
    X = rng.uniform(-1, 1, (5000, d))
    truth = softmax(X @ W.T + b, axis=1)
    gaps = []
    for decimals in (5, 3, 1):
        oracle = linear_oracle(W, b, "softmax", decimals=decimals)
        result = extract_softmax(oracle, n_features=d, n_classes=c, n_queries=100, rng=0)
        gaps.append(np.abs(result.model.predict_proba(X) - truth).max())
        assert np.mean(result.model.predict(X) == truth.argmax(1)) > 0.9
    assert gaps == sorted(gaps), gaps


@pytest.mark.parametrize("kind", ["softmax", "ovr"])
def test_gradient_and_hessian_against_finite_differences(kind):
    rng = np.random.default_rng(8)
    n, d, c = 7, 3, 4
    X1 = np.hstack([rng.normal(size=(n, d)), np.ones((n, 1))])
    P = rng.dirichlet(np.ones(c), n)
    args = (X1, P, np.log(P), kind, 0.1)
    theta = rng.normal(size=c * (d + 1))
    eps = 1e-6
    E = np.eye(theta.size) * eps
    num_grad = [(_loss_and_grad(theta + e, *args)[0] - _loss_and_grad(theta - e, *args)[0])
                / (2 * eps) for e in E]
    np.testing.assert_allclose(_loss_and_grad(theta, *args)[1], num_grad, atol=1e-7)
    num_hess = [(_loss_and_grad(theta + e, *args)[1] - _loss_and_grad(theta - e, *args)[1])
                / (2 * eps) for e in E]
    np.testing.assert_allclose(_hessian(theta, *args), num_hess, atol=1e-6)


def test_linear_model_matches_sklearn():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(200, 3)), rng.integers(0, 3, 200)
    lr = LogisticRegression().fit(X, y)
    model = LinearModel(lr.coef_, lr.intercept_, lr.classes_, kind="softmax")
    np.testing.assert_allclose(model.predict_proba(X), lr.predict_proba(X), atol=1e-12)
    ovr = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    W = np.vstack([e.coef_ for e in ovr.estimators_])
    b = np.concatenate([e.intercept_ for e in ovr.estimators_])
    model = LinearModel(W, b, ovr.classes_, kind="ovr")
    np.testing.assert_allclose(model.predict_proba(X), ovr.predict_proba(X), atol=1e-12)
    assert "ovr" in repr(model)
    with pytest.raises(ValueError, match="'kind'"):
        LinearModel(W, b, ovr.classes_, kind="tree")


# ---------------------------------------------------------------------------- invariants
def test_same_rng_same_result():
    rng = np.random.default_rng(7)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    a = extract_softmax(linear_oracle(W, b, "softmax"), n_features=4, n_classes=3,
                        n_queries=10, rng=3)
    c = extract_softmax(linear_oracle(W, b, "softmax"), n_features=4, n_classes=3,
                        n_queries=10, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.queries, c.queries)
    np.testing.assert_array_equal(a.model.coef_, c.model.coef_)
    r1 = extract_logistic(logistic_oracle(W[0], 0.0), n_features=4, rng=5)
    r2 = extract_logistic(logistic_oracle(W[0], 0.0), n_features=4, rng=5)
    np.testing.assert_array_equal(r1.queries, r2.queries)


def test_budget_checked_before_any_query():
    oracle = logistic_oracle(np.ones(5), 0.0, budget=5)
    with pytest.raises(QueryBudgetExceeded):
        extract_logistic(oracle, n_features=5)
    assert oracle.n_queries == 0
    oracle = linear_oracle(np.ones((3, 5)), np.zeros(3), "softmax", budget=19)
    with pytest.raises(QueryBudgetExceeded):
        extract_softmax(oracle, n_features=5, n_classes=3, n_queries=20)
    assert oracle.n_queries == 0
    result = extract_softmax(oracle, n_features=5, n_classes=3, n_queries=19)
    assert result.n_queries == 19 and oracle.remaining == 0


def test_result_is_frozen():
    result = extract_logistic(logistic_oracle(np.ones(2), 0.0), n_features=2, rng=0)
    with pytest.raises(AttributeError):
        result.n_queries = 0


LOGISTIC_BAD = [
    (dict(oracle="not an oracle"), TypeError, "'oracle'"),
    (dict(n_features=3), ValueError, "'n_features'.*match"),
    (dict(n_features=2.0), TypeError, "'n_features'"),
    (dict(n_queries=4), ValueError, "'n_queries'.*>= 6"),
    (dict(n_queries="10"), TypeError, "'n_queries'"),
    (dict(low=1.0, high=0.0), ValueError, "'low' < 'high'"),
    (dict(low=np.nan), ValueError, "'low'"),
    (dict(sampler=3), TypeError, "'sampler'"),
    (dict(rng="seed"), ValueError, "'rng'"),
    (dict(sampler=lambda n, rng: np.zeros((n, 3))), ValueError, "'sampler' must return"),
]


@pytest.mark.parametrize("bad, error, match", LOGISTIC_BAD)
def test_logistic_bad_arguments_cost_nothing(bad, error, match):
    oracle = logistic_oracle(np.ones(5), 0.0)
    kwargs = dict(oracle=oracle, n_features=5)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        extract_logistic(kwargs.pop("oracle"), **kwargs)
    assert oracle.n_queries == 0


def test_logistic_needs_probabilities_and_two_classes():
    label = Oracle(lambda X: np.zeros(len(X)), n_features=2, output="label")
    with pytest.raises(ValueError, match="output='proba'"):
        extract_logistic(label, n_features=2)
    three = linear_oracle(np.ones((3, 2)), np.zeros(3), "softmax")
    with pytest.raises(ValueError, match="'n_classes'"):
        extract_logistic(three, n_features=2)
    assert three.n_queries == 0


SOFTMAX_BAD = [
    (dict(n_classes=4), ValueError, "'n_classes'.*match"),
    (dict(n_classes=1), ValueError, "'n_classes'.*>= 2"),
    (dict(n_queries=0), ValueError, "'n_queries'"),
    (dict(kind="svm"), ValueError, "'kind'.*'softmax', 'ovr'"),
    (dict(l2=-1.0), ValueError, "'l2'"),
    (dict(l2="tiny"), TypeError, "'l2'"),
    (dict(max_iter=0), ValueError, "'max_iter'"),
    (dict(high=-2.0), ValueError, "'low' < 'high'"),
    (dict(rng=-1), ValueError, "'rng'"),
]


@pytest.mark.parametrize("bad, error, match", SOFTMAX_BAD)
def test_softmax_bad_arguments_cost_nothing(bad, error, match):
    oracle = linear_oracle(np.ones((3, 4)), np.zeros(3), "softmax")
    kwargs = dict(n_features=4, n_classes=3, n_queries=10)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        extract_softmax(oracle, **kwargs)
    assert oracle.n_queries == 0
