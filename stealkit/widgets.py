"""Widgets the notebooks use: each control change is one package call and one plot.

Defaults are cheap so that a slider answers at once.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from stealkit.defenses import TopK
from stealkit.oracle import Oracle, QueryBudgetExceeded
from stealkit.plots import plot_answer, plot_path_finding

__all__ = [
    "interactive_oracle",
    "interactive_path_finding",
    "interactive_linear_toy",
    "interactive_equation_solving",
    "interactive_rounding",
    "interactive_zoo_ownership",
]


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
        value=None,
        description="decimals",
    )
    top_k = W.Dropdown(options=[("all", None), ("1", 1), ("2", 2)], value=None, description="top-k")
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


def interactive_path_finding(
    result: Any, *, step: int | None = None, figsize: tuple[float, float] = (9.0, 5.0)
) -> W.Widget:
    """Replay a path-finding extraction of a 2-D tree, one query at a time.

    The extraction is run once, before (``extract_tree``); each move of the
    slider (or tick of the play button) is one :func:`~stealkit.plots.plot_path_finding`
    call: the leaves found and the queries sent up to that query.

    Parameters
    ----------
    result : PathFindingResult
        The extraction to replay (a tree of two continuous features).
    step : int, optional
        The query shown first (default: the last one).
    """
    n = int(result.n_queries)
    if n < 1:
        raise ValueError("The 'result' holds no queries to replay.")
    step = n if step is None else step
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step <= n:
        raise ValueError(f"The 'step' parameter must be an int in [0, {n}]. Got {step!r} instead.")
    play = W.Play(value=int(step), min=0, max=n, step=1, interval=250, description="play")
    slider = W.IntSlider(
        value=int(step),
        min=0,
        max=n,
        description="query",
        continuous_update=True,
        layout=W.Layout(width="60%"),
    )
    W.jslink((play, "value"), (slider, "value"))
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            fig, ax = plt.subplots(figsize=figsize)
            plot_path_finding(result, step=slider.value, ax=ax)
            fig.tight_layout()
            plt.show()

    slider.observe(show, names="value")
    show()
    return W.VBox([W.HBox([play, slider]), out])


def interactive_linear_toy(*, rng: int = 0) -> W.Widget:
    """Dataset inference in the linear toy model, re-simulated on every change.

    Sliders set K, D, σ, the training-set size, the m samples revealed to the
    test and the significance; the victim (left) and an independent model
    (right) are tested on the same samples.
    """
    from stealkit.dataset_inference import linear_toy
    from stealkit.plots import plot_margins

    K = W.IntSlider(value=1, min=1, max=20, description="K (signal)")
    D = W.IntSlider(value=64, min=1, max=512, description="D (noise)")
    sigma = W.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="σ")
    n_train = W.IntSlider(value=20, min=10, max=200, step=10, description="|S|")
    m = W.IntSlider(value=10, min=2, max=10, description="m")
    alpha = W.Dropdown(options=[0.05, 0.01, 0.001], value=0.01, description="α")
    out = W.Output()

    def show(*_):
        m.max = n_train.value
        out.clear_output(wait=True)
        with out:
            t = linear_toy.trial(
                n_signal=K.value,
                n_noise=D.value,
                sigma=sigma.value,
                n_train=n_train.value,
                m=m.value,
                significance=alpha.value,
                rng=rng,
            )
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
            plot_margins(t.victim_private, t.victim_public, test=t.victim_test, ax=axes[0])
            plot_margins(
                t.independent_private, t.independent_public, test=t.independent_test, ax=axes[1]
            )
            axes[0].set_title("victim: " + axes[0].get_title())
            axes[1].set_title("independent: " + axes[1].get_title())
            plt.show()

    for control in (K, D, sigma, n_train, m, alpha):
        control.observe(show, names="value")
    show()
    return W.VBox([W.HBox([K, D, sigma]), W.HBox([n_train, m, alpha]), out])


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
    from stealkit.plots import plot_decision_boundary

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
        value=None,
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
    :func:`~stealkit.attacks.experiments.rounding_row` and adds the point to
    the curve of extraction error against decimals. ``rows`` already measured
    (the same function's output) seed the curve.
    """
    from stealkit.attacks._common import check_int
    from stealkit.paper.equation_solving import rounding_row
    from stealkit.plots import plot_rounding

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


def interactive_zoo_ownership(regressor: Any, embeddings: Any, labels: Any, *,
                              max_draw: int = 50) -> W.Widget:
    """Dataset inference on one zoo member at a time: suspect, m and the draw.

    ``embeddings`` maps each member to its zoo embedding (n private then n
    public rows, as :func:`~stealkit.dataset_inference.cifar.split_rows` reads
    it); the held-out halves are tested. Each change draws m + m held-out rows
    (``rng`` = the draw), scores them with ``regressor`` and runs the ownership
    test; the histogram of the scores shows the verdict.
    """
    from stealkit.dataset_inference.cifar import split_rows
    from stealkit.dataset_inference.regressor import verify_dataset
    from stealkit.plots import plot_margins

    labels = dict(labels)
    if not labels or any(name not in embeddings for name in labels):
        raise ValueError("Every member in 'labels' needs an embedding in 'embeddings'.")
    held_out = {name: split_rows(embeddings[name])[2:] for name in labels}
    n = min(len(private) for private, _ in held_out.values())
    suspect = W.Dropdown(options=[(label, name) for name, label in labels.items()],
                         description="suspect")
    m = W.IntSlider(value=min(10, n), min=2, max=n, description="m", continuous_update=False)
    draw = W.IntSlider(value=0, min=0, max=max_draw, description="draw", continuous_update=False)
    out = W.Output()

    def show(*_):
        out.clear_output(wait=True)
        with out:
            private, public = held_out[suspect.value]
            result = verify_dataset(regressor, private, public, m=m.value, rng=draw.value)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            plot_margins(result.private_scores, result.public_scores, test=result.test, ax=ax)
            ax.set(xlabel="regressor score g (−1: looks private)",
                   title=f"{labels[suspect.value]}, m = {m.value}: {result.verdict} "
                         f"(p = {result.p_value:.2g})")
            plt.show()

    for control in (suspect, m, draw):
        control.observe(show, names="value")
    show()
    return W.VBox([W.HBox([suspect, m, draw]), out])
