"""Maini et al. (2021), CIFAR table: dataset inference on our model zoo beside the paper's.

The zoo (a victim and one model per threat model) is trained by
``scripts/train_zoo.py``, which caches every member's Blind Walk (and MinGD)
embeddings of the same private and public samples; by default the zoo
shipped with the package (``stealkit/dataset_inference/zoo_cifar10``, the
CPU recipe ``--small``). The confidence regressor is trained on the victim's
embeddings of every other sample (:func:`~stealkit.dataset_inference.cifar.row_split`),
and every member is tested on the others: Δμ, p-value and verdict on all held-out samples, then the
median and inter-quartile range of the p-value over 200 draws of m = 10
samples (the spread over the m-sample draws), and the test again with a
linear regressor. The shared code is :mod:`stealkit.dataset_inference.cifar`;
a CIFAR-100 zoo (``train_zoo.py --dataset cifar100``) is set beside the
paper's CIFAR-100 columns.

Our rows hold one image each; the public code's rows mix 30 images (a
reshape), which makes each of its "samples" worth many of ours, so its
p-values at m = 10 are not comparable with ours at m = 10. With
``--public-code`` the Blind Walk test runs again in the public code's layout
(:func:`~stealkit.dataset_inference.cifar.public_code_table`).

Run from the repository root: ``python benchmarks/dataset_inference_cifar.py
[--zoo DIR] [--method blind_walk|mingd|both] [--recompute] [--public-code]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.dataset_inference.cifar import (
    ZOO_CIFAR10,
    ownership_table,
    public_code_table,
    replication_table,
    zoo_embeddings,
    zoo_replication,
)
from stealkit.dataset_inference.zoo import read_manifest

SEED = 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--zoo", type=Path, default=ZOO_CIFAR10,
                   help="zoo folder (default: the shipped CPU zoo)")
    p.add_argument("--method", choices=("blind_walk", "mingd", "both"), default="both")
    p.add_argument("--m", type=int, default=10, help="samples per draw (default: the paper's 10)")
    p.add_argument("--recompute", action="store_true",
                   help="recompute the embeddings from the weights instead of the cache")
    p.add_argument("--public-code", action="store_true",
                   help="Blind Walk again in the public code's layout (rows mixing images)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = p.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if not (args.zoo / "manifest.json").is_file():
        print(f"No model zoo at {args.zoo}: train one with "
              f"`python scripts/train_zoo.py --out {args.zoo}` (a GPU run) or "
              "`python scripts/train_zoo.py --small` (CPU), then rerun.")
        return 0
    methods = ("blind_walk", "mingd") if args.method == "both" else (args.method,)
    data = read_manifest(args.zoo).get("dataset", "CIFAR-10").split(" (")[0]
    for method in methods:
        start = time.perf_counter()
        try:
            emb = zoo_embeddings(args.zoo, method=method, recompute=args.recompute)
        except ValueError as exc:
            print(f"{method}: {exc}")
            continue
        if not emb:
            print(f"{method}: no cached embeddings in {args.zoo}.")
            continue
        rows = ownership_table(args.zoo, method=method, embeddings=emb, m=args.m, linear=True,
                               rng=SEED)
        n = len(next(iter(emb.values()))) // 2
        print(compare_with_paper(rows, caption=(
            f"{data}, {method}: paper (m = 10, rows mixing 30 images) and ours (one image per "
            f"row; regressor on {n - n // 2} + {n - n // 2} victim rows, alternate ones, test "
            f"on the other {n // 2} + {n // 2})")))
        print(f"({time.perf_counter() - start:.0f} s)\n")
        if method == "blind_walk" and zoo_replication(args.zoo) is not None:
            start = time.perf_counter()
            print(compare_with_paper(replication_table(args.zoo, embeddings=emb, rng=SEED),
                                     caption=f"{data}, blind_walk: the held-out images and the "
                                             "zoo's fresh images (train_zoo.py --replicate), "
                                             "one regressor"))
            print(f"({time.perf_counter() - start:.0f} s)\n")
        if args.public_code and method == "blind_walk":
            start = time.perf_counter()
            rows = public_code_table(args.zoo, embeddings=emb, m=args.m, rng=SEED)
            print(compare_with_paper(rows, caption=(
                f"{data}, blind_walk in the public code's layout (each row mixes images; "
                "regressor on the first half of the victim's rows, test on the second)")))
            print(f"({time.perf_counter() - start:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
