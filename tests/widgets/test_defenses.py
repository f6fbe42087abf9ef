import re

import matplotlib.pyplot as plt
import pytest
from sklearn.linear_model import LogisticRegression

from stealkit import datasets
from stealkit.widgets import interactive_defences


@pytest.fixture(scope="module")
def moons():
    data = datasets.load_moons(rng=0)
    return data, LogisticRegression().fit(data.X_train, data.y_train)


def fidelity(printed):
    return float(re.search(r"1 − R_test = ([0-9.]+)", printed.strip().splitlines()[-1]).group(1))


def test_defence_strength_and_attack_each_rerun(moons, capsys):
    data, victim = moons
    w = interactive_defences(victim, data, defence="none", delta=0.9, rng=0)
    (kind, strength), attack = w.children[0].children, w.children[1]
    # every control shows a value (no blank dropdown), the strength is off for "none"
    assert kind.value == "none" and strength.label == "–" and strength.disabled
    assert fidelity(capsys.readouterr().out) == pytest.approx(1.0)
    kind.value = "reverse sigmoid"
    assert not strength.disabled and strength.label == "β = 0.01"
    bent = fidelity(capsys.readouterr().out)
    assert bent < 1.0
    strength.value = 0.9
    assert "β = 0.9" in capsys.readouterr().out
    assert plt.gcf().axes[0].get_ylabel().startswith("Shapiro")
    kind.value = "labels only"
    assert "needs probabilities" in capsys.readouterr().out
    attack.value = "Lowd–Meek"
    out = capsys.readouterr().out
    assert "Lowd–Meek against labels only" in out and fidelity(out) > 0.99


def test_bad_first_defence(moons):
    data, victim = moons
    with pytest.raises(ValueError, match="defence"):
        interactive_defences(victim, data, defence="moat")
