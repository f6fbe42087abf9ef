import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit import Oracle, plots
from stealkit.attacks.lowd_meek import lowd_meek
from stealkit.attacks.retraining import extract_by_retraining
from stealkit.paper.label_only import sweep_curve
from stealkit.plots.label_only import FLOOR, _curve

RESULTS = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "label_only.json"


@pytest.fixture(scope="module")
def victim(logistic_2d):
    return logistic_2d


@pytest.fixture(scope="module")
def records():
    records = json.loads(RESULTS.read_text())
    return records["records"] if isinstance(records, dict) else records


def test_plot_retraining_round_draws_that_rounds_queries(victim):
    attack = extract_by_retraining(Oracle.from_sklearn(victim, output="label"), n_features=2,
                                   n_queries=40, strategy="adaptive", rounds=4, rng=0)
    fig, (a, b) = plt.subplots(1, 2)
    assert plots.plot_retraining_round(attack, victim, round=1, resolution=40, ax=a) is a
    np.testing.assert_array_equal(a.collections[-1].get_offsets(), attack.round_queries[0])
    plots.plot_retraining_round(attack, victim, resolution=40, ax=b)  # the last round
    earlier, now = b.collections[-2:]
    np.testing.assert_array_equal(earlier.get_offsets(), np.concatenate(attack.round_queries[:3]))
    np.testing.assert_array_equal(now.get_offsets(), attack.round_queries[3])
    with pytest.raises(ValueError, match="'round' must be between 1 and 4"):
        plots.plot_retraining_round(attack, victim, round=5)


def test_plot_lowd_meek_draws_each_step(victim):
    lm = lowd_meek(Oracle.from_sklearn(victim, output="label"), n_features=2, rng=0)
    fig, axes = plt.subplots(1, 2)
    plots.plot_lowd_meek(lm, victim, step=1, ax=axes[0])
    plots.plot_lowd_meek(lm, victim, ax=axes[1])
    assert axes[0].get_title() == plots.LOWD_MEEK_STEPS[0]
    assert axes[1].get_title() == plots.LOWD_MEEK_STEPS[3]
    offsets = [c.get_offsets() for c in axes[1].collections]
    # The uniform tries, then (step 4) the line search and the per-feature searches.
    assert any(np.array_equal(o, lm.queries[lm.stage == 0]) for o in offsets)
    assert any(np.array_equal(o, lm.queries[lm.stage == 1]) for o in offsets)
    assert any(np.array_equal(o, lm.queries[lm.stage == 2]) for o in offsets)
    assert not any(np.array_equal(o, lm.queries[lm.stage == 1]) for o in
                   (c.get_offsets() for c in axes[0].collections))
    with pytest.raises(ValueError, match="'step' must be 1, 2, 3 or 4"):
        plots.plot_lowd_meek(lm, victim, step=5)


def test_plot_budget_curves_one_line_per_attack(records):
    fig, ax = plt.subplots()
    plots.plot_budget_curves(records, figure="4", ax=ax)
    assert ax.get_xscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    for attack in ("uniform", "line_search", "adaptive"):
        line = lines[plots.ATTACK_NAMES[attack]]
        c = sweep_curve(records, figure="4", attack=attack)
        np.testing.assert_array_equal(line.get_xdata(), c["alpha"])
        np.testing.assert_array_equal(line.get_ydata(), np.maximum(c["mean"], FLOOR))
        assert line.get_color() == plots.ATTACK_COLORS[attack]


def test_a_seed_with_no_error_marks_the_floor_instead_of_pulling_the_band_down():
    c = {"alpha": np.array([1.0, 2.0]), "n_queries": np.array([10, 20]),
         "mean": np.array([1e-2, 1e-3]), "low": np.array([1e-3, 0.0]),
         "high": np.array([2e-2, 2e-3])}
    fig, ax = plt.subplots()
    ax.set_yscale("log")
    _curve(ax, c, color="C0", label="x")
    band, floor = ax.collections
    assert band.get_paths()[0].vertices[:, 1].min() >= 1e-3 - 1e-12  # never down to FLOOR
    np.testing.assert_array_equal(floor.get_offsets(), [[2.0, FLOOR]])


def test_plot_rounding_vs_labels_one_line_per_decimals_and_one_for_labels(records):
    fig, ax = plt.subplots()
    plots.plot_rounding_vs_labels(records, ax=ax)
    labels = [line.get_label() for line in ax.get_lines()]
    levels = {r["decimals"] for r in records if r["figure"] == "7"}
    assert len(labels) == len(levels) + 1 and labels[0] == "probabilities, exact"
    assert labels[-1] == "labels only (adaptive retraining)"
    exact = sweep_curve(records, figure="7", decimals=None)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), np.maximum(exact["mean"], FLOOR))
    # Each level of rounding is told apart by colour and by marker, not by shades of one hue.
    lines = ax.get_lines()[:-1]
    assert len({line.get_color() if isinstance(line.get_color(), str) else tuple(line.get_color())
                for line in lines}) == len(lines)
    assert len({line.get_marker() for line in lines}) == len(lines)
