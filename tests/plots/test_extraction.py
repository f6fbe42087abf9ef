import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from sklearn.linear_model import LogisticRegression

from stealkit import plots


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
