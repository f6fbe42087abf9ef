import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from stealkit.widgets import interactive_linear_toy, interactive_oracle  # noqa: E402


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


def test_interactive_linear_toy_reacts():
    w = interactive_linear_toy(rng=0)
    (_k, D, _sigma), (n_train, m, alpha) = w.children[0].children, w.children[1].children
    n_train.value = 10
    assert m.max == 10 and m.value <= 10
    D.value, alpha.value = 4, 0.05  # each change re-simulates without error


def test_interactive_zoo_ownership_reacts():
    import matplotlib.pyplot as plt

    from stealkit.dataset_inference import train_regressor
    from stealkit.widgets import interactive_zoo_ownership

    rng = np.random.default_rng(0)

    def member(shift):  # 40 private then 40 public rows of 3 distances
        return np.exp(np.vstack([rng.normal(shift, 0.3, (40, 3)), rng.normal(0.0, 0.3, (40, 3))]))

    embeddings = {"V": member(1.0), "I": member(0.0)}
    regressor = train_regressor(embeddings["V"][:20], embeddings["V"][40:60], epochs=100, rng=0)
    w = interactive_zoo_ownership(regressor, embeddings, {"V": "victim", "I": "independent"})
    suspect, m, _draw = w.children[0].children
    assert m.max == 20 and "victim" in plt.gcf().axes[0].get_title()
    suspect.value = "I"
    assert "independent" in plt.gcf().axes[0].get_title()
    plt.close("all")
    with pytest.raises(ValueError, match="needs an embedding"):
        interactive_zoo_ownership(regressor, embeddings, {"X": "missing"})
