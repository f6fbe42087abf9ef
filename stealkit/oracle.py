"""The oracle: a victim model behind a metered prediction API.

Threat model: the attacker sends a batch of inputs and sees only what the API
reveals (class probabilities, possibly rounded or otherwise defended; a class
label; or, for decision trees, a leaf identifier). Each row is one query, paid
at ``price_per_query``; a budget, if set, is never overrun. The attacker knows
the number of input features and the class names, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any

import numpy as np

from stealkit._validation import check_budget, check_choice, check_int, check_positive
from stealkit.defenses.output import Rounding

__all__ = ["Oracle", "QueryBudgetExceeded", "OUTPUTS", "label_through_oracle"]

OUTPUTS = ("proba", "label", "leaf", "score")


class QueryBudgetExceeded(RuntimeError):
    """Raised when a batch of queries would exceed the oracle's budget.

    Nothing of the batch is answered or charged.
    """

    def __init__(self, *, budget: int, n_queries: int, requested: int):
        self.budget = budget
        self.n_queries = n_queries
        self.requested = requested
        super().__init__(
            f"Answering {requested} more queries would exceed the query budget: "
            f"{n_queries} of {budget} are spent, {budget - n_queries} remain. "
            "Nothing was answered or charged."
        )


class Oracle:
    """A black-box prediction API around a victim model, with a query meter.

    Parameters
    ----------
    predict : callable
        Maps a float array of shape ``(n_queries, *input_shape)`` to what the
        API reveals for ``output``: an ``(n_queries, n_classes)`` array of
        class probabilities (or raw scores, for ``"score"``) for ``"proba"``, an
        ``(n_queries,)`` array of
        class labels for ``"label"``, or of leaf identifiers for ``"leaf"``.
        In ``"leaf"`` mode it receives rows containing NaN (incomplete
        queries) and must handle them.
    n_features : int, optional
        Number of input features; give this or ``input_shape``.
    input_shape : tuple of int, optional
        Shape of one input (e.g. ``(1, 28, 28)`` for MNIST). Queries may be
        sent either with this shape or flattened to ``n_features`` columns.
    output : {"proba", "label", "leaf", "score"}, default="proba"
        What the API reveals.
    classes : array-like, optional
        The class labels the API can answer, known to the attacker.
    decimals : int, optional
        Round probabilities to this many decimal places (a shortcut for
        ``defenses=[Rounding(decimals)]``, applied after the other defences).
    defenses : sequence of callables, default=()
        Output defences applied in order to each batch of probability vectors
        (see :mod:`stealkit.defenses`); only for ``output="proba"`` (and
        rounding for ``"score"``).
    budget : int, optional
        Maximum number of queries; a batch that would exceed it raises
        :class:`QueryBudgetExceeded` and is not answered.
    price_per_query : float, default=0.0
        What one query costs (Amazon ML charged $0.0001 in 2016).
    log : bool, default=False
        Keep every queried row in :attr:`query_log`.

    Attributes
    ----------
    n_queries : int
        Queries answered since creation or the last :meth:`reset`.
    cost : float
        ``n_queries * price_per_query``.
    query_log : ndarray of shape (n_queries, n_features)
        The queried rows, flattened (only with ``log=True``).
    """

    def __init__(
        self,
        predict: Callable[[np.ndarray], np.ndarray],
        *,
        n_features: int | None = None,
        input_shape: Sequence[int] | None = None,
        output: str = "proba",
        classes: Sequence[Any] | None = None,
        decimals: int | None = None,
        defenses: Sequence[Callable[[np.ndarray], np.ndarray]] = (),
        budget: int | None = None,
        price_per_query: float = 0.0,
        log: bool = False,
    ):
        if not callable(predict):
            raise TypeError(
                f"The 'predict' parameter must be callable. Got {type(predict).__name__} instead."
            )
        self.output = check_choice(output, "output", OUTPUTS)
        self.input_shape = self._check_shape(n_features, input_shape)
        self.n_features = int(np.prod(self.input_shape))
        self.classes = None if classes is None else np.asarray(classes)
        defenses = list(defenses)
        for d in defenses:
            if not callable(d):
                raise TypeError(
                    f"Each defence in 'defenses' must be callable. Got {type(d).__name__} {d!r}."
                )
        if decimals is not None:
            defenses.append(Rounding(decimals))  # validates decimals
        if defenses and self.output not in ("proba", "score"):
            raise ValueError(
                "Output defences (including 'decimals') act on probability vectors (or raw "
                f"scores), so they need output='proba' or 'score'. Got output={self.output!r}."
            )
        self.defenses = tuple(defenses)
        self.budget = check_int(budget, "budget", minimum=0, allow_none=True)
        self.price_per_query = check_positive(price_per_query, "price_per_query", allow_zero=True)
        self.log = bool(log)
        self._predict = predict
        self.reset()

    @staticmethod
    def _check_shape(n_features, input_shape) -> tuple[int, ...]:
        if (n_features is None) == (input_shape is None):
            raise ValueError(
                "Give exactly one of 'n_features' and 'input_shape'. "
                f"Got n_features={n_features!r}, input_shape={input_shape!r}."
            )
        if n_features is not None:
            return (check_int(n_features, "n_features", minimum=1),)
        shape = tuple(input_shape)
        if not shape or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in shape
        ):
            raise ValueError(
                "The 'input_shape' parameter must be a non-empty tuple of positive ints. "
                f"Got {input_shape!r} instead."
            )
        return tuple(int(s) for s in shape)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_sklearn(
        cls,
        estimator: Any,
        *,
        output: str = "proba",
        decimals: int | None = None,
        defenses: Sequence[Callable[[np.ndarray], np.ndarray]] = (),
        budget: int | None = None,
        price_per_query: float = 0.0,
        log: bool = False,
    ) -> Oracle:
        """Put a fitted scikit-learn estimator behind a prediction API.

        ``"proba"`` answers ``estimator.predict_proba``, ``"label"`` answers
        ``estimator.predict``, ``"score"`` ``estimator.decision_function`` (as
        ``(n_queries, n_scores)``) and ``"leaf"`` answers the leaf identifiers of a
        decision tree (``estimator.apply`` for complete rows; for a row with
        NaN features, the deepest node reached before the first split on a
        missing feature, as BigML answered incomplete queries).
        """
        output = check_choice(output, "output", OUTPUTS)
        n_features = getattr(estimator, "n_features_in_", None)
        if n_features is None:
            raise ValueError(
                "The 'estimator' must be a fitted scikit-learn estimator (it has no "
                f"'n_features_in_'). Got {type(estimator).__name__}; call fit first."
            )
        if output == "proba":
            if not hasattr(estimator, "predict_proba"):
                raise ValueError(
                    f"output='proba' needs an estimator with predict_proba; "
                    f"{type(estimator).__name__} has none. Use output='label'."
                )
            predict = estimator.predict_proba
        elif output == "label":
            predict = estimator.predict
        elif output == "score":
            if not hasattr(estimator, "decision_function"):
                raise ValueError(
                    f"output='score' needs an estimator with decision_function; "
                    f"{type(estimator).__name__} has none."
                )

            def predict(X):
                return np.asarray(estimator.decision_function(X)).reshape(len(X), -1)
        else:
            if not hasattr(getattr(estimator, "tree_", None), "children_left"):
                raise ValueError(
                    "output='leaf' needs a fitted scikit-learn decision tree (with 'tree_'). "
                    f"Got {type(estimator).__name__}."
                )
            predict = _TreeLeaves(estimator.tree_)
        return cls(
            predict,
            n_features=int(n_features),
            output=output,
            classes=getattr(estimator, "classes_", None),
            decimals=decimals,
            defenses=defenses,
            budget=budget,
            price_per_query=price_per_query,
            log=log,
        )

    @classmethod
    def from_torch(
        cls,
        module: Any,
        *,
        n_features: int | None = None,
        input_shape: Sequence[int] | None = None,
        output: str = "proba",
        classes: Sequence[Any] | None = None,
        decimals: int | None = None,
        defenses: Sequence[Callable[[np.ndarray], np.ndarray]] = (),
        budget: int | None = None,
        price_per_query: float = 0.0,
        log: bool = False,
        batch_size: int = 1024,
    ) -> Oracle:
        """Put a torch classifier (inputs to logits) behind a prediction API.

        ``"proba"`` answers the softmax of the logits, ``"label"`` their
        argmax (mapped to ``classes`` when given), ``"score"`` the logits
        themselves at full precision (``(n_queries, n_outputs)``, float64).
        A module with one logit z is a binary classifier: its probabilities
        are 1 − σ(z) and σ(z), its label 1 where z > 0.
        The module is run in eval mode without gradients, ``batch_size`` rows
        at a time, on the device of its parameters.
        """
        import torch

        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"The 'module' parameter must be a torch.nn.Module. Got {type(module).__name__}."
            )
        output = check_choice(output, "output", OUTPUTS)
        if output == "leaf":
            raise ValueError(
                "output='leaf' is only for decision trees; a torch module has no leaves."
            )
        shape = cls._check_shape(n_features, input_shape)
        predict = _TorchPredict(module, shape, output, classes, int(batch_size))
        return cls(
            predict,
            input_shape=shape,
            output=output,
            classes=classes,
            decimals=decimals,
            defenses=defenses,
            budget=budget,
            price_per_query=price_per_query,
            log=log,
        )

    # ------------------------------------------------------------------- meter
    @property
    def cost(self) -> float:
        return self.n_queries * self.price_per_query

    @property
    def remaining(self) -> int | None:
        """Queries left in the budget (None when there is no budget)."""
        return None if self.budget is None else self.budget - self.n_queries

    @property
    def query_log(self) -> np.ndarray:
        if not self.log:
            raise AttributeError("This oracle keeps no query log; create it with log=True.")
        if not self._log:
            return np.empty((0, self.n_features))
        return np.concatenate(self._log)

    def reset(self) -> Oracle:
        """Zero the meter (queries, cost and log)."""
        self.n_queries = 0
        self._log: list[np.ndarray] = []
        return self

    # ------------------------------------------------------------------ answer
    def _validate(self, X: Any) -> np.ndarray:
        try:
            X = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"The queries 'X' must be a numeric array: {exc}") from None
        if X.dtype == bool or not np.issubdtype(X.dtype, np.number):
            raise TypeError(
                f"The queries 'X' must be a numeric array. Got dtype {X.dtype} instead."
            )
        if np.issubdtype(X.dtype, np.complexfloating):
            raise TypeError("The queries 'X' must be real-valued. Got a complex array.")
        X = X.astype(np.float64, copy=False)
        if X.ndim == 2 and X.shape[1] == self.n_features:
            flat = X
        elif X.ndim == len(self.input_shape) + 1 and X.shape[1:] == self.input_shape and X.ndim > 2:
            flat = X.reshape(len(X), -1)
        elif X.ndim < 2:
            raise ValueError(
                f"The queries 'X' must be 2-D, one row per query. Got shape {X.shape}; "
                "for a single query use X.reshape(1, -1)."
            )
        else:
            want = (
                f"(n_queries, {self.n_features})"
                if len(self.input_shape) == 1
                else f"(n_queries, {self.n_features}) or (n_queries, *{self.input_shape})"
            )
            raise ValueError(f"The queries 'X' must have shape {want}. Got shape {X.shape}.")
        if np.isinf(flat).any():
            raise ValueError("The queries 'X' contain infinite values.")
        if self.output != "leaf" and np.isnan(flat).any():
            raise ValueError(
                "The queries 'X' contain NaN. Incomplete queries (missing features) are "
                f"only answered in output='leaf' mode; this oracle answers {self.output!r}."
            )
        return flat

    def __call__(self, X: Any) -> np.ndarray:
        """Answer a batch of queries, one row per query."""
        flat = self._validate(X)
        n = len(flat)
        if self.budget is not None and self.n_queries + n > self.budget:
            raise QueryBudgetExceeded(budget=self.budget, n_queries=self.n_queries, requested=n)
        if n == 0:
            return self._empty()
        answer = np.asarray(self._predict(flat.reshape((n, *self.input_shape))))
        if self.output in ("proba", "score"):
            answer = answer.astype(np.float64, copy=False)
            for defense in self.defenses:
                answer = np.asarray(defense(answer))
        self.n_queries += n
        if self.log:
            self._log.append(flat.copy())
        return answer

    def _empty(self) -> np.ndarray:
        if self.output == "score":  # how many scores a row gets is not known without a query
            return np.empty((0, 0))
        if self.output == "proba":
            n_classes = 0 if self.classes is None else len(self.classes)
            return np.empty((0, n_classes))
        dtype = self.classes.dtype if self.output == "label" and self.classes is not None else int
        return np.empty((0,), dtype=dtype)

    def __repr__(self) -> str:
        parts = [f"output={self.output!r}", f"n_features={self.n_features}"]
        if self.defenses:
            parts.append(f"defenses={list(self.defenses)}")
        if self.budget is not None:
            parts.append(f"budget={self.budget}")
        if self.price_per_query:
            parts.append(f"price_per_query={self.price_per_query}")
        parts.append(f"n_queries={self.n_queries}")
        return f"Oracle({', '.join(parts)})"


def label_through_oracle(oracle: Oracle, X: Any, *, batch_size: int = 1024) -> np.ndarray:
    """The oracle's answer to every row of ``X``, asked in batches: how a thief labels its data.

    Checks first that the budget covers all of ``X`` and raises
    :class:`QueryBudgetExceeded` before any query otherwise, so a thief never
    pays for half a data set. ``X`` may be a numpy array or a CPU torch
    tensor; each batch of ``batch_size`` rows is one call to the oracle (the
    count of queries does not depend on it).
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    check_budget(oracle, len(X))
    answers = [np.asarray(oracle(np.asarray(X[s : s + batch_size])))
               for s in range(0, len(X), batch_size)]
    return np.concatenate(answers) if answers else oracle(np.asarray(X[:0]))


