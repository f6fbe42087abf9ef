"""The lecture's criticism of dataset inference, measured on the CPU zoo.

Maini et al. (2021) assume the victim's private data is private. The lecture
asks three questions; each is an experiment on the shipped CIFAR-10 zoo
(:data:`~stealkit.dataset_inference.cifar.ZOO_CIFAR10`), with new members
trained after the zoo's own recipe and walked (Blind Walk) along the zoo's
own directions:

- **overlap**: an "independent" model whose training set shares a fraction
  of the victim's private images (0 % is the zoo's independent member; the
  rest of its data comes from the disjoint split). Tested with the victim's
  regressor on the zoo's samples.
- **public data**: a victim trained only on data anyone can have (the zoo's
  disjoint split, which the zoo's independent member also trained on). Its
  own regressor, on its own training images against images no one saw, then
  tests the zoo's independent member and the zoo's victim.
- **new task**: the victim, stolen with its weights, fine-tuned on a
  relabelled task (every class ``c`` renamed ``(c + 1) mod 10``) on the
  disjoint split for more and more epochs. Walked with the labels of the task
  it now does, and tested with the victim's regressor.

Threat model: the verifier's, as in :mod:`~stealkit.dataset_inference.cifar`.
:func:`build_limitations` trains and embeds (about 45 minutes on one CPU
thread; ``benchmarks/dataset_inference_limits.py``); :func:`limitation_rows`
reads what it shipped.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stealkit._manifest import check_sha256, read_manifest, sha256_of, write_manifest
from stealkit._validation import check_int
from stealkit.dataset_inference import zoo
from stealkit.dataset_inference.cifar import ZOO_CIFAR10, verify_zoo
from stealkit.dataset_inference.embeddings import blind_walk
from stealkit.datasets import load_cifar10

__all__ = ["LIMITS_CIFAR10", "OVERLAPS", "TASK_EPOCHS", "build_limitations", "limitation_rows",
           "relabel"]

#: The shipped measurements (``benchmarks/dataset_inference_limits.py --build``).
LIMITS_CIFAR10 = Path(__file__).resolve().parent / "limits_cifar10"
#: Fractions of the victim's private images in the overlapping models' training sets.
OVERLAPS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Fine-tuning epochs on the new task.
TASK_EPOCHS = (0, 1, 2, 5, 10, 20)

_REMEDY = "Rebuild with benchmarks/dataset_inference_limits.py --build."


def relabel(y: Any) -> np.ndarray:
    """The new task's labels: every CIFAR-10 class ``c`` renamed ``(c + 1) mod 10``."""
    return (np.asarray(y, dtype=np.int64) + 1) % 10


