"""Building the CIFAR model zoo of dataset inference: train every member, cache its embeddings.

Maini et al. (2021), §6: a victim V and one model per threat model (A_D
distillation and different architecture, A_M fine-tuning and zero-shot,
A_Q label- and logit-query, I independent), all from one seed
(:data:`MEMBERS`), trained by the functions of
:mod:`~stealkit.dataset_inference.zoo` after a :class:`Recipe`
(:data:`FULL` for a GPU, :data:`SMALL` for the shipped CPU zoo,
:data:`QUICK` for a smoke run). :func:`build_zoo` writes to a folder one
float16 weights file per member, ``splits.npz`` (which images each member
saw), ``embeddings.npz`` (Blind Walk, and MinGD when the recipe asks, of the
same private and public samples for every member) and ``manifest.json``
(data, architecture, recipe, epochs, accuracy, queries, time and SHA-256 of
every file). With ``only`` it retrains some members into an existing zoo and
keeps the rest; :func:`reembed_mingd` and :func:`replicate` work on an
existing zoo and keep its weights. ``scripts/train_zoo.py`` is the command
line over this module.

Threat model: each member's, as in :mod:`~stealkit.dataset_inference.zoo`.
Randomness comes only from the seed: the splits, the members' seeds and the
walks' directions are drawn from it in a fixed order, so a retraining run
finds the zoo's own back (and checks that it does).
"""

from __future__ import annotations

import datetime
import json
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from stealkit._manifest import MANIFEST
from stealkit._torch import Training
from stealkit.dataset_inference import zoo
from stealkit.dataset_inference.embeddings import blind_walk, mingd
from stealkit.datasets import load_cifar10, load_cifar100
from stealkit.oracle import Oracle

__all__ = [
    "MEMBERS",
    "RETRAINABLE",
    "Recipe",
    "FULL",
    "QUICK",
    "SMALL",
    "REPLICATION_SEED",
    "ZooBuildError",
    "query_images",
    "replication_images",
    "build_zoo",
    "reembed_mingd",
    "replicate",
]


class ZooBuildError(ValueError):
    """A zoo cannot be built or updated as asked (a missing zoo, another recipe or seed)."""


MEMBERS = (
    # name, threat model (the paper's row)
    ("V", "V source"),
    ("distillation", "A_D distillation"),
    ("diff_architecture", "A_D diff. architecture"),
    ("fine_tuning", "A_M fine-tuning"),
    ("zero_shot", "A_M zero-shot"),
    ("label_query", "A_Q label-query"),
    ("logit_query", "A_Q logit-query"),
    ("independent", "I independent"),
)


@dataclass(frozen=True)
class Recipe:
    """How every member is trained, and how many samples are embedded."""

    victim: dict
    other: dict  # the different architecture of A_D
    student: dict  # the zero-shot student (small)
    generator: dict  # the zero-shot generator
    n_private: int  # images in the victim's private training set (the rest of the split unused)
    n_queries: int  # the query thieves' unlabelled images (one API query each), disjoint half
    epochs: int
    fine_tune_epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    augment: bool
    zero_shot_iterations: int
    zero_shot_batch: int
    n_embed: int  # private and public samples embedded (each)
    n_directions: int
    max_steps: int
    mingd_steps: int
    n_mingd: int = 0  # private and public samples (each) also embedded with MinGD


FULL = Recipe(
    victim={"name": "resnet9", "width": 16},
    other={"name": "convnet", "width": 16},
    student={"name": "resnet9", "width": 8},
    generator={"name": "generator", "z_dim": 128, "width": 64},
    n_private=22_500,
    n_queries=22_500,  # the whole disjoint half
    epochs=40,
    fine_tune_epochs=5,
    batch_size=512,
    lr=0.2,
    weight_decay=5e-4,
    augment=False,
    zero_shot_iterations=1000,
    zero_shot_batch=256,
    n_embed=5000,
    n_directions=3,
    max_steps=50,
    mingd_steps=500,
)
QUICK = replace(
    FULL,
    victim={"name": "resnet9", "width": 4},
    other={"name": "convnet", "width": 4},
    student={"name": "resnet9", "width": 4},
    generator={"name": "generator", "z_dim": 16, "width": 8},
    n_private=512,
    n_queries=1024,
    epochs=2,
    fine_tune_epochs=1,
    batch_size=64,
    zero_shot_iterations=5,
    zero_shot_batch=32,
    n_embed=24,
    n_directions=3,
    max_steps=10,
    mingd_steps=10,
)


