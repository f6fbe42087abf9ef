import numpy as np
import pytest
import torch
from torch import nn

import stealkit as sk
from stealkit.attacks import adversarial_success, fgsm, pgd

W = np.array([[2.0, -1.0, 0.5, 0.0], [-1.0, 1.5, 0.0, 1.0], [0.0, 0.0, -2.0, 1.0]])
B = np.array([0.1, -0.2, 0.3])


def linear():
    model = nn.Linear(4, 3).double()
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(W))
        model.bias.copy_(torch.from_numpy(B))
    return model


def softmax(X):
    z = X @ W.T + B
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.fixture
def data():
    X = np.random.default_rng(0).uniform(0.2, 0.8, (50, 4))
    return X, softmax(X).argmax(1)


def test_fgsm_is_the_sign_of_the_analytic_gradient(data):
    X, y = data
    # d CE / dx = (p − onehot(y)) W for a linear softmax model
    grad = (softmax(X) - np.eye(3)[y]) @ W
    expected = np.clip(X + 0.1 * np.sign(grad), 0, 1)
    np.testing.assert_allclose(fgsm(linear().float(), X, epsilon=0.1, y=y), expected, atol=1e-6)
    target = (y + 1) % 3
    grad_t = (softmax(X) - np.eye(3)[target]) @ W
    np.testing.assert_allclose(fgsm(linear().float(), X, epsilon=0.1, target=target),
                               np.clip(X - 0.1 * np.sign(grad_t), 0, 1), atol=1e-6)


def test_pgd_with_one_full_step_is_fgsm(data):
    X, y = data
    model = linear().float()
    np.testing.assert_allclose(
        pgd(model, X, epsilon=0.1, y=y, n_steps=1, step_size=0.1, random_start=False),
        fgsm(model, X, epsilon=0.1, y=y), atol=1e-6)


def test_pgd_stays_in_the_ball_and_the_box(data):
    X, y = data
    X = X.copy()
    X[:5] = 0.0  # pixels at the edge of [0, 1]
    adv = pgd(linear().float(), X, epsilon=0.15, y=y, n_steps=10, rng=0)
    assert np.abs(adv - X).max() <= 0.15 + 1e-6
    assert adv.min() >= 0 and adv.max() <= 1
    assert np.array_equal(adv, pgd(linear().float(), X, epsilon=0.15, y=y, n_steps=10, rng=0))


def test_white_box_pgd_beats_fgsm_and_noise(data):
    X, y = data
    o = sk.Oracle(softmax, n_features=4, output="proba")
    model = linear().float()
    strong = adversarial_success(o, pgd(model, X, epsilon=0.3, y=y, rng=0), y=y)
    weak = adversarial_success(o, fgsm(model, X, epsilon=0.3, y=y), y=y)
    noise = np.clip(X + 0.3 * np.random.default_rng(0).choice([-1, 1], X.shape), 0, 1)
    assert strong >= weak > adversarial_success(o, noise, y=y)
    assert o.n_queries == 3 * len(X)


def test_success_counts_by_hand():
    o = sk.Oracle(lambda X: (X[:, 0] > 0.5).astype(int), n_features=2, output="label")
    X = np.array([[0.9, 0.0], [0.1, 0.0], [0.7, 0.0], [0.2, 0.0]])
    assert adversarial_success(o, X, y=np.array([0, 0, 1, 0])) == pytest.approx(0.25)  # row 0
    assert adversarial_success(o, X, y=np.array([0, 0, 0, 0])) == pytest.approx(0.5)  # rows 0, 2
    assert adversarial_success(o, X, target=np.array([1, 1, 1, 1])) == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, ValueError, "exactly one"),
    ({"y": [0] * 3, "target": [1] * 3}, ValueError, "exactly one"),
    ({"y": [0, 1]}, ValueError, "3 integer labels"),
    ({"y": [0.5] * 3}, ValueError, "integer labels"),
])
def test_bad_goals(kwargs, error, match):
    with pytest.raises(error, match=match):
        fgsm(linear().float(), np.full((3, 4), 0.5), epsilon=0.1, **kwargs)


@pytest.mark.parametrize("X, epsilon, match", [
    (np.full((3, 4), 1.5), 0.1, r"\[0, 1\]"),
    (np.full((3, 4), np.nan), 0.1, r"finite"),
    (np.full((3, 4), 0.5), 0.0, "epsilon"),
    (np.full((3, 4), 0.5), 2.0, "epsilon"),
    (np.empty((0, 4)), 0.1, "n >= 1"),
])
def test_bad_inputs(X, epsilon, match):
    with pytest.raises(ValueError, match=match):
        pgd(linear().float(), X, epsilon=epsilon, y=[0] * len(X))


def test_model_and_oracle_types():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        fgsm("model", np.full((3, 4), 0.5), epsilon=0.1, y=[0, 0, 0])
    score = sk.Oracle(lambda X: X[:, :1], n_features=4, output="score")
    with pytest.raises(ValueError, match="output='label'"):
        adversarial_success(score, np.full((3, 4), 0.5), y=[0, 0, 0])


def test_a_float64_model_works_and_gives_float32_images(data):
    X, y = data
    grad = (softmax(X) - np.eye(3)[y]) @ W
    adv = fgsm(linear(), X, epsilon=0.1, y=y)  # the model in float64
    assert adv.dtype == np.float32
    np.testing.assert_allclose(adv, np.clip(X + 0.1 * np.sign(grad), 0, 1), atol=1e-6)
    assert pgd(linear(), X, epsilon=0.1, y=y, n_steps=2, rng=0).dtype == np.float32
