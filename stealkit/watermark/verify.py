"""Ownership verification: does a suspect model answer the watermark? (Jia et al. 2021, §5.2)

Threat model: the *owner* (verifier) suspects a deployed model of being a
stolen copy of its victim. It can query the suspect black-box, paying per
query, with held-out watermarked inputs (source-class images it never
trained on, with the trigger stamped on them), and it has clean models of its
own, trained without the watermark, to measure how often an innocent model
answers the target class on those inputs anyway (the false-positive rate).
It claims ownership when a one-sided t-test says the suspect's watermark
success exceeds the clean rate at the chosen significance (95 % confidence
in the paper). A failed test is "inconclusive", never proof of innocence.

The t-test is the paper's; on a handful of 0/1 answers it is an
approximation, and where the suspect hits every time and the clean model
never does it has no variance to work with (p = 0 from two queries).
``test="fisher"`` is the exact one-sided test on the counts instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from stealkit._validation import check_choice, check_int, check_real, check_rng
from stealkit.oracle import Oracle
from stealkit.stats import OwnershipTest, fisher_p_values, ownership_test, welch_p_values
from stealkit.watermark._checks import as_images
from stealkit.watermark.embed import Watermark
from stealkit.watermark.models import predict

__all__ = [
    "watermark_hits",
    "watermark_success",
    "TESTS",
    "Verification",
    "verify_watermark",
]


def _answers(model: Any, X) -> np.ndarray:
    """Labels of a torch model (the owner's own, free) or of an oracle (paid queries)."""
    if isinstance(model, Oracle):
        if model.output not in ("label", "proba"):
            raise ValueError(
                f"The suspect oracle must answer 'label' or 'proba'. Got {model.output!r}."
            )
        answer = np.asarray(model(X.numpy().astype(np.float64)))
        if model.output == "proba":
            return answer.argmax(1)
        if model.classes is not None:
            lookup = {c: i for i, c in enumerate(model.classes.tolist())}
            return np.array([lookup[a] for a in answer.tolist()])
        return answer.astype(int)
    if isinstance(model, nn.Module):
        return predict(model, X)
    raise TypeError(
        "The model must be a torch.nn.Module or a stealkit.Oracle. "
        f"Got {type(model).__name__}."
    )


def watermark_hits(model: Any, X_watermarked: Any, *, target: int) -> np.ndarray:
    """1 where ``model`` answers ``target`` on a watermarked input, else 0.

    ``model`` is a torch module (queried for free) or an :class:`~stealkit.Oracle`
    (each row is a paid query).
    """
    target = check_int(target, "target", minimum=0)
    return (_answers(model, as_images(X_watermarked, "X_watermarked")) == target).astype(float)


def watermark_success(model: Any, X_watermarked: Any, *, target: int) -> float:
    """Watermark success rate: the fraction of watermarked inputs classified as ``target``."""
    return float(watermark_hits(model, X_watermarked, target=target).mean())


#: The tests :func:`verify_watermark` can run on the hits.
TESTS = ("welch", "fisher")


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_watermark`.

    Attributes
    ----------
    suspect_success, clean_success : float
        Watermark success of the suspect and the mean false-positive rate of
        the clean models, on the held-out watermarked inputs.
    test : OwnershipTest
        The one-sided test (Welch's t-test, or Fisher's exact test with
        ``statistic`` = the suspect's hits) on all ``n_queries`` answers.
    queries_needed : int or None
        The fewest queries m (of ``sizes``) at which the median p-value over
        random draws of m watermarked inputs is below the significance level;
        None if even the largest m does not suffice.
    sizes : ndarray of int
        The numbers of queries m of the p-value curve.
    p_values : ndarray of shape (len(sizes), n_draws)
        p-values of the test on random draws of m of the suspect's answers
        (against all of the clean models' answers, which cost no query).
    n_queries : int
        Queries spent on the suspect.
    """

    suspect_success: float
    clean_success: float
    test: OwnershipTest
    queries_needed: int | None
    sizes: np.ndarray
    p_values: np.ndarray
    n_queries: int
    significance: float

    @property
    def verdict(self) -> str:
        return self.test.verdict

    def __str__(self) -> str:
        needed = "more than the set" if self.queries_needed is None else self.queries_needed
        return (
            f"{self.verdict}: watermark success {self.suspect_success:.1%} (suspect) vs "
            f"{self.clean_success:.1%} (clean), p = {self.test.p_value:.2g} with "
            f"{self.n_queries} queries; queries needed at {1 - self.significance:.0%}: {needed}"
        )


def verify_watermark(
    suspect: Any,
    clean: nn.Module | Sequence[nn.Module],
    X_source: Any,
    *,
    watermark: Watermark,
    n_queries: int | None = None,
    significance: float = 0.05,
    max_queries: int = 100,
    n_draws: int = 200,
    test: str = "welch",
    rng: int | np.random.Generator | None = None,
) -> Verification:
    """Claim ownership of a suspect model with held-out watermarked queries (§5.2).

    Parameters
    ----------
    suspect : stealkit.Oracle or torch.nn.Module
        The suspected copy; each watermarked input sent to it is one query.
    clean : torch.nn.Module or sequence of them
        The owner's models trained without the watermark: their answers on
        the same inputs give the false-positive rate (no query is spent).
    X_source : array-like of images
        Held-out source-class images (never used to embed the watermark).
    watermark : Watermark
        The trigger, its position, and the source and target classes.
    n_queries : int, optional
        Query the suspect with this many of the watermarked inputs (drawn at
        random; default: all).
    significance : float, default=0.05
        Claim ownership when p < significance (0.05: 95 % confidence).
    max_queries : int, default=100
        The largest m of the p-value curve (capped at ``n_queries``).
    n_draws : int, default=200
        Random draws of m answers per point of the curve.
    test : {"welch", "fisher"}, default="welch"
        The paper's one-sided Welch t-test, or Fisher's exact one-sided test
        on the counts of hits (exact at any m; see the module's notes).
    rng : int, Generator or None
        Which inputs are queried, and the draws of the curve.

    Returns
    -------
    Verification
    """
    if not isinstance(watermark, Watermark):
        raise TypeError(
            f"The 'watermark' parameter must be a Watermark. Got {type(watermark).__name__}."
        )
    clean = [clean] if isinstance(clean, nn.Module) else list(clean)
    if not clean or not all(isinstance(c, nn.Module) for c in clean):
        raise TypeError(
            "The 'clean' parameter must be a torch.nn.Module or a non-empty list of them."
        )
    if not isinstance(suspect, Oracle | nn.Module):
        raise TypeError(
            "The 'suspect' parameter must be a stealkit.Oracle or a torch.nn.Module. "
            f"Got {type(suspect).__name__}."
        )
    X = watermark.apply(as_images(X_source, "X_source"))
    if len(X) < 2:
        raise ValueError(f"The 'X_source' parameter needs at least 2 images. Got {len(X)}.")
    if n_queries is None:
        n_queries = len(X)
    n_queries = check_int(n_queries, "n_queries", minimum=2, maximum=len(X))
    significance = check_real(significance, "significance", low=0.0, high=1.0)
    if significance >= 1:
        raise ValueError(f"The 'significance' parameter must be in (0, 1). Got {significance}.")
    max_queries = check_int(max_queries, "max_queries", minimum=2)
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    test = check_choice(test, "test", TESTS)
    rng = check_rng(rng)

    chosen = np.sort(rng.choice(len(X), size=n_queries, replace=False))
    target = watermark.target
    clean_hits = np.concatenate([watermark_hits(c, X, target=target) for c in clean])
    hits = watermark_hits(suspect, X[chosen], target=target)
    if test == "welch":
        with warnings.catch_warnings():  # constant samples: ownership_test decides without scipy
            warnings.simplefilter("ignore", RuntimeWarning)
            result = ownership_test(hits, clean_hits, alternative="greater",
                                    significance=significance)
    else:
        p_exact = float(fisher_p_values(int(hits.sum()), len(hits), clean_hits))
        result = OwnershipTest(
            statistic=float(hits.sum()), p_value=p_exact,
            verdict="stolen" if p_exact < significance else "inconclusive",
            significance=significance, alternative="greater",
            delta_mean=float(hits.mean() - clean_hits.mean()),
            n_private=len(hits), n_public=len(clean_hits))
    sizes = np.arange(2, min(max_queries, n_queries) + 1)
    p = np.empty((len(sizes), n_draws))
    for i, m in enumerate(sizes):
        draws = np.stack([rng.choice(hits, size=m, replace=False) for _ in range(n_draws)])
        p[i] = (welch_p_values(draws, clean_hits) if test == "welch"
                else fisher_p_values(draws.sum(axis=1), m, clean_hits))
    below = np.flatnonzero(np.median(p, axis=1) < significance)
    return Verification(
        suspect_success=float(hits.mean()),
        clean_success=float(clean_hits.mean()),
        test=result,
        queries_needed=int(sizes[below[0]]) if len(below) else None,
        sizes=sizes,
        p_values=p,
        n_queries=n_queries,
        significance=significance,
    )
