"""stealkit._validation: each check's normalised value, and the exception type of each bad input."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from stealkit import Oracle, QueryBudgetExceeded
from stealkit._validation import (
    check_bool,
    check_budget,
    check_choice,
    check_int,
    check_oracle,
    check_positive,
    check_real,
    check_rng,
)
from stealkit.oracle import label_through_oracle


def test_check_int():
    assert check_int(np.int64(3), "n", minimum=1) == 3 and type(check_int(3, "n")) is int
    assert check_int(None, "n", minimum=0, allow_none=True) is None
    assert check_int(5, "n", minimum=5, maximum=5) == 5
    with pytest.raises(TypeError, match=r"'n' parameter must be an int >= 1. Got bool True"):
        check_int(True, "n", minimum=1)
    with pytest.raises(TypeError, match="Got float 2.0 instead"):
        check_int(2.0, "n", minimum=1)
    with pytest.raises(TypeError, match=r"an int >= 0 or None. Got str"):
        check_int("3", "n", minimum=0, allow_none=True)
    with pytest.raises(ValueError, match=r"'n' parameter must be an int in \[2, 4\]. Got 5"):
        check_int(5, "n", minimum=2, maximum=4)
    with pytest.raises(ValueError, match=r"an int <= 4. Got 5"):
        check_int(5, "n", maximum=4)
    with pytest.raises(TypeError, match="must be an int. Got NoneType"):
        check_int(None, "n")


def test_check_real_bounds_are_open_below_and_closed_above_by_default():
    assert check_real(1, "x", low=0.0, high=1.0) == 1.0
    assert check_real(0, "x", low=0, include_low=True) == 0.0
    with pytest.raises(ValueError, match=r"'x' parameter must be a number > 0.0 and <= 1.0"):
        check_real(0.0, "x", low=0.0, high=1.0)
    with pytest.raises(ValueError, match=r"a number > 0 and < 1. Got 1"):
        check_real(1, "x", low=0, high=1, include_high=False)
    with pytest.raises(ValueError, match="a number. Got nan"):
        check_real(float("nan"), "x")
    with pytest.raises(ValueError):
        check_real(np.inf, "x", low=0.0)
    with pytest.raises(TypeError, match="Got bool False"):
        check_real(False, "x")
    with pytest.raises(TypeError, match="Got str '0.5'"):
        check_real("0.5", "x")


def test_check_positive_and_bool_and_choice():
    assert check_positive(np.float32(0.5), "lr") == 0.5
    assert check_positive(0, "w", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match="'lr' parameter must be a positive number. Got 0"):
        check_positive(0, "lr")
    with pytest.raises(ValueError, match="a non-negative number. Got -1"):
        check_positive(-1, "w", allow_zero=True)
    with pytest.raises(TypeError):
        check_positive(None, "lr")
    assert check_bool(np.bool_(True), "raw") is True
    with pytest.raises(TypeError, match="'raw' parameter must be a bool. Got int 1"):
        check_bool(1, "raw")
    assert check_choice("a", "mode", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="'mode' parameter must be one of 'a', 'b'. Got 'c'"):
        check_choice("c", "mode", ("a", "b"))


def test_check_rng():
    g = np.random.default_rng(0)
    assert check_rng(g) is g
    assert check_rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
    with pytest.raises(ValueError, match="'rng' parameter must be None, a non-negative int"):
        check_rng(-1)
    with pytest.raises(ValueError, match="Got str 'seed'"):
        check_rng("seed")


@pytest.fixture
def proba_oracle():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    return Oracle.from_sklearn(model, output="proba", budget=10)


def test_check_oracle(proba_oracle):
    assert check_oracle(proba_oracle) is proba_oracle
    assert check_oracle(proba_oracle, output=("label", "proba")) is proba_oracle
    with pytest.raises(TypeError, match="'oracle' parameter must be a stealkit.Oracle or stealkit.HTTPOracle. Got function"):
        check_oracle(lambda X: X)
    with pytest.raises(ValueError, match=r"must answer class labels \(output='label'\). "
                                         r"Got output='proba'"):
        check_oracle(proba_oracle, output="label")
    with pytest.raises(ValueError, match=r"leaf identifiers \(output='leaf'\)"):
        check_oracle(proba_oracle, output="leaf")


def test_check_budget_refuses_before_any_query(proba_oracle):
    check_budget(proba_oracle, 10)
    with pytest.raises(QueryBudgetExceeded, match="Answering 11 more queries"):
        check_budget(proba_oracle, 11)
    assert proba_oracle.n_queries == 0
    check_budget(Oracle(lambda X: np.zeros((len(X), 2)), n_features=1), 10**9)  # no budget


@pytest.mark.parametrize("batch_size", [1, 3, 4, 100])
def test_label_through_oracle_answers_every_row_in_batches(proba_oracle, batch_size):
    X = np.random.default_rng(1).normal(size=(10, 3))
    calls = []
    oracle = Oracle(lambda x: calls.append(len(x)) or proba_oracle._predict(x), n_features=3,
                    output="proba", budget=10)
    answers = label_through_oracle(oracle, torch.as_tensor(X, dtype=torch.float32),
                                   batch_size=batch_size)
    X32 = X.astype(np.float32).astype(np.float64)  # what the oracle saw: the tensor's values
    expected = [proba_oracle._predict(X32[s : s + batch_size]) for s in range(0, 10, batch_size)]
    np.testing.assert_array_equal(answers, np.concatenate(expected))
    assert oracle.n_queries == 10 and calls == [min(batch_size, 10 - s)
                                                for s in range(0, 10, batch_size)]


def test_label_through_oracle_checks_the_budget_first(proba_oracle):
    X = np.zeros((11, 3))
    with pytest.raises(QueryBudgetExceeded):
        label_through_oracle(proba_oracle, X, batch_size=2)
    assert proba_oracle.n_queries == 0  # not even the first batch was sent
    assert label_through_oracle(proba_oracle, X[:0]).shape == (0, 2)
    with pytest.raises(ValueError, match="'batch_size' parameter must be an int >= 1"):
        label_through_oracle(proba_oracle, X, batch_size=0)
