import shutil

import numpy as np
import pytest

from stealkit._manifest import ChecksumError
from stealkit.dataset_inference.limitations import (
    LIMITS_CIFAR10,
    build_limitations,
    limitation_rows,
    relabel,
)

pytestmark = pytest.mark.skipif(not (LIMITS_CIFAR10 / "manifest.json").is_file(),
                                reason="no shipped limitation measurements")


def test_relabel_moves_every_class():
    y = np.arange(10)
    np.testing.assert_array_equal(relabel(y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
    assert (relabel(y) != y).all()


def test_rows_of_the_shipped_measurements():
    rows = limitation_rows()
    experiments = [r["experiment"] for r in rows]
    assert experiments.count("overlap") == 5
    assert experiments.count("public data") == 3
    assert experiments.count("new task") == 6
    overlap = [r for r in rows if r["experiment"] == "overlap"]
    # sharing all of the victim's images must be flagged; sharing none is the zoo's
    # independent member, which the zoo's own test leaves unflagged
    assert overlap[-1]["verdict"] == "stolen" and overlap[0]["verdict"] != "stolen"
    public = {r["setting"]: r for r in rows if r["experiment"] == "public data"}
    assert public["the public-data victim itself"]["verdict"] == "stolen"
    task = [r for r in rows if r["experiment"] == "new task"]
    assert task[0]["setting"] == "0 epochs" and task[0]["verdict"] == "stolen"


def test_a_damaged_file_is_refused(tmp_path):
    copy = tmp_path / "limits"
    shutil.copytree(LIMITS_CIFAR10, copy)
    with open(copy / "embeddings.npz", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ChecksumError):
        limitation_rows(copy)


@pytest.mark.parametrize("kwargs, error", [(dict(overlaps=(1.5,)), ValueError),
                                           (dict(task_epochs=(-1,)), ValueError),
                                           (dict(seed=-1), ValueError)])
def test_bad_arguments_before_any_training(tmp_path, kwargs, error):
    with pytest.raises(error):
        build_limitations(tmp_path / "out", **kwargs)
