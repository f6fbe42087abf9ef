"""Image data sets of Jia et al. (2021) and Maini et al. (2021): MNIST-likes and CIFAR."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import tarfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from stealkit._validation import check_choice
from stealkit.datasets._fetch import (
    SOURCES,
    DataUnavailableError,
    _fetch,
    cache_home,
    data_home,
)
from stealkit.datasets._tabular import _short_list

if TYPE_CHECKING:
    from torch.utils.data import TensorDataset

__all__ = ["ImageDataset", "load_mnist", "load_fashion_mnist", "load_cifar10", "load_cifar100"]

SPLITS = ("train", "test")
MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")


@dataclass(frozen=True, eq=False, repr=False)
class ImageDataset:
    """An image classification data set with its official train/test split.

    Attributes
    ----------
    name : str
        Data set name.
    X_train, X_test : ndarray of uint8
        Images, shape ``(n, 28, 28)`` (grey) or ``(n, 32, 32, 3)`` (RGB, channels last).
    y_train, y_test : ndarray of int64
        Class codes indexing ``classes``.
    classes : ndarray of str
        Official class names.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: np.ndarray

    def __post_init__(self):
        for X, y, split in ((self.X_train, self.y_train, "train"),
                            (self.X_test, self.y_test, "test")):
            if X.ndim not in (3, 4) or y.shape != (len(X),):
                raise ValueError(
                    f"X_{split} must hold images, shape (n, H, W) or (n, H, W, C), and y_{split} "
                    f"one label each. Got shapes {X.shape} and {y.shape}."
                )

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image as stored: ``(H, W)`` or ``(H, W, C)``."""
        return tuple(self.X_train.shape[1:])

    def torch(self, split: str = "train") -> TensorDataset:
        """The split as a ``torch.utils.data.TensorDataset`` for training.

        Images become float32 in [0, 1] shaped ``(n, C, H, W)``; labels int64.

        Parameters
        ----------
        split : {"train", "test"}, default="train"
        """
        split = check_choice(split, "split", SPLITS)
        import torch
        from torch.utils.data import TensorDataset

        X, y = (self.X_train, self.y_train) if split == "train" else (self.X_test, self.y_test)
        X = X[:, None] if X.ndim == 3 else X.transpose(0, 3, 1, 2)
        images = np.ascontiguousarray(X).astype(np.float32)
        images /= 255.0
        return TensorDataset(torch.from_numpy(images), torch.from_numpy(y.astype(np.int64)))

    def __repr__(self) -> str:
        return (
            f"ImageDataset({self.name!r}, n_train={len(self.X_train)}, "
            f"n_test={len(self.X_test)}, image_shape={self.image_shape}, "
            f"classes={_short_list(self.classes)})"
        )


# --------------------------------------------------------------------------- MNIST-likes
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_idx(path: Path) -> np.ndarray:
    """A gzipped IDX file (the MNIST format) as an array in native byte order."""
    with gzip.open(path, "rb") as file:
        data = file.read()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (magic number {data[:4].hex()!r}).")
    ndim, dtype = data[3], np.dtype(_IDX_TYPES[data[2]])
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(data) != offset + int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{path}: {len(data)} bytes do not hold an IDX array of shape {shape}.")
    return np.frombuffer(data, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _load_idx(name: str, folder: str, classes: tuple[str, ...]) -> ImageDataset:
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        for kind, suffix in (("X", "images-idx3-ubyte.gz"), ("y", "labels-idx1-ubyte.gz")):
            rel = f"{folder}/{prefix}-{suffix}"
            arrays[f"{kind}_{split}"] = _read_idx(_fetch(rel, *SOURCES[rel]))
    for split in SPLITS:
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.ndim != 3 or y.shape != (len(X),):
            raise ValueError(
                f"{name} {split}: images of shape {X.shape} do not match labels of shape {y.shape}."
            )
        arrays[f"y_{split}"] = y.astype(np.int64)
    return ImageDataset(name=name, classes=np.array(classes), **arrays)


def load_mnist() -> ImageDataset:
    """MNIST: 60,000 + 10,000 grey 28x28 handwritten digits, classes "0" ... "9".

    The victim data set of Jia et al. (2021). Read from the official IDX files.
    """
    return _load_idx("mnist", "mnist", MNIST_CLASSES)


def load_fashion_mnist() -> ImageDataset:
    """Fashion-MNIST: 60,000 + 10,000 grey 28x28 images of 10 kinds of clothing.

    Used by Jia et al. (2021). Read from the official IDX files; no offline copy ships with
    the course, so it needs internet (or ``fashion-mnist/*.gz`` under ``STEALKIT_DATA``).
    """
    return _load_idx("fashion_mnist", "fashion-mnist", FASHION_MNIST_CLASSES)


# --------------------------------------------------------------------------- CIFAR
def _cached(archive: Path, decode: Callable[[Path], dict[str, np.ndarray]]) -> dict:
    """Arrays decoded from ``archive``, kept as an .npz keyed by its name, size and mtime."""
    stat = archive.stat()
    cache = cache_home() / "decoded" / f"{archive.name}-{stat.st_size}-{stat.st_mtime_ns}-v1.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    arrays = decode(archive)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.part")
        with open(partial, "wb") as file:  # uncompressed: loads in well under a second
            np.savez(file, **arrays)
        os.replace(partial, cache)
    except OSError as exc:
        warnings.warn(f"Could not cache the decoded images in {cache.parent}: {exc}",
                      stacklevel=3)
    return arrays


def _decode_jpeg_tree(archive: Path) -> dict[str, np.ndarray]:
    """The offline CIFAR-10 copy: ``{train,test}/<class>/NNNN.jpg`` in a tar.gz."""
    from PIL import Image
    from tqdm.auto import tqdm

    files = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts[-3:]  # [wrapper/]split/class/NNNN.jpg
            if member.isfile() and parts[-1].lower().endswith(".jpg"):
                if len(parts) < 3 or parts[0] not in SPLITS or parts[1] not in CIFAR10_CLASSES:
                    raise ValueError(f"{archive}: unexpected image {member.name!r}.")
                key = (parts[0], CIFAR10_CLASSES.index(parts[1]), parts[2])
                files[key] = tar.extractfile(member).read()
    if not files:
        raise ValueError(f"{archive} holds no {{train,test}}/<class>/*.jpg images.")
    keys = sorted(files)  # split, official label order, file name: deterministic
    arrays = {}
    with tqdm(total=len(keys), desc="Decoding CIFAR-10 JPEGs (once, then cached)",
              unit="img") as bar:
        for split in SPLITS:
            mine = [k for k in keys if k[0] == split]
            X = np.empty((len(mine), 32, 32, 3), dtype=np.uint8)
            for i, key in enumerate(mine):
                with Image.open(io.BytesIO(files[key])) as image:
                    X[i] = np.asarray(image.convert("RGB"))
                bar.update()
            arrays[f"X_{split}"] = X
            arrays[f"y_{split}"] = np.array([k[1] for k in mine], dtype=np.int64)
    arrays["classes"] = np.array(CIFAR10_CLASSES)
    return arrays


def _unpickle_members(archive: Path, names: set[str]) -> dict[str, dict]:
    """Unpickle the named members of an official CIFAR tarball, without extracting it.

    The archive's md5 was checked on download (or it is the user's own offline copy).
    """
    found = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            base = PurePosixPath(member.name).name
            if member.isfile() and base in names:
                found[base] = pickle.load(tar.extractfile(member), encoding="latin1")
    missing = names - set(found)
    if missing:
        raise ValueError(f"{archive} lacks {sorted(missing)}; it is not the official archive.")
    return found


def _images(batch: dict) -> np.ndarray:
    return np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _decode_cifar10(archive: Path) -> dict[str, np.ndarray]:
    train = [f"data_batch_{i}" for i in range(1, 6)]
    found = _unpickle_members(archive, {*train, "test_batch", "batches.meta"})
    return {
        "X_train": np.concatenate([_images(found[b]) for b in train]),
        "y_train": np.concatenate([found[b]["labels"] for b in train]).astype(np.int64),
        "X_test": _images(found["test_batch"]),
        "y_test": np.asarray(found["test_batch"]["labels"], dtype=np.int64),
        "classes": np.array(found["batches.meta"]["label_names"]),
    }


def _decode_cifar100(archive: Path) -> dict[str, np.ndarray]:
    found = _unpickle_members(archive, {"train", "test", "meta"})
    arrays = {"X_train": _images(found["train"]), "X_test": _images(found["test"])}
    for mode in ("fine", "coarse"):
        for split in SPLITS:
            labels = found[split][f"{mode}_labels"]
            arrays[f"y_{split}_{mode}"] = np.asarray(labels, dtype=np.int64)
        arrays[f"classes_{mode}"] = np.array(found["meta"][f"{mode}_label_names"])
    return arrays


def load_cifar10() -> ImageDataset:
    """CIFAR-10: 50,000 + 10,000 RGB 32x32 images of 10 classes (airplane ... truck).

    The victim data set of Jia et al. (2021) and Maini et al. (2021). Online, the official
    python-version archive is downloaded and unpickled. With ``STEALKIT_DATA``, the course's
    offline copy ``cifar10/cifar10-jpeg.tar.gz`` is decoded instead (a lossy JPEG
    re-encoding: same split and classes, pixel values slightly off; used only when the
    folder has no official ``cifar10/cifar-10-python.tar.gz``). Either way the decoded
    arrays are cached in :func:`cache_home`, so later loads take about a second.
    """
    official, jpeg = "cifar10/cifar-10-python.tar.gz", "cifar10/cifar10-jpeg.tar.gz"
    home = data_home()
    if home is None or (home / official).is_file():
        arrays = _cached(_fetch(official, *SOURCES[official]), _decode_cifar10)
    elif (home / jpeg).is_file():
        arrays = _cached(home / jpeg, _decode_jpeg_tree)
    else:
        raise DataUnavailableError(
            f"Neither {jpeg!r} (the course's offline copy) nor {official!r} is in the offline "
            f"data folder STEALKIT_DATA={str(home)!r}. Put one there, or unset STEALKIT_DATA "
            f"to download {SOURCES[official][0]}."
        )
    return ImageDataset(name="cifar10", **arrays)


def load_cifar100(label_mode: str = "fine") -> ImageDataset:
    """CIFAR-100: 50,000 + 10,000 RGB 32x32 images of 100 classes (20 superclasses).

    Used by Maini et al. (2021). Needs internet (or ``cifar100/cifar-100-python.tar.gz``
    under ``STEALKIT_DATA``); decoded arrays are cached like CIFAR-10's.

    Parameters
    ----------
    label_mode : {"fine", "coarse"}, default="fine"
        The 100 classes or the 20 superclasses.
    """
    label_mode = check_choice(label_mode, "label_mode", ("fine", "coarse"))
    rel = "cifar100/cifar-100-python.tar.gz"
    arrays = _cached(_fetch(rel, *SOURCES[rel]), _decode_cifar100)
    return ImageDataset(
        name="cifar100" if label_mode == "fine" else "cifar100_coarse",
        X_train=arrays["X_train"],
        y_train=arrays[f"y_train_{label_mode}"],
        X_test=arrays["X_test"],
        y_test=arrays[f"y_test_{label_mode}"],
        classes=arrays[f"classes_{label_mode}"],
    )
