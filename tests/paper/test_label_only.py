from types import SimpleNamespace

import numpy as np
import pytest

from stealkit.paper import label_only
from stealkit.paper.label_only import PAPER_LABEL_ONLY


def test_paper_figures_are_recorded():
    keys = {row["key"] for row in PAPER_LABEL_ONLY}
    assert {"lowd_meek", "adaptive_lr", "adaptive_softmax", "adaptive_mlp"} <= keys
    assert {row["queries"] for row in PAPER_LABEL_ONLY} >= {2_050, 827, 108_200}


def _run(figure, dataset, attack, alpha, seed, r_test, **extra):
    return {"figure": figure, "dataset": dataset, "attack": attack, "alpha": alpha, "seed": seed,
            "n_queries": 10 * alpha, "r_test": r_test, "r_unif": r_test / 2, **extra}


def test_headline_records_average_each_seed_over_the_data_sets():
    records = [_run("4", "circles", "adaptive", 20, 0, 0.0), _run("4", "moons", "adaptive", 20, 0, 0.04),
               _run("4", "circles", "adaptive", 20, 1, 0.002), _run("4", "moons", "adaptive", 20, 1, 0.0),
               _run("4", "circles", "adaptive", 5, 0, 0.5),  # another budget: not a headline run
               _run("4", "circles", "lowd_meek", 3.0, 0, 0.0, epsilon=1e-6)]
    heads = label_only.headline_records(records)
    adaptive = [h for h in heads if h["key"] == "adaptive_lr"]
    assert [(h["seed"], h["datasets"]) for h in adaptive] == [(0, 2), (1, 2)]
    assert adaptive[0]["1-R_test"] == pytest.approx(0.98) and adaptive[1]["1-R_test"] == pytest.approx(0.999)
    assert adaptive[0]["1-R_unif"] == pytest.approx(0.99)
    rows = {r["attack"]: r for r in label_only.headline_spread_rows(heads)}
    row = rows["adaptive retraining, α = 20"]
    assert (row["paper"], row["median"], row["worst (seed)"], row["reaches paper"]) == (
        "99.00", "98.95", "98.00 (0)", "1/2")
    assert rows["Lowd–Meek"]["reaches paper"] == "1/1"
    per = {r["dataset"]: r for r in label_only.headline_spread_rows(records, per_dataset=True)}
    assert per["moons"]["worst (seed)"] == "96.00 (0)" and per["circles"]["reaches paper"] == "2/2"
    with pytest.raises(ValueError, match="'metric' must be"):
        label_only.headline_spread_rows(heads, metric="r_test")


def test_sweep_mean_and_curve_average_over_data_sets_then_seeds():
    records = [_run("4", "circles", "adaptive", 20, 0, 0.9), _run("4", "moons", "adaptive", 20, 0, 0.7),
               _run("4", "circles", "adaptive", 20, 1, 1.0), _run("4", "moons", "adaptive", 20, 1, 1.0),
               _run("4", "circles", "uniform", 20, 0, 0.0)]
    assert label_only.select_records(records, {"attack": "uniform"}) == records[4:]
    m = label_only.sweep_mean(records, attack="adaptive")
    assert m["runs"] == 4 and m["n_queries"] == 200
    assert m["1-r_test"] == pytest.approx(1 - 0.9) and m["1-r_unif"] == pytest.approx(1 - 0.45)
    assert label_only.sweep_mean(records, attack="lowd_meek")["n_queries"] is None
    c = label_only.sweep_curve(records, figure="4", attack="adaptive")
    # seed 0: mean(0.9, 0.7) = 0.8; seed 1: 1.0
    assert list(c["alpha"]) == [20] and c["mean"] == pytest.approx([0.9])
    assert (c["low"][0], c["high"][0]) == pytest.approx((0.8, 1.0))
    with pytest.raises(ValueError, match="'metric' must be 'r_test' or 'r_unif'"):
        label_only.sweep_curve(records, metric="accuracy")


def test_compare_rows_set_ours_beside_the_paper():
    records = [_run("4", "circles", "adaptive", 20, 0, 0.98), _run("mlp", "moons", "adaptive", 5, 0, 0.9)]
    rows = {r["attack"]: r for r in label_only.compare_rows(records)}
    row = rows["adaptive retraining, α = 20"]
    assert (row["paper 1-R"], row["our queries"], row["our 1-R_test"]) == (0.99, 200, pytest.approx(0.02))
    assert "adaptive retraining (ours: α = 5)" in rows  # the MLP at the largest budget measured
    assert rows["Lowd–Meek"]["our queries"] is None


def test_unknowns_and_record():
    assert label_only.unknowns("logistic", 4, 2) == 5
    assert label_only.unknowns("softmax", 4, 3) == 15
    assert label_only.unknowns("mlp", 4, 3) == 4 * 20 + 20 * 3 + 20 + 3
    r = label_only.record("4", "moons", "logistic", "uniform", 1 / 3, 3, 1, 2, (0.1234567, 0.5), 1.23456)
    assert (r["alpha"], r["r_test"], r["seconds"], r["decimals"]) == (0.3333, 0.123457, 1.235, None)


def test_retraining_sweep_runs_every_setting_and_the_log_skips_broken_data(monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = (X[:, 0] > 0).astype(int)
    toy = SimpleNamespace(X_train=X[:150], y_train=y[:150], X_test=X[150:], n_features=2, n_classes=2)

    def load(name):
        if name == "broken":
            raise OSError("no offline copy")
        return toy

    monkeypatch.setattr(label_only, "load", load)
    log = label_only.Log()
    out = label_only.retraining_sweep("4", "logistic", ("toy", "broken"), (5,), range(2),
                                      ("uniform", "adaptive"), 1000, log)
    assert [(r["attack"], r["seed"]) for r in out] == [
        ("uniform", 0), ("uniform", 1), ("adaptive", 0), ("adaptive", 1)]
    assert all(r["n_queries"] == 15 and r["n_unknowns"] == 3 and r["dataset"] == "toy" for r in out)
    assert all(0 <= r["r_test"] < 0.5 for r in out)  # R: the share of points where they disagree
    assert log.skipped == {"broken": "OSError: no offline copy"}
    printed = capsys.readouterr().out
    assert "skipped broken" in printed and "figure 4 toy 5 (4 runs)" in printed
    quiet = label_only.Log(verbose=False)
    label_only.lowd_meek_sweep(("toy",), (1e-2,), range(1), quiet)
    assert capsys.readouterr().out == ""
