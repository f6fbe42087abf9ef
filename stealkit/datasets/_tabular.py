"""Tabular data sets of Tramèr et al. (2016), Table 3, prepared as in the paper."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from stealkit._validation import check_bool, check_choice, check_int, check_real, check_rng
from stealkit.datasets._fetch import SOURCES, _fetch

__all__ = [
    "Feature",
    "TabularDataset",
    "load_adult",
    "load_mushroom",
    "load_german_credit",
    "load_pima_diabetes",
    "load_iris",
    "load_digits",
    "load_breast_cancer",
    "load_circles",
    "load_moons",
    "load_blobs",
    "load_five_class",
]

KINDS = ("continuous", "categorical")
_PREPARED = ("Prepared as in Tramèr et al. (2016): categorical features one-hot encoded, "
             "numeric features scaled linearly to [-1, 1]; stratified split.")
_RAW = ("Raw: continuous features in their units, categorical features as integer codes "
        "into Feature.values; stratified split.")


# --------------------------------------------------------------------------- features
@dataclass(frozen=True)
class Feature:
    """One raw input feature: its name, kind and domain (the space R_unif samples from).

    Parameters
    ----------
    name : str
        Column name in the raw data.
    kind : {"continuous", "categorical"}
        How the feature is encoded in the prepared representation.
    low, high : float
        Range of a continuous feature in raw units (from the data); None for categorical.
    values : tuple of str
        The categories of a categorical feature, in one-hot column order; empty for
        continuous.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(
                f"The 'name' of a Feature must be a non-empty str. Got {self.name!r} instead."
            )
        if self.kind not in KINDS:
            raise ValueError(
                f"The 'kind' of Feature {self.name!r} must be one of "
                f"{', '.join(map(repr, KINDS))}. Got {self.kind!r} instead."
            )
        if self.kind == "continuous":
            self._check_range()
        else:
            self._check_values()

    def _check_range(self):
        if self.values:
            raise ValueError(
                f"Continuous feature {self.name!r} takes no 'values'. Got {self.values!r}."
            )
        for bound in ("low", "high"):
            v = getattr(self, bound)
            if isinstance(v, bool) or not isinstance(v, Real) or not np.isfinite(v):
                raise ValueError(
                    f"Continuous feature {self.name!r} needs a finite number as '{bound}'. "
                    f"Got {v!r} instead."
                )
            object.__setattr__(self, bound, float(v))
        if self.low > self.high:
            raise ValueError(
                f"Continuous feature {self.name!r} needs low <= high. "
                f"Got low={self.low}, high={self.high}."
            )

    def _check_values(self):
        if self.low is not None or self.high is not None:
            raise ValueError(
                f"Categorical feature {self.name!r} takes no 'low'/'high'; it has 'values'."
            )
        values = (self.values,) if isinstance(self.values, str) else tuple(self.values)
        if not values or not all(isinstance(v, str) for v in values):
            raise ValueError(
                f"Categorical feature {self.name!r} needs a non-empty tuple of str as 'values'. "
                f"Got {self.values!r} instead."
            )
        if len(set(values)) != len(values):
            raise ValueError(
                f"The 'values' of categorical feature {self.name!r} must be unique. "
                f"Got {values!r}."
            )
        object.__setattr__(self, "values", values)

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of this feature's columns in the prepared representation."""
        if self.kind == "continuous":
            return (self.name,)
        return tuple(f"{self.name}={v}" for v in self.values)


def _check_raw_matrix(features: Sequence[Feature], X_raw: Any) -> np.ndarray:
    """X_raw as a float array, or an error saying what is wrong with it."""
    try:
        X = np.asarray(X_raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"The raw inputs 'X_raw' must be a numeric array: {exc}") from None
    if X.ndim != 2 or X.shape[1] != len(features):
        raise ValueError(
            f"The raw inputs 'X_raw' must have shape (n_samples, {len(features)}), one column "
            f"per raw feature. Got shape {X.shape}."
        )
    for j, f in enumerate(features):
        x = X[:, j]
        if np.isnan(x).any():
            raise ValueError(
                f"The raw inputs 'X_raw' contain NaN (a missing value) in feature {f.name!r} "
                f"(column {j}); missing values have no encoding: drop or impute those rows."
            )
        if np.isinf(x).any():
            raise ValueError(f"The raw inputs 'X_raw' contain inf in feature {f.name!r}.")
        if f.kind == "categorical":
            bad = (x != np.round(x)) | (x < 0) | (x >= len(f.values))
            if bad.any():
                raise ValueError(
                    f"Categorical feature {f.name!r} (column {j}) takes integer codes "
                    f"0..{len(f.values) - 1} indexing its values. Got {x[bad][0]!r}."
                )
    return X


