"""Tests of stealkit.datasets' image sets (ImageDataset, MNIST, CIFAR) against the offline
copies and tiny fakes of the official archives; no test downloads anything."""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
import time

import numpy as np
import pytest

import stealkit.datasets as ds
from stealkit.datasets import ImageDataset


def test_image_dataset_checks_its_shapes():
    with pytest.raises(ValueError, match="X_test must hold images"):
        ImageDataset("toy", np.zeros((2, 4, 4), np.uint8), np.zeros(2, np.int64),
                     np.zeros((1, 16), np.uint8), np.zeros(1, np.int64), np.array(["a"]))


def test_torch_rejects_a_bad_split():
    data = ImageDataset("toy", np.zeros((2, 4, 4), np.uint8), np.zeros(2, np.int64),
                        np.zeros((1, 4, 4), np.uint8), np.zeros(1, np.int64), np.array(["a"]))
    with pytest.raises(ValueError, match="'split' parameter must be one of 'train', 'test'"):
        data.torch("val")



# --------------------------------------------------------------------------- MNIST, CIFAR-10
def test_mnist(offline):
    data = ds.load_mnist()
    assert data.X_train.shape == (60000, 28, 28) and data.X_test.shape == (10000, 28, 28)
    assert data.X_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    assert data.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert abs(data.X_train.mean() / 255 - 0.1307) < 5e-4
    assert list(data.classes) == [str(d) for d in range(10)]
    assert np.bincount(data.y_test).sum() == 10000 and data.n_classes == 10
    train = data.torch()
    images, labels = train.tensors
    assert tuple(images.shape) == (60000, 1, 28, 28) and str(images.dtype) == "torch.float32"
    assert str(labels.dtype) == "torch.int64" and labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert float(images.min()) == 0.0 and float(images.max()) == 1.0
    np.testing.assert_allclose(images[7, 0].numpy() * 255, data.X_train[7], atol=1e-4)


@pytest.fixture(scope="session")
def _cifar_timing():
    return {}


def test_cifar10(offline, stealkit_cache, _cifar_timing):
    start = time.perf_counter()
    data = ds.load_cifar10()  # decodes 60,000 JPEGs once, then caches them
    _cifar_timing["first"] = time.perf_counter() - start
    assert data.X_train.shape == (50000, 32, 32, 3) and data.X_test.shape == (10000, 32, 32, 3)
    assert data.X_train.dtype == np.uint8 and data.y_test.dtype == np.int64
    assert np.bincount(data.y_train).tolist() == [5000] * 10
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    assert list(data.classes) == ["airplane", "automobile", "bird", "cat", "deer", "dog",
                                  "frog", "horse", "ship", "truck"]
    assert abs(data.X_train.mean() - 120.7) < 0.3
    assert list((stealkit_cache / "decoded").glob("cifar10-jpeg.tar.gz-*.npz"))

    start = time.perf_counter()
    again = ds.load_cifar10()
    assert time.perf_counter() - start < 2.0, "the second load should come from the cache"
    np.testing.assert_array_equal(again.X_test, data.X_test)
    np.testing.assert_array_equal(again.y_train, data.y_train)

    images, labels = data.torch("test").tensors
    assert tuple(images.shape) == (10000, 3, 32, 32) and str(images.dtype) == "torch.float32"
    assert str(labels.dtype) == "torch.int64" and 0.0 <= float(images.min()) <= 1.0
    assert float(images.max()) <= 1.0
    np.testing.assert_allclose(images[3].numpy().transpose(1, 2, 0) * 255, data.X_test[3],
                               atol=1e-4)


# --------------------------------------------------------------------------- tiny fakes
def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize(("loader", "folder"), [(ds.load_mnist, "mnist"),
                                                (ds.load_fashion_mnist, "fashion-mnist")])
def test_idx_reader_on_tiny_files(monkeypatch, tmp_path, loader, folder):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28)),
              "train-labels-idx1-ubyte.gz": np.array([3, 1, 4]),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (2, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": np.array([1, 5])}
    (tmp_path / folder).mkdir()
    for name, array in arrays.items():
        (tmp_path / folder / name).write_bytes(_idx(array))
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path))
    data = loader()
    np.testing.assert_array_equal(data.X_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(data.y_test, [1, 5])
    assert data.y_train.dtype == np.int64 and data.n_classes == 10

    (tmp_path / folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"PK\3\4junk"))
    with pytest.raises(ValueError, match="not an IDX file"):
        loader()
    truncated = _idx(np.array([1, 5]))
    (tmp_path / folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(gzip.decompress(truncated)[:-1]))
    with pytest.raises(ValueError, match=r"do not hold an IDX array of shape \(2,\)"):
        loader()


def _tarball(path, members: dict[str, object]):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in members.items():
            blob = pickle.dumps(obj)
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def _cifar_rows(n: int, start: int) -> np.ndarray:
    """Rows in CIFAR's layout: 1024 red, 1024 green, 1024 blue values per image."""
    return (np.arange(n * 3072).reshape(n, 3072) + start) % 251


def test_cifar10_official_archive(monkeypatch, tmp_path):
    members = {f"cifar-10-batches-py/data_batch_{i}": {"data": _cifar_rows(2, i),
                                                       "labels": [i, i + 1]}
               for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = {"data": _cifar_rows(3, 9), "labels": [0, 9, 2]}
    members["cifar-10-batches-py/batches.meta"] = {"label_names": ["airplane", "automobile",
                                                                   "bird", "cat", "deer", "dog",
                                                                   "frog", "horse", "ship",
                                                                   "truck"]}
    _tarball(tmp_path / "data" / "cifar10" / "cifar-10-python.tar.gz", members)
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path / "data"))  # preferred over the JPEGs
    monkeypatch.setenv("STEALKIT_CACHE", str(tmp_path / "cache"))
    data = ds.load_cifar10()
    assert data.X_train.shape == (10, 32, 32, 3) and data.y_train.tolist()[:4] == [1, 2, 2, 3]
    row = _cifar_rows(3, 9)[1]
    assert data.X_test[1, 0, 5].tolist() == [row[5], row[1024 + 5], row[2048 + 5]]
    assert data.classes[-1] == "truck"
    again = ds.load_cifar10()  # from the cache this time
    np.testing.assert_array_equal(again.X_test, data.X_test)


def test_cifar100_official_archive(monkeypatch, tmp_path):
    meta = {"fine_label_names": [f"fine{i}" for i in range(100)],
            "coarse_label_names": [f"coarse{i}" for i in range(20)]}
    _tarball(tmp_path / "cifar100" / "cifar-100-python.tar.gz", {
        "cifar-100-python/train": {"data": _cifar_rows(4, 0), "fine_labels": [0, 99, 5, 7],
                                   "coarse_labels": [0, 19, 3, 3]},
        "cifar-100-python/test": {"data": _cifar_rows(2, 1), "fine_labels": [1, 2],
                                  "coarse_labels": [4, 5]},
        "cifar-100-python/meta": meta,
    })
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path))
    monkeypatch.setenv("STEALKIT_CACHE", str(tmp_path / "cache"))
    fine, coarse = ds.load_cifar100(), ds.load_cifar100("coarse")
    assert fine.y_train.tolist() == [0, 99, 5, 7] and fine.n_classes == 100
    assert coarse.y_test.tolist() == [4, 5] and list(coarse.classes) == meta["coarse_label_names"]
    np.testing.assert_array_equal(fine.X_train, coarse.X_train)
    assert tuple(fine.torch("test").tensors[0].shape) == (2, 3, 32, 32)
