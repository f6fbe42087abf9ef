"""Dataset inference in the linear toy model of Maini et al. (2021), §3.

The distribution D: y uniform on {−1, +1}; x = (x₁, x₂) with x₁ = y·u ∈ ℝ^K
(signal, perfectly correlated with the label) and x₂ ~ N(0, σ²I) ∈ ℝ^D
(noise). A linear model f(x) = w₁·x₁ + w₂·x₂ is trained on S ~ D, |S| = m. Its
*prediction margin* on a sample is y·f(x).

Training rule (stated because the theorems depend on it): by default
w = Σ_{i∈S} yᵢ·xᵢ, one step of margin ascent from w = 0 (the gradient of the
summed margins; also one perceptron or hinge-loss step). Then the margin of a
training point j is m‖u‖² + ‖x₂ⱼ‖² + Σ_{i≠j} yᵢyⱼ x₂ᵢ·x₂ⱼ, while a fresh point
has only zero-mean noise terms: the noise weights w₂ = Σ yᵢx₂ᵢ have memorised
the training noise, which is exactly what dataset inference detects.

Threat model: the verifier owns S and can compute the suspect model's margins
(white box, or logits from the API) on S and on fresh public samples S₀.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from stealkit._validation import check_choice, check_int, check_positive, check_rng
from stealkit.stats import OwnershipTest, ownership_test

__all__ = [
    "RULES",
    "sample",
    "train",
    "margins",
    "theorem1_margin_gap",
    "theorem3_success_probability",
    "stolen_flag_probability",
    "MarginGap",
    "simulate_margin_gap",
    "Decision",
    "simulate_decision",
    "Trial",
    "trial",
]

RULES = ("sum", "least_squares")


def sample(
    n_samples: int,
    *,
    n_signal: int = 1,
    n_noise: int = 1,
    sigma: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_samples`` points (X, y) of the toy distribution, u = (1, …, 1).

    ``X`` has ``n_signal`` (K) signal columns x₁ = y·u, then ``n_noise`` (D)
    Gaussian noise columns x₂ with standard deviation ``sigma``.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_signal = check_int(n_signal, "n_signal", minimum=1)
    n_noise = check_int(n_noise, "n_noise", minimum=0)
    sigma = check_positive(sigma, "sigma")
    rng = check_rng(rng)
    y = rng.choice(np.array([-1.0, 1.0]), size=n_samples)
    x1 = y[:, None] * np.ones(n_signal)
    x2 = rng.normal(0.0, sigma, size=(n_samples, n_noise))
    return np.hstack([x1, x2]), y


def train(X, y, *, rule: str = "sum") -> np.ndarray:
    """Weights w of the linear model f(x) = w·x trained on (X, y).

    ``rule="sum"``: w = Σ yᵢxᵢ, one step of margin ascent from zero (the rule
    under which Theorem 1 holds exactly). ``rule="least_squares"``: the
    minimum-norm least-squares fit of y, which interpolates when m ≤ K + D.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(
            f"Need X of shape (m, K + D) and y of shape (m,). Got {X.shape}, {y.shape}."
        )
    rule = check_choice(rule, "rule", RULES)
    if rule == "sum":
        return y @ X
    return np.linalg.lstsq(X, y, rcond=None)[0]


def margins(w, X, y) -> np.ndarray:
    """Prediction margins y·f(x) = y·(w·x), one per sample."""
    return np.asarray(y, dtype=np.float64) * (np.asarray(X, dtype=np.float64) @ np.asarray(w))


def theorem1_margin_gap(D: int, sigma: float) -> float:
    """Theorem 1: E_S[y·f(x)] − E_D[y·f(x)] = D·σ².

    Holds exactly, in expectation over S, for the rule w = Σ_{i∈S} yᵢxᵢ
    (:func:`train` with ``rule="sum"``), for any K, ‖u‖ and m: the only term
    of a training point's margin with non-zero mean that a fresh point lacks
    is ‖x₂ⱼ‖², whose mean is D·σ². Other rules scale or shrink the gap (the
    minimum-norm least-squares fit caps every training margin at 1).
    """
    return check_int(D, "D", minimum=0) * check_positive(sigma, "sigma") ** 2


