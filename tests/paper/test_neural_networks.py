import json
from pathlib import Path

import numpy as np
import pytest

from stealkit.paper import neural_networks as N

RESULTS = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "neural_networks.json"


def test_grey_28_is_luma_then_resize():
    red = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    red[..., 0] = 255
    out = N.grey_28(red)
    assert out.shape == (2, 1, 28, 28) and out.dtype == np.float32
    np.testing.assert_allclose(out, 0.299, atol=1e-6)


def test_pools_have_the_victims_input_shape():
    noise = N.attacker_pool("noise", size=100, rng=0)
    assert noise.shape == (100, 1, 28, 28) and 0 <= noise.min() and noise.max() <= 1
    assert np.array_equal(noise, N.attacker_pool("noise", size=100, rng=0))
    mnist = N.attacker_pool("mnist")
    assert mnist.shape == (10_000, 1, 28, 28)  # the images the owner left out
    with pytest.raises(ValueError, match="name"):
        N.attacker_pool("imagenet")


@pytest.fixture(scope="module")
def victim_and_evaluation():
    victim = N.load_victim()
    return victim, N.Evaluation(victim, rng=0)


def test_the_victim_is_its_own_perfect_copy(victim_and_evaluation):
    victim, evaluation = victim_and_evaluation
    scores = evaluation(victim)
    assert scores["fidelity"] == scores["fidelity_uniform"] == 1.0
    assert scores["accuracy"] == evaluation.victim_accuracy > 0.98


def test_white_box_examples_beat_the_noise_control(victim_and_evaluation):
    victim, evaluation = victim_and_evaluation
    X, y = N.transfer_images(evaluation, 60)
    assert np.array_equal(victim(__import__("torch").from_numpy(X)).argmax(1).numpy(), y)
    record = N.transfer_record(victim, N.victim_oracle(victim, "label"), X, y, rng=0)
    assert set(record) == {"noise", "fgsm", "pgd", "pgd_targeted"}
    assert record["pgd"] > 0.8 > record["noise"]


def test_two_hidden_layers_are_out_of_the_attacks_reach():
    record = N.two_layer_record(rng=0)
    assert record["network"] == "10-10-10-1"
    assert "outcome" in record or record["relative_worst_error"] > 0.01


def test_shipped_results_cover_the_grid_and_meet_the_targets():
    results = json.loads(RESULTS.read_text())
    runs = {(c["pool"], c["strategy"], c["output"]) for c in results["curves"]}
    for pool in N.POOLS:
        assert {(pool, "random", "proba"), (pool, "random", "label")} <= runs
        assert {(pool, "uncertainty", "proba"), (pool, "kcenter", "proba")} <= runs
    for c in results["curves"]:
        n = [row["n_queries"] for row in c["curve"]]
        assert n == [b for b in N.BUDGETS if b <= (10_000 if c["pool"] == "mnist" else 50_000)]
        for row in c["curve"]:
            assert all(0 <= row[k] <= 1 for k in ("accuracy", "fidelity", "fidelity_uniform"))
    equivalent = results["three_notions"][-1]
    assert equivalent["copy"].startswith("functionally equivalent")
    # the targets for the 784-32-1 network: under 2^20 queries, error below 1e-4
    assert equivalent["queries"] < 2**20 and equivalent["log2_worst_error"] < np.log2(1e-4)
    assert equivalent["fidelity"] == 1.0