def _encode(features: Sequence[Feature], X_raw: Any) -> np.ndarray:
    X = _check_raw_matrix(features, X_raw)
    blocks = []
    for j, f in enumerate(features):
        x = X[:, j]
        if f.kind == "categorical":
            blocks.append(np.eye(len(f.values))[x.astype(np.intp)])
        elif f.high > f.low:
            blocks.append((2.0 * (x - f.low) / (f.high - f.low) - 1.0)[:, None])
        else:  # a constant feature (e.g. a border pixel of Digits) maps to the middle
            blocks.append(np.zeros((len(x), 1)))
    return np.hstack(blocks) if blocks else np.empty((len(X), 0))


# --------------------------------------------------------------------------- datasets
def _short_list(names: np.ndarray, limit: int = 10) -> str:
    shown = [str(c) for c in names[:limit]]
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return "[" + ", ".join(map(repr, shown)) + more + "]"


@dataclass(frozen=True, eq=False, repr=False)
class TabularDataset:
    """A tabular classification data set, split into train and test.

    ``X_*`` are in the raw representation (``raw=True``: continuous features in their
    units, categorical ones as integer codes into :attr:`Feature.values`) or the prepared
    one (one-hot categoricals, numeric features scaled to [-1, 1]); ``y_*`` are class
    codes ``0..n_classes-1`` indexing :attr:`classes`.

    Attributes
    ----------
    name, target : str
        Data set name and the column predicted.
    X_train, y_train, X_test, y_test : ndarray
        The split.
    classes : ndarray of str
        Class names, indexed by the codes in ``y``.
    features : tuple of Feature
        The raw features (name, kind, range or categories).
    feature_names : tuple of str
        Column names of ``X`` in this representation (``"workclass=Private"`` when
        prepared).
    raw : bool
        Which representation ``X`` is in.
    description : str
        Source and preparation, in words.
    """

    name: str
    target: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: np.ndarray
    features: tuple[Feature, ...]
    feature_names: tuple[str, ...]
    raw: bool = False
    description: str = ""

    def __post_init__(self):
        width = len(self.features) if self.raw else sum(len(f.columns) for f in self.features)
        splits = ((self.X_train, self.y_train, "train"), (self.X_test, self.y_test, "test"))
        for X, y, split in splits:
            if X.ndim != 2 or X.shape[1] != width or len(self.feature_names) != width:
                raise ValueError(
                    f"X_{split} must have one column per feature name ({width} for "
                    f"raw={self.raw}). Got X_{split} of shape {X.shape} and "
                    f"{len(self.feature_names)} feature names."
                )
            if y.shape != (len(X),):
                raise ValueError(f"y_{split} must have shape ({len(X)},). Got {y.shape}.")

    @property
    def n_features(self) -> int:
        """Number of columns of ``X`` in this representation."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def encode(self, X_raw) -> np.ndarray:
        """Map raw rows (one column per :attr:`features`) to the prepared representation.

        Categorical codes become one-hot columns in the order of ``Feature.values``;
        continuous values are scaled linearly from ``[low, high]`` to ``[-1, 1]`` (values
        outside the range land outside ``[-1, 1]``). NaN raises a ``ValueError``.
        """
        return _encode(self.features, X_raw)

    def sample_uniform(self, n_samples: int, *, rng: int | np.random.Generator | None = None,
                       balanced: bool = False) -> np.ndarray:
        """Draw inputs uniformly from the feature space, in this data set's representation.

        Continuous features are uniform on ``[low, high]``, categorical ones uniform over
        their values; prepared rows are the :meth:`encode` of uniform raw rows, so each
        one-hot group has exactly one 1. This is the distribution of R_unif (Tramèr et al.
        §3.1).

        Parameters
        ----------
        n_samples : int
            Number of rows.
        rng : int, numpy.random.Generator or None
            Source of randomness.
        balanced : bool, default=False
            Deal each categorical feature's values out evenly (their counts differ by
            at most one, in random order) instead of drawing them independently. Each
            row is still uniform; an attacker who queries this way never leaves a rare
            category seen only once (which leaves one of its weights undetermined).
        """
        n_samples = check_int(n_samples, "n_samples", minimum=0)
        rng = check_rng(rng)
        if not isinstance(balanced, bool | np.bool_):
            raise TypeError(f"The 'balanced' parameter must be a bool. Got {balanced!r} instead.")
        X = np.empty((n_samples, len(self.features)))
        for j, f in enumerate(self.features):
            k = len(f.values) if f.kind != "continuous" else 0
            if f.kind == "continuous":
                X[:, j] = rng.uniform(f.low, f.high, size=n_samples)
            elif balanced:
                X[:, j] = rng.permutation((np.arange(n_samples) + rng.integers(k)) % k)
            else:
                X[:, j] = rng.integers(k, size=n_samples)
        return X if self.raw else self.encode(X)

    def __repr__(self) -> str:
        return (
            f"TabularDataset({self.name!r}, target={self.target!r}, raw={self.raw}, "
            f"n_train={len(self.X_train)}, n_test={len(self.X_test)}, "
            f"n_features={self.n_features}, classes={_short_list(self.classes)})"
        )


# --------------------------------------------------------------------------- arguments
def _check_common(raw: Any, test_size: Any, rng: Any) -> tuple[bool, float, np.random.Generator]:
    raw = check_bool(raw, "raw")
    test_size = check_real(test_size, "test_size", low=0, high=1, include_high=False)
    return raw, test_size, check_rng(rng)


# --------------------------------------------------------------------------- preparation
def _seed(rng: np.random.Generator) -> int:
    """An int seed for scikit-learn, drawn from the normalised generator."""
    return int(rng.integers(2**32 - 1))


def _dataset(name: str, target: str, features: list[Feature], X_raw: np.ndarray,
             y: np.ndarray, classes: Sequence[str], *, raw: bool, test_size: float,
             rng: np.random.Generator, description: str) -> TabularDataset:
    """Split (stratified) and, unless ``raw``, encode."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(len(y)), test_size=test_size, random_state=_seed(rng), stratify=y
    )
    X = X_raw if raw else _encode(features, X_raw)
    names = tuple(f.name for f in features) if raw else sum((f.columns for f in features), ())
    return TabularDataset(
        name=name,
        target=target,
        X_train=X[train],
        y_train=y[train].astype(np.int64),
        X_test=X[test],
        y_test=y[test].astype(np.int64),
        classes=np.asarray(classes, dtype=str),
        features=tuple(features),
        feature_names=names,
        raw=raw,
        description=description,
    )


