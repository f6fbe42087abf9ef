import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import stealkit.plots_label_only as plo  # noqa: E402
from stealkit import Oracle  # noqa: E402
from stealkit.attacks.lowd_meek import lowd_meek  # noqa: E402
from stealkit.attacks.retraining import extract_by_retraining  # noqa: E402
from stealkit.widgets_label_only import interactive_lowd_meek, interactive_retraining  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "label_only.json"


@pytest.fixture(scope="module")
def victim():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 2))
    return LogisticRegression().fit(X, (X[:, 0] + 0.5 * X[:, 1] > 0.2).astype(int))


def test_round_and_lowd_meek_plots(victim):
    attack = extract_by_retraining(Oracle.from_sklearn(victim, output="label"), n_features=2,
                                   n_queries=40, strategy="adaptive", rounds=4, rng=0)
    lm = lowd_meek(Oracle.from_sklearn(victim, output="label"), n_features=2, rng=0)
    fig, axes = plt.subplots(1, 3)
    assert plo.plot_retraining_round(attack, victim, round=1, resolution=40, ax=axes[0]) is axes[0]
    plo.plot_retraining_round(attack, victim, resolution=40, ax=axes[1])
    plo.plot_lowd_meek(lm, victim, ax=axes[2])
    assert axes[0].collections and axes[2].lines or axes[2].collections
    plt.close(fig)


def test_budget_and_rounding_plots_from_the_shipped_results():
    records = json.loads(RESULTS.read_text())
    records = records["records"] if isinstance(records, dict) else records
    fig, axes = plt.subplots(1, 2)
    plo.plot_budget_curves(records, figure="4", ax=axes[0])
    plo.plot_rounding(records, ax=axes[1])
    assert axes[0].get_xscale() == "log" and axes[0].get_legend() is not None
    plt.close(fig)


def test_widgets_build_and_react(victim, capsys):
    w = interactive_lowd_meek(victim, rng=0)
    step, eps = w.children[0].children
    eps.index = 0 if eps.index else len(eps.options) - 1
    step.index = 0  # each change recomputes and redraws without error
    r = interactive_retraining(victim, model="logistic", n_queries=30, rounds=3, rng=0)
    strategy, (_queries, rnd) = r.children[0], r.children[1].children
    assert strategy.value == "adaptive" and rnd.value == 3
    strategy.value = "uniform"
    rnd.value = 1


def _run(figure, dataset, attack, alpha, seed, r_test, **extra):
    return {"figure": figure, "dataset": dataset, "attack": attack, "alpha": alpha, "seed": seed,
            "n_queries": 10 * alpha, "r_test": r_test, "r_unif": r_test / 2, **extra}


def test_headline_records_average_each_seed_over_the_data_sets():
    records = [_run("4", "circles", "adaptive", 20, 0, 0.0), _run("4", "moons", "adaptive", 20, 0, 0.04),
               _run("4", "circles", "adaptive", 20, 1, 0.002), _run("4", "moons", "adaptive", 20, 1, 0.0),
               _run("4", "circles", "adaptive", 5, 0, 0.5),  # another budget: not a headline run
               _run("4", "circles", "lowd_meek", 3.0, 0, 0.0, epsilon=1e-6)]
    heads = plo.headline_records(records)
    adaptive = [h for h in heads if h["key"] == "adaptive_lr"]
    assert [(h["seed"], h["datasets"]) for h in adaptive] == [(0, 2), (1, 2)]
    assert adaptive[0]["1-R_test"] == pytest.approx(0.98) and adaptive[1]["1-R_test"] == pytest.approx(0.999)
    assert adaptive[0]["1-R_unif"] == pytest.approx(0.99)
    rows = {r["attack"]: r for r in plo.headline_spread_rows(heads)}
    row = rows["adaptive retraining, α = 20"]
    assert (row["paper"], row["median"], row["worst (seed)"], row["reaches paper"]) == (
        "99.00", "98.95", "98.00 (0)", "1/2")
    assert rows["Lowd–Meek"]["reaches paper"] == "1/1"
    per = {r["dataset"]: r for r in plo.headline_spread_rows(records, per_dataset=True)}
    assert per["moons"]["worst (seed)"] == "96.00 (0)" and per["circles"]["reaches paper"] == "2/2"
    with pytest.raises(ValueError, match="'metric' must be"):
        plo.headline_spread_rows(heads, metric="r_test")
