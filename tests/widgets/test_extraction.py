import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from stealkit.widgets import interactive_oracle


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
    output.value = "label"
    text = capsys.readouterr().out
    assert "output='label'" in text and "Rounding" not in text


def test_interactive_oracle_bad_input(victim):
    with pytest.raises(ValueError, match="non-empty 2-D array"):
        interactive_oracle(victim[0], np.zeros(3))
