import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit import Oracle, plots
from stealkit.attacks.path_finding import extract_tree
from stealkit.datasets import Feature
from stealkit.paper.path_finding import path_finding_row
from stealkit.victims import DecisionTree

FEATURES = [Feature("size", "continuous", low=0.0, high=30.0),
            Feature("weight", "continuous", low=0.0, high=10.0)]
BOUNDS = (0.0, 30.0, 0.0, 10.0)


@pytest.fixture(scope="module")
def tree(tree_2d):
    assert tree_2d.features == FEATURES
    return tree_2d


def extract(tree, incomplete, labels=True):
    oracle = Oracle(tree.apply, n_features=2, output="leaf")
    label_oracle = Oracle(tree.predict, n_features=2, output="label") if labels else None
    return extract_tree(oracle, FEATURES, incomplete_queries=incomplete,
                        label_oracle=label_oracle, rng=0)


@pytest.fixture(scope="module")
def results(tree):
    return {inc: extract(tree, inc) for inc in (False, True)}


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("incomplete", [False, True], ids=["algorithm1", "top-down"])
def test_path_finding_draws_every_leaf_and_query_at_the_end(tree, results, incomplete):
    result = results[incomplete]
    fig, ax = plt.subplots()
    out = plots.plot_path_finding(result, ax=ax)
    assert out is ax
    assert len(ax.patches) == tree.n_leaves == result.model.n_leaves
    labels = legend(ax)
    assert labels[0] == f"leaves found ({tree.n_leaves} of {tree.n_leaves})"
    # One legend entry per kind of query, counting every query but the root's.
    counts = {kind: result.steps.count(kind) for kind in set(result.steps)}
    assert sorted(labels[1:]) == sorted(f"{k} ({c})" for k, c in counts.items())
    assert ax.get_title().startswith(f"{result.n_queries} queries")
    # The window is the domain (plus a margin): the line searches query both ends.
    lo, hi = ax.get_xlim()
    assert lo < 0 < 30 < hi and hi - lo == pytest.approx(30 * 1.06)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("size", "weight")


def test_path_finding_replays_up_to_step(results):
    result = results[False]
    fig, ax = plt.subplots()
    plots.plot_path_finding(result, step=0, ax=ax)
    assert len(ax.patches) == 0 and legend(ax) == ["leaves found (0 of 5)"]
    ax.clear()
    plots.plot_path_finding(result, step=1, ax=ax)
    # The first query is the random start, which lands in a leaf at once.
    assert len(ax.patches) == 1 and "start (1)" in legend(ax)
    assert ax.get_title() == (f"query 1 of {result.n_queries} "
                              f"(start: answer {result.answers[0]})")
    ax.clear()
    found = []
    for step in range(result.n_queries + 1):
        plots.plot_path_finding(result, step=step, ax=ax)
        found.append(len(ax.patches))
        ax.clear()
    assert found == sorted(found) and found[-1] == 5  # leaves only ever appear


