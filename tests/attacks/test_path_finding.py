import math

import numpy as np
import pytest

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.path_finding import (
    STEPS,
    ExtractedTree,
    extract_tree,
    uniform_inputs,
)
from stealkit.datasets import Feature
from stealkit.metrics import r_test, r_unif
from stealkit.victims import DecisionTree

VARIANTS = pytest.mark.parametrize("incomplete", [False, True], ids=["algorithm1", "top-down"])


def leaf_oracle(tree, **kwargs):
    return Oracle(tree.apply, n_features=tree.n_features_in_, output="leaf", **kwargs)


def true_boxes(tree):
    """Each leaf's predicates, read off the tree's arrays (the reference to compare with)."""
    boxes = {}

    def walk(node, box):
        f = tree.feature_[node]
        if f < 0:
            boxes[node] = box
            return
        for child, left in ((tree.children_left_[node], True), (tree.children_right_[node], False)):
            b = dict(box)
            if tree.left_values_[node] is None:
                lo, hi = b.get(f, (-math.inf, math.inf))
                t = tree.threshold_[node]
                b[f] = (lo, min(hi, t)) if left else (max(lo, t), hi)
            else:
                codes = set(tree.left_values_[node])
                if not left:
                    codes = set(range(tree.n_categories_[f])) - codes
                b[f] = frozenset(b.get(f, codes) & codes)
            walk(child, b)

    walk(0, {})
    return boxes


def assert_recovers_every_leaf(tree, features, result):
    """One extracted leaf per true leaf, with the same identifier and the same predicates."""
    found = {leaf.id: leaf for leaf in result.leaves}
    assert len(found) == len(result.leaves) == tree.n_leaves
    for node, box in true_boxes(tree).items():
        leaf = found[tree.ids_[node]]
        for i, f in enumerate(features):
            if f.kind == "continuous":
                lo, hi = box.get(i, (-math.inf, math.inf))
                lo = -math.inf if lo <= f.low else lo  # a bound outside the domain is no bound
                hi = math.inf if hi >= f.high else hi
                assert leaf.intervals.get(i, (-math.inf, math.inf)) == (lo, hi)
            else:
                codes = box.get(i, frozenset(range(len(f.values))))
                assert leaf.categories.get(i, frozenset(range(len(f.values)))) == codes
        assert leaf.contains(leaf.witness[None])[0]


def integer_data(features, n, rng):
    """Whole-number inputs: the victim's thresholds (x.5) then lie on the grid of ε = 1e-3."""
    cols = [
        rng.integers(f.low, f.high + 1, n) if f.kind == "continuous"
        else rng.integers(0, len(f.values), n)
        for f in features
    ]
    return np.column_stack(cols).astype(float)


CONTINUOUS = [Feature(f"x{i}", "continuous", low=0.0, high=30.0) for i in range(3)]
CATEGORICAL = [Feature(f"c{i}", "categorical", values=tuple("abcdef"[: i + 3])) for i in range(3)]
MIXED = [CONTINUOUS[0], CATEGORICAL[2], Feature("age", "continuous", low=18.0, high=90.0),
         CATEGORICAL[0]]


def fitted(features, *, seed, max_leaf_nodes, **kwargs):
    rng = np.random.default_rng(seed)
    X = integer_data(features, 400, rng)
    score = sum(np.sin(X[:, i] * (i + 1)) for i in range(X.shape[1]))
    y = np.digitize(score, [-0.5, 0.5])
    tree = DecisionTree(features=features, max_leaf_nodes=max_leaf_nodes, **kwargs)
    return tree.fit(X, y), X


@VARIANTS
@pytest.mark.parametrize("features", [CONTINUOUS, CATEGORICAL, MIXED],
                         ids=["continuous", "categorical", "mixed"])
def test_recovers_every_leaf(features, incomplete):
    tree, _ = fitted(features, seed=1, max_leaf_nodes=15)
    assert tree.n_leaves == 15
    oracle = leaf_oracle(tree)
    result = extract_tree(oracle, features, incomplete_queries=incomplete, rng=0)
    assert_recovers_every_leaf(tree, features, result)
    assert result.n_queries == oracle.n_queries == len(result.queries)


@VARIANTS
def test_perfect_fidelity_with_unique_ids(incomplete):
    tree, X = fitted(MIXED, seed=2, max_leaf_nodes=30)
    labels = Oracle(tree.predict, n_features=4, output="label")
    result = extract_tree(leaf_oracle(tree), MIXED, incomplete_queries=incomplete,
                          label_oracle=labels, rng=0)
    assert result.n_label_queries == labels.n_queries == tree.n_leaves
    model = result.model
    assert r_test(tree, model, X) == 0.0
    lows = np.array([f.low if f.kind == "continuous" else 0 for f in MIXED])
    highs = np.array([f.high if f.kind == "continuous" else len(f.values) for f in MIXED])

    def uniform(n, rng):
        Z = rng.uniform(lows, highs, size=(n, 4))
        Z[:, [1, 3]] = np.floor(Z[:, [1, 3]])
        return Z

    assert r_unif(tree, model, sampler=uniform, n_samples=10_000, rng=0) == 0.0
    Z = uniform(2000, np.random.default_rng(1))
    np.testing.assert_array_equal(model.apply(Z), tree.apply(Z))


