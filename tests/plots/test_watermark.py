from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from stealkit import plots
from stealkit.watermark.analysis import toy_clusters
from stealkit.watermark.embed import TriggerSearch
from stealkit.watermark.removal import NeuralCleanse, RemovalCurve


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax


def verification(p_values, sizes=(1, 2, 3), queries_needed=2):
    """What plot_watermark_p_values reads of a Verification."""
    return SimpleNamespace(sizes=np.asarray(sizes), p_values=np.asarray(p_values, float),
                           queries_needed=queries_needed, significance=0.05)


def test_plot_snnl_clusters_draws_both_groups(ax):
    c = toy_clusters(n_samples=10, rng=0)
    assert plots.plot_snnl_clusters(c, value=0.5, temperature=1.0, ax=ax) is ax
    target, marked = ax.collections
    np.testing.assert_array_equal(target.get_offsets(), c.X[c.y == 0])
    np.testing.assert_array_equal(marked.get_offsets(), c.X[c.y == 1])
    assert to_rgb(target.get_facecolor()[0]) == to_rgb(plots.TARGET)
    assert to_rgb(marked.get_facecolor()[0]) == to_rgb(plots.WATERMARKED)
    assert ax.get_title().endswith("SNNL = 0.500")


def test_plot_activation_patterns_sorts_units_by_the_first_group(ax):
    rates = np.array([[0.1, 0.9, 0.5], [0.2, 0.3, 0.4]])
    patterns = SimpleNamespace(rates=rates, groups=("target class", "watermarked"), layer="fc1")
    assert plots.plot_activation_patterns(patterns, ax=ax) is ax
    first, second = ax.get_lines()
    assert list(first.get_ydata()) == [0.9, 0.5, 0.1] and list(second.get_ydata()) == [0.3, 0.4, 0.2]
    assert (first.get_color(), second.get_color()) == (plots.TARGET, plots.WATERMARKED)


def test_plot_trigger_search_outlines_the_chosen_position(ax):
    heat = np.random.default_rng(0).normal(size=(25, 25))
    search = TriggerSearch(position=(2, 3), heatmap=heat, gradient=np.zeros((28, 28)))
    assert plots.plot_trigger_search(search, background=np.zeros((28, 28)), ax=ax) is ax
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (2.5, 1.5, 4, 4)
    np.testing.assert_array_equal(ax.images[-1].get_array(), heat)


def test_plot_snnl_history_draws_the_moving_average_of_each_layer(ax):
    values = np.random.default_rng(0).random((50, 3))
    assert plots.plot_snnl_history({"EWE": values}, layers=("a", "b", "c"), window=10, ax=ax) is ax
    curves = ax.get_lines()[:3]
    for i, line in enumerate(curves):
        np.testing.assert_allclose(line.get_ydata(), np.convolve(values[:, i], np.ones(10) / 10, "valid"))
    assert ax.get_lines()[3].get_ydata()[0] == pytest.approx(np.log(2))


def test_plot_representations_draws_every_point(ax):
    reps = SimpleNamespace(points=np.arange(20.0).reshape(10, 2), groups=np.array([0] * 6 + [1] * 4),
                           labels=("target", "watermarked"), layer="fc1", snnl=0.25)
    assert plots.plot_representations(reps, ax=ax) is ax
    assert [len(c.get_offsets()) for c in ax.collections] == [6, 4]
    target, marked = ax.collections
    np.testing.assert_array_equal(target.get_offsets(), reps.points[:6])
    np.testing.assert_array_equal(marked.get_offsets(), reps.points[6:])
    assert to_rgb(target.get_facecolor()[0]) == to_rgb(plots.TARGET)
    assert to_rgb(marked.get_facecolor()[0]) == to_rgb(plots.WATERMARKED)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["target", "watermarked"]


def test_plot_watermark_success_one_bar_per_model_coloured_by_role(ax):
    success = {"victim": 1.0, "extracted": 0.5, "clean": 0.0}
    assert plots.plot_watermark_success(success, ax=ax) is ax
    assert [b.get_height() for b in ax.patches] == [100.0, 50.0, 0.0]
    assert [to_rgb(b.get_facecolor()) for b in ax.patches] == [
        to_rgb(plots.VICTIM), to_rgb(plots.EXTRACTED), to_rgb(plots.CLEAN)]


def test_plot_watermark_p_values_draws_each_suspects_median(ax):
    p = [[0.5, 0.3, 0.4], [0.01, 0.02, 0.03], [0.0, 0.0, 1e-3]]
    assert plots.plot_watermark_p_values({"extracted": verification(p)}, ax=ax) is ax
    curve, needed = ax.get_lines()[:2]
    assert list(curve.get_xdata()) == [1, 2, 3] and curve.get_color() == plots.EXTRACTED
    np.testing.assert_array_equal(curve.get_ydata(), [0.4, 0.02, 1e-12])  # floored at 1e-12
    assert (list(needed.get_xdata()), list(needed.get_ydata())) == ([2], [0.02])



def test_plot_watermark_p_values_tells_suspects_apart(ax):
    # The notebook's four suspects: three copies and an independent model.
    p = [[0.5, 0.3, 0.4], [0.01, 0.02, 0.03], [0.0, 0.0, 1e-3]]
    names = ["EWE: extracted", "naive: extracted", "clean: extracted", "independent"]
    plots.plot_watermark_p_values({n: verification(p) for n in names}, ax=ax)
    curves = [line for line in ax.get_lines() if line.get_label() in names]
    assert [c.get_label() for c in curves] == names
    styles = {(c.get_color(), c.get_linestyle()) for c in curves}
    assert len({c.get_color() for c in curves}) == 4 and len(styles) == 4
    assert curves[0].get_color() == plots.EXTRACTED and curves[3].get_color() == plots.CLEAN
    assert [t.get_text() for t in ax.get_legend().get_texts()] == names

def test_plot_removal_draws_accuracy_against_watermark_success(ax):
    curve = RemovalCurve("pruning", "conv2", np.array([0, 0.5]), np.array([0.9, 0.5]),
                         np.array([0.8, 0.1]))
    assert plots.plot_removal([curve], clean_success=0.05, ax=ax) is ax
    line, clean = ax.get_lines()
    assert list(line.get_xdata()) == [90.0, 50.0] and list(line.get_ydata()) == [80.0, 10.0]
    assert line.get_color() == plots.VICTIM and list(clean.get_ydata()) == [5.0, 5.0]


def test_plot_neural_cleanse_one_bar_per_class(ax):
    nc = NeuralCleanse(masks=np.zeros((10, 28, 28)), patterns=np.zeros((10, 28, 28)),
                       norms=np.arange(10.0) + 1, success=np.ones(10),
                       anomaly_index=np.linspace(-1, 3, 10), flagged=(9,), model=None,
                       accuracy=0.9, watermark_success=0.1, accuracy_before=0.9,
                       watermark_success_before=0.8)
    assert plots.plot_neural_cleanse(nc, target=7, ax=ax) is ax
    assert [b.get_height() for b in ax.patches] == list(np.arange(10.0) + 1)
    colors = [to_rgb(b.get_facecolor()) for b in ax.patches]
    assert colors == [to_rgb(plots.CLEAN)] * 9 + [to_rgb(plots.EXTRACTED)]
    assert ax.patches[7].get_linewidth() == 2.5
