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
    python scripts/train_zoo.py --small --threads 1 --only label_query logit_query
                                                  # retrain two members into the shipped zoo

``--only MEMBER ...`` retrains some members into an existing zoo (``--out``,
or the default folder) and keeps the rest: the same seed and recipe give the
same splits, member seeds and walk directions (checked against the zoo's
``splits.npz`` and manifest: only ``--n-queries`` may differ), the victim is
loaded from its checksummed weights, and only those members' weights, Blind
Walk and MinGD embeddings and manifest entries are recomputed. Everything is
written to a temporary folder beside the zoo and moved in only when complete;
the manifest keeps every run under ``runs``. The result is the zoo a full
run with the same options would write (checked with ``--quick``: bit for bit).

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
``bash scripts/gpu_zoo.sh`` trains it on a GPU, times it and prints the Blind
Walk table (``SMOKE=1``: the same steps with ``--quick`` on the CPU).
On a CPU it is about 11 hours at one thread (its own estimate on a 2-core
VM): ``--device cpu`` without ``--quick`` or ``--small`` prints its estimate
and stops unless given ``--yes``. ``--quick`` (tiny models, 512 images) runs
in about a minute.

The shipped zoo (``--small``, recipe :data:`SMALL`, written to
``stealkit/dataset_inference/zoo_cifar10``, which the notebook and the
benchmark read by default) is the CPU study's set-up: 4,000 private images, a
ResNet-9 of width 8 (the different architecture: a ConvNet of width 8), no
augmentation, 20 epochs (100 % training accuracy), a small zero-shot run,
label- and logit-query thieves that each label 16,000 unlabelled images of the
disjoint half through the victim's API, Blind Walk with 2 directions per norm
on 1,000 private and 1,000 public samples, MinGD on 64 + 64 of them (spread
over the samples); 2.1 MB on disk. The manifest records what each run took,
and the script prints a rough estimate first.

Two more modes work on an existing zoo and keep its weights. ``--reembed-mingd``
computes the MinGD cache again: the samples are sorted by image index and the
offline CIFAR-10 copy by class, so the first 64 rows it used to take were all
airplanes; the rows are now spread over the samples (the manifest records
their positions). ``--replicate N`` walks every member over N private and N
public images the zoo has not embedded (``replication.npz``): a second test
set for the same regressor, on which no choice of ours was made.

The query budget (``n_queries``, ``--n-queries``), and why it changed. The
zoo was first trained with the query thieves labelling only the 4,000 images
of the disjoint split (46 minutes on one CPU thread of a 2-core VM shared
with another job: 13 min training, 19 min Blind Walk, 15 min MinGD). Their
copies agreed with the victim's labels on 62 % and 65 % of its private images,
barely more than on test images (58 % and 61 %), and dataset inference did
not catch them (Blind Walk, 500 + 500 held-out samples: p 0.04 and 0.25,
target p < 0.01), while the victim, distillation, different architecture and
fine-tuning were "stolen" at p < 1e-27 and the independent model was
inconclusive (p 0.08). In the paper the query thieves label far more
unlabelled data than the victim's training set, and a side experiment (a
label-query copy on 16,000 queries: 69 % on private images, caught at Δμ
0.18, p 0.001) showed that 4,000 queries were simply too few. So, as a matter
of principle rather than tuned member by member to the p-values, both query
thieves now query with 16,000 unlabelled images: the 4,000 of the disjoint
split and 12,000 more of the same half (``splits.npz``: ``query``), drawn
with their own generator so that nothing else moves (``--n-queries 4000``
gives the old zoo back). The two members were retrained into the shipped zoo
with ``--only label_query logit_query`` (21 minutes on one CPU thread: 9.5 min
training, 6 min Blind Walk, 4.5 min MinGD). The label- and logit-query copies
agree with the victim on 69 % and 73 % of its private images (61 % and 64 %
on test images).