class _TreeLeaves:
    """Leaf identifiers of a scikit-learn tree, answering incomplete queries."""

    def __init__(self, tree: Any):
        self.tree = tree

    def __call__(self, X: np.ndarray) -> np.ndarray:
        t = self.tree
        # scikit-learn compares float32 features with float64 thresholds.
        X = X.astype(np.float32)
        node = np.zeros(len(X), dtype=np.intp)
        active = t.children_left[node] != -1
        while active.any():
            rows = np.flatnonzero(active)
            at = node[rows]
            value = X[rows, t.feature[at]]
            missing = np.isnan(value)
            nxt = np.where(value <= t.threshold[at], t.children_left[at], t.children_right[at])
            node[rows[~missing]] = nxt[~missing]
            active[rows[missing]] = False
            active &= t.children_left[node] != -1
        return node


class _TorchPredict:
    """Probabilities or labels of a torch classifier, without gradients."""

    def __init__(self, module, input_shape, output, classes, batch_size):
        self.module = module
        self.input_shape = input_shape
        self.output = output
        self.classes = None if classes is None else np.asarray(classes)
        self.batch_size = batch_size

    def __call__(self, X: np.ndarray) -> np.ndarray:
        import torch

        param = next(self.module.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        dtype = param.dtype if param is not None else torch.float32
        was_training = self.module.training
        self.module.eval()
        outs = []
        try:
            with torch.no_grad():
                for start in range(0, len(X), self.batch_size):
                    xb = torch.as_tensor(
                        X[start : start + self.batch_size], dtype=dtype, device=device
                    )
                    logits = self.module(xb)
                    if self.output != "score":
                        if logits.shape[1] == 1:  # one logit z: the two classes' 0 and z
                            logits = torch.cat([torch.zeros_like(logits), logits], dim=1)
                        logits = torch.softmax(logits, dim=1)
                    outs.append(logits.double().cpu().numpy())
        finally:
            self.module.train(was_training)
        proba = np.concatenate(outs)
        if self.output == "score":
            return proba
        if self.output == "proba":
            return proba
        labels = proba.argmax(axis=1)
        return labels if self.classes is None else self.classes[labels]
