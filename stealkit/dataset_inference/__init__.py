"""Dataset inference (Maini et al. 2021): does a suspect model carry our training data?"""

from stealkit.dataset_inference import linear_toy
from stealkit.dataset_inference.hypothesis import OwnershipTest, ownership_test, p_value_curve
from stealkit.dataset_inference.linear_toy import (
    theorem1_margin_gap,
    theorem3_success_probability,
)

__all__ = [
    "OwnershipTest",
    "linear_toy",
    "ownership_test",
    "p_value_curve",
    "theorem1_margin_gap",
    "theorem3_success_probability",
]