def _numeric(names: Sequence[str], X: np.ndarray) -> tuple[list[Feature], np.ndarray]:
    """Continuous features (ranges from the data) of a float matrix."""
    X = np.asarray(X, dtype=np.float64)
    features = [Feature(n, "continuous", low=X[:, j].min(), high=X[:, j].max())
                for j, n in enumerate(names)]
    return features, X


def _describe(table: np.ndarray, names: Sequence[str], continuous: set[str]
              ) -> tuple[list[Feature], np.ndarray]:
    """Features and raw float matrix of a table of strings (categories sorted)."""
    features, X = [], np.empty(table.shape)
    for j, name in enumerate(names):
        if name in continuous:
            X[:, j] = table[:, j].astype(np.float64)
            features.append(Feature(name, "continuous", low=X[:, j].min(), high=X[:, j].max()))
        else:
            values, X[:, j] = np.unique(table[:, j], return_inverse=True)
            features.append(Feature(name, "categorical", values=tuple(values.tolist())))
    return features, X


def _read_table(path: Path, n_columns: int, sep: str | None = ",", *,
                trailing_extra: bool = False) -> np.ndarray:
    """A UCI text file as a 2-D array of stripped strings (skipping blank and '|' lines).

    With ``trailing_extra``, a row with more than ``n_columns`` fields keeps its first
    ``n_columns`` and a warning names the line (a damaged mirror, not a different file).
    """
    rows = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip() or line.startswith("|"):
                continue
            row = [cell.strip() for cell in line.split(sep)]
            if trailing_extra and len(row) > n_columns:
                warnings.warn(
                    f"{path}, line {number}: {len(row)} fields where {n_columns} were expected; "
                    f"kept the first {n_columns} ({','.join(row[:n_columns])}).",
                    stacklevel=3,
                )
                row = row[:n_columns]
            if len(row) != n_columns:
                raise ValueError(
                    f"{path}, line {number}: expected {n_columns} fields, found {len(row)}. "
                    "The file is not the expected data set or is damaged."
                )
            rows.append(row)
    return np.array(rows, dtype=str)


