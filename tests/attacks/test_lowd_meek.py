import numpy as np
import pytest
from sklearn.preprocessing import PolynomialFeatures
from sklearn.svm import SVC

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.lowd_meek import LinearClassifier, line_search, lowd_meek


def linear_oracle(w, b, **kwargs):
    """A label API around sign(w·x + b), with fixed weights (no training involved)."""
    w = np.asarray(w, dtype=float)
    return Oracle(lambda X: (X @ w + b > 0).astype(int), n_features=len(w), output="label",
                  classes=[0, 1], **kwargs)


def cosine(u, v):
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


@pytest.mark.parametrize("d", [2, 5, 20, 60])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_random_linear_models(d, seed):
    rng = np.random.default_rng(100 + seed)
    w = rng.normal(size=d)
    b = rng.uniform(-0.3, 0.3) * np.abs(w).sum()  # the boundary crosses the box
    oracle = linear_oracle(w, b)
    result = lowd_meek(oracle, n_features=d, rng=seed)
    assert cosine(result.model.coef_[0], w) >= 0.9999
    assert cosine(np.r_[result.model.coef_[0], result.model.intercept_], np.r_[w, b]) >= 0.9999
    assert result.n_queries == oracle.n_queries == len(result.queries) == len(result.stage)
    # one line search of about log2(1/epsilon) queries per unknown
    assert (d + 1) * 10 < result.n_queries < (d + 1) * 40 + 50
    X = rng.uniform(-1, 1, size=(5000, d))
    assert np.mean(result.model.predict(X) == (X @ w + b > 0)) > 0.999


def test_boundary_points_are_epsilon_close_and_sign_is_the_victims():
    w, b = np.array([2.0, -1.0, 0.5]), 0.3
    result = lowd_meek(linear_oracle(w, b), n_features=3, epsilon=1e-4, rng=0)
    distance = np.abs(result.boundary @ w + b) / np.linalg.norm(w)
    assert distance.max() <= 1e-4
    assert result.model.predict(result.positive[None])[0] == 1
    assert result.model.predict(result.negative[None])[0] == 0
    np.testing.assert_allclose(np.linalg.norm(np.r_[result.model.coef_[0],
                                                    result.model.intercept_]), 1.0)


def test_coarser_epsilon_costs_fewer_queries():
    w, b = np.array([1.0, -2.0, 0.5, 0.0]), 0.1
    fine = lowd_meek(linear_oracle(w, b), n_features=4, epsilon=1e-8, rng=0)
    coarse = lowd_meek(linear_oracle(w, b), n_features=4, epsilon=1e-2, rng=0)
    assert coarse.n_queries < fine.n_queries
    assert cosine(fine.model.coef_[0], w) > 1 - 1e-12
    assert abs(fine.model.coef_[0][3]) < 1e-6  # a zero weight comes out (nearly) zero


def test_polynomial_kernel_through_its_feature_map():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = ((X**2).sum(axis=1) + 0.3 * X[:, 0] < 0.6).astype(int)
    victim = SVC(kernel="poly", degree=2, gamma=1.0, coef0=1.0, C=10).fit(X, y)
    result = lowd_meek(Oracle.from_sklearn(victim, output="label"), n_features=2, degree=2,
                       rng=0)
    # The victim is linear in the monomials x1, x2, x1², x1x2, x2²: its (w, b) in that space,
    # by least squares on its decision function, is the reference.
    U = rng.uniform(-1, 1, size=(2000, 2))
    Phi = PolynomialFeatures(2, include_bias=False).fit_transform(U)
    reference = np.linalg.lstsq(np.c_[Phi, np.ones(len(U))], victim.decision_function(U),
                                rcond=None)[0]
    assert cosine(np.r_[result.model.coef_[0], result.model.intercept_], reference) >= 0.9999
    np.testing.assert_allclose(result.model.transform(U), Phi)
    assert np.mean(result.model.predict(U) == victim.predict(U)) > 0.999


