import math

import numpy as np
import pytest

from stealkit import Oracle
from stealkit.attacks import extract_logistic
from stealkit.victims.private import train_private_softmax


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 5))
    y = (X @ np.array([2.0, -1.0, 0.5, 0.0, 1.0]) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("epsilon", [0.5, 2.0, 8.0])
def test_spends_the_epsilon_asked(data, epsilon):
    X, y = data
    model = train_private_softmax(X, y, epsilon=epsilon, epochs=5, rng=0)
    assert 0.97 * epsilon <= model.epsilon_ <= epsilon * 1.001
    assert model.delta_ == pytest.approx(1 / 400**1.1)
    assert model.noise_multiplier_ > 0


def test_less_privacy_less_noise(data):
    X, y = data
    noise = [train_private_softmax(X, y, epsilon=e, epochs=5, rng=0).noise_multiplier_
             for e in (0.5, 2.0, 8.0)]
    assert noise[0] > noise[1] > noise[2]
    assert train_private_softmax(X, y, epsilon=math.inf, epochs=5, rng=0).noise_multiplier_ == 0


def test_repeatable_and_extracted_exactly(data):
    """DP protects the training data, not the model: d + 1 queries recover it."""
    X, y = data
    a = train_private_softmax(X, y, epsilon=1.0, epochs=5, rng=3)
    b = train_private_softmax(X, y, epsilon=1.0, epochs=5, rng=3)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.coef_.shape == (1, 5) and a.predict_proba(X).shape == (400, 2)
    stolen = extract_logistic(Oracle.from_sklearn(a), n_features=5, rng=0)
    np.testing.assert_allclose(stolen.model.coef_, a.coef_, atol=1e-8)
    np.testing.assert_allclose(stolen.model.intercept_, a.intercept_, atol=1e-8)


def test_multiclass_probabilities(data):
    X, _ = data
    y = np.digitize(X[:, 0], [-0.3, 0.3])
    m = train_private_softmax(X, y, epsilon=math.inf, epochs=20, rng=0)
    P = m.predict_proba(X)
    assert m.coef_.shape == (3, 5)
    np.testing.assert_allclose(P.sum(1), 1.0)
    assert (m.predict(X) == y).mean() > 0.8


@pytest.mark.parametrize("kwargs, error", [
    (dict(epsilon=0), ValueError), (dict(epsilon=-1), ValueError), (dict(epsilon="1"), TypeError),
    (dict(epsilon=1, delta=1.5), ValueError), (dict(epsilon=1, epochs=0), ValueError),
    (dict(epsilon=1, max_grad_norm=0), ValueError),
])
def test_bad_parameters(data, kwargs, error):
    X, y = data
    with pytest.raises(error):
        train_private_softmax(X, y, **kwargs)
