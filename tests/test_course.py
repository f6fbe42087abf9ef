import matplotlib as mpl
import numpy as np
import pytest
import torch

from stealkit import course


def test_setup_fixes_seeds_and_style(monkeypatch):
    monkeypatch.setenv("STEALKIT_DATA", "/tmp")
    with mpl.rc_context():
        info = course.setup(3)
        a, t = np.random.rand(), torch.rand(1).item()  # noqa: NPY002
        course.setup(3)
        assert (a, t) == (np.random.rand(), torch.rand(1).item())  # noqa: NPY002
        assert mpl.rcParams["font.size"] >= 11
    assert info.seed == 3 and "STEALKIT_DATA" in info.data and "numpy" in repr(info)


def test_setup_limits_blas_threads():
    import subprocess
    import sys

    code = (
        "from threadpoolctl import threadpool_info; import numpy, scipy.linalg; "
        "from stealkit import course; course.setup(0); "
        "blas = [i for i in threadpool_info() if i['user_api'] == 'blas']; "
        "assert blas and all(i['num_threads'] == 1 for i in blas), blas"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(ValueError, match="'blas_threads' parameter must be an int >= 1 or None"):
        course.setup(0, blas_threads=0)


def test_importing_changes_no_global_state():
    import importlib
    import subprocess
    import sys

    code = (
        "import matplotlib as mpl, numpy as np; before = dict(mpl.rcParams); "
        "s = np.random.get_state()[1].copy(); import stealkit, stealkit.course, stealkit.metrics; "
        "assert dict(mpl.rcParams) == before; assert (np.random.get_state()[1] == s).all(); "
        "import sys; assert 'ipywidgets' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    importlib.import_module("stealkit")


def test_compare_with_paper_text_and_html():
    table = course.compare_with_paper(
        [
            {"model": "softmax", "queries": 265, "paper": 0.9996, "ours": 1.0},
            {"model": "MLP", "queries": 11_125, "paper": 0.9996, "ours": None},
        ],
        caption="Table 4",
    )
    text = repr(table).splitlines()
    assert text[0] == "Table 4"
    assert text[1].split() == ["model", "queries", "paper", "ours"]
    assert text[3].split() == ["softmax", "265", "0.9996", "1"]
    assert text[4].split() == ["MLP", "11,125", "0.9996", "–"]
    assert "<th>queries</th>" in table._repr_html_() and "<caption>Table 4" in table._repr_html_()


def test_compare_with_paper_bad_input():
    with pytest.raises(ValueError, match="non-empty sequence of dicts"):
        course.compare_with_paper([])
    with pytest.raises(ValueError, match=r"not in 'columns': \['b'\]"):
        course.compare_with_paper([{"a": 1, "b": 2}], columns=["a"])
    with pytest.raises(ValueError, match="'seed' parameter must be a non-negative int"):
        course.setup(-1)


def test_check_answers(capsys):
    assert course.check(None, 3) is False
    assert "Not answered yet" in capsys.readouterr().out
    assert course.check(15, 15) is True and capsys.readouterr().out.strip() == "Correct."
    assert course.check(0.1 + 0.2, 0.3) is True
    assert course.check("softmax", "softmax") is True
    assert course.check(14, 15, hint="Count the intercepts.") is False
    assert capsys.readouterr().out.strip().endswith("Count the intercepts.")
