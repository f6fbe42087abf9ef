"""stealkit._manifest: SHA-256 of shipped files, one ChecksumError, manifests without torch."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from stealkit import _manifest
from stealkit._manifest import (
    MANIFEST,
    ChecksumError,
    check_sha256,
    read_manifest,
    sha256_of,
    write_manifest,
)


def test_sha256_of_is_hashlibs(tmp_path):
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 10_000  # 2.5 MB: three 1 MiB chunks
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_check_sha256_raises_a_value_error_with_the_remedy(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(b"weights")
    check_sha256(path, sha256_of(path), remedy="unused")
    with pytest.raises(ChecksumError, match="changed or damaged. Retrain it.$"):
        check_sha256(path, "0" * 64, remedy="Retrain it.")
    assert issubclass(ChecksumError, ValueError)


def test_write_then_read_round_trips_numpy_values(tmp_path):
    record = {"b": np.float32(0.5), "a": np.int64(3), "rows": np.arange(3)}
    path = write_manifest(tmp_path / "zoo", record)
    assert path == tmp_path / "zoo" / MANIFEST
    assert path.read_text().endswith("}\n")
    assert list(json.loads(path.read_text())) == ["a", "b", "rows"]  # sorted keys
    assert read_manifest(tmp_path / "zoo", remedy="") == {"a": 3, "b": 0.5, "rows": [0, 1, 2]}


def test_missing_manifest_and_unstorable_values(tmp_path):
    with pytest.raises(FileNotFoundError, match="train one first"):
        read_manifest(tmp_path, remedy="train one first")
    with pytest.raises(TypeError, match="Cannot store object"):
        write_manifest(tmp_path, {"x": object()})


def test_importing_it_does_not_import_torch():
    code = ("import sys, stealkit._manifest; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_zoo_and_the_watermark_raise_the_same_error():
    from stealkit.dataset_inference import zoo
    from stealkit.watermark import pretrained

    assert zoo.ChecksumError is pretrained.ChecksumError is _manifest.ChecksumError
