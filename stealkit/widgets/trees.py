"""Widgets of notebook 02: replay a path-finding extraction, one query at a time."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from stealkit.plots.trees import plot_path_finding

__all__ = ["interactive_path_finding"]


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