def test_path_finding_boxes_are_the_extracted_leaves(results):
    result = results[False]
    fig, ax = plt.subplots()
    plots.plot_path_finding(result, ax=ax)
    boxes = sorted((p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in ax.patches)
    want = []
    for leaf in result.leaves:
        lo_x, hi_x = leaf.intervals.get(0, (-np.inf, np.inf))
        lo_y, hi_y = leaf.intervals.get(1, (-np.inf, np.inf))
        lo_x, hi_x, lo_y, hi_y = max(lo_x, 0), min(hi_x, 30), max(lo_y, 0), min(hi_y, 10)
        want.append((lo_x, lo_y, hi_x - lo_x, hi_y - lo_y))
    np.testing.assert_allclose(boxes, sorted(want))
    assert sum(w * h for _, _, w, h in boxes) == pytest.approx(300)  # they tile the domain


def test_path_finding_without_labels_and_with_bounds(tree):
    result = extract(tree, False, labels=False)
    fig, ax = plt.subplots()
    plots.plot_path_finding(result, bounds=(5, 20, 2, 8), ax=ax)
    assert len(ax.patches) == 5
    assert ax.get_xlim() == pytest.approx((5 - 0.45, 20 + 0.45))


def test_path_finding_bad_input(results, tree):
    result = results[False]
    for step in (-1, result.n_queries + 1, 2.5, True):
        with pytest.raises(ValueError, match="'step' parameter must be an int"):
            plots.plot_path_finding(result, step=step)
    with pytest.raises(ValueError, match="'bounds' must be"):
        plots.plot_path_finding(result, bounds=(1, 0, 0, 1))
    three = [*FEATURES, Feature("c", "categorical", values=("a", "b"))]
    tree3 = DecisionTree(features=three, max_depth=1).fit(
        np.array([[0, 0, 0], [1, 1, 1], [2, 2, 0], [3, 3, 1]], dtype=float), [0, 1, 0, 1])
    r3 = extract_tree(Oracle(tree3.apply, n_features=3, output="leaf"), three, rng=0)
    with pytest.raises(ValueError, match="trees of two features"):
        plots.plot_path_finding(r3)


def test_tree_regions_victim_and_extracted_agree(tree, results):
    fig, (a, b) = plt.subplots(1, 2)
    plots.plot_tree_regions(tree, bounds=BOUNDS, resolution=60, ax=a)
    plots.plot_tree_regions(results[True].model, bounds=BOUNDS, classes=tree.classes_,
                            color=plots.EXTRACTED, resolution=60, ax=b)
    for ax, color in ((a, plots.VICTIM), (b, plots.EXTRACTED)):
        assert legend(ax) == ["label 0", "label 1", "label 2", "leaf borders"]
        assert ax.get_legend().get_lines()[-1].get_color() == color
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("size", "weight")
        assert ax.get_xlim() == (0.0, 30.0)
    # The same shading and the same identifiers written on the same leaves.
    np.testing.assert_array_equal(a.images[0].get_array(), b.images[0].get_array())
    assert sorted(t.get_text() for t in a.texts) == sorted(t.get_text() for t in b.texts)
    assert len(a.texts) == tree.n_leaves


def test_tree_regions_without_labels_shade_by_identifier(tree):
    model = extract(tree, False, labels=False).model
    fig, ax = plt.subplots()
    plots.plot_tree_regions(model, bounds=BOUNDS, resolution=40, ax=ax)
    assert legend(ax) == ["leaf borders"]
    assert len(np.unique(ax.images[0].get_array())) == 5


def test_tree_regions_bad_input(tree):
    with pytest.raises(ValueError, match="'bounds' must be"):
        plots.plot_tree_regions(tree, bounds=(0, 1, 1, 0))
    with pytest.raises(ValueError, match="'resolution' parameter must be an int >= 2"):
        plots.plot_tree_regions(tree, bounds=BOUNDS, resolution=1)


def test_epsilon_sweep(tree):
    rows = [{"epsilon": eps, **path_finding_row(tree, FEATURES, np.zeros((1, 2)), epsilon=eps,
                                                n_unif=100)}
            for eps in (1.0, 0.01, 0.1)]
    fig, (a, b) = plt.subplots(1, 2)
    plots.plot_epsilon_sweep(rows, ax=a)
    plots.plot_epsilon_sweep(rows, y="1-R_unif", ax=b)
    assert a.get_xscale() == b.get_xscale() == "log" and a.get_yscale() == "linear"
    line, line_inc = a.get_lines()
    assert list(line.get_xdata()) == [0.01, 0.1, 1.0]  # sorted by ε
    assert list(line.get_ydata()) == [r["queries"] for r in sorted(rows, key=lambda r: r["epsilon"])]
    assert list(line_inc.get_ydata()) == [r["queries inc."] for r in sorted(rows, key=lambda r: r["epsilon"])]
    assert a.get_ylabel() == "unique queries" and b.get_ylabel() == "1 − R_unif"
    with pytest.raises(ValueError, match="'rows' must be path_finding_row dicts"):
        plots.plot_epsilon_sweep([{"queries": 1}])
