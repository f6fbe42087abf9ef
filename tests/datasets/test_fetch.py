"""Tests of where stealkit.datasets finds its files: the offline copies (STEALKIT_DATA), the
cache, and what a failed download says; no test downloads anything."""

from __future__ import annotations

import pooch
import pytest
import requests

import stealkit.datasets as ds
from stealkit.datasets import (
    DataUnavailableError,
    cache_home,
    data_home,
)


# --------------------------------------------------------------------------- where data comes from
def test_homes(monkeypatch, tmp_path):
    monkeypatch.delenv("STEALKIT_DATA", raising=False)
    assert data_home() is None
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path))
    assert data_home() == tmp_path
    monkeypatch.setenv("STEALKIT_CACHE", str(tmp_path / "c"))
    assert cache_home() == tmp_path / "c"
    monkeypatch.delenv("STEALKIT_CACHE")
    assert cache_home() == pooch.os_cache("stealkit")


FILES = {
    "adult": (lambda: ds.load_adult(), "uci/adult.data"),
    "mushroom": (ds.load_mushroom, "uci/agaricus-lepiota.data"),
    "german_credit": (ds.load_german_credit, "uci/german.data"),
    "pima_diabetes": (ds.load_pima_diabetes, "uci/pima-indians-diabetes.data"),
    "mnist": (ds.load_mnist, "mnist/train-images-idx3-ubyte.gz"),
    "fashion_mnist": (ds.load_fashion_mnist, "fashion-mnist/train-images-idx3-ubyte.gz"),
    "cifar10": (ds.load_cifar10, "cifar10/cifar10-jpeg.tar.gz"),
    "cifar100": (ds.load_cifar100, "cifar100/cifar-100-python.tar.gz"),
}


@pytest.mark.parametrize("name", FILES)
def test_missing_offline_copy(monkeypatch, tmp_path, name):
    loader, relpath = FILES[name]
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path))
    with pytest.raises(DataUnavailableError, match=relpath) as info:
        loader()
    assert isinstance(info.value, OSError) and str(tmp_path) in str(info.value)


DOWNLOADS = {
    "adult": (lambda: ds.load_adult(), "uci/adult.data",
              "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/adult.data"),
    "mushroom": (ds.load_mushroom, "uci/agaricus-lepiota.data", "/mushroom/agaricus-lepiota.data"),
    "german_credit": (ds.load_german_credit, "uci/german.data", "/statlog/german/german.data"),
    "pima_diabetes": (ds.load_pima_diabetes, "uci/pima-indians-diabetes.data",
                      "jbrownlee/Datasets/master/pima-indians-diabetes.data.csv"),
    "mnist": (ds.load_mnist, "mnist/train-images-idx3-ubyte.gz",
              "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"),
    "fashion_mnist": (ds.load_fashion_mnist, "fashion-mnist/train-images-idx3-ubyte.gz",
                      "fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images"),
    "cifar10": (ds.load_cifar10, "cifar10/cifar-10-python.tar.gz",
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
    "cifar100": (lambda: ds.load_cifar100("coarse"), "cifar100/cifar-100-python.tar.gz",
                 "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),
}


@pytest.mark.parametrize("name", DOWNLOADS)
def test_failed_download_says_how_to_work_offline(monkeypatch, stealkit_cache, name):
    loader, relpath, url = DOWNLOADS[name]
    monkeypatch.delenv("STEALKIT_DATA", raising=False)
    calls = []

    def offline_retrieve(url, known_hash, fname=None, path=None, **kwargs):
        calls.append((url, known_hash, path))
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline_retrieve)
    with pytest.raises(DataUnavailableError, match="STEALKIT_DATA") as info:
        loader()
    message = str(info.value)
    assert url in message and relpath in message and "ConnectionError" in message
    (called_url, known_hash, path), = calls
    assert url in called_url and str(path).startswith(str(stealkit_cache))
    assert known_hash is None or known_hash.startswith("md5:")


def test_download_goes_to_the_cache_with_its_checksum(monkeypatch, stealkit_data, stealkit_cache):
    monkeypatch.delenv("STEALKIT_DATA", raising=False)
    calls = []

    def fake_retrieve(url, known_hash, fname=None, path=None, **kwargs):
        calls.append((url, known_hash, fname, path))
        return str(stealkit_data / "uci" / fname)  # stands in for the downloaded file

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    data = ds.load_adult("race")
    assert data.n_features == 101
    base = "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/"
    assert calls == [
        (base + "adult.data", "md5:5d7c39d7b8804f071cdd1f2a7c460872", "adult.data",
         stealkit_cache / "uci"),
        (base + "adult.test", "md5:35238206dfdf7f1fe215bbb874adecdc", "adult.test",
         stealkit_cache / "uci"),
    ]