#: The shipped CPU zoo: small models that fit their data tightly, many embedded samples.
SMALL = replace(
    FULL,
    victim={"name": "resnet9", "width": 8},
    other={"name": "convnet", "width": 8},
    student={"name": "resnet9", "width": 4},
    generator={"name": "generator", "z_dim": 64, "width": 16},
    n_private=4000,
    n_queries=16_000,  # the thief queries with many unlabelled images (4,000 were not enough)
    epochs=20,
    fine_tune_epochs=5,
    batch_size=128,
    lr=0.1,
    zero_shot_iterations=300,
    zero_shot_batch=64,
    n_embed=1000,
    n_directions=2,
    max_steps=50,
    mingd_steps=500,
    n_mingd=64,
)
#: Members ``--only`` can retrain (all but the victim, which the others copy).
RETRAINABLE = tuple(m for m, _ in MEMBERS if m != "V")


class _Bf16(torch.nn.Module):
    """Run a model under bf16 autocast (on CUDA, Blind Walk's queries are most of the cost)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            return self.model(x).float()


def _member_record(t: Training, name: str, row: str, architecture: dict, data: str,
                   acc_private: float, acc_test: float, recipe: dict, file: str, sha: str):
    return {
        "file": file,
        "sha256": sha,
        "threat_model": row,
        "architecture": architecture,
        "data": data,
        "epochs": t.epochs,
        "n_samples": t.n_samples,
        "n_queries": t.n_queries,
        "private_accuracy": round(acc_private, 4),
        "test_accuracy": round(acc_test, 4),
        "seconds": round(t.seconds, 1),
        "device": t.device,
        "recipe": recipe,
    }


def _estimate_cpu(recipe: Recipe, X, y, device, rng, members=None) -> float:
    """Seconds the run would take here, from a few timed training steps and walks.

    ``members``: the members trained and embedded (default: all of them).
    """
    names = [m for m, _ in MEMBERS] if members is None else list(members)
    model = zoo.build_model(recipe.victim, rng=rng)
    n = recipe.batch_size * 3
    # one untimed step first: the first call pays for allocations and kernel selection
    zoo.train_cifar_classifier(model, X[:recipe.batch_size], y[:recipe.batch_size], epochs=1,
                               batch_size=recipe.batch_size, rng=rng, device=device, progress=False)
    zoo.predict_logits(model, X[:64])
    t0 = time.perf_counter()
    zoo.train_cifar_classifier(model, X[:n], y[:n], epochs=1, batch_size=recipe.batch_size,
                               augment=recipe.augment, rng=rng, device=device, progress=False)
    per_image_step = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    zoo.predict_logits(model, X[:256])
    per_query = (time.perf_counter() - t0) / 256
    # images seen in training, by member (distillation also runs the teacher: about twice)
    per_member = {"V": recipe.n_private, "distillation": 2 * recipe.n_private,
                  "diff_architecture": recipe.n_private, "label_query": recipe.n_queries,
                  "logit_query": recipe.n_queries, "independent": recipe.n_private}
    images = sum(recipe.epochs * per_member[m] for m in names if m in per_member)
    if "fine_tuning" in names:
        images += recipe.fine_tune_epochs * recipe.n_private
    if "zero_shot" in names:
        images += recipe.zero_shot_iterations * recipe.zero_shot_batch * 10
    walks = len(names) * 2 * recipe.n_embed * 3 * recipe.n_directions * recipe.max_steps * 0.5
    # MinGD: ~40 gradient steps per (sample, other class, norm) on a small CIFAR victim
    n_classes = recipe.victim.get("n_classes", 10)
    gradients = len(names) * 2 * min(recipe.n_mingd, recipe.n_embed) * 3 * (n_classes - 1) * 40
    return per_image_step * (images + gradients) + per_query * walks


def query_images(outside: np.ndarray, outside_half: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The query thieves' ``n`` unlabelled images (indices, sorted), all from the disjoint half.

    The ``outside`` split (the fine-tuning and independent members' data)
    comes first, then more images of the same half; with ``n`` no larger
    than ``outside``, a subset of it (all of it, as before ``n_queries``
    existed, when ``n == len(outside)``). Drawn with their own generator
    (``seed``, 1), so that the other splits, seeds and walks do not move.
    """
    rng = np.random.default_rng([seed, 1])
    if n <= len(outside):
        return outside if n == len(outside) else np.sort(rng.choice(outside, n, replace=False))
    rest = np.setdiff1d(outside_half, outside)
    extra = rng.choice(rest, min(n - len(outside), len(rest)), replace=False)
    return np.sort(np.concatenate([outside, extra]))


def _recipe_mismatch(stored: dict, recipe: Recipe) -> list[str]:
    """Recipe fields (other than n_queries) on which ``recipe`` differs from a stored one."""
    new = json.loads(json.dumps(asdict(recipe)))  # tuples as lists, as the manifest has them
    # zoos from before n_queries existed: the query thieves labelled the outside split
    old = {"n_queries": stored.get("n_private"), **stored}
    return [k for k in sorted(set(new) | set(old))
            if k != "n_queries" and new.get(k) != old.get(k)]


