"""Manifests of shipped files: a JSON record beside them with the SHA-256 of each.

The watermark suite of notebook 04 and the CIFAR zoo of notebook 06 ship
their weights and embeddings with a ``manifest.json``; a file is read only
after its SHA-256 matches the one recorded, so a changed or damaged file
raises :class:`ChecksumError` before anything is unpickled. Nothing here
imports torch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MANIFEST",
    "ChecksumError",
    "sha256_of",
    "check_sha256",
    "read_manifest",
    "write_manifest",
]

#: The manifest's file name in its folder.
MANIFEST = "manifest.json"


class ChecksumError(ValueError):
    """A file does not match the SHA-256 its manifest records."""


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_sha256(path: str | Path, sha256: str, *, remedy: str) -> None:
    """Raise :class:`ChecksumError` (ending in ``remedy``) unless ``path`` has ``sha256``."""
    found = sha256_of(path)
    if found != sha256:
        raise ChecksumError(
            f"The file {str(path)!r} has SHA-256 {found}, but its manifest records "
            f"{sha256}: the file was changed or damaged. {remedy}"
        )


def read_manifest(folder: str | Path, *, remedy: str) -> dict[str, Any]:
    """The manifest of ``folder``; FileNotFoundError ending in ``remedy`` if there is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"No {MANIFEST} in {str(folder)!r}: {remedy}")
    return json.loads(path.read_text())


def write_manifest(
    folder: str | Path, manifest: Mapping[str, Any], *, indent: int = 2, sort_keys: bool = True
) -> Path:
    """Write ``manifest`` as ``folder/manifest.json`` (numpy values as plain numbers)."""
    path = Path(folder) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(manifest, indent=indent, sort_keys=sort_keys, default=_jsonable) + "\n"
    )
    return path


def _jsonable(value: Any):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Cannot store {type(value).__name__} in a manifest.")
