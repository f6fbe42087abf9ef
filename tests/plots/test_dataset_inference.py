import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb

from stealkit import plots
from stealkit.dataset_inference import blind_walk, linear_toy, ownership_test, p_value_curve


def test_plot_margins_draws_both_samples_in_their_colours():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 30), rng.normal(0, 1, 25)
    test = ownership_test(a, b)
    fig, ax = plt.subplots()
    plots.plot_margins(a, b, test=test, ax=ax)
    assert ax.get_title() == f"inconclusive (p = {test.p_value:.2g} ≥ α = 0.01)"  # p = 0.018
    assert all(float(t).is_integer() for t in ax.get_yticks())  # whole samples on the count axis
    public, private = ax.patches[:20], ax.patches[20:]  # 20 bins each, public first
    assert sum(p.get_height() for p in public) == 25 and sum(p.get_height() for p in private) == 30
    assert to_rgb(public[0].get_facecolor()) == to_rgb(plots.PUBLIC)
    assert to_rgb(private[0].get_facecolor()) == to_rgb(plots.VICTIM)
    means = [line.get_xdata()[0] for line in ax.get_lines()]
    assert means == pytest.approx([b.mean(), a.mean()])


def test_plot_margin_gaps_against_theorem_1():
    gaps = [linear_toy.simulate_margin_gap(n_noise=D, sigma=s, n_repeats=5, rng=0)
            for D in (1, 4) for s in (0.5, 1.0)]
    fig, ax = plt.subplots()
    plots.plot_margin_gaps(gaps, ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {"σ = 0.5", "σ = 1", r"Theorem 1: $D\sigma^2$"}
    theory = [line for line in ax.get_lines() if line.get_color() == plots.VICTIM and len(line.get_xdata())]
    assert [list(line.get_ydata()) for line in theory] == [[0.25, 1.0], [1.0, 4.0]]  # D σ²
    measured = [line for line in ax.get_lines() if line.get_marker() == "o"]
    by_sigma = {s: sorted((g for g in gaps if g.sigma == s), key=lambda g: g.n_noise) for s in (0.5, 1.0)}
    for line, sigma in zip(measured, (0.5, 1.0), strict=True):
        assert list(line.get_ydata()) == [g.mean for g in by_sigma[sigma]]


def test_plot_decision_success_draws_each_simulation():
    decisions = [linear_toy.simulate_decision(n_noise=D, n_repeats=50, rng=0) for D in (1, 8)]
    fig, ax = plt.subplots()
    plots.plot_decision_success(decisions, ax=ax)
    assert ax.get_xscale() == "log"
    lines = ax.get_lines()
    formula = lines[0]
    (flagged,) = [line for line in lines if line.get_marker() == "o"]
    (cleared,) = [line for line in lines if line.get_marker() == "s"]
    assert list(flagged.get_xdata()) == [1, 8]
    assert list(flagged.get_ydata()) == [d.flag_stolen for d in decisions]
    assert list(cleared.get_ydata()) == [d.clear_independent for d in decisions]
    assert flagged.get_color() == plots.EXTRACTED and cleared.get_color() == plots.PUBLIC
    np.testing.assert_allclose(formula.get_ydata(),
                               linear_toy.theorem3_success_probability(formula.get_xdata()))


def test_plot_p_values_draws_the_median_curve():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 30), rng.normal(0, 1, 30)
    sizes, p = p_value_curve(a, b, sizes=[2, 10], n_draws=5, rng=0)
    fig, ax = plt.subplots()
    plots.plot_p_values(sizes, p, label="victim", color=plots.VICTIM, ax=ax)
    line = ax.get_lines()[0]
    assert line.get_color() == plots.VICTIM
    assert list(line.get_xdata()) == [2, 10]
    np.testing.assert_array_equal(line.get_ydata(), np.median(p, axis=1))
    with pytest.raises(ValueError, match="one row per size"):
        plots.plot_p_values([2, 3, 4], p)


class _Threshold(torch.nn.Module):
    """Class 1 where the mean pixel exceeds 0.5: a boundary known exactly."""

    def forward(self, x):
        s = x.flatten(1).mean(1, keepdim=True) - 0.5
        return torch.cat([-s, s], 1)


def test_plot_walks_shows_each_sample_and_where_its_walk_ended():
    X = np.full((3, 8, 8, 3), 100, dtype=np.uint8)  # mean 0.39: class 0
    e = blind_walk(_Threshold(), X, n_directions=1, norms=("linf",), max_steps=5, rng=0,
                   progress=False)
    fig = plots.plot_walks(X, e, norm="linf", titles=["a", "b", "c"])
    axes = fig.axes
    assert len(axes) == 6 and [ax.get_title() for ax in axes[:3]] == ["a", "b", "c"]
    assert [ax.get_title().split(",")[0] for ax in axes[3:]] == [
        f"k = {int(k)}{'+' if censored else ''}"
        for k, censored in zip(e.steps[:, 0, 0], e.censored[:, 0, 0], strict=True)]
    np.testing.assert_allclose(axes[0].images[0].get_array(), X[0] / 255.0)
    with pytest.raises(ValueError, match="'norm' must be one of"):
        plots.plot_walks(X, e, norm="l2")


def test_plot_distances_one_box_per_norm_and_sample():
    rng = np.random.default_rng(0)
    private, public = rng.lognormal(1, 1, (20, 3, 2)), rng.lognormal(0, 1, (20, 3, 2))
    fig, ax = plt.subplots()
    out = plots.plot_distances(private, public, ax=ax)
    assert out is ax and ax.get_yscale() == "log" and len(ax.get_xticklabels()) == 3
    boxes = ax.patches
    assert len(boxes) == 6
    assert [to_rgb(b.get_facecolor()) for b in boxes] == [to_rgb(plots.VICTIM)] * 3 + [
        to_rgb(plots.PUBLIC)] * 3
    # Each box's median line sits at the median distance of its sample and norm.
    medians = [line for line in ax.get_lines() if line.get_color() == "k"]
    assert [line.get_ydata()[0] for line in medians] == pytest.approx(
        [np.median(d[:, a]) for d in (private, public) for a in range(3)])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["private $S$ (20)",
                                                                  "public $S_0$ (20)"]


def test_plot_zoo_p_values_one_curve_per_member():
    rng = np.random.default_rng(0)
    curves = {name: p_value_curve(rng.normal(shift, 1, 60), rng.normal(0, 1, 60),
                                  sizes=(2, 10, 50), n_draws=5, rng=0)
              for name, shift in (("V", 2.0), ("independent", 0.0))}
    fig, ax = plt.subplots()
    plots.plot_zoo_p_values(curves, labels={"V": "V source", "independent": "I independent"}, ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["V source", "I independent"]
    assert sorted(t.get_text() for t in ax.texts) == [" α = 0.01", " α = 0.05"]
    members = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [line.get_color() for line in members] == [plots.VICTIM, plots.PUBLIC]
    assert plots.member_color("V source") == plots.VICTIM
    for line, (_sizes, p) in zip(members, curves.values(), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), np.median(p, axis=1))