def _mingd_settings(recipe: Recipe, positions: np.ndarray) -> dict:
    """The manifest's record of the MinGD cache."""
    return {"n": len(positions), "clip": [0.0, 1.0], "max_steps": recipe.mingd_steps,
            "step_sizes": "stealkit MINGD_STEPS", "positions": positions.tolist(),
            "rows": "the private rows at these positions, then the public rows at the same "
                    "positions (spread over the sorted samples, so over the classes)"}


def _mingd_positions(settings: dict | None) -> np.ndarray | None:
    """The positions an existing zoo's MinGD cache holds (the first n before they were recorded)."""
    if not settings:
        return None
    return np.asarray(settings.get("positions", range(settings["n"])), dtype=np.int64)


def _embed_mingd(name, model, X, y, positions, recipe, device, progress, queries) -> dict:
    """MinGD of one member on the private and public rows at ``positions``; counts into queries."""
    n = len(X) // 2
    rows = np.r_[positions, n + positions]
    e = mingd(model, X[rows], y[rows], max_steps=recipe.mingd_steps, clip=(0.0, 1.0),
              device=device, progress=progress)
    queries.setdefault(name, {}).update(mingd=e.n_queries, mingd_seconds=round(e.seconds, 1))
    print(f"MinGD      {name:18s} {e.n_queries:,} gradient queries, {e.seconds:.0f} s, "
          f"{e.censored.mean():.0%} censored", flush=True)
    return {f"{name}/mingd": e.distances.astype(np.float32), f"{name}/mingd_rows": rows}


def _replace_into(stage: Path, out: Path, names: list[str]) -> None:
    """Move the staged files into ``out``, the manifest last, and remove the stage."""
    for name in sorted(names, key=lambda f: f == MANIFEST):
        (stage / name).replace(out / name)
    stage.rmdir()


def _load(dataset: str):
    return load_cifar10() if dataset == "cifar10" else load_cifar100()


