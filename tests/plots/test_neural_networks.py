import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit import plots

CURVES = [
    {"pool": "cifar10", "strategy": "random", "output": "proba",
     "curve": [{"n_queries": 1000, "accuracy": 0.5, "fidelity": 0.5, "fidelity_uniform": 0.2,
                "pgd": 0.6}, {"n_queries": 2000, "accuracy": 0.8, "fidelity": 0.81,
                              "fidelity_uniform": 0.3, "pgd": 0.8}]},
    {"pool": "cifar10", "strategy": "kcenter", "output": "proba",
     "curve": [{"n_queries": 1000, "accuracy": 0.5, "fidelity": 0.5, "fidelity_uniform": 0.2},
               {"n_queries": 2000, "accuracy": 0.85, "fidelity": 0.86, "fidelity_uniform": 0.4}]},
    {"pool": "noise", "strategy": "random", "output": "label",
     "curve": [{"n_queries": 1000, "accuracy": 0.1, "fidelity": 0.1, "fidelity_uniform": 0.9,
                "pgd": 0.1}]},
]
REFS = [{"model": "independent (true labels)", "pgd": 0.7, "noise": 0.02},
        {"model": "the victim itself (white box)", "pgd": 0.99, "noise": 0.02}]


def test_learning_curves_one_line_per_selected_run():
    ax = plots.plot_learning_curves(CURVES, metric="fidelity", pools=("cifar10",),
                                    reference=0.99)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["CIFAR-10, grey, random", "CIFAR-10, grey, kcenter",
                      "the victim's accuracy"]
    assert ax.get_lines()[1].get_linestyle() == ":" and ax.get_xscale() == "log"
    ax = plots.plot_learning_curves(CURVES, outputs=("label",), ax=plt.figure().gca())
    assert [line.get_label() for line in ax.get_lines()] == ["uniform noise, random, labels"]
    with pytest.raises(ValueError, match="metric"):
        plots.plot_learning_curves(CURVES, metric="loss")


def test_transfer_draws_copies_and_references():
    ax = plots.plot_transfer(CURVES, REFS, attack="pgd")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "copy from CIFAR-10, grey"  # the label-only run is not drawn
    assert "random signs (control)" in labels and len(labels) == 4
    with pytest.raises(ValueError, match="attack"):
        plots.plot_transfer(CURVES, REFS, attack="cw")


def test_line_search_marks_intervals_and_kinks():
    t = np.linspace(-5, 5, 101)
    ax = plots.plot_line_search(t, np.maximum(t - 1, 0), [(-5, 5, "halved"), (-5, 0, "linear"),
                                                          (0, 5, "one kink")], kinks=[1.0])
    labels = [line.get_label() for line in ax.get_lines()]
    assert "critical point found" in labels and "interval: halved" in labels
    assert "interval: given up" not in labels


def test_three_notions_two_panels_with_the_query_counts():
    rows = [{"copy": "learning (x)", "queries": 10_000, "accuracy": 0.9, "fidelity": 0.95,
             "fidelity_uniform": 1.0, "log2_worst_error": 1.0},
            {"copy": "functionally equivalent (y)", "queries": 500_000, "accuracy": 0.97,
             "fidelity": 1.0, "fidelity_uniform": 1.0, "log2_worst_error": -15.0}]
    fig = plots.plot_three_notions(rows)
    left, right = fig.axes
    assert len(left.patches) == 6 and len(right.patches) == 2
    assert any("500,000\nqueries" in t.get_text() for t in right.texts)
