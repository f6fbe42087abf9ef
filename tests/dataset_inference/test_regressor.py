import numpy as np
import pytest

from stealkit.dataset_inference import (
    ConfidenceRegressor,
    embedding_features,
    ownership_test,
    train_regressor,
    verify_dataset,
)
from stealkit.dataset_inference.embeddings import Embedding


def _distances(n, scale, rng, n_norms=3, n_columns=10):
    """Positive, skewed distances: log-normal around ``scale``, one block per norm."""
    return np.exp(rng.normal(np.log(scale), 0.5, (n, n_norms, n_columns)))


def _embedding(d):
    return Embedding(distances=d, steps=np.zeros(d.shape, int), censored=np.zeros(d.shape, bool),
                     norms=("l1", "l2", "linf"), method="blind_walk", n_queries=0, seconds=0.0)


def test_separated_embeddings_are_stolen():
    rng = np.random.default_rng(0)
    # private samples lie further from the boundary than public ones
    reg = train_regressor(_distances(80, 2.0, rng), _distances(80, 1.0, rng), epochs=100, rng=0)
    res = verify_dataset(reg, _distances(80, 2.0, rng), _distances(80, 1.0, rng))
    assert res.verdict == "stolen" and res.p_value < 1e-10 and res.delta_mean > 1.0
    assert res.private_scores.mean() < 0 < res.public_scores.mean()
    # the test is hypothesis.ownership_test on the scores, "private lower"
    ref = ownership_test(res.private_scores, res.public_scores, alternative="less")
    assert res.test == ref and res.delta_mean == pytest.approx(
        res.public_scores.mean() - res.private_scores.mean()
    )
    assert "stolen: Δμ" in str(res)


def test_linear_regressor():
    rng = np.random.default_rng(7)
    reg = train_regressor(_distances(60, 2.0, rng), _distances(60, 1.0, rng), hidden=0,
                          loss="bce", epochs=100, rng=0)
    assert len(reg.module) == 2 and reg.module[0].weight.shape == (1, 30)
    res = verify_dataset(reg, _distances(60, 2.0, rng), _distances(60, 1.0, rng))
    assert res.verdict == "stolen"


def test_identical_distributions_are_inconclusive():
    rng = np.random.default_rng(1)
    reg = train_regressor(_distances(100, 1.0, rng), _distances(100, 1.0, rng), epochs=100,
                          rng=0)
    res = verify_dataset(reg, _distances(100, 1.0, rng), _distances(100, 1.0, rng))
    assert res.verdict == "inconclusive" and res.p_value > 0.05 and abs(res.delta_mean) < 0.3


def test_m_samples_and_embeddings_objects():
    rng = np.random.default_rng(2)
    a, b = _distances(60, 2.0, rng), _distances(60, 1.0, rng)
    reg = train_regressor(_embedding(a), _embedding(b), epochs=100, loss="bce", rng=0)
    assert isinstance(reg, ConfidenceRegressor) and reg.losses[-1] < reg.losses[0]
    np.testing.assert_allclose(reg.score(_embedding(a)), reg.score(a))
    res = verify_dataset(reg, a, b, m=10, rng=3)
    assert res.test.n_private == res.test.n_public == 10
    again = verify_dataset(reg, a, b, m=10, rng=3)
    np.testing.assert_array_equal(res.private_scores, again.private_scores)
    assert np.all(np.isin(res.private_scores, reg.score(a)))
    scores = reg.score(b)
    assert scores.shape == (60,) and np.all(np.abs(scores) < 1)


def test_same_rng_same_regressor_and_rows_are_samples():
    rng = np.random.default_rng(4)
    a, b = _distances(40, 2.0, rng), _distances(40, 1.0, rng)
    r1 = train_regressor(a, b, epochs=50, rng=5)
    r2 = train_regressor(a, b, epochs=50, rng=5)
    np.testing.assert_array_equal(r1.score(a), r2.score(a))
    perm = rng.permutation(40)
    np.testing.assert_allclose(r1.score(a[perm]), r1.score(a)[perm], rtol=1e-6)


def test_embedding_features():
    d = np.array([[[3.0, 1.0, 2.0], [0.5, 0.0, 0.25]]])
    np.testing.assert_array_equal(embedding_features(d), [[1, 2, 3, 0, 0.25, 0.5]])
    np.testing.assert_array_equal(embedding_features(d, sort=False), d.reshape(1, -1))
    np.testing.assert_array_equal(embedding_features(np.array([[2.0, 1.0]])), [[1.0, 2.0]])
    np.testing.assert_array_equal(embedding_features(_embedding(d)), embedding_features(d))


def test_bad_arguments():
    rng = np.random.default_rng(6)
    a, b = _distances(10, 2.0, rng), _distances(10, 1.0, rng)
    with pytest.raises(ValueError, match="non-negative"):
        embedding_features(-a)
    np.testing.assert_array_equal(embedding_features(-a, nonnegative=False, sort=False),
                                  -a.reshape(len(a), -1))
    with pytest.raises(ValueError, match="finite values"):
        embedding_features(np.full((2, 3), np.nan), nonnegative=False)
    with pytest.raises(ValueError, match="non-negative"):
        train_regressor(-a, b)  # log=True takes logarithms
    assert train_regressor(-a, -b, log=False, epochs=5, rng=0).score(-a).shape == (len(a),)
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_norms, n_columns\)"):
        embedding_features(np.ones(3))
    with pytest.raises(TypeError, match="Embedding or a numeric array"):
        embedding_features([["a"]])
    with pytest.raises(ValueError, match="'loss' parameter must be one of 'margin', 'bce'"):
        train_regressor(a, b, loss="mse")
    with pytest.raises(ValueError, match="'epochs' parameter must be an int >= 1. Got 0"):
        train_regressor(a, b, epochs=0)
    with pytest.raises(ValueError, match="'lr' parameter must be a positive number"):
        train_regressor(a, b, lr=-1.0)
    with pytest.raises(ValueError, match="'hidden' parameter must be an int >= 0. Got -1"):
        train_regressor(a, b, hidden=-1)
    with pytest.raises(ValueError, match="same number of features"):
        train_regressor(a, b[:, :2])
    with pytest.raises(ValueError, match="at least 2 private"):
        train_regressor(a[:1], b)
    reg = train_regressor(a, b, epochs=5, rng=0)
    with pytest.raises(ValueError, match="trained on 30"):
        reg.score(a[:, :2])
    with pytest.raises(TypeError, match="ConfidenceRegressor"):
        verify_dataset("regressor", a, b)
    with pytest.raises(ValueError, match=r"'m' parameter must be an int in \[2, 10\]"):
        verify_dataset(reg, a, b, m=11)
    with pytest.raises(TypeError, match="'m' parameter must be an int"):
        verify_dataset(reg, a, b, m=2.0)
    with pytest.raises(ValueError, match="'significance'"):
        verify_dataset(reg, a, b, significance=2)
