"""Jia et al. (2021), EWE on MNIST: the paper's figures, and ours over several seeds.

The figures the paper and its public code report (:data:`PAPER`: accuracy
cost, watermark success of an extracted copy, ownership with < 100 queries)
and the drivers behind ``benchmarks/ewe.py``: :func:`seed_row` trains the
whole suite of notebook 04 for one seed (:func:`stealkit.watermark.train_suite`),
steals further copies (:func:`more_copies`: the watermark success of a copy
varies a lot from one copy to the next) and, optionally, a naive backdoor
with its trigger at EWE's position (:func:`ablation`: how much of EWE's
survival comes from the position alone); :func:`seed_table` and
:func:`summary_table` set the seeds beside the paper.

Threat model: as in :mod:`stealkit.watermark` (the attacker sees only the
victim's API; the owner queries the suspect with its triggered images).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stealkit.oracle import Oracle
from stealkit.watermark.embed import train_backdoor_watermark
from stealkit.watermark.extraction import extract_mnist_copy
from stealkit.watermark.pretrained import MnistSplit, Schedule, Suite, save_suite, train_suite
from stealkit.watermark.verify import verify_watermark, watermark_success

__all__ = [
    "PAPER",
    "ablation",
    "more_copies",
    "seed_row",
    "seed_table",
    "summary_table",
]

#: Jia et al. (2021) and their public code, by figure: the paper's column of
#: :func:`summary_table` ("–": the paper does not report it).
PAPER = {
    "accuracy cost of EWE (pp)": "< 0.81 (mean)",
    "watermark success on the extracted copy": "high; code 1 %–98 %",
    "ownership at 95 % with < 100 queries": "yes",
    "innocent copy (of the clean victim) also 'claimed'": "–",
    "EWE copy claimed against the innocent copy": "–",
}


def ablation(suite: Suite, split: MnistSplit, schedule: Schedule, seed: int) -> dict[str, Any]:
    """A backdoor at EWE's position, same schedule, and its extracted copy."""
    s, wm = schedule, suite.watermarks["ewe"]
    rng = np.random.default_rng(10_000 + seed)
    bd = train_backdoor_watermark(
        copy.deepcopy(suite.models["pretrained"]), split.X_owner, split.y_owner,
        source=s.source, target=s.target, trigger=wm.trigger, position=wm.position,
        ratio=s.ratio, epochs=s.watermark_epochs, batch_size=s.batch_size, lr=s.lr, rng=rng,
        progress=False)
    api = Oracle.from_torch(bd.model, input_shape=(1, 28, 28), output=s.output)
    ex = extract_mnist_copy(api, split.X_attacker, epochs=s.extraction_epochs,
                            batch_size=s.batch_size, lr=s.lr, rng=rng, progress=False)
    X_src = split.X_source(s.source)
    v = verify_watermark(ex.model, suite.models["clean"], X_src, watermark=wm, rng=seed)
    return {"wsr_victim": watermark_success(bd.model, wm.apply(X_src), target=s.target),
            "wsr_extracted": v.suspect_success, "queries_needed": v.queries_needed}


def more_copies(
    suite: Suite, split: MnistSplit, schedule: Schedule, seed: int, n_copies: int
) -> dict[str, list[float]]:
    """Watermark success of further copies of the EWE and the clean victim (other rngs)."""
    s, wm = schedule, suite.watermarks["ewe"]
    X_w = wm.apply(split.X_source(s.source))
    out: dict[str, list[float]] = {"ewe": [], "clean": []}
    for k in range(n_copies):
        for victim in out:
            api = Oracle.from_torch(suite.models[victim], input_shape=(1, 28, 28),
                                    output=s.output)
            ex = extract_mnist_copy(api, split.X_attacker, epochs=s.extraction_epochs,
                                    batch_size=s.batch_size, lr=s.lr,
                                    rng=np.random.default_rng([seed, k, 7]), progress=False)
            out[victim].append(watermark_success(ex.model, X_w, target=s.target))
    return out


def seed_row(
    seed: int,
    *,
    schedule: Schedule,
    split: MnistSplit,
    copies: int = 2,
    with_ablation: bool = True,
    save: str | Path | None = None,
    command: str = "",
) -> dict[str, Any]:
    """One seed's row: the suite's figures, ``copies`` further copies and the ablation.

    ``save``: also save the suite there (:func:`~stealkit.watermark.save_suite`,
    recording ``command``). ``"minutes"`` is the row's wall-clock time.
    """
    start = time.perf_counter()
    suite = train_suite(rng=seed, schedule=schedule, progress=False)
    if save is not None:
        save_suite(suite, save, command=command)
    m = suite.metrics
    acc, wsr, own = m["accuracy"], m["watermark_success"], m["ownership"]
    row = {
        "seed": seed,
        "trigger at": str(suite.watermarks["ewe"].position),
        "acc clean": acc["clean"], "acc EWE": acc["ewe"],
        "cost (pp)": 100 * (acc["clean"] - acc["ewe"]),
        "WSR victim": wsr["ewe"], "WSR copy": wsr["extracted_ewe"],
        "WSR clean": wsr["clean"], "WSR clean copy": wsr["extracted_clean"],
        "WSR independent": wsr["independent"],
        "p (copy)": own["extracted_ewe"]["p_value"],
        "queries": own["extracted_ewe"]["queries_needed"],
        "queries clean copy": own["extracted_clean"]["queries_needed"],
        "queries vs clean copy": own["extracted_ewe_vs_clean_copy"]["queries_needed"],
        "naive copy": wsr["extracted_backdoor"],
    }
    if copies:
        extra = more_copies(suite, split, schedule, seed, copies)
        row["WSR copies (mean)"] = float(np.mean([wsr["extracted_ewe"], *extra["ewe"]]))
        row["WSR clean copies (mean)"] = float(
            np.mean([wsr["extracted_clean"], *extra["clean"]]))
        row["copies"] = {k: [round(x, 4) for x in v] for k, v in extra.items()}
    if with_ablation:
        ab = ablation(suite, split, schedule, seed)
        row["backdoor@EWE pos copy"] = ab["wsr_extracted"]
    row["minutes"] = (time.perf_counter() - start) / 60
    return row


def seed_table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of :func:`seed_row` without their per-copy lists: one table row per seed."""
    return [{k: v for k, v in r.items() if k != "copies"} for r in rows]


def summary_table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours over the seeds of ``rows`` beside the paper's figures (:data:`PAPER`)."""
    copy_wsr = np.array([r["WSR copy"] for r in rows])
    cost = np.array([r["cost (pp)"] for r in rows])
    claimed = sum(r["queries"] is not None and r["queries"] < 100 for r in rows)
    innocent = sum(r["queries clean copy"] is not None for r in rows)
    strict = sum(r["queries vs clean copy"] is not None for r in rows)
    ours = {
        "accuracy cost of EWE (pp)":
            f"{cost.mean():.2f} (mean), {cost.min():.2f} to {cost.max():.2f}",
        "watermark success on the extracted copy":
            f"{copy_wsr.min():.1%} to {copy_wsr.max():.1%} (median {np.median(copy_wsr):.1%})",
        "ownership at 95 % with < 100 queries": f"{claimed} of {len(rows)} seeds",
        "innocent copy (of the clean victim) also 'claimed'": f"{innocent} of {len(rows)} seeds",
        "EWE copy claimed against the innocent copy": f"{strict} of {len(rows)} seeds",
    }
    return [{"figure": figure, "paper": paper, "ours": ours[figure]}
            for figure, paper in PAPER.items()]
