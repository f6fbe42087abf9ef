"""Notebook 09's experiments: stealing neural networks, ours beside the papers' trends.

1. Learning-based extraction (Knockoff Nets, ActiveThief) of the shipped
   MNIST CNN from three pools (uniform noise, grey CIFAR-10, the MNIST images
   the owner left out), random or active selection, probability or label
   answers, 1,000 to 20,000 queries: accuracy, fidelity on test images and on
   noise, and (random selection) the transfer of FGSM and PGD examples
   crafted on the copy, beside an independently trained model's.
2. The three notions on one 784-32-1 ReLU network: an independent model, a
   learning-based copy, equation solving on uniform inputs and the
   functionally-equivalent copy; and the one-layer attack on two layers.

The drivers are :mod:`stealkit.paper.neural_networks`; the results go to
``notebooks/results/neural_networks.json`` (written after each part), which
notebook 09 loads.

Run from the repository root: ``python benchmarks/neural_networks.py [--quick]
[--out FILE]`` (about 30 minutes on two cores; ``--quick``: 3 budgets, no
active selection, a smaller zoo of runs).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper, jsonable
from stealkit.paper import neural_networks as N
from stealkit.watermark.pretrained import load_suite

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "neural_networks.json"
SEED = 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="3 budgets, random selection only")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--only-notions", action="store_true",
                   help="rerun part 2 only, updating an existing results file")
    args = p.parse_args(argv)
    started = time.perf_counter()
    results = {"seed": SEED, "epsilon": N.EPSILON, "paper": N.PAPER}
    if args.only_notions:
        results = {**json.loads(args.out.read_text()), **results}

    def save():
        results["seconds"] = round(time.perf_counter() - started)
        args.out.write_text(json.dumps(jsonable(results, round_floats=True), indent=1) + "\n")

    results["three_notions"] = N.three_notions(rng=SEED)
    print(compare_with_paper(results["three_notions"], caption="Three notions, one 784-32-1 "
                             "victim (paper: 784-128-1, 2^21.5 queries, worst error 2^-25)"))
    results["two_layers"] = N.two_layer_record(rng=SEED)
    print("one-layer attack on two hidden layers:", results["two_layers"], "\n")
    save()
    if args.only_notions:
        return 0

    suite = load_suite()
    victim = suite.models["clean"].eval()
    evaluation = N.Evaluation(victim, rng=SEED)
    transfer = N.transfer_images(evaluation)
    oracle = N.victim_oracle(victim, "label")
    results["victim"] = {"accuracy": evaluation.victim_accuracy,
                         "transfer_images": len(transfer[1])}
    results["references"] = [
        {"model": name, **evaluation(suite.models[key]),
         **N.transfer_record(suite.models[key], oracle, *transfer, rng=SEED)}
        for name, key in (("independent (attacker's 10,000 MNIST images, true labels)",
                           "independent"),
                          ("the victim itself (white box)", "clean"))]
    print(compare_with_paper(results["references"], caption="Reference models"))
    save()

    budgets = N.BUDGETS[:3] if args.quick else N.BUDGETS
    grid = [(pool, "random", "proba") for pool in N.POOLS]
    grid += [(pool, "random", "label") for pool in N.POOLS]
    if not args.quick:
        grid += [(pool, s, "proba") for s in ("uncertainty", "kcenter") for pool in N.POOLS]
    results["budgets"] = list(budgets)
    results["curves"] = []
    pools = {}
    for pool_name, strategy, output in grid:
        if pool_name not in pools:
            pools[pool_name] = N.attacker_pool(pool_name, rng=SEED)
        run = N.pool_curve(pool_name, strategy, output, victim=victim, evaluation=evaluation,
                           pool=pools[pool_name], budgets=budgets, rng=SEED,
                           transfer=transfer if strategy == "random" else None)
        results["curves"].append(run)
        last = run["curve"][-1]
        print(f"{pool_name:8} {strategy:12} {output:6} {last['n_queries']:>6,} queries: "
              f"accuracy {last['accuracy']:.3f}, fidelity {last['fidelity']:.3f}, "
              f"uniform {last['fidelity_uniform']:.3f} ({run['seconds']:.0f} s)", flush=True)
        save()
    print("paper:", N.PAPER["knockoff"])
    print(f"\nwrote {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
