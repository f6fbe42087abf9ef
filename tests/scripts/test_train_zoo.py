import importlib.util
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch

from stealkit.dataset_inference import zoo, zoo_build
from stealkit.dataset_inference.cifar import ZOO_CIFAR10

REPO = Path(__file__).resolve().parents[2]  # the repository (tests/ is not a package)


def _train_zoo_script():
    spec = importlib.util.spec_from_file_location("train_zoo", REPO / "scripts" / "train_zoo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_zoo", module)  # dataclasses look their module up
    spec.loader.exec_module(sys.modules["train_zoo"])
    return sys.modules["train_zoo"]


def test_the_cpu_recipe_and_its_command_line():
    tz = _train_zoo_script()
    name, recipe = tz.recipe_from_args(tz.parse_args(["--small"]))
    assert name == "small" and recipe == zoo_build.SMALL
    # the CPU study's set-up: a small victim fitting its data tightly, many embedded samples
    assert recipe.victim == {"name": "resnet9", "width": 8} and recipe.other["name"] == "convnet"
    assert recipe.n_private == 4000 and not recipe.augment
    assert recipe.n_embed >= 1000 and 1 <= recipe.n_directions <= 3 and recipe.n_mingd > 0
    assert tz.default_out(tz.parse_args(["--small"])) == ZOO_CIFAR10
    assert tz.recipe_from_args(tz.parse_args([]))[1] == zoo_build.FULL
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


def test_query_budget_and_retraining_options():
    tz = _train_zoo_script()
    _, r = tz.recipe_from_args(tz.parse_args(["--small", "--n-queries", "4000"]))
    assert r == replace(zoo_build.SMALL, n_queries=4000)
    with pytest.raises(SystemExit, match="--n-queries must be at least 1"):
        tz.recipe_from_args(tz.parse_args(["--small", "--n-queries", "0"]))
    args = tz.parse_args(["--small", "--only", "label_query", "logit_query"])
    assert args.only == ["label_query", "logit_query"]
    with pytest.raises(SystemExit):  # the victim cannot be retrained alone: the others copy it
        tz.parse_args(["--only", "V"])


def test_retraining_needs_an_existing_zoo(tmp_path, synthetic_zoo):
    tz = _train_zoo_script()
    with pytest.raises(SystemExit, match="--only retrains members of an existing zoo"):
        tz.main(["--quick", "--out", str(tmp_path / "none"), "--only", "label_query"])
    synthetic_zoo(tmp_path)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "seed": 0, "dataset": "CIFAR-10 (load_cifar10)",
                                  "recipe": json.loads(json.dumps(asdict(zoo_build.QUICK)))})
    with pytest.raises(SystemExit, match=r"another recipe or seed \(differs on: epochs\)"):
        tz.main(["--quick", "--epochs", "3", "--out", str(tmp_path), "--only", "label_query"])
    assert not [p for p in tmp_path.parent.iterdir() if "-retrain-" in p.name]


def test_reembedding_mingd_needs_an_existing_zoo_with_the_same_recipe(tmp_path, synthetic_zoo):
    tz = _train_zoo_script()
    with pytest.raises(SystemExit, match="--reembed-mingd needs an existing zoo"):
        tz.main(["--quick", "--out", str(tmp_path / "none"), "--reembed-mingd", "--mingd", "4"])
    synthetic_zoo(tmp_path)
    manifest = zoo.read_manifest(tmp_path)
    zoo.write_manifest(tmp_path, {**manifest, "seed": 0, "dataset": "CIFAR-10 (load_cifar10)",
                                  "recipe": json.loads(json.dumps(asdict(zoo_build.QUICK)))})
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
