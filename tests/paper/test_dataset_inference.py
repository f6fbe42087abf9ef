import numpy as np
import pytest

from stealkit.dataset_inference import cifar, zoo
from stealkit.dataset_inference.cifar import (
    THREAT_MODELS,
    verify_zoo,
    verify_zoo_public_code,
    zoo_members,
)
from stealkit.paper import dataset_inference as paper
from stealkit.paper.dataset_inference import (
    PAPER_CIFAR10,
    TARGETS,
    ownership_table,
    public_code_table,
)


def test_ownership_table_rows_columns_and_paper_numbers(tmp_path, synthetic_zoo):
    synthetic_zoo(tmp_path)
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
    assert rows100[0]["paper Δμ"] == paper.PAPER_CIFAR100["V source"]["blind_walk"][0] == 1.967
    assert rows100[0]["ours Δμ"] == v["ours Δμ"]
    members = zoo_members(tmp_path)
    assert [r["model"] for r in members][0] == "V source"
    assert members[1]["queries"] == 7 and members[0]["queries"] is None


def test_public_code_layout_on_synthetic_embeddings(tmp_path, synthetic_zoo):
    arrays = synthetic_zoo(tmp_path)
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


def test_replication_table_tests_fresh_images_with_the_same_regressor(tmp_path, synthetic_zoo, zoo_distances):
    arrays = synthetic_zoo(tmp_path)
    emb = {k.split("/")[0]: v for k, v in arrays.items()}
    rng = np.random.default_rng(1)
    fresh = {"V/blind_walk": zoo_distances(rng, 150, 0.8), "copy/blind_walk": zoo_distances(rng, 150, 0.4),
             "independent/blind_walk": zoo_distances(rng, 150, 0.0)}
    assert cifar.zoo_replication(tmp_path) is None
    with pytest.raises(ValueError, match="no replication images"):
        paper.replication_table(tmp_path)
    np.savez(tmp_path / "replication.npz", private_index=np.arange(150),
             public_index=np.arange(150), **fresh)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "replication": {
        "file": "replication.npz", "sha256": zoo.sha256_of(tmp_path / "replication.npz")}})
    rep = cifar.zoo_replication(tmp_path)
    assert list(rep) == ["V", "copy", "independent"]  # in the paper's order
    rows = paper.replication_table(tmp_path, rng=0)
    v, copy, ind = rows
    assert v["held-out p (m=100)"] == float(f"{verify_zoo(emb, rng=0)['V'].p_value:.2g}")
    assert v["fresh verdict"] == copy["fresh verdict"] == "stolen" and "fresh p (m=150)" in v
    assert ind["fresh p (m=150)"] > 0.05
    assert paper.target_met(copy, which="fresh") and paper.target_met(ind, which="fresh")
    assert paper.target_met({"target": "as measured"}, which="fresh") is None
    # a changed file is refused
    np.savez(tmp_path / "replication.npz", **fresh)
    with pytest.raises(zoo.ChecksumError):
        cifar.zoo_replication(tmp_path)



def test_the_paper_s_rows_are_the_zoo_s_threat_models_in_order():
    for table in (PAPER_CIFAR10, paper.PAPER_CIFAR100, TARGETS):
        assert tuple(table) == THREAT_MODELS


def test_cifar_tables_are_the_benchmark_s_tables(tmp_path, synthetic_zoo):
    arrays = synthetic_zoo(tmp_path)
    emb = {k.split("/")[0]: v for k, v in arrays.items()}
    tables = list(paper.cifar_tables(tmp_path, emb, method="blind_walk", m=5, public_code=True,
                                     rng=0))
    assert len(tables) == 2  # no replication images: the ownership and public-code tables
    (caption, rows), (_, mixed) = tables
    assert caption.startswith("CIFAR-10, blind_walk: paper") and "100 + 100 victim rows" in caption
    assert rows == ownership_table(tmp_path, embeddings=emb, m=5, linear=True, rng=0)
    assert mixed == public_code_table(tmp_path, embeddings=emb, m=5, rng=0)
    with pytest.raises(ValueError, match="'method' parameter must be one of"):
        next(paper.cifar_tables(tmp_path, emb, method="margin"))

