import numpy as np
import pytest

from stealkit.datasets import load_iris
from stealkit.paper.equation_solving import (
    PAPER_TABLE4,
    PAPER_TABLE7,
    TABLE7_DATASETS,
    figure2_panel,
    inversion_comparison,
    rounding_row,
    table4_row,
    table4_victim,
    table7_row,
)


def test_paper_tables():
    assert [r["queries"] for r in PAPER_TABLE4] == [265, 530, 265, 530, 1112, 2225, 4450, 11125]
    assert all(0.94 < r["1-R_unif"] <= 1 for r in PAPER_TABLE4)
    assert [r["data set"] for r in PAPER_TABLE7] == list(TABLE7_DATASETS)


@pytest.mark.parametrize("model", ["softmax", "ovr"])
def test_table4_row_on_a_small_data_set(model):
    data = load_iris(rng=0)
    victim = table4_victim(model, data, rng=0)
    row = table4_row(model, 15, dataset=data, victim=victim, n_unif=2000, rng=0)
    assert row["model"] == model and row["queries"] == 15 and row["unknowns"] == 15
    assert row["1-R_test"] == 1.0 and row["1-R_unif"] > 0.995
    assert row["time (s)"] >= 0


def test_table7_row_circles():
    row = table7_row("circles", rng=0)
    assert row["binning"] and not row["one-hot"]
    assert row["price ($)"] == pytest.approx(row["queries"] * 1e-4)
    assert row["1-R_test"] == 1.0 and row["1-R_unif"] > 0.99
    assert row["queries"] < 400


def test_rounding_row(iris_softmax):
    data, victim = iris_softmax
    exact = rounding_row(victim, data, decimals=None, n_queries=30, n_unif=2000, rng=0)
    coarse = rounding_row(victim, data, decimals=1, n_queries=30, n_unif=2000, rng=0)
    assert exact["1-R_unif"] == 1.0 and exact["decimals"] is None
    assert coarse["1-R_unif"] <= exact["1-R_unif"] and coarse["1-R_unif"] > 0.8


def test_bad_arguments():
    with pytest.raises(ValueError, match="'model'"):
        table4_row("svm", 10)
    with pytest.raises(ValueError, match="'name'"):
        table7_row("mnist")
    with pytest.raises(ValueError, match="'model'"):
        table4_victim("tree", None)


def test_figure2_panel_shapes():
    panel = figure2_panel(victim_representers=3, n_representers=2, n_queries=60, rng=0)
    assert panel.result.representers.shape == (2, 64)
    assert panel.partner.shape == panel.distance.shape == (2,)
    assert panel.class_means.shape == (10, 64)
    assert set(panel.nearest_mean) <= set(range(10)) and np.all(panel.mean_distance >= 0)


def test_inversion_comparison_counts_queries():
    comparison = inversion_comparison(n_steps=2)
    assert comparison.extraction_queries == 650
    assert comparison.black_box_queries == 10 * (2 * 2 * 64 + 1)
    assert all(w.n_queries == 0 for w in comparison.white_box)
    assert comparison.victim_confidence.shape == (10, 2)


def test_table4_summary_means_and_spreads_over_seeds():
    from stealkit.paper.equation_solving import table4_summary

    def rec(model, q, test, unif, seed, **extra):
        return {"model": model, "unknowns": 530, "queries": q, "1-R_test": test, "1-R_unif": unif,
                "time (s)": 2.0 + seed, "seed": seed, **extra}

    records = [rec("ovr", 265, 1.0, 0.998, 0), rec("ovr", 265, 1.0, 1.0, 1),
               rec("ovr", 265, 1.0, 1.0, 0, balanced=True),
               rec("mlp", 1112, 0.99, 0.95, 0, exact=False, balanced=False)]
    rows = {(r["model"], r["queries"], r["queries drawn"]): r for r in table4_summary(records)}
    paper, even = "independent (paper)", "balanced"
    assert list(rows) == [("ovr", 265, paper), ("ovr", 265, even), ("mlp", 1112, paper)]
    assert rows["ovr", 265, paper]["ours 1-R_unif (%)"] == "99.90 ± 0.14"
    assert rows["ovr", 265, paper]["ours time (s)"] == "2.5 ± 0.7"
    assert rows["ovr", 265, paper]["seeds"] == 2
    assert rows["ovr", 265, even]["ours 1-R_unif (%)"] == "100.00"
    assert rows["mlp", 1112, paper]["exact fits"] == "0/1"
    assert rows["ovr", 265, paper]["exact fits"] is None
    assert rows["mlp", 1112, paper]["paper 1-R_test (%)"] == pytest.approx(98.17)
    with pytest.raises(ValueError, match="no table4_row results"):
        table4_summary([])


