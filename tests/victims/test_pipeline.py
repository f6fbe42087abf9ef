import numpy as np
import pytest

from stealkit.victims import FeaturePipeline
from tests._pipelines import FEATURES, raw_data


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
