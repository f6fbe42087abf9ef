import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from stealkit import Oracle
from stealkit.datasets import Feature
from stealkit.victims import DecisionTree

COLOR = Feature("color", "categorical", values=("red", "green", "blue", "white"))
SIZE = Feature("size", "continuous", low=0.0, high=100.0)


@pytest.fixture(scope="module")
def data():
    """A colour and a size in whole units: red or blue things larger than 40 are positive."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 4, 600), rng.integers(0, 101, 600)]).astype(float)
    y = (np.isin(X[:, 0], [0, 2]) & (X[:, 1] > 40)).astype(int)
    return X, y


@pytest.fixture(scope="module")
def tree(data):
    return DecisionTree(features=[COLOR, SIZE], max_depth=3).fit(*data)


def test_fit_splits_categories_by_sets_and_sizes_by_thresholds(data, tree):
    X, y = data
    assert tree.predict(X).tolist() == y.tolist()
    assert tree.feature_[0] == 0 and tree.left_values_[0] in ({0, 2}, {1, 3})
    assert tree.threshold_[tree.feature_ == 1].tolist() == [40.5]
    assert (tree.n_leaves, tree.n_leaf_ids, tree.depth) == (3, 3, 2)
    assert set(tree.classes_.tolist()) == {0, 1}


def test_text_dump_names_features_and_categories(tree):
    text = tree.to_text()
    assert "color in {" in text and "color not in {" in text
    assert "size <= 40.50" in text and "size >  40.50" in text
    assert text.count("leaf") == 3
    assert "DecisionTree(n_leaves=3" in repr(tree)


def test_apply_stops_before_the_first_split_on_a_missing_feature(tree):
    root = tree.apply(np.full((1, 2), np.nan))
    assert root.tolist() == [0]
    # colour known, size missing: the node below the root on that side
    X = np.array([[0.0, np.nan], [1.0, np.nan]])
    nodes = tree.apply(X)
    assert set(nodes.tolist()) == {tree.children_left_[0], tree.children_right_[0]}
    # size known, colour missing: still the root
    assert tree.apply(np.array([[np.nan, 50.0]])).tolist() == [0]
    # an oracle in leaf mode passes incomplete queries through
    oracle = Oracle(tree.apply, n_features=2, output="leaf")
    assert oracle(X).tolist() == nodes.tolist()


def test_limits_are_respected(data):
    X, y = data
    assert DecisionTree(max_leaf_nodes=3).fit(X, y).n_leaves == 3
    assert DecisionTree(max_depth=1).fit(X, y).depth == 1
    leafy = DecisionTree(min_samples_leaf=50).fit(X, y)
    assert leafy.value_[leafy.leaves].sum(axis=1).min() >= 50


def test_conversion_from_sklearn_equals_sklearn():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    sk = DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)
    tree = DecisionTree.from_sklearn(sk)
    Z = rng.normal(size=(2000, 4))
    np.testing.assert_array_equal(tree.apply(Z), sk.apply(Z))
    np.testing.assert_array_equal(tree.predict(Z), sk.predict(Z))
    assert (tree.n_leaves, tree.depth) == (sk.get_n_leaves(), sk.get_depth())
    # incomplete queries answered as Oracle.from_sklearn does
    Z[::3, 1] = np.nan
    np.testing.assert_array_equal(
        tree.apply(Z), Oracle.from_sklearn(sk, output="leaf")(Z)
    )
    np.testing.assert_allclose(tree.value_.sum(axis=1), sk.tree_.n_node_samples)


def test_shared_identifiers():
    # Many small pure leaves: BigML's (prediction, confidence) pairs repeat.
    rng = np.random.default_rng(2)
    X = rng.integers(0, 50, size=(400, 2)).astype(float)
    y = rng.integers(0, 2, 400)
    by_node = DecisionTree().fit(X, y)
    by_prediction = DecisionTree(ids="prediction").fit(X, y)
    by_label = DecisionTree(ids="label").fit(X, y)
    n = by_node.n_leaves
    assert by_node.n_leaf_ids == n
    assert 2 < by_prediction.n_leaf_ids < n
    assert by_label.n_leaf_ids == 2
    # same label for the same identifier
    ids = by_prediction.apply(X)
    np.testing.assert_array_equal(by_prediction.label_of(ids), by_prediction.predict(X))
    np.testing.assert_array_equal(by_label.apply(X), by_label.predict(X))


def test_rounding_confidences_merges_identifiers():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 50, size=(400, 2)).astype(float)
    y = rng.integers(0, 2, 400)
    counts = [DecisionTree(ids="prediction", confidence_decimals=d).fit(X, y).n_leaf_ids
              for d in (4, 2, 1, 0)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert counts[-1] <= 2 * 2  # confidences 0 or 1 (after rounding) times two labels
    fine = DecisionTree(ids="prediction", confidence_decimals=4).fit(X, y)
    np.testing.assert_array_equal(
        DecisionTree.from_sklearn(
            DecisionTreeClassifier(random_state=0).fit(X, y), ids="prediction", confidence_decimals=0
        ).predict(X),
        DecisionTreeClassifier(random_state=0).fit(X, y).predict(X),
    )
    assert fine.confidence_decimals == 4


def test_with_ids_gives_chosen_identifiers(tree):
    ids = np.zeros(len(tree.ids_), dtype=int)
    twin = tree.with_ids(ids)
    assert twin.n_leaf_ids == 1 and tree.n_leaf_ids == 3
    with pytest.raises(ValueError, match="one identifier per node"):
        tree.with_ids([1, 2])


def test_bad_arguments(data):
    X, y = data
    with pytest.raises(ValueError, match="'ids' parameter must be one of"):
        DecisionTree(ids="leaf").fit(X, y)
    with pytest.raises(ValueError, match="'max_leaf_nodes' parameter must be an int >= 2"):
        DecisionTree(max_leaf_nodes=1).fit(X, y)
    with pytest.raises(TypeError, match="'min_samples_leaf' parameter"):
        DecisionTree(min_samples_leaf=0.5).fit(X, y)
    with pytest.raises(ValueError, match="'confidence_decimals' parameter must be an int >= 0"):
        DecisionTree(ids="prediction", confidence_decimals=-1).fit(X, y)
    with pytest.raises(ValueError, match="categorical: it must hold integer codes 0 .. 3"):
        DecisionTree(features=[COLOR, SIZE]).fit(X + 0.5, y)
    with pytest.raises(ValueError, match="describe each of the 2 columns"):
        DecisionTree(features=[COLOR]).fit(X, y)
    with pytest.raises(ValueError, match="finite"):
        DecisionTree().fit(np.full((3, 2), np.nan), [0, 1, 0])
    with pytest.raises(TypeError, match="fitted scikit-learn DecisionTreeClassifier"):
        DecisionTree.from_sklearn(DecisionTreeClassifier())
    with pytest.raises(AttributeError, match="not fitted"):
        DecisionTree().apply(X)
    tree = DecisionTree().fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        tree.apply(X[:, :1])
