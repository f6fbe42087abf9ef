"""Dataset inference (Maini et al. 2021): does a suspect model carry our training data?

The CIFAR model zoo lives in :mod:`stealkit.dataset_inference.zoo` (imported on
demand: it needs torch); the paper's CIFAR table, shared by notebook 06 and the
benchmark, in :mod:`stealkit.dataset_inference.cifar` (the shipped zoo:
``cifar.ZOO_CIFAR10``).
"""

from stealkit.dataset_inference import linear_toy
from stealkit.dataset_inference.embeddings import Embedding, blind_walk, mingd
from stealkit.dataset_inference.linear_toy import (
    theorem1_margin_gap,
    theorem3_success_probability,
)
from stealkit.dataset_inference.regressor import (
    ConfidenceRegressor,
    DatasetInference,
    embedding_features,
    train_regressor,
    verify_dataset,
)
from stealkit.stats import OwnershipTest, ownership_test, p_value_curve  # notebooks use them here

__all__ = [
    "ConfidenceRegressor",
    "DatasetInference",
    "Embedding",
    "OwnershipTest",
    "blind_walk",
    "embedding_features",
    "linear_toy",
    "mingd",
    "ownership_test",
    "p_value_curve",
    "theorem1_margin_gap",
    "theorem3_success_probability",
    "train_regressor",
    "verify_dataset",
]