What the zoo gives now (``benchmarks/dataset_inference_cifar.py``; the
regressor on alternate rows, see ``cifar.row_split`` for why: the numbers
above used halves by position, classes 0-5 against 5-9). Blind Walk on the
500 + 500 held-out samples: the victim, distillation, other architecture and
fine-tuning "stolen" at p < 1e-25, label- and logit-query at p 0.002 and
5e-4, zero-shot p 0.015, the independent model p 0.017 (Δμ 0.13: not
"stolen" at 0.01, but not above the target's 0.05). On the 1,000 + 1,000
fresh images of ``--replicate 1000``: every target met (query copies p 6e-4
and 7e-11, independent p 0.6). MinGD on 32 + 32 held-out samples: the victim,
distillation and fine-tuning "stolen", the query copies not (p 0.14, 0.07).

``--dataset cifar100`` trains the same zoo on CIFAR-100 (100 classes; MinGD
then has 100 columns per norm) where CIFAR-100 can be downloaded or has an
offline copy; the course's offline data has none, so no CIFAR-100 zoo ships.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import sys
import tempfile
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
                      help="the CPU recipe of the shipped zoo (about 55 min at one thread)")
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
                   help="also embed N private and N public samples with MinGD, spread over "
                        "the embedded ones (default: the recipe's; 0 for none)")
    p.add_argument("--n-queries", type=int, default=None,
                   help="unlabelled images (one API query each) of the label- and logit-query "
                        "thieves, from the disjoint half (default: the recipe's)")
    p.add_argument("--only", nargs="+", default=None, metavar="MEMBER", choices=RETRAINABLE,
                   help="retrain only these members into the existing zoo at --out (the "
                        "victim, splits, seeds and embedded samples are reused; their weights, "
                        "embeddings and manifest entries are replaced): "
                        + ", ".join(RETRAINABLE))
    p.add_argument("--reembed-mingd", action="store_true",
                   help="compute only the MinGD cache again, for every member of the existing "
                        "zoo at --out, on --mingd rows spread over the embedded samples")
    p.add_argument("--replicate", type=int, default=None, metavar="N",
                   help="only walk every member of the existing zoo at --out over N private "
                        "and N public images it has not embedded yet: a second test set "
                        "(replication.npz)")
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
    if args.n_queries is not None:
        recipe = replace(recipe, n_queries=args.n_queries)
    for field in ("epochs", "n_embed", "n_directions", "n_queries"):
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


def _estimate_cpu(recipe: Recipe, X, y, device, rng, members=None) -> float:
    """Seconds the run would take here, from a few timed training steps and walks.

    ``members``: the members trained and embedded (default: all of them).
    """
    names = [m for m, _ in MEMBERS] if members is None else list(members)
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
    for name in sorted(names, key=lambda f: f == zoo.MANIFEST):
        (stage / name).replace(out / name)
    stage.rmdir()


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
    if sum(map(bool, (args.reembed_mingd, args.replicate is not None, args.only))) > 1:
        raise SystemExit("--reembed-mingd, --replicate and --only cannot be combined.")
    if args.reembed_mingd:
        return _reembed_mingd(args, recipe, device, out, progress, argv)
    if args.replicate is not None:
        return _replicate(args, recipe, device, out, progress, argv)
    only = list(dict.fromkeys(args.only)) if args.only else None
    old = None
    if only:
        if not (out / zoo.MANIFEST).is_file():
            raise SystemExit(f"--only retrains members of an existing zoo: no {zoo.MANIFEST} in "
                             f"{out}. Train the whole zoo first.")
        old = zoo.read_manifest(out)
        mismatch = _recipe_mismatch(old["recipe"], recipe)
        if mismatch or old.get("seed") != args.seed:
            raise SystemExit(f"The zoo at {out} was trained with another recipe or seed "
                             f"(differs on: {', '.join(mismatch) or 'seed'}); --only can "
                             "change n_queries only. Give the same recipe, or retrain it all.")
        if not old.get("dataset", "").startswith(
                "CIFAR-10 " if args.dataset == "cifar10" else "CIFAR-100 "):
            raise SystemExit(f"The zoo at {out} is not a {args.dataset} zoo.")
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-retrain-", dir=out.parent))
    else:
        out.mkdir(parents=True, exist_ok=True)
        stage = out
    started, cpu_started = time.perf_counter(), time.process_time()
    print(f"Recipe {recipe_name!r} on {device} ({torch.get_num_threads()} thread(s)) → {out}"
          + (f", retraining only {', '.join(only)} (staged in {stage})" if only else ""),
          flush=True)
    try:
        return _run(args, recipe_name, recipe, device, rng, out, stage, only, old, progress,
                    started, cpu_started, argv)
    except BaseException:
        if only:  # nothing has been moved into the zoo: drop the staged files
            shutil.rmtree(stage, ignore_errors=True)
        raise


