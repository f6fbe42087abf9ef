import numpy as np
import pytest

from stealkit.datasets import Feature
from stealkit.victims import FeaturePipeline

FEATURES = (
    Feature("age", "continuous", low=18.0, high=90.0),
    Feature("colour", "categorical", values=("red", "green", "blue")),
    Feature("score", "continuous", low=-5.0, high=5.0),
    Feature("hours", "continuous", low=0.0, high=99.0),
)


def raw_data(n, seed=0):
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


@pytest.fixture(scope="module")
def pipeline():
    X, y = raw_data(2000)
    return FeaturePipeline(FEATURES, binned=["age", "hours"], n_bins=6).fit(X, y)


def test_victim_pipeline_layout(pipeline):
    assert pipeline.encodings_ == {"age": "quantile", "colour": "one-hot", "score": "linear",
                                   "hours": "quantile"}
    assert set(pipeline.edges_) == {"age", "hours"}
    X, _ = raw_data(5)
    widths = 3 + 1 + sum(len(e) + 1 for e in pipeline.edges_.values())
    assert pipeline.transform(X).shape == (5, widths)
    with pytest.raises(ValueError, match="'binned'"):
        FeaturePipeline(FEATURES, binned=["colour"]).fit(X, np.arange(5) % 2)
