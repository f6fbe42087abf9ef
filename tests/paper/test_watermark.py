"""stealkit.paper.watermark: the paper's EWE figures and the tables over seeds."""

from __future__ import annotations

from stealkit.paper.watermark import PAPER, seed_table, summary_table


def _row(seed, cost, wsr_copy, queries, clean_queries, strict_queries):
    return {"seed": seed, "cost (pp)": cost, "WSR copy": wsr_copy, "queries": queries,
            "queries clean copy": clean_queries, "queries vs clean copy": strict_queries,
            "copies": {"ewe": [0.5], "clean": [0.1]}, "minutes": 1.0}


ROWS = [_row(0, 0.5, 0.9, 20, None, 40), _row(1, 1.5, 0.1, 150, 30, None),
        _row(2, 1.0, 0.5, None, None, None)]


def test_seed_table_drops_the_per_copy_lists_only():
    table = seed_table(ROWS)
    assert [r["seed"] for r in table] == [0, 1, 2]
    assert all("copies" not in r for r in table)
    assert all(set(r) == set(ROWS[0]) - {"copies"} for r in table)
    assert "copies" in ROWS[0]  # the rows themselves are not changed


def test_summary_table_sets_ours_beside_every_paper_figure():
    table = summary_table(ROWS)
    assert [r["figure"] for r in table] == list(PAPER)
    assert [r["paper"] for r in table] == list(PAPER.values())
    ours = {r["figure"]: r["ours"] for r in table}
    assert ours["accuracy cost of EWE (pp)"] == "1.00 (mean), 0.50 to 1.50"
    assert ours["watermark success on the extracted copy"] == "10.0% to 90.0% (median 50.0%)"
    assert ours["ownership at 95 % with < 100 queries"] == "1 of 3 seeds"
    assert ours["innocent copy (of the clean victim) also 'claimed'"] == "1 of 3 seeds"
    assert ours["EWE copy claimed against the innocent copy"] == "1 of 3 seeds"


def test_paper_figures_are_the_papers():
    assert PAPER["accuracy cost of EWE (pp)"] == "< 0.81 (mean)"
    assert PAPER["ownership at 95 % with < 100 queries"] == "yes"

