"""Models that play the victim: the owner's side of the attacks.

- :mod:`~stealkit.victims.kernel`: :class:`KernelLogisticRegression`, whose
  representers are training points (Tramèr et al. 2016, §4.1.3, Figure 2).
- :mod:`~stealkit.victims.pipeline`: :class:`FeaturePipeline`, Amazon-style
  feature extraction before logistic regression (§4.2, Table 7).
- :mod:`~stealkit.victims.trees`: :class:`DecisionTree`, trees as BigML served
  them, with leaf identifiers and incomplete queries (§4.2, Table 6).

Each answers like a scikit-learn estimator, so it goes straight into
:class:`stealkit.Oracle`. Nothing here is known to the attacker except what
an attack says.
"""

from stealkit.victims.kernel import KernelLogisticRegression, rbf_kernel
from stealkit.victims.pipeline import ENCODINGS, FeaturePipeline, encode
from stealkit.victims.trees import IDS, DecisionTree

__all__ = [
    "KernelLogisticRegression",
    "rbf_kernel",
    "FeaturePipeline",
    "ENCODINGS",
    "encode",
    "DecisionTree",
    "IDS",
]
