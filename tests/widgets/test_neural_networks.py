import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit.attacks import ReLUNetwork
from stealkit.widgets import interactive_learning_curves, interactive_line_search

RESULTS = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "neural_networks.json"


def net2(h=6, seed=0):
    rng = np.random.default_rng(seed)
    return ReLUNetwork(W=rng.normal(size=(h, 2)), b=rng.normal(size=h), a=rng.normal(size=h),
                       c=0.0, skip=np.zeros(2))


def test_line_search_steps_and_lines():
    w = interactive_line_search(net2(), rng=0)
    line, step = w.children[0].children
    assert step.value == step.max >= 1  # the whole search is shown first
    title = plt.gcf().axes[0].get_title()
    assert title.startswith(f"step {step.max} of {step.max}")
    step.value = 1
    assert plt.gcf().axes[0].get_title().startswith(f"step 1 of {step.max}")
    line.value = 3
    assert step.value == step.max
    assert plt.gcf().axes[1].get_xlabel() == "x₁"


def test_line_search_needs_two_features():
    with pytest.raises(ValueError, match="2 input features"):
        interactive_line_search(ReLUNetwork(W=np.ones((3, 4)), b=np.zeros(3), a=np.ones(3),
                                            c=0.0, skip=np.zeros(4)))


def test_learning_curves_controls_redraw():
    results = json.loads(RESULTS.read_text())
    w = interactive_learning_curves(results, pool="cifar10")
    (pool, metric), answers = w.children[0].children, w.children[1]
    assert pool.label == "CIFAR-10, grey" and metric.label == "fidelity on MNIST test"
    assert len(plt.gcf().axes[0].get_lines()) == 3  # random, uncertainty, k-center
    answers.value = "label"
    assert plt.gcf().axes[0].get_title().startswith("label-only")
    assert len(plt.gcf().axes[0].get_lines()) == 1
    metric.value = "accuracy"
    assert plt.gcf().axes[0].get_lines()[-1].get_label() == "the victim's accuracy"
    pool.value = "noise"
    assert plt.gcf().axes[0].get_lines()[0].get_label().startswith("uniform noise")
    with pytest.raises(ValueError, match="pool"):
        interactive_learning_curves(results, pool="imagenet")
