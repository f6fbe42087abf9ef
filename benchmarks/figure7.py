"""Tramèr et al. (2016), Figure 7: equation solving against an API that rounds its probabilities.

Softmax victims on Digits and on Adult (target "race"); the attack spends α times the
c(d + 1) unknowns in uniform queries while the oracle rounds every probability to 1-5
decimals (or not at all). The paper: rounding to 4-5 decimals changes nothing, 2-3 decimals
weaken the attack, which still beats label-only retraining.

Run from the repository root: ``python benchmarks/figure7.py`` (Adult needs
``STEALKIT_DATA`` or a network).
"""

from __future__ import annotations

import sys
import time

from stealkit.attacks.experiments import load_table4_data, rounding_row, table4_victim
from stealkit.course import compare_with_paper

DECIMALS = (None, 5, 4, 3, 2, 1)


def run(alphas=(1, 5)) -> list[dict]:
    from stealkit.datasets import load_digits

    rows = []
    for name, data in (("digits", load_digits(rng=0)), ("adult (race)", load_table4_data(0))):
        victim = table4_victim("softmax", data, rng=0)
        unknowns = data.n_classes * (data.n_features + 1)
        for alpha in alphas:
            row = {"data set": name, "α": alpha, "queries": alpha * unknowns}
            for decimals in DECIMALS:
                r = rounding_row(victim, data, decimals=decimals, n_queries=alpha * unknowns,
                                 rng=0)
                row[f"1-R_unif, {decimals or 'exact'}"] = round(r["1-R_unif"], 4)
            rows.append(row)
    return rows


def main() -> int:
    start = time.perf_counter()
    print(compare_with_paper(run(), caption="Figure 7: 1 - R_unif of softmax extraction by "
                                            "decimals kept in the answers"))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
