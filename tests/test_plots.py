import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from stealkit import plots  # noqa: E402


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
    plt.close(fig)


def test_decision_boundary_bad_bounds(models):
    with pytest.raises(ValueError, match="'bounds' must be"):
        plots.plot_decision_boundary(models[0], bounds=(1, 0, 0, 1))


def test_plot_answer():
    fig, ax = plt.subplots()
    plots.plot_answer(np.array([0.2, 0.8]), classes=["a", "b"], reference=np.array([0.21, 0.79]), ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert len(ax.patches) == 4
    with pytest.raises(ValueError, match="one probability vector"):
        plots.plot_answer(np.ones((2, 2)))
    plt.close(fig)


def test_dataset_inference_plots():
    from stealkit.dataset_inference import linear_toy, ownership_test, p_value_curve

    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 30), rng.normal(0, 1, 30)
    fig, axes = plt.subplots(2, 2)
    plots.plot_margins(a, b, test=ownership_test(a, b), ax=axes[0, 0])
    assert axes[0, 0].get_title().startswith("stolen (p = ")
    gaps = [linear_toy.simulate_margin_gap(n_noise=D, sigma=s, n_repeats=5, rng=0)
            for D in (1, 4) for s in (0.5, 1.0)]
    plots.plot_margin_gaps(gaps, ax=axes[0, 1])
    labels = [t.get_text() for t in axes[0, 1].get_legend().get_texts()]
    assert set(labels) == {"σ = 0.5", "σ = 1", r"Theorem 1: $D\sigma^2$"}
    decisions = [linear_toy.simulate_decision(n_noise=D, n_repeats=50, rng=0) for D in (1, 8)]
    plots.plot_decision_success(decisions, ax=axes[1, 0])
    assert axes[1, 0].get_xscale() == "log"
    sizes, p = p_value_curve(a, b, sizes=[2, 10], n_draws=5, rng=0)
    plots.plot_p_values(sizes, p, label="victim", color=plots.VICTIM, ax=axes[1, 1])
    assert axes[1, 1].get_lines()[0].get_color() == plots.VICTIM
    with pytest.raises(ValueError, match="one row per size"):
        plots.plot_p_values([2, 3, 4], p)
    plt.close(fig)


def test_plot_seed_spread_marks_the_seeds_below_the_paper():
    records = [{"model": "ovr", "seed": s, "acc": v} for s, v in enumerate([1.0, 0.99, 1.0, 0.97])]
    records += [{"model": "softmax", "seed": s, "acc": 1.0} for s in range(4)]
    fig, ax = plt.subplots()
    out = plots.plot_seed_spread(records, by="model", metric="acc",
                                 paper={("ovr",): 0.9998, ("softmax",): 0.9996}, ax=ax)
    assert out is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x" and len(line.get_ydata())]
    assert len(crosses) == 1 and sorted(crosses[0].get_ydata()) == [97.0, 99.0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert sum(len(line.get_ydata()) for line in dots) == 6  # 2 ovr seeds + 4 softmax seeds
    assert sorted(t.get_text() for t in ax.texts) == ["1", "3"]  # the failing seeds, labelled
    assert list(lines["paper"].get_ydata()) == [99.98, 99.98]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ovr", "softmax"]
    assert {"one seed", "median", "paper", "below the paper"} <= {
        t.get_text() for t in ax.get_legend().get_texts()}
    plt.close(fig)
    with pytest.raises(ValueError, match="holds no measurements"):
        plots.plot_seed_spread([], by="model", metric="acc")