def test_reproducible_with_a_seed():
    w, b = np.array([1.0, 2.0, -1.0]), 0.2
    one = lowd_meek(linear_oracle(w, b), n_features=3, rng=7)
    two = lowd_meek(linear_oracle(w, b), n_features=3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(one.queries, two.queries)
    np.testing.assert_array_equal(one.model.coef_, two.model.coef_)


def test_string_labels_and_classes():
    w = np.array([1.0, -1.0])
    oracle = Oracle(lambda X: np.where(X @ w > 0.1, "spam", "ham"), n_features=2,
                    output="label", classes=["ham", "spam"])
    result = lowd_meek(oracle, n_features=2, rng=0)
    assert cosine(result.model.coef_[0], w) >= 0.9999
    assert set(result.model.predict(np.eye(2))) <= {"ham", "spam"}


def test_budget_runs_out():
    oracle = linear_oracle([1.0, 1.0, 1.0], 0.0, budget=20)
    with pytest.raises(QueryBudgetExceeded, match="exceed the query budget"):
        lowd_meek(oracle, n_features=3, rng=0)
    assert oracle.n_queries <= 20


def test_no_boundary_in_the_box():
    oracle = linear_oracle([1.0, 0.0], 5.0)  # positive everywhere in [-1, 1]^2
    with pytest.raises(RuntimeError, match="no decision boundary"):
        lowd_meek(oracle, n_features=2, rng=0)


def test_a_nonlinear_victim_is_reported():
    disc = Oracle(lambda X: ((X**2).sum(axis=1) < 0.3).astype(int), n_features=2,
                  output="label", classes=[0, 1])
    with pytest.raises(RuntimeError, match="does not look linear"):
        lowd_meek(disc, n_features=2, rng=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(n_features=3), ValueError, "'n_features' parameter must match"),
        (dict(n_features=0), ValueError, "'n_features' parameter must be an int >= 1"),
        (dict(n_features=2.0), TypeError, "'n_features' parameter must be an int"),
        (dict(n_features=2, degree=0), ValueError, "'degree' parameter must be an int >= 1"),
        (dict(n_features=2, epsilon=0), ValueError, "'epsilon' parameter must be a positive"),
        (dict(n_features=2, epsilon="1e-3"), TypeError, "'epsilon' parameter must be a positive"),
        (dict(n_features=2, low=1.0, high=-1.0), ValueError, "needs 'low' < 'high'"),
        (dict(n_features=2, high=np.inf), ValueError, "'high' parameter must be a finite"),
        (dict(n_features=2, rng="seed"), ValueError, "'rng' parameter must be None"),
    ],
)
def test_bad_arguments_cost_nothing(kwargs, error, match):
    oracle = linear_oracle([1.0, -1.0], 0.0)
    with pytest.raises(error, match=match):
        lowd_meek(oracle, **kwargs)
    assert oracle.n_queries == 0


def test_needs_a_binary_label_oracle():
    proba = Oracle(lambda X: np.full((len(X), 2), 0.5), n_features=2)
    with pytest.raises(ValueError, match="output='label'"):
        lowd_meek(proba, n_features=2)
    assert proba.n_queries == 0
    three = Oracle(lambda X: np.zeros(len(X), int), n_features=2, output="label",
                   classes=[0, 1, 2])
    with pytest.raises(ValueError, match="binary classifiers"):
        lowd_meek(three, n_features=2)
    assert three.n_queries == 0
    with pytest.raises(TypeError, match="must be a stealkit.Oracle"):
        lowd_meek(lambda X: X[:, 0] > 0, n_features=2)


def test_line_search_halves_every_segment():
    w = np.array([1.0, 0.0])
    oracle = linear_oracle(w, -0.25)
    A, B = np.array([[-1.0, 0.0], [-1.0, 0.5]]), np.array([[1.0, 0.0], [1.0, 0.5]])
    A2, B2, X, y = line_search(oracle, A, B, n_steps=10, y_a=np.array([0, 0]))
    assert oracle.n_queries == 20 == len(X) == len(y)
    np.testing.assert_allclose(0.5 * (A2[:, 0] + B2[:, 0]), 0.25, atol=2 / 2**10)
    oracle.reset()
    A3, B3, _, _ = line_search(oracle, A, B, epsilon=1e-3, y_a=np.array([0, 0]))
    assert np.all(np.linalg.norm(B3 - A3, axis=1) <= 1e-3)
    assert oracle.n_queries == 2 * 11  # ceil(log2(2 / 1e-3)) halvings each
    with pytest.raises(ValueError, match="exactly one of 'epsilon' and 'n_steps'"):
        line_search(oracle, A, B, y_a=np.array([0, 0]))


def test_linear_classifier_is_sklearn_like():
    model = LinearClassifier([1.0, -1.0], 0.5, np.array(["a", "b"]), n_features=2)
    np.testing.assert_array_equal(model.predict(np.array([[0.0, 0.0], [0.0, 2.0]])), ["b", "a"])
    assert model.coef_.shape == (1, 2) and model.intercept_.shape == (1,)
    assert "linear" in repr(model)
