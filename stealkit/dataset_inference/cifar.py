"""Dataset inference on the CIFAR model zoo: embeddings, the regressor's rows, the tests.

Maini et al. (2021), §6. Read a zoo trained by ``scripts/train_zoo.py`` (by
default the one shipped with the package, :data:`ZOO_CIFAR10`), train the
confidence regressor on the victim's embeddings of every other cached sample
(:func:`row_split`), and test every member on the rest (:func:`verify_zoo`).
The paper's table, beside which notebook 06 and
``benchmarks/dataset_inference_cifar.py`` set these results, is rebuilt by
:mod:`stealkit.paper.dataset_inference`.

Threat model: the verifier is the victim. It holds its private data, public
data of the same distribution, its own model, and access to each suspect
(white box for MinGD, labels for Blind Walk); it reveals m private samples.

The cached embeddings hold one image per row (n private rows, then n public
rows). The public code's rows mix 30 images (a reshape), so its "m = 10" is
worth many of our samples: compare p-values at equal numbers of images, not
at equal m. :func:`public_code_rows` and :func:`verify_zoo_public_code` run
the public code's layout on our embeddings to show how much that changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stealkit._validation import check_choice, check_int
from stealkit.dataset_inference import zoo
from stealkit.dataset_inference.embeddings import blind_walk, mingd
from stealkit.dataset_inference.regressor import (
    ConfidenceRegressor,
    DatasetInference,
    train_regressor,
    verify_dataset,
)
from stealkit.datasets import load_cifar10, load_cifar100
from stealkit.stats import p_value_curve

__all__ = [
    "ZOO_CIFAR10",
    "METHODS",
    "THREAT_MODELS",
    "row_order",
    "is_cifar100",
    "zoo_members",
    "zoo_dataset",
    "zoo_embeddings",
    "row_split",
    "split_rows",
    "train_zoo_regressor",
    "verify_zoo",
    "p_value_curves",
    "zoo_replication",
    "public_code_rows",
    "verify_zoo_public_code",
]

#: The zoo shipped with the package (trained on a CPU by ``train_zoo.py --small``).
ZOO_CIFAR10 = Path(__file__).resolve().parent / "zoo_cifar10"

METHODS = ("blind_walk", "mingd")

#: The zoo's threat models, in the order of the rows of the paper's table.
THREAT_MODELS = (
    "V source",
    "A_D distillation",
    "A_D diff. architecture",
    "A_M zero-shot",
    "A_M fine-tuning",
    "A_Q label-query",
    "A_Q logit-query",
    "I independent",
)


def row_order(threat_model: str) -> int:
    """Where a threat model's row goes: the paper's order, unknown ones last."""
    return (THREAT_MODELS.index(threat_model) if threat_model in THREAT_MODELS
            else len(THREAT_MODELS))


def is_cifar100(manifest: Mapping[str, Any]) -> bool:
    """Whether a zoo's manifest says it was trained on CIFAR-100 (else CIFAR-10)."""
    return "CIFAR-100" in str(manifest.get("dataset", ""))


def zoo_members(folder: str | Path = ZOO_CIFAR10) -> list[dict[str, Any]]:
    """One row per zoo member from its manifest: threat model, data, accuracy, queries, cost."""
    members = zoo.read_manifest(folder)["members"]
    rows = []
    for name, m in members.items():
        arch = m["architecture"]
        rows.append({
            "model": m["threat_model"],
            "member": name,
            "architecture": f"{arch['name']} (width {arch.get('width', '–')})",
            "data": m["data"],
            "epochs": m["epochs"],
            "queries": m["n_queries"] or None,
            "private acc": m["private_accuracy"],
            "test acc": m["test_accuracy"],
            "train s": m["seconds"],
        })
    return sorted(rows, key=lambda r: row_order(r["model"]))


def zoo_dataset(folder: str | Path = ZOO_CIFAR10):
    """The data set a zoo was trained on (CIFAR-10, or CIFAR-100 if its manifest says so)."""
    return load_cifar100() if is_cifar100(zoo.read_manifest(folder)) else load_cifar10()


