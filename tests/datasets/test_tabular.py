"""Tests of stealkit.datasets' tabular sets (TabularDataset, Feature, the loaders of Table 3)
against the offline copies (STEALKIT_DATA) and tiny fakes; no test downloads anything."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import stealkit.datasets as ds
from stealkit.datasets import (
    Feature,
    ImageDataset,
    TabularDataset,
)

# name: (loader, needs offline data, rows, classes, raw features, prepared features)
TABULAR = {
    "adult-income": (lambda **kw: ds.load_adult("income", **kw), True, 45222, 2, 14, 104),
    "adult-race": (lambda **kw: ds.load_adult("race", **kw), True, 45222, 5, 14, 101),
    "mushroom": (ds.load_mushroom, True, 5644, 2, 22, 98),
    "german_credit": (ds.load_german_credit, True, 1000, 2, 20, 61),
    "pima_diabetes": (ds.load_pima_diabetes, True, 768, 2, 8, 8),
    "iris": (ds.load_iris, False, 150, 3, 4, 4),
    "digits": (ds.load_digits, False, 1797, 10, 64, 64),
    "breast_cancer": (ds.load_breast_cancer, False, 569, 2, 30, 30),
    "circles": (ds.load_circles, False, 5000, 2, 2, 2),
    "moons": (ds.load_moons, False, 5000, 2, 2, 2),
    "blobs": (ds.load_blobs, False, 5000, 3, 2, 2),
    "five_class": (ds.load_five_class, False, 1000, 5, 20, 20),
}



@pytest.fixture(scope="session")
def _memo():
    return {}


@pytest.fixture
def tabular(request, monkeypatch, _memo):
    """load(name, raw=False, rng=0): a tabular data set, loaded once per session."""

    def load(name: str, *, raw: bool = False, rng: int = 0) -> TabularDataset:
        loader, needs_data = TABULAR[name][:2]
        if needs_data:
            monkeypatch.setenv("STEALKIT_DATA", str(request.getfixturevalue("stealkit_data")))
        key = (name, raw, rng)
        if key not in _memo:
            with warnings.catch_warnings():
                # the offline Pima copy has a stray trailing field on one row
                warnings.simplefilter("ignore", UserWarning)
                _memo[key] = loader(raw=raw, rng=rng)
        return _memo[key]

    return load


def _one_hot_blocks(data: TabularDataset):
    """(feature, column slice) of each categorical feature in the prepared X."""
    start = 0
    for f in data.features:
        width = len(f.columns)
        if f.kind == "categorical":
            yield f, slice(start, start + width)
        start += width


def _check_prepared_rows(data: TabularDataset, X: np.ndarray):
    assert X.shape[1] == data.n_features
    assert np.isfinite(X).all()
    assert X.min() >= -1 - 1e-12 and X.max() <= 1 + 1e-12
    for _, cols in _one_hot_blocks(data):
        assert np.isin(X[:, cols], (0.0, 1.0)).all()
        np.testing.assert_array_equal(X[:, cols].sum(axis=1), 1.0)


def _check_raw_rows(data: TabularDataset, X: np.ndarray):
    assert X.shape[1] == len(data.features)
    assert np.isfinite(X).all()
    for j, f in enumerate(data.features):
        if f.kind == "categorical":
            assert np.array_equal(X[:, j], np.round(X[:, j]))
            assert X[:, j].min() >= 0 and X[:, j].max() < len(f.values)
        else:
            assert X[:, j].min() >= f.low and X[:, j].max() <= f.high


# --------------------------------------------------------------------------- tabular
@pytest.mark.parametrize("name", TABULAR)
def test_tabular_prepared(tabular, name):
    _, _, n_rows, n_classes, n_raw, n_prepared = TABULAR[name]
    data = tabular(name)
    assert not data.raw
    assert len(data.X_train) + len(data.X_test) == n_rows
    assert len(data.X_test) == math.ceil(0.3 * n_rows)
    assert data.n_classes == n_classes and data.classes.dtype.kind == "U"
    assert len(data.features) == n_raw
    assert data.n_features == n_prepared == len(data.feature_names)
    assert data.feature_names == sum((f.columns for f in data.features), ())
    for X, y in ((data.X_train, data.y_train), (data.X_test, data.y_test)):
        assert X.dtype == np.float64 and y.dtype == np.int64 and y.shape == (len(X),)
        assert set(np.unique(y)) == set(range(n_classes))  # every class in both splits
        _check_prepared_rows(data, X)
    X = np.concatenate([data.X_train, data.X_test])
    for _, cols in _one_hot_blocks(data):  # categories come from the data: each one occurs
        assert (X[:, cols].max(axis=0) == 1).all()
    continuous = {f.name for f in data.features if f.kind == "continuous"}
    for j, column in enumerate(data.feature_names):
        if column in continuous:  # ranges are the data's: the column spans [-1, 1] (or is 0)
            assert (X[:, j].min(), X[:, j].max()) in {(-1.0, 1.0), (0.0, 0.0)}


@pytest.mark.parametrize("name", TABULAR)
def test_tabular_raw_matches_prepared(tabular, name):
    prepared, raw = tabular(name), tabular(name, raw=True)
    assert raw.raw and raw.feature_names == tuple(f.name for f in raw.features)
    assert raw.features == prepared.features
    np.testing.assert_array_equal(raw.y_train, prepared.y_train)  # same rng, same split
    np.testing.assert_array_equal(raw.y_test, prepared.y_test)
    for X_raw, X in ((raw.X_train, prepared.X_train), (raw.X_test, prepared.X_test)):
        _check_raw_rows(raw, X_raw)
        np.testing.assert_allclose(prepared.encode(X_raw), X, atol=1e-12)
    X_raw = np.concatenate([raw.X_train, raw.X_test])
    for j, f in enumerate(raw.features):  # ranges and categories come from the data
        if f.kind == "continuous":
            assert (X_raw[:, j].min(), X_raw[:, j].max()) == (f.low, f.high)
        else:
            assert len(np.unique(X_raw[:, j])) == len(f.values)


@pytest.mark.parametrize("name", TABULAR)
def test_tabular_split_depends_only_on_rng(tabular, name):
    loader = TABULAR[name][0]
    data = tabular(name)
    again, other = loader(rng=0), loader(rng=1)
    np.testing.assert_array_equal(again.X_train, data.X_train)
    np.testing.assert_array_equal(again.y_test, data.y_test)
    assert again.features == data.features
    assert not np.array_equal(other.y_train, data.y_train)
    from_generator = loader(rng=np.random.default_rng(0))
    assert from_generator.X_train.shape == data.X_train.shape


@pytest.mark.parametrize("name", TABULAR)
def test_tabular_split_is_stratified(tabular, name):
    data = tabular(name)
    n_train = np.bincount(data.y_train, minlength=data.n_classes)
    n_test = np.bincount(data.y_test, minlength=data.n_classes)
    expected = 0.3 * (n_train + n_test)
    assert np.all(np.abs(n_test - expected) <= 1)


def test_adult_race_feature_count(tabular, offline):
    # Dropping rows with missing values (the paper's stated preparation) gives 101 features;
    # keeping '?' as a category, as Tramèr et al.'s code does, gives the paper's 105.
    race = tabular("adult-race")
    assert race.n_features == 101 and race.n_classes == 5
    assert list(race.classes) == ["Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black",
                                  "Other", "White"]
    assert "income=>50K" in race.feature_names and "race=White" not in race.feature_names
    paper = ds.load_adult("race", drop_missing=False)
    assert paper.n_features == 105
    assert len(paper.X_train) + len(paper.X_test) == 48842
    assert race.n_classes * (paper.n_features + 1) == 530  # Table 4's softmax unknowns
    assert "workclass=?" in paper.feature_names
    income = tabular("adult-income")
    assert list(income.classes) == ["<=50K", ">50K"]  # adult.test's trailing "." stripped
    assert "race=White" in income.feature_names


def test_uci_class_names(tabular):
    assert list(tabular("mushroom").classes) == ["edible", "poisonous"]
    german = tabular("german_credit")
    assert list(german.classes) == ["good", "bad"]
    assert np.bincount(np.concatenate([german.y_train, german.y_test])).tolist() == [700, 300]
    assert {"checking-status", "purpose"} <= {f.name for f in german.features}
    assert german.features[0].values == ("A11", "A12", "A13", "A14")
    assert sum(f.kind == "categorical" for f in german.features) == 13
    assert all(f.kind == "categorical" for f in tabular("mushroom").features)


def test_synthetic_rng_seeds_the_generator():
    a, b = ds.load_moons(rng=0, raw=True), ds.load_moons(rng=5, raw=True)
    assert not np.allclose(np.sort(a.X_train[:, 0]), np.sort(b.X_train[:, 0])[: len(a.X_train)])
    small = ds.load_circles(n_samples=200, noise=0.0, factor=0.3, raw=True)
    radii = np.hypot(*np.concatenate([small.X_train, small.X_test]).T)
    np.testing.assert_allclose(np.sort(np.unique(radii.round(6))), [0.3, 1.0])
    blobs = ds.load_blobs(n_samples=300, centers=4, cluster_std=1.0)
    assert blobs.n_classes == 4
    five = ds.load_five_class(n_samples=500, n_features=8, n_informative=5)
    assert five.n_features == 8 and five.n_classes == 5


# --------------------------------------------------------------------------- sample_uniform
@pytest.mark.parametrize("name", ["adult-race", "mushroom", "german_credit", "iris", "digits"])
@pytest.mark.parametrize("raw", [False, True])
def test_sample_uniform(tabular, name, raw):
    data = tabular(name, raw=raw)
    X = data.sample_uniform(4000, rng=0)
    assert X.shape == (4000, data.n_features)
    (_check_raw_rows if raw else _check_prepared_rows)(data, X)
    np.testing.assert_array_equal(X, data.sample_uniform(4000, rng=0))
    assert not np.array_equal(X, data.sample_uniform(4000, rng=1))
    assert data.sample_uniform(0).shape == (0, data.n_features)
    g = np.random.default_rng(3)
    assert data.sample_uniform(5, rng=g).shape == (5, data.n_features)


def test_sample_uniform_is_uniform(tabular):
    data = tabular("adult-race")
    X = data.sample_uniform(20_000, rng=0)
    for f, cols in _one_hot_blocks(data):  # every category drawn about equally often
        share = X[:, cols].mean(axis=0)
        assert np.allclose(share, 1 / len(f.values), atol=4 / np.sqrt(20_000))
    age = data.feature_names.index("age")
    assert abs(X[:, age].mean()) < 0.03 and abs(X[:, age].var() - 1 / 3) < 0.02


def test_balanced_sample_deals_categories_out_evenly(tabular):
    data = tabular("adult-race")
    X = data.sample_uniform(265, rng=0, balanced=True)
    _check_prepared_rows(data, X)
    for f, cols in _one_hot_blocks(data):  # counts differ by at most one
        counts = X[:, cols].sum(axis=0)
        assert counts.max() - counts.min() <= 1 and counts.sum() == 265, f.name
    def rarest(X):
        return min(X[:, cols].sum(axis=0).min() for _, cols in _one_hot_blocks(data))

    # independent draws often leave some category seen at most once; dealt out, never
    assert sum(rarest(data.sample_uniform(265, rng=s)) <= 1 for s in range(10)) >= 3
    assert all(rarest(data.sample_uniform(265, rng=s, balanced=True)) >= 6 for s in range(10))
    np.testing.assert_array_equal(X, data.sample_uniform(265, rng=0, balanced=True))
    with pytest.raises(TypeError, match="'balanced' parameter must be a bool"):
        data.sample_uniform(3, balanced="yes")


def test_sample_uniform_rejects_bad_sizes(tabular):
    data = tabular("iris")
    with pytest.raises(ValueError, match="'n_samples' parameter must be an int >= 0. Got -1"):
        data.sample_uniform(-1)
    with pytest.raises(TypeError, match="'n_samples'"):
        data.sample_uniform(2.5)


# --------------------------------------------------------------------------- encode, Feature
def test_encode_by_hand():
    features = (Feature("size", "continuous", low=0, high=10),
                Feature("colour", "categorical", values=("red", "green", "blue")),
                Feature("flat", "continuous", low=3, high=3))
    data = TabularDataset(
        name="toy", target="y", X_train=np.zeros((1, 5)), y_train=np.zeros(1, int),
        X_test=np.zeros((1, 5)), y_test=np.zeros(1, int), classes=np.array(["a"]),
        features=features, feature_names=sum((f.columns for f in features), ()))
    X = data.encode([[0, 2, 3], [5, 0, 3], [10, 1, 3]])
    np.testing.assert_array_equal(X, [[-1, 0, 0, 1, 0], [0, 1, 0, 0, 0], [1, 0, 1, 0, 0]])
    assert data.feature_names == ("size", "colour=red", "colour=green", "colour=blue", "flat")
    with pytest.raises(ValueError, match="NaN .* in feature 'size'"):
        data.encode([[np.nan, 0, 3]])
    with pytest.raises(ValueError, match="'colour' .* integer codes 0..2"):
        data.encode([[1, 3, 3]])
    with pytest.raises(ValueError, match="'colour'"):
        data.encode([[1, 0.5, 3]])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 3\)"):
        data.encode([1, 0, 3])
    with pytest.raises(TypeError, match="numeric"):
        data.encode([["a", "b", "c"]])


def test_dataset_checks_its_shapes():
    f = (Feature("x", "continuous", low=0, high=1),)
    with pytest.raises(ValueError, match="one column per feature name"):
        TabularDataset(name="t", target="y", X_train=np.zeros((2, 2)), y_train=np.zeros(2, int),
                       X_test=np.zeros((1, 1)), y_test=np.zeros(1, int), classes=np.array(["a"]),
                       features=f, feature_names=("x",))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "a", "kind": "ordinal"}, "'kind' of Feature 'a' must be one of"),
        ({"name": "", "kind": "continuous", "low": 0, "high": 1}, "non-empty str"),
        ({"name": "a", "kind": "continuous", "low": 2, "high": 1}, "low <= high"),
        ({"name": "a", "kind": "continuous", "low": 0}, "finite number as 'high'"),
        ({"name": "a", "kind": "continuous", "low": 0, "high": np.inf}, "finite"),
        ({"name": "a", "kind": "categorical"}, "non-empty tuple of str"),
        ({"name": "a", "kind": "categorical", "values": ("x", "x")}, "must be unique"),
        ({"name": "a", "kind": "categorical", "values": ("x",), "low": 0}, "no 'low'"),
        ({"name": "a", "kind": "continuous", "low": 0, "high": 1, "values": ("x",)},
         "takes no 'values'"),
    ],
)
def test_feature_validates_itself(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Feature(**kwargs)


def test_feature_normalises():
    f = Feature("c", "categorical", values=["b", "a"])
    assert f.values == ("b", "a") and f.columns == ("c=b", "c=a")
    g = Feature("x", "continuous", low=np.int64(1), high=2)
    assert isinstance(g.low, float) and g.columns == ("x",)


def test_reprs_are_short(tabular):
    text = repr(tabular("digits"))
    assert text.startswith("TabularDataset('digits'") and "n_features=64" in text
    assert "n_train=1257" in text and "array" not in text and len(text) < 250
    big = ImageDataset("toy", np.zeros((2, 4, 4), np.uint8), np.zeros(2, np.int64),
                       np.zeros((1, 4, 4), np.uint8), np.zeros(1, np.int64),
                       np.array([str(i) for i in range(100)]))
    assert "100 in all" in repr(big) and len(repr(big)) < 250


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ds.load_adult("sex"), ValueError,
         r"'target' parameter must be one of 'income', 'race'. Got 'sex'"),
        (lambda: ds.load_adult(drop_missing="no"), TypeError, "'drop_missing'"),
        (lambda: ds.load_iris(test_size=0), ValueError, "'test_size' parameter must be"),
        (lambda: ds.load_iris(test_size=1.0), ValueError, r"and < 1. Got 1.0"),
        (lambda: ds.load_mushroom(test_size=-0.1), ValueError, "'test_size'"),
        (lambda: ds.load_german_credit(test_size=float("nan")), ValueError, "'test_size'"),
        (lambda: ds.load_pima_diabetes(test_size="0.3"), TypeError, "'test_size'"),
        (lambda: ds.load_digits(raw="yes"), TypeError, "'raw' parameter must be a bool"),
        (lambda: ds.load_breast_cancer(rng=-1), ValueError, "'rng' parameter must be"),
        (lambda: ds.load_moons(rng="seed"), ValueError, "'rng'"),
        (lambda: ds.load_circles(n_samples=0), ValueError, "'n_samples' parameter"),
        (lambda: ds.load_circles(factor=1.5), ValueError, "'factor' parameter"),
        (lambda: ds.load_moons(noise=-1), ValueError, "'noise' parameter must be a number >= 0"),
        (lambda: ds.load_blobs(centers=1), ValueError, "'centers' parameter"),
        (lambda: ds.load_blobs(cluster_std=0), ValueError, "'cluster_std'"),
        (lambda: ds.load_five_class(n_informative=2), ValueError, "'n_informative'"),
        (lambda: ds.load_five_class(n_features=5), ValueError, "'n_features'"),
        (lambda: ds.load_cifar100(label_mode="medium"), ValueError,
         "'label_mode' parameter must be one of 'fine', 'coarse'"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()



def test_uci_parser_on_a_tiny_file(monkeypatch, tmp_path):
    rows = ["6,148,72,35,0,33.6,0.627,50,1", "1,85,66,29,0,26.6,0.351,31,0"] * 5
    (tmp_path / "uci").mkdir()
    path = tmp_path / "uci" / "pima-indians-diabetes.data"
    path.write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("STEALKIT_DATA", str(tmp_path))
    data = ds.load_pima_diabetes(raw=True, test_size=0.2)
    assert len(data.X_train) == 8 and data.features[0] == Feature("pregnancies", "continuous",
                                                                  low=1, high=6)
    path.write_text("\n".join(rows[:1] + ["1,85,66,29,0,26.6,0.351,31,0,0"] + rows[2:]))
    with pytest.warns(UserWarning, match="line 2: 10 fields where 9 were expected; kept the first 9"):
        damaged = ds.load_pima_diabetes(raw=True, test_size=0.2)
    np.testing.assert_array_equal(np.sort(damaged.X_train, 0), np.sort(data.X_train, 0))
    path.write_text("\n".join(rows[:1] + ["1,85,66,29,0,26.6,0.351"] + rows[2:]))
    with pytest.raises(ValueError, match="line 2: expected 9 fields, found 7"):
        ds.load_pima_diabetes()
    path.write_text("\n".join(rows[:-1] + ["1,85,66,29,0,26.6,0.351,31,7"]))
    with pytest.raises(ValueError, match=r"unexpected labels \['7'\]"):
        ds.load_pima_diabetes()
