import numpy as np
import pytest
from scipy import stats

from stealkit.dataset_inference import linear_toy as lt


def test_sample_follows_the_distribution():
    X, y = lt.sample(20_000, n_signal=3, n_noise=5, sigma=2.0, rng=0)
    assert X.shape == (20_000, 8) and set(np.unique(y)) == {-1.0, 1.0}
    np.testing.assert_array_equal(X[:, :3], y[:, None] * np.ones(3))
    assert X[:, 3:].std() == pytest.approx(2.0, rel=0.02)
    assert abs(y.mean()) < 0.03
    np.testing.assert_array_equal(lt.sample(5, rng=1)[0], lt.sample(5, rng=1)[0])


def test_sum_rule_and_margins():
    X, y = lt.sample(7, n_noise=3, rng=0)
    w = lt.train(X, y)
    np.testing.assert_allclose(w, sum(yi * xi for xi, yi in zip(X, y, strict=True)))
    np.testing.assert_allclose(lt.margins(w, X, y), y * (X @ w))
    # a training margin holds its own noise energy ‖x₂‖² on top of m‖u‖² and cross terms
    j = 0
    cross = sum(y[i] * y[j] * X[i, 1:] @ X[j, 1:] for i in range(7) if i != j)
    assert lt.margins(w, X, y)[j] == pytest.approx(7 + X[j, 1:] @ X[j, 1:] + cross)


def test_least_squares_interpolates():
    X, y = lt.sample(10, n_noise=30, rng=0)
    np.testing.assert_allclose(lt.margins(lt.train(X, y, rule="least_squares"), X, y), 1.0)


@pytest.mark.parametrize(("D", "sigma"), [(1, 1.0), (16, 0.5), (64, 2.0)])
def test_theorem1_by_simulation(D, sigma):
    gap = lt.simulate_margin_gap(n_noise=D, sigma=sigma, n_repeats=2_000, rng=0)
    assert gap.theory == lt.theorem1_margin_gap(D, sigma) == D * sigma**2
    assert abs(gap.mean - gap.theory) < 4 * gap.sem, (gap.mean, gap.sem, gap.theory)
    assert gap.agrees == (gap.ci()[0] <= gap.theory <= gap.ci()[1])
    assert len(gap.gaps) == 2_000


def test_other_rules_change_the_gap():
    gap = lt.simulate_margin_gap(n_noise=64, n_train=20, rule="least_squares", n_repeats=50, rng=0)
    assert not gap.agrees and gap.mean < 1.0  # training margins are capped at 1


def test_theorem3_formula_and_its_exact_counterpart():
    assert lt.theorem3_success_probability(8) == pytest.approx(stats.norm.cdf(1.0))
    assert lt.theorem3_success_probability(0) == pytest.approx(0.5)
    np.testing.assert_allclose(lt.theorem3_success_probability([8, 32]), stats.norm.cdf([1.0, 2.0]))
    assert lt.stolen_flag_probability(4) == pytest.approx(2 * np.exp(-1))  # χ²₄ tail at 2
    # the formula is the normal approximation of the exact tail: they meet as D grows
    for D, tol in [(4, 0.03), (64, 0.003), (1024, 1e-6)]:
        assert lt.theorem3_success_probability(D) == pytest.approx(
            lt.stolen_flag_probability(D), abs=tol
        )


@pytest.mark.parametrize("D", [4, 16])
def test_decision_by_simulation(D):
    d = lt.simulate_decision(n_noise=D, n_public=100_000, n_repeats=20_000, rng=0)
    lo, hi = d.ci95(d.flag_stolen)
    assert lo <= lt.stolen_flag_probability(D) <= hi
    # an independent model is cleared more often: its gap has mean 0 and a smaller variance
    assert d.clear_independent > d.flag_stolen
    assert d.success == pytest.approx(0.5 * (d.flag_stolen + d.clear_independent))


def test_decision_is_reproducible():
    a = lt.simulate_decision(n_noise=4, n_repeats=500, rng=3)
    b = lt.simulate_decision(n_noise=4, n_repeats=500, rng=3)
    assert a == b


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: lt.sample(0), "'n_samples' parameter must be an int >= 1. Got 0"),
        (lambda: lt.sample(3, sigma=0), "'sigma' parameter must be a positive number. Got 0"),
        (lambda: lt.sample(3, n_signal=0), "'n_signal'"),
        (lambda: lt.train(np.ones((3, 2)), np.ones(2)), "Need X of shape"),
        (
            lambda: lt.train(np.ones((3, 2)), np.ones(3), rule="ridge"),
            "'rule' parameter must be one of",
        ),
        (lambda: lt.simulate_margin_gap(n_repeats=1), "'n_repeats' parameter must be an int >= 2"),
        (lambda: lt.simulate_decision(n_noise=0), "'n_noise' parameter must be an int >= 1"),
        (lambda: lt.theorem1_margin_gap(-1, 1.0), "'D' parameter"),
        (lambda: lt.theorem3_success_probability(-1), "non-negative"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_trial_flags_the_victim_not_the_independent_model():
    t = lt.trial(n_noise=256, n_train=20, m=10, rng=0)
    assert t.victim_test.verdict == "stolen" and t.victim_test.p_value < 0.01
    assert t.independent_test.verdict == "inconclusive"
    assert t.victim_private.shape == t.victim_public.shape == (10,)
    with pytest.raises(ValueError, match="'m' parameter must be at most n_train=5. Got 6"):
        lt.trial(n_train=5, m=6)