def theorem3_success_probability(D) -> np.ndarray | float:
    """Theorem 3 as the lecture states it: 1 − Φ(−√D / (2√2)).

    Our reading of when it holds (a derivation of ours, not the paper's
    text): the verifier flags the model as stolen when the mean margin on S
    exceeds the mean margin on fresh data by more than λ = D·σ²/2, and knows
    the fresh mean exactly (|S₀| ≫ m). With w = Σ yᵢxᵢ the gap statistic is
    then σ²·χ²_D (mean D·σ², variance 2D·σ⁴), so a stolen model is flagged
    with probability P(χ²_D > D/2), whose normal approximation is this
    formula; it becomes exact as D grows. An independent model is cleared
    with the larger probability ≈ Φ(√D/2). See :func:`stolen_flag_probability`.
    """
    D = np.asarray(D, dtype=np.float64)
    if (D < 0).any():
        raise ValueError(f"The noise dimension 'D' must be non-negative. Got {D}.")
    p = 1.0 - stats.norm.cdf(-np.sqrt(D) / (2 * np.sqrt(2)))
    return float(p) if p.ndim == 0 else p


def stolen_flag_probability(D) -> np.ndarray | float:
    """Exact P(χ²_D > D/2): the stolen model is flagged (|S₀| ≫ m, λ = D·σ²/2)."""
    D = np.asarray(D, dtype=np.float64)
    if (D <= 0).any():
        raise ValueError(f"The noise dimension 'D' must be positive. Got {D}.")
    p = stats.chi2.sf(D / 2, D)
    return float(p) if p.ndim == 0 else p


@dataclass(frozen=True)
class MarginGap:
    """Measured margin gaps (one per repetition) beside Theorem 1's D·σ²."""

    gaps: np.ndarray
    theory: float
    n_signal: int
    n_noise: int
    sigma: float
    n_train: int
    rule: str

    @property
    def mean(self) -> float:
        return float(self.gaps.mean())

    @property
    def sem(self) -> float:
        """Standard error of the mean gap."""
        return float(stats.sem(self.gaps))

    def ci(self, level: float = 0.99) -> tuple[float, float]:
        """Confidence interval of the mean gap (Student t over repetitions)."""
        half = stats.t.ppf(0.5 + level / 2, len(self.gaps) - 1) * self.sem
        return self.mean - half, self.mean + half

    @property
    def agrees(self) -> bool:
        """Theorem 1's D·σ² lies in the 99 % confidence interval of the simulation."""
        lo, hi = self.ci()
        return bool(lo <= self.theory <= hi)


def simulate_margin_gap(
    *,
    n_signal: int = 1,
    n_noise: int = 16,
    sigma: float = 1.0,
    n_train: int = 20,
    n_fresh: int = 200,
    n_repeats: int = 200,
    rule: str = "sum",
    rng: int | np.random.Generator | None = None,
) -> MarginGap:
    """Train on S (``n_train`` points) ``n_repeats`` times; measure the mean margin
    on S minus the mean margin on ``n_fresh`` fresh points, each time."""
    n_train = check_int(n_train, "n_train", minimum=1)
    n_fresh = check_int(n_fresh, "n_fresh", minimum=1)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=2)
    rule = check_choice(rule, "rule", RULES)
    rng = check_rng(rng)
    kw = {"n_signal": n_signal, "n_noise": n_noise, "sigma": sigma}
    gaps = np.empty(n_repeats)
    for r in range(n_repeats):
        X, y = sample(n_train, rng=rng, **kw)
        X0, y0 = sample(n_fresh, rng=rng, **kw)
        w = train(X, y, rule=rule)
        gaps[r] = margins(w, X, y).mean() - margins(w, X0, y0).mean()
    return MarginGap(
        gaps, theorem1_margin_gap(n_noise, sigma), n_signal, n_noise, sigma, n_train, rule
    )


@dataclass(frozen=True)
class Decision:
    """How often the margin-gap decision is right, for stolen and independent models."""

    n_noise: int
    flag_stolen: float
    clear_independent: float
    n_repeats: int

    @property
    def success(self) -> float:
        """Probability of a correct decision, stolen and independent equally likely."""
        return 0.5 * (self.flag_stolen + self.clear_independent)

    def ci95(self, p: float) -> tuple[float, float]:
        """Normal-approximation 95 % interval of a simulated probability ``p``."""
        half = 1.96 * np.sqrt(p * (1 - p) / self.n_repeats)
        return p - half, p + half


