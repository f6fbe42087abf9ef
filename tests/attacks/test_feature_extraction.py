import numpy as np
import pytest

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks.feature_extraction import (
    STAGES,
    ExtractedPipeline,
    PipelineExtractionResult,
    extract_pipeline,
)
from stealkit.victims import FeaturePipeline
from tests._pipelines import FEATURES, raw_data


@pytest.fixture(scope="module")
def pipeline():
    X, y = raw_data(2000)
    return FeaturePipeline(FEATURES, binned=["age", "hours"], n_bins=6).fit(X, y)


def test_recovers_bins_and_encoding(pipeline):
    oracle = Oracle.from_sklearn(pipeline, price_per_query=1e-4)
    result = extract_pipeline(oracle, features=FEATURES, epsilon=1e-3)
    assert isinstance(result, PipelineExtractionResult)
    assert result.encodings == pipeline.encodings_
    for name, true in pipeline.edges_.items():
        found = result.edges[name]
        low = next(f.low for f in FEATURES if f.name == name)
        true = true[true > low]  # an edge at the bottom of the range leaves an empty bin
        assert len(found) == len(true)
        assert np.all(found <= true) and np.all(true - found < 1e-3)  # within epsilon, below
    assert result.n_queries == oracle.n_queries == len(result.queries) == len(result.stage)
    assert result.cost == pytest.approx(result.n_queries * 1e-4)
    counts = result.queries_by_stage()
    assert set(counts) == set(STAGES) and sum(counts.values()) == result.n_queries
    assert counts["category"] == 2 and counts["base"] == 1
    # The extracted pipeline predicts like the victim, on real and on uniform inputs.
    X, _ = raw_data(3000, seed=1)
    assert isinstance(result.model, ExtractedPipeline)
    np.testing.assert_allclose(result.model.predict_proba(X), pipeline.predict_proba(X),
                               atol=1e-6)
    np.testing.assert_array_equal(result.model.predict(X), pipeline.predict(X))


def test_inputs_equal_to_an_edge_fall_in_the_victims_bin(pipeline):
    result = extract_pipeline(Oracle.from_sklearn(pipeline), features=FEATURES)
    X = np.repeat(np.array([[40.0, 1.0, 0.0, 40.0]]), len(pipeline.edges_["age"]), axis=0)
    X[:, 0] = pipeline.edges_["age"]
    np.testing.assert_allclose(result.model.predict_proba(X), pipeline.predict_proba(X),
                               atol=1e-6)


def test_all_linear_inputs_cost_four_probes_each():
    X, y = raw_data(500)
    victim = FeaturePipeline(FEATURES, binned=[]).fit(X, y)
    result = extract_pipeline(Oracle.from_sklearn(victim), features=FEATURES)
    assert set(result.encodings.values()) == {"linear", "one-hot"}
    assert result.n_queries == 1 + 3 * 4 + 2


def test_budget_stops_the_attack(pipeline):
    oracle = Oracle.from_sklearn(pipeline, budget=30)
    with pytest.raises(QueryBudgetExceeded):
        extract_pipeline(oracle, features=FEATURES)
    assert oracle.n_queries <= 30


BAD = [
    (dict(features=FEATURES[:3]), ValueError, "'features'.*each of the oracle's 4"),
    (dict(features=5), TypeError, "'features'"),
    (dict(features=(1, 2, 3, 4)), ValueError, "must have kind 'continuous' or 'categorical'"),
    (dict(epsilon=0.0), ValueError, "'epsilon'"),
    (dict(n_grid=1), ValueError, "'n_grid'"),
    (dict(tol=-1.0), ValueError, "'tol'"),
]


@pytest.mark.parametrize("bad, error, match", BAD)
def test_bad_arguments_cost_nothing(pipeline, bad, error, match):
    oracle = Oracle.from_sklearn(pipeline)
    kwargs = dict(features=FEATURES)
    kwargs.update(bad)
    with pytest.raises(error, match=match):
        extract_pipeline(oracle, **kwargs)
    assert oracle.n_queries == 0


def test_rounded_answers_are_refused(pipeline):
    oracle = Oracle.from_sklearn(pipeline, decimals=1)
    X, _ = raw_data(200)
    if np.any(np.round(pipeline.predict_proba(X), 1) == 0):
        with pytest.raises(ValueError, match="exactly 0"):
            extract_pipeline(oracle, features=FEATURES)
