"""The core every extraction attack's result shares.

Each attack returns its own frozen dataclass (:class:`EquationSolvingResult`,
:class:`PathFindingResult`, ...) with attributes of its own, and these five in
common, so that a notebook, a plot or a benchmark can treat any of them alike:

- ``model``: what was recovered (a fitted classifier with ``predict``);
- ``n_queries``: the queries spent on the oracle;
- ``queries``: every query, in the order sent, one row each;
- ``answers``: the oracle's answer to each query, row for row;
- ``seconds``: the attack's wall-clock time, queries included.

The watermark paper's thief (:class:`~stealkit.watermark.Extraction`) has
the same core. Model inversion (:class:`~stealkit.attacks.model_inversion.InversionResult`)
recovers an input rather than a model and counts its queries without keeping
them; it has ``x``, ``n_queries`` and ``seconds``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["CORE_ATTRIBUTES", "AttackResult"]

CORE_ATTRIBUTES = ("model", "n_queries", "queries", "answers", "seconds")


@runtime_checkable
class AttackResult(Protocol):
    """What every extraction attack's result has (``isinstance`` checks it)."""

    model: Any
    n_queries: int
    queries: np.ndarray
    answers: np.ndarray
    seconds: float
