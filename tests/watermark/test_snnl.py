import math

import numpy as np
import pytest
import torch

from stealkit.watermark import snnl


def naive_snnl(x, y, t, metric):
    """The paper's formula, one pair at a time (float64, no tricks)."""
    n = len(x)

    def dist(a, b):
        if metric == "euclidean":
            return sum((a[k] - b[k]) ** 2 for k in range(len(a)))
        na = math.sqrt(sum(v * v for v in a))
        nb = math.sqrt(sum(v * v for v in b))
        return 1 - sum(a[k] * b[k] for k in range(len(a))) / (na * nb)

    total = 0.0
    for i in range(n):
        num = sum(math.exp(-dist(x[i], x[j]) / t) for j in range(n) if j != i and y[j] == y[i])
        den = sum(math.exp(-dist(x[i], x[k]) / t) for k in range(n) if k != i)
        total += math.log(num / den)
    return -total / n


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("t", [0.3, 1.0, 7.0])
def test_value_and_gradients_match_a_double_loop(metric, t):
    rng = np.random.default_rng(0)
    x0, y = rng.normal(size=(9, 4)), np.array([0, 0, 1, 1, 1, 2, 2, 0, 1])
    x = torch.tensor(x0, requires_grad=True)
    temp = torch.tensor(t, dtype=torch.float64, requires_grad=True)
    value = snnl(x, y, temp, metric=metric)
    value.backward()
    assert value.item() == pytest.approx(naive_snnl(x0.tolist(), y, t, metric), rel=1e-10)
    # central differences of the naive loop
    h = 1e-6
    for i, k in [(0, 0), (3, 2), (8, 3)]:
        up, down = x0.copy(), x0.copy()
        up[i, k] += h
        down[i, k] -= h
        fd = (naive_snnl(up.tolist(), y, t, metric) - naive_snnl(down.tolist(), y, t, metric)) / (2 * h)
        assert x.grad[i, k].item() == pytest.approx(fd, rel=1e-5, abs=1e-8)
    fd_t = (naive_snnl(x0.tolist(), y, t + h, metric) - naive_snnl(x0.tolist(), y, t - h, metric)) / (2 * h)
    assert temp.grad.item() == pytest.approx(fd_t, rel=1e-5, abs=1e-8)


def test_torch_gradcheck_both_metrics():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    t = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    y = [0, 1, 0, 1, 1, 0]
    for metric in ("euclidean", "cosine"):
        assert torch.autograd.gradcheck(lambda a, b, m=metric: snnl(a, y, b, metric=m), (x, t))


def test_separated_groups_give_zero_and_entangled_give_more():
    a = torch.tensor([[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]])
    assert snnl(a, [0, 0, 1, 1], 1.0).item() == pytest.approx(0.0, abs=1e-12)
    assert snnl(a, [0, 1, 0, 1], 1.0).item() > 10


def test_identical_points_are_finite_with_zero_gradient():
    x = torch.ones(6, 3, dtype=torch.float64, requires_grad=True)
    y = [0, 0, 0, 1, 1, 1]
    value = snnl(x, y, 0.01)
    value.backward()
    # every other point is at distance 0: the ratio is (3 - 1) / (6 - 1)
    assert value.item() == pytest.approx(-math.log(2 / 5))
    assert torch.isfinite(x.grad).all() and x.grad.abs().max() < 1e-12  # rounding only
    xc = torch.ones(4, 2, requires_grad=True)
    snnl(xc, [0, 1, 0, 1], 1.0, metric="cosine").backward()
    assert torch.isfinite(xc.grad).all()


def test_one_group_is_exactly_zero():
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    value = snnl(x, [4] * 5, 2.0)
    value.backward()
    assert value.item() == 0.0 and torch.isfinite(x.grad).all()


def test_far_points_and_tiny_temperature_do_not_underflow():
    x = torch.tensor([[0.0], [1.0], [100.0], [101.0]], dtype=torch.float64, requires_grad=True)
    value = snnl(x, [0, 1, 0, 1], 1e-4)
    value.backward()
    # nearest neighbours are always of the other group: exp(-(99²-1²)/T) in the ratio
    assert np.isfinite(value.item()) and value.item() > 1e6
    assert torch.isfinite(x.grad).all()


def test_points_without_a_partner_are_left_out_of_the_mean():
    rng = np.random.default_rng(2)
    x0 = rng.normal(size=(5, 2))
    x = torch.tensor(x0, requires_grad=True)
    value = snnl(x, [0, 0, 1, 1, 2], 1.0)  # point 4 is alone in group 2
    value.backward()
    kept = naive_snnl(x0[:4].tolist(), [0, 0, 1, 1], 1.0, "euclidean")
    # the lone point still appears in the others' denominators, so recompute by hand
    assert np.isfinite(value.item()) and value.item() != pytest.approx(kept)
    assert torch.isfinite(x.grad).all()
    d = ((x0[:, None] - x0[None]) ** 2).sum(-1)
    terms = []
    for i, j in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        den = sum(np.exp(-d[i, k]) for k in range(5) if k != i)
        terms.append(-np.log(np.exp(-d[i, j]) / den))
    assert value.item() == pytest.approx(np.mean(terms))


def test_float32_on_many_points():
    x = torch.randn(200, 50, generator=torch.Generator().manual_seed(3))
    y = torch.arange(200) % 2
    v = snnl(x, y, 1.0, metric="cosine")
    assert v.dtype == torch.float32 and 0 < v.item() < 1
    # Single precision loses nothing that matters against the same sum in double.
    assert v.item() == pytest.approx(snnl(x.double(), y, 1.0, metric="cosine").item(), rel=1e-5)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.zeros((3, 2)), [0, 0, 1], 1.0), {}, TypeError, "'x' parameter must be a torch.Tensor"),
        ((torch.zeros(3), [0, 0, 1], 1.0), {}, ValueError, r"shape \(N, D\)"),
        ((torch.zeros(3, 2, dtype=torch.long), [0, 0, 1], 1.0), {}, ValueError, "floating-point"),
        ((torch.zeros(3, 2), [0, 1], 1.0), {}, ValueError, r"one group label per row of 'x', shape \(3,\)"),
        ((torch.zeros(3, 2), [0, 0, 1], 0.0), {}, ValueError, "'temperature' parameter must be a positive number. Got 0.0"),
        ((torch.zeros(3, 2), [0, 0, 1], -1), {}, ValueError, "positive number"),
        ((torch.zeros(3, 2), [0, 0, 1], "1"), {}, TypeError, "'temperature' parameter must be"),
        ((torch.zeros(3, 2), [0, 0, 1], torch.ones(2)), {}, ValueError, "scalar"),
        ((torch.zeros(3, 2), [0, 0, 1], 1.0), {"metric": "l1"}, ValueError, "'metric' parameter must be one of 'euclidean', 'cosine'. Got 'l1'"),
        ((torch.zeros(3, 2), [0, 1, 2], 1.0), {}, ValueError, "at least one pair of points in the same group"),
        ((torch.zeros(1, 2), [0], 1.0), {}, ValueError, "at least one pair"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        snnl(*args, **kwargs)
