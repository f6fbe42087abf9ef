import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.defenses import LabelsOnly, Rounding, TopK


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 4))
    y = (X[:, 0] + X[:, 1] ** 2 - 0.5 * X[:, 2] > 0.2).astype(int) + (X[:, 3] > 0.5)
    return X, y


@pytest.fixture(scope="module")
def logreg(data):
    X, y = data
    return LogisticRegression(max_iter=1000).fit(X, y)


@pytest.fixture(scope="module")
def tree(data):
    X, y = data
    return DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)


def test_proba_answers_predict_proba(data, logreg):
    X, _ = data
    oracle = Oracle.from_sklearn(logreg)
    np.testing.assert_array_equal(oracle(X[:10]), logreg.predict_proba(X[:10]))
    assert oracle.n_queries == 10
    np.testing.assert_array_equal(oracle.classes, logreg.classes_)


def test_label_answers_predict(data, logreg):
    X, _ = data
    oracle = Oracle.from_sklearn(logreg, output="label")
    np.testing.assert_array_equal(oracle(X), logreg.predict(X))


def test_rounding(data, logreg):
    X, _ = data
    p = logreg.predict_proba(X[:50])
    for decimals in range(6):
        got = Oracle.from_sklearn(logreg, decimals=decimals)(X[:50])
        np.testing.assert_array_equal(got, np.round(p, decimals))
        assert np.abs(got - p).max() <= 0.5 * 10.0**-decimals + 1e-12


def test_meter_cost_reset_and_log(data, logreg):
    X, _ = data
    oracle = Oracle.from_sklearn(logreg, price_per_query=1e-4, log=True)
    oracle(X[:3])
    oracle(X[3:10])
    assert oracle.n_queries == 10
    assert oracle.cost == pytest.approx(1e-3)
    np.testing.assert_array_equal(oracle.query_log, X[:10])
    oracle.reset()
    assert oracle.n_queries == 0 and oracle.cost == 0 and oracle.query_log.shape == (0, 4)


def test_no_log_by_default(data, logreg):
    with pytest.raises(AttributeError, match="log=True"):
        Oracle.from_sklearn(logreg).query_log  # noqa: B018


def test_budget_overrun_raises_and_charges_nothing(data, logreg):
    X, _ = data
    calls = []

    def predict(Z):
        calls.append(len(Z))
        return logreg.predict_proba(Z)

    oracle = Oracle(predict, n_features=4, budget=10, log=True, price_per_query=1.0)
    oracle(X[:8])
    with pytest.raises(QueryBudgetExceeded, match="8 of 10 are spent") as info:
        oracle(X[:3])
    assert info.value.requested == 3 and info.value.budget == 10
    assert oracle.n_queries == 8 and oracle.cost == 8.0 and calls == [8]
    assert len(oracle.query_log) == 8
    oracle(X[:2])  # exactly reaching the budget is allowed
    assert oracle.remaining == 0
    with pytest.raises(QueryBudgetExceeded):
        oracle(X[:1])
    assert calls == [8, 2]


def test_leaf_ids_equal_apply(data, tree):
    X, _ = data
    oracle = Oracle.from_sklearn(tree, output="leaf")
    np.testing.assert_array_equal(oracle(X), tree.apply(X))
    grid = np.random.default_rng(1).uniform(-1.5, 1.5, size=(2000, 4))
    np.testing.assert_array_equal(oracle(grid), tree.apply(grid))


def _deepest_node(tree, x):
    """Reference walk, one row at a time."""
    t, node = tree.tree_, 0
    while t.children_left[node] != -1:
        v = x[t.feature[node]]
        if np.isnan(v):
            break
        node = (
            t.children_left[node] if np.float32(v) <= t.threshold[node] else t.children_right[node]
        )
    return node


def test_incomplete_queries_stop_at_the_right_node(data, tree):
    X, _ = data
    rng = np.random.default_rng(2)
    Xm = X[:200].copy()
    Xm[rng.random(Xm.shape) < 0.3] = np.nan
    got = Oracle.from_sklearn(tree, output="leaf")(Xm)
    np.testing.assert_array_equal(got, [_deepest_node(tree, x) for x in Xm])
    # All features missing: the root.
    assert Oracle.from_sklearn(tree, output="leaf")(np.full((1, 4), np.nan))[0] == 0
    # Missing only the root's feature: still the root.
    row = X[:1].copy()
    row[0, tree.tree_.feature[0]] = np.nan
    assert Oracle.from_sklearn(tree, output="leaf")(row)[0] == 0


def test_nan_rejected_outside_leaf_mode(data, logreg):
    X = data[0][:2].copy()
    X[0, 1] = np.nan
    oracle = Oracle.from_sklearn(logreg)
    with pytest.raises(ValueError, match="Incomplete queries"):
        oracle(X)
    assert oracle.n_queries == 0


