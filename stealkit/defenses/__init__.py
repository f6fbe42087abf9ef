"""Defences a model owner can deploy against extraction.

Output defences (:mod:`~stealkit.defenses.output`) are callables handed to
an :class:`~stealkit.Oracle`; detection (:mod:`~stealkit.defenses.prada`)
is a small stateful detector per client.
"""

from stealkit.defenses.output import LabelsOnly, ReverseSigmoid, Rounding, TopK
from stealkit.defenses.prada import PRADA

__all__ = ["LabelsOnly", "PRADA", "ReverseSigmoid", "Rounding", "TopK"]
