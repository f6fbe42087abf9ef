"""stealkit._torch: the one Training record, predict_labels and label_accuracy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from stealkit._torch import Training, label_accuracy, predict_labels


class _Pick(nn.Module):
    """Logits that make the label of a row its first feature (a known answer)."""

    def forward(self, x):
        return nn.functional.one_hot(x[:, 0].long(), 3).float()


def test_predict_labels_and_accuracy_batch_by_batch():
    X = torch.tensor([[0.0], [1.0], [2.0], [1.0], [0.0]])
    model = _Pick()
    np.testing.assert_array_equal(predict_labels(model, X, batch_size=2), [0, 1, 2, 1, 0])
    assert label_accuracy(model, X, [0, 1, 2, 0, 0], batch_size=3) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="shape"):
        label_accuracy(model, X, [0, 1])


def test_training_record_and_its_repr():
    t = Training(model=_Pick(), losses=np.array([1.0, 0.25]), epochs=2, n_samples=1000,
                 seconds=3.2, device="cpu", n_queries=4000, threat_model="A_Q label-query")
    assert repr(t) == ("Training(A_Q label-query: _Pick, 2 epoch(s) over 1,000 samples, "
                       "4,000 queries, final loss 0.250, 3 s on cpu)")
    plain = Training(model=_Pick(), losses=np.array([]), epochs=1, n_samples=10, seconds=0.0,
                     device="cpu")
    assert repr(plain) == "Training(1 epoch(s) over 10 samples, 0 s on cpu)"


def test_watermark_and_zoo_share_it():
    from stealkit.dataset_inference import zoo
    from stealkit.watermark import models

    assert zoo.Training is models.Training is Training
