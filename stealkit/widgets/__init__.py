"""Widgets of the course: each control change is one package call and one plot.

One module per topic, as :mod:`stealkit.plots`: :mod:`~stealkit.widgets.extraction`
(a live prediction API, equation solving, rounding), :mod:`~stealkit.widgets.trees`
(path finding), :mod:`~stealkit.widgets.label_only` (Lowd–Meek and retraining),
:mod:`~stealkit.widgets.watermark` (SNNL, ownership by watermark) and
:mod:`~stealkit.widgets.dataset_inference` (the linear toy, the CIFAR zoo) and
:mod:`~stealkit.widgets.defenses` (defence against attack, watched by PRADA) and
:mod:`~stealkit.widgets.neural_networks` (critical points, learning curves). Every
public name is re-exported here. Defaults are cheap so that a slider answers at once.
"""

from stealkit.widgets.dataset_inference import interactive_linear_toy, interactive_zoo_ownership
from stealkit.widgets.defenses import interactive_defences
from stealkit.widgets.extraction import (
    interactive_equation_solving,
    interactive_oracle,
    interactive_rounding,
)
from stealkit.widgets.label_only import interactive_lowd_meek, interactive_retraining
from stealkit.widgets.neural_networks import interactive_learning_curves, interactive_line_search
from stealkit.widgets.trees import interactive_path_finding
from stealkit.widgets.watermark import interactive_snnl, interactive_watermark_ownership

__all__ = [
    "interactive_oracle",
    "interactive_equation_solving",
    "interactive_rounding",
    "interactive_path_finding",
    "interactive_retraining",
    "interactive_lowd_meek",
    "interactive_snnl",
    "interactive_watermark_ownership",
    "interactive_linear_toy",
    "interactive_zoo_ownership",
    "interactive_defences",
    "interactive_line_search",
    "interactive_learning_curves",
]
