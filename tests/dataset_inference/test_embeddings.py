import numpy as np
import pytest
import torch

from stealkit.dataset_inference import blind_walk, mingd
from stealkit.dataset_inference.embeddings import Embedding
from stealkit.oracle import Oracle

DUAL = {"l1": np.inf, "l2": 2, "linf": 1}  # the Lp distance to a hyperplane is |m| / ‖w‖_q


def _linear(d=12, seed=0):
    """A 2-class linear model in float64 and its boundary: class 1 iff w·x + b > 0."""
    g = torch.Generator().manual_seed(seed)
    model = torch.nn.Linear(d, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, d, generator=g, dtype=torch.float64))
        model.bias.copy_(torch.randn(2, generator=g, dtype=torch.float64) * 0.1)
    w = (model.weight[1] - model.weight[0]).detach().numpy()
    b = float((model.bias[1] - model.bias[0]).detach())
    return model, w, b


def _points(n, d, seed=1, scale=0.3):
    return np.random.default_rng(seed).normal(0, scale, (n, d))


def _tiny_cnn(seed=0, n_classes=3):
    g = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16, n_classes),
    )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model


# --------------------------------------------------------------------------- MinGD
def _near_boundary(w, b, n, seed=1):
    """Points whose margins w·x + b lie in ±[0.2, 1] (of both signs), with their margins."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.3, (n, len(w)))
    m = rng.uniform(0.2, 1.0, n) * rng.choice([-1, 1], n)
    X += ((m - (X @ w + b)) / (w @ w))[:, None] * w
    return X, X @ w + b


def test_mingd_matches_the_analytic_distance_to_a_hyperplane():
    model, w, b = _linear()
    X, m = _near_boundary(w, b, 20)
    y = (m > 0).astype(int)
    exact = {n: np.abs(m) / np.linalg.norm(w, q) for n, q in DUAL.items()}
    steps = {n: exact[n].max() / 60 for n in DUAL}  # at most ~60 steps per descent
    e = mingd(model, X, y, step_sizes=steps, l1_top_k=1, max_steps=100, progress=False)
    assert e.distances.shape == (20, 3, 2) and e.norms == ("l1", "l2", "linf")
    assert not e.censored.any()
    rows = np.arange(20)
    for a, norm in enumerate(e.norms):
        got = e.distances[rows, a, 1 - y]
        # the first step past the boundary: within one step of the exact distance, never below
        assert np.all(got >= exact[norm] - 1e-9), norm
        assert np.all(got < exact[norm] + steps[norm] + 1e-9), norm
        np.testing.assert_array_equal(e.distances[rows, a, y], 0.0)
    # one forward pass per step and one at the start of each descent, plus the labelling pass
    assert e.n_queries == 20 + int(e.steps.sum()) + e.steps[rows, :, 1 - y].size


def test_mingd_l1_top_k_moves_k_coordinates_per_step():
    model, w, b = _linear(seed=3)
    X, m = _near_boundary(w, b, 10, seed=4)
    y = (m > 0).astype(int)
    k = 3
    # one unit of L1 mass spread over the top k |w|: the boundary is |m|·k / Σ_topk |w| away
    expected = np.abs(m) * k / np.sort(np.abs(w))[-k:].sum()
    alpha = expected.max() / 60
    e = mingd(model, X, y, norms="l1", step_sizes={"l1": alpha}, l1_top_k=k, max_steps=100,
              progress=False)
    got = e.distances[np.arange(10), 0, 1 - y]
    assert np.all(got >= expected - 1e-9) and np.all(got < expected + alpha + 1e-9)


def test_mingd_default_labels_misclassified_samples_and_clip():
    model, w, b = _linear()
    X = _points(6, 12)
    pred = (X @ w + b > 0).astype(int)
    own = mingd(model, X, norms=("linf",), max_steps=50, progress=False)
    given = mingd(model, X, pred, norms=("linf",), max_steps=50, progress=False)
    np.testing.assert_array_equal(own.distances, given.distances)
    # a wrong label: the model already predicts the other class, at distance 0
    wrong = mingd(model, X, 1 - pred, norms=("l2",), max_steps=5, progress=False)
    np.testing.assert_array_equal(wrong.distances, 0.0)
    # a box that pins every coordinate at 0 keeps the input at 0: the descent never arrives
    zero = np.zeros((2, 12))
    label = int(b > 0)
    pinned = mingd(model, zero, [label] * 2, norms=("l2",), max_steps=3, clip=(-1e-9, 1e-9),
                   progress=False)
    assert pinned.censored[:, 0, 1 - label].all() and pinned.steps[:, 0, 1 - label].max() == 3


def test_mingd_rows_follow_the_samples_on_a_small_cnn():
    model = _tiny_cnn()
    X = torch.rand(7, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    kw = dict(max_steps=12, step_sizes={"l1": 2.0, "l2": 0.2, "linf": 0.03}, progress=False)
    e = mingd(model, X, y, **kw)
    assert e.distances.shape == (7, 3, 3)
    perm = np.array([3, 6, 0, 5, 1, 4, 2])
    p = mingd(model, X[perm], y[perm], batch_size=4, **kw)
    np.testing.assert_allclose(p.distances, e.distances[perm], rtol=1e-5)
    np.testing.assert_array_equal(p.censored, e.censored[perm])


# --------------------------------------------------------------------------- Blind Walk
def test_blind_walk_steps_match_each_directions_crossing_of_the_hyperplane():
    model, w, b = _linear()
    X = _points(30, 12)
    m = X @ w + b
    y = (m > 0).astype(int)
    max_steps = 40
    scales = {"l1": 0.05, "l2": 0.05, "linf": 0.05}
    e = blind_walk(model, X, y, scales=scales, max_steps=max_steps, rng=0, progress=False)
    assert e.distances.shape == (30, 3, 10) and e.directions.shape == (3, 10, 12)
    sign = np.where(y == 1, 1.0, -1.0)  # the label changes when sign·(m + k·w·δ) <= 0
    for a, norm in enumerate(e.norms):
        delta = e.directions[a]  # (10, 12)
        rate = sign[:, None] * (delta @ w)[None, :]  # margin change per step, towards the label
        with np.errstate(divide="ignore"):
            k_star = np.where(rate < 0, np.abs(m)[:, None] / -rate, np.inf)
        k = np.ceil(k_star - 1e-12)
        censored = k > max_steps
        np.testing.assert_array_equal(e.censored[:, a], censored)
        np.testing.assert_array_equal(e.steps[:, a][~censored], k[~censored])
        step_norm = np.linalg.norm(delta, {"l1": 1, "l2": 2, "linf": np.inf}[norm], axis=1)
        np.testing.assert_allclose(e.distances[:, a], e.steps[:, a] * step_norm[None], rtol=1e-6)
        # every walk that crosses is at least the Lp distance to the hyperplane away
        exact = np.abs(m) / np.linalg.norm(w, DUAL[norm])
        assert np.all(e.distances[:, a][~censored] >= np.broadcast_to(exact[:, None],
                                                                       k.shape)[~censored] - 1e-9)
    assert e.steps[e.censored].min() == max_steps + 1
    assert e.n_queries == int(np.minimum(e.steps, max_steps).sum())


def test_blind_walk_noise_distributions():
    X = np.zeros((1, 20_000))
    model = torch.nn.Linear(20_000, 2)
    e = blind_walk(model, X, [0], n_directions=2, max_steps=1, rng=0, progress=False,
                   scales={"l1": 0.01, "l2": 0.005, "linf": 0.005})
    l1, l2, linf = e.directions
    assert np.abs(linf).max() <= 0.005 and np.abs(linf).mean() == pytest.approx(0.0025, rel=0.02)
    assert l2.std() == pytest.approx(0.005, rel=0.02)
    assert np.abs(l1).mean() == pytest.approx(0.01, rel=0.02)  # Laplace: E|x| = scale


def test_blind_walk_one_row_per_sample_whatever_the_order_and_batches():
    model = _tiny_cnn(seed=1)
    X = torch.rand(9, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    y = np.arange(9) % 3
    kw = dict(n_directions=4, max_steps=25, scales={"l1": 0.05, "l2": 0.05, "linf": 0.05},
              rng=7, progress=False)
    e = blind_walk(model, X, y, **kw)
    perm = np.random.default_rng(0).permutation(9)
    p = blind_walk(model, X[perm], y[perm], batch_size=5, **kw)
    np.testing.assert_array_equal(p.steps, e.steps[perm])
    np.testing.assert_array_equal(p.distances, e.distances[perm])
    # one sample alone gets the same row as in the crowd
    one = blind_walk(model, X[4:5], y[4:5], batch_size=3, **kw)
    np.testing.assert_array_equal(one.distances[0], e.distances[4])
    assert isinstance(e[perm], Embedding) and np.array_equal(e[perm].distances, p.distances)
    assert e.features.shape == (9, 12)
    np.testing.assert_array_equal(e.features[2], e.distances[2].ravel())
    # the same rng gives the same walks, another rng other ones
    np.testing.assert_array_equal(blind_walk(model, X, y, **kw).steps, e.steps)
    assert not np.array_equal(blind_walk(model, X, y, **{**kw, "rng": 8}).directions,
                              e.directions)


def test_blind_walk_through_a_label_only_oracle_counts_queries():
    model, w, b = _linear()
    X = _points(12, 12)
    kw = dict(norms=("l2", "linf"), n_directions=3, max_steps=20, rng=1, progress=False,
              scales={"l2": 0.05, "linf": 0.05})
    direct = blind_walk(model, X, **kw)  # labels: the model's own predictions
    oracle = Oracle.from_torch(model, n_features=12, output="label")
    e = blind_walk(oracle, X, **kw)
    np.testing.assert_array_equal(e.steps, direct.steps)
    assert e.n_queries == oracle.n_queries == direct.n_queries
    assert e.n_queries == 12 + int(np.minimum(e.steps, 20).sum())
    assert e.distances.shape == (12, 2, 3) and e.norms == ("l2", "linf")
    # a probability oracle with named classes: its top class, compared with named labels
    named = Oracle.from_torch(model, n_features=12, output="proba", classes=["no", "yes"])
    pred = model(torch.as_tensor(X)).argmax(1).numpy()
    e = blind_walk(named, X, np.array(["no", "yes"])[pred], **kw)
    np.testing.assert_array_equal(e.steps, direct.steps)


# --------------------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(norms=("l3",)), ValueError, "'norms'"),
        (dict(norms=("l2", "l2")), ValueError, "distinct"),
        (dict(norms=()), ValueError, "'norms'"),
        (dict(max_steps=0), ValueError, "'max_steps' parameter must be an int >= 1. Got 0"),
        (dict(max_steps=2.5), TypeError, "'max_steps'"),
        (dict(clip=(1, 0)), ValueError, "'clip'"),
        (dict(clip="box"), ValueError, "'clip'"),
        (dict(batch_size=0), ValueError, "'batch_size'"),
        (dict(device="gpu:x"), ValueError, "'device'"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    model, _, _ = _linear()
    X = _points(3, 12)
    for fn in (mingd, blind_walk):
        with pytest.raises(error, match=match):
            fn(model, X, [0, 1, 0], progress=False, **kwargs)


def test_bad_arguments_specific_to_each():
    model, _, _ = _linear()
    X = _points(3, 12)
    with pytest.raises(ValueError, match=r"'step_sizes\['l2'\]' parameter must be a positive"):
        mingd(model, X, step_sizes={"l2": -1.0}, progress=False)
    with pytest.raises(ValueError, match="not norms"):
        mingd(model, X, step_sizes={"l4": 1.0}, progress=False)
    with pytest.raises(ValueError, match="'l1_top_k'"):
        mingd(model, X, l1_top_k=0, progress=False)
    with pytest.raises(TypeError, match="MinGD needs gradients"):
        mingd(Oracle.from_torch(model, n_features=12, output="label"), X, progress=False)
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        mingd(model, X, [0, 1, 2], progress=False)
    with pytest.raises(ValueError, match="'n_directions'"):
        blind_walk(model, X, n_directions=0, progress=False)
    with pytest.raises(TypeError, match="'scales' parameter must be a dict"):
        blind_walk(model, X, scales=0.1, progress=False)
    with pytest.raises(TypeError, match="torch.nn.Module or a stealkit Oracle"):
        blind_walk(lambda x: x, X, progress=False)
    with pytest.raises(ValueError, match=r"one label per sample, shape \(3,\)"):
        blind_walk(model, X, [0, 1], progress=False)
    with pytest.raises(ValueError, match="at least one sample"):
        blind_walk(model, np.zeros((0, 12)), progress=False)
    with pytest.raises(ValueError, match="NaN"):
        blind_walk(model, np.full((2, 12), np.nan), progress=False)
