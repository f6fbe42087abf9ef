import numpy as np
import pytest
from scipy import stats

from stealkit.dataset_inference import ownership_test, p_value_curve


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
            r"'significance' parameter must be in \(0, 1\). Got 1.5",
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
