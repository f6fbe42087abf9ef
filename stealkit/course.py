"""Helpers every notebook calls: the first-cell set-up and "ours vs paper" tables.

Nothing here runs at import; :func:`setup` changes global state (seeds,
matplotlib style) only because a notebook asks it to in its first cell.
"""

from __future__ import annotations

import hashlib
import html
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from stealkit._validation import check_int

__all__ = ["setup", "Setup", "compare_with_paper", "Table", "check", "is_correct", "answer_key",
           "STYLE", "SeedSpread", "seed_spread", "spread_rows", "jsonable"]

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
        working, which can slow a solve down many times over.
    """
    seed = check_int(seed, "seed", minimum=0)
    torch_threads = check_int(torch_threads, "torch_threads", minimum=1, allow_none=True)
    blas_threads = check_int(blas_threads, "blas_threads", minimum=1, allow_none=True)
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


@dataclass(frozen=True)
class SeedSpread:
    """How one measurement spreads over seeds, and how often it reaches the paper's figure.

    Attributes
    ----------
    seeds : tuple of int
        The seeds, in the order given.
    values : tuple of float
        The measurement on each seed.
    median, mean, sd : float
        Over the seeds (``sd`` with ``ddof=1``; 0 for one seed).
    worst : float
        The lowest value (the highest where lower is better).
    worst_seed : int
        The seed that gave it (the first such seed).
    paper : float or None
        The paper's figure.
    at_paper : int or None
        Seeds at or above the paper's figure (at or below where lower is better).
    higher_is_better : bool
        False for costs such as queries.
    """

    seeds: tuple[int, ...]
    values: tuple[float, ...]
    median: float
    mean: float
    sd: float
    worst: float
    worst_seed: int
    paper: float | None
    at_paper: int | None
    higher_is_better: bool = True

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def failures(self) -> tuple[int, ...]:
        """The seeds that fall short of the paper (empty without a paper figure)."""
        if self.paper is None:
            return ()
        short = [s for s, v in zip(self.seeds, self.values, strict=True)
                 if not self._reaches(v)]
        return tuple(short)

    def _reaches(self, value: float) -> bool:
        return value >= self.paper if self.higher_is_better else value <= self.paper


def seed_spread(seeds: Sequence[int], values: Sequence[float], *, paper: float | None = None,
                higher_is_better: bool = True) -> SeedSpread:
    """Summarise one measurement over seeds: median, worst seed, share at the paper's figure.

    A mean ± sd hides how often a claim fails; the worst seed and the count of
    seeds at or above the paper (at or below, for costs such as queries, with
    ``higher_is_better=False``) do not.

    Examples
    --------
    >>> s = seed_spread([0, 1, 2], [1.0, 0.983, 1.0], paper=0.9975)
    >>> s.median, s.worst, s.worst_seed, s.at_paper, s.failures
    (1.0, 0.983, 1, 2, (1,))
    """
    seeds = tuple(int(s) for s in seeds)
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"The 'values' parameter must hold numbers. Got {values!r}.") from None
    if v.ndim != 1 or len(v) == 0 or len(v) != len(seeds):
        raise ValueError(f"'seeds' and 'values' must be non-empty and of equal length. Got "
                         f"{len(seeds)} seeds and {v.size} values.")
    if not np.isfinite(v).all():
        raise ValueError(f"The 'values' parameter must be finite. Got {v.tolist()!r}.")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"The 'seeds' parameter must not repeat a seed. Got {list(seeds)!r}.")
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"The 'higher_is_better' parameter must be a bool. "
                        f"Got {higher_is_better!r} instead.")
    worst_at = int(np.argmin(v) if higher_is_better else np.argmax(v))
    if paper is not None:
        paper = float(paper)
        reached = v >= paper if higher_is_better else v <= paper
    return SeedSpread(
        seeds=seeds, values=tuple(v.tolist()), median=float(np.median(v)), mean=float(v.mean()),
        sd=float(v.std(ddof=1)) if len(v) > 1 else 0.0, worst=float(v[worst_at]),
        worst_seed=seeds[worst_at], paper=paper,
        at_paper=None if paper is None else int(reached.sum()),
        higher_is_better=higher_is_better,
    )


def spread_rows(records: Sequence[Mapping[str, Any]], *, by: Sequence[str], metric: str,
                paper: Mapping[tuple, float | None] | None = None, scale: float = 1.0,
                digits: int = 2, higher_is_better: bool = True,
                seed_key: str = "seed") -> list[dict[str, Any]]:
    """One table row per group of per-seed records: median, worst seed, share at the paper.

    Parameters
    ----------
    records : sequence of dict
        One measurement per seed and group (each holds ``seed_key``, the
        ``by`` fields and ``metric``).
    by : sequence of str
        The fields that name a row (e.g. ``("model", "queries")``); rows keep
        the order in which groups first appear.
    metric : str
        The measured field.
    paper : mapping, optional
        The paper's figure for each group, keyed by the tuple of its ``by``
        values (None, or a missing key: no figure).
    scale : float, default=1.0
        Multiplies values before display (100 for percentages).
    digits : int, default=2
        Decimals shown.
    higher_is_better : bool, default=True
        False for costs (queries): "worst" is then the largest value and
        "at paper" counts seeds at or below the paper.
    seed_key : str, default="seed"
        The field holding the seed.

    Returns
    -------
    list of dict
        The ``by`` fields, then ``seeds``, ``paper``, ``median``, ``worst
        (seed)``, ``reaches paper`` (seeds at or above the paper's figure, at
        or below it for costs, as "k/n"), and ``mean ± sd``: ready for
        :func:`compare_with_paper`.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for r in records:
        missing = [k for k in (*by, metric, seed_key) if k not in r]
        if missing:
            raise ValueError(f"A record lacks the field(s) {missing}: {dict(r)!r}.")
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    if not groups:
        raise ValueError("The 'records' parameter holds no measurements.")
    rows = []
    for key, runs in groups.items():
        ref = None if paper is None else paper.get(key)
        s = seed_spread([r[seed_key] for r in runs], [r[metric] for r in runs],
                        paper=ref, higher_is_better=higher_is_better)
        rows.append({
            **dict(zip(by, key, strict=True)),
            "seeds": s.n_seeds,
            "paper": None if ref is None else f"{ref * scale:,.{digits}f}",
            "median": f"{s.median * scale:,.{digits}f}",
            "worst (seed)": f"{s.worst * scale:,.{digits}f} ({s.worst_seed})",
            "reaches paper": None if ref is None else f"{s.at_paper}/{s.n_seeds}",
            "mean ± sd": f"{s.mean * scale:,.{digits}f} ± {s.sd * scale:,.{digits}f}",
        })
    return rows


