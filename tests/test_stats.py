import numpy as np
import pytest
from scipy import stats

from stealkit.stats import fisher_p_values, ownership_test, p_value_curve, welch_p_values


def _welch(a, b):
    """Welch's t statistic and one-sided (greater) p-value, by hand."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return t, stats.t.sf(t, dof)


def test_matches_scipy_and_a_hand_computation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.5, 1.0, 12), rng.normal(0.0, 2.0, 30)
    res = ownership_test(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    assert res.statistic == pytest.approx(ref.statistic) and res.p_value == pytest.approx(
        ref.pvalue
    )
    t, p = _welch(a, b)
    assert res.statistic == pytest.approx(t) and res.p_value == pytest.approx(p)
    assert res.delta_mean == pytest.approx(a.mean() - b.mean())
    assert (res.n_private, res.n_public) == (12, 30)


def test_verdicts_and_direction():
    rng = np.random.default_rng(1)
    high, low = rng.normal(3, 1, 20), rng.normal(0, 1, 20)
    assert ownership_test(high, low).verdict == "stolen"
    assert ownership_test(low, high).verdict == "inconclusive"
    less = ownership_test(low, high, alternative="less")
    assert less.verdict == "stolen" and less.delta_mean > 0
    assert less.p_value == pytest.approx(ownership_test(high, low).p_value)
    # the significance level decides
    p = ownership_test(high[:3] * 0.2, low[:3]).p_value
    assert (
        ownership_test(high[:3] * 0.2, low[:3], significance=min(p * 2, 0.99)).verdict == "stolen"
    )
    assert ownership_test(high[:3] * 0.2, low[:3], significance=p / 2).verdict == "inconclusive"
    assert "stolen: Δμ" in str(ownership_test(high, low))


def test_constant_scores_do_not_give_nan():
    assert ownership_test([1.0, 1.0], [1.0, 1.0]).p_value == 1.0
    assert ownership_test([2.0, 2.0], [1.0, 1.0]).verdict == "stolen"
    assert ownership_test([0.0, 0.0], [1.0, 1.0]).verdict == "inconclusive"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"private_scores": [1.0]},
            ValueError,
            "'private_scores' parameter must be a 1-D array of at least 2",
        ),
        ({"public_scores": [[1.0, 2.0]]}, ValueError, "'public_scores'"),
        ({"private_scores": [1.0, np.nan]}, ValueError, "NaN or infinite"),
        (
            {"alternative": "two-sided"},
            ValueError,
            "'alternative' parameter must be one of 'greater', 'less'. Got 'two-sided'",
        ),
        (
            {"significance": 1.5},
            ValueError,
            r"'significance' parameter must be a number > 0 and < 1. Got 1.5",
        ),
        ({"significance": "0.05"}, TypeError, "'significance'"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"private_scores": [1.0, 2.0, 3.0], "public_scores": [0.0, 1.0, 2.0], **kwargs}
    with pytest.raises(error, match=match):
        ownership_test(**args)


def test_p_value_curve_falls_with_m():
    rng = np.random.default_rng(2)
    private, public = rng.normal(1, 1, 500), rng.normal(0, 1, 500)
    sizes, p = p_value_curve(private, public, sizes=[2, 10, 50], n_draws=50, rng=0)
    assert p.shape == (3, 50) and sizes.tolist() == [2, 10, 50]
    med = np.median(p, axis=1)
    assert med[0] > med[1] > med[2] and med[2] < 1e-4
    again = p_value_curve(private, public, sizes=[2, 10, 50], n_draws=50, rng=0)[1]
    np.testing.assert_array_equal(p, again)


def test_p_value_curve_bad_input():
    with pytest.raises(ValueError, match=r"must be in \[2, 5\]"):
        p_value_curve(np.ones(5), np.ones(8), sizes=[2, 6])
    with pytest.raises(ValueError, match="'sizes' parameter must be a 1-D sequence of ints"):
        p_value_curve(np.ones(5), np.ones(8), sizes=[2.5])
    with pytest.raises(ValueError, match="'n_draws'"):
        p_value_curve(np.ones(5), np.ones(8), n_draws=0, sizes=[2])


def test_welch_matches_scipy_row_by_row():
    rng = np.random.default_rng(0)
    a = (rng.random((20, 15)) < 0.4).astype(float)
    b = (rng.random(300) < 0.05).astype(float)
    ours = welch_p_values(a, b)
    ref = [stats.ttest_ind(r, b, equal_var=False, alternative="greater").pvalue for r in a]
    assert np.allclose(ours, ref, rtol=1e-10)
    c = rng.normal(size=(3, 8))
    d = rng.normal(1, 2, size=40)
    ref = [stats.ttest_ind(r, d, equal_var=False, alternative="greater").pvalue for r in c]
    assert np.allclose(welch_p_values(c, d), ref, rtol=1e-10)


def test_welch_constant_samples():
    assert welch_p_values(np.ones((1, 5)), np.zeros(10)).tolist() == [0.0]
    assert welch_p_values(np.zeros((1, 5)), np.zeros(10)).tolist() == [1.0]
    with pytest.raises(ValueError, match="at least 2 values"):
        welch_p_values(np.ones((1, 1)), np.zeros(10))


def test_fisher_matches_scipy_and_is_exact_at_tiny_m():
    rng = np.random.default_rng(0)
    b = (rng.random(300) < 0.05).astype(float)
    for m in (2, 5, 20):
        k = np.arange(m + 1)
        ref = [stats.fisher_exact([[j, m - j], [int(b.sum()), len(b) - int(b.sum())]],
                                  alternative="greater").pvalue for j in k]
        assert np.allclose(fisher_p_values(k, m, b), ref, rtol=1e-10)
    # two hits in two queries against a clean model that never answers the target: Welch
    # has no variance and says p = 0; the exact test gives the chance of two in two,
    # 1 / C(302, 2) here
    clean = np.zeros(300)
    assert welch_p_values(np.ones((1, 2)), clean)[0] == 0.0
    assert np.isclose(fisher_p_values(2, 2, clean), 2 / (302 * 301))
    assert fisher_p_values(0, 2, clean) == 1.0
    with pytest.raises(ValueError, match=r"hits must be in \[0, 2\]"):
        fisher_p_values(3, 2, clean)


def test_less_matches_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(-0.3, 1.0, 15), rng.normal(0.0, 0.5, 25)
    res = ownership_test(a, b, alternative="less")
    ref = stats.ttest_ind(a, b, equal_var=False, alternative="less")
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.delta_mean == pytest.approx(b.mean() - a.mean())


def test_p_value_curve_matches_scipy_on_the_same_draws():
    rng = np.random.default_rng(4)
    private, public = rng.normal(0.5, 1, 40), rng.normal(0, 1, 60)
    sizes, p = p_value_curve(private, public, sizes=[3, 7], n_draws=5, alternative="less", rng=9)
    draws = np.random.default_rng(9)  # the draws p_value_curve makes, in its order
    for i, m in enumerate(sizes):
        for j in range(5):
            a = draws.choice(private, size=m, replace=False)
            b = draws.choice(public, size=m, replace=False)
            ref = stats.ttest_ind(a, b, equal_var=False, alternative="less").pvalue
            assert p[i, j] == pytest.approx(ref, rel=1e-12)


def test_welch_agrees_with_ownership_test():
    rng = np.random.default_rng(5)
    a, b = rng.normal(1, 1, (4, 9)), rng.normal(0, 2, 30)
    ours = welch_p_values(a, b)
    assert np.allclose(ours, [ownership_test(r, b).p_value for r in a], rtol=1e-10)
