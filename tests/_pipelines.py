"""The mixed-type raw data set and its feature descriptions behind the pipeline victims' tests."""

import numpy as np

from stealkit.datasets import Feature

FEATURES = (
    Feature("age", "continuous", low=18.0, high=90.0),
    Feature("colour", "categorical", values=("red", "green", "blue")),
    Feature("score", "continuous", low=-5.0, high=5.0),
    Feature("hours", "continuous", low=0.0, high=99.0),
)


def raw_data(n, seed=0):
    """``n`` raw rows of FEATURES and a 3-class label from a noisy linear score."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([
        rng.gamma(4.0, 8.0, n).clip(18, 90),
        rng.integers(0, 3, n),
        rng.uniform(-5, 5, n),
        rng.normal(40, 12, n).clip(0, 99).round(),
    ])
    logit = 0.05 * (X[:, 0] - 40) + (X[:, 1] == 2) - 0.4 * X[:, 2] + 0.03 * (X[:, 3] - 40)
    y = np.digitize(logit + rng.normal(0, 0.5, n), [-0.5, 0.7])
    return X, y