def build_zoo(
    out: Path,
    recipe: Recipe,
    *,
    recipe_name: str,
    dataset: str = "cifar10",
    seed: int = 0,
    device: torch.device,
    only: Sequence[str] | None = None,
    yes: bool = False,
    progress: bool = False,
    command: str = "",
) -> int:
    """Train the zoo into ``out`` (or, with ``only``, those members into the zoo at ``out``).

    ``recipe_name`` ("full", "small" or "quick") is recorded; a CPU run of
    the full recipe prints its estimated cost and stops (returns 2) unless
    ``yes``. With ``only``, the same seed and recipe (``n_queries`` aside)
    must give the zoo's splits, member seeds and walks back; everything is
    written to a folder beside the zoo and moved in only when complete.
    ``command`` is recorded in the manifest. Returns 0 when done.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    rng = np.random.default_rng(seed)
    only = list(dict.fromkeys(only)) if only else None
    old = None
    if only:
        if not (out / MANIFEST).is_file():
            raise ZooBuildError(f"--only retrains members of an existing zoo: no {MANIFEST} "
                                f"in {out}. Train the whole zoo first.")
        old = zoo.read_manifest(out)
        mismatch = _recipe_mismatch(old["recipe"], recipe)
        if mismatch or old.get("seed") != seed:
            raise ZooBuildError(f"The zoo at {out} was trained with another recipe or seed "
                                f"(differs on: {', '.join(mismatch) or 'seed'}); --only can "
                                "change n_queries only. Give the same recipe, or retrain it all.")
        if not old.get("dataset", "").startswith(
                "CIFAR-10 " if dataset == "cifar10" else "CIFAR-100 "):
            raise ZooBuildError(f"The zoo at {out} is not a {dataset} zoo.")
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-retrain-", dir=out.parent))
    else:
        out.mkdir(parents=True, exist_ok=True)
        stage = out
    print(f"Recipe {recipe_name!r} on {device} ({torch.get_num_threads()} thread(s)) → {out}"
          + (f", retraining only {', '.join(only)} (staged in {stage})" if only else ""),
          flush=True)
    try:
        return _build(out, stage, recipe, recipe_name=recipe_name, dataset=dataset, seed=seed,
                      device=device, rng=rng, only=only, old=old, yes=yes, progress=progress,
                      command=command, started=started, cpu_started=cpu_started)
    except BaseException:
        if only:  # nothing has been moved into the zoo: drop the staged files
            shutil.rmtree(stage, ignore_errors=True)
        raise


def _build(out, stage, recipe, *, recipe_name, dataset, seed, device, rng, only, old, yes,
           progress, command, started, cpu_started) -> int:
    ds = _load(dataset)
    data_name = "CIFAR-10" if dataset == "cifar10" else "CIFAR-100"
    # The offline copy is sorted by class: split at random, class by class. The public
    # samples are training images that no member sees, so that private and public samples
    # are exchangeable for every model that did not learn from the victim's data (test-set
    # images would do too, but any train/test shift would then pass for membership).
    public, rest = zoo.split_indices(ds.y_train, fraction=0.1, rng=rng)
    private, outside_half = (rest[i] for i in zoo.split_indices(ds.y_train[rest], rng=rng))
    private = np.sort(rng.choice(private, min(recipe.n_private, len(private)), replace=False))
    outside = np.sort(rng.choice(outside_half, min(recipe.n_private, len(outside_half)),
                                 replace=False))
    query = query_images(outside, outside_half, recipe.n_queries, seed)
    Xp, yp = ds.X_train[private], ds.y_train[private]
    Xo, yo = ds.X_train[outside], ds.y_train[outside]
    Xq = ds.X_train[query]
    # the verifier's samples: private ones the victim trained on, public ones no member saw
    embed_private = np.sort(rng.choice(private, min(recipe.n_embed, len(private)), replace=False))
    embed_public = np.sort(rng.choice(public, min(recipe.n_embed, len(public)), replace=False))
    splits = dict(private=private, outside=outside, public=public,
                  embed_private=embed_private, embed_public=embed_public)
    if only:  # the same seed and recipe must give the zoo's splits back
        zoo._verify(out / "splits.npz", old["splits"]["sha256"])
        with np.load(out / "splits.npz") as stored:
            differ = [k for k, v in splits.items() if not np.array_equal(stored[k], v)]
        if differ:
            raise ZooBuildError(f"The splits {differ} differ from the zoo's splits.npz: it was "
                             "made by another version of this script. Retrain it all.")
    np.savez(stage / "splits.npz", **splits, query=query)

    if device.type == "cpu" and recipe_name != "quick":
        est = _estimate_cpu(recipe, Xp, yp, device, np.random.default_rng(0), members=only)
        print(f"CPU run ({torch.get_num_threads()} thread(s)): about {est / 60:.0f} minutes "
              "by a few timed steps.", flush=True)
        if recipe_name == "full" and not yes:
            print("Rerun with --yes to go on, or use a GPU, or --quick for a smoke run.")
            return 2

    eval_idx = rng.choice(len(ds.X_test), min(10_000, len(ds.X_test)), replace=False)
    common = dict(batch_size=recipe.batch_size, lr=recipe.lr, weight_decay=recipe.weight_decay,
                  augment=recipe.augment, device=device, progress=progress)
    train_recipe = {k: v for k, v in asdict(recipe).items()
                    if k in ("batch_size", "lr", "weight_decay", "augment")}
    members: dict[str, dict] = {}
    models: dict[str, torch.nn.Module] = {}
    seeds = {name: int(s) for name, s in zip((m for m, _ in MEMBERS),
                                             rng.integers(2**31, size=len(MEMBERS)),
                                             strict=True)}
    walk_seed = int(rng.integers(2**31))  # the walks' directions, the same for every member
    if only:
        stored = {n: m["recipe"].get("seed") for n, m in old["members"].items()}
        walk = old["embeddings"]["blind_walk"]["rng"]
        if stored != {n: seeds[n] for n in stored} or walk != walk_seed:
            raise ZooBuildError("The members' seeds or the walks' seed differ from the zoo's "
                             "manifest: it was made by another version of this script.")

    def keep(name, row, t, architecture, data, extra=None):
        sha = zoo.save_model(t.model, stage / f"{name}.pt")  # rounds the model to float16
        models[name] = t.model
        acc_p = zoo.cifar_accuracy(t.model, Xp, yp)
        acc_t = zoo.cifar_accuracy(t.model, ds.X_test[eval_idx], ds.y_test[eval_idx])
        members[name] = _member_record(t, name, row, architecture, data, acc_p, acc_t,
                                       {**train_recipe, "seed": seeds[name], **(extra or {})},
                                       f"{name}.pt", sha)
        print(f"{row:24s} private acc {acc_p:.3f}  test acc {acc_t:.3f}  {t.seconds:6.1f} s"
              + (f"  {t.n_queries:,} queries" if t.n_queries else "")
              + f"  (elapsed {(time.perf_counter() - started) / 60:.1f} min)", flush=True)

    n = len(private)
    d_private = f"{data_name} train, private split ({n:,} images, labels)"
    d_outside = f"{data_name} train, disjoint split ({len(outside):,} images)"
    # the disjoint split and, with more queries than it holds, more of the same half
    d_query = (f"{data_name} train, disjoint {'half' if len(query) > len(outside) else 'split'}"
               f" ({len(query):,} images)")

    if only:  # the shipped victim, checked against its SHA-256
        victim = zoo.load_model(out / old["members"]["V"]["file"],
                                architecture=old["members"]["V"]["architecture"],
                                sha256=old["members"]["V"]["sha256"], device=device)
    else:
        v = zoo.train_cifar_classifier(zoo.build_model(recipe.victim, rng=seeds["V"]), Xp, yp,
                                       epochs=recipe.epochs, threat_model="V source",
                                       rng=seeds["V"], **common)
        keep("V", "V source", v, recipe.victim, d_private)
        victim = models["V"]

    def train(name):
        if name == "distillation":
            t = zoo.distill(victim, zoo.build_model(recipe.victim, rng=seeds[name]), Xp,
                            epochs=recipe.epochs, rng=seeds[name], **common)
            keep(name, "A_D distillation", t, recipe.victim,
                 f"{data_name} train, private split ({n:,} images), the victim's soft labels "
                 "(T = 4)", {"temperature": 4.0})
        elif name == "diff_architecture":
            t = zoo.train_cifar_classifier(zoo.build_model(recipe.other, rng=seeds[name]), Xp, yp,
                                           epochs=recipe.epochs,
                                           threat_model="A_D diff. architecture",
                                           rng=seeds[name], **common)
            keep(name, "A_D diff. architecture", t, recipe.other, d_private)
        elif name == "fine_tuning":
            t = zoo.fine_tune(victim, Xo, yo, epochs=recipe.fine_tune_epochs,
                              rng=seeds[name], **{**common, "lr": recipe.lr / 10})
            keep(name, "A_M fine-tuning", t, recipe.victim,
                 f"the victim's weights, then {d_outside} with labels", {"lr": recipe.lr / 10})
        elif name == "zero_shot":
            gen = zoo.build_model(recipe.generator, rng=seeds[name])
            t = zoo.zero_shot_distill(victim, zoo.build_model(recipe.student, rng=seeds[name]),
                                      generator=gen, iterations=recipe.zero_shot_iterations,
                                      batch_size=recipe.zero_shot_batch, rng=seeds[name],
                                      device=device, progress=progress)
            keep(name, "A_M zero-shot", t, recipe.student,
                 "no data: images from a generator trained against the victim (white box)",
                 {"iterations": recipe.zero_shot_iterations,
                  "batch_size": recipe.zero_shot_batch})
        elif name in ("label_query", "logit_query"):
            output = "label" if name == "label_query" else "proba"
            oracle = Oracle.from_torch(victim, input_shape=(3, 32, 32), output=output)
            t = zoo.extract(oracle, zoo.build_model(recipe.victim, rng=seeds[name]), Xq,
                            epochs=recipe.epochs, rng=seeds[name], **common)
            keep(name, dict(MEMBERS)[name], t, recipe.victim,
                 f"{d_query} without labels, labelled by the victim's API ({output})")
        elif name == "independent":
            t = zoo.train_cifar_classifier(zoo.build_model(recipe.victim, rng=seeds[name]), Xo, yo,
                                           epochs=recipe.epochs, threat_model="I independent",
                                           rng=seeds[name], **common)
            keep(name, "I independent", t, recipe.victim, d_outside + " with labels")

    for name in (m for m, _ in MEMBERS if m != "V" and (not only or m in only)):
        train(name)
    train_seconds = time.perf_counter() - started

    # embeddings: every member walks the same samples along the same directions
    torch.backends.cudnn.benchmark = False  # walks shrink batch by batch: no per-shape tuning
    X = ds.X_train[np.concatenate([embed_private, embed_public])]
    y = ds.y_train[np.concatenate([embed_private, embed_public])]
    arrays, queries = {}, {}
    # MinGD's rows: spread over the sorted samples (so over the classes); a retraining run
    # keeps the zoo's own (zoos from before positions were recorded: the first n)
    mingd_pos = (_mingd_positions(old["embeddings"].get("mingd")) if only
                 else zoo.spread_positions(len(embed_private), recipe.n_mingd)
                 if recipe.n_mingd else None)
    for name, model in models.items():
        walker = _Bf16(model) if device.type == "cuda" else model
        e = blind_walk(walker.to(device), X, y, n_directions=recipe.n_directions,
                       max_steps=recipe.max_steps, rng=walk_seed, device=device,
                       progress=progress)
        arrays[f"{name}/blind_walk"] = e.distances.astype(np.float32)
        queries[name] = {"blind_walk": e.n_queries, "blind_walk_seconds": round(e.seconds, 1)}
        print(f"Blind Walk {name:18s} {e.n_queries:,} queries, {e.seconds:.0f} s, "
              f"{e.censored.mean():.0%} censored", flush=True)
        if recipe.n_mingd:
            arrays.update(_embed_mingd(name, walker, X, y, mingd_pos, recipe, device, progress,
                                       queries))
    if only:  # the other members' cached embeddings, unchanged
        zoo._verify(out / old["embeddings"]["file"], old["embeddings"]["sha256"])
        with np.load(out / old["embeddings"]["file"]) as cached:
            kept = {k: cached[k] for k in cached.files if k.split("/")[0] not in only}
        if not (np.array_equal(kept["private_index"], embed_private)
                and np.array_equal(kept["public_index"], embed_public)):
            raise ZooBuildError("The cached embeddings are of other samples than splits.npz's.")
        arrays = {**kept, **arrays}
    else:
        arrays = {"private_index": embed_private, "public_index": embed_public, **arrays}
    np.savez(stage / "embeddings.npz", **arrays)
    total = time.perf_counter() - started
    cpu_total = time.process_time() - cpu_started
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    seconds = {"training": round(train_seconds, 1), "total": round(total, 1),
               "cpu_process": round(cpu_total, 1)}
    device_name = str(device) + (
        f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda"
        else f" ({platform.machine()}, {torch.get_num_threads()} threads)"
    )
    splits_info = {"file": "splits.npz", "sha256": zoo.sha256_of(stage / "splits.npz"),
                   "public": "stratified 10% of the training set, seen by no member",
                   "private": "stratified half of the rest, then n_private of it",
                   "outside": "the other half (disjoint), n_private of it",
                   "query": "n_queries images of the disjoint half, unlabelled, for the "
                            "query thieves: the outside split first, then more of that half",
                   "embed_private": "n_embed private images",
                   "embed_public": "n_embed public images"}

    if only:
        manifest = _updated_manifest(old, only, members, queries, recipe, splits_info,
                                     zoo.sha256_of(stage / "embeddings.npz"), seconds, now,
                                     command, device_name)
    else:
        manifest = {
            "format": 1,
            "created": now,
            "command": command,
            "seed": seed,
            "quick": recipe_name == "quick",
            "recipe_name": recipe_name,
            "dataset": f"{data_name} (stealkit.datasets.load_{dataset})",
            "splits": splits_info,
            "embeddings": {
                "file": "embeddings.npz",
                "sha256": zoo.sha256_of(out / "embeddings.npz"),
                "rows": "embed_private then embed_public (one row per image)",
                "blind_walk": {"n_directions": recipe.n_directions,
                               "max_steps": recipe.max_steps, "rng": walk_seed,
                               "scales": "stealkit WALK_SCALES (the paper's)"},
                "mingd": (_mingd_settings(recipe, mingd_pos) if recipe.n_mingd else None),
                "queries": queries,
            },
            "recipe": asdict(recipe),
            "members": members,
            "seconds": seconds,
            "device": device_name,
            "torch": torch.__version__,
        }
    zoo.write_manifest(stage, manifest)
    if only:
        _replace_into(stage, out, ["splits.npz", "embeddings.npz", MANIFEST,
                                   *(members[m]["file"] for m in only)])
    print(json.dumps(seconds), f"→ {out}/manifest.json")
    print(f"Cost: {total / 60:.1f} min wall clock, {cpu_total / 60:.1f} min of CPU time "
          f"on {device_name}.", flush=True)
    return 0


def _with_history(old: dict) -> tuple[dict, list]:
    """A copy of a zoo's manifest and its list of runs (started with the first run's record)."""
    manifest = json.loads(json.dumps(old))
    runs = manifest.setdefault("runs", [{
        "created": old.get("created"), "command": old.get("command"),
        "members": list(old["members"]), "seconds": old.get("seconds"),
        "device": old.get("device"), "torch": old.get("torch"),
    }])
    return manifest, runs


def _run_info(started: float, cpu_started: float) -> tuple[dict, str]:
    """A run's wall and CPU seconds and the time now (UTC)."""
    seconds = {"total": round(time.perf_counter() - started, 1),
               "cpu_process": round(time.process_time() - cpu_started, 1)}
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return seconds, now


