"""The helpers the equation-solving attacks share (stealkit.attacks._common and ._fit)."""

import math

import numpy as np
import pytest

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks._common import check_problem, check_queries, draw_and_ask, oracle_classes
from stealkit.attacks._fit import (
    EXACT_TOLERANCE,
    Restarts,
    best_restart,
    check_fit_options,
    fit_targets,
    minimize_lbfgs,
    resolve_loss,
    restart_result,
)
from stealkit.attacks.mlp import MLPExtractionResult


def uniform_oracle(c=3, d=2, **kwargs):
    return Oracle(lambda X: np.full((len(X), c), 1.0 / c), n_features=d, **kwargs)


def test_check_problem_checks_in_order():
    oracle = uniform_oracle(classes=["a", "b", "c"])
    assert check_problem(oracle, 2, 3) == (oracle, 2, 3)
    with pytest.raises(TypeError, match="'oracle'"):
        check_problem("oracle", 0, 0)
    with pytest.raises(ValueError, match="'n_features'"):
        check_problem(oracle, 3, 0)
    with pytest.raises(ValueError, match="'n_classes'"):
        check_problem(oracle, 2, 2)


def test_check_queries_checks_the_budget_last():
    oracle = uniform_oracle(budget=5)
    low, high, sampler, rng = check_queries(oracle, 5, -1, 1, None, 0)
    assert (low, high, sampler) == (-1.0, 1.0, None)
    assert isinstance(rng, np.random.Generator)
    with pytest.raises(ValueError, match="'low' < 'high'"):
        check_queries(oracle, 6, 1, 0, 3, "rng")
    with pytest.raises(TypeError, match="'sampler'"):
        check_queries(oracle, 6, 0, 1, 3, "rng")
    with pytest.raises(ValueError, match="'rng'"):
        check_queries(oracle, 6, 0, 1, None, "rng")
    with pytest.raises(QueryBudgetExceeded):
        check_queries(oracle, 6, 0, 1, None, 0)
    assert oracle.n_queries == 0


def test_draw_and_ask_reports_what_was_charged():
    oracle = uniform_oracle()
    oracle(np.zeros((2, 2)))
    X, P, spent = draw_and_ask(oracle, 4, 2, 3, low=0.0, high=1.0, sampler=None,
                               rng=np.random.default_rng(0))
    np.testing.assert_array_equal(X, np.random.default_rng(0).uniform(0.0, 1.0, (4, 2)))
    assert P.shape == (4, 3) and spent == 4 and oracle.n_queries == 6


def test_oracle_classes():
    np.testing.assert_array_equal(oracle_classes(uniform_oracle(), 3), [0, 1, 2])
    np.testing.assert_array_equal(
        oracle_classes(uniform_oracle(classes=["x", "y", "z"]), 3), ["x", "y", "z"])


def test_check_fit_options():
    assert check_fit_options("auto", 2, 10) == ("auto", 2, 10)
    with pytest.raises(ValueError, match="'loss'"):
        check_fit_options("mse", 0, 0)
    with pytest.raises(ValueError, match="'n_restarts'"):
        check_fit_options("log_ratio", 0, 0)
    with pytest.raises(ValueError, match="'max_iter'"):
        check_fit_options("log_ratio", 1, 0)


def test_resolve_loss():
    exact = np.array([[0.2123456789123, 0.7876543210877]])
    assert resolve_loss("auto", exact) == "log_ratio"
    assert resolve_loss("auto", np.array([[0.25, 0.75]])) == "cross_entropy"  # on a grid
    assert resolve_loss("auto", np.array([[0.0, 1.0]])) == "cross_entropy"
    assert resolve_loss("log_ratio", np.array([[0.25, 0.75]])) == "log_ratio"


def test_fit_targets_scale_is_the_loss_of_the_zero_model():
    P = np.random.default_rng(0).dirichlet(np.ones(4), 10)
    logP, T, scale = fit_targets(P, "log_ratio")
    np.testing.assert_allclose(logP, np.log(P))
    np.testing.assert_allclose(T.sum(axis=1), 0.0, atol=1e-12)
    assert scale == pytest.approx(np.mean(np.sum(T**2, axis=1)))
    _, _, kl = fit_targets(P, "cross_entropy")  # KL from the uniform distribution
    assert kl == pytest.approx(np.mean(np.sum(P * np.log(P * 4), axis=1)))
    assert fit_targets(np.full((3, 2), 0.5), "log_ratio")[2] == 1e-300


def test_best_restart_keeps_the_first_best_and_stops_when_exact():
    calls = []

    def fit(restart):
        calls.append(restart)
        return f"p{restart}", [0.5, 0.2, 0.2, 1e-9, 0.0][restart]

    restarts = best_restart(fit, 3)
    assert restarts == Restarts("p1", 0.2, (0.5, 0.2, 0.2)) and not restarts.exact
    restarts = best_restart(fit, 5)
    assert calls[3:] == [0, 1, 2, 3]  # stopped at the first exact restart
    assert restarts.params == "p3" and restarts.exact and 1e-9 < EXACT_TOLERANCE
    assert best_restart(lambda r: ("nan", math.nan), 1).params == "nan"


def test_restart_result():
    restarts = Restarts("params", 1e-9, (0.5, 1e-9))
    X, P = np.zeros((2, 3)), np.full((2, 2), 0.5)
    result = restart_result(MLPExtractionResult, "model", restarts, queries=X, answers=P,
                            n_queries=2, n_unknowns=7, objective="log_ratio", t0=0.0)
    assert isinstance(result, MLPExtractionResult)
    assert (result.model, result.n_queries, result.n_unknowns) == ("model", 2, 7)
    assert result.queries is X and result.answers is P and result.objective == "log_ratio"
    assert result.losses == (0.5, 1e-9) and result.exact is True and result.seconds > 0


def test_minimize_lbfgs():
    def fun(x, a):
        return float(np.sum((x - a) ** 2)), 2 * (x - a)

    opt = minimize_lbfgs(fun, np.zeros(3), (np.arange(3.0),), max_iter=50, gtol=1e-12,
                         ftol=1e-15)
    np.testing.assert_allclose(opt.x, [0.0, 1.0, 2.0], atol=1e-8)