def test_tiny_tree_query_count_by_hand():
    # x <= 0.5 -> one leaf, else another; ε = 0.25 puts the grid at 0, .25, .5, .75, 1.
    tree = DecisionTree().fit([[0.4], [0.6]], [0, 1])
    feature = [Feature("x", "continuous", low=0.0, high=1.0)]
    # Top-down: the empty query (the root), x = 0 (x is the root's split), then the
    # line search: x = 1 (the other end), x = .5 (the middle: left), x = .75 (right).
    # Each child is a leaf: no feature is left to set, so no more queries.
    result = extract_tree(leaf_oracle(tree), feature, epsilon=0.25, incomplete_queries=True)
    assert np.isnan(result.queries[0, 0])
    assert result.queries[1:, 0].tolist() == [0.0, 1.0, 0.5, 0.75]
    assert result.steps == ("start", "split feature", "line search", "line search", "line search")
    assert result.n_queries == 5
    # Algorithm 1: the random start, both ends, .5 and .75 (the start may be one of them);
    # the second leaf's line search is the same line, all answered already.
    for seed in range(6):
        result = extract_tree(leaf_oracle(tree), feature, epsilon=0.25, rng=seed)
        start = result.queries[0, 0]
        assert result.n_queries == len({start, 0.0, 1.0, 0.5, 0.75})
        assert [leaf.intervals[0] for leaf in result.leaves] in (
            [(-math.inf, 0.5), (0.5, math.inf)], [(0.5, math.inf), (-math.inf, 0.5)])


def test_trace_and_unique_queries():
    tree, _ = fitted(MIXED, seed=3, max_leaf_nodes=12)
    for incomplete in (False, True):
        oracle = leaf_oracle(tree, log=True)
        result = extract_tree(oracle, MIXED, incomplete_queries=incomplete, rng=0)
        Q = result.queries
        assert Q.shape == (result.n_queries, 4)
        np.testing.assert_array_equal(np.nan_to_num(Q, nan=-1), np.nan_to_num(oracle.query_log,
                                                                              nan=-1))
        np.testing.assert_array_equal(result.answers, tree.apply(Q))
        assert len(np.unique(np.nan_to_num(Q, nan=-1), axis=0)) == result.n_queries
        assert set(result.steps) <= set(STEPS) and result.steps[0] == "start"
        assert np.isnan(Q).any() == incomplete


def test_top_down_is_cheaper():
    tree, _ = fitted(MIXED, seed=4, max_leaf_nodes=40)
    costs = [extract_tree(leaf_oracle(tree), MIXED, incomplete_queries=inc, rng=0).n_queries
             for inc in (False, True)]
    assert costs[1] < costs[0]


