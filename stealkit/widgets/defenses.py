"""The widget of notebook 07: pick a defence and its strength, pick an attack, watch.

Each change runs one attack on the Adult-income victim behind the chosen
output defence (:func:`stealkit.paper.defenses.defended_attack`) while PRADA
watches the queries, and draws the detector's statistic beside the copy's
fidelity.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt

from stealkit._validation import check_choice
from stealkit.defenses import ReverseSigmoid, Rounding
from stealkit.paper.defenses import ATTACKS, DELTA, defended_attack
from stealkit.plots import EXTRACTED, VICTIM, plot_prada

__all__ = ["interactive_defences"]

#: Strengths offered per defence: (label, value).
STRENGTHS = {
    "none": [("–", 0)],  # not None: an option whose value is None selects nothing
    "rounding": [(f"{k} decimals", k) for k in (4, 3, 2, 1, 0)],
    "reverse sigmoid": [(f"β = {b:g}", b) for b in (0.01, 0.05, 0.2, 0.5, 0.9)],
    "labels only": [("–", 0)],
}


def _defence(kind: str, strength: Any) -> Any:
    if kind == "rounding":
        return Rounding(strength)
    if kind == "reverse sigmoid":
        return ReverseSigmoid(beta=strength, gamma=0.5)
    return "labels" if kind == "labels only" else None


def interactive_defences(victim: Any, data: Any, *, defence: str = "reverse sigmoid",
                         delta: float = DELTA, rng: int = 0) -> W.Widget:
    """Defence, strength and attack against ``victim`` (binary, with ``predict_proba``).

    ``data``: its data set (``X_test`` for 1 − R_test, ``sample_uniform`` for
    the queries). ``defence``: the one shown first. ``delta``: PRADA's
    threshold. Equation solving against labels only is refused with a
    message (it needs probabilities).
    """
    defence = check_choice(defence, "defence", list(STRENGTHS))
    kind = W.Dropdown(options=list(STRENGTHS), index=list(STRENGTHS).index(defence),
                      description="defence")
    strength = W.SelectionSlider(options=STRENGTHS[defence], index=0, description="strength",
                                 disabled=len(STRENGTHS[defence]) == 1,
                                 layout=W.Layout(width="420px"))
    attack = W.ToggleButtons(options=list(ATTACKS), index=0, description="attack")
    out = W.Output()
    updating = False

    def show(*_):
        if updating:
            return
        out.clear_output(wait=True)
        with out:
            defence = _defence(kind.value, strength.value)
            if defence == "labels" and attack.value == "equation solving":
                print("Equation solving needs probabilities; against labels only the thief "
                      "must use a label-only attack (adaptive retraining or Lowd–Meek).")
                return
            r = defended_attack(victim, data, defence=defence, attack=attack.value, delta=delta,
                                rng=rng)
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2),
                                              gridspec_kw={"width_ratios": [2.2, 1]})
            plot_prada({attack.value: r["history"]}, delta=delta,
                       alarms={attack.value: r["alarm at"]}, ax=left)
            left.set_title("PRADA watching the thief", fontsize=12)
            right.bar(["victim", "copy"], [1.0, r["1-R_test"]], color=[VICTIM, EXTRACTED])
            right.set_ylim(0, 1.05)
            right.set_ylabel("agreement with the victim (test)")
            right.set_title(f"fidelity {r['1-R_test']:.3f}", fontsize=12)
            fig.tight_layout()
            plt.show()
            alarm = ("never" if r["alarm at"] is None else f"after {r['alarm at']:,} queries")
            setting = f" ({strength.label})" if not strength.disabled else ""
            print(f"{attack.value} against {kind.value}{setting}: {r['queries']:,} queries, "
                  f"1 − R_test = {r['1-R_test']:.3f}; PRADA alarm: {alarm}")

    def on_kind(_):
        nonlocal updating
        updating = True
        strength.options = STRENGTHS[kind.value]
        strength.index = 0
        strength.disabled = len(STRENGTHS[kind.value]) == 1
        updating = False
        show()

    kind.observe(on_kind, names="value")
    strength.observe(show, names="value")
    attack.observe(show, names="value")
    show()
    return W.VBox([W.HBox([kind, strength]), attack, out])