def _uci(name: str, table: np.ndarray, columns: Sequence[str], target: str,
         continuous: set[str], classes: dict[str, str] | None, *, drop_missing: bool,
         raw: bool, test_size: float, rng: np.random.Generator, title: str) -> TabularDataset:
    """Prepare a table of strings whose missing values are '?'."""
    n_rows = len(table)
    if drop_missing:
        table = table[~(table == "?").any(axis=1)]
    t = list(columns).index(target)
    labels = table[:, t]
    names = [c for c in columns if c != target]
    features, X = _describe(np.delete(table, t, axis=1), names, continuous)
    if classes is None:  # class names as in the file, sorted
        class_names, y = np.unique(labels, return_inverse=True)
    else:  # file labels mapped to names, in the order of first mention
        unknown = sorted(set(labels.tolist()) - set(classes))
        if unknown:
            raise ValueError(
                f"The {name} file has unexpected labels {unknown} in column {target!r}; "
                f"expected {sorted(classes)}. It is not the expected data set or is damaged."
            )
        class_names = list(dict.fromkeys(classes.values()))
        y = np.array([class_names.index(classes[v]) for v in labels])
    if not drop_missing:
        missing = "missing values ('?') kept as a category"
    elif n_rows > len(table):
        missing = f"{n_rows - len(table):,} rows with missing values ('?') dropped"
    else:
        missing = "no missing values"
    description = (
        f"{title}: {len(table):,} rows ({missing}), {len(names)} raw features, target "
        f"{target!r} with {len(class_names)} classes. {_RAW if raw else _PREPARED}"
    )
    return _dataset(name, target, features, X, y, class_names, raw=raw, test_size=test_size,
                    rng=rng, description=description)


# --------------------------------------------------------------------------- UCI loaders
_ADULT_COLUMNS = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
)
_ADULT_CONTINUOUS = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss",
                     "hours-per-week"}


def load_adult(target: str = "income", *, drop_missing: bool = True, raw: bool = False,
               test_size: float = 0.3, rng: int | np.random.Generator | None = 0
               ) -> TabularDataset:
    """UCI Adult (Census Income): adult.data and adult.test together, 48,842 rows.

    Tramèr et al. (2016), Table 3 and Table 4 (target "race"). The 14 columns other than
    the target are the features: with ``target="race"`` the income bracket is a feature,
    with ``target="income"`` race is.

    Feature count. Dropping the 3,620 rows with a missing value (the paper's stated
    preparation) leaves 45,222 rows and **101** prepared features for ``target="race"``
    (6 continuous + 95 one-hot columns), not the paper's 105. Tramèr et al.'s code
    (ftramer/Steal-ML, ``regression/utils.py``, ``prepare_adult``) one-hot encodes Adult
    without dropping rows, so '?' becomes a category of workclass, occupation and
    native-country, and 'Never-worked' (which occurs only in rows with a missing
    occupation) survives: 101 + 4 = 105. ``drop_missing=False`` reproduces that encoding
    (48,842 rows, 105 features, 5 · 106 = 530 softmax unknowns as in Table 4).

    Parameters
    ----------
    target : {"income", "race"}, default="income"
        The column to predict ("<=50K"/">50K", or five race groups).
    drop_missing : bool, default=True
        Drop rows with a missing value; False keeps '?' as a category.
    raw : bool, default=False
        Return the raw representation (categorical columns as integer codes) instead of the
        prepared one.
    test_size : float, default=0.3
        Fraction of rows in the (stratified) test split.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the split; the same seed gives the same split for raw and prepared.
    """
    target = check_choice(target, "target", ("income", "race"))
    drop_missing = check_bool(drop_missing, "drop_missing")
    raw, test_size, rng = _check_common(raw, test_size, rng)
    train = _read_table(_fetch("uci/adult.data", *SOURCES["uci/adult.data"]), 15)
    test = _read_table(_fetch("uci/adult.test", *SOURCES["uci/adult.test"]), 15)
    test[:, -1] = np.char.rstrip(test[:, -1], ".")  # adult.test writes "<=50K."
    return _uci("adult", np.concatenate([train, test]), _ADULT_COLUMNS, target,
                _ADULT_CONTINUOUS, None, drop_missing=drop_missing, raw=raw,
                test_size=test_size, rng=rng, title="UCI Adult (adult.data + adult.test)")