def zoo_embeddings(
    folder: str | Path = ZOO_CIFAR10,
    *,
    method: str = "blind_walk",
    recompute: bool = False,
    names: Sequence[str] | None = None,
    device: Any = "cpu",
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Every member's embedding of the zoo's samples: from the cache, or recomputed.

    Rows: the private samples, then as many public ones (``splits.npz``; for
    MinGD those at the manifest's ``positions``). ``recompute``
    walks the shipped weights again with the manifest's settings (Blind Walk:
    the same directions; needs CIFAR-10 through
    :func:`stealkit.datasets.load_cifar10`).
    """
    method = check_choice(method, "method", METHODS)
    folder = Path(folder)
    members = zoo.read_manifest(folder)["members"]
    if names is None:  # in the order of the paper's table
        names = sorted(members, key=lambda n: row_order(members[n]["threat_model"]))
    if not recompute:
        cached = zoo.load_embeddings(folder, method=method)
        return {n: cached[n] for n in names if n in cached}
    manifest = zoo.read_manifest(folder)
    settings = manifest["embeddings"][method]
    if settings is None:
        raise ValueError(f"The zoo at {str(folder)!r} records no {method} settings.")
    ds = zoo_dataset(folder)
    with np.load(folder / "splits.npz") as splits:
        private, public = splits["embed_private"], splits["embed_public"]
    if method == "mingd":  # the rows the manifest records (zoos before 2026-11-29: the first n)
        positions = np.asarray(settings.get("positions", range(settings["n"])), dtype=np.int64)
        private, public = private[positions], public[positions]
    rows = np.concatenate([private, public])
    X, y = ds.X_train[rows], ds.y_train[rows]
    out = {}
    for name, model in zoo.load_zoo(folder, names=names, device=device).items():
        if method == "blind_walk":
            e = blind_walk(model, X, y, n_directions=settings["n_directions"],
                           max_steps=settings["max_steps"], rng=settings["rng"],
                           progress=progress)
        else:
            e = mingd(model, X, y, max_steps=settings["max_steps"],
                      clip=tuple(settings["clip"]), progress=progress)
        out[name] = e.distances.astype(np.float32)
    return out


def row_split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Which of a set's n rows train the regressor, and which test suspects: every other row.

    A zoo's rows are sorted by image index, and the offline CIFAR-10 copy is
    sorted by class, so halves by position split by class: the regressor
    learnt on classes 0–5 and suspects were tested on classes 5–9, with other
    mixes of classes among private and public images. Alternate rows give
    both halves the mix of the whole set. Returns ``(train, test)`` positions;
    ``train`` gets the extra row when n is odd.
    """
    n = check_int(n, "n", minimum=2)
    rows = np.arange(int(n))
    return rows[0::2], rows[1::2]


def split_rows(distances: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A zoo embedding's rows as (train private, train public, test private, test public).

    Alternate rows of each set (:func:`row_split`) train the regressor (on
    the victim only); the others test every suspect.
    """
    d = np.asarray(distances)
    if d.ndim < 2 or len(d) < 8 or len(d) % 2:
        raise ValueError(
            "A zoo embedding must hold n private then n public rows, n >= 4. "
            f"Got shape {d.shape}."
        )
    n = len(d) // 2
    train, test = row_split(n)
    private, public = d[:n], d[n:]
    return private[train], public[train], private[test], public[test]


def train_zoo_regressor(
    victim: Any,
    *,
    hidden: int = 100,
    loss: str = "margin",
    rng: int | np.random.Generator | None = 0,
) -> ConfidenceRegressor:
    """The confidence regressor on the victim's embedding of alternate rows of each set.

    ``victim``: the victim's zoo embedding (n private then n public rows,
    :func:`split_rows`); the paper's regressor by default (:func:`train_regressor`).
    """
    train_private, train_public, _, _ = split_rows(victim)
    return train_regressor(train_private, train_public, hidden=hidden, loss=loss, rng=rng)


def verify_zoo(
    embeddings: Mapping[str, Any],
    *,
    victim: str = "V",
    hidden: int = 100,
    loss: str = "margin",
    significance: float = 0.01,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, DatasetInference]:
    """Dataset inference against every member, on held-out samples.

    Trains the confidence regressor on the ``victim``'s embeddings of
    alternate private and public samples (:func:`train_zoo_regressor`), then
    tests each member's embeddings of the others (:func:`split_rows`).
    """
    if victim not in embeddings:
        raise ValueError(
            f"The 'victim' parameter must name one of the embeddings' members "
            f"{sorted(embeddings)}. Got {victim!r}."
        )
    reg = train_zoo_regressor(embeddings[victim], hidden=hidden, loss=loss, rng=rng)
    out = {}
    for name, d in embeddings.items():
        _, _, private, public = split_rows(d)
        out[name] = verify_dataset(reg, private, public, significance=significance)
    return out


def p_value_curves(
    results: Mapping[str, DatasetInference],
    *,
    sizes: Sequence[int] = (2, 5, 10, 20, 50, 100, 200),
    n_draws: int = 200,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """p-value against m for every member: ``n_draws`` draws of m private and m public samples.

    Sizes beyond the held-out samples are dropped.
    """
    out = {}
    for name, r in results.items():
        limit = min(len(r.private_scores), len(r.public_scores))
        ok = [int(s) for s in sizes if 2 <= s <= limit]
        with warnings.catch_warnings():
            # the regressor's Tanh saturates near ±1, so a small draw can hold nearly equal
            # scores; scipy then warns of precision loss, and the test is simply not significant
            warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
            out[name] = p_value_curve(r.private_scores, r.public_scores, sizes=ok,
                                      n_draws=n_draws, alternative="less", rng=rng)
    return out


def zoo_replication(folder: str | Path = ZOO_CIFAR10) -> dict[str, np.ndarray] | None:
    """Every member's Blind Walk of the zoo's fresh images, or None if the zoo has none.

    ``scripts/train_zoo.py --replicate N`` walks N private and N public images
    that the zoo's embeddings do not hold (``replication.npz``: n private
    rows, then n public rows), checked against the manifest's SHA-256: a
    second test set, on which no choice of ours was made.
    """
    folder = Path(folder)
    manifest = zoo.read_manifest(folder)
    info = manifest.get("replication")
    if not info:
        return None
    zoo._verify(folder / info["file"], info["sha256"])
    members = manifest["members"]
    with np.load(folder / info["file"]) as cached:
        return {n: cached[f"{n}/blind_walk"]
                for n in sorted(members, key=lambda n: row_order(members[n]["threat_model"]))
                if f"{n}/blind_walk" in cached.files}


def public_code_rows(distances: Any, *, mean: Any, std: Any) -> np.ndarray:
    """An embedding in the public code's layout: every row mixes k different samples.

    The public notebooks (``CIFAR10_rand.ipynb``) standardise each norm with
    the victim's private embeddings, then turn the ``(n, 10 walks, 3 norms)``
    tensor into rows with ``features.T.reshape(n, 30)``. The transpose puts
    the samples last, so row r holds *one* feature (one norm, one walk) of k
    consecutive samples, k = n_norms · n_columns: value j of row r is feature
    ``(r·k + j) // n`` of sample ``(r·k + j) % n``. Each "sample" of its test
    thus pools k images (30 there), and its first and second halves of rows
    hold other features of the same images. Here the same for our
    ``(n, n_norms, n_columns)`` embeddings, to measure what that layout does.

    Parameters
    ----------
    distances : array-like of shape (n, n_norms, n_columns)
        One set of samples (private or public) of one member, one row per image.
    mean, std : array-like of shape (n_norms,)
        Each norm's mean and standard deviation over the victim's private
        embedding (all its samples and columns), as the public code uses.

    Returns
    -------
    ndarray of shape (n, n_norms * n_columns)
        Standardised features in the public code's rows (any sign).
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 3 or len(d) < 1:
        raise ValueError(
            "The 'distances' parameter must have shape (n_samples, n_norms, n_columns). "
            f"Got shape {d.shape}."
        )
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if mean.shape != (d.shape[1],) or std.shape != (d.shape[1],):
        raise ValueError(
            f"The 'mean' and 'std' parameters must have shape ({d.shape[1]},), one value per "
            f"norm. Got {mean.shape} and {std.shape}."
        )
    if not (np.isfinite(std).all() and (std > 0).all()):
        raise ValueError(f"The 'std' parameter must be positive and finite. Got {std}.")
    z = (d - mean[None, :, None]) / std[None, :, None]
    return np.transpose(z, (1, 2, 0)).reshape(len(d), -1)


