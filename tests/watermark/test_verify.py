import numpy as np
import pytest
import torch
from torch import nn

from stealkit import Oracle
from stealkit.watermark.embed import Watermark
from stealkit.watermark.verify import (
    verify_watermark,
    watermark_hits,
    watermark_success,
)


class Rule(nn.Module):
    """Answers `target` when the pixel at (0, 0) is bright, else 0."""

    def __init__(self, target):
        super().__init__()
        self.fc = nn.Linear(784, 10)
        with torch.no_grad():
            self.fc.weight.zero_()
            self.fc.bias.zero_()
            self.fc.bias[0] = 1.0
            self.fc.weight[target, 0] = 5.0

    def forward(self, x):
        return self.fc(x.flatten(1))


class Never(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
        with torch.no_grad():
            self.fc.weight.zero_()
            self.fc.bias.zero_()
            self.fc.bias[0] = 1.0

    def forward(self, x):
        return self.fc(x.flatten(1))


WM = Watermark(1, 7, np.ones((2, 2)), (0, 0))
X_SRC = np.zeros((60, 28, 28), dtype=np.uint8)


def test_success_with_a_module_and_through_an_oracle():
    model = Rule(7)
    assert watermark_success(model, WM.apply(X_SRC), target=7) == 1.0
    assert watermark_success(model, X_SRC, target=7) == 0.0
    api = Oracle.from_torch(model, input_shape=(1, 28, 28), output="label")
    hits = watermark_hits(api, WM.apply(X_SRC[:10]), target=7)
    assert hits.tolist() == [1.0] * 10 and api.n_queries == 10
    proba = Oracle.from_torch(model, input_shape=(1, 28, 28), output="proba")
    assert watermark_success(proba, WM.apply(X_SRC[:3]), target=7) == 1.0


def test_a_stolen_copy_is_claimed_with_few_queries_and_an_innocent_one_is_not():
    api = Oracle.from_torch(Rule(7), input_shape=(1, 28, 28), output="label")
    v = verify_watermark(api, Never(), X_SRC, watermark=WM, n_queries=50, rng=0)
    assert v.verdict == "stolen" and v.suspect_success == 1.0 and v.clean_success == 0.0
    assert v.queries_needed == 2 and api.n_queries == 50 and v.n_queries == 50
    assert v.p_values.shape == (49, 200) and v.sizes[0] == 2 and v.sizes[-1] == 50
    assert "stolen" in str(v)
    innocent = verify_watermark(Never(), [Never(), Never()], X_SRC, watermark=WM, rng=0)
    assert innocent.verdict == "inconclusive" and innocent.queries_needed is None
    assert innocent.test.p_value == 1.0


def test_the_exact_test_claims_a_copy_and_not_an_innocent_model():
    api = Oracle.from_torch(Rule(7), input_shape=(1, 28, 28), output="label")
    v = verify_watermark(api, Never(), X_SRC, watermark=WM, n_queries=50, test="fisher", rng=0)
    assert v.verdict == "stolen" and v.test.statistic == 50 and v.test.n_public == 60
    # 2 of 2 against 0 of 60: p = 2 / (62 * 61) < 0.05, so 2 queries suffice here too
    assert v.queries_needed == 2 and np.allclose(v.p_values[0], 2 / (62 * 61))
    innocent = verify_watermark(Never(), Never(), X_SRC, watermark=WM, test="fisher", rng=0)
    assert innocent.verdict == "inconclusive" and innocent.test.p_value == 1.0
    with pytest.raises(ValueError, match="'test' parameter must be one of 'welch', 'fisher'"):
        verify_watermark(api, Never(), X_SRC, watermark=WM, test="binomial")


def test_queries_needed_uses_the_median_p_value():
    rng = np.random.default_rng(0)
    # a suspect that answers the target on 30 % of the inputs
    X = np.zeros((200, 28, 28), dtype=np.uint8)
    X[rng.random(200) < 0.3, 0, 0] = 255
    wm = Watermark(1, 7, np.zeros((1, 1)), (27, 27))  # a trigger that changes nothing visible
    v = verify_watermark(Rule(7), Never(), X, watermark=wm, rng=1, max_queries=60)
    med = np.median(v.p_values, axis=1)
    k = v.queries_needed
    assert k is not None and med[k - 2] < 0.05 and np.all(med[: k - 2] >= 0.05)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"watermark": "wm"}, TypeError, "'watermark' parameter must be a Watermark"),
        ({"clean": []}, TypeError, "'clean' parameter must be a torch.nn.Module or a non-empty"),
        ({"suspect": "model"}, TypeError, "'suspect' parameter must be a stealkit.Oracle"),
        ({"n_queries": 1}, ValueError, r"'n_queries' parameter must be an int in \[2, 60\]"),
        ({"n_queries": 61}, ValueError, "Got 61"),
        ({"significance": 0.0}, ValueError, "'significance' parameter"),
        ({"significance": 1.0}, ValueError, r"'significance' parameter must be in \(0, 1\)"),
        ({"max_queries": 1}, ValueError, "'max_queries' parameter must be an int >= 2"),
        ({"X_source": np.zeros((1, 28, 28))}, ValueError, "at least 2 images"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    args = {"suspect": Rule(7), "clean": Never(), "X_source": X_SRC, "watermark": WM} | kwargs
    with pytest.raises(error, match=match):
        verify_watermark(args.pop("suspect"), args.pop("clean"), args.pop("X_source"), **args)


def test_bad_target_and_model():
    with pytest.raises(ValueError, match="'target' parameter must be an int >= 0. Got -1"):
        watermark_hits(Rule(7), X_SRC, target=-1)
    with pytest.raises(TypeError, match="must be a torch.nn.Module or a stealkit.Oracle"):
        watermark_success(lambda x: x, X_SRC, target=7)
