"""Maini et al. (2021), CIFAR-10 table: dataset inference on our model zoo beside the paper's.

The zoo (a victim and one model per threat model) is trained by
``scripts/train_zoo.py``, which caches every member's Blind Walk embeddings
of the same private and public samples. Here the confidence regressor is
trained on the victim's embeddings of the first half of those samples, and
every member is tested on the second half: Δμ, p-value and verdict on all
held-out samples, and the median p-value over draws of m = 10 (the paper's m);
the last columns repeat the test with a linear regressor.

Our rows hold one image each; the public code's rows mix 30 images (a
reshape), which makes each of its "samples" worth many of ours, so its
p-values at m = 10 are not comparable with ours at m = 10.

Run from the repository root: ``python benchmarks/dataset_inference_cifar.py
[--zoo DIR] [--recompute]``. Without a zoo it says how to train one and exits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from stealkit.course import compare_with_paper
from stealkit.dataset_inference import p_value_curve, train_regressor, verify_ownership

SEED = 0
DEFAULT_ZOO = Path("models/cifar10-zoo")

# CIFAR-10 columns of the paper's table: (Δμ, p) for MinGD and Blind Walk, m = 10
PAPER = {
    "V source": ((0.838, 1e-4), (1.823, 1e-42)),
    "A_D distillation": ((0.586, 1e-4), (0.778, 1e-5)),
    "A_D diff. architecture": ((0.645, 1e-4), (1.400, 1e-10)),
    "A_M zero-shot": ((0.371, 1e-2), (0.406, 1e-2)),
    "A_M fine-tuning": ((0.832, 1e-5), (1.839, 1e-27)),
    "A_Q label-query": ((0.475, 1e-3), (1.006, 1e-4)),
    "A_Q logit-query": ((0.563, 1e-3), (1.048, 1e-4)),
    "I independent": ((0.103, 1.0), (-0.397, 0.675)),
}


def _embeddings(folder: Path, manifest: dict, method: str, recompute: bool) -> dict:
    """Every member's embedding (n_private + n_public rows), from the cache or recomputed."""
    from stealkit.dataset_inference import zoo

    if not recompute:
        return zoo.load_embeddings(folder, method=method)
    import torch

    from stealkit.dataset_inference import blind_walk, mingd
    from stealkit.datasets import load_cifar10

    ds = load_cifar10()
    splits = np.load(folder / "splits.npz")
    rows = np.concatenate([splits["embed_private"], splits["embed_public"]])
    X, y = ds.X_train[rows], ds.y_train[rows]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    walk = manifest["embeddings"]["blind_walk"]
    out = {}
    for name, model in zoo.load_zoo(folder, device=device).items():
        if method == "blind_walk":
            e = blind_walk(model, X, y, n_directions=walk["n_directions"],
                           max_steps=walk["max_steps"], rng=walk["rng"])
        else:
            e = mingd(model, X, y, clip=(0.0, 1.0))
        out[name] = e.distances
    return out


def run(folder: Path, *, method: str = "blind_walk", recompute: bool = False) -> list[dict]:
    """One table row per zoo member."""
    from stealkit.dataset_inference import zoo

    manifest = zoo.read_manifest(folder)
    emb = _embeddings(folder, manifest, method, recompute)
    if "V" not in emb:
        raise SystemExit(f"No {method} embeddings of the victim in {folder}.")
    n = len(emb["V"]) // 2  # rows: n private samples, then n public ones
    half = n // 2

    def parts(d):  # regressor-training private, public; held-out private, public
        return d[:half], d[n : n + half], d[half:n], d[n + half :]

    v = parts(emb["V"])
    reg = train_regressor(v[0], v[1], rng=SEED)  # the paper's: 100 hidden units, margin loss
    # a linear regressor with cross-entropy saturates less on the victim's own distance scale
    # and transferred better to stolen copies in our CPU runs
    linear = train_regressor(v[0], v[1], hidden=0, loss="bce", rng=SEED)
    col = 0 if method == "mingd" else 1
    rows = []
    for name, d in emb.items():
        _, _, private, public = parts(d)
        res = verify_ownership(reg, private, public)
        lin = verify_ownership(linear, private, public)
        m = min(10, len(private), len(public))
        _, p10 = p_value_curve(reg.score(private), reg.score(public), sizes=(m,),
                               n_draws=200, alternative="less", rng=SEED)
        row = manifest["members"][name]["threat_model"]
        paper = PAPER.get(row, ((None, None), (None, None)))[col]
        rows.append({
            "model": row,
            "test acc": manifest["members"][name]["test_accuracy"],
            "paper Δμ": paper[0],
            "paper p": paper[1],
            "ours Δμ": round(res.delta_mean, 3),
            f"ours p (m={len(private)})": float(f"{res.p_value:.2g}"),
            f"ours median p (m={m})": float(f"{np.median(p10):.2g}"),
            "verdict": res.verdict,
            "linear Δμ": round(lin.delta_mean, 3),
            "linear p": float(f"{lin.p_value:.2g}"),
        })
    order = list(PAPER)
    return sorted(rows, key=lambda r: order.index(r["model"]) if r["model"] in order else 99)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--zoo", type=Path, default=DEFAULT_ZOO)
    p.add_argument("--method", choices=("blind_walk", "mingd"), default="blind_walk")
    p.add_argument("--recompute", action="store_true",
                   help="recompute the embeddings from the weights instead of the cache")
    args = p.parse_args(argv)
    if not (args.zoo / "manifest.json").is_file():
        print(f"No model zoo at {args.zoo}: train one with "
              f"`python scripts/train_zoo.py --out {args.zoo}` (a GPU run), then rerun.")
        return 0
    start = time.perf_counter()
    rows = run(args.zoo, method=args.method, recompute=args.recompute)
    print(compare_with_paper(rows, caption=f"CIFAR-10, {args.method}: paper (m = 10, rows mixing "
                                           "30 images) and ours (one image per row)"))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
