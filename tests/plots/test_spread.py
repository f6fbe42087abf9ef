import matplotlib.pyplot as plt
import pytest

from stealkit import plots


def test_plot_seed_spread_marks_the_seeds_below_the_paper():
    records = [{"model": "ovr", "seed": s, "acc": v} for s, v in enumerate([1.0, 0.99, 1.0, 0.97])]
    records += [{"model": "softmax", "seed": s, "acc": 1.0} for s in range(4)]
    fig, ax = plt.subplots()
    out = plots.plot_seed_spread(records, by="model", metric="acc",
                                 paper={("ovr",): 0.9998, ("softmax",): 0.9996}, ax=ax)
    assert out is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x" and len(line.get_ydata())]
    assert len(crosses) == 1 and sorted(crosses[0].get_ydata()) == [97.0, 99.0]
    assert crosses[0].get_color() == plots.SHORT
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert sum(len(line.get_ydata()) for line in dots) == 6  # 2 ovr seeds + 4 softmax seeds
    assert all(line.get_color() == plots.EXTRACTED for line in dots)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "3"]  # the failing seeds, labelled
    assert list(lines["paper"].get_ydata()) == [99.98, 99.98]
    assert lines["paper"].get_color() == plots.VICTIM
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ovr", "softmax"]
    assert {"one seed", "median", "paper", "below the paper"} <= {
        t.get_text() for t in ax.get_legend().get_texts()}
    with pytest.raises(ValueError, match="holds no measurements"):
        plots.plot_seed_spread([], by="model", metric="acc")
