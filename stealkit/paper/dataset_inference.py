"""Maini et al. (2021), §6: the paper's CIFAR table, and ours beside it on the model zoo.

The numbers the paper reports (:data:`PAPER_CIFAR10`, :data:`PAPER_CIFAR100`:
Δμ and p-value at m = 10 for MinGD and Blind Walk), the verdict its results
call for (:data:`TARGETS`), and the drivers that rebuild the table from a zoo
trained by ``scripts/train_zoo.py`` (:func:`ownership_table`,
:func:`replication_table`, :func:`public_code_table`, :func:`cifar_tables`),
shared by notebook 06 and ``benchmarks/dataset_inference_cifar.py``. The
technique itself (embeddings, the regressor's rows, the tests) lives in
:mod:`stealkit.dataset_inference.cifar`.

Threat model: as in :mod:`stealkit.dataset_inference.cifar` (the verifier is
the victim; it reveals m private samples).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from stealkit._validation import check_choice
from stealkit.dataset_inference import cifar
from stealkit.dataset_inference.cifar import (
    ZOO_CIFAR10,
    p_value_curves,
    train_zoo_regressor,
    verify_zoo,
    verify_zoo_public_code,
    zoo_embeddings,
    zoo_replication,
)
from stealkit.dataset_inference.regressor import verify_dataset
from stealkit.dataset_inference.zoo import read_manifest

__all__ = [
    "PAPER_CIFAR10",
    "PAPER_CIFAR100",
    "TARGETS",
    "ownership_table",
    "target_met",
    "replication_table",
    "public_code_table",
    "cifar_tables",
]

#: The paper's CIFAR-10 columns: (Δμ, p-value) for MinGD and Blind Walk, m = 10.
PAPER_CIFAR10 = {
    "V source": {"mingd": (0.838, 1e-4), "blind_walk": (1.823, 1e-42)},
    "A_D distillation": {"mingd": (0.586, 1e-4), "blind_walk": (0.778, 1e-5)},
    "A_D diff. architecture": {"mingd": (0.645, 1e-4), "blind_walk": (1.400, 1e-10)},
    "A_M zero-shot": {"mingd": (0.371, 1e-2), "blind_walk": (0.406, 1e-2)},
    "A_M fine-tuning": {"mingd": (0.832, 1e-5), "blind_walk": (1.839, 1e-27)},
    "A_Q label-query": {"mingd": (0.475, 1e-3), "blind_walk": (1.006, 1e-4)},
    "A_Q logit-query": {"mingd": (0.563, 1e-3), "blind_walk": (1.048, 1e-4)},
    "I independent": {"mingd": (0.103, 1.0), "blind_walk": (-0.397, 0.675)},
}

#: The paper's CIFAR-100 columns, the same way.
PAPER_CIFAR100 = {
    "V source": {"mingd": (1.219, 1e-16), "blind_walk": (1.967, 1e-44)},
    "A_D distillation": {"mingd": (0.362, 1e-2), "blind_walk": (1.098, 1e-5)},
    "A_D diff. architecture": {"mingd": (1.016, 1e-6), "blind_walk": (1.471, 1e-14)},
    "A_M zero-shot": {"mingd": (0.466, 1e-2), "blind_walk": (0.405, 1e-2)},
    "A_M fine-tuning": {"mingd": (1.047, 1e-7), "blind_walk": (1.423, 1e-10)},
    "A_Q label-query": {"mingd": (0.270, 1e-2), "blind_walk": (0.107, 1e-1)},
    "A_Q logit-query": {"mingd": (0.385, 1e-2), "blind_walk": (0.184, 1e-1)},
    "I independent": {"mingd": (-0.242, 0.545), "blind_walk": (-1.793, 1.0)},
}

#: The verdict the paper's results call for (Blind Walk): "stolen" at
#: p < 0.01, "inconclusive" at p > 0.05; zero-shot is reported as measured (None).
TARGETS = {
    "V source": "stolen",
    "A_D distillation": "stolen",
    "A_D diff. architecture": "stolen",
    "A_M zero-shot": None,
    "A_M fine-tuning": "stolen",
    "A_Q label-query": "stolen",
    "A_Q logit-query": "stolen",
    "I independent": "inconclusive",
}


def _paper(manifest: Mapping[str, Any]) -> dict:
    """The paper's columns for the zoo's data set (CIFAR-10 unless the manifest says 100)."""
    return PAPER_CIFAR100 if cifar.is_cifar100(manifest) else PAPER_CIFAR10


def ownership_table(
    folder: str | Path = ZOO_CIFAR10,
    *,
    method: str = "blind_walk",
    embeddings: Mapping[str, Any] | None = None,
    m: int = 10,
    n_draws: int = 200,
    linear: bool = False,
    rng: int | np.random.Generator | None = 0,
) -> list[dict[str, Any]]:
    """The paper's table for one embedding, ours beside it: one row per member.

    Columns: the paper's Δμ and p (m = 10, rows of 30 images; its CIFAR-100
    columns for a CIFAR-100 zoo); ours on all
    held-out samples (Δμ, p, verdict at 0.01); the median and inter-quartile
    range of the p-value over ``n_draws`` draws of ``m`` samples (the spread a
    verifier revealing only m samples would see); for Blind Walk, the target
    verdict (:data:`TARGETS`). With
    ``linear``, the test again with a linear regressor (cross-entropy).
    """
    method = check_choice(method, "method", cifar.METHODS)
    manifest = read_manifest(folder)
    emb = zoo_embeddings(folder, method=method) if embeddings is None else dict(embeddings)
    results = verify_zoo(emb, rng=rng)
    lin = (verify_zoo(emb, hidden=0, loss="bce", rng=rng) if linear else {})
    n_test = min(len(r.private_scores) for r in results.values())
    m = min(m, n_test)
    curves = p_value_curves(results, sizes=(m,), n_draws=n_draws, rng=rng)
    rows = []
    for name, res in results.items():
        row = manifest["members"][name]["threat_model"]
        paper = _paper(manifest).get(row, {}).get(method, (None, None))
        q1, med, q3 = np.quantile(curves[name][1][0], [0.25, 0.5, 0.75])
        out = {
            "model": row,
            "paper Δμ": paper[0],
            "paper p": paper[1],
            "ours Δμ": round(res.delta_mean, 3) + 0.0,  # no "-0"
            f"ours p (m={len(res.private_scores)})": float(f"{res.p_value:.2g}"),
            "verdict": res.verdict,
            f"median p (m={m})": float(f"{med:.2g}"),
            f"p IQR (m={m})": f"{q1:.2g}–{q3:.2g}",
        }
        if method == "blind_walk":  # the targets are Blind Walk's
            out["target"] = TARGETS.get(row) or "as measured"
        if linear:
            out["linear Δμ"] = round(lin[name].delta_mean, 3) + 0.0
            out["linear p"] = float(f"{lin[name].p_value:.2g}")
        rows.append(out)
    return sorted(rows, key=lambda r: cifar.row_order(r["model"]))


def target_met(row: Mapping[str, Any], *, which: str | None = None) -> bool | None:
    """Whether a table row (Blind Walk) meets its target; None if it has none.

    "stolen": the verdict is "stolen" (p < 0.01); "inconclusive": the p-value
    exceeds 0.05. ``which``: the columns of :func:`replication_table` to read
    ("held-out" or "fresh"); by default those of :func:`ownership_table`.
    """
    target = row.get("target")
    if target not in ("stolen", "inconclusive"):
        return None
    verdict = row["verdict" if which is None else f"{which} verdict"]
    if target == "stolen":
        return verdict == "stolen"
    start = "ours p" if which is None else f"{which} p"
    p = next(v for k, v in row.items() if k.startswith(start))
    return p > 0.05


def replication_table(
    folder: str | Path = ZOO_CIFAR10,
    *,
    embeddings: Mapping[str, Any] | None = None,
    replication: Mapping[str, Any] | None = None,
    significance: float = 0.01,
    rng: int | np.random.Generator | None = 0,
) -> list[dict[str, Any]]:
    """The Blind Walk test twice: on the zoo's held-out rows and on its fresh images.

    One regressor, trained on the victim's embedding (:func:`train_zoo_regressor`),
    tests every member on the held-out rows of ``embeddings`` (:func:`verify_zoo`)
    and on all rows of ``replication`` (:func:`zoo_replication`), with the
    verdict and the target (:data:`TARGETS`) for both.
    """
    manifest = read_manifest(folder)
    emb = zoo_embeddings(folder) if embeddings is None else dict(embeddings)
    rep = zoo_replication(folder) if replication is None else dict(replication)
    if not rep:
        raise ValueError(
            f"The zoo at {str(folder)!r} has no replication images: add them with "
            "scripts/train_zoo.py --replicate N."
        )
    held = verify_zoo(emb, significance=significance, rng=rng)
    reg = train_zoo_regressor(emb["V"], rng=rng)
    rows = []
    for name, d in rep.items():
        d = np.asarray(d)
        if len(d) % 2 or len(d) < 4:
            raise ValueError(f"The replication of {name!r} must hold n private then n public "
                             f"rows, n >= 2. Got {len(d)} rows.")
        fresh = verify_dataset(reg, d[: len(d) // 2], d[len(d) // 2 :],
                               significance=significance)
        row = manifest["members"][name]["threat_model"]
        out = {"model": row}
        for label, res in (("held-out", held[name]), ("fresh", fresh)):
            out[f"{label} Δμ"] = round(res.delta_mean, 3) + 0.0
            out[f"{label} p (m={len(res.private_scores)})"] = float(f"{res.p_value:.2g}")
            out[f"{label} verdict"] = res.verdict
        out["target"] = TARGETS.get(row) or "as measured"
        rows.append(out)
    return sorted(rows, key=lambda r: cifar.row_order(r["model"]))


def public_code_table(
    folder: str | Path = ZOO_CIFAR10,
    *,
    embeddings: Mapping[str, Any] | None = None,
    m: int = 10,
    n_draws: int = 200,
    rng: int | np.random.Generator | None = 0,
) -> list[dict[str, Any]]:
    """The paper's Blind Walk column, ours, and ours in the public code's layout.

    One row per member: the paper's Δμ and p; ours in the public code's
    layout (:func:`verify_zoo_public_code`: Δμ and p on all held-out rows,
    median p over ``n_draws`` draws of ``m`` rows, each row k images); ours
    one image per row (:func:`verify_zoo`): median p over draws of ``m``
    images and of ``m·k`` images (as many images as the m mixed rows hold,
    where the held-out samples suffice).
    """
    manifest = read_manifest(folder)
    emb = zoo_embeddings(folder) if embeddings is None else dict(embeddings)
    ours = verify_zoo(emb, rng=rng)
    mixed = verify_zoo_public_code(emb, rng=rng)
    shape = np.shape(next(iter(emb.values())))
    k = int(np.prod(shape[1:]))
    n_test = min(len(r.private_scores) for r in ours.values())
    m = min(m, n_test)
    sizes = (m, m * k) if m * k <= n_test else (m,)
    curves = p_value_curves(ours, sizes=sizes, n_draws=n_draws, rng=rng)
    mixed_curves = p_value_curves(mixed, sizes=(m,), n_draws=n_draws, rng=rng)
    rows = []
    for name, res in mixed.items():
        row = manifest["members"][name]["threat_model"]
        paper = _paper(manifest).get(row, {}).get("blind_walk", (None, None))
        out = {
            "model": row,
            "paper Δμ": paper[0],
            "paper p (m=10 rows × 30 images)": paper[1],
            "mixed Δμ": round(res.delta_mean, 3) + 0.0,
            f"mixed p (all {len(res.private_scores)} rows)": float(f"{res.p_value:.2g}"),
            f"mixed median p (m={m} rows × {k} images)":
                float(f"{np.median(mixed_curves[name][1][0]):.2g}"),
            f"ours median p (m={m} images)": float(f"{np.median(curves[name][1][0]):.2g}"),
        }
        if len(sizes) > 1:
            out[f"ours median p (m={m * k} images)"] = float(
                f"{np.median(curves[name][1][1]):.2g}")
        rows.append(out)
    return sorted(rows, key=lambda r: cifar.row_order(r["model"]))


def cifar_tables(
    folder: str | Path,
    embeddings: Mapping[str, Any],
    *,
    method: str,
    m: int = 10,
    public_code: bool = False,
    rng: int | np.random.Generator | None = 0,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The benchmark's tables for one embedding of a zoo, one ``(caption, rows)`` at a time.

    :func:`ownership_table` with the linear regressor; for Blind Walk, then
    :func:`replication_table` if the zoo has fresh images, and with
    ``public_code`` :func:`public_code_table`. Each table is computed when
    asked for, so a caller can time them one by one.
    """
    method = check_choice(method, "method", cifar.METHODS)
    data = read_manifest(folder).get("dataset", "CIFAR-10").split(" (")[0]
    rows = ownership_table(folder, method=method, embeddings=embeddings, m=m, linear=True,
                           rng=rng)
    n = len(next(iter(embeddings.values()))) // 2
    yield (f"{data}, {method}: paper (m = 10, rows mixing 30 images) and ours (one image per "
           f"row; regressor on {n - n // 2} + {n - n // 2} victim rows, alternate ones, test "
           f"on the other {n // 2} + {n // 2})"), rows
    if method != "blind_walk":
        return
    if zoo_replication(folder) is not None:
        yield (f"{data}, blind_walk: the held-out images and the zoo's fresh images "
               "(train_zoo.py --replicate), one regressor",
               replication_table(folder, embeddings=embeddings, rng=rng))
    if public_code:
        yield (f"{data}, blind_walk in the public code's layout (each row mixes images; "
               "regressor on the first half of the victim's rows, test on the second)",
               public_code_table(folder, embeddings=embeddings, m=m, rng=rng))
