import json

import numpy as np
import pytest
import torch

from stealkit.dataset_inference import zoo
from stealkit.oracle import Oracle, QueryBudgetExceeded

TINY = {"name": "resnet9", "width": 2}


def _images(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n)


def test_architectures_shapes_and_seeded_init_leave_global_rng_alone():
    state = torch.get_rng_state()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    for spec in (TINY, {"name": "convnet", "width": 2}):
        a, b = zoo.build_model(spec, rng=1), zoo.build_model(spec, rng=1)
        assert a(x).shape == (2, 10)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)
        c = zoo.build_model(spec, rng=2)
        assert not torch.equal(next(a.parameters()), next(c.parameters()))
    gen = zoo.build_model({"name": "generator", "z_dim": 8, "width": 4}, rng=0)
    img = gen(torch.randn(3, 8, generator=torch.Generator().manual_seed(0)))
    assert img.shape == (3, 3, 32, 32) and img.min() >= 0 and img.max() <= 1
    assert torch.equal(torch.get_rng_state(), state)
    with pytest.raises(ValueError, match="must name one of 'resnet9', 'convnet'"):
        zoo.build_model("vgg16")
    with pytest.raises(ValueError, match="Bad options"):
        zoo.build_model({"name": "resnet9", "depth": 3})


def test_split_indices_is_stratified_and_disjoint():
    y = np.repeat(np.arange(4), 10)  # sorted by class, as the offline CIFAR copy
    a, b = zoo.split_indices(y, fraction=0.3, rng=0)
    assert len(np.intersect1d(a, b)) == 0 and len(a) + len(b) == 40
    np.testing.assert_array_equal(np.bincount(y[a]), [3, 3, 3, 3])
    np.testing.assert_array_equal(zoo.split_indices(y, fraction=0.3, rng=0)[0], a)
    with pytest.raises(ValueError, match=r"'fraction' parameter must be in \(0, 1\). Got 1.0"):
        zoo.split_indices(y, fraction=1.0)


def test_augmentation_crops_and_flips_the_image():
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).view(2, 3, 32, 32)
    out = zoo._augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    # every crop is a shifted (maybe mirrored) copy: its centre comes from the image
    centre = out[:, :, 8:24, 8:24]
    assert all(torch.isin(centre[i], x[i]).all() for i in range(2))


def test_every_threat_model_trains_and_records_its_cost():
    X, y = _images()
    kw = dict(epochs=1, batch_size=8, progress=False, device="cpu")
    v = zoo.train_cifar_classifier(zoo.build_model(TINY, rng=0), X, y, rng=0, **kw)
    assert v.threat_model == "V" and len(v.losses) == 3 and v.n_samples == 24
    again = zoo.train_cifar_classifier(zoo.build_model(TINY, rng=0), X, y, rng=0, **kw)
    np.testing.assert_array_equal(v.losses, again.losses)
    before = [p.clone() for p in v.model.parameters()]
    ft = zoo.fine_tune(v.model, X, y, rng=1, **kw)
    assert ft.model is not v.model and ft.threat_model == "A_M fine-tuning"
    assert all(torch.equal(p, q) for p, q in zip(before, v.model.parameters(), strict=True))
    d = zoo.distill(v.model, zoo.build_model(TINY, rng=2), X, rng=2, **kw)
    assert d.threat_model == "A_D distillation" and np.isfinite(d.losses).all()
    for output, name in (("label", "A_Q label-query"), ("proba", "A_Q logit-query")):
        oracle = Oracle.from_torch(v.model, input_shape=(3, 32, 32), output=output)
        q = zoo.extract(oracle, zoo.build_model(TINY, rng=3), X, rng=3, **kw)
        assert q.threat_model == name and q.n_queries == oracle.n_queries == 24
    z = zoo.zero_shot_distill(v.model, zoo.build_model(TINY, rng=4),
                              generator=zoo.build_model({"name": "generator", "z_dim": 8,
                                                         "width": 4}, rng=0),
                              iterations=2, batch_size=4, student_steps=1, rng=4,
                              progress=False, device="cpu")
    assert z.threat_model == "A_M zero-shot" and len(z.losses) == 2
    assert all(p.requires_grad for p in v.model.parameters())
    logits = zoo.predict_logits(v.model, X)
    assert logits.shape == (24, 10)
    assert zoo.cifar_accuracy(v.model, X, y) == pytest.approx(np.mean(logits.argmax(1) == y))


def test_a_single_training_step_works():
    """One batch, one epoch: the learning-rate schedule must not divide by zero."""
    X, y = _images(8)
    model = zoo.build_model(TINY, rng=0)
    t = zoo.train_cifar_classifier(model, X, y, epochs=1, batch_size=8,
                                   rng=0, progress=False, device="cpu")
    assert len(t.losses) == 1 and np.isfinite(t.losses).all()
    # The one step was taken with a non-zero learning rate: the weights moved.
    before = zoo.build_model(TINY, rng=0).state_dict()
    assert any(not torch.equal(v, before[k]) for k, v in model.state_dict().items()
               if v.is_floating_point())