def _stage_into_zoo(out: Path, old: dict, file: str, arrays: dict, update) -> None:
    """Write ``arrays`` to ``file`` and the manifest ``update(manifest, runs, sha)`` edits.

    Both are written to a folder beside the zoo and moved in when complete
    (the manifest last); on any failure nothing in the zoo changes.
    """
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-{Path(file).stem}-", dir=out.parent))
    try:
        np.savez(stage / file, **arrays)
        manifest, runs = _with_history(old)
        update(manifest, runs, zoo.sha256_of(stage / file))
        zoo.write_manifest(stage, manifest)
        _replace_into(stage, out, [file, MANIFEST])
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def reembed_mingd(
    out: Path,
    recipe: Recipe,
    *,
    dataset: str = "cifar10",
    device: torch.device,
    progress: bool = False,
    command: str = "",
) -> None:
    """MinGD again for every member of the zoo at ``out``, on rows spread over the samples.

    The zoo's weights (checked against their SHA-256) and splits are reused; the
    new cache and manifest are staged beside the zoo and moved in when complete.
    """
    if not (out / MANIFEST).is_file():
        raise ZooBuildError(f"--reembed-mingd needs an existing zoo: no {MANIFEST} in {out}.")
    old = zoo.read_manifest(out)
    mismatch = [k for k in _recipe_mismatch(old["recipe"], recipe) if k != "n_mingd"]
    if mismatch or not recipe.n_mingd:
        raise ZooBuildError(f"--reembed-mingd needs the zoo's recipe (differs on: "
                         f"{', '.join(mismatch) or 'none'}) and --mingd N > 0 "
                         f"(got {recipe.n_mingd}).")
    started, cpu_started = time.perf_counter(), time.process_time()
    ds = _load(dataset)
    zoo._verify(out / "splits.npz", old["splits"]["sha256"])
    with np.load(out / "splits.npz") as splits:
        embed_private, embed_public = splits["embed_private"], splits["embed_public"]
    rows = np.concatenate([embed_private, embed_public])
    X, y = ds.X_train[rows], ds.y_train[rows]
    positions = zoo.spread_positions(len(embed_private), recipe.n_mingd)
    info = old["embeddings"]
    zoo._verify(out / info["file"], info["sha256"])
    with np.load(out / info["file"]) as cached:
        arrays = {k: cached[k] for k in cached.files if not k.endswith(("/mingd", "/mingd_rows"))}
    queries: dict[str, dict] = {}
    for name, model in zoo.load_zoo(out, device=device).items():
        walker = _Bf16(model) if device.type == "cuda" else model
        arrays.update(_embed_mingd(name, walker, X, y, positions, recipe, device, progress,
                                   queries))
    before = sum(q.get("mingd_seconds", 0) for q in info["queries"].values())
    after = sum(q["mingd_seconds"] for q in queries.values())
    seconds, now = _run_info(started, cpu_started)

    def update(manifest: dict, runs: list, sha: str) -> None:
        for name, q in queries.items():
            manifest["embeddings"]["queries"].setdefault(name, {}).update(q)
        manifest["embeddings"].update(file="embeddings.npz", sha256=sha,
                                      mingd=_mingd_settings(recipe, positions))
        manifest["recipe"] = asdict(recipe)
        runs.append({"created": now, "command": command, "members": list(queries),
                     "embedding": "mingd", "seconds": seconds, "device": str(device),
                     "torch": torch.__version__,
                     "replaced": {"mingd": info.get("mingd"), "mingd_seconds": round(before, 1)}})
        s = manifest["seconds"]
        manifest["seconds"] = {**s, "total": round(s["total"] + after - before, 1),
                               "cpu_process": round(s["cpu_process"] + after - before, 1),
                               "note": "the first run's, with later runs' own times swapped in "
                                       "(each run's measurements: runs)"}
        manifest["updated"] = now

    _stage_into_zoo(out, old, "embeddings.npz", arrays, update)
    print(f"MinGD re-embedded for {len(queries)} members at {len(positions)} + "
          f"{len(positions)} rows: {seconds['total'] / 60:.1f} min → {out}", flush=True)


