import json

import numpy as np
import pytest

from stealkit.dataset_inference import cifar, zoo, zoo_build
from stealkit.dataset_inference.cifar import (
    THREAT_MODELS,
    ZOO_CIFAR10,
    p_value_curves,
    public_code_rows,
    split_rows,
    verify_zoo,
    zoo_embeddings,
)

SHIPPED = (ZOO_CIFAR10 / "manifest.json").is_file()


def test_split_rows_alternates_within_each_set():
    d = np.arange(16)[:, None] * np.ones((1, 3))
    a, b, c, e = split_rows(d)
    assert [r[:, 0].tolist() for r in (a, b, c, e)] == [[0, 2, 4, 6], [8, 10, 12, 14],
                                                        [1, 3, 5, 7], [9, 11, 13, 15]]
    # rows sorted by class (as the offline copy is): both halves get every class
    labels = np.repeat(np.arange(10), 7)
    train, test = cifar.row_split(len(labels))
    assert set(labels[train]) == set(labels[test]) == set(range(10))
    assert (len(train), len(test)) == (35, 35)
    with pytest.raises(ValueError, match="'n' parameter must be an int >= 2. Got 1"):
        cifar.row_split(1)
    with pytest.raises(ValueError, match=r"n private then n public rows, n >= 4. Got shape \(9, 3\)"):
        split_rows(np.ones((9, 3)))


def test_verify_zoo_on_synthetic_embeddings_with_a_known_answer(tmp_path, synthetic_zoo):
    arrays = synthetic_zoo(tmp_path)
    emb = {k.split("/")[0]: v for k, v in arrays.items()}
    results = verify_zoo(emb, rng=0)
    assert results["V"].verdict == results["copy"].verdict == "stolen"
    assert results["V"].delta_mean > results["copy"].delta_mean > 0
    assert results["independent"].p_value > 0.05
    # the test uses the held-out halves only: 100 private and 100 public samples each
    assert len(results["V"].private_scores) == len(results["V"].public_scores) == 100
    again = verify_zoo(emb, rng=0)
    assert again["copy"].p_value == results["copy"].p_value
    with pytest.raises(ValueError, match=r"'victim' parameter must name one of .* Got 'W'"):
        verify_zoo(emb, victim="W")

    curves = p_value_curves(results, sizes=(2, 10, 100, 500), n_draws=20, rng=0)
    sizes, p = curves["V"]
    assert sizes.tolist() == [2, 10, 100] and p.shape == (3, 20)  # 500 > 100 held out: dropped
    assert np.median(p[2]) < np.median(p[0])


def test_public_code_rows_mix_consecutive_samples_one_feature_each():
    # value = 1000 * feature + sample, feature = norm * n_columns + column, as the public
    # code's features.T.reshape(n, 30) orders them (samples last)
    n, n_norms, n_columns = 7, 3, 2
    sample = np.arange(n)[:, None, None]
    feature = (np.arange(n_norms)[:, None] * n_columns + np.arange(n_columns))[None]
    d = 1000.0 * feature + sample
    rows = public_code_rows(d, mean=np.zeros(n_norms), std=np.ones(n_norms))
    k = n_norms * n_columns
    assert rows.shape == (n, k)
    r, j = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    flat = r * k + j
    np.testing.assert_array_equal(rows // 1000, flat // n)  # feature of each value
    np.testing.assert_array_equal(rows % 1000, flat % n)  # sample of each value
    # row 0 holds feature 0 of samples 0..5, k different samples: none is its own row
    assert len(set((rows[0] % 1000).tolist())) == k
    # each norm is standardised with the given mean and std before the reshape
    z = public_code_rows(d, mean=[1.0, 2.0, 3.0], std=[2.0, 2.0, 2.0])
    np.testing.assert_allclose(z[0], (rows[0] - 1.0) / 2.0)  # row 0: norm 0 only
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_norms, n_columns\)"):
        public_code_rows(d[:, :, 0], mean=np.zeros(3), std=np.ones(3))
    with pytest.raises(ValueError, match=r"one value per norm. Got \(2,\) and \(3,\)"):
        public_code_rows(d, mean=np.zeros(2), std=np.ones(3))
    with pytest.raises(ValueError, match="'std' parameter must be positive"):
        public_code_rows(d, mean=np.zeros(3), std=[1.0, 0.0, 1.0])


@pytest.mark.skipif(not SHIPPED, reason="no shipped zoo")
def test_the_shipped_zoo_loads_and_checks_out():
    manifest = zoo.read_manifest(ZOO_CIFAR10)
    assert sum(p.stat().st_size for p in ZOO_CIFAR10.iterdir()) < 5_000_000
    assert set(manifest["members"]) == {n for n, _ in zoo_build.MEMBERS}
    assert {m["threat_model"] for m in manifest["members"].values()} == set(THREAT_MODELS)
    models = zoo.load_zoo(ZOO_CIFAR10)  # verifies every SHA-256 before unpickling
    assert set(models) == set(manifest["members"])
    assert zoo.sha256_of(ZOO_CIFAR10 / "splits.npz") == manifest["splits"]["sha256"]
    n = manifest["recipe"]["n_embed"]
    for method, width in (("blind_walk", manifest["recipe"]["n_directions"]), ("mingd", 10)):
        emb = zoo_embeddings(method=method)
        assert set(emb) == set(manifest["members"])
        rows = 2 * (n if method == "blind_walk" else manifest["embeddings"]["mingd"]["n"])
        assert all(d.shape == (rows, 3, width) for d in emb.values())


@pytest.mark.skipif(not SHIPPED, reason="no shipped zoo")
def test_the_shipped_victim_reproduces_its_accuracy(offline):
    from stealkit.datasets import load_cifar10

    member = zoo.read_manifest(ZOO_CIFAR10)["members"]["V"]
    victim = zoo.load_zoo(ZOO_CIFAR10, names="V")["V"]
    ds = load_cifar10()
    with np.load(ZOO_CIFAR10 / "splits.npz") as splits:
        private = splits["private"]
    # measured on the float16 weights that are shipped: loading them gives the same numbers
    assert zoo.cifar_accuracy(victim, ds.X_test, ds.y_test) == pytest.approx(
        member["test_accuracy"], abs=6e-5)
    assert zoo.cifar_accuracy(victim, ds.X_train[private], ds.y_train[private]) == pytest.approx(
        member["private_accuracy"], abs=6e-5)
    assert json.loads((ZOO_CIFAR10 / "manifest.json").read_text())["recipe_name"] == "small"
    assert cifar.ZOO_CIFAR10.name == "zoo_cifar10"


def test_rows_go_in_the_paper_s_order_and_cifar100_is_read_from_the_manifest():
    assert [cifar.row_order(t) for t in THREAT_MODELS] == list(range(len(THREAT_MODELS)))
    assert cifar.row_order("something else") == len(THREAT_MODELS)
    assert cifar.is_cifar100({"dataset": "CIFAR-100 (load_cifar100)"})
    assert not cifar.is_cifar100({"dataset": "CIFAR-10 (load_cifar10)"}) and not cifar.is_cifar100({})

