"""Extraction attacks: one module per technique, each a function of an oracle."""

from stealkit.attacks.adversarial import adversarial_success, fgsm, pgd
from stealkit.attacks.equation_solving import (
    EquationSolvingResult,
    LinearModel,
    extract_logistic,
    extract_softmax,
)
from stealkit.attacks.feature_extraction import (
    ExtractedPipeline,
    PipelineExtractionResult,
    extract_pipeline,
)
from stealkit.attacks.kernel_leakage import (
    KernelExtractionResult,
    extract_kernel_lr,
    match_representers,
)
from stealkit.attacks.learning import STRATEGIES, PoolExtractionResult, extract_from_pool
from stealkit.attacks.lowd_meek import LinearClassifier, LowdMeekResult, lowd_meek
from stealkit.attacks.mlp import MLPExtractionResult, MLPModel, extract_mlp, mlp_unknowns
from stealkit.attacks.model_inversion import (
    InversionResult,
    inversion_queries,
    invert_model,
    invert_oracle,
)
from stealkit.attacks.path_finding import (
    ExtractedTree,
    PathFindingResult,
    extract_tree,
)
from stealkit.attacks.relu_network import (
    LineSearch,
    ReLUExtractionResult,
    ReLUNetwork,
    extract_relu_network,
    search_line,
)
from stealkit.attacks.results import AttackResult
from stealkit.attacks.retraining import RetrainingResult, extract_by_retraining

__all__ = [
    "AttackResult",
    "EquationSolvingResult",
    "LinearModel",
    "extract_logistic",
    "extract_softmax",
    "MLPExtractionResult",
    "MLPModel",
    "extract_mlp",
    "mlp_unknowns",
    "KernelExtractionResult",
    "extract_kernel_lr",
    "match_representers",
    "InversionResult",
    "invert_model",
    "invert_oracle",
    "inversion_queries",
    "ExtractedPipeline",
    "PipelineExtractionResult",
    "extract_pipeline",
    # decision trees (§4.2)
    "ExtractedTree",
    "PathFindingResult",
    "extract_tree",
    # label-only (§5)
    "LinearClassifier",
    "LowdMeekResult",
    "lowd_meek",
    "RetrainingResult",
    "extract_by_retraining",
    # functionally-equivalent extraction of a ReLU network (Jagielski et al. 2020)
    "ReLUExtractionResult",
    "ReLUNetwork",
    "extract_relu_network",
    "LineSearch",
    "search_line",
    # learning-based extraction from a pool (Knockoff Nets, ActiveThief)
    "STRATEGIES",
    "PoolExtractionResult",
    "extract_from_pool",
    # what a stolen copy is for: transferable adversarial examples
    "fgsm",
    "pgd",
    "adversarial_success",
]
