import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from stealkit.paper.equation_solving import rounding_row
from stealkit.widgets import interactive_equation_solving, interactive_oracle, interactive_rounding


@pytest.fixture
def victim():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 2))
    return LogisticRegression().fit(X, (X[:, 0] > 0).astype(int)), X


def test_interactive_oracle_reacts(victim, capsys):
    # Outside a kernel the Output widget lets prints through to stdout.
    model, X = victim
    w = interactive_oracle(model, X)
    output, (decimals, _topk), (_n, budget) = w.children[0], w.children[1].children, w.children[2].children
    assert len(w.children) == 4 and output.value == "proba"
    assert "n_queries=3" in capsys.readouterr().out
    budget.value = 2
    assert "QueryBudgetExceeded" in capsys.readouterr().out
    budget.value = 10
    decimals.value = 2
    assert "Rounding(decimals=2)" in capsys.readouterr().out
    # The bars are the rounded answer to the first query, the outlines the exact one.
    exact = model.predict_proba(X[:1])[0]
    bars = [p.get_height() for p in plt.gcf().axes[0].patches]
    np.testing.assert_allclose(bars, [*np.round(exact, 2), *exact])
    output.value = "label"
    text = capsys.readouterr().out
    assert "output='label'" in text and "Rounding" not in text


def test_interactive_oracle_bad_input(victim):
    with pytest.raises(ValueError, match="non-empty 2-D array"):
        interactive_oracle(victim[0], np.zeros(3))


def test_interactive_equation_solving_solves_at_the_chosen_queries(logistic_2d):
    def drawn():
        ax = plt.gcf().axes[0]
        return ax.collections[-1].get_offsets(), ax.get_title()

    def error(title):
        return float(title.rsplit("= ", 1)[1])

    w = interactive_equation_solving(logistic_2d)
    sliders = [s for row in w.children[:3] for s in row.children]
    decimals = w.children[3]
    queries, title = drawn()
    np.testing.assert_array_equal(queries, [(-0.6, -0.5), (0.7, -0.3), (0.0, 0.8)])
    assert title.startswith("3 queries, max |Δθ| = ") and error(title) < 1e-9  # exact answers
    sliders[0].value = 0.2
    queries, title = drawn()
    np.testing.assert_array_equal(queries, [(0.2, -0.5), (0.7, -0.3), (0.0, 0.8)])
    assert error(title) < 1e-9
    decimals.value = 1
    assert error(drawn()[1]) > 1e-3  # rounded answers miss the parameters
    decimals.value = None
    for slider, value in zip(sliders, (-0.5, -0.5, 0.0, 0.0, 0.5, 0.5), strict=True):
        slider.value = value
    assert drawn()[1] == "collinear queries: the system is singular"


def test_interactive_equation_solving_bad_input(victim):
    model, X = victim
    wide = LogisticRegression().fit(np.hstack([X, X]), model.predict(X))
    with pytest.raises(ValueError, match="binary classifier on 2 features"):
        interactive_equation_solving(wide)


def test_interactive_rounding_runs_the_attack_at_the_new_decimals(iris_softmax):
    data, victim = iris_softmax
    rows = [rounding_row(victim, data, decimals=d, n_queries=30, n_unif=500, rng=0)
            for d in (None, 1)]
    w = interactive_rounding(victim, data, n_queries=30, rows=rows)
    slider = w.children[0]
    assert slider.value == "exact" and plt.gcf().axes[0].get_title().startswith("no rounding: ")
    slider.value = "0"  # not measured yet: the widget runs the attack at 0 decimals
    want = rounding_row(victim, data, decimals=0, n_queries=30, rng=0)
    ax = plt.gcf().axes[0]
    assert ax.get_title() == (f"0 decimals: 1 − R_test {want['1-R_test']:.2%}, "
                              f"1 − R_unif {want['1-R_unif']:.2%} ({want['queries']} queries)")
    test_line = ax.get_lines()[0]
    assert list(test_line.get_xdata()) == [0, 1, 2]  # the new point joins the two measured
    assert test_line.get_ydata()[0] == pytest.approx(1 - want["1-R_test"])
    with pytest.raises(ValueError, match="'n_queries'"):
        interactive_rounding(victim, data, n_queries=0)


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_dropdowns_show_their_choice(victim, logistic_2d):
    # A Dropdown whose value is None selects nothing (index None): the student sees a blank box.
    import ipywidgets as W

    for w in (interactive_oracle(*victim), interactive_equation_solving(logistic_2d)):
        menus = [d for d in _descendants(w) if isinstance(d, W.Dropdown)]
        assert menus and all(d.index is not None and d.label for d in menus)
