"""Figures of the course: results in, an Axes (or Figure) out.

One module per topic: :mod:`~stealkit.plots.extraction` (prediction APIs,
equation solving, rounding), :mod:`~stealkit.plots.trees` (path finding),
:mod:`~stealkit.plots.label_only` (Lowd–Meek and retraining),
:mod:`~stealkit.plots.watermark` (entangled watermarks),
:mod:`~stealkit.plots.dataset_inference` (margins, p-values, Blind Walk),
:mod:`~stealkit.plots.defenses` (reverse sigmoid, PRADA, privacy, trade-offs),
:mod:`~stealkit.plots.neural_networks` (critical points, learning curves, transfer) and
:mod:`~stealkit.plots.spread` (every seed beside the paper). Every public name
is re-exported here, so ``from stealkit.plots import plot_x`` works.

Plot functions take results (or fitted local models to evaluate on a grid),
never an oracle: they spend no queries, train nothing and never call
``plt.show()``. Colours are the same in every notebook: the victim is always
:data:`VICTIM`, the extracted model :data:`EXTRACTED`.
"""

from stealkit.plots._style import (
    CLASS_COLORS,
    CLEAN,
    EXTRACTED,
    PUBLIC,
    QUERIES,
    SHORT,
    TARGET,
    VICTIM,
    WATERMARKED,
)
from stealkit.plots.dataset_inference import (
    member_color,
    plot_decision_success,
    plot_distances,
    plot_margin_gaps,
    plot_margins,
    plot_p_values,
    plot_walks,
    plot_zoo_p_values,
)
from stealkit.plots.defenses import (
    plot_prada,
    plot_privacy,
    plot_prototypes,
    plot_reverse_sigmoid,
    plot_tradeoff,
)
from stealkit.plots.extraction import (
    plot_answer,
    plot_decision_boundary,
    plot_inversion,
    plot_representers,
    plot_rounding,
)
from stealkit.plots.label_only import (
    ATTACK_COLORS,
    ATTACK_NAMES,
    LOWD_MEEK_STEPS,
    plot_budget_curves,
    plot_lowd_meek,
    plot_retraining_round,
    plot_rounding_vs_labels,
)
from stealkit.plots.neural_networks import (
    POOL_COLORS,
    plot_learning_curves,
    plot_line_search,
    plot_three_notions,
    plot_transfer,
)
from stealkit.plots.spread import plot_seed_spread
from stealkit.plots.trees import (
    STEP_STYLES,
    plot_epsilon_sweep,
    plot_path_finding,
    plot_tree_regions,
)
from stealkit.plots.watermark import (
    plot_activation_patterns,
    plot_neural_cleanse,
    plot_removal,
    plot_representations,
    plot_snnl_clusters,
    plot_snnl_history,
    plot_trigger_search,
    plot_watermark_p_values,
    plot_watermark_success,
)

__all__ = [
    # the palette
    "VICTIM",
    "EXTRACTED",
    "QUERIES",
    "CLASS_COLORS",
    "PUBLIC",
    "SHORT",
    "WATERMARKED",
    "TARGET",
    "CLEAN",
    # extraction
    "plot_decision_boundary",
    "plot_answer",
    "plot_representers",
    "plot_inversion",
    "plot_rounding",
    # trees
    "STEP_STYLES",
    "plot_path_finding",
    "plot_tree_regions",
    "plot_epsilon_sweep",
    # label only
    "ATTACK_COLORS",
    "ATTACK_NAMES",
    "LOWD_MEEK_STEPS",
    "plot_budget_curves",
    "plot_rounding_vs_labels",
    "plot_retraining_round",
    "plot_lowd_meek",
    # watermark
    "plot_snnl_clusters",
    "plot_activation_patterns",
    "plot_trigger_search",
    "plot_snnl_history",
    "plot_representations",
    "plot_watermark_success",
    "plot_watermark_p_values",
    "plot_removal",
    "plot_neural_cleanse",
    # dataset inference
    "plot_margins",
    "plot_margin_gaps",
    "plot_decision_success",
    "plot_p_values",
    "plot_walks",
    "plot_distances",
    "plot_zoo_p_values",
    "member_color",
    # defences
    "plot_reverse_sigmoid",
    "plot_prada",
    "plot_privacy",
    "plot_prototypes",
    "plot_tradeoff",
    # neural networks
    "POOL_COLORS",
    "plot_line_search",
    "plot_learning_curves",
    "plot_transfer",
    "plot_three_notions",
    # spread over seeds
    "plot_seed_spread",
]