_KEY_SALT = "stealkit exercise:"


def _canonical(value: Any, digits: int | None) -> str | None:
    """The text a key hashes: an integer exactly, a real number to ``digits``
    significant figures, a string stripped and lower-cased; None if ``value``
    cannot be read that way (a wrong answer, not an error)."""
    if isinstance(value, str):
        return None if digits is not None else "s:" + value.strip().lower()
    if isinstance(value, bool) or not isinstance(value, (Real, np.number, np.ndarray)):
        return None
    if np.ndim(value) != 0:
        return None
    number = float(value)
    if not np.isfinite(number):
        return None
    if digits is None:
        return f"i:{int(number)}" if number.is_integer() else None
    return f"r{digits}:{number:.{digits}g}"


def answer_key(value: Any, *, digits: int | None = None) -> str:
    """The key that :func:`check` compares an answer with, without showing it.

    A count (``digits=None``) is keyed exactly; a real number to ``digits``
    significant figures, so any answer that rounds to the same figures passes.
    """
    if digits is not None:
        check_int(digits, "digits", minimum=1, maximum=12)
    text = _canonical(value, digits)
    if text is None:
        raise ValueError(f"Cannot make an answer key of {value!r} with digits={digits!r}: "
                         "give an integer, a string, or a real number with digits=.")
    return _key(text)


def _key(text: str) -> str:
    digest = hashlib.sha256((_KEY_SALT + text).encode()).hexdigest()[:16]
    return f"{text.split(':', 1)[0]}:{digest}"


def is_correct(answer: Any, key: str) -> bool:
    """Whether ``answer`` matches ``key`` (from :func:`answer_key`); None is not correct."""
    kind = key.split(":", 1)[0] if isinstance(key, str) else ""
    if kind not in ("i", "s") and not (kind[:1] == "r" and kind[1:].isdigit()):
        raise ValueError(f"{key!r} is not an answer key: make one with course.answer_key(value).")
    if answer is None:
        return False
    text = _canonical(answer, int(kind[1:]) if kind.startswith("r") else None)
    return text is not None and _key(text) == key


def check(answer: Any, key: str, *, hint: str = "") -> None:
    """Check an exercise answer against its key and say so in one line.

    The key (from :func:`answer_key`) does not reveal the answer, so the
    student copy of a notebook can show the check cell. ``answer=None`` means
    "not attempted yet", which is not an error, so a notebook with open
    exercises still runs top to bottom. It prints and returns nothing, so a
    check cell shows one line however it is run; :func:`is_correct` answers
    the same question as a bool.
    """
    ok = is_correct(answer, key)
    if answer is None:
        print("Not answered yet: replace None with your answer and run this cell again.")
    else:
        print("Correct." if ok else f"Not quite ({answer!r}). {hint}".rstrip())


def jsonable(value: Any, *, digits: int = 4, round_floats: bool = False) -> Any:
    """``value`` (dicts, lists, numpy arrays and scalars) as plain JSON-ready Python.

    Arrays are rounded to ``digits``; with ``round_floats`` every float is.
    A non-finite float becomes None (NaN) or the string ``"inf"``. The
    benchmarks write their results files with it.
    """
    if isinstance(value, dict):
        return {k: jsonable(v, digits=digits, round_floats=round_floats) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, digits=digits, round_floats=round_floats) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.round(digits).tolist(), digits=digits, round_floats=round_floats)
    if isinstance(value, np.generic):
        item = value.item()
        return jsonable(item, digits=digits, round_floats=True) if round_floats else item
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else "inf"
    if isinstance(value, float) and round_floats:
        return round(value, digits)
    return value
