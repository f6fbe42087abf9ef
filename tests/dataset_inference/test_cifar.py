import importlib.util
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch

from stealkit.dataset_inference import cifar, zoo
from stealkit.dataset_inference.cifar import (
    PAPER_CIFAR10,
    TARGETS,
    ZOO_CIFAR10,
    ownership_table,
    p_value_curves,
    public_code_rows,
    public_code_table,
    split_rows,
    verify_zoo,
    verify_zoo_public_code,
    zoo_embeddings,
    zoo_members,
)

SHIPPED = (ZOO_CIFAR10 / "manifest.json").is_file()

REPO = Path(__file__).resolve().parents[2]  # the repository (tests/ is not a package)


def _distances(rng, n, shift):
    """n private rows then n public rows (3 norms x 2 directions); private ones farther by shift."""
    base = rng.lognormal(0.0, 0.5, (2 * n, 3, 2))
    base[:n] *= np.exp(shift)
    return base


def _synthetic_zoo(folder, n=200):
    """A zoo folder with a known answer: the victim and a copy keep private samples farther
    from the boundary (by 0.8 and 0.4 in log distance); the independent model does not."""
    rng = np.random.default_rng(0)
    arrays = {"V/blind_walk": _distances(rng, n, 0.8),
              "copy/blind_walk": _distances(rng, n, 0.4),
              "independent/blind_walk": _distances(rng, n, 0.0)}
    np.savez(folder / "embeddings.npz", **arrays)
    members = {name: {"threat_model": row, "file": f"{name}.pt", "sha256": "0" * 64,
                      "architecture": {"name": "resnet9", "width": 2}, "data": "synthetic",
                      "epochs": 1, "n_queries": 7 if name == "copy" else 0,
                      "private_accuracy": 1.0, "test_accuracy": 0.5, "seconds": 1.0}
               for name, row in (("independent", "I independent"), ("V", "V source"),
                                 ("copy", "A_Q label-query"))}
    zoo.write_manifest(folder, {"members": members, "embeddings": {
        "file": "embeddings.npz", "sha256": zoo.sha256_of(folder / "embeddings.npz")}})
    return arrays


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
    with pytest.raises(ValueError, match="at least 2 rows"):
        cifar.row_split(1)
    with pytest.raises(ValueError, match=r"n private then n public rows, n >= 4. Got shape \(9, 3\)"):
        split_rows(np.ones((9, 3)))


def test_verify_zoo_on_synthetic_embeddings_with_a_known_answer(tmp_path):
    arrays = _synthetic_zoo(tmp_path)
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


def test_ownership_table_rows_columns_and_paper_numbers(tmp_path):
    _synthetic_zoo(tmp_path)
    rows = ownership_table(tmp_path, m=10, n_draws=20, linear=True, rng=0)
    assert [r["model"] for r in rows] == ["V source", "A_Q label-query", "I independent"]
    v = rows[0]
    assert (v["paper Δμ"], v["paper p"]) == PAPER_CIFAR10["V source"]["blind_walk"]
    assert v["verdict"] == "stolen" and v["target"] == TARGETS["V source"] == "stolen"
    assert set(v) >= {"ours Δμ", "ours p (m=100)", "median p (m=10)", "p IQR (m=10)",
                      "linear Δμ", "linear p"}
    assert rows[2]["verdict"] == "inconclusive" and rows[2]["target"] == "inconclusive"
    with pytest.raises(ValueError, match="'method' parameter must be one of 'blind_walk', "
                                         "'mingd'. Got 'margin'"):
        ownership_table(tmp_path, method="margin")
    # a CIFAR-100 zoo is set beside the paper's CIFAR-100 columns
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "dataset": "CIFAR-100 (load_cifar100)"})
    rows100 = ownership_table(tmp_path, method="blind_walk", n_draws=5, rng=0)
    assert rows100[0]["paper Δμ"] == cifar.PAPER_CIFAR100["V source"]["blind_walk"][0] == 1.967
    assert rows100[0]["ours Δμ"] == v["ours Δμ"]
    members = zoo_members(tmp_path)
    assert [r["model"] for r in members][0] == "V source"
    assert members[1]["queries"] == 7 and members[0]["queries"] is None


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


