"""Shared fixtures: the plotting backend, the small victims several test files build, where
the offline data copies are, and a cache that pytest owns."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

# Figures are drawn off screen, once for the whole session.
matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _one_thread():
    """Every test single-threaded (torch and BLAS): the problems are small, and on a shared
    2-core machine threads waiting for each other cost more than they save."""
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened (pyplot only if the test imported it)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="session")
def logistic_2d():
    """A logistic-regression victim in the plane: 300 uniform points of [-1, 1]^2, label 1
    where x0 + 0.5 x1 > 0.2."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 2))
    return LogisticRegression().fit(X, (X[:, 0] + 0.5 * X[:, 1] > 0.2).astype(int))


@pytest.fixture(scope="session")
def tree_2d():
    """A five-leaf tree victim on two whole-unit features, size in [0, 30] and weight in
    [0, 10]; three labels (an XOR of two thresholds, plus the largest sizes)."""
    from stealkit.datasets import Feature
    from stealkit.victims import DecisionTree

    features = [Feature("size", "continuous", low=0.0, high=30.0),
                Feature("weight", "continuous", low=0.0, high=10.0)]
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 31, 300), rng.integers(0, 11, 300)]).astype(float)
    y = ((X[:, 0] > 12) ^ (X[:, 1] > 4)).astype(int) + (X[:, 0] > 25)
    return DecisionTree(features=features, max_leaf_nodes=5).fit(X, y)


@pytest.fixture(scope="session")
def iris_softmax():
    """``(data, victim)``: iris split with rng 0 and the softmax victim Table 4 trains on it."""
    from stealkit.datasets import load_iris
    from stealkit.paper.equation_solving import table4_victim

    data = load_iris(rng=0)
    return data, table4_victim("softmax", data, rng=0)


def _tiny_klr(seed=2):
    """Three representers in the plane, two classes, trained on 40 points; and the points."""
    from stealkit.victims import KernelLogisticRegression

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return KernelLogisticRegression(gamma=2.0, C=10.0, n_representers=3,
                                    random_state=seed).fit(X, y), X


@pytest.fixture
def tiny_klr():
    """``tiny_klr(seed=2) -> (victim, X)``: a small kernel logistic-regression victim."""
    return _tiny_klr


@pytest.fixture(scope="session")
def stealkit_data() -> Path:
    """The folder of offline data copies: STEALKIT_DATA, else ../shared/data; or skip."""
    folder = os.environ.get("STEALKIT_DATA")
    if folder:
        path = Path(folder).expanduser().resolve()
        if not path.is_dir():
            pytest.skip(f"STEALKIT_DATA={folder!r} is not a folder; the offline copies are needed.")
        return path
    fallback = REPO.parent / "shared" / "data"
    if fallback.is_dir():
        return fallback
    pytest.skip(
        "No offline data copies: set STEALKIT_DATA to the folder that holds them "
        f"(uci/, mnist/, cifar10/); {fallback} does not exist either."
    )


@pytest.fixture(scope="session")
def stealkit_cache(tmp_path_factory) -> Path:
    """A download/decode cache for the whole test session, inside pytest's tmp folder."""
    return tmp_path_factory.mktemp("stealkit-cache")


@pytest.fixture
def offline(monkeypatch, stealkit_data, stealkit_cache) -> Path:
    """Point stealkit at the offline copies and the session cache; return the data folder."""
    monkeypatch.setenv("STEALKIT_DATA", str(stealkit_data))
    monkeypatch.setenv("STEALKIT_CACHE", str(stealkit_cache))
    return stealkit_data


def _zoo_distances(rng, n, shift):
    """n private rows then n public rows (3 norms x 2 directions); private ones farther by shift."""
    base = rng.lognormal(0.0, 0.5, (2 * n, 3, 2))
    base[:n] *= np.exp(shift)
    return base


def _synthetic_zoo(folder, n=200):
    """A zoo folder with a known answer: the victim and a copy keep private samples farther
    from the boundary (by 0.8 and 0.4 in log distance); the independent model does not."""
    from stealkit.dataset_inference import zoo

    rng = np.random.default_rng(0)
    arrays = {"V/blind_walk": _zoo_distances(rng, n, 0.8),
              "copy/blind_walk": _zoo_distances(rng, n, 0.4),
              "independent/blind_walk": _zoo_distances(rng, n, 0.0)}
    np.savez(folder / "embeddings.npz", **arrays)
    members = {name: {"threat_model": row, "file": f"{name}.pt", "sha256": "0" * 64,
                      "architecture": {"name": "resnet9", "width": 2}, "data": "synthetic",
                      "epochs": 1, "n_queries": 7 if name == "copy" else 0,
                      "private_accuracy": 1.0, "test_accuracy": 0.5, "seconds": 1.0}
               for name, row in (("independent", "I independent"), ("V", "V source"),
                                 ("copy", "A_Q label-query"))}
    zoo.write_manifest(folder, {"members": members, "embeddings": {
        "file": "embeddings.npz", "sha256": zoo.sha256_of(folder / "embeddings.npz")}})
    return arrays


@pytest.fixture
def zoo_distances():
    """``zoo_distances(rng, n, shift)``: synthetic Blind Walk distances of a zoo member."""
    return _zoo_distances


@pytest.fixture
def synthetic_zoo():
    """``synthetic_zoo(folder, n=200)``: a zoo folder of three members with a known answer."""
    return _synthetic_zoo
