import json

import numpy as np
import pytest
import torch

from stealkit.watermark.embed import Watermark
from stealkit.watermark.models import mnist_cnn
from stealkit.watermark.pretrained import (
    SUITE_MODELS,
    WEIGHTS,
    ChecksumError,
    Schedule,
    Suite,
    load_suite,
    mnist_split,
    save_suite,
    train_suite,
)


def _suite():
    models = {name: mnist_cnn(rng=i) for i, name in enumerate(SUITE_MODELS)}
    wm = Watermark(1, 7, np.ones((4, 4)), (3, 5))
    return Suite(
        models=models,
        watermarks={"ewe": wm, "backdoor": Watermark(1, 7, np.ones((4, 4)), (0, 0))},
        history={"ewe_snnl": np.random.default_rng(0).random((6, 3))},
        metrics={"accuracy": {"clean": 0.5, "ewe": 0.4},
                 "watermark_success": {"extracted_ewe": 0.3}},
        schedule=Schedule(),
        seed=3,
    )


def test_round_trip_in_float16(tmp_path):
    suite = _suite()
    manifest = save_suite(suite, tmp_path, command="pytest")
    loaded = load_suite(tmp_path)
    data = json.loads(manifest.read_text())
    assert data["seed"] == 3 and data["command"] == "pytest"
    assert set(data["files"]) == {f"{m}.pt" for m in SUITE_MODELS} | {"history.npz"}
    for name in SUITE_MODELS:
        a, b = suite.models[name].state_dict(), loaded.models[name].state_dict()
        assert all(torch.equal(a[k].half().float(), b[k]) for k in a)
    assert loaded.watermarks["ewe"].position == (3, 5)
    assert np.allclose(loaded.history["ewe_snnl"], suite.history["ewe_snnl"], atol=1e-6)
    assert loaded.schedule == suite.schedule and loaded.ewe is loaded.models["ewe"]
    assert "seed=3" in repr(loaded)


def test_a_tampered_file_is_rejected(tmp_path):
    save_suite(_suite(), tmp_path)
    path = tmp_path / "ewe.pt"
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ChecksumError, match=r"ewe\.pt' has SHA-256 [0-9a-f]{64}, but its manifest records .*train_watermarks"):
        load_suite(tmp_path)


def test_missing_files_and_old_formats(tmp_path):
    with pytest.raises(FileNotFoundError, match="No manifest.json in .*train_watermarks.py"):
        load_suite(tmp_path)
    save_suite(_suite(), tmp_path)
    (tmp_path / "history.npz").unlink()
    with pytest.raises(FileNotFoundError, match="history.npz is listed in .* but missing"):
        load_suite(tmp_path)
    manifest = tmp_path / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="format 99"):
        load_suite(tmp_path)


@pytest.mark.skipif(not (WEIGHTS / "manifest.json").is_file(), reason="no shipped weights")
def test_the_shipped_weights_reproduce_their_manifest(offline):
    from stealkit.datasets import load_mnist
    from stealkit.watermark import mnist_accuracy, watermark_success

    suite = load_suite()
    assert set(suite.models) == set(SUITE_MODELS)
    assert sum(p.stat().st_size for p in WEIGHTS.iterdir()) < 5_000_000
    m = suite.metrics
    data = load_mnist()
    split = mnist_split(data, n_owner=suite.schedule.n_owner)
    # the figures were measured on the float16 weights, so loading them gives the same numbers
    for name in ("clean", "ewe"):
        assert mnist_accuracy(suite.models[name], split.X_test, split.y_test) == pytest.approx(
            m["accuracy"][name], abs=1e-9)
    X_w = suite.watermarks["ewe"].apply(split.X_source(1))
    assert watermark_success(suite.models["extracted_ewe"], X_w, target=7) == pytest.approx(
        m["watermark_success"]["extracted_ewe"], abs=1e-9)
    assert m["accuracy"]["clean"] - m["accuracy"]["ewe"] < 0.01  # EWE costs under a point


def test_schedule_and_split_checks():
    with pytest.raises(ValueError, match="'watermark_epochs' parameter must be an int >= 1"):
        Schedule(watermark_epochs=0)
    with pytest.raises(ValueError, match="'output' must be 'label' or 'proba'"):
        Schedule(output="logits")

    class Data:
        X_train, y_train = np.zeros((10, 28, 28)), np.arange(10)
        X_test, y_test = np.zeros((4, 28, 28)), np.arange(4)

    split = mnist_split(Data(), n_owner=7)
    assert len(split.X_owner) == 7 and len(split.X_attacker) == 3
    assert len(split.X_source(1)) == 1
    with pytest.raises(ValueError, match=r"'n_owner' parameter must be an int in \[1, 9\]"):
        mnist_split(Data(), n_owner=10)


@pytest.mark.parametrize(("rng", "error"), [(-1, ValueError), ("x", TypeError), (1.5, TypeError),
                                            (True, TypeError)])
def test_train_suite_checks_its_rng_before_any_work(rng, error):
    with pytest.raises(error, match="'rng' parameter must be a non-negative int or a numpy"):
        train_suite(rng=rng, data="never loaded")
