import json
from dataclasses import asdict, replace

import numpy as np
import pytest
import torch

from stealkit.dataset_inference import zoo, zoo_build


def test_query_images_extend_the_outside_split_within_the_disjoint_half():
    half = np.arange(100, 200)
    outside = np.sort(np.random.default_rng(0).choice(half, 20, replace=False))
    q = zoo_build.query_images(outside, half, 50, seed=0)
    assert len(q) == 50 and np.all(np.diff(q) > 0) and np.isin(outside, q).all()
    assert np.isin(q, half).all()
    assert np.array_equal(q, zoo_build.query_images(outside, half, 50, seed=0))  # reproducible
    assert zoo_build.query_images(outside, half, 20, seed=0) is outside  # as before n_queries
    small = zoo_build.query_images(outside, half, 5, seed=0)
    assert len(small) == 5 and np.isin(small, outside).all()
    assert np.array_equal(zoo_build.query_images(outside, half, 10_000, seed=0), half)  # capped


def test_updated_manifest_swaps_members_and_keeps_the_history():
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
    m = zoo_build._updated_manifest(old, ["q"], {"q": new}, {"q": {"blind_walk_seconds": 45.0,
                                                            "mingd_seconds": 30.0}},
                             zoo_build.SMALL, {"sha256": "s2"}, "e2", {"training": 26.0,
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
    labels = np.repeat(np.arange(10), 100)  # embedded samples sorted by index, so by class
    pos = zoo.spread_positions(len(labels), 64)
    assert len(pos) == 64 and pos[0] == 0 and pos[-1] == 999 and np.all(np.diff(pos) > 0)
    assert set(labels[pos]) == set(range(10))  # the first 64 rows would all be class 0
    np.testing.assert_array_equal(zoo.spread_positions(5, 9), np.arange(5))
    with pytest.raises(ValueError, match="'k' parameter must be an int >= 1"):
        zoo.spread_positions(10, 0)
    settings = zoo_build._mingd_settings(zoo_build.SMALL, pos)
    assert settings["n"] == 64 and settings["positions"] == pos.tolist()
    np.testing.assert_array_equal(zoo_build._mingd_positions(settings), pos)
    # zoos from before positions were recorded hold the first n rows
    np.testing.assert_array_equal(zoo_build._mingd_positions({"n": 3}), [0, 1, 2])
    assert zoo_build._mingd_positions(None) is None


def test_replication_images_are_fresh_and_reproducible():
    private, public = np.arange(0, 100), np.arange(100, 160)
    embed_private, embed_public = private[::4], public[::3]
    a, b = zoo_build.replication_images(private, public, embed_private, embed_public, 20, seed=0)
    assert len(a) == len(b) == 20 and np.all(np.diff(a) > 0) and np.all(np.diff(b) > 0)
    assert np.isin(a, private).all() and not np.isin(a, embed_private).any()
    assert np.isin(b, public).all() and not np.isin(b, embed_public).any()
    a2, _ = zoo_build.replication_images(private, public, embed_private, embed_public, 20, seed=0)
    assert np.array_equal(a, a2)
    with pytest.raises(zoo_build.ZooBuildError, match="only 75 private and 40 public images are left"):
        zoo_build.replication_images(private, public, embed_private, embed_public, 41, seed=0)


def test_recipe_mismatch_ignores_the_query_budget():
    # --only may change the query budget, nothing else; zoos from before n_queries count as
    # n_queries = n_private
    stored = json.loads(json.dumps(asdict(zoo_build.SMALL)))
    del stored["n_queries"]
    assert zoo_build._recipe_mismatch(stored, replace(zoo_build.SMALL, n_queries=123)) == []
    assert zoo_build._recipe_mismatch(stored, replace(zoo_build.SMALL, epochs=3)) == ["epochs"]
    # the shipped recipe: both query thieves label 16,000 unlabelled images of their own
    assert zoo_build.SMALL.n_queries == 16_000
    assert zoo_build.FULL.n_queries == zoo_build.FULL.n_private
    assert zoo_build.RETRAINABLE == tuple(m for m, _ in zoo_build.MEMBERS if m != "V")


def test_build_zoo_refuses_a_missing_zoo_or_another_recipe(tmp_path, synthetic_zoo):
    cpu = torch.device("cpu")
    with pytest.raises(zoo_build.ZooBuildError, match="--only retrains members of an existing"):
        zoo_build.build_zoo(tmp_path / "none", zoo_build.QUICK, recipe_name="quick",
                            device=cpu, only=["label_query"])
    with pytest.raises(zoo_build.ZooBuildError, match="--reembed-mingd needs an existing zoo"):
        zoo_build.reembed_mingd(tmp_path / "none", zoo_build.QUICK, device=cpu)
    with pytest.raises(zoo_build.ZooBuildError, match="--replicate needs an existing zoo"):
        zoo_build.replicate(tmp_path / "none", zoo_build.QUICK, 5, device=cpu)
    synthetic_zoo(tmp_path)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "seed": 0, "dataset": "CIFAR-10 (load_cifar10)",
                                  "recipe": json.loads(json.dumps(asdict(zoo_build.QUICK)))})
    with pytest.raises(zoo_build.ZooBuildError, match=r"another recipe or seed \(differs on: seed"):
        zoo_build.build_zoo(tmp_path, zoo_build.QUICK, recipe_name="quick", seed=1, device=cpu,
                            only=["label_query"])
    with pytest.raises(zoo_build.ZooBuildError, match="is not a cifar100 zoo"):
        zoo_build.build_zoo(tmp_path, zoo_build.QUICK, recipe_name="quick", dataset="cifar100",
                            device=cpu, only=["label_query"])
    assert not [p for p in tmp_path.parent.iterdir() if "-retrain-" in p.name]
