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
