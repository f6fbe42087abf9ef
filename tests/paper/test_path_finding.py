import pytest

from stealkit.paper.path_finding import (
    PAPER_TABLE6,
    path_finding_row,
    table6_seed_rows,
    table6_spread,
)
from stealkit.victims import DecisionTree


def test_paper_table():
    german = next(r for r in PAPER_TABLE6 if r["tree"] == "German credit")
    assert (german["leaves"], german["queries"], german["queries inc."]) == (26, 1722, 1150)
    assert german["queries/leaf"] == pytest.approx(1722 / 26)


def test_german_credit_row_beats_the_paper(offline):
    from stealkit.datasets import load_german_credit

    ds = load_german_credit(raw=True)
    tree = DecisionTree(features=ds.features, max_leaf_nodes=26).fit(ds.X_train, ds.y_train)
    row = path_finding_row(tree, ds.features, ds.X_test, name="German credit", n_unif=2000)
    paper = next(r for r in PAPER_TABLE6 if r["tree"] == "German credit")
    assert set(row) == set(paper)
    assert (row["leaves"], row["ids"]) == (26, 26)
    for key in ("1-R_test", "1-R_unif", "1-R_test inc.", "1-R_unif inc."):
        assert row[key] == 1.0
    assert row["queries inc."] < row["queries"] <= paper["queries"]
    assert row["queries inc."] <= paper["queries inc."]


def test_table6_spread_compares_only_the_shared_tree_with_the_paper():
    def row(tree, seed, acc, queries):
        return {"tree": tree, "seed": seed, "1-R_test": acc, "1-R_unif": 1.0, "queries": queries,
                "1-R_test inc.": 1.0, "1-R_unif inc.": 1.0, "queries inc.": queries // 2}

    records = [row("German credit", 0, 1.0, 1500), row("German credit", 1, 0.99, 1800),
               row("Iris", 0, 1.0, 170), row("Iris", 1, 1.0, 180)]
    rows = table6_spread(records, measures=("1-R_test", "queries"))
    assert [(r["tree"], r["measure"]) for r in rows] == [
        ("German credit", "1-R_test (%)"), ("German credit", "queries"),
        ("Iris", "1-R_test (%)"), ("Iris", "queries")]
    german_acc, german_q, iris_acc, _ = rows
    assert german_acc["reaches paper"] == "1/2" and german_acc["worst (seed)"] == "99.00 (1)"
    assert german_q["paper"] == "1,722" and german_q["reaches paper"] == "1/2"
    assert iris_acc["paper"] is None and iris_acc["reaches paper"] is None
    with pytest.raises(ValueError, match="not in Table 6"):
        table6_spread(records, shared={"Iris": "Iris"})
    with pytest.raises(ValueError, match="'measures' must name"):
        table6_spread(records, measures=("depth",))


def test_table6_seed_rows_keep_one_seed_without_it():
    records = [{"tree": "Iris", "queries": 170, "seed": 0}, {"tree": "Iris", "queries": 180, "seed": 1}]
    assert table6_seed_rows(records) == [{"tree": "Iris", "queries": 170}]
    assert table6_seed_rows(records, seed=1) == [{"tree": "Iris", "queries": 180}]