def test_bad_queries(logreg):
    oracle = Oracle.from_sklearn(logreg)
    with pytest.raises(ValueError, match=r"must be 2-D.*reshape\(1, -1\)"):
        oracle(np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(n_queries, 4\). Got shape \(2, 3\)"):
        oracle(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        oracle(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="numeric array. Got dtype <U1"):
        oracle([["a", "b", "c", "d"]])
    with pytest.raises(TypeError, match="numeric"):
        oracle(np.zeros((1, 4), dtype=bool))
    with pytest.raises(ValueError, match="infinite"):
        oracle(np.full((1, 4), np.inf))
    assert oracle.n_queries == 0
    assert oracle(np.zeros((0, 4))).shape == (0, len(logreg.classes_))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"output": "probs"},
            ValueError,
            "'output' parameter must be one of 'proba', 'label', 'leaf', 'score'. Got 'probs'",
        ),
        ({"decimals": -1}, ValueError, "'decimals' parameter must be an int >= 0. Got -1"),
        (
            {"decimals": 2.5},
            TypeError,
            "'decimals' parameter must be an int >= 0. Got float",
        ),
        (
            {"budget": -5},
            ValueError,
            "'budget' parameter must be an int >= 0 or None. Got -5",
        ),
        ({"budget": "10"}, TypeError, "'budget' parameter"),
        ({"price_per_query": -1.0}, ValueError, "'price_per_query'"),
        ({"output": "label", "decimals": 2}, ValueError, "need output='proba'"),
        ({"output": "leaf"}, ValueError, "needs a fitted scikit-learn decision tree"),
        ({"defenses": [3]}, TypeError, "must be callable"),
    ],
)
def test_bad_arguments(logreg, kwargs, error, match):
    with pytest.raises(error, match=match):
        Oracle.from_sklearn(logreg, **kwargs)


def test_from_sklearn_needs_fitted_and_proba():
    with pytest.raises(ValueError, match="call fit first"):
        Oracle.from_sklearn(LogisticRegression())
    svm = LinearSVC().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="has none. Use output='label'"):
        Oracle.from_sklearn(svm)
    assert Oracle.from_sklearn(svm, output="label")(np.array([[2.0]]))[0] == 1


def test_plain_constructor_checks():
    with pytest.raises(TypeError, match="'predict' parameter must be callable"):
        Oracle(None, n_features=2)
    with pytest.raises(ValueError, match="exactly one of 'n_features' and 'input_shape'"):
        Oracle(lambda X: X, n_features=2, input_shape=(2,))
    with pytest.raises(ValueError, match="'n_features' parameter must be an int >= 1. Got 0"):
        Oracle(lambda X: X, n_features=0)
    with pytest.raises(ValueError, match="'input_shape'"):
        Oracle(lambda X: X, input_shape=(1, 0))


def test_defences_stack_in_order(data, logreg):
    X, _ = data
    p = logreg.predict_proba(X[:20])
    oracle = Oracle.from_sklearn(logreg, defenses=[TopK(1)], decimals=1)
    np.testing.assert_array_equal(oracle(X[:20]), np.round(TopK(1)(p), 1))
    labels_only = Oracle.from_sklearn(logreg, defenses=[LabelsOnly()])(X[:20])
    np.testing.assert_array_equal(labels_only.argmax(1), p.argmax(1))
    assert set(np.unique(labels_only)) <= {0.0, 1.0}
    assert repr(Rounding(3)) == "Rounding(decimals=3)"


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.fc = torch.nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


def test_from_torch_proba_and_label():
    net = _Net()
    X = np.random.default_rng(0).random((5, 1, 6, 6))
    oracle = Oracle.from_torch(net, input_shape=(1, 6, 6), batch_size=2)
    p = oracle(X)
    with torch.no_grad():
        ref = torch.softmax(net(torch.as_tensor(X, dtype=torch.float32)), 1).numpy()
    np.testing.assert_allclose(p, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(oracle(X.reshape(5, -1)), p)  # flattened rows work too
    assert oracle.n_queries == 10 and net.training  # mode restored
    labels = Oracle.from_torch(net, input_shape=(1, 6, 6), output="label", classes=list("abc"))(X)
    np.testing.assert_array_equal(labels, np.array(list("abc"))[ref.argmax(1)])
    with pytest.raises(ValueError, match=r"\(n_queries, 36\) or \(n_queries, \*\(1, 6, 6\)\)"):
        oracle(np.zeros((2, 6, 6)))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        Oracle.from_torch(lambda x: x, n_features=3)
    with pytest.raises(ValueError, match="only for decision trees"):
        Oracle.from_torch(net, input_shape=(1, 6, 6), output="leaf")


def test_from_torch_one_logit_is_a_binary_classifier():
    from scipy.special import expit

    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1).double()
    X = np.random.default_rng(0).normal(size=(50, 3))
    with torch.no_grad():
        z = net(torch.from_numpy(X))[:, 0].numpy()
    p = Oracle.from_torch(net, n_features=3)(X)
    np.testing.assert_allclose(p, np.column_stack([1 - expit(z), expit(z)]), atol=1e-12)
    labels = Oracle.from_torch(net, n_features=3, output="label")(X)
    np.testing.assert_array_equal(labels, (z > 0).astype(int))
    np.testing.assert_allclose(Oracle.from_torch(net, n_features=3, output="score")(X)[:, 0], z)


def test_repr(logreg):
    oracle = Oracle.from_sklearn(logreg, decimals=2, budget=100)
    assert repr(oracle) == (
        "Oracle(output='proba', n_features=4, defenses=[Rounding(decimals=2)], "
        "budget=100, n_queries=0)"
    )


def test_score_output_answers_raw_scores_and_only_rounding_applies():
    from sklearn.linear_model import LogisticRegression

    from stealkit import Oracle
    from stealkit.defenses import Rounding

    X = np.random.default_rng(0).normal(size=(50, 3))
    model = LogisticRegression().fit(X, X[:, 0] > 0)
    oracle = Oracle.from_sklearn(model, output="score")
    np.testing.assert_array_equal(oracle(X[:5]), model.decision_function(X[:5])[:, None])
    assert oracle(X[:0]).shape == (0, 0)
    rounded = Oracle.from_sklearn(model, output="score", defenses=[Rounding(1)])
    np.testing.assert_array_equal(rounded(X[:5]), np.round(oracle(X[:5]), 1))
    with pytest.raises(ValueError, match="decision_function"):
        from sklearn.tree import DecisionTreeClassifier

        Oracle.from_sklearn(DecisionTreeClassifier().fit(X, X[:, 0] > 0), output="score")
