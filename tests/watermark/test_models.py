import numpy as np
import pytest
import torch

from stealkit.watermark.models import (
    LAYERS,
    activations,
    mnist_accuracy,
    mnist_cnn,
    predict,
    predict_proba,
    train_mnist_classifier,
)


def test_architecture_is_the_papers():
    m = mnist_cnn(rng=0)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert shapes == {
        "conv1.weight": (32, 1, 5, 5), "conv1.bias": (32,),
        "conv2.weight": (64, 32, 3, 3), "conv2.bias": (64,),
        "fc1.weight": (128, 1600), "fc1.bias": (128,),
        "fc2.weight": (10, 128), "fc2.bias": (10,),
    }
    h = m.hidden(torch.zeros(2, 1, 28, 28))
    assert [tuple(h[k].shape) for k in (*LAYERS, "logits")] == [
        (2, 32, 12, 12), (2, 64, 5, 5), (2, 128), (2, 10)
    ]


def test_same_rng_same_model_and_global_state_untouched():
    before = torch.random.get_rng_state()
    a, b, c = mnist_cnn(rng=1), mnist_cnn(rng=1), mnist_cnn(rng=2)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


def test_training_learns_and_is_reproducible(toy_images):
    X, y = toy_images
    runs = []
    for _ in range(2):
        m = mnist_cnn(rng=0)
        log = train_mnist_classifier(m, X, y, epochs=3, batch_size=25, rng=0, progress=False)
        runs.append(m)
    assert log.losses.shape == (3 * 4,) and log.losses[-1] < log.losses[0]
    assert mnist_accuracy(runs[0], X, y) > 0.9
    assert torch.equal(runs[0].fc2.weight, runs[1].fc2.weight)
    p = predict_proba(runs[0], X[:5])
    assert p.shape == (5, 10) and np.allclose(p.sum(1), 1)
    assert (predict(runs[0], X[:5]) == p.argmax(1)).all()
    acts = activations(runs[0], X[:3], layers=("fc1",))
    assert acts["fc1"].shape == (3, 128)


def test_soft_labels(toy_images):
    X, y = toy_images
    soft = np.eye(10)[y] * 0.9 + 0.01
    m = mnist_cnn(rng=0)
    train_mnist_classifier(m, X, soft, epochs=3, batch_size=25, rng=0, progress=False)
    assert mnist_accuracy(m, X, y) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": -1}, ValueError, "'epochs' parameter must be an int >= 0. Got -1"),
        ({"batch_size": 0}, ValueError, "'batch_size' parameter must be an int >= 1"),
        ({"lr": 0.0}, ValueError, "'lr' parameter must be a number > 0"),
        ({"lr": "fast"}, TypeError, "'lr' parameter"),
        ({"y": np.arange(5)}, ValueError, "'y' parameter must hold 100 labels"),
        ({"y": np.full(100, 10)}, ValueError, r"class labels in \[0, 9\]"),
        ({"X": np.zeros((100, 5))}, ValueError, "'X' parameter must hold grey images"),
        ({"X": np.full((100, 28, 28), 2.0)}, ValueError, r"pixels in \[0, 1\]"),
        ({"model": "cnn"}, TypeError, "'model' parameter must be a torch.nn.Module"),
    ],
)
def test_bad_arguments(toy_images, kwargs, error, match):
    X, y = toy_images
    args = {"model": mnist_cnn(rng=0), "X": X, "y": y, "progress": False} | kwargs
    with pytest.raises(error, match=match):
        train_mnist_classifier(args.pop("model"), args.pop("X"), args.pop("y"), **args)