def test_public_code_layout_on_synthetic_embeddings(tmp_path):
    arrays = _synthetic_zoo(tmp_path)
    emb = {k.split("/")[0]: v for k, v in arrays.items()}
    mixed = verify_zoo_public_code(emb, rng=0)
    assert mixed["V"].verdict == mixed["copy"].verdict == "stolen"
    assert mixed["independent"].p_value > 0.05
    assert len(mixed["V"].private_scores) == 100  # the second half of the 200 rows
    rows = public_code_table(tmp_path, m=5, n_draws=20, rng=0)
    assert [r["model"] for r in rows] == ["V source", "A_Q label-query", "I independent"]
    assert set(rows[0]) >= {"paper Δμ", "mixed Δμ", "mixed p (all 100 rows)",
                            "mixed median p (m=5 rows × 6 images)", "ours median p (m=5 images)",
                            "ours median p (m=30 images)"}
    assert rows[0]["mixed Δμ"] == round(mixed["V"].delta_mean, 3)
    with pytest.raises(ValueError, match="'victim' parameter must name one of"):
        verify_zoo_public_code(emb, victim="W")
    with pytest.raises(ValueError, match=r"the victim's shape \(400, 3, 2\). Got \(400, 3, 1\)"):
        verify_zoo_public_code({**emb, "copy": emb["copy"][:, :, :1]})


def _train_zoo_script():
    spec = importlib.util.spec_from_file_location("train_zoo", REPO / "scripts" / "train_zoo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_zoo", module)  # dataclasses look their module up
    spec.loader.exec_module(sys.modules["train_zoo"])
    return sys.modules["train_zoo"]


def test_the_cpu_recipe_and_its_command_line():
    tz = _train_zoo_script()
    name, recipe = tz.recipe_from_args(tz.parse_args(["--small"]))
    assert name == "small" and recipe == tz.SMALL
    # the CPU study's set-up: a small victim fitting its data tightly, many embedded samples
    assert recipe.victim == {"name": "resnet9", "width": 8} and recipe.other["name"] == "convnet"
    assert recipe.n_private == 4000 and not recipe.augment
    assert recipe.n_embed >= 1000 and 1 <= recipe.n_directions <= 3 and recipe.n_mingd > 0
    assert tz.SHIPPED == ZOO_CIFAR10
    assert tz.recipe_from_args(tz.parse_args([]))[1] == tz.FULL
    _, r = tz.recipe_from_args(tz.parse_args(["--small", "--mingd", "0", "--n-directions", "1"]))
    assert r.n_mingd == 0 and r.n_directions == 1 and r.n_private == 4000
    args = tz.parse_args(["--small", "--dataset", "cifar100"])
    _, r = tz.recipe_from_args(args)
    assert r.victim == {"name": "resnet9", "width": 8, "n_classes": 100}
    assert r.other["n_classes"] == r.student["n_classes"] == 100 and "n_classes" not in r.generator
    assert tz.default_out(args) == ZOO_CIFAR10.with_name("zoo_cifar100")
    assert zoo.build_model(r.victim, rng=0)(torch.zeros(1, 3, 32, 32)).shape == (1, 100)
    assert str(tz.default_out(tz.parse_args([]))) == "models/cifar10-zoo"
    with pytest.raises(SystemExit):
        tz.parse_args(["--small", "--quick"])
    with pytest.raises(SystemExit, match="--n-directions must be at least 1"):
        tz.recipe_from_args(tz.parse_args(["--n-directions", "0"]))


@pytest.mark.skipif(not SHIPPED, reason="no shipped zoo")
def test_the_shipped_zoo_loads_and_checks_out():
    manifest = zoo.read_manifest(ZOO_CIFAR10)
    assert sum(p.stat().st_size for p in ZOO_CIFAR10.iterdir()) < 5_000_000
    assert set(manifest["members"]) == {n for n, _ in _train_zoo_script().MEMBERS}
    assert {m["threat_model"] for m in manifest["members"].values()} == set(PAPER_CIFAR10)
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


def test_query_images_extend_the_outside_split_within_the_disjoint_half():
    tz = _train_zoo_script()
    half = np.arange(100, 200)
    outside = np.sort(np.random.default_rng(0).choice(half, 20, replace=False))
    q = tz.query_images(outside, half, 50, seed=0)
    assert len(q) == 50 and np.all(np.diff(q) > 0) and np.isin(outside, q).all()
    assert np.isin(q, half).all()
    assert np.array_equal(q, tz.query_images(outside, half, 50, seed=0))  # reproducible
    assert tz.query_images(outside, half, 20, seed=0) is outside  # as before n_queries
    small = tz.query_images(outside, half, 5, seed=0)
    assert len(small) == 5 and np.isin(small, outside).all()
    assert np.array_equal(tz.query_images(outside, half, 10_000, seed=0), half)  # capped


