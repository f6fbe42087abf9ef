import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.equation_solving import extract_softmax
from stealkit.attacks.model_inversion import (
    InversionResult,
    inversion_queries,
    invert_model,
    invert_oracle,
)

D = 6


@pytest.fixture(scope="module")
def victim():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, D))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])
    return LogisticRegression(max_iter=1000).fit(X, y)


def test_inversion_on_the_extracted_copy_raises_confidence(victim):
    oracle = Oracle.from_sklearn(victim)
    stolen = extract_softmax(oracle, n_features=D, n_classes=3, n_queries=2 * (D + 1), rng=0)
    spent = oracle.n_queries
    for target in victim.classes_:
        result = invert_model(stolen.model, target=target, n_steps=30)
        assert isinstance(result, InversionResult)
        assert result.n_queries == 0 and oracle.n_queries == spent  # free after extraction
        t = result.target
        assert result.confidence[-1] > result.confidence[0]
        # The prototype is just as convincing to the victim itself.
        assert victim.predict_proba(result.x[None])[0, t] > 0.9
        assert victim.predict(result.x[None])[0] == target
        assert np.all(np.abs(result.x) <= 1.0)


def test_black_box_inversion_pays_per_step_and_finds_the_same_prototype(victim):
    stolen = extract_softmax(Oracle.from_sklearn(victim), n_features=D, n_classes=3,
                             n_queries=2 * (D + 1), rng=0).model
    oracle = Oracle.from_sklearn(victim)
    black = invert_oracle(oracle, target=2, n_steps=20)
    white = invert_model(stolen, target=2, n_steps=20)
    assert black.n_queries == oracle.n_queries == inversion_queries(D, 20) == 20 * 2 * D + 1
    assert white.n_evaluations == black.n_queries
    np.testing.assert_allclose(black.x, white.x, atol=1e-4)
    assert black.confidence[-1] > black.confidence[0]


def test_budget_checked_before_any_query(victim):
    oracle = Oracle.from_sklearn(victim, budget=inversion_queries(D, 10) - 1)
    with pytest.raises(QueryBudgetExceeded):
        invert_oracle(oracle, target=0, n_steps=10)
    assert oracle.n_queries == 0


def test_start_point_and_box(victim):
    x0 = np.full(D, 5.0)  # clipped into the box
    result = invert_model(victim, target=1, n_steps=5, x0=x0, low=-0.5, high=0.5)
    assert np.all(np.abs(result.x) <= 0.5)
    assert len(result.confidence) == 6


ORACLE_BAD = [
    (dict(target=7), ValueError, "'target'.*classes"),
    (dict(n_steps=0), ValueError, "'n_steps'"),
    (dict(step_size=0.0), ValueError, "'step_size'"),
    (dict(epsilon=-1e-4), ValueError, "'epsilon'"),
    (dict(low=1.0, high=-1.0), ValueError, "'low' < 'high'"),
    (dict(x0=np.zeros(3)), ValueError, "'x0'"),
]


@pytest.mark.parametrize("bad, error, match", ORACLE_BAD)
def test_bad_arguments_cost_nothing(victim, bad, error, match):
    oracle = Oracle.from_sklearn(victim)
    kwargs = dict(target=0)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        invert_oracle(oracle, **kwargs)
    assert oracle.n_queries == 0
    with pytest.raises(error, match=match):
        invert_model(victim, **kwargs)


def test_model_must_predict_probabilities():
    with pytest.raises(TypeError, match="predict_proba"):
        invert_model(object(), target=0)
    with pytest.raises(ValueError, match="output='proba'"):
        invert_oracle(Oracle(lambda X: np.zeros(len(X)), n_features=2, output="label"),
                      target=0)
