import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.retraining import (
    MODELS,
    STRATEGIES,
    extract_by_retraining,
    local_model,
)
from stealkit.metrics import r_unif


def linear_victim(d=5, seed=0):
    """Logistic regression with fixed weights, as scikit-learn would hold them."""
    rng = np.random.default_rng(seed)
    victim = LogisticRegression()
    victim.coef_ = rng.normal(size=(1, d))
    victim.intercept_ = np.array([0.2])
    victim.classes_ = np.array([0, 1])
    victim.n_features_in_ = d
    return victim


def softmax_victim(d=3, c=3, seed=0):
    rng = np.random.default_rng(seed)
    victim = LogisticRegression()
    victim.coef_ = rng.normal(size=(c, d))
    victim.intercept_ = rng.normal(scale=0.2, size=c)
    victim.classes_ = np.arange(c)
    victim.n_features_in_ = d
    return victim


def label_oracle(victim, **kwargs):
    return Oracle.from_sklearn(victim, output="label", **kwargs)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_queries", [7, 50, 123])
def test_spends_exactly_its_budget(strategy, n_queries):
    victim = linear_victim()
    oracle = label_oracle(victim, budget=n_queries)
    result = extract_by_retraining(oracle, n_features=5, n_queries=n_queries, strategy=strategy,
                                   rng=0)
    assert oracle.n_queries == result.n_queries == n_queries
    assert sum(result.queries_per_round) == n_queries == len(result.queries) == len(result.answers)
    assert result.model is result.models[-1]
    np.testing.assert_array_equal(result.answers, victim.predict(result.queries))


@pytest.mark.parametrize(("n_queries", "rounds", "sizes"),
                         [(100, 5, (20,) * 5), (103, 5, (21, 21, 21, 20, 20)), (6, 6, (1,) * 6)])
def test_adaptive_rounds_split_the_budget(n_queries, rounds, sizes):
    oracle = label_oracle(linear_victim())
    result = extract_by_retraining(oracle, n_features=5, n_queries=n_queries,
                                   strategy="adaptive", rounds=rounds, rng=0)
    assert result.queries_per_round == sizes
    assert result.n_rounds == len(result.models) == len(result.round_labels) == rounds
    assert oracle.n_queries == n_queries


def test_adaptive_queries_gather_on_the_boundary():
    victim = linear_victim(d=2)
    result = extract_by_retraining(label_oracle(victim), n_features=2, n_queries=200,
                                   strategy="adaptive", rng=0)
    w, b = victim.coef_[0], victim.intercept_[0]
    distance = [np.abs(q @ w + b).mean() / np.linalg.norm(w) for q in result.round_queries]
    assert distance[-1] < 0.5 * distance[0]  # the last round sits much nearer than the first


def test_adaptive_beats_uniform_at_equal_budget():
    victim = linear_victim(d=10, seed=3)
    scores = {}
    for strategy in ("uniform", "adaptive"):
        errors = [
            r_unif(victim, extract_by_retraining(label_oracle(victim), n_features=10,
                                                 n_queries=220, strategy=strategy,
                                                 rng=seed).model, n_features=10, rng=9)
            for seed in range(3)
        ]
        scores[strategy] = np.mean(errors)
    assert scores["adaptive"] < scores["uniform"]
    assert scores["adaptive"] < 0.02


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_reproducible_with_a_seed(strategy):
    victim = softmax_victim()
    one = extract_by_retraining(label_oracle(victim), n_features=3, n_queries=60,
                                strategy=strategy, model="softmax", rng=5)
    two = extract_by_retraining(label_oracle(victim), n_features=3, n_queries=60,
                                strategy=strategy, model="softmax",
                                rng=np.random.default_rng(5))
    np.testing.assert_array_equal(one.queries, two.queries)
    np.testing.assert_array_equal(one.model.coef_, two.model.coef_)
    other = extract_by_retraining(label_oracle(victim), n_features=3, n_queries=60,
                                  strategy=strategy, model="softmax", rng=6)
    assert not np.array_equal(one.queries, other.queries)


