"""The data-set tests' sandbox: the session cache, and no real download, ever."""

import pooch
import pytest
import requests


@pytest.fixture(autouse=True)
def _sandbox(monkeypatch, stealkit_cache):
    """Every test: the session cache, and no real download, ever."""
    monkeypatch.setenv("STEALKIT_CACHE", str(stealkit_cache))

    def no_download(url, *args, **kwargs):
        raise requests.exceptions.ConnectionError(f"downloads are disabled in tests ({url})")

    monkeypatch.setattr(pooch, "retrieve", no_download)
