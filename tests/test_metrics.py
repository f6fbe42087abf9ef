import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from stealkit import metrics


def test_distances_by_hand():
    np.testing.assert_array_equal(metrics.zero_one([0, 1, 2], [0, 2, 2]), [0, 1, 0])
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[0.25, 0.25, 0.5], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(metrics.total_variation(p, q), [0.5, 1.0])
    np.testing.assert_array_equal(metrics.total_variation(p, p), [0.0, 0.0])


class _Const:
    """A model answering a fixed label and fixed probabilities."""

    def __init__(self, label, proba):
        self.label, self.proba = label, np.asarray(proba)

    def predict(self, X):
        return np.full(len(X), self.label)

    def predict_proba(self, X):
        return np.tile(self.proba, (len(X), 1))


def test_r_test_by_hand():
    X = np.zeros((4, 2))
    f, g = _Const(0, [0.9, 0.1]), _Const(1, [0.6, 0.4])
    assert metrics.r_test(f, g, X) == 1.0
    assert metrics.r_test(f, f, X) == 0.0
    assert metrics.r_test(f, g, X, distance="total_variation") == pytest.approx(0.3)
    assert metrics.extraction_accuracy(f, g, X, distance="total_variation") == pytest.approx(0.7)
    # half the points disagree
    half = lambda Z: (Z[:, 0] > 0).astype(int)  # noqa: E731
    assert metrics.r_test(half, lambda Z: np.zeros(len(Z), int), np.array([[1.0], [-1.0]])) == 0.5


def test_r_unif_uniform_box_and_sampler():
    sign = lambda Z: (Z[:, 0] > 0).astype(int)  # noqa: E731
    shifted = lambda Z: (Z[:, 0] > 0.5).astype(int)  # noqa: E731
    # disagreement on x in (0, 0.5]: a quarter of [-1, 1]
    r = metrics.r_unif(sign, shifted, n_features=3, n_samples=100_000, rng=0)
    assert r == pytest.approx(0.25, abs=0.01)
    assert r == metrics.r_unif(sign, shifted, n_features=3, n_samples=100_000, rng=0)
    sampler = lambda n, rng: rng.uniform(0, 1, size=(n, 1))  # noqa: E731
    assert metrics.r_unif(sign, shifted, sampler=sampler, rng=0) == pytest.approx(0.5, abs=0.02)


def test_fidelity_versus_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    victim = LogisticRegression().fit(X, y)
    assert metrics.fidelity(victim, victim, X) == 1.0
    assert metrics.accuracy(victim, X, y) == pytest.approx((victim.predict(X) == y).mean())
    assert metrics.accuracy(victim, X, y) < 1.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: metrics.zero_one([0, 1], [0]), ValueError, "same length"),
        (lambda: metrics.total_variation([[1.0]], [1.0]), ValueError, "same shape"),
        (
            lambda: metrics.r_test(np.sum, np.sum, np.zeros((2, 2)), distance="l2"),
            ValueError,
            "'distance' parameter must be one of 'zero_one', 'total_variation'. Got 'l2'",
        ),
        (lambda: metrics.r_test(np.sum, np.sum, np.zeros((0, 2))), ValueError, "non-empty 2-D"),
        (lambda: metrics.r_test(3, 4, np.zeros((2, 2))), TypeError, "must have predict"),
        (
            lambda: metrics.r_unif(np.sum, np.sum),
            ValueError,
            "exactly one of 'n_features' and 'sampler'",
        ),
        (
            lambda: metrics.r_unif(np.sum, np.sum, n_features=2, n_samples=0),
            ValueError,
            "'n_samples'",
        ),
        (
            lambda: metrics.r_unif(np.sum, np.sum, n_features=2, low=1, high=1),
            ValueError,
            "low < high",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_membership_advantage_by_hand():
    from stealkit.metrics import membership_advantage

    class Fixed:  # P(true class) is the row's first feature
        classes_ = np.array([0, 1])

        def predict_proba(self, X):
            p = np.asarray(X)[:, 0]
            return np.c_[1 - p, p]

    members = (np.array([[0.9], [0.8], [0.6]]), np.array([1, 1, 1]))
    outside = (np.array([[0.7], [0.5], [0.4]]), np.array([1, 1, 1]))
    # threshold between 0.8 and 0.7: TPR 2/3, FPR 0
    assert membership_advantage(Fixed(), members, outside) == pytest.approx(2 / 3)
    assert membership_advantage(Fixed(), members, members) == 0.0
    with pytest.raises(ValueError, match="among the model's classes"):
        membership_advantage(Fixed(), members, (outside[0], np.array([1, 2, 1])))
    with pytest.raises(TypeError, match=r"\(X, y\) pair"):
        membership_advantage(Fixed(), members, outside[0])