def verify_zoo_public_code(
    embeddings: Mapping[str, Any],
    *,
    victim: str = "V",
    significance: float = 0.01,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, DatasetInference]:
    """:func:`verify_zoo` with the public code's rows (:func:`public_code_rows`).

    As the public notebooks do: standardise with the victim's private
    embedding, lay every set out in mixed rows, train the regressor (here our
    :func:`train_regressor`, on the raw standardised values: no sorting, no
    logarithm) on the first half of the victim's private and public rows, and
    test every member on the second half of its rows. Those rows hold other
    features of the same images the regressor was trained on.
    """
    if victim not in embeddings:
        raise ValueError(
            f"The 'victim' parameter must name one of the embeddings' members "
            f"{sorted(embeddings)}. Got {victim!r}."
        )
    v = np.asarray(embeddings[victim], dtype=np.float64)
    split_rows(v)  # checks the n private + n public layout
    n = len(v) // 2
    mean, std = v[:n].mean(axis=(0, 2)), v[:n].std(axis=(0, 2))
    half = n // 2

    def rows(d: Any) -> tuple[np.ndarray, np.ndarray]:
        d = np.asarray(d, dtype=np.float64)
        if d.shape != v.shape:
            raise ValueError(
                f"Every embedding must have the victim's shape {v.shape}. Got {d.shape}."
            )
        return (public_code_rows(d[:n], mean=mean, std=std),
                public_code_rows(d[n:], mean=mean, std=std))

    private, public = rows(v)
    reg = train_regressor(private[:half], public[:half], sort=False, log=False, rng=rng)
    out = {}
    for name, d in embeddings.items():
        private, public = rows(d)
        out[name] = verify_dataset(reg, private[half:], public[half:],
                                   significance=significance)
    return out