def build_limitations(
    out: str | Path = LIMITS_CIFAR10,
    *,
    zoo_folder: str | Path = ZOO_CIFAR10,
    overlaps: Sequence[float] = OVERLAPS,
    task_epochs: Sequence[int] = TASK_EPOCHS,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Train and walk the three experiments' models; write weights, embeddings and a manifest.

    Every model gets the zoo recipe's width, epochs, batch size and learning
    rate. Returns the manifest.
    """
    seed = check_int(seed, "seed", minimum=0)
    overlaps = [float(q) for q in overlaps]
    if any(not 0 <= q <= 1 for q in overlaps):
        raise ValueError(f"The 'overlaps' must lie in [0, 1]. Got {overlaps}.")
    task_epochs = [check_int(e, "task_epochs", minimum=0) for e in task_epochs]
    out, zoo_folder = Path(out), Path(zoo_folder)
    started = time.perf_counter()
    manifest = zoo.read_manifest(zoo_folder)
    recipe = manifest["recipe"]
    walk = manifest["embeddings"]["blind_walk"]
    check_sha256(zoo_folder / "splits.npz", manifest["splits"]["sha256"], remedy=_REMEDY)
    with np.load(zoo_folder / "splits.npz") as s:
        private, outside = s["private"], s["outside"]
        embed_private, embed_public = s["embed_private"], s["embed_public"]
    ds = load_cifar10()
    rng = np.random.default_rng(seed)
    victim = zoo.load_zoo(zoo_folder, names=["V"])["V"]
    common = dict(batch_size=recipe["batch_size"], lr=recipe["lr"],
                  weight_decay=recipe["weight_decay"], augment=recipe["augment"],
                  device="cpu", progress=progress)
    members: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}

    def embed(name, model, rows, labels):
        e = blind_walk(model, ds.X_train[rows], labels, n_directions=walk["n_directions"],
                       max_steps=walk["max_steps"], rng=walk["rng"], progress=progress)
        arrays[name] = e.distances.astype(np.float32)
        print(f"  walked {name}: {e.n_queries:,} queries, {e.seconds:.0f} s "
              f"(elapsed {(time.perf_counter() - started) / 60:.1f} min)", flush=True)

    def keep(name, t, data, rows, labels, extra=None, test_labels=ds.y_test):
        sha = zoo.save_model(t.model, out / f"{name}.pt")
        members[name] = {"file": f"{name}.pt", "sha256": sha, "architecture": recipe["victim"],
                         "data": data, "epochs": t.epochs, "seconds": round(t.seconds, 1),
                         "test_accuracy": zoo.cifar_accuracy(t.model, ds.X_test, test_labels),
                         **(extra or {})}
        print(f"{name:16s} test acc {members[name]['test_accuracy']:.3f}  {t.seconds:.0f} s",
              flush=True)
        embed(name, t.model, rows, labels)

    zoo_rows = np.concatenate([embed_private, embed_public])
    out.mkdir(parents=True, exist_ok=True)

    # 1. overlap: n_private images, a fraction q of them the victim's own
    n = len(private)
    for q in overlaps:
        if q == 0:  # the zoo's independent member: the disjoint split, no shared image
            continue
        k = int(round(q * n))
        rows = np.sort(np.concatenate([rng.choice(private, k, replace=False),
                                       rng.choice(outside, n - k, replace=False)]))
        s = int(rng.integers(2**31))
        t = zoo.train_cifar_classifier(zoo.build_model(recipe["victim"], rng=s),
                                       ds.X_train[rows], ds.y_train[rows],
                                       epochs=recipe["epochs"], threat_model=f"overlap {q:.0%}",
                                       rng=s, **common)
        keep(f"overlap_{round(q * 100)}", t,
             f"{k:,} of the victim's private images and {n - k:,} of the disjoint split",
             zoo_rows, ds.y_train[zoo_rows], {"overlap": q, "seed": s})

    # 2. public data: a victim that trained on the disjoint split, like the independent member
    s = int(rng.integers(2**31))
    t = zoo.train_cifar_classifier(zoo.build_model(recipe["victim"], rng=s), ds.X_train[outside],
                                   ds.y_train[outside], epochs=recipe["epochs"],
                                   threat_model="public victim", rng=s, **common)
    embed_outside = np.sort(rng.choice(outside, len(embed_private), replace=False))
    public_rows = np.concatenate([embed_outside, embed_public])
    keep("public_victim", t, "the disjoint split (public data), with labels", public_rows,
         ds.y_train[public_rows], {"seed": s})
    others = zoo.load_zoo(zoo_folder, names=["independent"])
    embed("public/independent", others["independent"], public_rows, ds.y_train[public_rows])
    embed("public/V", victim, public_rows, ds.y_train[public_rows])

    # 3. new task: the victim's weights fine-tuned on relabelled disjoint data
    y_task = relabel(ds.y_train[outside])
    s = int(rng.integers(2**31))
    for epochs in task_epochs:
        if epochs == 0:
            continue  # the victim itself (its zoo embedding, with the old labels)
        t = zoo.fine_tune(victim, ds.X_train[outside], y_task, epochs=epochs, rng=s,
                          threat_model=f"new task, {epochs} epochs",
                          **{**common, "lr": recipe["lr"] / 10})
        keep(f"task_{epochs}", t, "the victim's weights, then the disjoint split relabelled "
             "c -> (c + 1) mod 10", zoo_rows, relabel(ds.y_train[zoo_rows]),
             {"task_epochs": epochs, "seed": s, "lr": recipe["lr"] / 10,
              "old_task_accuracy": zoo.cifar_accuracy(t.model, ds.X_test, ds.y_test)},
             test_labels=relabel(ds.y_test))

    np.savez(out / "embeddings.npz", zoo_rows=zoo_rows, public_rows=public_rows, **arrays)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    result = {
        "format": 1,
        "created": now,
        "seed": seed,
        "zoo": {"folder": zoo_folder.name, "manifest_created": manifest["created"]},
        "walk": walk,
        "members": members,
        "embeddings": {"file": "embeddings.npz", "sha256": sha256_of(out / "embeddings.npz"),
                       "rows": "zoo_rows: the zoo's embed_private then embed_public; "
                               "public_rows: disjoint-split images then embed_public"},
        "victim_new_task_accuracy": zoo.cifar_accuracy(victim, ds.X_test, relabel(ds.y_test)),
        "seconds": round(time.perf_counter() - started, 1),
        "device": f"cpu ({torch.get_num_threads()} threads)",
        "torch": torch.__version__,
    }
    write_manifest(out, result)
    return result


def limitation_rows(
    folder: str | Path = LIMITS_CIFAR10,
    *,
    zoo_folder: str | Path = ZOO_CIFAR10,
    significance: float = 0.01,
) -> list[dict[str, Any]]:
    """Δμ, p-value and verdict of every limitation experiment, from the shipped embeddings.

    One row per suspect: ``experiment`` (overlap, public data, new task), the
    ``setting`` (overlap fraction, suspect, epochs), the suspect's test
    accuracy (on its own task) and the test on held-out rows.
    """
    folder = Path(folder)
    manifest = read_manifest(folder, remedy=_REMEDY)
    info = manifest["embeddings"]
    check_sha256(folder / info["file"], info["sha256"], remedy=_REMEDY)
    with np.load(folder / info["file"]) as f:
        emb = {k: f[k] for k in f.files if k not in ("zoo_rows", "public_rows")}
    members = manifest["members"]
    zoo_manifest = zoo.read_manifest(zoo_folder)["members"]
    zoo_emb = zoo.load_embeddings(zoo_folder)

    def row(experiment, setting, result, acc, extra=None):
        return {"experiment": experiment, "setting": setting, "test acc": round(acc, 3),
                "Δμ": round(result.delta_mean, 3), "p-value": float(f"{result.p_value:.2g}"),
                "verdict": result.verdict, **(extra or {})}

    rows = []
    overlap = {"overlap_0": zoo_emb["independent"],
               **{k: v for k, v in emb.items() if k.startswith("overlap_")}}
    tests = verify_zoo({"V": zoo_emb["V"], **overlap}, significance=significance)
    for name in sorted(overlap, key=lambda k: int(k.split("_")[1])):
        acc = (zoo_manifest["independent"]["test_accuracy"] if name == "overlap_0"
               else members[name]["test_accuracy"])
        rows.append(row("overlap", f"{name.split('_')[1]} % of the victim's images",
                        tests[name], acc))
    tests = verify_zoo({"public_victim": emb["public_victim"],
                        "independent": emb["public/independent"], "V": emb["public/V"]},
                       victim="public_victim", significance=significance)
    for name, setting, acc in (
        ("public_victim", "the public-data victim itself", members["public_victim"]),
        ("independent", "an independent model on the same public data",
         zoo_manifest["independent"]),
        ("V", "the zoo's victim (other data)", zoo_manifest["V"]),
    ):
        rows.append(row("public data", setting, tests[name], acc["test_accuracy"]))
    task = {"task_0": zoo_emb["V"], **{k: v for k, v in emb.items() if k.startswith("task_")}}
    tests = verify_zoo({"V": zoo_emb["V"], **task}, significance=significance)
    for name in sorted(task, key=lambda k: int(k.split("_")[1])):
        epochs = int(name.split("_")[1])
        m = members.get(name, {})
        new_acc = m.get("test_accuracy", manifest["victim_new_task_accuracy"])
        old_acc = m.get("old_task_accuracy", zoo_manifest["V"]["test_accuracy"])
        rows.append(row("new task", f"{epochs} epochs", tests[name], new_acc,
                        {"old-task acc": round(old_acc, 3)}))
    return rows
