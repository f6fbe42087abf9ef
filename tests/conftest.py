"""Shared fixtures: where the offline data copies are, and a cache that pytest owns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
