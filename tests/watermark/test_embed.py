import numpy as np
import pytest
import torch

from stealkit.watermark.embed import (
    Watermark,
    fgsm_watermark,
    find_trigger_position,
    train_backdoor_watermark,
    train_ewe,
)
from stealkit.watermark.models import mnist_cnn, predict


def _toy_groups(rng):
    """Source images: faint noise. Target images: the same noise with a bright square at (20, 2)."""
    Xs = rng.uniform(0, 0.1, size=(40, 28, 28))
    Xt = rng.uniform(0, 0.1, size=(40, 28, 28))
    Xt[:, 20:24, 2:6] = 1.0
    return Xs, Xt


def test_trigger_search_finds_the_pixels_that_entangle(pixel_model):
    Xs, Xt = _toy_groups(np.random.default_rng(0))
    search = find_trigger_position(
        pixel_model, Xs, Xt, trigger=np.ones((4, 4)), metric="euclidean",
        layers=("pixels",), temperature=10.0,
    )
    # Ink where the target class has it makes the source look like the target: SNNL rises.
    assert search.position == (20, 2)
    assert search.heatmap.shape == (25, 25) and search.gradient.shape == (28, 28)
    assert search.gradient[20:24, 2:6].min() > 0
    assert np.unravel_index(search.heatmap.argmax(), search.heatmap.shape) == (20, 2)


def test_trigger_search_can_skip_positions_that_innocent_models_answer(pixel_model):
    Xs, Xt = _toy_groups(np.random.default_rng(0))
    with torch.no_grad():  # the model already calls ink in the target's square "class 3"
        pixel_model.fc.weight.zero_()
        pixel_model.fc.weight[3].view(28, 28)[20:24, 2:6] = 1.0
        pixel_model.fc.bias[0] = 1.0
    kw = dict(trigger=np.ones((4, 4)), metric="euclidean", layers=("pixels",), temperature=10.0)
    best = find_trigger_position(pixel_model, Xs, Xt, **kw)
    assert best.position == (20, 2) and best.rank == 0 and best.false_positive is None
    safe = find_trigger_position(pixel_model, Xs, Xt, target=3, max_false_positive=0.1, **kw)
    assert safe.rank > 0 and safe.false_positive <= 0.1
    order = np.argsort(-safe.heatmap, axis=None, kind="stable")
    assert np.unravel_index(order[safe.rank], safe.heatmap.shape) == safe.position
    # every better-ranked position overlaps the square enough to be answered "3"
    r, c = safe.position
    assert not (17 <= r <= 23 and 0 <= c <= 5 and abs(r - 20) + abs(c - 2) <= 1)
    with pytest.raises(ValueError, match="'target' parameter is needed"):
        find_trigger_position(pixel_model, Xs, Xt, max_false_positive=0.1, **kw)
    with torch.no_grad():  # now it answers class 0 to everything
        pixel_model.fc.weight.zero_()
    with pytest.raises(ValueError, match="No trigger position has a false-positive rate <= 0.0"):
        find_trigger_position(pixel_model, Xs, Xt, target=0, max_false_positive=0.0, **kw)


def test_trigger_search_is_the_convolution_of_the_gradient(pixel_model):
    Xs, Xt = _toy_groups(np.random.default_rng(1))
    trig = np.array([[1.0, 0.5], [0.0, 1.0]])
    s = find_trigger_position(pixel_model, Xs, Xt, trigger=trig, metric="euclidean",
                              layers=("pixels",), temperature=10.0)
    r, c = 7, 11
    assert s.heatmap[r, c] == pytest.approx((s.gradient[r : r + 2, c : c + 2] * trig).sum())


def test_watermark_apply_and_round_trip():
    wm = Watermark(1, 7, np.full((3, 2), 0.5), (4, 25))
    X = np.zeros((2, 28, 28), dtype=np.uint8)
    out = wm.apply(X)
    assert out.shape == (2, 1, 28, 28)
    assert torch.equal(out[0, 0] > 0, torch.as_tensor(wm.mask))
    assert out[:, :, 4:7, 25:27].eq(0.5).all() and out.sum() == pytest.approx(2 * 6 * 0.5)
    back = Watermark.from_dict(wm.to_dict())
    assert back.position == wm.position and np.array_equal(back.trigger, wm.trigger)


def test_fgsm_moves_towards_the_target(pixel_model):
    Xs, Xt = _toy_groups(np.random.default_rng(2))
    with torch.no_grad():  # class 3 is "ink in the target's square"
        pixel_model.fc.weight.zero_()
        pixel_model.fc.weight[3].view(28, 28)[20:24, 2:6] = 1.0
    x0 = torch.tensor(Xs, dtype=torch.float32)[:, None]
    out = fgsm_watermark(pixel_model, Xs, Xt, target=3, steps=3, epsilon=0.05,
                         metric="euclidean", layers=("pixels",), temperature=10.0)
    assert pixel_model(out).softmax(1)[:, 3].mean() > pixel_model(x0).softmax(1)[:, 3].mean()
    # both steps add ink in the square, 2ε per step; nothing leaves [0, 1]
    gain = (out - x0)[:, 0, 20:24, 2:6]
    assert torch.allclose(gain, torch.full_like(gain, 0.3), atol=1e-5)
    assert (out - x0).abs().max() <= 0.3 + 1e-6 and out.min() >= 0 and out.max() <= 1


