import matplotlib.pyplot as plt
import numpy as np

from stealkit import plots
from stealkit.defenses import PRADA


def test_reverse_sigmoid_draws_the_diagonal_and_one_line_per_beta():
    ax = plots.plot_reverse_sigmoid([0.01, 0.5], gamma=0.5)
    lines = ax.get_lines()
    z, read = lines[0].get_data()
    np.testing.assert_allclose(read, z)  # no defence: the true log-odds
    assert len([line for line in lines if line.get_label().startswith("β")]) == 2
    # the defence bends the log-odds towards 0
    assert np.abs(lines[2].get_ydata()).max() < np.abs(z).max()
    plt.close("all")


def test_prada_marks_the_alarm_and_the_threshold():
    det = PRADA(delta=0.9, min_queries=20)
    X = np.outer(0.5 ** np.arange(60), np.ones(3))
    det.update(X, np.zeros(60))
    ax = plots.plot_prada({"line": det.history}, delta=0.9, alarms={"line": det.alarm_at})
    assert any(line.get_marker() == "v" for line in ax.get_lines())
    assert any(line.get_label().startswith("δ = 0.900") for line in ax.get_lines())
    plt.close("all")


def test_privacy_puts_infinity_last_and_tradeoff_one_bar_per_defence():
    records = [{"ε": e, "owner test acc": a, "fidelity (test)": 1.0,
                "membership advantage (copy)": m, "chance (95 %)": 0.1, "inversion corr": 0.3,
                "DP bound": b}
               for e, a, m, b in (("inf", 0.9, 0.3, 1.0), (1.0, 0.5, 0.1, 0.46),
                                  (8.0, 0.8, 0.2, 0.99))]
    ax = plots.plot_privacy(records)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "8", "∞"]
    fig = plots.plot_tradeoff([{"defence": "none", "owner cost": 0.0, "fidelity": 1.0,
                                "queries": 105},
                               {"defence": "DP", "owner cost": 20.0, "fidelity": 1.0,
                                "queries": 650}])
    left, right = fig.axes
    # the first defence on top
    at = {t.get_text(): y for t, y in zip(left.get_yticklabels(), left.get_yticks(), strict=True)}
    assert at["none"] > at["DP"]
    assert len(right.patches) == 2
    plt.close("all")
