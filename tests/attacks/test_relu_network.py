import numpy as np
import pytest
import torch

import stealkit as sk
from stealkit.attacks.relu_network import ReLUNetwork, extract_relu_network


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
