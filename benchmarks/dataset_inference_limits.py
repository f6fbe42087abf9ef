"""The lecture's criticism of dataset inference, measured: overlap, public data, a new task.

Three experiments on the shipped CPU zoo (:mod:`stealkit.dataset_inference.limitations`):
an "independent" model sharing 0-100 % of the victim's private images; a
victim trained on public data only, tested against an independent model
trained on the same public data; the stolen victim fine-tuned on a relabelled
task for more and more epochs. Prints Δμ, p-value and verdict for each, from
the shipped embeddings; ``--build`` trains and walks the models again (about
45 minutes on one CPU thread) into ``--out``.

Run from the repository root: ``python benchmarks/dataset_inference_limits.py
[--build] [--out DIR] [--threads N]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from stealkit.course import compare_with_paper
from stealkit.dataset_inference.limitations import (
    LIMITS_CIFAR10,
    build_limitations,
    limitation_rows,
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", action="store_true", help="train and walk the models again")
    p.add_argument("--out", type=Path, default=LIMITS_CIFAR10,
                   help="folder of the measurements (default: the shipped one)")
    p.add_argument("--threads", type=int, default=1, help="torch threads for --build")
    p.add_argument("--progress", action="store_true", help="progress bars while building")
    args = p.parse_args(argv)
    if args.build:
        torch.set_num_threads(args.threads)
        build_limitations(args.out, progress=args.progress)
    rows = limitation_rows(args.out)
    print(compare_with_paper(rows, caption="Dataset inference, the lecture's limitations "
                             "(Blind Walk, all held-out samples, significance 0.01)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
