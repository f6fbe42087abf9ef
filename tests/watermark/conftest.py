"""Tiny models and synthetic images for the watermark tests (fast, no data download)."""

import numpy as np
import pytest
import torch
from torch import nn


class PixelModel(nn.Module):
    """A linear classifier whose only hidden 'layer' is the pixels themselves."""

    def __init__(self, n_classes=10, seed=0):
        super().__init__()
        self.fc = nn.Linear(784, n_classes)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            self.fc.weight.copy_(torch.randn(n_classes, 784, generator=g) * 0.05)
            self.fc.bias.zero_()

    def hidden(self, x):
        h = x.flatten(1)
        return {"pixels": h, "logits": self.fc(h)}

    def forward(self, x):
        return self.hidden(x)["logits"]


@pytest.fixture
def pixel_model():
    return PixelModel()


@pytest.fixture(scope="session")
def toy_images():
    """100 synthetic 28×28 uint8 'digits' of 10 classes: class c is a bright bar in row band c."""
    rng = np.random.default_rng(0)
    y = np.arange(100) % 10
    X = rng.integers(0, 40, size=(100, 28, 28)).astype(np.uint8)
    for i, c in enumerate(y):
        X[i, 2 + 2 * c : 4 + 2 * c, 4:24] = 255
    return X, y
