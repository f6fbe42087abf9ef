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
    with pytest.raises(ValueError, match="'seed' parameter must be an int >= 0"):
        course.setup(-1)


def test_check_answers_against_keys_that_do_not_show_them(capsys):
    key = course.answer_key(15)
    assert "15" not in key and key.startswith("i:")
    assert course.check(None, key) is None and not course.is_correct(None, key)
    assert "Not answered yet" in capsys.readouterr().out
    course.check(15, key)
    assert capsys.readouterr().out.strip() == "Correct."
    assert course.is_correct(15, key) and course.is_correct(np.int64(15), key)
    assert course.is_correct(15.0, key)
    course.check(14, key, hint="Count the intercepts.")
    assert capsys.readouterr().out.strip() == "Not quite (14). Count the intercepts."
    assert not any(course.is_correct(a, key) for a in (16, "15", 15.5, True, [15]))
    assert course.is_correct(" Softmax", course.answer_key("softmax"))
    assert not course.is_correct(3, course.answer_key("softmax"))


def test_real_answers_match_to_the_keys_significant_figures():
    key = course.answer_key(0.916290731874155, digits=3)
    assert key.startswith("r3:")
    assert course.is_correct(0.9163, key) and course.is_correct(0.916, key)
    assert not course.is_correct(0.92, key) and not course.is_correct(0.915, key)
    assert not course.is_correct(float("nan"), key) and not course.is_correct([0.916], key)


def test_bad_keys_and_values_say_what_is_wrong():
    with pytest.raises(ValueError, match="not an answer key"):
        course.check(9, 9)
    with pytest.raises(ValueError, match="not an answer key"):
        course.is_correct(None, "x:abc")  # a bad key fails even before an answer
    with pytest.raises(ValueError, match="Cannot make an answer key"):
        course.answer_key(0.5)  # a real number needs digits=
    with pytest.raises(ValueError, match="Cannot make an answer key"):
        course.answer_key(True)


def test_seed_spread_median_worst_and_share_at_the_paper():
    s = course.seed_spread([5, 9, 15, 17], [1.0, 0.998, 0.9918, 0.983], paper=0.9975)
    assert s.n_seeds == 4 and s.median == pytest.approx((0.998 + 0.9918) / 2)
    assert (s.worst, s.worst_seed) == (0.983, 17)
    assert s.at_paper == 2 and s.failures == (15, 17)
    assert s.mean == pytest.approx(np.mean([1.0, 0.998, 0.9918, 0.983]))
    assert s.sd == pytest.approx(np.std([1.0, 0.998, 0.9918, 0.983], ddof=1))
    # a cost: the worst seed spends the most, and reaching the paper means spending no more
    q = course.seed_spread([0, 1, 2], [700, 1600, 682], paper=1485, higher_is_better=False)
    assert (q.worst, q.worst_seed, q.at_paper, q.failures) == (1600, 1, 2, (1,))
    one = course.seed_spread([3], [0.5])
    assert one.sd == 0.0 and one.at_paper is None and one.failures == ()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(seeds=[], values=[]), ValueError, "non-empty and of equal length"),
    (dict(seeds=[0, 1], values=[1.0]), ValueError, "non-empty and of equal length"),
    (dict(seeds=[0, 0], values=[1.0, 1.0]), ValueError, "must not repeat a seed"),
    (dict(seeds=[0], values=[float("nan")]), ValueError, "must be finite"),
    (dict(seeds=[0], values=["a"]), TypeError, "must hold numbers"),
    (dict(seeds=[0], values=[1.0], higher_is_better=1), TypeError, "'higher_is_better'"),
])
def test_seed_spread_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        course.seed_spread(**kwargs)


def test_spread_rows_group_by_fields_and_format():
    records = [{"model": m, "queries": q, "seed": s, "acc": v}
               for m, q, s, v in [("ovr", 265, 0, 0.9985), ("ovr", 265, 1, 1.0),
                                  ("ovr", 265, 2, 1.0), ("ovr", 530, 0, 1.0)]]
    rows = course.spread_rows(records, by=("model", "queries"), metric="acc",
                              paper={("ovr", 265): 0.9998}, scale=100)
    assert [(r["model"], r["queries"]) for r in rows] == [("ovr", 265), ("ovr", 530)]
    assert rows[0] == {"model": "ovr", "queries": 265, "seeds": 3, "paper": "99.98",
                       "median": "100.00", "worst (seed)": "99.85 (0)", "reaches paper": "2/3",
                       "mean ± sd": "99.95 ± 0.09"}
    assert rows[1]["paper"] is None and rows[1]["reaches paper"] is None
    costs = course.spread_rows([{"d": "adult", "seed": s, "queries": q}
                                for s, q in enumerate([1500, 1400])], by="d", metric="queries",
                               paper={("adult",): 1485}, digits=0, higher_is_better=False)
    assert costs[0]["worst (seed)"] == "1,500 (0)" and costs[0]["reaches paper"] == "1/2"
    with pytest.raises(ValueError, match=r"lacks the field\(s\) \['acc'\]"):
        course.spread_rows([{"model": "ovr", "seed": 0}], by=("model",), metric="acc")
    with pytest.raises(ValueError, match="holds no measurements"):
        course.spread_rows([], by=("model",), metric="acc")


def test_jsonable_makes_plain_json_and_rounds_only_where_asked():
    import json

    value = {"a": np.array([0.123456, np.inf]), "b": (np.float64(0.123456), np.int64(3)),
             "c": [float("nan"), float("inf"), 0.123456]}
    plain = course.jsonable(value)
    assert plain == {"a": [0.1235, "inf"], "b": [0.123456, 3], "c": [None, "inf", 0.123456]}
    rounded = course.jsonable(value, round_floats=True, digits=2)
    assert rounded == {"a": [0.12, "inf"], "b": [0.12, 3], "c": [None, "inf", 0.12]}
    json.dumps(rounded, allow_nan=False)  # nothing left that JSON cannot hold