def test_save_load_round_trip_and_checksums(tmp_path):
    model = zoo.build_model(TINY, rng=0)
    X, _ = _images(4)
    sha = zoo.save_model(model, tmp_path / "v.pt")
    assert sha == zoo.sha256_of(tmp_path / "v.pt") and len(sha) == 64
    loaded = zoo.load_model(tmp_path / "v.pt", architecture=TINY, sha256=sha)
    # the model in memory was rounded to the float16 that is shipped: both agree exactly
    np.testing.assert_array_equal(zoo.predict_logits(loaded, X), zoo.predict_logits(model, X))
    stored = torch.load(tmp_path / "v.pt", weights_only=True)
    assert all(v.dtype == torch.float16 for v in stored.values() if v.is_floating_point())

    manifest = {"members": {"V": {"file": "v.pt", "sha256": sha, "architecture": TINY,
                                  "epochs": 1, "test_accuracy": 0.1}}}
    zoo.write_manifest(tmp_path, manifest)
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert zoo.read_manifest(tmp_path) == manifest
    assert set(zoo.load_zoo(tmp_path)) == {"V"}
    with pytest.raises(ValueError, match=r"No member\(s\) \['W'\]"):
        zoo.load_zoo(tmp_path, names="W")

    np.savez(tmp_path / "embeddings.npz", **{"V/blind_walk": np.ones((4, 3, 2))})
    manifest["embeddings"] = {"file": "embeddings.npz",
                              "sha256": zoo.sha256_of(tmp_path / "embeddings.npz")}
    zoo.write_manifest(tmp_path, manifest)
    np.testing.assert_array_equal(zoo.load_embeddings(tmp_path)["V"], np.ones((4, 3, 2)))
    assert zoo.load_embeddings(tmp_path, method="mingd") == {}
    np.savez(tmp_path / "embeddings.npz", **{"V/blind_walk": np.zeros((4, 3, 2))})
    with pytest.raises(zoo.ChecksumError, match="embeddings.npz' has SHA-256"):
        zoo.load_embeddings(tmp_path)

    raw = bytearray((tmp_path / "v.pt").read_bytes())
    raw[-100] ^= 0xFF
    (tmp_path / "v.pt").write_bytes(bytes(raw))
    with pytest.raises(zoo.ChecksumError, match=r"v\.pt' has SHA-256 [0-9a-f]{64}, but its "
                                                r"manifest records " + sha):
        zoo.load_zoo(tmp_path)
    with pytest.raises(FileNotFoundError, match="No manifest.json"):
        zoo.read_manifest(tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError, match="No weights file"):
        zoo.load_model(tmp_path / "w.pt", architecture=TINY)


def test_bad_training_arguments():
    X, y = _images(8)
    model = zoo.build_model(TINY, rng=0)
    with pytest.raises(ValueError, match="'epochs' parameter must be an int >= 1. Got 0"):
        zoo.train_cifar_classifier(model, X, y, epochs=0)
    with pytest.raises(ValueError, match="'lr' parameter must be a positive number"):
        zoo.train_cifar_classifier(model, X, y, lr=-0.1)
    with pytest.raises(ValueError, match="RGB images"):
        zoo.train_cifar_classifier(model, np.zeros((8, 28, 28)), y)
    with pytest.raises(ValueError, match=r"8 int labels or probabilities of shape \(8, 10\)"):
        zoo.train_cifar_classifier(model, X, y[:5])
    with pytest.raises(ValueError, match=r"labels in \[0, 9\]"):
        zoo.train_cifar_classifier(model, X, y + 10)
    with pytest.raises(TypeError, match="'model' parameter must be a torch.nn.Module"):
        zoo.train_cifar_classifier("resnet9", X, y)
    with pytest.raises(ValueError, match="'temperature'"):
        zoo.distill(model, model, X, temperature=0)
    with pytest.raises(TypeError, match="'oracle' parameter must be a stealkit.Oracle"):
        zoo.extract(model, model, X)
    leaves = Oracle(lambda x: np.zeros(len(x)), input_shape=(3, 32, 32), output="leaf")
    with pytest.raises(ValueError, match=r"class labels \(output='label'\) or class prob"):
        zoo.extract(leaves, model, X)
    short = Oracle.from_torch(model, input_shape=(3, 32, 32), output="label", budget=len(X) - 1)
    with pytest.raises(QueryBudgetExceeded):
        zoo.extract(short, model, X)
    assert short.n_queries == 0  # refused before the first batch
    with pytest.raises(ValueError, match="'iterations'"):
        zoo.zero_shot_distill(model, model, iterations=0)
    with pytest.raises(ValueError, match="'device' parameter is not a torch device"):
        zoo.train_cifar_classifier(model, X, y, device="gpu:x")