def simulate_decision(
    *,
    n_noise: int = 16,
    sigma: float = 1.0,
    n_signal: int = 1,
    n_train: int = 10,
    n_public: int = 2_000,
    threshold: float | None = None,
    n_repeats: int = 2_000,
    rng: int | np.random.Generator | None = None,
) -> Decision:
    """Simulate the decision function of Theorem 3.

    Each repetition trains the victim on S and an independent model on its
    own sample, both with ``rule="sum"``; the verifier computes each model's
    mean margin on S minus its mean margin on ``n_public`` fresh points and
    says "stolen" above ``threshold`` (default λ = D·σ²/2, half Theorem 1's gap).
    """
    n_noise = check_int(n_noise, "n_noise", minimum=1)
    n_signal = check_int(n_signal, "n_signal", minimum=1)
    sigma = check_positive(sigma, "sigma")
    n_train = check_int(n_train, "n_train", minimum=1)
    n_public = check_int(n_public, "n_public", minimum=1)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    lam = theorem1_margin_gap(n_noise, sigma) / 2 if threshold is None else float(threshold)
    rng = check_rng(rng)
    R, m, D = n_repeats, n_train, n_noise
    # Both models learn the signal weights m·u, worth m‖u‖² on every sample: that part of
    # the margins cancels in the gap, so only the noise columns are simulated.
    y = rng.choice(np.array([-1.0, 1.0]), size=(R, m))
    x2 = rng.normal(0.0, sigma, size=(R, m, D))
    yi = rng.choice(np.array([-1.0, 1.0]), size=(R, m))
    x2i = rng.normal(0.0, sigma, size=(R, m, D))
    w_victim = np.einsum("rm,rmd->rd", y, x2)  # w₂ = Σ yᵢx₂ᵢ on S
    w_indep = np.einsum("rm,rmd->rd", yi, x2i)  # the same rule on an independent sample
    # Mean of y·x₂ over S, and over the public sample S₀ (drawn from its exact
    # distribution N(0, σ²/|S₀|·I), as a sample of n_public points would give).
    s_private = w_victim / m
    s_public = rng.normal(0.0, sigma / np.sqrt(n_public), size=(R, D))
    gap_victim = np.einsum("rd,rd->r", w_victim, s_private - s_public)
    gap_indep = np.einsum("rd,rd->r", w_indep, s_private - s_public)
    return Decision(
        n_noise, float((gap_victim > lam).mean()), float((gap_indep <= lam).mean()), n_repeats
    )


@dataclass(frozen=True)
class Trial:
    """One run of dataset inference on a victim and on an independent model."""

    victim_private: np.ndarray
    victim_public: np.ndarray
    independent_private: np.ndarray
    independent_public: np.ndarray
    victim_test: OwnershipTest
    independent_test: OwnershipTest


def trial(
    *,
    n_signal: int = 1,
    n_noise: int = 16,
    sigma: float = 1.0,
    n_train: int = 20,
    m: int = 10,
    significance: float = 0.01,
    rng: int | np.random.Generator | None = None,
) -> Trial:
    """Train a victim on S and an independent model on S′, then test both.

    The verifier takes ``m`` of its private samples (from S) and ``m`` public
    ones, computes each suspect's margins on them and runs
    :func:`~stealkit.dataset_inference.ownership_test`.
    """
    n_train = check_int(n_train, "n_train", minimum=1)
    m = check_int(m, "m", minimum=2)
    if m > n_train:
        raise ValueError(f"The 'm' parameter must be at most n_train={n_train}. Got {m}.")
    rng = check_rng(rng)
    kw = {"n_signal": n_signal, "n_noise": n_noise, "sigma": sigma}
    X, y = sample(n_train, rng=rng, **kw)
    Xi, yi = sample(n_train, rng=rng, **kw)
    Xp, yp = sample(m, rng=rng, **kw)
    private = rng.choice(n_train, size=m, replace=False)
    Xs, ys = X[private], y[private]
    out = []
    for w in (train(X, y), train(Xi, yi)):
        a, b = margins(w, Xs, ys), margins(w, Xp, yp)
        out.append((a, b, ownership_test(a, b, significance=significance)))
    (va, vb, vt), (ia, ib, it) = out
    return Trial(va, vb, ia, ib, vt, it)
