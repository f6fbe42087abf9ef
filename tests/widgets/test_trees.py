import pytest

from stealkit import Oracle
from stealkit.attacks.path_finding import extract_tree
from stealkit.widgets import interactive_path_finding


@pytest.fixture(scope="module")
def result(tree_2d):
    return extract_tree(Oracle(tree_2d.apply, n_features=2, output="leaf"), tree_2d.features,
                        incomplete_queries=True, rng=0)


def test_interactive_path_finding_replays_each_step(result, monkeypatch):
    # Outside a kernel nothing is displayed: record the steps drawn instead.
    import stealkit.widgets.trees as widgets

    drawn = []
    real = widgets.plot_path_finding
    monkeypatch.setattr(widgets, "plot_path_finding",
                        lambda r, *, step, ax: drawn.append(step) or real(r, step=step, ax=ax))
    w = interactive_path_finding(result)
    (play, slider), _out = w.children[0].children, w.children[1]
    assert slider.max == play.max == result.n_queries
    assert drawn == [result.n_queries]
    slider.value = 3
    slider.value = 0
    assert drawn == [result.n_queries, 3, 0]


def test_interactive_path_finding_starts_where_asked(result):
    import matplotlib.pyplot as plt

    from stealkit.plots import plot_path_finding

    w = interactive_path_finding(result, step=5)
    assert w.children[0].children[1].value == 5
    # What it draws is the replay up to query 5, not the finished extraction.
    drawn = plt.gcf().axes[0]
    expected = plot_path_finding(result, step=5, ax=plt.figure().gca())
    assert drawn.get_title() == expected.get_title() and drawn.get_title().startswith("query 5 of ")
    assert len(drawn.patches) == len(expected.patches) < result.model.n_leaves


def test_interactive_path_finding_bad_input(result):
    with pytest.raises(ValueError, match="'step' parameter must be an int"):
        interactive_path_finding(result, step=result.n_queries + 1)
