"""Defences a model owner can deploy against extraction."""

from stealkit.defenses.output import LabelsOnly, Rounding, TopK

__all__ = ["LabelsOnly", "Rounding", "TopK"]