#: The replication's own generator: ``REPLICATION_SEED + seed`` draws its images.
REPLICATION_SEED = 12345


def replication_images(private: np.ndarray, public: np.ndarray, embed_private: np.ndarray,
                       embed_public: np.ndarray, n: int, seed: int):
    """n more private and n more public images (sorted indices) than the zoo embeds already.

    From the victim's private split and the public split, leaving out the
    embedded samples, drawn with their own generator so that nothing else moves.
    """
    rng = np.random.default_rng(REPLICATION_SEED + seed)
    rest_private = np.setdiff1d(private, embed_private)
    rest_public = np.setdiff1d(public, embed_public)
    if n > min(len(rest_private), len(rest_public)):
        raise ZooBuildError(f"--replicate {n}: only {len(rest_private):,} private and "
                         f"{len(rest_public):,} public images are left to embed.")
    return (np.sort(rng.choice(rest_private, n, replace=False)),
            np.sort(rng.choice(rest_public, n, replace=False)))


def replicate(
    out: Path,
    recipe: Recipe,
    n: int,
    *,
    dataset: str = "cifar10",
    seed: int = 0,
    device: torch.device,
    progress: bool = False,
    command: str = "",
) -> None:
    """Blind Walk of every member on n fresh private and n fresh public images.

    A second test set for the regressor the zoo's embeddings train, written to
    ``replication.npz`` and recorded in the manifest (``replication``); the
    zoo's weights (checked against their SHA-256), splits and walks are reused.
    """
    if not (out / MANIFEST).is_file():
        raise ZooBuildError(f"--replicate needs an existing zoo: no {MANIFEST} in {out}.")
    old = zoo.read_manifest(out)
    mismatch = [k for k in _recipe_mismatch(old["recipe"], recipe) if k != "n_mingd"]
    if mismatch:
        raise ZooBuildError(f"--replicate needs the zoo's recipe (differs on: "
                         f"{', '.join(mismatch)}).")
    if n < 2:
        raise ZooBuildError(f"--replicate needs at least 2 images of each set. Got {n}.")
    started, cpu_started = time.perf_counter(), time.process_time()
    ds = _load(dataset)
    zoo._verify(out / "splits.npz", old["splits"]["sha256"])
    with np.load(out / "splits.npz") as sp:
        fresh_private, fresh_public = replication_images(
            sp["private"], sp["public"], sp["embed_private"], sp["embed_public"], n, seed)
    rows = np.concatenate([fresh_private, fresh_public])
    X, y = ds.X_train[rows], ds.y_train[rows]
    walk = old["embeddings"]["blind_walk"]
    arrays = {"private_index": fresh_private, "public_index": fresh_public}
    queries = {}
    for name, model in zoo.load_zoo(out, device=device).items():
        walker = _Bf16(model) if device.type == "cuda" else model
        e = blind_walk(walker, X, y, n_directions=walk["n_directions"],
                       max_steps=walk["max_steps"], rng=walk["rng"], device=device,
                       progress=progress)
        arrays[f"{name}/blind_walk"] = e.distances.astype(np.float32)
        queries[name] = {"blind_walk": e.n_queries, "blind_walk_seconds": round(e.seconds, 1)}
        print(f"Replication {name:18s} {e.n_queries:,} queries, {e.seconds:.0f} s", flush=True)
    seconds, now = _run_info(started, cpu_started)

    def update(manifest: dict, runs: list, sha: str) -> None:
        manifest["replication"] = {
            "file": "replication.npz", "sha256": sha, "n": n, "rng": REPLICATION_SEED + seed,
            "rows": "n private then n public rows, one per image, none of them embedded in "
                    "embeddings.npz (private_index, public_index)",
            "blind_walk": walk, "queries": queries, "seconds": seconds, "created": now}
        runs.append({"created": now, "command": command, "members": list(queries),
                     "embedding": "replication", "seconds": seconds, "device": str(device),
                     "torch": torch.__version__})
        manifest["updated"] = now

    _stage_into_zoo(out, old, "replication.npz", arrays, update)
    print(f"Replication: {len(queries)} members on {n} + {n} fresh images, "
          f"{seconds['total'] / 60:.1f} min → {out}", flush=True)


