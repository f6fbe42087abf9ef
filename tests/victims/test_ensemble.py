import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from stealkit import Oracle
from stealkit.victims.ensemble import Ensemble


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 1)
    return X, y


def test_soft_vote_is_the_mean(data):
    X, y = data
    a = LogisticRegression().fit(X, y)
    b = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    ens = Ensemble([a, b])
    np.testing.assert_allclose(ens.predict_proba(X), (a.predict_proba(X) + b.predict_proba(X)) / 2)
    assert ens.n_features_in_ == 3 and ens.classes_.tolist() == [0, 1, 2]
    assert Oracle.from_sklearn(ens)(X[:4]).shape == (4, 3)


def test_hard_vote_counts_members(data):
    X, y = data
    models = [DecisionTreeClassifier(max_depth=d, random_state=0).fit(X, y) for d in (1, 2, 5)]
    ens = Ensemble(models, voting="hard")
    votes = np.stack([m.predict(X) for m in models])
    expected = np.stack([(votes == k).mean(0) for k in range(3)], axis=1)
    np.testing.assert_allclose(ens.predict_proba(X), expected)
    np.testing.assert_array_equal(ens.predict(X), expected.argmax(1))


def test_bad_members(data):
    X, y = data
    a = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="at least two"):
        Ensemble([a])
    with pytest.raises(TypeError, match="fitted classifier"):
        Ensemble([a, object()])
    with pytest.raises(ValueError, match="same classes_"):
        Ensemble([a, LogisticRegression().fit(X, y > 0)])
    with pytest.raises(ValueError, match="n_features_in_"):
        Ensemble([a, LogisticRegression().fit(X[:, :2], y)])
    with pytest.raises(ValueError, match="voting"):
        Ensemble([a, a], voting="median")
