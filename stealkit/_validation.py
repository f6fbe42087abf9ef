"""Argument checks shared by the whole package, in the spirit of scikit-learn's ``check_scalar``.

Every public function checks all of its arguments with these before it
queries, trains or allocates anything large, so a bad argument costs nothing.
Each check returns the value normalised (an ``int``, a ``float``, a
``numpy.random.Generator``) and raises ``TypeError`` for a value of the wrong
type, ``ValueError`` for a value of the right type out of range, with the
parameter's name and what it got.

Checks that belong to one idea (a tree's features, a trigger's shape) stay in
that idea's module; the ones here are used across packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from stealkit.oracle import Oracle

__all__ = [
    "check_bool",
    "check_budget",
    "check_choice",
    "check_int",
    "check_oracle",
    "check_positive",
    "check_real",
    "check_rng",
]

#: What each kind of oracle answers, for error messages.
_ANSWERS = {"proba": "class probabilities", "label": "class labels", "leaf": "leaf identifiers",
            "score": "raw scores"}


def _wrong_type(name: str, rule: str, value: Any) -> TypeError:
    return TypeError(
        f"The '{name}' parameter must be {rule}. Got {type(value).__name__} {value!r} instead."
    )


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False) -> int | None:
    """An int (not a bool) in ``[minimum, maximum]`` (either bound optional), or None if allowed."""
    if value is None and allow_none:
        return None
    if minimum is not None and maximum is not None:
        rule = f"an int in [{minimum}, {maximum}]"
    elif minimum is not None:
        rule = f"an int >= {minimum}"
    elif maximum is not None:
        rule = f"an int <= {maximum}"
    else:
        rule = "an int"
    rule += " or None" if allow_none else ""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise _wrong_type(name, rule, value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"The '{name}' parameter must be {rule}. Got {value} instead.")
    return int(value)


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               include_low: bool = False, include_high: bool = True) -> float:
    """A finite real number (not a bool) above ``low`` and at most ``high``, as a float.

    ``include_low`` and ``include_high`` say whether the bounds themselves are
    allowed (by default: ``low < value <= high``).
    """
    bounds = []
    if low is not None:
        bounds.append(f"{'>=' if include_low else '>'} {low}")
    if high is not None:
        bounds.append(f"{'<=' if include_high else '<'} {high}")
    rule = " ".join(["a number", " and ".join(bounds)]).strip()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _wrong_type(name, rule, value)
    v = float(value)
    below = low is not None and (v < low if include_low else v <= low)
    above = high is not None and (v > high if include_high else v >= high)
    if not np.isfinite(v) or below or above:
        raise ValueError(f"The '{name}' parameter must be {rule}. Got {value!r} instead.")
    return v


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``), as a float."""
    rule = "a non-negative number" if allow_zero else "a positive number"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _wrong_type(name, rule, value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"The '{name}' parameter must be {rule}. Got {value!r} instead.")
    return float(value)


def check_bool(value: Any, name: str) -> bool:
    """A Python or numpy bool, as a bool (0 and 1 are not bools)."""
    if not isinstance(value, bool | np.bool_):
        raise _wrong_type(name, "a bool", value)
    return bool(value)


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """One of ``choices``, returned as given."""
    if value not in choices:
        raise ValueError(
            f"The '{name}' parameter must be one of {', '.join(map(repr, choices))}. "
            f"Got {value!r} instead."
        )
    return value


def check_rng(rng: Any) -> np.random.Generator:
    """``numpy.random.default_rng(rng)`` for None, a non-negative int or a Generator."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError):
        raise ValueError(
            "The 'rng' parameter must be None, a non-negative int or a numpy.random.Generator. "
            f"Got {type(rng).__name__} {rng!r} instead."
        ) from None


def check_oracle(oracle: Any, *, output: str | Sequence[str] | None = None) -> Oracle:
    """An :class:`~stealkit.Oracle` (or :class:`~stealkit.HTTPOracle`, the same API over HTTP),
    answering ``output`` (one kind, or any of several) if given."""
    from stealkit.oracle import Oracle  # the oracle's own checks use this module
    from stealkit.remote import HTTPOracle

    if not isinstance(oracle, Oracle | HTTPOracle):
        raise TypeError(
            "The 'oracle' parameter must be a stealkit.Oracle or stealkit.HTTPOracle. "
            f"Got {type(oracle).__name__}."
        )
    wanted = (output,) if isinstance(output, str) else tuple(output or ())
    if wanted and oracle.output not in wanted:
        what = " or ".join(f"{_ANSWERS[w]} (output={w!r})" for w in wanted)
        raise ValueError(
            f"The 'oracle' parameter must answer {what}. Got output={oracle.output!r}."
        )
    return oracle


def check_budget(oracle: Oracle, n_queries: int) -> None:
    """Raise :class:`~stealkit.QueryBudgetExceeded`, before any query, if the budget is short."""
    from stealkit.oracle import QueryBudgetExceeded

    if oracle.remaining is not None and oracle.remaining < n_queries:
        raise QueryBudgetExceeded(
            budget=oracle.budget, n_queries=oracle.n_queries, requested=n_queries
        )
