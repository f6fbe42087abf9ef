"""Every extraction attack's result has the shared core: model, n_queries, queries, answers, seconds."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from stealkit import Oracle
from stealkit.attacks import (
    AttackResult,
    extract_by_retraining,
    extract_logistic,
    extract_tree,
    invert_oracle,
    lowd_meek,
)
from stealkit.attacks.results import CORE_ATTRIBUTES
from stealkit.attacks.retraining import local_model
from stealkit.datasets import Feature


@pytest.fixture
def logistic():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    return LogisticRegression().fit(X, (X @ [1.0, -2.0] > 0.1).astype(int))


def _check_core(result, oracle, spent_before=0):
    assert isinstance(result, AttackResult)
    assert result.n_queries == oracle.n_queries - spent_before == len(result.queries)
    assert len(result.answers) == len(result.queries)
    assert result.seconds > 0
    assert all(hasattr(result, name) for name in CORE_ATTRIBUTES)


def test_equation_solving_has_the_core(logistic):
    oracle = Oracle.from_sklearn(logistic, output="proba")
    result = extract_logistic(oracle, n_features=2, rng=0)
    _check_core(result, oracle)
    np.testing.assert_array_equal(result.answers, logistic.predict_proba(result.queries))


def test_label_only_attacks_keep_the_labels_they_were_given(logistic):
    oracle = Oracle.from_sklearn(logistic, output="label")
    lm = lowd_meek(oracle, n_features=2, epsilon=1e-4, rng=0)
    _check_core(lm, oracle)
    np.testing.assert_array_equal(lm.answers, logistic.predict(lm.queries))

    oracle = Oracle.from_sklearn(logistic, output="label")
    rt = extract_by_retraining(oracle, n_features=2, n_queries=60, strategy="adaptive", rounds=3,
                               rng=0)
    _check_core(rt, oracle)
    np.testing.assert_array_equal(rt.answers, logistic.predict(rt.queries))
    np.testing.assert_array_equal(rt.queries, np.concatenate(rt.round_queries))
    np.testing.assert_array_equal(rt.answers, np.concatenate(rt.round_labels))


def test_path_finding_has_the_core():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(300, 2))
    tree = DecisionTreeClassifier(max_leaf_nodes=5, random_state=0).fit(X, X[:, 0] > X[:, 1])
    oracle = Oracle(tree.apply, n_features=2, output="leaf")
    features = [Feature("a", "continuous", low=0.0, high=1.0),
                Feature("b", "continuous", low=0.0, high=1.0)]
    result = extract_tree(oracle, features, rng=0)
    _check_core(result, oracle)
    np.testing.assert_array_equal(result.answers, tree.apply(result.queries))


def test_model_inversion_counts_its_queries_and_times_itself(logistic):
    oracle = Oracle.from_sklearn(logistic, output="proba")
    result = invert_oracle(oracle, target=1, n_steps=3)
    assert result.n_queries == oracle.n_queries == 3 * 2 * 2 + 1
    assert result.seconds > 0
    assert not isinstance(result, AttackResult)  # an input, not a model: documented exception


def test_local_model_takes_an_rng():
    a = local_model("mlp", rng=3).get_params()["random_state"]
    assert a == 3
    draws = [local_model("mlp", rng=np.random.default_rng(0)).get_params()["random_state"]
             for _ in range(2)]
    assert draws[0] == draws[1] == int(np.random.default_rng(0).integers(2**31 - 1))
    assert local_model("mlp").get_params()["random_state"] is None
    with pytest.raises((TypeError, ValueError), match="'rng' parameter"):
        local_model("mlp", rng="seven")