_MUSHROOM_COLUMNS = (
    "class", "cap-shape", "cap-surface", "cap-color", "bruises", "odor", "gill-attachment",
    "gill-spacing", "gill-size", "gill-color", "stalk-shape", "stalk-root",
    "stalk-surface-above-ring", "stalk-surface-below-ring", "stalk-color-above-ring",
    "stalk-color-below-ring", "veil-type", "veil-color", "ring-number", "ring-type",
    "spore-print-color", "population", "habitat",
)


def load_mushroom(*, drop_missing: bool = True, raw: bool = False, test_size: float = 0.3,
                  rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """UCI Mushroom: 8,124 mushrooms, 22 categorical features, edible or poisonous.

    Tramèr et al. (2016), Table 3 ("Mushrooms"). Categories keep the file's one-letter
    codes (explained in ``agaricus-lepiota.names``). Only 'stalk-root' has missing values
    ('?'); dropping those rows leaves 5,644 rows and 98 one-hot features ('veil-type' then
    has a single value). ``drop_missing=False`` keeps '?' as a category (all 8,124 rows).

    Parameters
    ----------
    drop_missing, raw, test_size, rng
        As in :func:`load_adult`.
    """
    drop_missing = check_bool(drop_missing, "drop_missing")
    raw, test_size, rng = _check_common(raw, test_size, rng)
    rel = "uci/agaricus-lepiota.data"
    table = _read_table(_fetch(rel, *SOURCES[rel]), len(_MUSHROOM_COLUMNS))
    return _uci("mushroom", table, _MUSHROOM_COLUMNS, "class", set(),
                {"e": "edible", "p": "poisonous"}, drop_missing=drop_missing, raw=raw,
                test_size=test_size, rng=rng, title="UCI Mushroom (agaricus-lepiota.data)")


_GERMAN_COLUMNS = (
    "checking-status", "duration", "credit-history", "purpose", "credit-amount", "savings",
    "employment-since", "installment-rate", "personal-status-sex", "other-debtors",
    "residence-since", "property", "age", "other-installment-plans", "housing",
    "existing-credits", "job", "people-liable", "telephone", "foreign-worker", "credit-risk",
)
_GERMAN_CONTINUOUS = {"duration", "credit-amount", "installment-rate", "residence-since",
                      "age", "existing-credits", "people-liable"}


def load_german_credit(*, raw: bool = False, test_size: float = 0.3,
                       rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """UCI Statlog German Credit (german.data): 1,000 applicants, good or bad credit risk.

    One of BigML's public trees in Tramèr et al. (2016), Table 6. 20 features: 7 numeric
    and 13 categorical, whose values keep the file's codes ("A11" ... "A202", explained in
    ``german.doc``); 61 prepared features. No missing values. Label 1 is "good", 2 "bad"
    (the course's offline copy writes 0 for "bad"; both are read).

    Parameters
    ----------
    raw, test_size, rng
        As in :func:`load_adult`.
    """
    raw, test_size, rng = _check_common(raw, test_size, rng)
    rel = "uci/german.data"
    table = _read_table(_fetch(rel, *SOURCES[rel]), len(_GERMAN_COLUMNS), sep=None)
    # The canonical file codes "bad" as 2; the course's offline copy codes it 0.
    labels = {"1": "good", "2": "bad", "0": "bad"}
    return _uci("german_credit", table, _GERMAN_COLUMNS, "credit-risk", _GERMAN_CONTINUOUS,
                labels, drop_missing=True, raw=raw, test_size=test_size, rng=rng,
                title="UCI Statlog German Credit (german.data)")


_PIMA_COLUMNS = (
    "pregnancies", "glucose", "blood-pressure", "skin-thickness", "insulin", "bmi",
    "diabetes-pedigree", "age", "diabetes",
)


def load_pima_diabetes(*, raw: bool = False, test_size: float = 0.3,
                       rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Pima Indians Diabetes: 768 women, 8 numeric features, diabetes within 5 years.

    Tramèr et al. (2016), Table 3 ("Diabetes"). Classes "0" (no) and "1" (yes), as in the
    file. The file marks no value as missing (some zeros, e.g. a blood pressure of 0, are
    missing in fact), so no row is dropped.

    Parameters
    ----------
    raw, test_size, rng
        As in :func:`load_adult`.
    """
    raw, test_size, rng = _check_common(raw, test_size, rng)
    rel = "uci/pima-indians-diabetes.data"
    # Some mirrors carry a stray trailing field on a row; the first nine are the data.
    table = _read_table(_fetch(rel, *SOURCES[rel]), len(_PIMA_COLUMNS), trailing_extra=True)
    return _uci("pima_diabetes", table, _PIMA_COLUMNS, "diabetes", set(_PIMA_COLUMNS[:-1]),
                {"0": "0", "1": "1"}, drop_missing=True, raw=raw, test_size=test_size,
                rng=rng, title="Pima Indians Diabetes")


# --------------------------------------------------------------------------- scikit-learn
def _bundled(loader_name: str, name: str, title: str, raw: Any, test_size: Any, rng: Any
             ) -> TabularDataset:
    import sklearn.datasets

    raw, test_size, rng = _check_common(raw, test_size, rng)
    bunch = getattr(sklearn.datasets, loader_name)()
    features, X = _numeric([str(n) for n in bunch.feature_names], bunch.data)
    description = (
        f"{title} (scikit-learn's bundled copy): {len(X):,} rows, {X.shape[1]} continuous "
        f"features, {len(bunch.target_names)} classes. {_RAW if raw else _PREPARED}"
    )
    return _dataset(name, "class", features, X, np.asarray(bunch.target),
                    [str(c) for c in bunch.target_names], raw=raw, test_size=test_size,
                    rng=rng, description=description)


def load_iris(*, raw: bool = False, test_size: float = 0.3,
              rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Iris: 150 flowers, 4 measurements, 3 species (Tramèr et al. 2016, Table 3).

    Parameters
    ----------
    raw, test_size, rng
        As in :func:`load_adult`.
    """
    return _bundled("load_iris", "iris", "Iris", raw, test_size, rng)


def load_digits(*, raw: bool = False, test_size: float = 0.3,
                rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Digits: 1,797 8x8 images of handwritten digits, 64 pixel features (0-16), 10 classes.

    Tramèr et al. (2016), Table 3 and Figure 2. Pixels that are constant in the data (a few
    border pixels) have ``low == high`` and are encoded as 0.

    Parameters
    ----------
    raw, test_size, rng
        As in :func:`load_adult`.
    """
    return _bundled("load_digits", "digits", "Digits", raw, test_size, rng)


def load_breast_cancer(*, raw: bool = False, test_size: float = 0.3,
                       rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Breast Cancer Wisconsin (diagnostic): 569 tumours, 30 features, malignant or benign.

    Tramèr et al. (2016), Table 3.

    Parameters
    ----------
    raw, test_size, rng
        As in :func:`load_adult`.
    """
    return _bundled("load_breast_cancer", "breast_cancer", "Breast Cancer Wisconsin", raw,
                    test_size, rng)


# --------------------------------------------------------------------------- synthetic
def _synthetic(name: str, X: np.ndarray, y: np.ndarray, title: str, *, raw: bool,
               test_size: float, rng: np.random.Generator) -> TabularDataset:
    features, X = _numeric([f"x{j}" for j in range(X.shape[1])], X)
    classes = [str(c) for c in range(int(y.max()) + 1)]
    description = (f"{title}: {len(X):,} points, {X.shape[1]} features, {len(classes)} "
                   f"classes, generated with scikit-learn. {_RAW if raw else _PREPARED}")
    return _dataset(name, "class", features, X, y, classes, raw=raw, test_size=test_size,
                    rng=rng, description=description)


def load_circles(*, n_samples: int = 5000, noise: float = 0.05, factor: float = 0.5,
                 raw: bool = False, test_size: float = 0.3,
                 rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Circles: two concentric noisy circles in the plane (Tramèr et al. 2016, Table 3).

    Defaults are those of Tramèr et al.'s code (``make_circles(5000, factor=.5,
    noise=.05)``).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of points.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise.
    factor : float, default=0.5
        Radius of the inner circle relative to the outer one, in (0, 1).
    raw, test_size
        As in :func:`load_adult`.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the generator and the split.
    """
    from sklearn.datasets import make_circles

    n_samples = check_int(n_samples, "n_samples", minimum=10)
    noise = check_real(noise, "noise", low=0, include_low=True)
    factor = check_real(factor, "factor", low=0, high=1, include_high=False)
    raw, test_size, rng = _check_common(raw, test_size, rng)
    X, y = make_circles(n_samples, noise=noise, factor=factor, random_state=_seed(rng))
    return _synthetic("circles", X, y, "Circles", raw=raw, test_size=test_size, rng=rng)


def load_moons(*, n_samples: int = 5000, noise: float = 0.25, raw: bool = False,
               test_size: float = 0.3, rng: int | np.random.Generator | None = 0
               ) -> TabularDataset:
    """Moons: two interleaving noisy half circles (Tramèr et al. 2016, Table 3).

    Defaults are those of Tramèr et al.'s code (``make_moons(5000, noise=0.25)``).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of points.
    noise : float, default=0.25
        Standard deviation of the Gaussian noise.
    raw, test_size
        As in :func:`load_adult`.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the generator and the split.
    """
    from sklearn.datasets import make_moons

    n_samples = check_int(n_samples, "n_samples", minimum=10)
    noise = check_real(noise, "noise", low=0, include_low=True)
    raw, test_size, rng = _check_common(raw, test_size, rng)
    X, y = make_moons(n_samples, noise=noise, random_state=_seed(rng))
    return _synthetic("moons", X, y, "Moons", raw=raw, test_size=test_size, rng=rng)


def load_blobs(*, n_samples: int = 5000, centers: int = 3, cluster_std: float = 0.5,
               raw: bool = False, test_size: float = 0.3,
               rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """Blobs: isotropic Gaussian clusters in the plane, one class each (Tramèr et al., Table 3).

    Defaults are those of Tramèr et al.'s code (``make_blobs(5000, cluster_std=0.5)``,
    three centres).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of points.
    centers : int, default=3
        Number of clusters (classes), at least 2.
    cluster_std : float, default=0.5
        Standard deviation of each cluster.
    raw, test_size
        As in :func:`load_adult`.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the generator and the split.
    """
    from sklearn.datasets import make_blobs

    n_samples = check_int(n_samples, "n_samples", minimum=10)
    centers = check_int(centers, "centers", minimum=2)
    cluster_std = check_real(cluster_std, "cluster_std", low=0)
    raw, test_size, rng = _check_common(raw, test_size, rng)
    X, y = make_blobs(n_samples, centers=centers, cluster_std=cluster_std,
                      random_state=_seed(rng))
    return _synthetic("blobs", X, y, "Blobs", raw=raw, test_size=test_size, rng=rng)


def load_five_class(*, n_samples: int = 1000, n_features: int = 20, n_informative: int = 4,
                    raw: bool = False, test_size: float = 0.3,
                    rng: int | np.random.Generator | None = 0) -> TabularDataset:
    """5-Class: a five-class problem from ``make_classification`` (Tramèr et al., Table 3).

    Defaults are those of Tramèr et al.'s code (``make_classification(n_samples=1000,
    n_classes=5, n_informative=4)``, 20 features).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    n_features : int, default=20
        Number of features (informative, 2 redundant, the rest noise).
    n_informative : int, default=4
        Number of informative features, at least 4 for five classes of two clusters each.
    raw, test_size
        As in :func:`load_adult`.
    rng : int, numpy.random.Generator or None, default=0
        Seeds the generator and the split.
    """
    from sklearn.datasets import make_classification

    n_samples = check_int(n_samples, "n_samples", minimum=10)
    n_informative = check_int(n_informative, "n_informative", minimum=4)
    n_features = check_int(n_features, "n_features", minimum=n_informative + 2)
    raw, test_size, rng = _check_common(raw, test_size, rng)
    X, y = make_classification(n_samples=n_samples, n_features=n_features,
                               n_informative=n_informative, n_classes=5,
                               random_state=_seed(rng))
    return _synthetic("five_class", X, y, "5-Class", raw=raw, test_size=test_size, rng=rng)
