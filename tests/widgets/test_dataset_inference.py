import numpy as np
import pytest

from stealkit.widgets import interactive_linear_toy


def test_interactive_linear_toy_reacts(monkeypatch):
    import matplotlib.pyplot as plt

    from stealkit.dataset_inference import linear_toy

    trials = []
    real = linear_toy.trial
    monkeypatch.setattr(linear_toy, "trial", lambda **kw: trials.append((kw, real(**kw))) or trials[-1][1])
    w = interactive_linear_toy(rng=0)
    (_k, D, _sigma), (n_train, m, alpha) = w.children[0].children, w.children[1].children
    n_train.value = 10
    assert m.max == 10 and m.value <= 10
    D.value, alpha.value = 4, 0.05
    # Each change re-simulates with the new setting and draws that simulation.
    kw, t = trials[-1]
    assert (kw["n_noise"], kw["significance"], kw["n_train"]) == (4, 0.05, 10)
    victim_ax, independent_ax = plt.gcf().axes
    v = t.victim_test
    below = "<" if v.p_value < 0.05 else "≥"
    assert victim_ax.get_title() == f"victim: {v.verdict} (p = {v.p_value:.2g} {below} α = 0.05)"
    alpha.value = 0.001  # the significance is visible: the titles show the new α
    assert plt.gcf().axes[0].get_title().endswith("α = 0.001)")
    assert independent_ax.get_title().startswith(f"independent: {t.independent_test.verdict}")


def test_interactive_zoo_ownership_reacts():
    import matplotlib.pyplot as plt

    from stealkit.dataset_inference import train_regressor
    from stealkit.dataset_inference.cifar import split_rows
    from stealkit.dataset_inference.regressor import verify_dataset
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
    m.value = 5
    # The figure is the test of the chosen suspect on m held-out rows of each kind.
    private, public = split_rows(embeddings["I"])[2:]
    want = verify_dataset(regressor, private, public, m=5, rng=0)
    ax = plt.gcf().axes[0]
    assert ax.get_title() == f"independent, m = 5: {want.verdict} (p = {want.p_value:.2g})"
    assert sum(p.get_height() for p in ax.patches) == len(want.private_scores) + len(
        want.public_scores)
    with pytest.raises(ValueError, match="needs an embedding"):
        interactive_zoo_ownership(regressor, embeddings, {"X": "missing"})