def _run(args, recipe_name, recipe, device, rng, out, stage, only, old, progress, started,
         cpu_started, argv) -> int:
    ds = load_cifar10() if args.dataset == "cifar10" else load_cifar100()
    data_name = "CIFAR-10" if args.dataset == "cifar10" else "CIFAR-100"
    # The offline copy is sorted by class: split at random, class by class. The public
    # samples are training images that no member sees, so that private and public samples
    # are exchangeable for every model that did not learn from the victim's data (test-set
    # images would do too, but any train/test shift would then pass for membership).
    public, rest = zoo.split_indices(ds.y_train, fraction=0.1, rng=rng)
    private, outside_half = (rest[i] for i in zoo.split_indices(ds.y_train[rest], rng=rng))
    private = np.sort(rng.choice(private, min(recipe.n_private, len(private)), replace=False))
    outside = np.sort(rng.choice(outside_half, min(recipe.n_private, len(outside_half)),
                                 replace=False))
    query = query_images(outside, outside_half, recipe.n_queries, args.seed)
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
            raise SystemExit(f"The splits {differ} differ from the zoo's splits.npz: it was "
                             "made by another version of this script. Retrain it all.")
    np.savez(stage / "splits.npz", **splits, query=query)

    if device.type == "cpu" and not args.quick:
        est = _estimate_cpu(recipe, Xp, yp, device, np.random.default_rng(0), members=only)
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
    walk_seed = int(rng.integers(2**31))  # the walks' directions, the same for every member
    if only:
        stored = {n: m["recipe"].get("seed") for n, m in old["members"].items()}
        walk = old["embeddings"]["blind_walk"]["rng"]
        if stored != {n: seeds[n] for n in stored} or walk != walk_seed:
            raise SystemExit("The members' seeds or the walks' seed differ from the zoo's "
                             "manifest: it was made by another version of this script.")

    def keep(name, row, t, architecture, data, extra=None):
        sha = zoo.save_model(t.model, stage / f"{name}.pt")  # rounds the model to float16
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
    # the disjoint split and, with more queries than it holds, more of the same half
    d_query = (f"{data_name} train, disjoint {'half' if len(query) > len(outside) else 'split'}"
               f" ({len(query):,} images)")

    if only:  # the shipped victim, checked against its SHA-256
        victim = zoo.load_model(out / old["members"]["V"]["file"],
                                architecture=old["members"]["V"]["architecture"],
                                sha256=old["members"]["V"]["sha256"], device=device)
    else:
        v = zoo.train_classifier(zoo.build_model(recipe.victim, rng=seeds["V"]), Xp, yp,
                                 epochs=recipe.epochs, threat_model="V source", rng=seeds["V"],
                                 **common)
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
            t = zoo.train_classifier(zoo.build_model(recipe.other, rng=seeds[name]), Xp, yp,
                                     epochs=recipe.epochs, threat_model="A_D diff. architecture",
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
            t = zoo.train_classifier(zoo.build_model(recipe.victim, rng=seeds[name]), Xo, yo,
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
            raise SystemExit("The cached embeddings are of other samples than splits.npz's.")
        arrays = {**kept, **arrays}
    else:
        arrays = {"private_index": embed_private, "public_index": embed_public, **arrays}
    np.savez(stage / "embeddings.npz", **arrays)
    total = time.perf_counter() - started
    cpu_total = time.process_time() - cpu_started
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    command = " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])
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
            "seed": args.seed,
            "quick": bool(args.quick),
            "recipe_name": recipe_name,
            "dataset": f"{data_name} (stealkit.datasets.load_{args.dataset})",
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
        _replace_into(stage, out, ["splits.npz", "embeddings.npz", zoo.MANIFEST,
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


def _run_info(started: float, cpu_started: float, argv) -> tuple[dict, str, str]:
    """A run's wall and CPU seconds, its command line and the time now (UTC)."""
    seconds = {"total": round(time.perf_counter() - started, 1),
               "cpu_process": round(time.process_time() - cpu_started, 1)}
    command = " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return seconds, command, now


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
        _replace_into(stage, out, [file, zoo.MANIFEST])
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _reembed_mingd(args, recipe: Recipe, device, out: Path, progress: bool, argv) -> int:
    """MinGD again for every member of the zoo at ``out``, on rows spread over the samples.

    The zoo's weights (checked against their SHA-256) and splits are reused; the
    new cache and manifest are staged beside the zoo and moved in when complete.
    """
    if not (out / zoo.MANIFEST).is_file():
        raise SystemExit(f"--reembed-mingd needs an existing zoo: no {zoo.MANIFEST} in {out}.")
    old = zoo.read_manifest(out)
    mismatch = [k for k in _recipe_mismatch(old["recipe"], recipe) if k != "n_mingd"]
    if mismatch or not recipe.n_mingd:
        raise SystemExit(f"--reembed-mingd needs the zoo's recipe (differs on: "
                         f"{', '.join(mismatch) or 'none'}) and --mingd N > 0 "
                         f"(got {recipe.n_mingd}).")
    started, cpu_started = time.perf_counter(), time.process_time()
    ds = load_cifar10() if args.dataset == "cifar10" else load_cifar100()
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
    seconds, command, now = _run_info(started, cpu_started, argv)

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
    return 0


#: The replication's own generator: ``REPLICATION_SEED + --seed`` draws its images.
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
        raise SystemExit(f"--replicate {n}: only {len(rest_private):,} private and "
                         f"{len(rest_public):,} public images are left to embed.")
    return (np.sort(rng.choice(rest_private, n, replace=False)),
            np.sort(rng.choice(rest_public, n, replace=False)))


def _replicate(args, recipe: Recipe, device, out: Path, progress: bool, argv) -> int:
    """Blind Walk of every member on n fresh private and n fresh public images.

    A second test set for the regressor the zoo's embeddings train, written to
    ``replication.npz`` and recorded in the manifest (``replication``); the
    zoo's weights (checked against their SHA-256), splits and walks are reused.
    """
    if not (out / zoo.MANIFEST).is_file():
        raise SystemExit(f"--replicate needs an existing zoo: no {zoo.MANIFEST} in {out}.")
    old = zoo.read_manifest(out)
    mismatch = [k for k in _recipe_mismatch(old["recipe"], recipe) if k != "n_mingd"]
    if mismatch:
        raise SystemExit(f"--replicate needs the zoo's recipe (differs on: "
                         f"{', '.join(mismatch)}).")
    n = args.replicate
    if n < 2:
        raise SystemExit(f"--replicate needs at least 2 images of each set. Got {n}.")
    started, cpu_started = time.perf_counter(), time.process_time()
    ds = load_cifar10() if args.dataset == "cifar10" else load_cifar100()
    zoo._verify(out / "splits.npz", old["splits"]["sha256"])
    with np.load(out / "splits.npz") as sp:
        fresh_private, fresh_public = replication_images(
            sp["private"], sp["public"], sp["embed_private"], sp["embed_public"], n, args.seed)
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
    seconds, command, now = _run_info(started, cpu_started, argv)

    def update(manifest: dict, runs: list, sha: str) -> None:
        manifest["replication"] = {
            "file": "replication.npz", "sha256": sha, "n": n, "rng": REPLICATION_SEED + args.seed,
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
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
