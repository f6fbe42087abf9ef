import matplotlib

matplotlib.use("Agg")

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from stealkit.watermark import _plot as wplot
from stealkit.watermark._widgets import interactive_ownership, interactive_snnl
from stealkit.watermark.analysis import activation_patterns, representations, toy_clusters
from stealkit.watermark.embed import TriggerSearch, Watermark
from stealkit.watermark.models import mnist_cnn
from stealkit.watermark.removal import NeuralCleanse, RemovalCurve
from stealkit.watermark.snnl import snnl
from stealkit.watermark.verify import verify_watermark


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_toy_clusters():
    c = toy_clusters(separation=3.0, n_samples=10, rng=0)
    assert c.X.shape == (10, 2) and c.y.tolist() == [0, 1] * 5
    assert c.X[c.y == 1, 0].mean() > c.X[c.y == 0, 0].mean()
    far = toy_clusters(separation=50.0, n_samples=10, rng=0)
    assert snnl(torch.as_tensor(far.X), far.y, 1.0).item() < 1e-6
    with pytest.raises(ValueError, match="'separation' parameter must be a number >= 0"):
        toy_clusters(separation=-1.0)
    with pytest.raises(ValueError, match="'n_samples' parameter must be an int >= 4"):
        toy_clusters(n_samples=3)


def test_activation_patterns_and_representations(toy_images):
    X, _ = toy_images
    model = mnist_cnn(rng=0)
    p = activation_patterns(model, {"a": X[:10], "b": X[10:20]}, layer="fc1")
    assert p.rates.shape == (2, 128) and p.rates.min() >= 0 and p.rates.max() <= 1
    assert set(p.silent_for("a", 0.5)) == set(np.flatnonzero(p.rates[0] < 0.5))
    conv = activation_patterns(model, {"a": X[:4]}, layer="conv2")
    assert conv.rates.shape == (1, 64 * 5 * 5)
    r = representations(model, X[:8], X[8:20], layer="fc1")
    assert r.points.shape == (20, 2) and r.groups.sum() == 8 and r.snnl > 0
    with pytest.raises(ValueError, match="non-empty dict"):
        activation_patterns(model, {})


def test_every_plot_returns_its_axes(toy_images):
    X, y = toy_images
    model = mnist_cnn(rng=0)
    wm = Watermark(1, 7, np.ones((4, 4)), (2, 3))
    c = toy_clusters(n_samples=10, rng=0)
    search = TriggerSearch(position=(2, 3), heatmap=np.random.default_rng(0).normal(size=(25, 25)),
                           gradient=np.zeros((28, 28)))
    v = verify_watermark(model, model, X[:20], watermark=wm, max_queries=10, n_draws=5, rng=0)
    curve = RemovalCurve("pruning", "conv2", np.array([0, 0.5]), np.array([0.9, 0.5]),
                         np.array([0.8, 0.1]))
    nc = NeuralCleanse(masks=np.zeros((10, 28, 28)), patterns=np.zeros((10, 28, 28)),
                       norms=np.arange(10.0) + 1, success=np.ones(10),
                       anomaly_index=np.linspace(-1, 3, 10), flagged=(9,), model=model,
                       accuracy=0.9, watermark_success=0.1, accuracy_before=0.9,
                       watermark_success_before=0.8)
    calls = [
        lambda ax: wplot.plot_snnl_clusters(c, value=0.5, temperature=1.0, ax=ax),
        lambda ax: wplot.plot_activation_patterns(
            activation_patterns(model, {"target class": X[:5], "watermarked": X[5:9]}), ax=ax),
        lambda ax: wplot.plot_trigger_search(search, background=X[:3].mean(0), ax=ax),
        lambda ax: wplot.plot_snnl_history({"EWE": np.random.default_rng(0).random((50, 3))},
                                           layers=("a", "b", "c"), ax=ax),
        lambda ax: wplot.plot_representations(representations(model, X[:5], X[5:10]), ax=ax),
        lambda ax: wplot.plot_watermark_success({"victim": 1.0, "extracted": 0.5, "clean": 0.0},
                                                ax=ax),
        lambda ax: wplot.plot_p_values({"extracted": v}, ax=ax),
        lambda ax: wplot.plot_removal([curve], clean_success=0.05, ax=ax),
        lambda ax: wplot.plot_neural_cleanse(nc, target=7, ax=ax),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        assert ax.get_ylabel() or ax.get_title()


def test_widgets_build(toy_images):
    X, _ = toy_images
    assert isinstance(interactive_snnl(n_samples=10), W.Widget)
    model = mnist_cnn(rng=0)
    v = verify_watermark(model, model, X[:20], watermark=Watermark(1, 7, np.ones((2, 2)), (0, 0)),
                         max_queries=10, n_draws=5, rng=0)
    assert isinstance(interactive_ownership({"copy": v}), W.Widget)
    with pytest.raises(ValueError, match="non-empty dict"):
        interactive_ownership({})
