"""Decision trees as BigML served them: the victims of path finding (Tramèr et al. 2016, §4.2).

BigML trees split a continuous feature by a threshold and a categorical
feature by a set of values, and answer an *incomplete* query (some features
left out) with the deepest node reached before the first split on a missing
feature. Their answers carry an identifier of the node, which leaves may
share: BigML identified a leaf by its prediction and confidence, so two
leaves with the same prediction and confidence looked the same. scikit-learn
trees do none of this, hence :class:`DecisionTree`.

Threat model (the victim's side): the owner trains the tree and serves it as
``Oracle(tree.apply, n_features=..., output="leaf")``; the attacker sees one
identifier per query and knows each feature's kind and domain.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Sequence
from typing import Any

import numpy as np

from stealkit._validation import check_choice, check_int

__all__ = ["DecisionTree", "IDS"]

#: What a node's identifier is: its index, BigML's (prediction, confidence)
#: pair, or the predicted label alone.
IDS = ("node", "prediction", "label")

_LEAF = -1


def _describe_features(features: Any, n_features: int) -> tuple[list, list, list]:
    """Kinds, names and category names from Feature-like objects (or all continuous)."""
    if features is None:
        return (["continuous"] * n_features, [f"x{i}" for i in range(n_features)],
                [None] * n_features)
    if isinstance(features, (str, bytes)) or not isinstance(features, Sequence):
        raise TypeError(
            "The 'features' parameter must be a sequence of feature descriptions (objects with "
            f"'name', 'kind' and, for categorical ones, 'values'). Got {type(features).__name__}."
        )
    if len(features) != n_features:
        raise ValueError(
            f"The 'features' parameter must describe each of the {n_features} columns of X. "
            f"Got {len(features)} descriptions."
        )
    kinds, names, values = [], [], []
    for i, f in enumerate(features):
        kind = getattr(f, "kind", None)
        if kind not in ("continuous", "categorical"):
            raise ValueError(
                f"The 'features' parameter: feature {i} must have kind 'continuous' or "
                f"'categorical'. Got {kind!r}."
            )
        vals = getattr(f, "values", None)
        if kind == "categorical":
            if vals is None or isinstance(vals, (str, bytes)) or len(vals) < 1:
                raise ValueError(
                    f"The 'features' parameter: categorical feature {i} needs a non-empty "
                    f"sequence of 'values'. Got {vals!r}."
                )
            vals = tuple(vals)
        kinds.append(kind)
        names.append(str(getattr(f, "name", f"x{i}")))
        values.append(vals if kind == "categorical" else None)
    return kinds, names, values


def _gini_cost(counts_left: np.ndarray, counts_right: np.ndarray) -> np.ndarray:
    """n_L·Gini_L + n_R·Gini_R for rows of class counts (smaller is better)."""
    n_l = counts_left.sum(axis=1)
    n_r = counts_right.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_l = n_l - np.where(n_l > 0, (counts_left**2).sum(axis=1) / n_l, 0.0)
        cost_r = n_r - np.where(n_r > 0, (counts_right**2).sum(axis=1) / n_r, 0.0)
    return cost_l + cost_r


def _wilson_lower(k: float, n: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval: BigML's confidence of a prediction."""
    if n <= 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float((centre - spread) / (1 + z * z / n))


