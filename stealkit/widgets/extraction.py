"""Widgets of notebooks 00 and 01: a live prediction API, equation solving, rounding.

Each control change is one package call and one plot; defaults are cheap so
that a slider answers at once.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from stealkit._validation import check_int
from stealkit.defenses import TopK
from stealkit.oracle import Oracle, QueryBudgetExceeded
from stealkit.plots.extraction import plot_answer, plot_decision_boundary, plot_rounding

__all__ = ["interactive_oracle", "interactive_equation_solving", "interactive_rounding"]


def interactive_oracle(estimator: Any, X: np.ndarray, *, price_per_query: float = 1e-4) -> W.Widget:
    """Play with a live prediction API: output mode, rounding, top-k and budget.

    Each change builds a fresh :class:`~stealkit.Oracle` around ``estimator``
    and sends it the first ``n`` rows of ``X``; the answer to the first query
    is drawn against the exact probabilities, and the meter is printed.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"'X' must be a non-empty 2-D array of queries. Got shape {X.shape}.")
    n_max = min(len(X), 20)
    output = W.ToggleButtons(options=["proba", "label"], description="output")
    decimals = W.Dropdown(
        options=[("exact", None)] + [(str(d), d) for d in range(6)],
        index=0,  # value=None would select nothing: a blank dropdown
        description="decimals",
    )
    top_k = W.Dropdown(options=[("all", None), ("1", 1), ("2", 2)], index=0, description="top-k")
    n = W.IntSlider(value=3, min=1, max=n_max, description="queries")
    budget = W.IntSlider(value=10, min=0, max=n_max, description="budget")
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            proba = output.value == "proba"
            oracle = Oracle.from_sklearn(
                estimator,
                output=output.value,
                decimals=decimals.value if proba else None,
                defenses=[TopK(top_k.value)] if proba and top_k.value else (),
                budget=budget.value,
                price_per_query=price_per_query,
            )
            try:
                answer = oracle(X[: n.value])
            except QueryBudgetExceeded as exc:
                print(f"QueryBudgetExceeded: {exc}")
                return
            with np.printoptions(precision=6, suppress=True):
                print(f"{oracle!r}\ncost: ${oracle.cost:.4f}\nanswers:\n{answer}")
            if proba:
                fig, ax = plt.subplots(figsize=(5, 3))
                plot_answer(
                    answer[0],
                    classes=oracle.classes,
                    reference=estimator.predict_proba(X[:1])[0],
                    ax=ax,
                )
                ax.set_title("answer to the first query")
                plt.show()

    for control in (output, decimals, top_k, n, budget):
        control.observe(show, names="value")
    show()
    return W.VBox([output, W.HBox([decimals, top_k]), W.HBox([n, budget]), out])


class _FixedQueries:
    """A sampler that always returns the same query points."""

    def __init__(self, points: np.ndarray):
        self.points = np.asarray(points, dtype=float)

    def __call__(self, n: int, *, rng: Any = None) -> np.ndarray:
        return self.points[:n]


def interactive_equation_solving(victim: Any) -> W.Widget:
    """Pick the d + 1 = 3 queries of equation solving on a 2-D logistic victim.

    Each change queries the victim's API at the three points (optionally
    rounded) and solves σ⁻¹(f(x)) = w·x + b; the solved boundary (dashed) is
    drawn over the victim's. Collinear points make the system singular.
    """
    from stealkit.attacks.equation_solving import extract_logistic

    if getattr(victim, "n_features_in_", None) != 2 or len(getattr(victim, "classes_", ())) != 2:
        raise ValueError("The 'victim' must be a fitted binary classifier on 2 features.")
    start = [(-0.6, -0.5), (0.7, -0.3), (0.0, 0.8)]
    sliders = [
        W.FloatSlider(
            value=v,
            min=-1,
            max=1,
            step=0.05,
            description=f"x{i + 1}[{k + 1}]",
            continuous_update=False,
        )
        for i, point in enumerate(start)
        for k, v in enumerate(point)
    ]
    decimals = W.Dropdown(
        options=[("exact", None)] + [(str(d), d) for d in range(1, 6)],
        index=0,
        description="decimals",
    )
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            points = np.array([s.value for s in sliders]).reshape(3, 2)
            oracle = Oracle.from_sklearn(victim, decimals=decimals.value)
            result = extract_logistic(oracle, n_features=2, sampler=_FixedQueries(points))
            fig, ax = plt.subplots(figsize=(5.5, 5))
            plot_decision_boundary(victim, result.model, queries=points, ax=ax)
            A = np.hstack([points, np.ones((3, 1))])
            if np.linalg.matrix_rank(A, tol=1e-6) < 3:
                ax.set_title("collinear queries: the system is singular")
            else:
                true = np.r_[victim.coef_.ravel(), victim.intercept_]
                found = np.r_[result.model.coef_.ravel(), result.model.intercept_]
                ax.set_title(
                    f"{result.n_queries} queries, max |Δθ| = {np.abs(found - true).max():.1e}"
                )
            plt.show()

    for control in (*sliders, decimals):
        control.observe(show, names="value")
    show()
    rows = [W.HBox(sliders[i : i + 2]) for i in range(0, 6, 2)]
    return W.VBox([*rows, decimals, out])


def interactive_rounding(victim: Any, dataset: Any, *, n_queries: int, rows: Any = (),
                         rng: int = 0) -> W.Widget:
    """Figure 7 live: a decimals slider re-runs softmax extraction against a rounding API.

    Each new setting builds an oracle that rounds ``victim``'s probabilities to
    that many decimals, spends ``n_queries`` uniform queries on
    :func:`~stealkit.paper.equation_solving.rounding_row` and adds the point to
    the curve of extraction error against decimals. ``rows`` already measured
    (the same function's output) seed the curve.
    """
    from stealkit.paper.equation_solving import rounding_row

    n_queries = check_int(n_queries, "n_queries", minimum=1)
    done = {r["decimals"]: r for r in rows}
    slider = W.SelectionSlider(options=[str(d) for d in range(0, 7)] + ["exact"], value="exact",
                               description="decimals", continuous_update=False)
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            d = None if slider.value == "exact" else int(slider.value)
            if d not in done:
                done[d] = rounding_row(victim, dataset, decimals=d, n_queries=n_queries, rng=rng)
            r = done[d]
            fig, ax = plt.subplots(figsize=(6, 3.5))
            plot_rounding(list(done.values()), highlight=d, ax=ax)
            ax.set_title(f"{'no rounding' if d is None else f'{d} decimals'}: "
                         f"1 − R_test {r['1-R_test']:.2%}, 1 − R_unif {r['1-R_unif']:.2%} "
                         f"({r['queries']} queries)", fontsize=10)
            plt.show()

    slider.observe(show, names="value")
    show()
    return W.VBox([slider, out])
