import numpy as np
import pytest
import torch

from stealkit.watermark.embed import Watermark, train_backdoor_watermark
from stealkit.watermark.models import mnist_cnn, train_mnist_classifier
from stealkit.watermark.removal import neural_cleanse, prune, pruning_curve


@pytest.fixture(scope="module")
def trained(toy_images):
    X, y = toy_images
    m = mnist_cnn(rng=0)
    train_mnist_classifier(m, X, y, epochs=3, batch_size=25, rng=0, progress=False)
    return m


def test_prune_zeroes_the_least_active_units(trained, toy_images):
    X, _ = toy_images
    for layer, n_units in (("conv2", 64), ("fc1", 128), ("conv1", 32)):
        res = prune(trained, X, fraction=0.25, layer=layer)
        assert len(res.pruned) == n_units // 4 and res.fraction == 0.25
        # the pruned units are exactly those with the lowest mean activation
        assert set(res.pruned) == set(np.argsort(res.activation, kind="stable")[: n_units // 4])
        w = getattr(res.model, layer).weight
        assert (w[torch.as_tensor(res.pruned)] == 0).all()
        kept = np.setdiff1d(np.arange(n_units), res.pruned)
        assert torch.equal(w[torch.as_tensor(kept)], getattr(trained, layer).weight[torch.as_tensor(kept)])
        h = res.model.hidden(torch.rand(4, 1, 28, 28))[layer]
        assert (h[:, torch.as_tensor(res.pruned)] == 0).all()
    # the original is untouched; fraction 0 changes nothing
    assert (trained.conv2.weight != 0).all()
    same = prune(trained, X, fraction=0.0)
    assert len(same.pruned) == 0 and torch.equal(same.model.conv2.weight, trained.conv2.weight)


def test_pruning_curve_and_fine_pruning_keep_units_at_zero(trained, toy_images):
    X, y = toy_images
    wm = Watermark(1, 7, np.ones((4, 4)), (20, 20))
    kw = dict(X_test=X, y_test=y, X_watermarked=wm.apply(X[y == 1]), target=7)
    curve = pruning_curve(trained, X, fractions=(0.0, 0.5, 1.0), layer="fc1", **kw)
    assert curve.attack == "pruning" and curve.accuracy.shape == (3,)
    assert curve.accuracy[0] > 0.9 and curve.accuracy[-1] <= 0.2  # nothing left at 100 %
    assert len(curve.rows()) == 3
    fine = pruning_curve(trained, X, y, fractions=(0.5,), layer="fc1", fine_tune_epochs=1,
                         batch_size=25, rng=0, progress=False, **kw)
    assert fine.attack == "fine-pruning" and fine.watermark_success.shape == (1,)


def test_fine_pruning_holds_pruned_units(trained, toy_images, monkeypatch):
    X, y = toy_images
    import stealkit.watermark.removal as removal

    seen = {}
    real = removal.train_mnist_classifier

    def spy(model, *a, **k):
        out = real(model, *a, **k)
        seen["fc1"] = model.fc1.weight.detach().clone()
        return out

    monkeypatch.setattr(removal, "train_mnist_classifier", spy)
    pruning_curve(trained, X, y, X_test=X, y_test=y, X_watermarked=X[:5], target=7,
                  fractions=(0.5,), layer="fc1", fine_tune_epochs=1, batch_size=25, rng=0,
                  progress=False)
    assert (seen["fc1"].abs().sum(1) == 0).sum() == 64


def test_neural_cleanse_reverses_a_planted_backdoor(toy_images):
    X, y = toy_images
    victim = train_backdoor_watermark(mnist_cnn(rng=0), X, y, source=2, target=5,
                                      position=(22, 22), trigger=np.ones((3, 3)), epochs=6,
                                      batch_size=20, rng=0, progress=False)
    X_w = victim.watermark.apply(X[y == 2])
    nc = neural_cleanse(victim.model, X, y, X_test=X, y_test=y, X_watermarked=X_w, target=5,
                        steps=25, batch_size=16, unlearn="smallest", rng=0, progress=False)
    assert nc.masks.shape == nc.patterns.shape == (10, 28, 28) and nc.norms.shape == (10,)
    assert nc.masks.min() >= 0 and nc.masks.max() <= 1
    assert np.allclose(nc.norms, nc.masks.sum((1, 2)), rtol=1e-5)
    assert nc.watermark_success_before > 0.8
    assert nc.success[5] >= 0.9  # the backdoor's target is easy to reach
    mad = 1.4826 * np.median(np.abs(nc.norms - np.median(nc.norms)))
    assert np.allclose(nc.anomaly_index, (np.median(nc.norms) - nc.norms) / mad)
    assert nc.flagged == tuple(np.flatnonzero(nc.anomaly_index > 2))
    assert 0 <= nc.accuracy <= 1 and 0 <= nc.watermark_success <= 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"fractions": (0.5, 1.5)}, ValueError, r"'fractions' parameter must be a non-empty sequence of numbers in \[0, 1\]"),
        ({"fractions": ()}, ValueError, "'fractions' parameter"),
        ({"layer": "fc2"}, ValueError, "'layer' parameter must be one of 'conv1', 'conv2', 'fc1'. Got 'fc2'"),
        ({"fine_tune_epochs": 1}, ValueError, "needs the labels 'y'"),
        ({"target": 10}, ValueError, r"'target' parameter must be an int in \[0, 9\]"),
        ({"y_test": np.zeros(3)}, ValueError, "one label per test image"),
    ],
)
def test_bad_arguments(trained, toy_images, kwargs, error, match):
    X, y = toy_images
    args = {"X_test": X, "y_test": y, "X_watermarked": X[:5], "target": 7} | kwargs
    with pytest.raises(error, match=match):
        pruning_curve(trained, X, **args)


def test_bad_prune_and_cleanse_arguments(trained, toy_images):
    X, y = toy_images
    with pytest.raises(ValueError, match="'fraction' parameter must be a number >= 0.0 and <= 1.0"):
        prune(trained, X, fraction=2)
    with pytest.raises(ValueError, match="'unlearn' parameter must be one of"):
        neural_cleanse(trained, X, y, X_test=X, y_test=y, X_watermarked=X[:2], target=1,
                       unlearn="all", progress=False)
    with pytest.raises(ValueError, match="'steps' parameter must be an int >= 1"):
        neural_cleanse(trained, X, y, X_test=X, y_test=y, X_watermarked=X[:2], target=1,
                       steps=0, progress=False)