class DecisionTree:
    """A CART-style classification tree with threshold and value-set splits.

    Trained greedily (Gini impurity, best split first) from data whose
    categorical columns hold integer codes, or converted from a fitted
    scikit-learn tree with :meth:`from_sklearn`. :meth:`apply` answers
    incomplete queries as BigML did, so ``Oracle(tree.apply, n_features=d,
    output="leaf")`` is the victim of path finding (Tramèr et al. §4.2).

    Parameters
    ----------
    features : sequence of Feature, optional
        One description per column (``kind`` "continuous" or "categorical",
        ``name``, and the ``values`` of a categorical feature, whose column
        holds codes ``0 .. len(values) - 1``), e.g. ``dataset.features`` of a
        raw data set. Default: every column continuous.
    max_depth : int, optional
        Grow no deeper than this (the root has depth 0).
    min_samples_leaf : int, default=1
        Fewest training samples a leaf may hold.
    max_leaf_nodes : int, optional
        Stop after this many leaves; the split that lowers the impurity most
        is made first.
    ids : {"node", "prediction", "label"}, default="node"
        The identifier a node answers: its index (unique); BigML's pair
        (predicted label, confidence), shared by nodes that agree on both;
        or the predicted label alone (so most leaves share an identifier).
        :meth:`with_ids` sets any identifiers by hand.
    confidence_decimals : int, default=4
        With ``ids="prediction"``, the confidence is rounded to this many
        decimals before it identifies a leaf. Rounding coarser is an output
        defence: more leaves share an identifier and path finding misses them.

    Attributes
    ----------
    classes_ : ndarray
        The class labels.
    n_features_in_ : int
        Number of input features.
    kinds_ : tuple of str
        "continuous" or "categorical", one per feature.
    children_left_, children_right_ : ndarray of int
        Child node indices (-1 at leaves). A row goes left when its value is
        ``<= threshold_`` (continuous) or in the node's value set (categorical).
    feature_ : ndarray of int
        The feature each node splits on (-1 at leaves).
    threshold_ : ndarray of float
        The threshold of a continuous split (NaN otherwise).
    left_values_ : tuple of frozenset or None
        The codes that go left at a categorical split (None otherwise).
    value_ : ndarray of shape (n_nodes, n_classes)
        Training class counts at each node.
    ids_ : ndarray of int
        The identifier each node answers (see ``ids``).
    """

    def __init__(
        self,
        *,
        features: Sequence[Any] | None = None,
        max_depth: int | None = None,
        min_samples_leaf: int = 1,
        max_leaf_nodes: int | None = None,
        ids: str = "node",
        confidence_decimals: int = 4,
    ):
        self.features = features
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_leaf_nodes = max_leaf_nodes
        self.ids = ids
        self.confidence_decimals = confidence_decimals

    # -------------------------------------------------------------------- fit
    def fit(self, X, y) -> DecisionTree:
        """Grow the tree on ``X`` (categorical columns as codes) and labels ``y``."""
        max_depth = check_int(self.max_depth, "max_depth", minimum=0, allow_none=True)
        min_leaf = check_int(self.min_samples_leaf, "min_samples_leaf", minimum=1)
        max_leaves = check_int(self.max_leaf_nodes, "max_leaf_nodes", minimum=2, allow_none=True)
        check_choice(self.ids, "ids", IDS)
        check_int(self.confidence_decimals, "confidence_decimals", minimum=0)
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"X must be a non-empty 2-D array. Got shape {X.shape}.")
        if y.shape != (len(X),):
            raise ValueError(f"y must be 1-D with one label per row of X. Got shape {y.shape}.")
        if not np.isfinite(X).all():
            raise ValueError("X must be finite to train on (no NaN or infinite values).")
        kinds, names, values = _describe_features(self.features, X.shape[1])
        n_codes = []
        for i, kind in enumerate(kinds):
            if kind == "continuous":
                n_codes.append(0)
                continue
            col = X[:, i]
            n_codes.append(len(values[i]))
            if (col != np.round(col)).any() or col.min() < 0 or col.max() >= n_codes[-1]:
                raise ValueError(
                    f"Column {i} ({names[i]!r}) is categorical: it must hold integer codes "
                    f"0 .. {n_codes[-1] - 1}. Got values in [{col.min()}, {col.max()}]."
                )
        self.classes_, y_codes = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        self.kinds_ = tuple(kinds)
        self.feature_names_ = tuple(names)
        self.category_names_ = tuple(values)
        self.n_categories_ = np.asarray(n_codes, dtype=np.intp)
        self._float32 = False
        Y = np.eye(len(self.classes_))[y_codes]

        left, right, feat, thr, sets, counts, depth = [], [], [], [], [], [], []

        def new_node(rows, d):
            left.append(_LEAF), right.append(_LEAF), feat.append(_LEAF)
            thr.append(np.nan), sets.append(None), depth.append(d)
            counts.append(Y[rows].sum(axis=0))
            return len(left) - 1

        heap: list = []

        def consider(node, rows):
            if (max_depth is not None and depth[node] >= max_depth) or len(rows) < 2 * min_leaf:
                return
            split = self._best_split(X[rows], Y[rows], min_leaf)
            if split is not None and split[0] > 1e-12:
                # Largest impurity decrease first; ties by node index, for determinism.
                heapq.heappush(heap, (-split[0], node, rows, split))

        consider(new_node(np.arange(len(X)), 0), np.arange(len(X)))
        n_leaves = 1
        while heap and (max_leaves is None or n_leaves < max_leaves):
            _, node, rows, (_, f, t, s) = heapq.heappop(heap)
            go_left = X[rows, f] <= t if s is None else np.isin(X[rows, f], list(s))
            feat[node], thr[node], sets[node] = f, t, s
            for side, part in ((left, rows[go_left]), (right, rows[~go_left])):
                child = new_node(part, depth[node] + 1)
                side[node] = child
                consider(child, part)
            n_leaves += 1

        self.children_left_ = np.asarray(left, dtype=np.intp)
        self.children_right_ = np.asarray(right, dtype=np.intp)
        self.feature_ = np.asarray(feat, dtype=np.intp)
        self.threshold_ = np.asarray(thr, dtype=np.float64)
        self.left_values_ = tuple(sets)
        self.value_ = np.asarray(counts, dtype=np.float64)
        self._finish()
        return self

    def _best_split(self, X, Y, min_leaf):
        """(impurity decrease, feature, threshold, left codes) of the best split, or None."""
        total = Y.sum(axis=0)
        n = len(X)
        parent = n - (total**2).sum() / n
        best = None
        for f, kind in enumerate(self.kinds_):
            if kind == "continuous":
                order = np.argsort(X[:, f], kind="stable")
                xs = X[order, f]
                cum = np.cumsum(Y[order], axis=0)[:-1]  # left counts after rows 0..i
                ok = xs[:-1] < xs[1:]
                pos = np.arange(1, n)  # left sizes
                ok &= (pos >= min_leaf) & (n - pos >= min_leaf)
                if not ok.any():
                    continue
                cost = np.where(ok, _gini_cost(cum, total - cum), np.inf)
                i = int(np.argmin(cost))
                gain = parent - cost[i]
                if best is None or gain > best[0] + 1e-12:
                    t = (xs[i] + xs[i + 1]) / 2
                    if t == xs[i + 1]:  # adjacent floats: keep x <= t on the left
                        t = xs[i]
                    best = (gain, f, float(t), None)
            else:
                codes = X[:, f].astype(np.intp)
                per_code = np.zeros((int(self.n_categories_[f]), Y.shape[1]))
                np.add.at(per_code, codes, Y)
                seen = np.flatnonzero(per_code.sum(axis=1) > 0)
                if len(seen) < 2:
                    continue
                # CART orders the categories by the proportion of a class and
                # splits the ordering (optimal for two classes); try each class.
                share = per_code[seen] / per_code[seen].sum(axis=1, keepdims=True)
                for k in range(1 if Y.shape[1] == 2 else Y.shape[1]):
                    order = seen[np.argsort(share[:, -1 if Y.shape[1] == 2 else k],
                                            kind="stable")]
                    cum = np.cumsum(per_code[order], axis=0)[:-1]
                    n_l = cum.sum(axis=1)
                    ok = (n_l >= min_leaf) & (n - n_l >= min_leaf)
                    if not ok.any():
                        continue
                    cost = np.where(ok, _gini_cost(cum, total - cum), np.inf)
                    i = int(np.argmin(cost))
                    gain = parent - cost[i]
                    if best is None or gain > best[0] + 1e-12:
                        left = set(order[: i + 1].tolist())
                        # Codes unseen here follow the larger child.
                        if n_l[i] >= n - n_l[i]:
                            unseen = set(range(int(self.n_categories_[f]))) - set(seen.tolist())
                            left |= unseen
                        best = (gain, f, np.nan, frozenset(left))
        return best

    # ------------------------------------------------------------ conversion
    @classmethod
    def from_sklearn(
        cls,
        estimator: Any,
        *,
        features: Sequence[Any] | None = None,
        ids: str = "node",
        confidence_decimals: int = 4,
    ) -> DecisionTree:
        """Wrap a fitted ``sklearn.tree.DecisionTreeClassifier`` (threshold splits only).

        With ``ids="node"`` :meth:`apply` equals ``estimator.apply`` on
        complete inputs. ``features`` only names the columns (all continuous).
        """
        check_choice(ids, "ids", IDS)
        check_int(confidence_decimals, "confidence_decimals", minimum=0)
        t = getattr(estimator, "tree_", None)
        if t is None or not hasattr(estimator, "classes_") or not hasattr(t, "children_left"):
            raise TypeError(
                "The 'estimator' must be a fitted scikit-learn DecisionTreeClassifier. "
                f"Got {type(estimator).__name__}."
            )
        self = cls(features=features, ids=ids, confidence_decimals=confidence_decimals)
        d = int(estimator.n_features_in_)
        kinds, names, _ = _describe_features(features, d)
        if "categorical" in kinds:
            raise ValueError(
                "A scikit-learn tree splits every feature by a threshold, so 'features' must "
                "all be continuous here."
            )
        self.classes_ = np.asarray(estimator.classes_)
        self.n_features_in_ = d
        self.kinds_ = tuple(kinds)
        self.feature_names_ = tuple(names)
        self.category_names_ = (None,) * d
        self.n_categories_ = np.zeros(d, dtype=np.intp)
        self.children_left_ = t.children_left.astype(np.intp)
        self.children_right_ = t.children_right.astype(np.intp)
        leaf = self.children_left_ == _LEAF
        self.feature_ = np.where(leaf, _LEAF, t.feature).astype(np.intp)
        self.threshold_ = np.where(leaf, np.nan, t.threshold)
        self.left_values_ = (None,) * t.node_count
        value = t.value[:, 0, :].astype(np.float64)
        # scikit-learn >= 1.4 stores class fractions; bring back the counts.
        sums = value.sum(axis=1, keepdims=True)
        self.value_ = value / np.where(sums > 0, sums, 1) * t.n_node_samples[:, None]
        self._float32 = True  # scikit-learn compares float32 inputs with the thresholds
        self._finish()
        return self

    def _finish(self) -> None:
        """Leaf labels, depths and node identifiers, once the structure is set."""
        n_nodes = len(self.children_left_)
        self._label_index = self.value_.argmax(axis=1)
        depth = np.zeros(n_nodes, dtype=np.intp)
        for node in range(n_nodes):  # children always come after their parent
            for child in (self.children_left_[node], self.children_right_[node]):
                if child != _LEAF:
                    depth[child] = depth[node] + 1
        self._depth = depth
        width = max(1, int(self.n_categories_.max(initial=0)))
        self._left_mask = np.zeros((n_nodes, width), dtype=bool)
        for node, s in enumerate(self.left_values_):
            if s:
                self._left_mask[node, sorted(s)] = True
        if self.ids == "node":
            self.ids_ = np.arange(n_nodes)
        elif self.ids == "label":
            self.ids_ = self._label_index.copy()
        else:
            keys: dict = {}
            ids = []
            for counts, k in zip(self.value_, self._label_index, strict=True):
                conf = round(_wilson_lower(counts[k], counts.sum()), self.confidence_decimals)
                ids.append(keys.setdefault((int(k), conf), len(keys)))
            self.ids_ = np.asarray(ids)

    # ---------------------------------------------------------------- answer
    def _check_fitted(self) -> None:
        if not hasattr(self, "ids_"):
            raise AttributeError("This DecisionTree is not fitted yet; call fit or from_sklearn.")

    def _nodes(self, X) -> np.ndarray:
        """Index of the deepest node each row reaches (stopping at a missing feature)."""
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X must have shape (n_samples, {self.n_features_in_}). Got shape {X.shape}."
            )
        Xc = X.astype(np.float32) if self._float32 else X
        node = np.zeros(len(X), dtype=np.intp)
        active = np.full(len(X), self.children_left_[0] != _LEAF)
        while active.any():
            rows = np.flatnonzero(active)
            at = node[rows]
            f = self.feature_[at]
            v = Xc[rows, f]
            missing = np.isnan(v)
            go_left = v <= self.threshold_[at]
            cat = self.n_categories_[f] > 0
            if cat.any():
                code = np.where(cat & ~missing, v, -1)
                valid = (code == np.round(code)) & (code >= 0) & (code < self.n_categories_[f])
                c = np.where(valid, code, 0).astype(np.intp)
                go_left = np.where(cat, valid & self._left_mask[at, c], go_left)
            nxt = np.where(go_left, self.children_left_[at], self.children_right_[at])
            node[rows[~missing]] = nxt[~missing]
            active[rows[missing]] = False
            active &= self.children_left_[node] != _LEAF
        return node

    def apply(self, X) -> np.ndarray:
        """The identifier of the node each row reaches.

        A complete row reaches a leaf; a row with NaN (an incomplete query)
        stops at the deepest node before the first split on a missing feature.
        """
        nodes = self._nodes(X)
        return self.ids_[nodes]

    def predict(self, X) -> np.ndarray:
        """The predicted label of each row (of the node reached, for incomplete rows)."""
        nodes = self._nodes(X)
        return self.classes_[self._label_index[nodes]]

    def label_of(self, ids) -> np.ndarray:
        """The label a node identifier stands for (well defined for every ``ids`` mode)."""
        self._check_fitted()
        ids = np.asarray(ids)
        lookup = dict(zip(self.ids_.tolist(), self._label_index.tolist(), strict=True))
        try:
            return self.classes_[[lookup[i] for i in ids.ravel().tolist()]].reshape(ids.shape)
        except KeyError as exc:
            raise ValueError(f"Unknown node identifier {exc.args[0]!r}.") from None

    def with_ids(self, ids) -> DecisionTree:
        """A copy of the tree whose nodes answer ``ids``, one identifier per node.

        For experiments such as giving two leaves the same identifier; the
        copy shares the structure and predicts the same labels.
        """
        self._check_fitted()
        ids = np.asarray(ids)
        if ids.shape != self.ids_.shape:
            raise ValueError(
                f"The 'ids' parameter must hold one identifier per node ({len(self.ids_)}). "
                f"Got shape {ids.shape}."
            )
        twin = copy.copy(self)
        twin.ids_ = ids.copy()
        twin._custom_ids = True
        return twin

    # ------------------------------------------------------------ structure
    @property
    def n_leaves(self) -> int:
        """Number of leaves."""
        self._check_fitted()
        return int((self.children_left_ == _LEAF).sum())

    @property
    def n_leaf_ids(self) -> int:
        """Number of distinct identifiers among the leaves (Table 6's "unique IDs")."""
        self._check_fitted()
        return len(np.unique(self.ids_[self.children_left_ == _LEAF]))

    @property
    def depth(self) -> int:
        """Length of the longest root-to-leaf path."""
        self._check_fitted()
        return int(self._depth.max())

    @property
    def leaves(self) -> np.ndarray:
        """Indices of the leaf nodes."""
        self._check_fitted()
        return np.flatnonzero(self.children_left_ == _LEAF)

    def _condition(self, node: int, left: bool, decimals: int) -> str:
        f = self.feature_[node]
        name = self.feature_names_[f]
        if self.left_values_[node] is None:
            op = "<=" if left else "> "
            return f"{name} {op} {self.threshold_[node]:.{decimals}f}"
        codes = sorted(self.left_values_[node])
        names = self.category_names_[f]
        shown = ", ".join(str(names[c]) if names else str(c) for c in codes)
        return f"{name} {'in' if left else 'not in'} {{{shown}}}"

    def to_text(self, *, decimals: int = 2) -> str:
        """A readable dump: one line per branch, leaves with their label and identifier."""
        self._check_fitted()
        lines: list[str] = []

        def walk(node, indent):
            if self.children_left_[node] == _LEAF:
                n = int(self.value_[node].sum())
                label = self.classes_[self._label_index[node]]
                lines.append(f"{indent}|--- leaf {node}: {label} (id {self.ids_[node]}, n={n})")
                return
            for child, left in ((self.children_left_[node], True),
                                (self.children_right_[node], False)):
                lines.append(f"{indent}|--- {self._condition(node, left, decimals)}")
                walk(child, indent + "|   ")

        walk(0, "")
        return "\n".join(lines)

    def __repr__(self) -> str:
        if not hasattr(self, "ids_"):
            return "DecisionTree(unfitted)"
        ids = "custom" if getattr(self, "_custom_ids", False) else self.ids
        return (f"DecisionTree(n_leaves={self.n_leaves}, n_leaf_ids={self.n_leaf_ids}, "
                f"depth={self.depth}, ids={ids!r})")
