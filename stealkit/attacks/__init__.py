"""Extraction attacks: one module per technique, each a function of an oracle."""

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
from stealkit.attacks.mlp import MLPExtractionResult, MLPModel, extract_mlp, mlp_unknowns
from stealkit.attacks.model_inversion import (
    InversionResult,
    inversion_queries,
    invert_model,
    invert_oracle,
)

__all__ = [
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
]
