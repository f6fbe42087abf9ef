import numpy as np
import pytest
import torch

from stealkit.watermark.analysis import activation_patterns, representations, toy_clusters
from stealkit.watermark.models import activations, mnist_cnn
from stealkit.watermark.snnl import snnl


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
    assert r.points.shape == (20, 2) and r.groups.tolist() == [1] * 8 + [0] * 12
    # SNNL of the full fc1 activations; the points are their first two principal components.
    reps = activations(model, X[:20], layers=("fc1",))["fc1"].astype(np.float64)
    assert r.snnl == pytest.approx(float(snnl(torch.as_tensor(reps), r.groups, 1.0,
                                              metric="cosine")))
    centred = reps - reps.mean(0)
    np.testing.assert_allclose((r.points ** 2).sum(0),
                               np.linalg.svd(centred, compute_uv=False)[:2] ** 2)
    with pytest.raises(ValueError, match="non-empty dict"):
        activation_patterns(model, {})