def test_query_budget_and_retraining_options():
    tz = _train_zoo_script()
    # the shipped recipe: both query thieves label 16,000 unlabelled images of their own
    assert tz.SMALL.n_queries == 16_000 and tz.FULL.n_queries == tz.FULL.n_private
    _, r = tz.recipe_from_args(tz.parse_args(["--small", "--n-queries", "4000"]))
    assert r == replace(tz.SMALL, n_queries=4000)
    with pytest.raises(SystemExit, match="--n-queries must be at least 1"):
        tz.recipe_from_args(tz.parse_args(["--small", "--n-queries", "0"]))
    args = tz.parse_args(["--small", "--only", "label_query", "logit_query"])
    assert args.only == ["label_query", "logit_query"]
    with pytest.raises(SystemExit):  # the victim cannot be retrained alone: the others copy it
        tz.parse_args(["--only", "V"])
    # --only may change the query budget, nothing else; zoos from before n_queries count as
    # n_queries = n_private
    stored = json.loads(json.dumps(asdict(tz.SMALL)))
    del stored["n_queries"]
    assert tz._recipe_mismatch(stored, replace(tz.SMALL, n_queries=123)) == []
    assert tz._recipe_mismatch(stored, replace(tz.SMALL, epochs=3)) == ["epochs"]


def test_retraining_needs_an_existing_zoo(tmp_path):
    tz = _train_zoo_script()
    with pytest.raises(SystemExit, match="--only retrains members of an existing zoo"):
        tz.main(["--quick", "--out", str(tmp_path / "none"), "--only", "label_query"])
    _synthetic_zoo(tmp_path)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "seed": 0, "dataset": "CIFAR-10 (load_cifar10)",
                                  "recipe": json.loads(json.dumps(asdict(tz.QUICK)))})
    with pytest.raises(SystemExit, match=r"another recipe or seed \(differs on: epochs\)"):
        tz.main(["--quick", "--epochs", "3", "--out", str(tmp_path), "--only", "label_query"])
    assert not [p for p in tmp_path.parent.iterdir() if "-retrain-" in p.name]


def test_updated_manifest_swaps_members_and_keeps_the_history():
    tz = _train_zoo_script()
    member = {"sha256": "a", "n_queries": 10, "private_accuracy": 0.5, "test_accuracy": 0.4,
              "seconds": 10.0, "file": "q.pt"}
    old = {"created": "t0", "command": "train_zoo.py --small", "device": "cpu", "torch": "x",
           "members": {"V": {**member, "n_queries": 0}, "q": member},
           "seconds": {"training": 100.0, "total": 300.0, "cpu_process": 290.0},
           "embeddings": {"sha256": "e", "queries": {
               "V": {"blind_walk_seconds": 50.0}, "q": {"blind_walk_seconds": 40.0,
                                                        "mingd_seconds": 20.0}}},
           "splits": {"sha256": "s"}, "recipe": {}}
    new = {**member, "sha256": "b", "n_queries": 40, "seconds": 25.0}
    m = tz._updated_manifest(old, ["q"], {"q": new}, {"q": {"blind_walk_seconds": 45.0,
                                                            "mingd_seconds": 30.0}},
                             tz.SMALL, {"sha256": "s2"}, "e2", {"training": 26.0,
                                                                "total": 101.0,
                                                                "cpu_process": 99.0},
                             "t1", "train_zoo.py --small --only q", "cpu")
    assert m["members"]["q"] == new and m["members"]["V"] == old["members"]["V"]
    assert m["embeddings"]["sha256"] == "e2" and m["splits"]["sha256"] == "s2"
    assert m["embeddings"]["queries"]["q"]["mingd_seconds"] == 30.0
    # the zoo's cost: the first run's, with q's training (+15 s) and embeddings (+15 s) swapped
    assert (m["seconds"]["training"], m["seconds"]["total"]) == (115.0, 330.0)
    assert [r["command"] for r in m["runs"]] == [old["command"], "train_zoo.py --small --only q"]
    assert m["runs"][1]["replaced"]["q"]["sha256"] == "a" and m["command"] == old["command"]
    assert m["recipe"]["n_queries"] == 16_000 and old["members"]["q"]["sha256"] == "a"


def test_mingd_rows_are_spread_over_the_sorted_samples():
    tz = _train_zoo_script()
    labels = np.repeat(np.arange(10), 100)  # embedded samples sorted by index, so by class
    pos = zoo.spread_positions(len(labels), 64)
    assert len(pos) == 64 and pos[0] == 0 and pos[-1] == 999 and np.all(np.diff(pos) > 0)
    assert set(labels[pos]) == set(range(10))  # the first 64 rows would all be class 0
    np.testing.assert_array_equal(zoo.spread_positions(5, 9), np.arange(5))
    with pytest.raises(ValueError, match="'k' parameter must be a positive int"):
        zoo.spread_positions(10, 0)
    settings = tz._mingd_settings(tz.SMALL, pos)
    assert settings["n"] == 64 and settings["positions"] == pos.tolist()
    np.testing.assert_array_equal(tz._mingd_positions(settings), pos)
    # zoos from before positions were recorded hold the first n rows
    np.testing.assert_array_equal(tz._mingd_positions({"n": 3}), [0, 1, 2])
    assert tz._mingd_positions(None) is None


