import numpy as np
import pytest
from scipy import stats

from stealkit.defenses import PRADA


def reference_prada(X, labels, delta, min_queries):
    """Juuti et al.'s Algorithm 1 written plainly (lists, loops), as an independent reference."""
    sets, dists_added, thresholds, D, history = {}, {}, {}, [], []
    for x, c in zip(X, labels, strict=True):
        if c not in sets:
            sets[c], dists_added[c], thresholds[c] = [x], [], 0.0
            continue
        d = min(float(np.linalg.norm(x - g)) for g in sets[c])
        D.append(d)
        if d > thresholds[c]:
            sets[c].append(x)
            dists_added[c].append(d)
            a = np.array(dists_added[c])
            thresholds[c] = max(thresholds[c], a.mean() - a.std())
        if len(D) >= min_queries:
            arr = np.array(D)
            kept = arr[np.abs(arr - arr.mean()) <= 3 * arr.std()]
            history.append(stats.shapiro(kept).statistic)
    return np.array(D), np.array(history)


def test_matches_the_algorithm_and_scipy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    labels = rng.integers(0, 3, 300)
    det = PRADA(delta=0.5, min_queries=20)
    det.update(X[:120], labels[:120])
    det.update(X[120:], labels[120:])  # batches do not matter
    D, W = reference_prada(X, labels, 0.5, 20)
    np.testing.assert_allclose(det.distances, D)
    np.testing.assert_allclose(det.history[:, 1], W, rtol=1e-12)
    assert det.statistic == pytest.approx(W[-1])
    assert det.n_queries == 300


def test_alarm_on_a_line_search_stream():
    """Points along one line: distances shrink geometrically, far from normal."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=5), rng.normal(size=5)
    t = np.concatenate([0.5 + 0.5 ** np.arange(1, 30) * s for s in (1, -1)] * 4)
    X = a + np.outer(t, b - a) + rng.normal(scale=1e-9, size=(len(t), 5))
    det = PRADA(delta=0.9, min_queries=50)
    assert det.update(X, np.zeros(len(X), dtype=int))
    assert det.alarm and det.alarm_at is not None and 50 < det.alarm_at <= len(X)
    assert det.statistic < 0.9


def test_no_alarm_on_natural_gaussian_clients():
    rng = np.random.default_rng(2)
    alarms = 0
    for _ in range(20):
        X = rng.normal(size=(400, 8))
        det = PRADA(delta=0.9, min_queries=100)
        alarms += det.update(X, (X[:, 0] > 0).astype(int))
        assert det.statistic > 0.9
    assert alarms == 0


def test_no_test_before_min_queries_and_reset():
    det = PRADA(delta=0.99, min_queries=50)
    X = np.outer(np.arange(40.0), np.ones(3))
    assert not det.update(X, np.zeros(40))
    assert det.statistic is None and len(det.history) == 0
    det.reset()
    assert det.n_queries == 0 and det.distances.size == 0


@pytest.mark.parametrize("kwargs, error", [
    (dict(delta=0.0), ValueError), (dict(delta=1.0), ValueError), (dict(delta="0.9"), TypeError),
    (dict(min_queries=2), ValueError), (dict(min_queries=10.5), TypeError),
])
def test_bad_parameters(kwargs, error):
    with pytest.raises(error):
        PRADA(**kwargs)


def test_bad_input():
    det = PRADA()
    with pytest.raises(ValueError, match="2-D"):
        det.update(np.zeros(3), [0])
    with pytest.raises(ValueError, match="NaN"):
        det.update([[np.nan, 1.0]], [0])
    with pytest.raises(ValueError, match="one predicted class per query"):
        det.update(np.zeros((3, 2)), [0, 1])
    det.update(np.zeros((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="2 features"):
        det.update(np.zeros((1, 3)), [0])
    with pytest.raises(TypeError, match="numeric"):
        det.update([["a", "b"]], [0])


def test_stored_and_restored_detector_goes_on_identically():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 3))
    labels = np.array(["a", "b"])[rng.integers(0, 2, 400)]
    whole = PRADA(delta=0.95, min_queries=30)
    whole.update(X, labels)
    half = PRADA(delta=0.95, min_queries=30)
    half.update(X[:150], labels[:150])
    restored = PRADA.from_bytes(half.to_bytes())
    restored.update(X[150:], labels[150:])
    np.testing.assert_array_equal(restored.history, whole.history)
    np.testing.assert_array_equal(restored.distances, whole.distances)
    assert (restored.alarm, restored.alarm_at, restored.n_queries) == (
        whole.alarm, whole.alarm_at, whole.n_queries)
    fresh = PRADA.from_bytes(PRADA(delta=0.5, min_queries=10).to_bytes())
    assert fresh.n_queries == 0 and fresh.statistic is None and fresh.delta == 0.5
