"""Tests of ownership: one-sided tests that a suspect scores higher on what the owner planted.

Both ownership papers end in the same question, asked of a handful of numbers:
does the suspect model treat the owner's secret samples differently from
samples any model would see? Dataset inference (Maini et al. 2021, §5) scores
the victim's private and public samples with the suspect and runs a one-sided
Welch t-test (:func:`ownership_test`, :func:`p_value_curve`); entangled
watermarks (Jia et al. 2021, §5.2) count the suspect's answers of the target
class on triggered inputs against clean models' answers, with the same t-test
(:func:`welch_p_values`, vectorised over draws) or Fisher's exact test on the
counts (:func:`fisher_p_values`).

Threat model: the verifier (the owner) holds the scores of the suspect on its
secret and its reference samples; each score may have cost a query, paid
before these functions are called. A significant difference means "stolen";
otherwise the test is "inconclusive": it never proves innocence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from stealkit._validation import check_choice, check_int, check_real, check_rng

__all__ = [
    "ALTERNATIVES",
    "OwnershipTest",
    "ownership_test",
    "p_value_curve",
    "welch_p_values",
    "fisher_p_values",
]

#: The "stolen" hypotheses of :func:`ownership_test`: private scores greater or less.
ALTERNATIVES = ("greater", "less")


@dataclass(frozen=True)
class OwnershipTest:
    """Outcome of :func:`ownership_test`."""

    statistic: float
    p_value: float
    verdict: str
    significance: float
    alternative: str
    delta_mean: float
    n_private: int
    n_public: int

    def __str__(self) -> str:
        return (
            f"{self.verdict}: Δμ = {self.delta_mean:.3g}, t = {self.statistic:.3g}, "
            f"p = {self.p_value:.2g} (α = {self.significance}, m = {self.n_private})"
        )


def _scores(name: str, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(
            f"The '{name}' parameter must be a 1-D array of at least 2 scores. Got shape {x.shape}."
        )
    if not np.isfinite(x).all():
        raise ValueError(f"The '{name}' parameter contains NaN or infinite scores.")
    return x


def ownership_test(
    private_scores,
    public_scores,
    *,
    alternative: str = "greater",
    significance: float = 0.01,
) -> OwnershipTest:
    """One-sided Welch t-test of private against public scores of a suspect model.

    Parameters
    ----------
    private_scores, public_scores : array-like of shape (m,)
        Scores of the suspect on the victim's private (training) samples and on
        public samples of the same distribution.
    alternative : {"greater", "less"}, default="greater"
        The "stolen" hypothesis: private scores are greater (margins in the
        linear toy model) or less (the CIFAR confidence regressor, trained to
        output less on private samples) than public ones.
    significance : float, default=0.01
        Reject the null hypothesis (no difference) below this p-value: the
        verdict is then "stolen", otherwise "inconclusive".

    Returns
    -------
    OwnershipTest
        The statistic, p-value, verdict and ``delta_mean`` = mean of the public
        minus the private scores for ``"less"`` and private minus public for
        ``"greater"`` (positive when the evidence points to theft).
    """
    private = _scores("private_scores", private_scores)
    public = _scores("public_scores", public_scores)
    alternative = check_choice(alternative, "alternative", ALTERNATIVES)
    significance = check_real(significance, "significance", low=0, high=1, include_high=False)
    result = stats.ttest_ind(private, public, equal_var=False, alternative=alternative)
    delta = private.mean() - public.mean()
    p_value = float(result.pvalue)
    if np.isnan(p_value):  # both samples constant: no evidence either way
        p_value = 1.0 if delta == 0 or (delta < 0) == (alternative == "greater") else 0.0
    return OwnershipTest(
        statistic=float(result.statistic),
        p_value=p_value,
        verdict="stolen" if p_value < significance else "inconclusive",
        significance=significance,
        alternative=alternative,
        delta_mean=float(delta if alternative == "greater" else -delta),
        n_private=len(private),
        n_public=len(public),
    )


def p_value_curve(
    private_scores,
    public_scores,
    *,
    sizes: Sequence[int] = (2, 5, 10, 20, 50),
    n_draws: int = 100,
    alternative: str = "greater",
    rng: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """p-value of :func:`ownership_test` against the number of samples m.

    For each m in ``sizes``, draw m private and m public scores without
    replacement ``n_draws`` times and test. Returns ``(sizes, p_values)`` with
    ``p_values`` of shape ``(len(sizes), n_draws)``: plot the median (the
    paper repeats and aggregates draws the same way).
    """
    private = _scores("private_scores", private_scores)
    public = _scores("public_scores", public_scores)
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or not len(sizes) or not np.issubdtype(sizes.dtype, np.integer):
        raise ValueError(f"The 'sizes' parameter must be a 1-D sequence of ints. Got {sizes!r}.")
    limit = min(len(private), len(public))
    if sizes.min() < 2 or sizes.max() > limit:
        raise ValueError(
            f"Every size in 'sizes' must be in [2, {limit}] (the fewer scores of the two sets). "
            f"Got {sizes.tolist()}."
        )
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    rng = check_rng(rng)
    p = np.empty((len(sizes), n_draws))
    for i, m in enumerate(sizes):
        for j in range(n_draws):
            a = rng.choice(private, size=m, replace=False)
            b = rng.choice(public, size=m, replace=False)
            p[i, j] = ownership_test(a, b, alternative=alternative).p_value
    return sizes, p


def welch_p_values(suspect: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """One-sided Welch p-values (suspect mean > reference mean), row by row.

    ``suspect`` is ``(n_draws, m)``; ``reference`` a 1-D sample shared by every
    row. Vectorised for the p-value curve of
    :func:`~stealkit.watermark.verify_watermark`; equal to
    ``scipy.stats.ttest_ind(row, reference, equal_var=False,
    alternative="greater")``, except that where both samples are constant
    (no variance) the p-value is 0 if the suspect's mean is higher, else 1, as
    in :func:`ownership_test`.
    """
    a = np.atleast_2d(np.asarray(suspect, dtype=float))
    b = np.asarray(reference, dtype=float)
    m, n = a.shape[1], len(b)
    if m < 2 or n < 2:
        raise ValueError("Both samples need at least 2 values for a t-test.")
    va, vb = a.var(axis=1, ddof=1) / m, b.var(ddof=1) / n
    diff = a.mean(axis=1) - b.mean()
    se2 = va + vb
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / np.sqrt(se2)
        dof = se2**2 / (va**2 / (m - 1) + vb**2 / (n - 1))
        p = stats.t.sf(t, dof)
    constant = se2 == 0
    p[constant] = np.where(diff[constant] > 0, 0.0, 1.0)
    return p


def fisher_p_values(suspect_hits: Any, n_suspect: int, reference: np.ndarray) -> np.ndarray:
    """One-sided exact p-values (Fisher's test of the 2 × 2 counts), one per suspect count.

    ``suspect_hits``: hits among ``n_suspect`` answers of the suspect (an int
    or an array of them); ``reference``: the clean models' 0/1 answers. Under
    H₀ (the suspect answers the target no more often than the clean models)
    the suspect's hits follow a hypergeometric law given all the hits; the
    p-value is the chance of as many or more. Equal to
    ``scipy.stats.fisher_exact([[k, m - k], [K, n - K]], alternative="greater")``.
    """
    k = np.asarray(suspect_hits, dtype=np.int64)
    b = np.asarray(reference)
    m, n, big_k = int(n_suspect), len(b), int(np.sum(b))
    if m < 1 or n < 1:
        raise ValueError("Both samples need at least 1 answer for Fisher's test.")
    if np.any(k < 0) or np.any(k > m):
        raise ValueError(f"The suspect's hits must be in [0, {m}]. Got {suspect_hits!r}.")
    # P(X >= k), X ~ Hypergeometric(population m + n, k + K hits in it, m drawn)
    return stats.hypergeom.sf(k - 1, m + n, k + big_k, m)