def test_reembedding_mingd_needs_an_existing_zoo_with_the_same_recipe(tmp_path):
    tz = _train_zoo_script()
    with pytest.raises(SystemExit, match="--reembed-mingd needs an existing zoo"):
        tz.main(["--quick", "--out", str(tmp_path / "none"), "--reembed-mingd", "--mingd", "4"])
    _synthetic_zoo(tmp_path)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "seed": 0, "dataset": "CIFAR-10 (load_cifar10)",
                                  "recipe": json.loads(json.dumps(asdict(tz.QUICK)))})
    with pytest.raises(SystemExit, match=r"the zoo's recipe \(differs on: epochs\)"):
        tz.main(["--quick", "--epochs", "3", "--out", str(tmp_path), "--reembed-mingd",
                 "--mingd", "4"])
    with pytest.raises(SystemExit, match=r"--mingd N > 0 \(got 0\)"):
        tz.main(["--quick", "--out", str(tmp_path), "--reembed-mingd"])
    with pytest.raises(SystemExit, match="cannot be combined"):
        tz.main(["--quick", "--out", str(tmp_path), "--reembed-mingd", "--only", "label_query"])
    with pytest.raises(SystemExit, match="cannot be combined"):
        tz.main(["--quick", "--out", str(tmp_path), "--reembed-mingd", "--replicate", "5"])
    with pytest.raises(SystemExit, match="--replicate needs an existing zoo"):
        tz.main(["--quick", "--out", str(tmp_path / "none"), "--replicate", "5"])
    with pytest.raises(SystemExit, match=r"--replicate needs the zoo's recipe \(differs on: epochs"):
        tz.main(["--quick", "--epochs", "3", "--out", str(tmp_path), "--replicate", "5"])
    with pytest.raises(SystemExit, match="at least 2 images"):
        tz.main(["--quick", "--out", str(tmp_path), "--replicate", "1"])
    assert not [p for p in tmp_path.parent.iterdir() if p.name.startswith(f".{tmp_path.name}-")]


def test_replication_images_are_fresh_and_reproducible():
    tz = _train_zoo_script()
    private, public = np.arange(0, 100), np.arange(100, 160)
    embed_private, embed_public = private[::4], public[::3]
    a, b = tz.replication_images(private, public, embed_private, embed_public, 20, seed=0)
    assert len(a) == len(b) == 20 and np.all(np.diff(a) > 0) and np.all(np.diff(b) > 0)
    assert np.isin(a, private).all() and not np.isin(a, embed_private).any()
    assert np.isin(b, public).all() and not np.isin(b, embed_public).any()
    a2, _ = tz.replication_images(private, public, embed_private, embed_public, 20, seed=0)
    assert np.array_equal(a, a2)
    with pytest.raises(SystemExit, match="only 75 private and 40 public images are left"):
        tz.replication_images(private, public, embed_private, embed_public, 41, seed=0)


def test_replication_table_tests_fresh_images_with_the_same_regressor(tmp_path):
    arrays = _synthetic_zoo(tmp_path)
    emb = {k.split("/")[0]: v for k, v in arrays.items()}
    rng = np.random.default_rng(1)
    fresh = {"V/blind_walk": _distances(rng, 150, 0.8), "copy/blind_walk": _distances(rng, 150, 0.4),
             "independent/blind_walk": _distances(rng, 150, 0.0)}
    assert cifar.zoo_replication(tmp_path) is None
    with pytest.raises(ValueError, match="no replication images"):
        cifar.replication_table(tmp_path)
    np.savez(tmp_path / "replication.npz", private_index=np.arange(150),
             public_index=np.arange(150), **fresh)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "replication": {
        "file": "replication.npz", "sha256": zoo.sha256_of(tmp_path / "replication.npz")}})
    rep = cifar.zoo_replication(tmp_path)
    assert list(rep) == ["V", "copy", "independent"]  # in the paper's order
    rows = cifar.replication_table(tmp_path, rng=0)
    v, copy, ind = rows
    assert v["held-out p (m=100)"] == float(f"{verify_zoo(emb, rng=0)['V'].p_value:.2g}")
    assert v["fresh verdict"] == copy["fresh verdict"] == "stolen" and "fresh p (m=150)" in v
    assert ind["fresh p (m=150)"] > 0.05
    assert cifar.target_met(copy, which="fresh") and cifar.target_met(ind, which="fresh")
    assert cifar.target_met({"target": "as measured"}, which="fresh") is None
    # a changed file is refused
    np.savez(tmp_path / "replication.npz", **fresh)
    with pytest.raises(zoo.ChecksumError):
        cifar.zoo_replication(tmp_path)
