"""Train the CIFAR-10 (or CIFAR-100) model zoo of dataset inference and cache its embeddings.

Maini et al. (2021), §6: a victim V and one model per threat model (A_D
distillation and different architecture, A_M fine-tuning and zero-shot,
A_Q label- and logit-query, I independent), all from one seed. Writes to
``--out``: one float16 weights file per member, ``splits.npz`` (which
CIFAR-10 images each member saw), ``embeddings.npz`` (Blind Walk, and MinGD
with ``--mingd``, of the same private and public samples for every member)
and ``manifest.json`` (data, architecture, recipe, epochs, accuracy,
queries, time and SHA-256 of every file). The building is
:mod:`stealkit.dataset_inference.zoo_build`; this is its command line.

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
run with the same options would write.

Recipes (``zoo_build.FULL``, ``SMALL``, ``QUICK``): the full run is sized for
one modern GPU; ``bash scripts/gpu_zoo.sh`` trains it on a GPU, times it and
prints the Blind Walk table (``SMOKE=1``: the same steps with ``--quick`` on
the CPU). ``--device cpu`` without ``--quick`` or ``--small`` prints its
estimate and stops unless given ``--yes``. ``--small`` is the shipped zoo
(written to ``stealkit/dataset_inference/zoo_cifar10``, which the notebook and
the benchmark read by default); ``--quick`` (tiny models, 512 images) is a
smoke run. Why the recipes are what they are, and what each run measured, is
in CHANGELOG.md ("Notes moved out of the package") and in each zoo's manifest.

Two more modes work on an existing zoo and keep its weights.
``--reembed-mingd`` computes the MinGD cache again, on rows spread over the
samples (the manifest records their positions). ``--replicate N`` walks every
member over N private and N public images the zoo has not embedded
(``replication.npz``): a second test set for the same regressor, on which no
choice of ours was made.

``--dataset cifar100`` trains the same zoo on CIFAR-100 (100 classes; MinGD
then has 100 columns per norm) where CIFAR-100 can be downloaded or has an
offline copy; the course's offline data has none, so no CIFAR-100 zoo ships.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import torch

from stealkit.dataset_inference import zoo_build
from stealkit.dataset_inference.cifar import ZOO_CIFAR10
from stealkit.dataset_inference.zoo_build import (
    FULL,
    QUICK,
    RETRAINABLE,
    SMALL,
    Recipe,
    ZooBuildError,
)


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
        return ZOO_CIFAR10.with_name(f"zoo_{args.dataset}")
    return Path(f"models/{args.dataset}-zoo")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    recipe_name, recipe = recipe_from_args(args)
    progress = sys.stderr.isatty()  # no progress bars in a log file
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    out = args.out or default_out(args)
    if sum(map(bool, (args.reembed_mingd, args.replicate is not None, args.only))) > 1:
        raise SystemExit("--reembed-mingd, --replicate and --only cannot be combined.")
    command = " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])
    common = dict(dataset=args.dataset, device=device, progress=progress, command=command)
    try:
        if args.reembed_mingd:
            zoo_build.reembed_mingd(out, recipe, **common)
            return 0
        if args.replicate is not None:
            zoo_build.replicate(out, recipe, args.replicate, seed=args.seed, **common)
            return 0
        return zoo_build.build_zoo(out, recipe, recipe_name=recipe_name, seed=args.seed,
                                   only=args.only, yes=args.yes, **common)
    except ZooBuildError as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