def test_same_seed_same_extraction():
    tree, _ = fitted(MIXED, seed=5, max_leaf_nodes=10)
    a, b, c = (extract_tree(leaf_oracle(tree), MIXED, rng=seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(a.queries, b.queries)
    assert a.steps == b.steps and a.n_queries == b.n_queries
    assert not np.array_equal(a.queries[0], c.queries[0])
    gen = extract_tree(leaf_oracle(tree), MIXED, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(gen.queries, a.queries)


def test_shared_identifiers_hide_a_leaf():
    # x0 <= 14.5 -> A; else x1 <= 14.5 -> B, else C; then C is made to answer A's id.
    features = CONTINUOUS[:2]
    rng = np.random.default_rng(0)
    X = integer_data(features, 600, rng)
    y = np.where(X[:, 0] <= 14, 0, np.where(X[:, 1] <= 14, 1, 2))
    tree = DecisionTree(features=features).fit(X, y)
    assert tree.n_leaves == 3
    a, b, c = (tree.apply([[0.0, 0.0]])[0], tree.apply([[20.0, 0.0]])[0],
               tree.apply([[20.0, 20.0]])[0])
    ids = tree.ids_.copy()
    ids[c] = a
    twin = tree.with_ids(ids)
    assert twin.n_leaf_ids == 2
    # Top-down sees the root split first and each node below it: every leaf is found.
    result = extract_tree(leaf_oracle(twin), features, incomplete_queries=True)
    assert len(result.leaves) == 3
    got = sorted((leaf.id, tuple(sorted(leaf.intervals.items()))) for leaf in result.leaves)
    assert got == sorted([(a, ((0, (-math.inf, 14.5)),)),
                          (b, ((0, (14.5, math.inf)), (1, (-math.inf, 14.5)))),
                          (a, ((0, (14.5, math.inf)), (1, (14.5, math.inf))))])
    # Algorithm 1 from a start in A above x1 = 14.5: along x0 it sees A ... A (C has A's id),
    # takes the whole line for A, and never meets B.
    missed = 0
    for seed in range(12):
        result = extract_tree(leaf_oracle(twin), features, rng=seed)
        if b not in {leaf.id for leaf in result.leaves}:
            missed += 1
            assert result.model.apply([[20.0, 0.0]])[0] != b
    assert 0 < missed < 12


def test_predict_needs_labels():
    tree, X = fitted(CONTINUOUS, seed=6, max_leaf_nodes=5)
    result = extract_tree(leaf_oracle(tree), CONTINUOUS, rng=0)
    assert isinstance(result.model, ExtractedTree) and result.model.n_leaves == 5
    with pytest.raises(ValueError, match="pass a 'label_oracle'"):
        result.model.predict(X)
    np.testing.assert_array_equal(result.model.apply(X), tree.apply(X))
    assert result.model.to_text().count("leaf") == 5
    assert "x0" in result.model.to_text()


def test_budget_is_never_overrun():
    tree, _ = fitted(CONTINUOUS, seed=6, max_leaf_nodes=5)
    oracle = leaf_oracle(tree, budget=20)
    with pytest.raises(QueryBudgetExceeded):
        extract_tree(oracle, CONTINUOUS, rng=0)
    assert oracle.n_queries <= 20


class _Box:
    """A feature description with free attributes, to build bad ones."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.mark.parametrize(
    "features, error, match",
    [
        ("x0 x1 x2", TypeError, "'features' parameter must be a sequence"),
        ({"x0": 1}, TypeError, "'features' parameter must be a sequence"),
        (CONTINUOUS[:2], ValueError, "describe each of the oracle's 3 features. Got 2"),
        (CONTINUOUS[:2] + [_Box(name="z", kind="ordinal")], ValueError,
         r"feature 2 \('z'\) must have kind 'continuous' or 'categorical'. Got 'ordinal'"),
        (CONTINUOUS[:2] + [_Box(name="z", kind="continuous", low=5.0, high=1.0)], ValueError,
         "needs low <= high. Got low=5.0, high=1.0"),
        (CONTINUOUS[:2] + [_Box(name="z", kind="continuous", low=0.0, high=math.nan)],
         ValueError, "needs a finite number as 'high'"),
        (CONTINUOUS[:2] + [_Box(name="z", kind="continuous", low=None, high=1.0)],
         ValueError, "needs a finite number as 'low'. Got None"),
        (CONTINUOUS[:2] + [_Box(name="z", kind="categorical", values=())], ValueError,
         "categorical feature 2 .* needs a non-empty sequence of 'values'"),
    ],
)
def test_bad_features_are_rejected_before_any_query(features, error, match):
    tree, _ = fitted(CONTINUOUS, seed=6, max_leaf_nodes=5)
    oracle = leaf_oracle(tree)
    with pytest.raises(error, match=match):
        extract_tree(oracle, features)
    assert oracle.n_queries == 0


def test_bad_arguments_are_rejected_before_any_query():
    tree, _ = fitted(CONTINUOUS, seed=6, max_leaf_nodes=5)
    oracle = leaf_oracle(tree)
    cases = [
        (dict(epsilon=0), ValueError, "'epsilon' parameter must be a positive number. Got 0"),
        (dict(epsilon=-1e-3), ValueError, "'epsilon' parameter must be a positive number"),
        (dict(epsilon=math.inf), ValueError, "'epsilon' parameter must be a positive number"),
        (dict(epsilon="1e-3"), TypeError, "'epsilon' parameter must be a positive number"),
        (dict(epsilon=1e-300), ValueError, "'epsilon' parameter is too fine"),
        (dict(incomplete_queries="yes"), TypeError, "'incomplete_queries' parameter must be"),
        (dict(label_oracle=3), TypeError, "'label_oracle' parameter must be callable"),
    ]
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            extract_tree(oracle, CONTINUOUS, **kwargs)
    with pytest.raises(TypeError, match="'oracle' parameter must be a stealkit.Oracle"):
        extract_tree(tree.apply, CONTINUOUS)
    labels = Oracle(tree.predict, n_features=3, output="label")
    with pytest.raises(ValueError, match="output='leaf'"):
        extract_tree(labels, CONTINUOUS)
    assert oracle.n_queries == labels.n_queries == 0


def test_uniform_inputs_draw_as_the_data_set_does(offline):
    from stealkit.datasets import load_german_credit

    ds = load_german_credit(raw=True, rng=0)
    np.testing.assert_array_equal(uniform_inputs(ds.features, 50, rng=3),
                                  ds.sample_uniform(50, rng=3))
    with pytest.raises(TypeError, match="'features' parameter must be a sequence"):
        uniform_inputs("age", 5)
    with pytest.raises(ValueError, match="'n_samples' parameter"):
        uniform_inputs(ds.features, -1)
