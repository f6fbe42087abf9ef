import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit import Oracle
from stealkit.attacks.retraining import extract_by_retraining
from stealkit.plots import LOWD_MEEK_STEPS
from stealkit.widgets import interactive_lowd_meek, interactive_retraining


@pytest.fixture(scope="module")
def victim(logistic_2d):
    return logistic_2d


def spent(printed):
    return int(re.search(r"(\d+) queries in all", printed).group(1))



def test_interactive_lowd_meek_reruns_at_each_granularity_and_step(victim, capsys):
    # Outside a kernel the Output widget lets prints through to stdout.
    w = interactive_lowd_meek(victim, rng=0)
    step, eps = w.children[0].children
    assert eps.value == 1e-3 and plt.gcf().axes[0].get_title() == LOWD_MEEK_STEPS[3]
    coarse = capsys.readouterr().out
    eps.value = 1e-6
    fine = capsys.readouterr().out
    # A finer granularity takes more line-search queries.
    assert spent(fine) > spent(coarse)
    step.value = 1
    assert plt.gcf().axes[0].get_title() == LOWD_MEEK_STEPS[0]


def test_interactive_retraining_draws_the_chosen_strategy_and_round(victim):
    r = interactive_retraining(victim, model="logistic", n_queries=30, rounds=3, rng=0)
    strategy, (_queries, rnd) = r.children[0], r.children[1].children
    assert strategy.value == "adaptive" and rnd.value == 3
    assert plt.gcf().axes[0].get_title().startswith("adaptive, round 3 of 3: 1 − R_unif = ")
    strategy.value = "uniform"
    # Uniform retraining is one round: the slider and the title both say so.
    assert plt.gcf().axes[0].get_title().startswith("uniform, round 1 of 1: ")
    assert (rnd.value, rnd.max, rnd.disabled) == (1, 1, True)
    n_figures = len(plt.get_fignums())
    strategy.value = "adaptive"
    assert (rnd.value, rnd.max, rnd.disabled) == (3, 3, False)
    assert len(plt.get_fignums()) == n_figures + 1  # one redraw per change, not two
    rnd.value = 1
    assert plt.gcf().axes[0].get_title().startswith("adaptive, round 1 of 3: ")
    # The points drawn last are the queries the attack sent in the round shown.
    attack = extract_by_retraining(Oracle.from_sklearn(victim, output="label"), n_features=2,
                                   n_queries=30, strategy="adaptive", model="logistic",
                                   rounds=3, rng=0)
    np.testing.assert_array_equal(plt.gcf().axes[0].collections[-1].get_offsets(),
                                  attack.round_queries[0])
