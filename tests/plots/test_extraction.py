import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from sklearn.linear_model import LogisticRegression

from stealkit import plots
from stealkit.paper.equation_solving import (
    figure2_panel,
    inversion_comparison,
    rounding_row,
)


@pytest.fixture
def models():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    victim = LogisticRegression().fit(X, y)
    copy = LogisticRegression().fit(X[:30], victim.predict(X[:30]))
    return victim, copy, X[:30]


def test_decision_boundary_draws_victim_copy_and_queries(models):
    victim, copy, queries = models
    fig, ax = plt.subplots()
    out = plots.plot_decision_boundary(victim, copy, queries=queries, resolution=50, ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["victim $f$", r"extracted $\hat f$", "queries (30)"]
    assert ax.get_xlim() == (-1.0, 1.0)
    # Every query is drawn, where it was sent.
    (scatter,) = ax.collections[-1:]
    np.testing.assert_array_equal(scatter.get_offsets(), queries)


def test_decision_boundary_bad_bounds(models):
    with pytest.raises(ValueError, match="'bounds' must be"):
        plots.plot_decision_boundary(models[0], bounds=(1, 0, 0, 1))


def test_plot_answer():
    fig, ax = plt.subplots()
    plots.plot_answer(np.array([0.2, 0.8]), classes=["a", "b"], reference=np.array([0.21, 0.79]), ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert len(ax.patches) == 4
    # The answer's bars in the victim's colour, the exact probabilities outlined.
    assert [p.get_height() for p in ax.patches] == [0.2, 0.8, 0.21, 0.79]
    assert to_rgb(ax.patches[0].get_facecolor()) == to_rgb(plots.VICTIM)
    assert to_rgb(ax.patches[2].get_edgecolor()) == to_rgb(plots.EXTRACTED)
    with pytest.raises(ValueError, match="one probability vector"):
        plots.plot_answer(np.ones((2, 2)))


def test_plot_rounding_draws_each_row_in_decimal_order():
    rows = [{"decimals": d, "1-R_test": t, "1-R_unif": u}
            for d, t, u in ((2, 0.99, 0.98), (None, 1.0, 1.0), (0, 0.5, 0.4))]
    fig, ax = plt.subplots()
    assert plots.plot_rounding(rows, highlight=2, ax=ax) is ax
    test, unif, circle = ax.get_lines()[:3]
    assert list(test.get_xdata()) == [0, 2, 3]  # unrounded drawn right of the most decimals
    np.testing.assert_allclose(test.get_ydata(), [0.5, 0.01, 1e-5])  # error, floored at 1e-5
    np.testing.assert_allclose(unif.get_ydata(), [0.6, 0.02, 1e-5])
    assert test.get_color() == unif.get_color() == plots.EXTRACTED
    assert list(circle.get_xdata()) == [2, 2]  # the highlighted row is circled
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "exact"]
    with pytest.raises(ValueError, match="'rows' must be rounding_row dicts"):
        plots.plot_rounding([{"decimals": 1}])


def test_plot_rounding_an_exact_copy_sits_on_the_floor(iris_softmax):
    data, victim = iris_softmax
    rows = [rounding_row(victim, data, decimals=d, n_queries=30, n_unif=500, rng=0)
            for d in (None, 1)]
    ax = plots.plot_rounding(rows, highlight=1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "exact"]
    test_line, unif_line = ax.get_lines()[:2]
    assert list(test_line.get_xdata()) == [1, 2]
    assert test_line.get_ydata()[-1] == 1e-5  # the exact copy, on the floor
    np.testing.assert_allclose(unif_line.get_ydata(),
                               [max(1 - r["1-R_unif"], 1e-5) for r in rows[::-1]])


def test_plot_representers_pairs_each_stolen_image_with_its_training_image():
    panel = figure2_panel(victim_representers=3, n_representers=2, n_queries=60, rng=0)
    fig = plots.plot_representers(panel, n=5)
    assert len(fig.axes) == 4  # n is capped by the 2 representers found
    assert [a.get_title() for a in fig.axes[:2]] == ["stolen", "stolen"]
    # Each stolen image above the training image it is paired with, at their distance.
    for k in range(2):
        np.testing.assert_array_equal(fig.axes[k].images[0].get_array(),
                                      panel.result.representers[k].reshape(8, 8))
        partner = panel.victim.representers_[panel.partner[k]]
        np.testing.assert_array_equal(fig.axes[2 + k].images[0].get_array(), partner.reshape(8, 8))
        assert fig.axes[2 + k].get_title() == f"train, {panel.distance[k]:.1f}"


def test_plot_inversion_each_class_white_box_above_black_box():
    comparison = inversion_comparison(n_steps=1)
    fig = plots.plot_inversion(comparison)
    assert len(fig.axes) == 20
    # Class k's white-box prototype above its black-box one, with the victim's confidence.
    for k in (0, 9):
        white, black = fig.axes[k], fig.axes[10 + k]
        np.testing.assert_array_equal(white.images[0].get_array(),
                                      comparison.white_box[k].x.reshape(8, 8))
        np.testing.assert_array_equal(black.images[0].get_array(),
                                      comparison.black_box[k].x.reshape(8, 8))
        assert white.get_title() == f"{k}: {comparison.victim_confidence[k, 0]:.2f}"
        assert black.get_title() == f"{k}: {comparison.victim_confidence[k, 1]:.2f}"
    assert fig.axes[10].get_ylabel() == f"black box\n{comparison.black_box_queries:,} q."
