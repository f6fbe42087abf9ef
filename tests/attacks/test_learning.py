import numpy as np
import pytest
import torch
from torch import nn

import stealkit as sk
from stealkit.attacks import STRATEGIES, extract_from_pool
from stealkit.attacks.learning import select_queries

W_TRUE = np.array([[3.0, -2.0], [-1.0, 2.5], [0.5, 0.5]])
B_TRUE = np.array([0.2, -0.1, 0.0])


def victim(X):
    """A fixed softmax classifier on 2-D inputs (3 classes)."""
    z = np.asarray(X, dtype=np.float64) @ W_TRUE.T + B_TRUE
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def oracle(output="proba", **kwargs):
    predict = victim if output == "proba" else (lambda X: victim(X).argmax(1))
    return sk.Oracle(predict, n_features=2, output=output, **kwargs)


def copy(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


@pytest.fixture(scope="module")
def pool():
    return np.random.default_rng(1).uniform(-1, 1, (3000, 2))


def agreement(model, X):
    with torch.no_grad():
        mine = model(torch.tensor(X, dtype=torch.float32)).argmax(1).numpy()
    return np.mean(mine == victim(X).argmax(1))


@pytest.mark.parametrize("output", ["proba", "label"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_copy_agrees_with_victim_and_counts_queries(pool, output, strategy):
    o = oracle(output)
    result = extract_from_pool(o, pool, model=copy(), budgets=(200, 600), strategy=strategy,
                               epochs=30, lr=0.01, rng=0, progress=False,
                               evaluate=lambda m: {"agreement": agreement(m, pool)})
    assert result.n_queries == o.n_queries == 600
    assert len(np.unique(result.queries)) == 600  # no input bought twice
    assert [row["n_queries"] for row in result.curve] == [200, 600]
    assert len(result.answers) == 600 and result.output == output
    assert result.curve[-1]["agreement"] > 0.97
    assert agreement(result.model, np.random.default_rng(2).uniform(-1, 1, (2000, 2))) > 0.97


def test_same_rng_same_copy(pool):
    runs = [extract_from_pool(oracle(), pool, model=copy(), budgets=(100, 300),
                              strategy="kcenter", epochs=3, rng=5, progress=False)
            for _ in range(2)]
    assert np.array_equal(runs[0].queries, runs[1].queries)
    for a, b in zip(runs[0].model.parameters(), runs[1].model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_min_steps_gives_more_epochs_on_few_answers(pool):
    result = extract_from_pool(oracle(), pool, model=copy(), budgets=(64, 640), epochs=1,
                               min_steps=20, batch_size=64, rng=0, progress=False)
    assert [t.epochs for t in result.trainings] == [20, 2]
    assert [len(t.losses) for t in result.trainings] == [20, 20]


def test_uncertainty_takes_the_highest_entropies():
    proba = np.array([[1.0, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3], [0.9, 0.1, 0],
                      [0.4, 0.3, 0.3]])
    asked = np.array([False, False, True, False, False])
    picked = select_queries("uncertainty", 2, proba=proba, asked=asked,
                            rng=np.random.default_rng(0))
    assert list(picked) == [4, 1]  # the uniform row 2 was asked already


def test_kcenter_matches_a_naive_greedy_reference():
    rng = np.random.default_rng(3)
    proba = rng.dirichlet(np.ones(4), size=200)
    asked = np.zeros(200, dtype=bool)
    asked[rng.choice(200, 10, replace=False)] = True
    picked = select_queries("kcenter", 15, proba=proba, asked=asked, rng=rng)
    centres, expected = [proba[i] for i in np.flatnonzero(asked)], []
    for _ in range(15):
        best, best_d = None, -1.0
        for i in range(200):
            if asked[i] or i in expected:
                continue
            d = min(np.sum((proba[i] - c) ** 2) for c in centres)
            if d > best_d:
                best, best_d = i, d
        expected.append(best)
        centres.append(proba[best])
    assert list(picked) == expected


def test_budget_is_checked_before_any_query(pool):
    o = oracle(budget=500)
    with pytest.raises(sk.QueryBudgetExceeded):
        extract_from_pool(o, pool, model=copy(), budgets=(100, 600), progress=False)
    assert o.n_queries == 0


@pytest.mark.parametrize("kwargs, error, match", [
    ({"budgets": (300, 200)}, ValueError, "increasing"),
    ({"budgets": ()}, ValueError, "non-empty"),
    ({"budgets": 100}, TypeError, "sequence"),
    ({"budgets": (10_000,)}, ValueError, "pool holds only 3,000"),
    ({"strategy": "greedy"}, ValueError, "strategy"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"min_steps": -1}, ValueError, "min_steps"),
    ({"evaluate": "accuracy"}, TypeError, "evaluate"),
    ({"model": "cnn"}, TypeError, "torch.nn.Module"),
])
def test_bad_arguments(pool, kwargs, error, match):
    o = oracle()
    args = {"model": copy(), "budgets": (100,), "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        extract_from_pool(o, pool, **args)
    assert o.n_queries == 0


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((10, 3)), ValueError, r"shape \(n, 2\)"),
    (np.full((10, 2), np.nan), ValueError, "NaN"),
    (np.array([["a", "b"]]), TypeError, "numeric"),
])
def test_bad_pool(bad, error, match):
    with pytest.raises(error, match=match):
        extract_from_pool(oracle(), bad, model=copy(), budgets=(1,), progress=False)


def test_score_oracle_is_refused(pool):
    o = sk.Oracle(lambda X: X[:, :1], n_features=2, output="score")
    with pytest.raises(ValueError, match="output='proba'"):
        extract_from_pool(o, pool, model=copy(), budgets=(10,), progress=False)


def test_named_labels_are_refused_with_a_reason(pool):
    o = sk.Oracle(lambda X: np.where(victim(X).argmax(1) == 0, "cat", "dog"), n_features=2,
                  output="label", classes=["cat", "dog"])
    with pytest.raises(ValueError, match="class numbers"):
        extract_from_pool(o, pool, model=copy(), budgets=(10,), progress=False)