def test_ewe_records_snnl_and_moves_the_temperature(toy_images):
    X, y = toy_images
    model = mnist_cnn(rng=0)
    res = train_ewe(model, X, y, source=1, target=7, epochs=1, batch_size=20, rng=0,
                    progress=False, temperature=[1.0, 2.0, 3.0])
    n_task = 5
    assert len(res.losses) == n_task + n_task // (2 - 1)  # ratio 2: one watermark step per task step
    assert res.snnl.shape == (5, 3) and res.temperature.shape == (5, 3)
    assert res.temperature[0].tolist() == [1.0, 2.0, 3.0]
    assert not np.allclose(res.temperature[-1], res.temperature[0])
    assert res.search is not None and res.watermark.position == res.search.position
    assert res.method == "ewe" and res.model is model
    fixed = train_ewe(mnist_cnn(rng=0), X, y, epochs=1, batch_size=20, rng=0, progress=False,
                      temperature_lr=0.0, position=(0, 0), ratio=3)
    assert fixed.search is None and np.all(fixed.temperature == 1.0)
    assert len(fixed.losses) == 5 + 5 // 2


def test_same_rng_same_victim(toy_images):
    X, y = toy_images
    a = train_ewe(mnist_cnn(rng=0), X, y, epochs=1, batch_size=20, rng=3, progress=False)
    b = train_ewe(mnist_cnn(rng=0), X, y, epochs=1, batch_size=20, rng=3, progress=False)
    assert torch.equal(a.model.fc2.weight, b.model.fc2.weight)
    assert np.array_equal(a.snnl, b.snnl)


def test_backdoor_is_learnt(toy_images):
    X, y = toy_images
    res = train_backdoor_watermark(mnist_cnn(rng=0), X, y, source=2, target=5, position=(20, 20),
                                   epochs=6, batch_size=20, rng=0, progress=False)
    assert res.method == "backdoor" and res.search is None
    assert np.all(res.temperature == 1.0)
    hits = predict(res.model, res.watermark.apply(X[y == 2])) == 5
    assert hits.mean() > 0.8


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"source": 7}, ValueError, "'source' and 'target' classes must differ. Got 7"),
        ({"target": 10}, ValueError, r"'target' parameter must be an int in \[0, 9\]. Got 10"),
        ({"ratio": 1}, ValueError, "'ratio' parameter must be an int >= 2. Got 1"),
        ({"snnl_weight": -1.0}, ValueError, "'snnl_weight' parameter must be a number >= 0"),
        ({"temperature": 0}, ValueError, "'temperature' parameter must be a number > 0"),
        ({"temperature": [1.0, 2.0]}, ValueError, "one number or one per layer"),
        ({"metric": "manhattan"}, ValueError, "'metric' parameter must be one of"),
        ({"layers": ("conv3",)}, ValueError, "Each of 'layers' must be one of 'conv1', 'conv2', 'fc1'. Got 'conv3'"),
        ({"layers": "fc1"}, ValueError, "non-empty sequence of layer names"),
        ({"trigger": np.ones((30, 2))}, ValueError, "'trigger' parameter must be a 2-D patch"),
        ({"trigger": np.full((2, 2), 3.0)}, ValueError, r"pixels in \[0, 1\]"),
        ({"position": (26, 26)}, ValueError, "does not fit in a 28×28 image"),
        ({"fgsm_epsilon": 2.0}, ValueError, "'fgsm_epsilon' parameter"),
        ({"n_watermark": 1}, ValueError, "'n_watermark' parameter must be an int >= 2"),
        ({"max_false_positive": 1.5}, ValueError, "'max_false_positive' parameter"),
    ],
)
def test_bad_arguments_fail_before_training(toy_images, kwargs, error, match):
    X, y = toy_images
    model = mnist_cnn(rng=0)
    before = model.fc2.weight.clone()
    with pytest.raises(error, match=match):
        train_ewe(model, X, y, epochs=1, batch_size=20, progress=False, **kwargs)
    assert torch.equal(model.fc2.weight, before)


def test_missing_class_and_backdoor_needs_position(toy_images):
    X, y = toy_images
    with pytest.raises(ValueError, match="at least 2 images of the source class 1"):
        train_ewe(mnist_cnn(rng=0), X[y != 1], y[y != 1], epochs=1, progress=False)
    with pytest.raises(ValueError, match="'position' parameter is required"):
        train_backdoor_watermark(mnist_cnn(rng=0), X, y, position=None, progress=False)