@pytest.mark.parametrize("model", MODELS)
def test_every_model_family_fits(model):
    victim = softmax_victim(d=2, c=3, seed=1)
    result = extract_by_retraining(label_oracle(victim), n_features=2, n_queries=120,
                                   strategy="adaptive", model=model, rng=0)
    assert r_unif(victim, result.model, n_features=2, rng=0) < 0.15
    assert type(result.model).__name__ == type(local_model(model)).__name__


def test_an_unfitted_estimator_as_the_model():
    victim = linear_victim(d=2)
    tree = DecisionTreeClassifier(max_depth=3)
    result = extract_by_retraining(label_oracle(victim), n_features=2, n_queries=80,
                                   model=tree, rng=0)
    assert isinstance(result.model, DecisionTreeClassifier)
    assert not hasattr(tree, "tree_")  # cloned, not fitted in place


def test_sampler_and_single_class():
    victim = linear_victim(d=3)
    seen = []

    def sampler(n, rng):
        seen.append(n)
        return rng.integers(0, 2, size=(n, 3)).astype(float)

    result = extract_by_retraining(label_oracle(victim), n_features=3, n_queries=30,
                                   sampler=sampler, rng=0)
    assert set(np.unique(result.queries)) <= {0.0, 1.0} and seen == [30]
    # a victim answering one class everywhere: the copy is constant, nothing breaks
    constant = Oracle(lambda X: np.zeros(len(X), int), n_features=3, output="label")
    for strategy in STRATEGIES:
        result = extract_by_retraining(constant, n_features=3, n_queries=25, strategy=strategy,
                                       rng=0)
        assert set(result.model.predict(np.zeros((4, 3)))) == {0}


def test_budget_too_small_raises_before_any_query():
    oracle = label_oracle(linear_victim(), budget=99)
    with pytest.raises(QueryBudgetExceeded, match="Answering 100 more queries"):
        extract_by_retraining(oracle, n_features=5, n_queries=100, strategy="adaptive", rng=0)
    assert oracle.n_queries == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(n_features=4), ValueError, "'n_features' parameter must match"),
        (dict(n_queries=0), ValueError, "'n_queries' parameter must be an int >= 1"),
        (dict(n_queries=10.5), TypeError, "'n_queries' parameter must be an int"),
        (dict(strategy="active"), ValueError, "'strategy' parameter must be one of"),
        (dict(model="forest"), ValueError, "'model' parameter must be one of"),
        (dict(model=42), TypeError, "'model' parameter must be one of"),
        (dict(rounds=0), ValueError, "'rounds' parameter must be an int >= 1"),
        (dict(strategy="adaptive", n_queries=4, rounds=5), ValueError,
         "'rounds' parameter must be at most 'n_queries'"),
        (dict(low=0.0, high=0.0), ValueError, "needs 'low' < 'high'"),
        (dict(sampler="uniform"), TypeError, "'sampler' parameter must be callable"),
        (dict(sampler=lambda n, rng: np.zeros((n, 2))), ValueError, r"shape \(n, 5\)"),
        (dict(rng=-1), ValueError, "'rng' parameter must be None"),
    ],
)
def test_bad_arguments_cost_nothing(kwargs, error, match):
    oracle = label_oracle(linear_victim())
    arguments = dict(n_features=5, n_queries=20) | kwargs
    with pytest.raises(error, match=match):
        extract_by_retraining(oracle, **arguments)
    assert oracle.n_queries == 0


def test_needs_a_label_oracle():
    oracle = Oracle.from_sklearn(linear_victim())
    with pytest.raises(ValueError, match="output='label'"):
        extract_by_retraining(oracle, n_features=5, n_queries=10)
    assert oracle.n_queries == 0