def test_rarest_category_counts_one_hot_and_raw_queries():
    from stealkit.datasets import load_german_credit
    from stealkit.paper.equation_solving import rarest_category

    raw = load_german_credit(raw=True, rng=0)
    prepared = load_german_credit(rng=0)
    X_raw = raw.sample_uniform(40, rng=1)
    expected = min(np.bincount(X_raw[:, j].astype(int), minlength=len(f.values)).min()
                   for j, f in enumerate(raw.features) if f.kind != "continuous")
    assert rarest_category(raw, X_raw) == expected
    assert rarest_category(prepared, prepared.encode(X_raw)) == expected
    # dealt out evenly, 40 queries give every one of at most 10 values at least 4 times
    balanced = prepared.sample_uniform(40, rng=1, balanced=True)
    widest = max(len(f.values) for f in prepared.features if f.kind != "continuous")
    assert rarest_category(prepared, balanced) == 40 // widest
    assert rarest_category(load_iris(rng=0), np.zeros((3, 4))) is None


def test_table4_row_draws_balanced_queries_by_default():
    from stealkit.datasets import load_german_credit

    data = load_german_credit(rng=0)
    victim = table4_victim("softmax", data, rng=0)
    paper = table4_row("softmax", 40, dataset=data, victim=victim, n_unif=500, balanced=False,
                       rng=0)
    default = table4_row("softmax", 40, dataset=data, victim=victim, n_unif=500, rng=0)
    assert paper["balanced"] is False and default["balanced"] is True
    assert default["rarest category"] > paper["rarest category"]


def test_table4_spread_names_the_failing_seeds_and_their_rarest_category():
    from stealkit.paper.equation_solving import table4_spread

    def rec(seed, unif, rarest, balanced):
        return {"model": "ovr", "unknowns": 530, "queries": 265, "1-R_test": 1.0,
                "1-R_unif": unif, "time (s)": 1.0, "seed": seed, "rarest category": rarest,
                "balanced": balanced}

    records = [rec(0, 0.99847, 1, False), rec(1, 1.0, 3, False), rec(2, 0.9991, 0, False),
               rec(0, 1.0, 6, True), rec(1, 1.0, 6, True), rec(2, 1.0, 6, True)]
    rows = {(r["queries drawn"], r["measure"]): r for r in table4_spread(records)}
    assert list(rows) == [("independent (paper)", "1-R_test"), ("independent (paper)", "1-R_unif"),
                          ("balanced", "1-R_test"), ("balanced", "1-R_unif")]
    unif = rows["independent (paper)", "1-R_unif"]
    assert unif["reaches paper"] == "1/3" and unif["worst (%) (seed)"] == "99.85 (0)"
    assert unif["short of paper (seed: rarest category)"] == "0: 1, 2: 0"
    assert rows["balanced", "1-R_unif"]["reaches paper"] == "3/3"
    assert rows["balanced", "1-R_unif"]["short of paper (seed: rarest category)"] is None


def test_table7_spread_counts_seeds_that_spend_no_more_than_the_paper():
    from stealkit.paper.equation_solving import table7_spread

    records = [{"data set": "adult", "seed": s, "queries": q, "1-R_test": 1.0, "1-R_unif": u}
               for s, q, u in [(0, 682, 1.0), (1, 1600, 0.999), (2, 700, 1.0)]]
    rows = {r["measure"]: r for r in table7_spread(records)}
    assert list(rows) == ["queries", "1-R_test (%)", "1-R_unif (%)"]
    assert rows["queries"]["paper"] == "1,485" and rows["queries"]["reaches paper"] == "2/3"
    assert rows["queries"]["worst (seed)"] == "1,600 (1)"
    assert rows["1-R_unif (%)"]["worst (seed)"] == "99.90 (1)" and rows["1-R_unif (%)"]["paper"] is None


def test_table7_summary_averages_each_data_set_beside_the_paper():
    from stealkit.paper.equation_solving import table7_summary

    records = [{"data set": name, "one-hot": name == "adult", "binning": name != "digits",
                "queries": q, "price ($)": q * 1e-4, "time (s)": 1.0 + s, "1-R_test": 1.0,
                "1-R_unif": u, "seed": s}
               for name in TABLE7_DATASETS for s, q, u in [(0, 100, 1.0), (1, 200, 0.999)]]
    rows = table7_summary(records)
    assert [r["data set"] for r in rows] == list(TABLE7_DATASETS)
    adult = rows[-1]
    assert adult["one-hot"] and adult["paper queries"] == 1485 and adult["ours queries"] == 150
    assert adult["ours price ($)"] == 0.015 and adult["ours time (s)"] == 1.5
    assert adult["ours 1-R_unif"] == 0.9995


def test_figure7_table_and_seeds_short_of_the_exact_answers():
    from stealkit.paper.equation_solving import (
        FIGURE7_DECIMALS,
        figure7_short_of_exact,
        figure7_spread,
        figure7_table,
    )

    assert FIGURE7_DECIMALS[0] is None
    records = [{"data set": "digits", "α": 1, "decimals": d, "queries": 650, "1-R_test": 1.0,
                "1-R_unif": u, "seed": s}
               for s, values in [(0, {"exact": 1.0, 2: 0.96}), (1, {"exact": 1.0, 2: 1.0})]
               for d, u in values.items()]
    assert figure7_table(records) == [{"data set": "digits", "α": 1, "queries": 650,
                                       "1-R_unif, exact": 1.0, "1-R_unif, 2": 0.96}]
    assert figure7_short_of_exact(records) == {("digits", 1, 2): [0]}
    rows = figure7_spread(records, metric="1-R_unif")
    assert [r["decimals"] for r in rows] == ["exact", 2]
