import numpy as np
import pytest
from scipy.special import softmax
from sklearn.neural_network import MLPClassifier

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.mlp import MLPExtractionResult, MLPModel, extract_mlp, mlp_unknowns

D, H, C = 4, 3, 3


def tiny_victim(seed=1):
    """A 4-3-3 tanh network with fixed random weights (27 unknowns)."""
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(0, 1.5, (D, H)), rng.normal(0, 0.5, H)
    W2, b2 = rng.normal(0, 2, (H, C)), rng.normal(0, 0.5, C)
    return MLPModel([W1, W2], [b1, b2], np.array(["a", "b", "c"]))


def tiny_oracle(seed=1, **kwargs):
    victim = tiny_victim(seed)
    return victim, Oracle(victim.predict_proba, n_features=D, classes=victim.classes_, **kwargs)


def test_unknowns():
    assert mlp_unknowns(105, 5, 20) == 2225  # Table 4
    assert mlp_unknowns(D, C, H) == 27


def test_mlp_model_matches_sklearn():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.integers(0, 3, 200)
    clf = MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=50,
                        random_state=0)
    with pytest.warns(Warning):
        clf.fit(X, y)
    model = MLPModel(clf.coefs_, clf.intercepts_, clf.classes_)
    np.testing.assert_allclose(model.predict_proba(X), clf.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), clf.predict(X))
    assert "hidden=5" in repr(model)


def test_tiny_mlp_recovered_exactly():
    victim, oracle = tiny_oracle()
    result = extract_mlp(oracle, n_features=D, n_classes=C, n_queries=60, hidden=H,
                         max_iter=200, rng=0)
    assert isinstance(result, MLPExtractionResult)
    assert result.n_queries == oracle.n_queries == 60
    assert result.n_unknowns == 27 and result.objective == "log_ratio"
    assert result.exact and result.relative_loss < 1e-7
    assert result.queries.shape == (60, D) and result.answers.shape == (60, C)
    X = np.random.default_rng(1).uniform(-1, 1, (5000, D))
    np.testing.assert_allclose(result.model.predict_proba(X), victim.predict_proba(X),
                               atol=1e-4)
    np.testing.assert_array_equal(result.model.predict(X), victim.predict(X))


def test_rounded_answers_switch_to_cross_entropy():
    victim, oracle = tiny_oracle(decimals=3)
    result = extract_mlp(oracle, n_features=D, n_classes=C, n_queries=60, hidden=H,
                         n_restarts=1, max_iter=200, rng=0)
    assert result.objective == "cross_entropy"
    assert not result.exact  # rounded answers cannot be fitted exactly
    X = np.random.default_rng(1).uniform(-1, 1, (2000, D))
    assert np.mean(result.model.predict(X) == victim.predict(X)) > 0.95


def test_too_few_queries_is_reported_as_not_exact_or_poor():
    """With fewer equations than unknowns the fit is exact on the queries only."""
    victim, oracle = tiny_oracle()
    result = extract_mlp(oracle, n_features=D, n_classes=C, n_queries=6, hidden=H,
                         n_restarts=1, max_iter=100, rng=0)
    X = np.random.default_rng(1).uniform(-1, 1, (2000, D))
    gap = np.abs(result.model.predict_proba(X) - victim.predict_proba(X)).max()
    assert gap > 1e-3


def test_same_rng_same_result():
    _, o1 = tiny_oracle()
    _, o2 = tiny_oracle()
    kw = dict(n_features=D, n_classes=C, n_queries=40, hidden=H, n_restarts=1, max_iter=100)
    a = extract_mlp(o1, rng=7, **kw)
    b = extract_mlp(o2, rng=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(a.queries, b.queries)
    np.testing.assert_array_equal(a.model.coefs_[0], b.model.coefs_[0])
    assert a.losses == b.losses


def test_repeated_runs_are_bit_identical():
    # MKL's default least-squares driver answered the same inputs differently from call to
    # call (last bits), and the pruning fits spread that to the weights: 2 answers in 5 runs
    kw = dict(n_features=D, n_classes=C, n_queries=40, hidden=H, n_restarts=2, max_iter=200)
    runs = {extract_mlp(tiny_oracle()[1], rng=7, **kw).model.coefs_[0].tobytes()
            for _ in range(6)}
    assert len(runs) == 1


def test_budget_checked_before_any_query():
    _, oracle = tiny_oracle(budget=59)
    with pytest.raises(QueryBudgetExceeded):
        extract_mlp(oracle, n_features=D, n_classes=C, n_queries=60, hidden=H)
    assert oracle.n_queries == 0


BAD = [
    (dict(n_features=5), ValueError, "'n_features'.*match"),
    (dict(n_classes=2), ValueError, "'n_classes'.*match"),
    (dict(n_queries=0), ValueError, "'n_queries'"),
    (dict(hidden=0), ValueError, "'hidden'"),
    (dict(hidden=2.5), TypeError, "'hidden'"),
    (dict(loss="mse"), ValueError, "'loss'.*'auto'"),
    (dict(n_restarts=0), ValueError, "'n_restarts'"),
    (dict(max_iter=-1), ValueError, "'max_iter'"),
    (dict(low=0.0, high=0.0), ValueError, "'low' < 'high'"),
    (dict(sampler="uniform"), TypeError, "'sampler'"),
    (dict(rng=1.5), ValueError, "'rng'"),
]


@pytest.mark.parametrize("bad, error, match", BAD)
def test_bad_arguments_cost_nothing(bad, error, match):
    _, oracle = tiny_oracle()
    kwargs = dict(n_features=D, n_classes=C, n_queries=30, hidden=H)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        extract_mlp(oracle, **kwargs)
    assert oracle.n_queries == 0


def test_label_oracle_rejected():
    oracle = Oracle(lambda X: np.zeros(len(X)), n_features=D, output="label")
    with pytest.raises(ValueError, match="output='proba'"):
        extract_mlp(oracle, n_features=D, n_classes=C, n_queries=10)
    with pytest.raises(TypeError, match="'oracle'"):
        extract_mlp(lambda X: X, n_features=D, n_classes=C, n_queries=10)


def test_answers_checked_against_n_classes():
    oracle = Oracle(lambda X: softmax(np.zeros((len(X), 2)), axis=1), n_features=D)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        extract_mlp(oracle, n_features=D, n_classes=3, n_queries=10, hidden=2)
