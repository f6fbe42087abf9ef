"""Decision-tree path finding (Tramèr et al. 2016, §4.2, Algorithm 1).

Threat model: the attacker queries a prediction API that answers, for each
input, the identifier of the leaf the input reaches (BigML's answers carried
one) and, with incomplete queries, of the deepest node reached before the
first split on a missing feature. It knows each feature's kind and domain
(the range of a continuous feature, the values of a categorical one), needs
no data, and pays one query per *unique* input: answers are cached, so an
input is sent at most once. Continuous features are searched on a grid of
step ε; a threshold is located to within ε.

Two variants:

* ``incomplete_queries=False`` -- Algorithm 1: from a random input, find every
  predicate of its leaf by varying one feature at a time (LINE_SEARCH for a
  continuous feature, CATEGORY_SPLIT for a categorical one); each value that
  leads elsewhere is a new input to explore.
* ``incomplete_queries=True`` -- the top-down variant: start from the empty
  query (the root), find the feature a node splits on by setting one missing
  feature at a time, search that feature for the node's children, and go on
  layer by layer. A child reached through splits on features already set is
  searched along those features too, so no branch is skipped.

Leaves that share an identifier (BigML's did when they shared a prediction
and confidence) make both variants miss predicates, as in the paper's Table 6.

Two details beyond the paper's pseudo-code: a threshold is placed on the
last grid point on its left (trees split with ``x <= t``), so thresholds on
the grid, such as 30.5 between whole-number data, are recovered exactly; and
LINE_SEARCH tests the thresholds already found on a feature before bisecting,
since the leaves below one split all meet its threshold. The paper's top-down
code also read which fields BigML listed for a node; here the identifier is
all the attacker sees, so finding a node's split feature costs up to one
query per missing feature.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from stealkit._validation import check_bool, check_int, check_oracle, check_positive, check_rng
from stealkit.attacks._common import check_features
from stealkit.oracle import Oracle

__all__ = [
    "extract_tree",
    "PathFindingResult",
    "ExtractedTree",
    "Leaf",
    "STEPS",
    "uniform_inputs",
]

#: What each query of the trace was for.
STEPS = ("start", "line search", "category split", "split feature", "check")

# ----------------------------------------------------------------------------- domain
class _Domain:
    """The feature space as the attacker sees it: grids of step ε and category codes.

    A point is a tuple holding, per feature, a grid index (continuous), a code
    (categorical) or None (missing). Grid index 0 is ``low``, the last is
    ``high``, and the ones between are the multiples of ε strictly inside.
    """

    def __init__(self, features: Sequence[Any], epsilon: float):
        self.d = len(features)
        self.names = tuple(str(getattr(f, "name", f"x{i}")) for i, f in enumerate(features))
        self.continuous = tuple(f.kind == "continuous" for f in features)
        self.values = tuple(None if c else tuple(f.values) for c, f in self._pairs(features))
        self.low = tuple(float(f.low) if c else 0.0 for c, f in self._pairs(features))
        self.high = tuple(float(f.high) if c else 0.0 for c, f in self._pairs(features))
        self.epsilon = epsilon
        inv = 1.0 / epsilon
        # Decimal steps (1e-3) divide exactly, so grid values read 0.3 and not 0.30000000000000004.
        self._per_unit = round(inv) if abs(inv - round(inv)) < 1e-9 * inv else None
        self.kmin, self.size = [], []
        for i in range(self.d):
            if not self.continuous[i]:
                self.kmin.append(0)
                self.size.append(len(self.values[i]))
                continue
            lo, hi = self.low[i], self.high[i]
            if lo == hi:
                self.kmin.append(0)
                self.size.append(1)
                continue
            kmin, kmax = math.floor(lo / epsilon) + 1, math.ceil(hi / epsilon) - 1
            while kmin <= kmax and self._grid(kmin) <= lo:
                kmin += 1
            while kmax >= kmin and self._grid(kmax) >= hi:
                kmax -= 1
            self.kmin.append(kmin)
            self.size.append(2 + max(0, kmax - kmin + 1))

    def _pairs(self, features):
        return zip(self.continuous, features, strict=True)

    def _grid(self, k: int) -> float:
        return k / self._per_unit if self._per_unit else k * self.epsilon

    def value(self, i: int, j: int | None) -> float:
        """The input value of index (or code) ``j`` of feature ``i``; NaN when missing."""
        if j is None:
            return math.nan
        if not self.continuous[i]:
            return float(j)
        if j == 0:
            return self.low[i]
        if j == self.size[i] - 1:
            return self.high[i]
        return self._grid(self.kmin[i] + j - 1)

    def row(self, point: tuple) -> list[float]:
        return [self.value(i, j) for i, j in enumerate(point)]

    def full(self, i: int):
        """The whole domain of feature ``i``: an index range or a set of codes."""
        return (0, self.size[i] - 1) if self.continuous[i] else frozenset(range(self.size[i]))

    def interval(self, i: int, s: int, e: int) -> tuple[float, float]:
        """The thresholds (α, β] of the index range [s, e].

        A threshold lies between the last grid point on one side and the first
        on the other; it is placed on the lower one, as a tree splits with
        ``x <= t``, so thresholds that lie on the grid (midpoints of data with
        fewer decimals than ε, such as 30.5) are recovered exactly.
        """
        lo = -math.inf if s == 0 else self.value(i, s - 1)
        hi = math.inf if e == self.size[i] - 1 else self.value(i, e)
        return lo, hi


def _with(point: tuple, i: int, j) -> tuple:
    return point[:i] + (j,) + point[i + 1:]


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False, repr=False)
class Leaf:
    """The predicates of one extracted leaf: a box of the feature space.

    Attributes
    ----------
    id : object
        The identifier the oracle answers for the leaf.
    intervals : mapping of int to (float, float)
        For each constrained continuous feature, (α, β): the leaf holds
        α < x_i <= β (thresholds located to within ε).
    categories : mapping of int to frozenset of int
        For each constrained categorical feature, the codes the leaf accepts.
    witness : ndarray of shape (n_features,)
        A complete input that reached the leaf (or, from the top-down
        variant, that lies in its box).
    label : object
        The label of the leaf, if a label oracle was given.
    """

    id: Any
    intervals: Mapping[int, tuple[float, float]]
    categories: Mapping[int, frozenset]
    witness: np.ndarray = field(repr=False)
    label: Any = None

    def contains(self, X) -> np.ndarray:
        """Whether each row of ``X`` satisfies every predicate of the leaf."""
        return self._violations(np.asarray(X, dtype=np.float64)) == 0

    def _violations(self, X: np.ndarray) -> np.ndarray:
        bad = np.zeros(len(X), dtype=np.intp)
        for i, (lo, hi) in self.intervals.items():
            bad += ~((X[:, i] > lo) & (X[:, i] <= hi))
        for i, codes in self.categories.items():
            bad += ~np.isin(X[:, i], list(codes))
        return bad

    def describe(self, names: Sequence[str] | None = None,
                 values: Sequence[Sequence[str] | None] | None = None) -> str:
        """The predicates in words, e.g. ``"4.5 < age <= 30.5 and job in {A171, A172}"``."""
        name = (lambda i: names[i]) if names is not None else (lambda i: f"x{i}")
        parts = []
        for i in sorted({*self.intervals, *self.categories}):
            if i in self.intervals:
                lo, hi = self.intervals[i]
                left = "" if lo == -math.inf else f"{lo:.6g} < "
                right = "" if hi == math.inf else f" <= {hi:.6g}"
                parts.append(f"{left}{name(i)}{right}")
            else:
                vals = values[i] if values is not None and values[i] else None
                shown = ", ".join(str(vals[c]) if vals else str(c)
                                  for c in sorted(self.categories[i]))
                parts.append(f"{name(i)} in {{{shown}}}")
        return " and ".join(parts) if parts else "(everywhere)"

    def __repr__(self) -> str:
        label = "" if self.label is None else f", label={self.label!r}"
        return f"Leaf(id={self.id!r}: {self.describe()}{label})"


class ExtractedTree:
    """The tree rebuilt by path finding: a list of leaf boxes.

    :meth:`apply` answers the victim's leaf identifiers; :meth:`predict` the
    labels, when the extraction was given a label oracle. An input that lies
    in no box (only when leaves were missed) goes to the leaf whose predicates
    it violates least.
    """

    def __init__(self, leaves: Sequence[Leaf], *, names: Sequence[str],
                 values: Sequence[Sequence[str] | None], n_features: int):
        self.leaves = tuple(leaves)
        self.names = tuple(names)
        self.values = tuple(values)
        self.n_features = n_features

    @property
    def n_leaves(self) -> int:
        return len(self.leaves)

    def _leaf_index(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (n_samples, {self.n_features}). Got shape {X.shape}."
            )
        if not self.leaves:
            raise ValueError("This extracted tree has no leaves.")
        violations = np.stack([leaf._violations(X) for leaf in self.leaves])
        return violations.argmin(axis=0)  # a box that holds the row, or the nearest one

    def apply(self, X) -> np.ndarray:
        """The leaf identifier the victim would answer for each row."""
        ids = np.array([leaf.id for leaf in self.leaves])
        return ids[self._leaf_index(X)]

    def predict(self, X) -> np.ndarray:
        """The label of the leaf each row falls in (needs a label oracle at extraction)."""
        if any(leaf.label is None for leaf in self.leaves):
            raise ValueError(
                "The leaves have no labels: pass a 'label_oracle' to extract_tree to read the "
                "label of each leaf (one query per leaf), or compare with apply()."
            )
        labels = np.array([leaf.label for leaf in self.leaves])
        return labels[self._leaf_index(X)]

    def to_text(self) -> str:
        """One line per leaf: identifier, label and predicates."""
        lines = []
        for leaf in self.leaves:
            label = "" if leaf.label is None else f" -> {leaf.label}"
            lines.append(f"leaf {leaf.id}{label}: {leaf.describe(self.names, self.values)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ExtractedTree(n_leaves={self.n_leaves}, n_features={self.n_features})"


@dataclass(frozen=True, eq=False)
class PathFindingResult:
    """What :func:`extract_tree` returns.

    Attributes
    ----------
    model : ExtractedTree
        The extracted tree (``apply``, ``predict``, ``to_text``).
    n_queries : int
        Unique queries sent to the leaf oracle (Table 6's count).
    leaves : tuple of Leaf
        The predicates of each extracted leaf (same as ``model.leaves``).
    queries : ndarray of shape (n_queries, n_features)
        Every query sent, in order; NaN marks a missing feature.
    answers : ndarray of shape (n_queries,)
        The identifier answered to each query.
    steps : tuple of str
        What each query was for: "start", "line search", "category split",
        "split feature" (top-down: which feature does this node split on?) or
        "check" (top-down: a split on a feature already set).
    n_label_queries : int
        Queries sent to the label oracle (one per leaf, or 0).
    incomplete_queries : bool
        Which variant ran.
    epsilon : float
        The grid step of the line searches.
    seconds : float
        Wall-clock time of the attack (both oracles).
    """

    model: ExtractedTree
    n_queries: int
    leaves: tuple[Leaf, ...] = field(repr=False)
    queries: np.ndarray = field(repr=False)
    answers: np.ndarray = field(repr=False)
    seconds: float = field(repr=False)
    steps: tuple[str, ...] = field(repr=False)
    n_label_queries: int
    incomplete_queries: bool
    epsilon: float


# ----------------------------------------------------------------------------- checks
def _check_epsilon(epsilon: Any, features: list) -> float:
    epsilon = check_positive(epsilon, "epsilon")
    for f in features:
        if f.kind == "continuous" and (f.high - f.low) / epsilon > 2.0**52:
            raise ValueError(
                f"The 'epsilon' parameter is too fine for feature {f.name!r}: its range "
                f"[{f.low}, {f.high}] would hold more than 2**52 grid points. Got {epsilon}."
            )
    return float(epsilon)


# ----------------------------------------------------------------------------- attack
class _PathFinder:
    """One extraction: the cache of answers, the trace, and the two variants."""

    def __init__(self, oracle: Oracle, domain: _Domain):
        self.oracle = oracle
        self.dom = domain
        self.cache: dict[tuple, Any] = {}
        self.trace_rows: list[list[float]] = []
        self.trace_ids: list[Any] = []
        self.trace_steps: list[str] = []
        # Per continuous feature, grid indices t where the answer changed between t and t + 1.
        self.thresholds: list[set[int]] = [set() for _ in range(domain.d)]

    # ------------------------------------------------------------------ queries
    def ask(self, points: Sequence[tuple], step: str) -> list:
        """Identifiers of the points, sending each point not yet answered exactly once."""
        new = [p for p in dict.fromkeys(points) if p not in self.cache]
        if new:
            rows = [self.dom.row(p) for p in new]
            answers = np.asarray(self.oracle(np.array(rows, dtype=np.float64))).tolist()
            for p, row, a in zip(new, rows, answers, strict=True):
                self.cache[p] = a
                self.trace_rows.append(row)
                self.trace_ids.append(a)
                self.trace_steps.append(step)
        return [self.cache[p] for p in points]

    def line_search(self, point: tuple, i: int, s: int, e: int, step: str) -> list:
        """LINE_SEARCH: the runs [(s, e, id)] of constant answer along feature ``i`` in [s, e].

        Bisects at the middle index, so searches along the same line share
        their queries. A run whose two ends agree is taken as constant: a
        leaf's region meets a line in one interval, unless identifiers repeat.
        """
        mine, own = point[i], self.cache.get(point)
        runs: list = []

        def bisect(a, ida, b, idb):
            if ida == idb:
                # Our own answer inside a run whose ends disagree with it: split there.
                if own is not None and mine is not None and a < mine < b and own != ida:
                    bisect(a, ida, mine, own)
                    bisect(mine, own, b, idb)
                else:
                    runs.append([a, b, ida])
                return
            if b - a <= 1:
                runs.extend(([a, a, ida], [b, b, idb]))
                return
            # A threshold already found on this feature (by another leaf's search) is
            # likely to be here too: test it first, else bisect.
            middle = (a + b - 1) / 2
            near = [t for t in known if a <= t < b and (t, t + 1) != (a, b)]
            if near:
                t = min(near, key=lambda t: abs(t - middle))
                idt, idu = self.ask([_with(point, i, t), _with(point, i, t + 1)], step)
                bisect(a, ida, t, idt)
                bisect(t + 1, idu, b, idb)
                return
            m = (a + b) // 2
            (idm,) = self.ask([_with(point, i, m)], step)
            bisect(a, ida, m, idm)
            bisect(m, idm, b, idb)

        known = self.thresholds[i]
        ida, idb = self.ask([_with(point, i, s), _with(point, i, e)], step)
        bisect(s, ida, e, idb)
        merged = [runs[0]]
        for run in runs[1:]:
            if run[2] == merged[-1][2]:
                merged[-1][1] = max(merged[-1][1], run[1])
            else:
                merged.append(run)
        known.update(r[1] for r in merged[:-1])
        return [tuple(r) for r in merged]

    def category_split(self, point: tuple, i: int, codes, step: str) -> dict:
        """CATEGORY_SPLIT: the codes of feature ``i`` grouped by the identifier they lead to."""
        codes = sorted(codes)
        groups: dict = defaultdict(set)
        for c, a in zip(codes, self.ask([_with(point, i, c) for c in codes], step), strict=True):
            groups[a].add(c)
        return {a: frozenset(g) for a, g in groups.items()}

    def search(self, point: tuple, i: int, within, step: str) -> list:
        """(start of the part, part, id) for each part of ``within`` with its own answer."""
        if self.dom.continuous[i]:
            return [(s, (s, e), a) for s, e, a in self.line_search(point, i, *within, step)]
        step = "category split" if step == "line search" else step
        return [(min(g), g, a) for a, g in self.category_split(point, i, within, step).items()]

    @staticmethod
    def _holds(box: Mapping, point: tuple) -> bool:
        for i, part in box.items():
            j = point[i]
            if j is None or (j not in part if isinstance(part, frozenset)
                             else not part[0] <= j <= part[1]):
                return False
        return True

    # --------------------------------------------------------------- Algorithm 1
    def algorithm1(self, start: tuple) -> list[tuple[Any, dict, tuple]]:
        """Algorithm 1: explore leaf after leaf from complete inputs."""
        self.ask([start], "start")
        stack, found = [start], defaultdict(list)
        leaves = []
        while stack:
            point = stack.pop()
            (leaf_id,) = self.ask([point], "start")  # always cached: pushed points were asked
            if any(self._holds(box, point) for box in found[leaf_id]):
                continue  # a leaf already explored
            box, todo = {}, []
            for i in range(self.dom.d):
                for s, part, a in self.search(point, i, self.dom.full(i), "line search"):
                    if a == leaf_id and self._holds({i: part}, point):
                        box[i] = part
                    else:
                        todo.append(_with(point, i, s))  # a new leaf to visit
            found[leaf_id].append(box)
            leaves.append((leaf_id, box, point))
            stack.extend(reversed(todo))
        return leaves

    # ------------------------------------------------------------- top-down
    def top_down(self) -> list[tuple[Any, dict, tuple]]:
        """The top-down variant: extract the tree layer by layer with incomplete queries.

        A queue item is (point, id, outer, exact): ``point`` answers ``id``;
        ``exact`` holds the node's range on the features already known for it;
        every other set feature is searched within ``outer``, the range of the
        nearest ancestor that was split, to find splits made on features that
        the query had already set (they are passed without being answered).
        """
        root = (None,) * self.dom.d
        (root_id,) = self.ask([root], "start")
        queue = deque([(root, root_id, {}, {})])
        done: dict = defaultdict(list)
        uses = [0] * self.dom.d  # how often each feature was a split: try it first
        leaves = []
        while queue:
            point, node, outer, exact = queue.popleft()
            pattern = frozenset(i for i, j in enumerate(point) if j is not None)
            if any(p == pattern and self._holds(box, point) for p, box in done[node]):
                continue
            box = dict(exact)
            for k in sorted(set(outer) - set(exact)):
                for s, part, a in self.search(point, k, outer[k], "check"):
                    if a == node and self._holds({k: part}, point):
                        box[k] = part
                    else:  # a branch of a split on k, passed without an answer
                        queue.append((_with(point, k, s), a, outer, {k: part}))
            done[node].append((pattern, box))
            # Move to the start of each range, so that children checks reuse this query.
            point = tuple(j if j is None else (min(box[i]) if isinstance(box[i], frozenset)
                                               else box[i][0]) for i, j in enumerate(point))
            missing = sorted((i for i, j in enumerate(point) if j is None),
                             key=lambda i: (-uses[i], i))
            split = None
            for j in missing:
                (a,) = self.ask([_with(point, j, 0)], "split feature")
                if a != node:
                    split = j
                    break
            if split is None:
                leaves.append((node, box, point))
                continue
            uses[split] += 1
            inner = {**box, split: self.dom.full(split)}
            for s, part, a in self.search(point, split, self.dom.full(split), "line search"):
                queue.append((_with(point, split, s), a, inner, {split: part}))
        return leaves

    # ---------------------------------------------------------------- output
    def leaf(self, leaf_id: Any, box: Mapping, point: tuple) -> Leaf:
        dom = self.dom
        intervals, categories = {}, {}
        for i, part in box.items():
            if isinstance(part, frozenset):
                if len(part) < dom.size[i]:
                    categories[i] = part
            elif part != (0, dom.size[i] - 1):
                intervals[i] = dom.interval(i, *part)
        witness = np.array(dom.row(tuple(0 if j is None else j for j in point)))
        return Leaf(leaf_id, MappingProxyType(intervals), MappingProxyType(categories), witness)


def extract_tree(
    oracle: Oracle,
    features: Sequence[Any],
    *,
    epsilon: float = 1e-3,
    incomplete_queries: bool = False,
    label_oracle: Callable[[np.ndarray], np.ndarray] | None = None,
    rng: int | np.random.Generator | None = None,
) -> PathFindingResult:
    """Rebuild a decision tree from its leaf identifiers (Tramèr et al. §4.2, Algorithm 1).

    Parameters
    ----------
    oracle : Oracle
        A prediction API with ``output="leaf"``: each query is answered with
        the identifier of a leaf (or, for an incomplete query, of a node).
    features : sequence of Feature
        One description per input feature, as the attacker knows it:
        ``kind="continuous"`` with its range ``low``, ``high``, or
        ``kind="categorical"`` with its ``values`` (queried as the codes
        ``0 .. len(values) - 1``), e.g. ``dataset.features`` of a raw data set.
    epsilon : float, default=1e-3
        Granularity of LINE_SEARCH: continuous features are queried on the
        multiples of ε (and their bounds), so thresholds are found to within ε.
    incomplete_queries : bool, default=False
        False runs Algorithm 1 (complete queries only); True the top-down
        variant, which leaves features out of queries and is much cheaper.
    label_oracle : callable, optional
        Answers the label of complete inputs (e.g. an ``Oracle`` with
        ``output="label"`` on the same victim). When given, it is asked once
        per extracted leaf, at the leaf's witness, so that ``model.predict``
        answers labels; BigML's answers carried the label with the identifier.
    rng : int, numpy.random.Generator or None
        Draws the random first query of Algorithm 1.

    Returns
    -------
    PathFindingResult
        The extracted tree, the unique queries spent, each leaf's predicates
        and the trace of queries.

    Raises
    ------
    QueryBudgetExceeded
        When the oracle's budget runs out before the tree is extracted (the
        queries answered until then stay charged).

    Examples
    --------
    >>> from stealkit.datasets import load_german_credit
    >>> from stealkit.victims import DecisionTree
    >>> ds = load_german_credit(raw=True)  # doctest: +SKIP
    >>> tree = DecisionTree(features=ds.features, max_leaf_nodes=26)  # doctest: +SKIP
    >>> tree = tree.fit(ds.X_train, ds.y_train)  # doctest: +SKIP
    >>> oracle = Oracle(tree.apply, n_features=20, output="leaf")  # doctest: +SKIP
    >>> result = extract_tree(oracle, ds.features, incomplete_queries=True)  # doctest: +SKIP
    >>> result.n_queries, result.model.n_leaves  # doctest: +SKIP
    (925, 26)

    Notes
    -----
    With unique leaf identifiers both variants recover every leaf, each
    threshold to within ε. With shared identifiers a leaf can hide another
    one with the same identifier, and its predicates are then missed.
    """
    oracle = check_oracle(oracle, output="leaf")
    features = check_features(features, oracle.n_features)
    epsilon = _check_epsilon(epsilon, features)
    incomplete_queries = check_bool(incomplete_queries, "incomplete_queries")
    if label_oracle is not None and not callable(label_oracle):
        raise TypeError(
            "The 'label_oracle' parameter must be callable or None. "
            f"Got {type(label_oracle).__name__}."
        )
    rng = check_rng(rng)

    t0 = time.perf_counter()
    dom = _Domain(features, epsilon)
    finder = _PathFinder(oracle, dom)
    if incomplete_queries:
        found = finder.top_down()
    else:
        start = tuple(int(rng.integers(n)) for n in dom.size)
        found = finder.algorithm1(start)
    leaves = [finder.leaf(*f) for f in found]
    n_label_queries = 0
    if label_oracle is not None and leaves:
        labels = np.asarray(label_oracle(np.stack([leaf.witness for leaf in leaves])))
        n_label_queries = len(leaves)
        leaves = [Leaf(lf.id, lf.intervals, lf.categories, lf.witness, lab)
                  for lf, lab in zip(leaves, labels.tolist(), strict=True)]
    model = ExtractedTree(leaves, names=dom.names, values=dom.values, n_features=dom.d)
    queries = np.array(finder.trace_rows, dtype=np.float64).reshape(-1, dom.d)
    return PathFindingResult(
        model=model,
        n_queries=len(finder.trace_rows),
        leaves=model.leaves,
        queries=queries,
        answers=np.array(finder.trace_ids),
        seconds=time.perf_counter() - t0,
        steps=tuple(finder.trace_steps),
        n_label_queries=n_label_queries,
        incomplete_queries=bool(incomplete_queries),
        epsilon=epsilon,
    )


def uniform_inputs(features: Sequence[Any], n_samples: int, *,
                   rng: int | np.random.Generator | None = None) -> np.ndarray:
    """Inputs drawn uniformly from the domain the attacker is told: R_unif's inputs for a tree.

    Continuous features are uniform on ``[low, high]``, categorical ones
    uniform over their codes, as :meth:`~stealkit.datasets.TabularDataset.sample_uniform`
    draws raw rows; ``features`` are checked as :func:`extract_tree` checks them.
    """
    n = len(features) if isinstance(features, Sequence) else 0
    features = check_features(features, n)
    n_samples = check_int(n_samples, "n_samples", minimum=0)
    rng = check_rng(rng)
    X = np.empty((n_samples, len(features)))
    for i, f in enumerate(features):
        if f.kind == "continuous":
            X[:, i] = rng.uniform(float(f.low), float(f.high), size=n_samples)
        else:
            X[:, i] = rng.integers(len(f.values), size=n_samples)
    return X
