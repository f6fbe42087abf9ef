"""Train the CIFAR-10 (or CIFAR-100) model zoo of dataset inference and cache its embeddings.

Maini et al. (2021), §6: a victim V and one model per threat model (A_D
distillation and different architecture, A_M fine-tuning and zero-shot,
A_Q label- and logit-query, I independent), all from one seed. Writes to
``--out``: one float16 weights file per member, ``splits.npz`` (which
CIFAR-10 images each member saw), ``embeddings.npz`` (Blind Walk, and MinGD
with ``--mingd``, of the same private and public samples for every member)
and ``manifest.json`` (data, architecture, recipe, epochs, accuracy,
queries, time and SHA-256 of every file).

Usage (from the repository root, STEALKIT_DATA pointing at the data)::

    python scripts/train_zoo.py --out models/cifar10-zoo            # GPU when present
    python scripts/train_zoo.py --small --threads 1                 # the shipped zoo, CPU
    python scripts/train_zoo.py --quick --out /tmp/zoo --device cpu # smoke run, ~1 min CPU

Recipe (:data:`FULL`), and why. A straightforward zoo (a ResNet-9 trained
with augmentation to 98 % train / 88 % test accuracy, the paper's 10 walks per
norm, 250 + 250 samples) did not even separate the victim from an independent
model. On CPU-sized models (4,000 training images, ResNet-9 of width 8, the
paper's regressor trained on 500 + 500 victim embeddings, tested on 500 + 500
others) two things mattered. (1) How tightly the victim fits its data:
without augmentation (100 % train, 61 % test accuracy) the victim's Δμ was
0.95; with crops and flips (87 % / 72 %) 0.43. (2) Many samples rather than
many walks: one direction per norm gave the same t statistic as ten, and
label- and logit-query copies were detected (p 3e-5 and 4e-3) with 500 + 500
test samples, not with 100 + 100. Hence: no augmentation, 3 directions per
norm, 5,000 private and 5,000 public samples (the regressor trains on half,
the test uses the other half); the public samples are training images no
member sees (``splits.npz``).

Cost: the full run is sized for one modern GPU, under 8 minutes on an H200 by
our estimate (it is untested there; the manifest records what it measured).
On a CPU it is about 11 hours at one thread (its own estimate on a 2-core
VM): ``--device cpu`` without ``--quick`` or ``--small`` prints its estimate
and stops unless given ``--yes``. ``--quick`` (tiny models, 512 images) runs
in about a minute.

The shipped zoo (``--small``, recipe :data:`SMALL`, written to
``stealkit/dataset_inference/zoo_cifar10``, which the notebook and the
benchmark read by default) is the CPU study's set-up: 4,000 private images, a
ResNet-9 of width 8 (the different architecture: a ConvNet of width 8), no
augmentation, 20 epochs (100 % training accuracy), a small zero-shot run,
Blind Walk with 2 directions per norm on 1,000 private and 1,000 public
samples, MinGD on 64 + 64 of them. It took 46 minutes on one CPU thread of
a 2-core VM shared with another job (13 min training, 19 min Blind Walk,
15 min MinGD; the manifest records it, and the script prints a rough
estimate first); 2.1 MB on disk. What it gives (Blind Walk, 500 + 500
held-out samples, ``benchmarks/dataset_inference_cifar.py``): the victim,
distillation, different architecture and fine-tuning are "stolen" at
p < 1e-27 and the independent model is inconclusive (p 0.08), but the
label- and logit-query copies, trained on 4,000 queries, are not caught
(p 0.04 and 0.25), unlike in the earlier CPU study above; a label-query
copy trained on 16,000 queries was (p 0.001, a side experiment).

``--dataset cifar100`` trains the same zoo on CIFAR-100 (100 classes; MinGD
then has 100 columns per norm) where CIFAR-100 can be downloaded or has an
offline copy; the course's offline data has none, so no CIFAR-100 zoo ships.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from stealkit.dataset_inference import blind_walk, mingd, zoo
from stealkit.datasets import load_cifar10, load_cifar100
from stealkit.oracle import Oracle

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
#: Where the shipped zoo lives (the notebook's and the benchmark's default).
SHIPPED = Path(__file__).resolve().parents[1] / "stealkit" / "dataset_inference" / "zoo_cifar10"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=None,
                   help="folder for weights, embeddings and manifest (default: "
                        "models/<dataset>-zoo; with --small the shipped zoo_<dataset> folder)")
    p.add_argument("--dataset", choices=("cifar10", "cifar100"), default="cifar10",
                   help="the victim's data set (default: %(default)s)")
    p.add_argument("--device", default=None,
                   help="torch device (default: cuda when present, else cpu)")
    p.add_argument("--seed", type=int, default=0, help="the one seed of everything (default 0)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true",
                      help="the CPU recipe of the shipped zoo (about 45 min at one thread)")
    size.add_argument("--quick", action="store_true",
                      help="tiny models and data: checks the pipeline in a couple of CPU minutes")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random crops and flips for every member (default: the recipe's, off)")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    p.add_argument("--width", type=int, default=None,
                   help="victim width (ResNet-9: 64 is the original; default: the recipe's); "
                        "the other architecture gets the same, the zero-shot student half")
    p.add_argument("--n-embed", type=int, default=None,
                   help="private and public samples embedded, each (default: the recipe's)")
    p.add_argument("--n-directions", type=int, default=None,
                   help="Blind Walk directions per norm (default: the recipe's; the paper: 10)")
    p.add_argument("--mingd", type=int, default=None, metavar="N",
                   help="also embed the first N private and N public samples with MinGD "
                        "(default: the recipe's; 0 for none)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--yes", action="store_true", help="do not ask before a long CPU run")
    return p.parse_args(argv)


class _Bf16(torch.nn.Module):
    """Run a model under bf16 autocast (on CUDA, Blind Walk's queries are most of the cost)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            return self.model(x).float()


def _member_record(t: zoo.Training, name: str, row: str, architecture: dict, data: str,
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


def recipe_from_args(args: argparse.Namespace) -> tuple[str, Recipe]:
    """The recipe's name and the recipe, with the command line's overrides."""
    name = "quick" if args.quick else "small" if args.small else "full"
    recipe = {"quick": QUICK, "small": SMALL, "full": FULL}[name]
    if args.augment is not None:
        recipe = replace(recipe, augment=args.augment)
    if args.epochs is not None:
        recipe = replace(recipe, epochs=args.epochs)
    if args.width is not None:
        recipe = replace(recipe, victim={"name": "resnet9", "width": args.width},
                         other={"name": "convnet", "width": args.width},
                         student={"name": "resnet9", "width": max(1, args.width // 2)})
    if args.n_embed is not None:
        recipe = replace(recipe, n_embed=args.n_embed)
    if args.n_directions is not None:
        recipe = replace(recipe, n_directions=args.n_directions)
    if args.mingd is not None:
        recipe = replace(recipe, n_mingd=args.mingd)
    for field in ("epochs", "n_embed", "n_directions"):
        if getattr(recipe, field) < 1:
            raise SystemExit(f"--{field.replace('_', '-')} must be at least 1.")
    if recipe.n_mingd < 0:
        raise SystemExit("--mingd must be 0 or more.")
    if args.dataset == "cifar100":  # 100 logits; the generator is the same
        recipe = replace(recipe, **{k: {**getattr(recipe, k), "n_classes": 100}
                                    for k in ("victim", "other", "student")})
    return name, recipe


def default_out(args: argparse.Namespace) -> Path:
    """The shipped folder for ``--small`` (zoo_cifar10 / zoo_cifar100), else models/<data>-zoo."""
    if args.small:
        return SHIPPED.with_name(f"zoo_{args.dataset}")
    return Path(f"models/{args.dataset}-zoo")


def _estimate_cpu(recipe: Recipe, X, y, device, rng) -> float:
    """Seconds the whole run would take here, from a few timed training steps and walks."""
    model = zoo.build_model(recipe.victim, rng=rng)
    n = recipe.batch_size * 3
    # one untimed step first: the first call pays for allocations and kernel selection
    zoo.train_classifier(model, X[:recipe.batch_size], y[:recipe.batch_size], epochs=1,
                         batch_size=recipe.batch_size, rng=rng, device=device, progress=False)
    zoo.predict_logits(model, X[:64])
    t0 = time.perf_counter()
    zoo.train_classifier(model, X[:n], y[:n], epochs=1, batch_size=recipe.batch_size,
                         augment=recipe.augment, rng=rng, device=device, progress=False)
    per_image_step = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    zoo.predict_logits(model, X[:256])
    per_query = (time.perf_counter() - t0) / 256
    epochs = 7 * recipe.epochs + recipe.fine_tune_epochs
    images = epochs * recipe.n_private
    zero_shot = recipe.zero_shot_iterations * recipe.zero_shot_batch * 10
    walks = 8 * 2 * recipe.n_embed * 3 * recipe.n_directions * recipe.max_steps * 0.5
    # MinGD: ~40 gradient steps per (sample, other class, norm) on a small CIFAR victim
    n_classes = recipe.victim.get("n_classes", 10)
    gradients = 8 * 2 * min(recipe.n_mingd, recipe.n_embed) * 3 * (n_classes - 1) * 40
    return per_image_step * (images + zero_shot + gradients) + per_query * walks


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    recipe_name, recipe = recipe_from_args(args)
    progress = sys.stderr.isatty()  # no progress bars in a log file
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    rng = np.random.default_rng(args.seed)
    out = args.out or default_out(args)
    out.mkdir(parents=True, exist_ok=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    print(f"Recipe {recipe_name!r} on {device} ({torch.get_num_threads()} thread(s)) → {out}",
          flush=True)

    ds = load_cifar10() if args.dataset == "cifar10" else load_cifar100()
    data_name = "CIFAR-10" if args.dataset == "cifar10" else "CIFAR-100"
    # The offline copy is sorted by class: split at random, class by class. The public
    # samples are training images that no member sees, so that private and public samples
    # are exchangeable for every model that did not learn from the victim's data (test-set
    # images would do too, but any train/test shift would then pass for membership).
    public, rest = zoo.split_indices(ds.y_train, fraction=0.1, rng=rng)
    private, outside = (rest[i] for i in zoo.split_indices(ds.y_train[rest], rng=rng))
    private = np.sort(rng.choice(private, min(recipe.n_private, len(private)), replace=False))
    outside = np.sort(rng.choice(outside, min(recipe.n_private, len(outside)), replace=False))
    Xp, yp = ds.X_train[private], ds.y_train[private]
    Xo, yo = ds.X_train[outside], ds.y_train[outside]
    # the verifier's samples: private ones the victim trained on, public ones no member saw
    embed_private = np.sort(rng.choice(private, min(recipe.n_embed, len(private)), replace=False))
    embed_public = np.sort(rng.choice(public, min(recipe.n_embed, len(public)), replace=False))
    np.savez(out / "splits.npz", private=private, outside=outside, public=public,
             embed_private=embed_private, embed_public=embed_public)

    if device.type == "cpu" and not args.quick:
        est = _estimate_cpu(recipe, Xp, yp, device, np.random.default_rng(0))
        print(f"CPU run ({torch.get_num_threads()} thread(s)): about {est / 60:.0f} minutes "
              "by a few timed steps.", flush=True)
        if recipe_name == "full" and not args.yes:
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

    def keep(name, row, t, architecture, data, extra=None):
        sha = zoo.save_model(t.model, out / f"{name}.pt")  # rounds the model to float16
        models[name] = t.model
        acc_p = zoo.accuracy(t.model, Xp, yp)
        acc_t = zoo.accuracy(t.model, ds.X_test[eval_idx], ds.y_test[eval_idx])
        members[name] = _member_record(t, name, row, architecture, data, acc_p, acc_t,
                                       {**train_recipe, "seed": seeds[name], **(extra or {})},
                                       f"{name}.pt", sha)
        print(f"{row:24s} private acc {acc_p:.3f}  test acc {acc_t:.3f}  {t.seconds:6.1f} s"
              + (f"  {t.n_queries:,} queries" if t.n_queries else "")
              + f"  (elapsed {(time.perf_counter() - started) / 60:.1f} min)", flush=True)

    n = len(private)
    d_private = f"{data_name} train, private split ({n:,} images, labels)"
    d_outside = f"{data_name} train, disjoint split ({len(outside):,} images)"

    v = zoo.train_classifier(zoo.build_model(recipe.victim, rng=seeds["V"]), Xp, yp,
                             epochs=recipe.epochs, threat_model="V source", rng=seeds["V"],
                             **common)
    keep("V", "V source", v, recipe.victim, d_private)
    victim = models["V"]

    t = zoo.distill(victim, zoo.build_model(recipe.victim, rng=seeds["distillation"]), Xp,
                    epochs=recipe.epochs, rng=seeds["distillation"], **common)
    keep("distillation", "A_D distillation", t, recipe.victim,
         f"{data_name} train, private split ({n:,} images), the victim's soft labels (T = 4)",
         {"temperature": 4.0})

    t = zoo.train_classifier(zoo.build_model(recipe.other, rng=seeds["diff_architecture"]),
                             Xp, yp, epochs=recipe.epochs, threat_model="A_D diff. architecture",
                             rng=seeds["diff_architecture"], **common)
    keep("diff_architecture", "A_D diff. architecture", t, recipe.other, d_private)

    t = zoo.fine_tune(victim, Xo, yo, epochs=recipe.fine_tune_epochs,
                      rng=seeds["fine_tuning"], **{**common, "lr": recipe.lr / 10})
    keep("fine_tuning", "A_M fine-tuning", t, recipe.victim,
         f"the victim's weights, then {d_outside} with labels", {"lr": recipe.lr / 10})

    gen = zoo.build_model(recipe.generator, rng=seeds["zero_shot"])
    t = zoo.zero_shot_distill(victim, zoo.build_model(recipe.student, rng=seeds["zero_shot"]),
                              generator=gen, iterations=recipe.zero_shot_iterations,
                              batch_size=recipe.zero_shot_batch, rng=seeds["zero_shot"],
                              device=device, progress=progress)
    keep("zero_shot", "A_M zero-shot", t, recipe.student,
         "no data: images from a generator trained against the victim (white box)",
         {"iterations": recipe.zero_shot_iterations, "batch_size": recipe.zero_shot_batch})

    for name, output in (("label_query", "label"), ("logit_query", "proba")):
        oracle = Oracle.from_torch(victim, input_shape=(3, 32, 32), output=output)
        t = zoo.extract(oracle, zoo.build_model(recipe.victim, rng=seeds[name]), Xo,
                        epochs=recipe.epochs, rng=seeds[name], **common)
        row = dict(MEMBERS)[name]
        keep(name, row, t, recipe.victim,
             f"{d_outside} without labels, labelled by the victim's API ({output})")

    t = zoo.train_classifier(zoo.build_model(recipe.victim, rng=seeds["independent"]), Xo, yo,
                             epochs=recipe.epochs, threat_model="I independent",
                             rng=seeds["independent"], **common)
    keep("independent", "I independent", t, recipe.victim, d_outside + " with labels")
    train_seconds = time.perf_counter() - started

    # embeddings: every member walks the same samples along the same directions
    torch.backends.cudnn.benchmark = False  # walks shrink batch by batch: no per-shape tuning
    X = ds.X_train[np.concatenate([embed_private, embed_public])]
    y = ds.y_train[np.concatenate([embed_private, embed_public])]
    walk_seed = int(rng.integers(2**31))
    arrays, queries = {}, {}
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
            k = min(recipe.n_mingd, recipe.n_embed)
            rows = np.r_[0:k, len(embed_private):len(embed_private) + k]
            e = mingd(walker, X[rows], y[rows], max_steps=recipe.mingd_steps, clip=(0.0, 1.0),
                      device=device, progress=progress)
            arrays[f"{name}/mingd"] = e.distances.astype(np.float32)
            arrays[f"{name}/mingd_rows"] = rows
            queries[name].update(mingd=e.n_queries, mingd_seconds=round(e.seconds, 1))
            print(f"MinGD      {name:18s} {e.n_queries:,} gradient queries, {e.seconds:.0f} s, "
                  f"{e.censored.mean():.0%} censored", flush=True)
    np.savez(out / "embeddings.npz", private_index=embed_private, public_index=embed_public,
             **arrays)
    total = time.perf_counter() - started
    cpu_total = time.process_time() - cpu_started

    manifest = {
        "format": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None
                                                        else sys.argv[1:])]),
        "seed": args.seed,
        "quick": bool(args.quick),
        "recipe_name": recipe_name,
        "dataset": f"{data_name} (stealkit.datasets.load_{args.dataset})",
        "splits": {"file": "splits.npz", "sha256": zoo.sha256_of(out / "splits.npz"),
                   "public": "stratified 10% of the training set, seen by no member",
                   "private": "stratified half of the rest, then n_private of it",
                   "outside": "the other half (disjoint), n_private of it",
                   "embed_private": "n_embed private images",
                   "embed_public": "n_embed public images"},
        "embeddings": {
            "file": "embeddings.npz",
            "sha256": zoo.sha256_of(out / "embeddings.npz"),
            "rows": "embed_private then embed_public (one row per image)",
            "blind_walk": {"n_directions": recipe.n_directions, "max_steps": recipe.max_steps,
                           "rng": walk_seed, "scales": "stealkit WALK_SCALES (the paper's)"},
            "mingd": ({"n": recipe.n_mingd, "clip": [0.0, 1.0],
                       "max_steps": recipe.mingd_steps, "step_sizes": "stealkit MINGD_STEPS",
                       "rows": "the first n private then the first n public rows"}
                      if recipe.n_mingd else None),
            "queries": queries,
        },
        "recipe": asdict(recipe),
        "members": members,
        "seconds": {"training": round(train_seconds, 1), "total": round(total, 1),
                    "cpu_process": round(cpu_total, 1)},
        "device": str(device) + (
            f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda"
            else f" ({platform.machine()}, {torch.get_num_threads()} threads)"
        ),
        "torch": torch.__version__,
    }
    zoo.write_manifest(out, manifest)
    print(json.dumps(manifest["seconds"]), f"→ {out}/manifest.json")
    print(f"Cost: {total / 60:.1f} min wall clock, {cpu_total / 60:.1f} min of CPU time "
          f"on {manifest['device']}.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
