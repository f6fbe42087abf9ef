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
linear regressor. The tables are built by
:mod:`stealkit.paper.dataset_inference` (the technique is
:mod:`stealkit.dataset_inference.cifar`); a CIFAR-100 zoo (``train_zoo.py
--dataset cifar100``) is set beside the paper's CIFAR-100 columns.

Our rows hold one image each; the public code's rows mix 30 images (a
reshape), which makes each of its "samples" worth many of ours, so its
p-values at m = 10 are not comparable with ours at m = 10. With
``--public-code`` the Blind Walk test runs again in the public code's layout
(:func:`~stealkit.paper.dataset_inference.public_code_table`).

Run from the repository root: ``python benchmarks/dataset_inference_cifar.py
[--zoo DIR] [--method blind_walk|mingd|both] [--recompute] [--public-code]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.dataset_inference.cifar import ZOO_CIFAR10, zoo_embeddings
from stealkit.paper.dataset_inference import cifar_tables

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
        for caption, rows in cifar_tables(args.zoo, emb, method=method, m=args.m,
                                          public_code=args.public_code, rng=SEED):
            print(compare_with_paper(rows, caption=caption))
            print(f"({time.perf_counter() - start:.0f} s)\n")
            start = time.perf_counter()
    return 0


if __name__ == "__main__":
    sys.exit(main())
