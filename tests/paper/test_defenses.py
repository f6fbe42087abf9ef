import json
import math
from pathlib import Path

import numpy as np
import pytest

from stealkit.defenses import ReverseSigmoid
from stealkit.paper import defenses as D

RESULTS = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "defences.json"


def _line_stream(n=400, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=4), rng.normal(size=4)
    t = np.concatenate([0.5 + 0.5 ** np.arange(1, 21) * s for s in (1, -1)] * (n // 40))
    X = a + np.outer(t, b - a) + rng.normal(scale=1e-9, size=(len(t), 4))
    return D.Stream("line search", "toy", X, np.zeros(len(X), dtype=int), len(X))


def _natural(n, seed):
    X = np.random.default_rng(seed).normal(size=(n, 4))
    return D.Stream("natural", "toy", X, (X[:, 0] > 0).astype(int), n)


def test_alarm_at_and_calibration():
    assert D.alarm_at(_line_stream().X, _line_stream().labels, delta=0.9) is not None
    benign = [_natural(300, s) for s in range(5)]
    delta = D.calibrate_delta(benign)
    # calibrated just below the lowest W: none of the calibration clients alarms
    assert all(D.alarm_at(b.X, b.labels, delta=delta) is None for b in benign)
    assert delta < min(D._lowest_w(b, D.MIN_QUERIES) for b in benign)


def test_evasion_invariants():
    stream = _line_stream(800)
    ev = D.evasion_records(stream, _natural(10_000, 9), delta=0.9, mix=(0.0, 0.5),
                           keys=(1, 8, 16), rng=0)
    # no natural input: the stream itself, in its own order
    assert ev["mix"][0]["alarm after"] == D.alarm_at(stream.X, stream.labels, delta=0.9)
    assert ev["mix"][1]["queries paid"] == 2 * len(stream.X)
    by_keys = {r["keys"]: r for r in ev["keys"]}
    assert by_keys[1]["detected"]
    # 800 / 16 = 50 queries per key: fewer than min_queries distances, never tested
    assert not by_keys[16]["detected"] and by_keys[16]["queries per key"] == 50
    with pytest.raises(ValueError, match="natural inputs"):
        D.evasion_records(stream, _natural(10, 1), delta=0.9, mix=(0.5,), keys=(1,))


def test_output_records_reverse_sigmoid_keeps_labels():
    rows = D.output_records(defences=(("none", None),
                                      ("rs", ReverseSigmoid(beta=0.05, gamma=0.5))),
                            alphas=(10,), lowd_meek_row=False, n_unif=2000, rng=0)
    by = {(r["defence"], r["attack"]): r for r in rows}
    assert by["none", "equation solving"]["1-R_test"] == pytest.approx(1.0)
    assert by["rs", "equation solving"]["1-R_test"] < 0.9
    assert by["rs", "equation solving"]["top-1 kept"] == 1.0
    # the labels are unchanged, so the label-only attack runs exactly as without the defence
    assert (by["rs", "adaptive retraining (labels)"]["1-R_test"]
            == by["none", "adaptive retraining (labels)"]["1-R_test"])


def test_private_victims_are_stolen_exactly():
    rows = D.privacy_records(epsilons=(math.inf, 1.0), n_train=100, epochs=5, rng=0)
    for r in rows:
        assert r["max |θ − θ̂|"] < 1e-6 and r["fidelity (test)"] == 1.0
        assert r["membership advantage (copy)"] == pytest.approx(
            r["membership advantage (victim)"], abs=1e-9)
        assert r["membership advantage (copy)"] <= 1.0 and r["prototypes"].shape == (10, 64)
    assert rows[1]["ε spent"] <= 1.0 and rows[1]["DP bound"] < 1.0


def test_dp_bound():
    assert D.dp_bound(math.inf, 1e-5) == 1.0
    assert D.dp_bound(0.0, 0.0) == 0.0
    assert D.dp_bound(1.0, 0.0) == pytest.approx((math.e - 1) / (math.e + 1))


@pytest.mark.skipif(not RESULTS.is_file(), reason="no shipped benchmark results")
def test_summary_of_the_shipped_results():
    results = json.loads(RESULTS.read_text())
    rows = D.summary_rows(results)
    assert {r["defence"] for r in rows} >= {"none", "labels only", "PRADA (detection)",
                                           "DP-SGD, ε = 1", "forest (25 trees)"}
    points = {p["defence"]: p for p in D.tradeoff_points(results)}
    assert points["none"]["fidelity"] == pytest.approx(1.0)
    assert points["none"]["owner cost"] == 0.0
    assert points["DP-SGD, ε = 1"]["owner cost"] > 0


def test_defended_attack_refuses_equation_solving_on_labels():
    from sklearn.linear_model import LogisticRegression

    from stealkit import datasets

    moons = datasets.load_moons(rng=0)
    victim = LogisticRegression().fit(moons.X_train, moons.y_train)
    with pytest.raises(ValueError, match="needs probabilities"):
        D.defended_attack(victim, moons, defence="labels", attack="equation solving")
    with pytest.raises(ValueError, match="attack"):
        D.defended_attack(victim, moons, attack="magic")
