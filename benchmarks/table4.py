"""Tramèr et al. (2016), Table 4: equation-solving attacks on Adult (target "race"), ours vs paper.

For each seed: split Adult (105 one-hot features, as in the paper's code), train a softmax,
a one-vs-rest and a 20-tanh-unit MLP victim on the 70 % training split, then extract each
from uniform queries (one-hot-valid) at the paper's query counts. 1 − R_test uses the 0-1
distance on the test split, 1 − R_unif on 100,000 uniform points; time is the solver's.

Every row is measured twice per seed: with each query's categories drawn independently,
as in the paper, and dealt out evenly over the queries (``balanced``, the recommended
attack: each row is still uniform and it costs no query). Drawn independently, a rare
category is sometimes seen once or never, and then some of its weights are left
undetermined.

Two tables: mean ± sd over the seeds, and the spread (median, worst seed, seeds at or above
the paper, and each seed that falls short with the count of its rarest category).

Run from the repository root: ``python benchmarks/table4.py [--seeds 20] [--mlp-seeds 10]``
(about an hour on one thread; ``--quick`` runs one seed of each). Set ``STEALKIT_DATA``
to the offline data copies if there is no network.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper
from stealkit.paper.equation_solving import table4_records, table4_spread, table4_summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one seed of each")
    p.add_argument("--seeds", type=int, default=20,
                   help="seeds for the softmax and OvR rows (default 20)")
    p.add_argument("--mlp-seeds", type=int, default=10, help="seeds for the MLP rows (default 10)")
    p.add_argument("--threads", type=int, default=1, help="torch and BLAS threads (default 1)")
    p.add_argument("--json", type=Path, help="also write every (seed, row) measurement to this "
                   "JSON file (notebook 01 reads notebooks/results/table4.json)")
    args = p.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    seeds = range(1 if args.quick else args.seeds)
    mlp_seeds = range(1 if args.quick else args.mlp_seeds)
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        records = table4_records(seeds, mlp_seeds=mlp_seeds,
                                 log=lambda line: print(line, flush=True))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=float) + "\n")
    print()
    print(compare_with_paper(table4_summary(records), caption=(
        f"Table 4, Adult (race): paper vs ours, mean ± sd over {len(seeds)} seeds "
        f"({len(mlp_seeds)} for the MLP); solver time on this machine")))
    print()
    print(compare_with_paper(table4_spread(records), caption=(
        "Table 4 seed by seed: median, worst seed and seeds at or above the paper")))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
