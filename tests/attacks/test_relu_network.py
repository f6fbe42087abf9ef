import numpy as np
import pytest
import torch

import stealkit as sk
from stealkit.attacks.relu_network import ReLUNetwork, extract_relu_network, search_line


def victim(d, h, seed):
    rng = np.random.default_rng(seed)
    return ReLUNetwork(W=rng.normal(size=(h, d)), b=rng.normal(size=h), a=rng.normal(size=h),
                       c=0.3, skip=np.zeros(d))


def score_oracle(net, d, **kw):
    return sk.Oracle(lambda X: net(X)[:, None], n_features=d, output="score", **kw)


@pytest.mark.parametrize("d, h, seed", [(10, 20, 0), (10, 20, 1), (20, 10, 2)])
def test_functionally_equivalent_to_a_millionth(d, h, seed):
    net = victim(d, h, seed)
    oracle = score_oracle(net, d)
    result = extract_relu_network(oracle, n_features=d, rng=0)
    assert result.model.n_hidden == h and result.n_queries == oracle.n_queries
    X = np.random.default_rng(9).uniform(-1, 1, (10_000, d))
    far = np.random.default_rng(9).normal(scale=10, size=(10_000, d))
    assert np.abs(result.model(X) - net(X)).max() < 1e-6
    assert np.abs(result.model(far) - net(far)).max() < 1e-6 * 100


def test_the_hyperplanes_are_the_victims_up_to_scale():
    net = victim(10, 20, 0)
    result = extract_relu_network(score_oracle(net, 10), n_features=10, rng=0)
    true = np.hstack([net.W, net.b[:, None]]) / np.linalg.norm(net.W, axis=1, keepdims=True)
    found = np.hstack([result.weights["W"], result.weights["b"][:, None]])
    for n in found:
        assert np.minimum(np.abs(true - n).max(1), np.abs(true + n).max(1)).min() < 1e-9


def test_through_a_torch_module_with_the_score_output():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(8, 12), torch.nn.ReLU(),
                                 torch.nn.Linear(12, 1)).double()
    oracle = sk.Oracle.from_torch(module, n_features=8, output="score")
    result = extract_relu_network(oracle, n_features=8, rng=0)
    X = np.random.default_rng(1).uniform(-1, 1, (2000, 8))
    with torch.no_grad():
        expected = module(torch.tensor(X)).numpy().ravel()
    assert np.abs(result.model(X) - expected).max() < 1e-6


def test_rounded_scores_break_it():
    """Rounded to 2 decimals, every finite-difference slope is a step function: no kink is
    confirmed, and the attack says why instead of returning a wrong model."""
    net = victim(10, 20, 0)
    with pytest.raises(RuntimeError, match="rounded"):
        extract_relu_network(score_oracle(net, 10, decimals=2), n_features=10, rng=0)


def test_bad_input():
    net = victim(4, 3, 0)
    with pytest.raises(ValueError, match="raw scores"):
        extract_relu_network(sk.Oracle(lambda X: (net(X) > 0).astype(int), n_features=4,
                                       output="label"), n_features=4)
    with pytest.raises(ValueError, match="match the oracle"):
        extract_relu_network(score_oracle(net, 4), n_features=5)
    two = sk.Oracle(lambda X: np.c_[net(X), net(X)], n_features=4, output="score")
    with pytest.raises(ValueError, match="single output"):
        extract_relu_network(two, n_features=4)
    flat = sk.Oracle(lambda X: X.sum(1, keepdims=True), n_features=4, output="score")
    with pytest.raises(RuntimeError, match="No critical point"):
        extract_relu_network(flat, n_features=4)


def one_unit(kink=0.3):
    """f(x) = 2·ReLU(x₁ − kink) + 0.5·x₂ − 1: one kink at x₁ = kink on lines along x₁."""
    return ReLUNetwork(W=np.array([[1.0, 0.0]]), b=np.array([-kink]), a=np.array([2.0]),
                       c=-1.0, skip=np.array([0.0, 0.5]))


def test_search_line_query_counts_by_hand():
    # one kink: 4 queries at the interval's ends show two slopes, 4 more beside the point
    # where the two end lines meet confirm them: the kink, exactly, for 8 queries
    oracle = score_oracle(one_unit(0.3), 2)
    found = search_line(oracle, [0.0, 0.2], [1.0, 0.0], lo=-10, hi=10)
    assert found.n_queries == oracle.n_queries == 8
    np.testing.assert_allclose(found.kinks, [0.3], atol=1e-9)
    assert found.intervals == [(-10.0, 10.0, "one kink")]
    # along x₂ the score is linear: the 4 end queries agree, and nothing is found
    flat = search_line(score_oracle(one_unit(), 2), [0.0, 0.0], [0.0, 1.0], lo=-10, hi=10)
    assert flat.n_queries == 4 and len(flat.kinks) == 0
    assert flat.intervals == [(-10.0, 10.0, "linear")]


def test_search_line_halves_an_interval_with_two_kinks():
    net = ReLUNetwork(W=np.array([[1.0, 0.0], [1.0, 0.0]]), b=np.array([-1.0, 2.0]),
                      a=np.array([1.0, -3.0]), c=0.0, skip=np.zeros(2))
    found = search_line(score_oracle(net, 2), [0.0, 0.0], [1.0, 0.0], lo=-10, hi=10)
    np.testing.assert_allclose(found.kinks, [-2.0, 1.0], atol=1e-9)
    assert found.intervals[0][2] == "halved"
    assert sorted(v for *_, v in found.intervals[1:]) == ["one kink", "one kink"]


def test_search_line_is_step_one_of_the_attack():
    net = victim(10, 20, 0)
    result = extract_relu_network(score_oracle(net, 10), n_features=10, n_lines=1, rng=0)
    rng = np.random.default_rng(0)  # the attack's first line, drawn the same way
    x0, v = rng.uniform(-1, 1, 10), rng.normal(size=10)
    found = search_line(score_oracle(net, 10), x0, v / np.linalg.norm(v))
    np.testing.assert_allclose(np.sort([np.linalg.norm(p - x0) * np.sign((p - x0) @ v)
                                        for p in result.critical_points]), found.kinks)


@pytest.mark.parametrize("kwargs, match", [
    ({"start": [0.0], "direction": [1.0, 0.0]}, "2 finite numbers"),
    ({"start": [0.0, np.nan], "direction": [1.0, 0.0]}, "2 finite numbers"),
    ({"start": [0.0, 0.0], "direction": [0.0, 0.0]}, "must not be zero"),
    ({"start": [0.0, 0.0], "direction": [1.0, 0.0], "lo": 5, "hi": 5}, "lo < hi"),
    ({"start": [0.0, 0.0], "direction": [1.0, 0.0], "eps": 0}, "eps"),
])
def test_search_line_bad_arguments(kwargs, match):
    oracle = score_oracle(one_unit(), 2)
    with pytest.raises(ValueError, match=match):
        search_line(oracle, **kwargs)
    assert oracle.n_queries == 0
