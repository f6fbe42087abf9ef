"""Helpers every notebook calls: the first-cell set-up and "ours vs paper" tables.

Nothing here runs at import; :func:`setup` changes global state (seeds,
matplotlib style) only because a notebook asks it to in its first cell.
"""

from __future__ import annotations

import html
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["setup", "Setup", "compare_with_paper", "Table", "check", "STYLE"]

#: Matplotlib settings for every course figure: readable on a projector.
STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Setup:
    """What :func:`setup` fixed: the seed, the data folder, the versions."""

    seed: int
    data: str
    versions: Mapping[str, str]

    def __repr__(self) -> str:
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        return f"seed={self.seed} | data: {self.data} | {versions}"


def setup(seed: int = 0, *, torch_threads: int | None = None,
          blas_threads: int | None = 1) -> Setup:
    """Prepare a notebook: fix the seeds, set the figure style, report the data folder.

    Parameters
    ----------
    seed : int, default=0
        Seeds numpy's and torch's global generators, for code outside
        stealkit; stealkit itself always takes an explicit ``rng``.
    torch_threads : int, optional
        Limit torch to this many CPU threads (Binder gives two cores).
    blas_threads : int or None, default=1
        Limit numpy's and scipy's BLAS to this many threads (None: leave it).
        The course's matrices are small, and a multi-threaded OpenBLAS that
        shares a 2-core machine with any other busy process spins instead of
        working: we measured a 2-second solve take a minute.
    """
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"The 'seed' parameter must be a non-negative int. Got {seed!r} instead.")
    for name, value in (("torch_threads", torch_threads), ("blas_threads", blas_threads)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, Integral)
                                  or value < 1):
            raise ValueError(f"The {name!r} parameter must be an int >= 1 or None. "
                             f"Got {value!r} instead.")
    import matplotlib as mpl
    import sklearn
    import torch
    from threadpoolctl import threadpool_limits

    np.random.seed(seed)  # noqa: NPY002 (the notebook asked for it)
    torch.manual_seed(seed)
    if torch_threads is not None:
        torch.set_num_threads(int(torch_threads))
    if blas_threads is not None:
        threadpool_limits(limits=int(blas_threads), user_api="blas")
    mpl.rcParams.update(STYLE)
    data = os.environ.get("STEALKIT_DATA")
    where = (
        f"{Path(data).resolve()} (offline copies, STEALKIT_DATA)"
        if data
        else "downloaded on first use and cached"
    )
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__.split("+")[0],
    }
    return Setup(seed=int(seed), data=where, versions=versions)


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        v = float(value)
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            return f"{v:.1e}"
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(value)


@dataclass(frozen=True)
class Table:
    """A small table that prints as aligned text and renders as HTML."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""

    def cells(self) -> list[list[str]]:
        return [[_format(v) for v in row] for row in self.rows]

    def __repr__(self) -> str:
        body = self.cells()
        widths = [
            max(len(c), *(len(r[i]) for r in body)) if body else len(c)
            for i, c in enumerate(self.columns)
        ]
        def line(cells):
            pairs = zip(cells, widths, strict=True)
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(pairs))

        out = [self.caption] if self.caption else []
        out += [line(self.columns), line(["-" * w for w in widths])]
        out += [line(r) for r in body]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
            for r in self.cells()
        )
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def compare_with_paper(
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    caption: str = "",
) -> Table:
    """Build an "ours vs the paper" table from one dict per row.

    Numbers are formatted for reading (fractions to 4 significant digits);
    a missing value shows as "–". ``columns`` fixes the order (default: the
    keys in order of first appearance).

    Examples
    --------
    >>> compare_with_paper([{"model": "softmax", "queries": 265,
    ...                      "paper 1-R_test": 0.9996, "ours 1-R_test": 1.0}])
    model    queries  paper 1-R_test  ours 1-R_test
    -------  -------  --------------  -------------
    softmax      265          0.9996              1
    """
    rows = list(rows)
    if not rows or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("The 'rows' parameter must be a non-empty sequence of dicts.")
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    columns = tuple(str(c) for c in columns)
    unknown = sorted({k for r in rows for k in r} - set(columns))
    if unknown:
        raise ValueError(f"Rows have keys not in 'columns': {unknown}.")
    return Table(columns, tuple(tuple(r.get(c) for c in columns) for r in rows), caption)


def check(answer: Any, expected: Any, *, rtol: float = 1e-6, hint: str = "") -> bool:
    """Check an exercise answer and say so in one line.

    ``answer=None`` means "not attempted yet", which is not an error, so a
    notebook with open exercises still runs top to bottom.
    """
    if answer is None:
        print("Not answered yet: replace None with your answer and run this cell again.")
        return False
    try:
        ok = bool(np.allclose(answer, expected, rtol=rtol, atol=0.0))
    except (TypeError, ValueError):
        ok = answer == expected
    print("Correct." if ok else f"Not quite ({answer!r}). {hint}".rstrip())
    return ok