def _updated_manifest(old: dict, only: list[str], members: dict, queries: dict, recipe: Recipe,
                      splits_info: dict, embeddings_sha: str, seconds: dict, now: str,
                      command: str, device_name: str) -> dict:
    """The zoo's manifest with the retrained members swapped in, and the run recorded.

    ``seconds`` becomes what building the zoo as it now stands cost: the first
    run's measurements with the replaced members' own times (training, Blind
    Walk, MinGD) swapped for the new ones; every run's own measurements are
    kept under ``runs``.
    """
    manifest, runs = _with_history(old)
    oldq = old["embeddings"]["queries"]

    def cost(member: dict, q: dict) -> float:
        return member["seconds"] + q.get("blind_walk_seconds", 0) + q.get("mingd_seconds", 0)

    delta_train = sum(members[m]["seconds"] - old["members"][m]["seconds"] for m in only)
    delta_total = sum(cost(members[m], queries[m]) - cost(old["members"][m], oldq[m])
                      for m in only)
    runs.append({
        "created": now, "command": command, "members": list(only), "seconds": seconds,
        "device": device_name, "torch": torch.__version__,
        "replaced": {m: {k: old["members"][m][k] for k in
                         ("sha256", "n_queries", "private_accuracy", "test_accuracy", "seconds")}
                     for m in only},
    })
    s = old["seconds"]
    manifest["seconds"] = {
        "training": round(s["training"] + delta_train, 1),
        "total": round(s["total"] + delta_total, 1),
        "cpu_process": round(s["cpu_process"] + delta_total, 1),
        "note": "the first run's, with the retrained members' own times swapped in "
                "(each run's measurements: runs)",
    }
    manifest["members"].update(members)
    manifest["embeddings"]["queries"].update(queries)
    manifest["embeddings"]["sha256"] = embeddings_sha
    manifest["splits"] = splits_info
    manifest["recipe"] = asdict(recipe)
    manifest["updated"] = now
    return manifest


