"""The decision function of dataset inference: a one-sided Welch t-test (Maini et al. §5).

Threat model: the verifier (the victim) holds its private training samples and
public samples from the same distribution, and can score both with the
suspect model (margins in the linear toy model; a confidence regressor's
outputs on CIFAR). If the suspect scores the private samples significantly
higher, it carries the victim's training data: "stolen". Otherwise the test
is inconclusive — it never proves innocence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import stats

__all__ = ["OwnershipTest", "ownership_test", "p_value_curve", "ALTERNATIVES"]

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


def _check_significance(significance) -> float:
    if isinstance(significance, bool) or not isinstance(significance, Real):
        raise TypeError(
            f"The 'significance' parameter must be a number in (0, 1). Got {significance!r}."
        )
    if not 0 < significance < 1:
        raise ValueError(
            f"The 'significance' parameter must be in (0, 1). Got {significance} instead."
        )
    return float(significance)


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
    if alternative not in ALTERNATIVES:
        raise ValueError(
            "The 'alternative' parameter must be one of 'greater', 'less'. "
            f"Got {alternative!r} instead."
        )
    significance = _check_significance(significance)
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
    if isinstance(n_draws, bool) or not isinstance(n_draws, Integral) or n_draws < 1:
        raise ValueError(f"The 'n_draws' parameter must be a positive int. Got {n_draws!r}.")
    rng = np.random.default_rng(rng)
    p = np.empty((len(sizes), n_draws))
    for i, m in enumerate(sizes):
        for j in range(n_draws):
            a = rng.choice(private, size=m, replace=False)
            b = rng.choice(public, size=m, replace=False)
            p[i, j] = ownership_test(a, b, alternative=alternative).p_value
    return sizes, p
