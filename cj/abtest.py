"""Experiment statistics by stage: frequentist, Bayesian, SRM, several variants, continuous metrics.

Two layers, as in gbstats:

* **SQL → sufficient statistics.** :func:`conversion_test`, :func:`metric_test` and
  :func:`stage_lifts` run one aggregate query each (through :func:`cj.store.run`) that
  returns, per variant, the number of exposed customers and either their conversions or
  ``n``, ``sum`` and ``sum_squares`` of a per-customer metric. No event frame ever
  reaches pandas.
  On a Spark source (:func:`cj.engine.is_spark`) the same sufficient statistics come from
  :mod:`cj.spark.abtest`; everything after them is this module's Python on both engines
  (:func:`stage_lifts` is DuckDB-only).
* **Pure statistics.** :func:`compare_proportions`, :func:`compare_means`,
  :func:`srm_test`, :func:`holm`, :func:`sample_size` and
  :func:`minimum_detectable_effect` work on frozen dataclasses and plain numbers.
  Degenerate data (no customers, zero variance, too few conversions) comes back as a
  value with an ``error`` code and a plain ``error_message``; only caller mistakes
  (unknown control, a goal the data does not have, negative counts) raise
  :class:`cj.errors.ParameterError`.

Semantics (DESIGN.md, "A/B tests")
----------------------------------
* **Exposure** is the customer's first event that carries a non-empty ``variant`` for
  the experiment (ties on the timestamp are broken by the variant name, so the result is
  deterministic). Rows with an empty ``experiment`` — or every row, when there is no
  ``experiment`` column — belong to one implied experiment named ``"experiment"``.
  A customer seen with two variants of one experiment keeps the first one and is counted
  in ``ABResult.crossovers``.
* **Conversion** is any event with ``goal_col == goal`` at or after the exposure
  timestamp, and at most ``window`` after it when a window is given (inclusive).
* **Continuous metrics**, from the exposure event on (inclusive): ``"revenue"`` is the
  customer's total revenue (0 when none), ``"events"`` the number of events, any other
  numeric column the customer's mean of that column (customers without a value are
  excluded and counted in ``ABResult.excluded``).

Formulas
--------
Conversion rate ``p = x / n`` with a Wilson score interval. Against the control
(``A``), for a treatment ``B``:

* absolute lift ``d = p_B - p_A``; CI ``d ± z·sqrt(p_A q_A/n_A + p_B q_B/n_B)`` (unpooled);
* relative lift ``r = p_B/p_A - 1``; delta method
  ``Var(p_B/p_A) ≈ V_B/p_A² + p_B²·V_A/p_A⁴`` with ``V = p q / n``; CI ``r ± z·se``;
* p-value: pooled two-proportion z-test, or Fisher's exact test when any expected
  cell of the 2×2 table is below 5 (``Comparison.test`` says which);
* Bayesian, uniform Beta(1, 1) priors: chance to beat control ``P(p_B > p_A)`` exactly
  (Evan Miller's closed-form sum over the shortest of four equivalent index ranges,
  numerical integration beyond :data:`EXACT_BETA_MAX_TERMS` terms); expected loss of
  shipping ``B``, ``E[max(p_A - p_B, 0)] = m_A·P(p_A' > p_B) - m_B·P(p_A > p_B')``
  where ``p'`` has one more success (because ``x·Beta(a,b)(x) = m·Beta(a+1,b)(x)``);
  credible interval of the relative lift from a normal approximation of
  ``log(p_B/p_A)`` with the exact Beta log-moments ``ψ(a) - ψ(a+b)`` and
  ``ψ'(a) - ψ'(a+b)``.

Continuous metrics: ``mean = sum/n``, ``s² = (sum_squares - sum²/n)/(n-1)``; Welch's
t-test with Welch–Satterthwaite degrees of freedom; CI of the difference
``d ± t·se``; CI of the relative difference by the delta method
``Var(m_B/m_A) ≈ se_B²/m_A² + m_B²·se_A²/m_A⁴`` with the same ``t`` quantile. The
Bayesian view is the Gaussian approximation (flat prior): ``m_B - m_A ~ N(d, se²)``,
chance to win ``Φ(d/se)``, expected loss ``se·φ(d/se) - d·Φ(-d/se)``.

SRM: chi-square goodness of fit of the variants' customer counts against the expected
split (equal unless ``weights`` are given), flagged below :data:`SRM_ALPHA`. Several
treatments: Holm's step-down correction, reported beside the raw p-values.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from . import engine
from .errors import ParameterError, Problem
from .store import quote_ident, run, table_columns

# ------------------------------------------------------------------ constants

MIN_CUSTOMERS_PER_VARIANT = 100
"""Fewest exposed customers a variant needs before a verdict is given.

Below this the statistics are still computed and shown, but the comparison carries
``error="NOT_ENOUGH_CUSTOMERS"`` and :func:`verdict` says "Not enough data yet"."""

MIN_CONVERSIONS = 10
"""Fewest conversions (control and treatment together) before a conversion verdict.

With fewer, a single customer moves the lift by tens of percent; the comparison carries
``error="NOT_ENOUGH_CONVERSIONS"``."""

SRM_ALPHA = 0.001
"""A sample-ratio-mismatch chi-square p-value below this sets ``srm_warning``."""

EXACT_BETA_MAX_TERMS = 200_000
"""Largest number of terms summed in the closed-form P(Beta_B > Beta_A).

Above it the probability is integrated numerically (still exact to ~1e-10)."""

DEFAULT_EXPERIMENT = "experiment"
"""Name of the implied experiment when there is no (non-empty) ``experiment`` value."""

FISHER_MIN_EXPECTED = 5
"""Fisher's exact test is used when any expected 2×2 cell count is below this."""

# Error codes (gbstats ``messages.py`` style) and their plain meaning.
NO_DATA = "NO_DATA"
NOT_ENOUGH_CUSTOMERS = "NOT_ENOUGH_CUSTOMERS"
NOT_ENOUGH_CONVERSIONS = "NOT_ENOUGH_CONVERSIONS"
ZERO_VARIANCE = "ZERO_VARIANCE"
ZERO_CONTROL = "ZERO_CONTROL"
ONE_VARIANT = "ONE_VARIANT"
TOO_LARGE = "TOO_LARGE"

ERROR_CODES = {
    NO_DATA: "a variant has no customers (or no values of the metric)",
    NOT_ENOUGH_CUSTOMERS: f"fewer than {MIN_CUSTOMERS_PER_VARIANT} customers in a variant",
    NOT_ENOUGH_CONVERSIONS: f"fewer than {MIN_CONVERSIONS} conversions in the two variants together",
    ZERO_VARIANCE: "the metric does not vary, so there is nothing to test",
    ZERO_CONTROL: "the control's value is 0, so a relative lift is undefined",
    ONE_VARIANT: "fewer than two variants have customers",
    TOO_LARGE: "the values are too large (beyond about 1e150) to compute a variance in double precision",
}

_NOT_ENOUGH = (NO_DATA, NOT_ENOUGH_CUSTOMERS, NOT_ENOUGH_CONVERSIONS, ONE_VARIANT)


# ------------------------------------------------------------------ inputs

@dataclass(frozen=True)
class ProportionStats:
    """Sufficient statistics of a conversion metric for one variant."""

    variant: str
    n: int
    conversions: int

    @property
    def rate(self) -> float | None:
        return self.conversions / self.n if self.n > 0 else None


@dataclass(frozen=True)
class MeanStats:
    """Sufficient statistics of a continuous metric for one variant (gbstats ``SampleMeanStatistic``)."""

    variant: str
    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float | None:
        return self.sum / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """Sample variance (ddof=1); ``None`` below two values."""
        if self.n < 2:
            return None
        centred = self.sum_squares - self.sum * self.sum / self.n
        # sum_squares - sum²/n cancels catastrophically when the values barely vary:
        # anything within rounding error of 0 is 0.
        if centred <= 1e-12 * max(abs(self.sum_squares), 1e-300):
            return 0.0
        return centred / (self.n - 1)


# ------------------------------------------------------------------ outputs

@dataclass(frozen=True)
class Comparison:
    """One treatment against the control on one metric.

    ``lift_abs``/``ci_abs`` are in the metric's units (fractions for rates),
    ``lift_rel``/``ci_rel`` are fractions (0.12 = +12%). ``expected_loss`` is the
    Bayesian risk of shipping the treatment, ``expected_loss_control`` of keeping the
    control, both in the metric's units. ``error`` is ``None`` or one of
    :data:`ERROR_CODES`; with an error the verdict is withheld, and numbers that cannot
    be computed are ``None``.
    """

    variant: str
    control: str
    kind: str                                   # "proportion" | "mean"
    control_value: float | None
    treatment_value: float | None
    lift_abs: float | None
    lift_rel: float | None
    ci_abs: tuple[float, float] | None
    ci_rel: tuple[float, float] | None
    p_value: float | None
    test: str                                   # "z", "fisher", "welch" or "none"
    chance_to_win: float | None
    expected_loss: float | None
    expected_loss_control: float | None
    ci_rel_bayes: tuple[float, float] | None
    alpha: float = 0.05
    error: str | None = None
    error_message: str = ""
    p_value_holm: float | None = None

    @property
    def significant(self) -> bool:
        """Holm-adjusted p below alpha and no error."""
        p = self.p_value_holm if self.p_value_holm is not None else self.p_value
        return self.error is None and p is not None and p < self.alpha

    def to_json(self) -> dict:
        return _clean({
            "variant": self.variant,
            "lift_abs": self.lift_abs,
            "lift_rel": self.lift_rel,
            "ci_abs": list(self.ci_abs) if self.ci_abs else None,
            "ci_rel": list(self.ci_rel) if self.ci_rel else None,
            "p_value": self.p_value,
            "p_value_holm": self.p_value_holm,
            "test": self.test,
            "chance_to_win": self.chance_to_win,
            "expected_loss": self.expected_loss,
            "expected_loss_control": self.expected_loss_control,
            "ci_rel_bayes": list(self.ci_rel_bayes) if self.ci_rel_bayes else None,
            "significant": self.significant,
            "error": self.error,
            "error_message": self.error_message,
        })


@dataclass(frozen=True)
class SRMResult:
    """Sample-ratio-mismatch check: observed customers per variant against the expected split."""

    observed: dict[str, int]
    expected: dict[str, float]
    chi2: float | None
    p_value: float | None
    srm_warning: bool
    error: str | None = None
    error_message: str = ""


@dataclass(frozen=True)
class VariantSummary:
    """Per-variant figures: ``customers`` exposed, ``n`` of them with a metric value."""

    variant: str
    customers: int
    n: int
    conversions: int | None = None
    rate: float | None = None
    mean: float | None = None
    sd: float | None = None
    ci: tuple[float, float] | None = None      # Wilson (rates) or t interval (means)

    @property
    def excluded(self) -> int:
        return self.customers - self.n


@dataclass(frozen=True)
class ABResult:
    """Everything one experiment says about one metric."""

    experiment: str
    metric: str                  # the goal (conversion) or metric name
    kind: str                    # "conversion" | "mean"
    control: str
    variants: tuple[VariantSummary, ...]
    comparisons: tuple[Comparison, ...]
    srm: SRMResult
    crossovers: int = 0
    alpha: float = 0.05
    window: timedelta | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None
    error_message: str = ""

    @property
    def excluded(self) -> int:
        return sum(v.excluded for v in self.variants)

    @property
    def label(self) -> str:
        """The metric in words: "purchase conversion", "revenue per customer", …"""
        if self.kind == "conversion":
            return f"{self.metric} conversion"
        if self.metric in ("revenue", "events"):
            return f"{self.metric} per customer"
        return f"average {self.metric}"

    def variants_frame(self) -> pd.DataFrame:
        rows = [{"variant": v.variant, "customers": v.customers, "n": v.n, "conversions": v.conversions,
                 "rate": v.rate, "mean": v.mean, "sd": v.sd,
                 "ci_low": v.ci[0] if v.ci else None, "ci_high": v.ci[1] if v.ci else None} for v in self.variants]
        df = pd.DataFrame(rows)
        drop = ["n", "mean", "sd"] if self.kind == "conversion" else ["conversions", "rate"]
        return df.drop(columns=drop)

    def comparisons_frame(self) -> pd.DataFrame:
        rows = []
        for c in self.comparisons:
            rows.append({"variant": c.variant, "control": c.control, "lift_abs": c.lift_abs, "lift_rel": c.lift_rel,
                         "ci_rel_low": c.ci_rel[0] if c.ci_rel else None,
                         "ci_rel_high": c.ci_rel[1] if c.ci_rel else None,
                         "p_value": c.p_value, "p_value_holm": c.p_value_holm, "test": c.test,
                         "chance_to_win": c.chance_to_win, "expected_loss": c.expected_loss, "error": c.error})
        return pd.DataFrame(rows, columns=["variant", "control", "lift_abs", "lift_rel", "ci_rel_low", "ci_rel_high",
                                           "p_value", "p_value_holm", "test", "chance_to_win", "expected_loss",
                                           "error"])

    def to_json(self) -> dict:
        """A JSON-ready dict (no NaN: missing numbers are ``None``)."""
        variants = []
        for v in self.variants:
            row: dict = {"variant": v.variant, "customers": v.customers}
            if self.kind == "conversion":
                row.update(conversions=v.conversions, rate=v.rate)
            else:
                row.update(n=v.n, excluded=v.excluded, mean=v.mean, sd=v.sd)
            row["ci"] = list(v.ci) if v.ci else None
            variants.append(row)
        return _clean({
            "experiment": self.experiment,
            "metric": self.metric,
            "kind": self.kind,
            "control": self.control,
            "alpha": self.alpha,
            "window_seconds": self.window.total_seconds() if self.window is not None else None,
            "variants": variants,
            "comparisons": [c.to_json() for c in self.comparisons],
            "srm_p_value": self.srm.p_value,
            "srm_warning": self.srm.srm_warning,
            "crossovers": self.crossovers,
            "excluded": self.excluded,
            "notes": list(self.notes),
            "error": self.error,
            "error_message": self.error_message,
            "verdict": verdict(self),
        })


def _clean(obj):
    """Numpy scalars → Python, NaN/inf → None, recursively (so ``json.dumps(allow_nan=False)`` works)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    return obj


# ------------------------------------------------------------------ pure statistics

def wilson_interval(conversions: int, n: int, *, alpha: float = 0.05) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion (``None`` when ``n == 0``)."""
    if n <= 0:
        return None
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = conversions / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo = 0.0 if conversions == 0 else max(0.0, centre - half)     # exact ends, not rounding noise
    hi = 1.0 if conversions == n else min(1.0, centre + half)
    return (lo, hi)


def _check_proportion(s: ProportionStats) -> None:
    if s.n < 0 or s.conversions < 0 or s.conversions > s.n:
        raise ParameterError.one(
            f"Variant '{s.variant}' has n={s.n} and conversions={s.conversions}",
            "Counts must satisfy 0 <= conversions <= n.")


def _log_beta_prob_greater(aA: float, bA: float, aB: float, bB: float) -> float:
    """Evan Miller's closed form of P(p_B > p_A); the sum runs over ``aB`` (integer) terms."""
    i = np.arange(int(aB), dtype=float)
    logs = (special.betaln(aA + i, bA + bB) - np.log(bB + i)
            - special.betaln(1 + i, bB) - special.betaln(aA, bA))
    return float(np.exp(special.logsumexp(logs)))


def prob_beta_greater(aA: float, bA: float, aB: float, bB: float) -> float:
    """P(X_B > X_A) for independent X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB).

    Exact: the closed-form sum when all parameters are integers, using whichever of the
    four equivalent forms has the fewest terms (P(B>A) = 1 - P(A>B) = P(1-B < 1-A));
    numerical integration of ``f_B(x)·F_A(x)`` otherwise.
    """
    params = (aA, bA, aB, bB)
    if all(float(p).is_integer() for p in params) and min(params) <= EXACT_BETA_MAX_TERMS:
        forms = (
            (aB, lambda: _log_beta_prob_greater(aA, bA, aB, bB)),
            (aA, lambda: 1.0 - _log_beta_prob_greater(aB, bB, aA, bA)),
            (bA, lambda: _log_beta_prob_greater(bB, aB, bA, aA)),
            (bB, lambda: 1.0 - _log_beta_prob_greater(bA, aA, bB, aB)),
        )
        _, f = min(forms, key=lambda t: t[0])
        return min(1.0, max(0.0, f()))
    lo = stats.beta.ppf(1e-15, aB, bB)
    hi = stats.beta.isf(1e-15, aB, bB)
    val, _ = integrate.quad(lambda x: stats.beta.pdf(x, aB, bB) * stats.beta.cdf(x, aA, bA), lo, hi,
                            epsabs=1e-13, epsrel=1e-10, limit=200)
    return min(1.0, max(0.0, val))


def beta_expected_loss(aA: float, bA: float, aB: float, bB: float) -> float:
    """E[max(p_A - p_B, 0)]: the expected loss of choosing B, for Beta posteriors.

    Uses ``x·Beta(a, b)(x) = a/(a+b)·Beta(a+1, b)(x)``:
    ``E[p_A·1{p_A>p_B}] = m_A·P(p_A' > p_B)`` with ``p_A' ~ Beta(aA+1, bA)``.
    """
    mA = aA / (aA + bA)
    mB = aB / (aB + bB)
    loss = mA * prob_beta_greater(aB, bB, aA + 1, bA) - mB * prob_beta_greater(aB + 1, bB, aA, bA)
    return max(0.0, loss)


def _empty_comparison(control: str, variant: str, kind: str, code: str, message: str, *, alpha: float,
                      control_value=None, treatment_value=None, lift_abs=None, lift_rel=None) -> Comparison:
    """The gbstats ``_default_output``: no inference, an error code and why."""
    return Comparison(variant=variant, control=control, kind=kind, control_value=control_value,
                      treatment_value=treatment_value, lift_abs=lift_abs, lift_rel=lift_rel, ci_abs=None,
                      ci_rel=None, p_value=None, test="none", chance_to_win=None, expected_loss=None,
                      expected_loss_control=None, ci_rel_bayes=None, alpha=alpha, error=code,
                      error_message=message)


def compare_proportions(control: ProportionStats, treatment: ProportionStats, *, alpha: float = 0.05,
                        min_customers: int = MIN_CUSTOMERS_PER_VARIANT,
                        min_conversions: int = MIN_CONVERSIONS) -> Comparison:
    """Compare a treatment's conversion rate with the control's (see the module docstring for formulas).

    Parameters
    ----------
    control, treatment : ProportionStats
    alpha : float
        Two-sided level; CIs are ``1 - alpha``.
    min_customers, min_conversions : int
        Guard rails: below them the numbers are still computed but ``error`` is set
        and no verdict is given.
    """
    _check_proportion(control)
    _check_proportion(treatment)
    A, B = control.variant, treatment.variant
    nA, xA, nB, xB = int(control.n), int(control.conversions), int(treatment.n), int(treatment.conversions)
    if nA == 0 or nB == 0:
        empty = A if nA == 0 else B
        return _empty_comparison(A, B, "proportion", NO_DATA,
                                 f"variant {empty} has no exposed customers", alpha=alpha,
                                 control_value=control.rate, treatment_value=treatment.rate)
    z = float(stats.norm.ppf(1 - alpha / 2))
    pA, pB = xA / nA, xB / nB
    vA, vB = pA * (1 - pA) / nA, pB * (1 - pB) / nB
    d = pB - pA
    se = math.sqrt(vA + vB)
    ci_abs = (d - z * se, d + z * se)
    if pA > 0:
        lift_rel = pB / pA - 1
        se_rel = math.sqrt(vB / pA ** 2 + pB ** 2 * vA / pA ** 4)
        ci_rel = (lift_rel - z * se_rel, lift_rel + z * se_rel)
    else:
        lift_rel = ci_rel = None

    # p-value: pooled z-test, or Fisher's exact test for small expected counts.
    N, X = nA + nB, xA + xB
    expected = [nA * X / N, nA * (N - X) / N, nB * X / N, nB * (N - X) / N]
    if min(expected) < FISHER_MIN_EXPECTED:
        test = "fisher"
        _, p_value = stats.fisher_exact([[xA, nA - xA], [xB, nB - xB]], alternative="two-sided")
        p_value = float(min(1.0, p_value))
    else:
        test = "z"
        pp = X / N
        se0 = math.sqrt(pp * (1 - pp) * (1 / nA + 1 / nB))
        p_value = float(2 * stats.norm.sf(abs(d) / se0))

    # Bayesian: Beta(1, 1) priors.
    aA, bA, aB, bB = 1 + xA, 1 + nA - xA, 1 + xB, 1 + nB - xB
    chance = prob_beta_greater(aA, bA, aB, bB)
    loss_B = beta_expected_loss(aA, bA, aB, bB)
    loss_A = max(0.0, loss_B + (aB / (aB + bB) - aA / (aA + bA)))   # E[max(D,0)] = E[max(-D,0)] + E[D]
    mlog = float((special.digamma(aB) - special.digamma(aB + bB)) - (special.digamma(aA) - special.digamma(aA + bA)))
    slog = math.sqrt(float(special.polygamma(1, aB) - special.polygamma(1, aB + bB)
                           + special.polygamma(1, aA) - special.polygamma(1, aA + bA)))
    ci_bayes = (math.expm1(mlog - z * slog), math.expm1(mlog + z * slog))

    error, message = None, ""
    if X == N:
        error, message = ZERO_VARIANCE, f"every customer converted in both {A} and {B}"
    elif nA < min_customers or nB < min_customers:
        small = A if nA <= nB else B
        error = NOT_ENOUGH_CUSTOMERS
        message = (f"{small} has {min(nA, nB):,} customers; at least {min_customers:,} per variant "
                   f"are needed before a verdict ({A}: {nA:,}, {B}: {nB:,})")
    elif X < min_conversions:
        error = NOT_ENOUGH_CONVERSIONS
        message = (f"{X:,} conversion{'s' if X != 1 else ''} so far ({A}: {xA:,}, {B}: {xB:,}); "
                   f"at least {min_conversions:,} are needed before a verdict")
    elif pA == 0:
        error, message = ZERO_CONTROL, f"{A} has no conversions, so a relative lift is undefined"
    return Comparison(variant=B, control=A, kind="proportion", control_value=pA, treatment_value=pB,
                      lift_abs=d, lift_rel=lift_rel, ci_abs=ci_abs, ci_rel=ci_rel, p_value=p_value, test=test,
                      chance_to_win=chance, expected_loss=loss_B, expected_loss_control=loss_A,
                      ci_rel_bayes=ci_bayes, alpha=alpha, error=error, error_message=message,
                      p_value_holm=p_value)


def compare_means(control: MeanStats, treatment: MeanStats, *, alpha: float = 0.05,
                  min_customers: int = MIN_CUSTOMERS_PER_VARIANT) -> Comparison:
    """Welch's t-test of a continuous metric from ``n``, ``sum``, ``sum_squares`` (module docstring)."""
    for s in (control, treatment):
        if s.n < 0 or (s.n > 0 and s.sum_squares < -1e-9):
            raise ParameterError.one(f"Variant '{s.variant}' has n={s.n}, sum_squares={s.sum_squares}",
                                     "n and sum_squares must be non-negative.")
    A, B = control.variant, treatment.variant
    nA, nB = int(control.n), int(treatment.n)
    mA, mB = control.mean, treatment.mean
    lift_abs = mB - mA if mA is not None and mB is not None else None
    lift_rel = (mB / mA - 1) if lift_abs is not None and mA != 0 else None
    if nA == 0 or nB == 0:
        empty = A if nA == 0 else B
        return _empty_comparison(A, B, "mean", NO_DATA, f"variant {empty} has no customers with a value",
                                 alpha=alpha, control_value=mA, treatment_value=mB)
    if nA < 2 or nB < 2:
        return _empty_comparison(A, B, "mean", NOT_ENOUGH_CUSTOMERS,
                                 f"a variance needs at least 2 customers per variant ({A}: {nA}, {B}: {nB})",
                                 alpha=alpha, control_value=mA, treatment_value=mB, lift_abs=lift_abs,
                                 lift_rel=lift_rel)
    if not all(math.isfinite(v) for v in (control.sum, control.sum_squares, treatment.sum,
                                           treatment.sum_squares)):
        # Squares of values beyond ~1e154 are infinite in double precision: no variance, no test.
        return _empty_comparison(A, B, "mean", TOO_LARGE, ERROR_CODES[TOO_LARGE], alpha=alpha,
                                 control_value=mA if mA is not None and math.isfinite(mA) else None,
                                 treatment_value=mB if mB is not None and math.isfinite(mB) else None)
    wA, wB = control.variance / nA, treatment.variance / nB     # squared standard errors of the means
    se = math.sqrt(wA + wB)
    if se == 0:
        return _empty_comparison(A, B, "mean", ZERO_VARIANCE,
                                 f"every customer has the same value within {A} and within {B}",
                                 alpha=alpha, control_value=mA, treatment_value=mB, lift_abs=lift_abs,
                                 lift_rel=lift_rel)
    # Welch–Satterthwaite, written in shares of wA + wB so no square overflows for huge values.
    sA, sB = wA / (wA + wB), wB / (wA + wB)
    df = 1.0 / ((sA * sA / (nA - 1) if wA else 0.0) + (sB * sB / (nB - 1) if wB else 0.0))
    tq = float(stats.t.ppf(1 - alpha / 2, df))
    d = lift_abs
    p_value = float(2 * stats.t.sf(abs(d) / se, df))
    ci_abs = (d - tq * se, d + tq * se)
    z = float(stats.norm.ppf(1 - alpha / 2))
    if mA != 0:
        # sqrt(wB / mA² + mB² wA / mA⁴), without the powers that overflow for means above ~1e77
        se_rel = math.hypot(math.sqrt(wB), (mB / mA) * math.sqrt(wA)) / abs(mA)
        ci_rel = (lift_rel - tq * se_rel, lift_rel + tq * se_rel)
        ci_bayes = (lift_rel - z * se_rel, lift_rel + z * se_rel)
    else:
        ci_rel = ci_bayes = None
    chance = float(stats.norm.cdf(d / se))
    loss_B = float(se * stats.norm.pdf(d / se) - d * stats.norm.cdf(-d / se))   # E[max(-D, 0)]
    loss_A = float(se * stats.norm.pdf(d / se) + d * stats.norm.cdf(d / se))    # E[max(D, 0)]

    error, message = None, ""
    if nA < min_customers or nB < min_customers:
        small = A if nA <= nB else B
        error = NOT_ENOUGH_CUSTOMERS
        message = (f"{small} has {min(nA, nB):,} customers with a value; at least {min_customers:,} per variant "
                   f"are needed before a verdict ({A}: {nA:,}, {B}: {nB:,})")
    elif mA == 0:
        error, message = ZERO_CONTROL, f"{A}'s mean is 0, so a relative lift is undefined"
    return Comparison(variant=B, control=A, kind="mean", control_value=mA, treatment_value=mB, lift_abs=d,
                      lift_rel=lift_rel, ci_abs=ci_abs, ci_rel=ci_rel, p_value=p_value, test="welch",
                      chance_to_win=chance, expected_loss=max(0.0, loss_B), expected_loss_control=max(0.0, loss_A),
                      ci_rel_bayes=ci_bayes, alpha=alpha, error=error, error_message=message,
                      p_value_holm=p_value)


def srm_test(counts: dict[str, int], weights: dict[str, float] | None = None) -> SRMResult:
    """Chi-square goodness of fit of customers per variant against the expected split.

    ``weights`` (any positive numbers, e.g. ``{"A": 1, "B": 1}`` or ``{"A": 0.9, "B": 0.1}``)
    give the intended split; variants in ``weights`` without customers count as 0.
    ``srm_warning`` is set when ``p < SRM_ALPHA``.
    """
    observed = {str(k): int(v) for k, v in counts.items()}
    if weights is not None:
        w = {str(k): float(v) for k, v in weights.items()}
        unknown = sorted(set(k for k, v in observed.items() if v > 0) - set(w))
        bad = sorted(k for k, v in w.items() if not (v > 0 and math.isfinite(v)))
        problems = []
        if unknown:
            problems.append(Problem(f"weights do not cover variant(s) {', '.join(unknown)}",
                                    f"Give a weight for every variant: {', '.join(sorted(set(observed) | set(w)))}."))
        if bad:
            problems.append(Problem(f"weights must be positive numbers (got {', '.join(bad)})",
                                    "Use e.g. {'A': 1, 'B': 1} for an even split."))
        if problems:
            raise ParameterError(problems)
        for k in w:
            observed.setdefault(k, 0)
        observed = {k: observed[k] for k in w} | {k: v for k, v in observed.items() if k not in w}
    else:
        w = {k: 1.0 for k in observed}
    total = sum(observed.values())
    wsum = sum(w[k] for k in observed)
    expected = {k: total * w[k] / wsum for k in observed} if wsum else {}
    if total == 0:
        return SRMResult(observed, expected, None, None, False, NO_DATA, "no exposed customers")
    if len(observed) < 2:
        return SRMResult(observed, expected, None, None, False, ONE_VARIANT,
                         "a split needs at least two variants")
    obs = np.array([observed[k] for k in observed], dtype=float)
    exp = np.array([expected[k] for k in observed], dtype=float)
    chi2 = float(((obs - exp) ** 2 / exp).sum())
    p = float(stats.chi2.sf(chi2, len(obs) - 1))
    return SRMResult(observed, expected, chi2, p, p < SRM_ALPHA)


def holm(pvalues: Iterable[float | None]) -> np.ndarray:
    """Holm's step-down adjusted p-values (``None``/NaN entries stay NaN and are not in the family).

    Sort ascending; ``p_adj(i) = max_{j<=i} min(1, (m - j + 1)·p(j))``, i.e. the same as
    ``statsmodels.stats.multitest.multipletests(method="holm")[1]``.
    """
    p = np.array([np.nan if v is None else v for v in pvalues], dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def _with_holm(comparisons: Sequence[Comparison]) -> tuple[Comparison, ...]:
    adj = holm([c.p_value for c in comparisons])
    return tuple(replace(c, p_value_holm=None if np.isnan(a) else float(a)) for c, a in zip(comparisons, adj))


def adjust_holm(results: Sequence[ABResult]) -> list[ABResult]:
    """Holm-adjust the comparisons of several results (several metrics) as one family."""
    flat = [c for r in results for c in r.comparisons]
    adjusted = iter(_with_holm(flat))
    return [replace(r, comparisons=tuple(next(adjusted) for _ in r.comparisons)) for r in results]


# ------------------------------------------------------------------ planning

def _resolve_mde(baseline: float, mde_abs: float | None, mde_rel: float | None) -> float:
    if not 0 < baseline < 1:
        raise ParameterError.one(f"baseline={baseline} must be a rate strictly between 0 and 1",
                                 "Give the control's conversion rate as a fraction, e.g. 0.12.")
    if (mde_abs is None) == (mde_rel is None):
        raise ParameterError.one("give exactly one of mde_abs and mde_rel",
                                 "e.g. mde_abs=0.02 (2 points) or mde_rel=0.1 (+10%).")
    delta = mde_abs if mde_abs is not None else baseline * mde_rel
    if delta == 0 or not 0 < baseline + delta < 1:
        raise ParameterError.one(f"the effect {delta:+g} on baseline {baseline:g} is not a valid target rate",
                                 "The detectable effect must be non-zero and keep the rate between 0 and 1.")
    return float(delta)


def _check_plan(alpha: float, power: float, ratio: float, method: str) -> None:
    problems = []
    if not 0 < alpha < 1:
        problems.append(Problem(f"alpha={alpha} must be between 0 and 1", "Usually 0.05."))
    if not 0 < power < 1 or (0 < alpha < 1 and power <= alpha):
        problems.append(Problem(f"power={power} must be between alpha and 1", "Usually 0.8."))
    if not ratio > 0:
        problems.append(Problem(f"ratio={ratio} must be positive", "1 means equal group sizes."))
    if method not in ("pooled", "arcsine"):
        problems.append(Problem(f"method={method!r} is not known", "Use 'pooled' or 'arcsine'."))
    if problems:
        raise ParameterError(problems)


def _n_pooled(p1: float, p2: float, alpha: float, power: float, ratio: float) -> float:
    """Fleiss' formula (no continuity correction) for the control group; treatment = ratio × control."""
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    pbar = (p1 + ratio * p2) / (1 + ratio)
    num = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
           + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio))
    return num ** 2 / (p2 - p1) ** 2


def _power_arcsine(h: float, n1: float, alpha: float, ratio: float) -> float:
    """Power of the two-sided normal test on Cohen's h (both tails, as statsmodels ``NormalIndPower``)."""
    crit = stats.norm.isf(alpha / 2)
    scale = abs(h) * math.sqrt(1 / (1 / n1 + 1 / (n1 * ratio)))
    return float(stats.norm.sf(crit - scale) + stats.norm.cdf(-crit - scale))


def _n_arcsine(p1: float, p2: float, alpha: float, power: float, ratio: float) -> float:
    h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
    # One-tail closed form; the far tail only adds power, so the exact n lies below it.
    za, zb = stats.norm.isf(alpha / 2), stats.norm.ppf(power)
    guess = ((za + zb) / h) ** 2 * (1 + 1 / ratio)
    return optimize.brentq(lambda n: _power_arcsine(h, n, alpha, ratio) - power, guess * 1e-9, guess * 1.001,
                           xtol=1e-12 * guess, rtol=1e-14)


def sample_size(baseline: float, mde_abs: float | None = None, mde_rel: float | None = None, *,
                alpha: float = 0.05, power: float = 0.8, ratio: float = 1, method: str = "pooled",
                exact: bool = False) -> int | float:
    """Customers needed in the control group for a two-sided two-proportion test.

    The treatment group needs ``ratio ×`` as many (``ratio=1``: per variant).

    Parameters
    ----------
    baseline : float
        Control conversion rate (fraction).
    mde_abs, mde_rel : float
        The smallest effect worth detecting, absolute (0.02 = 2 points) or relative
        (0.1 = +10%); exactly one.
    method : {"pooled", "arcsine"}
        ``"pooled"``: Fleiss' normal-approximation formula,
        ``n = [z_{1-α/2}·sqrt(p̄q̄(1+1/k)) + z_{1-β}·sqrt(p₁q₁ + p₂q₂/k)]² / Δ²`` with
        ``p̄ = (p₁ + k·p₂)/(1+k)``. ``"arcsine"``: Cohen's h with both tails, the same as
        statsmodels ``NormalIndPower().solve_power(proportion_effectsize(...))``.
    exact : bool
        Return the unrounded value instead of rounding up to a whole customer.
    """
    _check_plan(alpha, power, ratio, method)
    delta = _resolve_mde(baseline, mde_abs, mde_rel)
    fn = _n_pooled if method == "pooled" else _n_arcsine
    n = fn(baseline, baseline + delta, alpha, power, ratio)
    return n if exact else int(math.ceil(n - 1e-9))


def minimum_detectable_effect(baseline: float, n_per_variant: float, *, alpha: float = 0.05,
                              power: float = 0.8, ratio: float = 1, method: str = "pooled",
                              relative: bool = False) -> float | None:
    """Smallest upward effect detectable with ``n_per_variant`` control customers (treatment: ``ratio ×``).

    Absolute (fraction points) unless ``relative=True``. ``None`` when even a rate of
    100% could not be detected with so few customers.
    """
    _check_plan(alpha, power, ratio, method)
    if not 0 < baseline < 1:
        raise ParameterError.one(f"baseline={baseline} must be a rate strictly between 0 and 1",
                                 "Give the control's conversion rate as a fraction, e.g. 0.12.")
    if not n_per_variant > 0:
        raise ParameterError.one(f"n_per_variant={n_per_variant} must be positive", "")
    if method == "pooled":
        hi = 1 - baseline - 1e-12
        if _n_pooled(baseline, baseline + hi, alpha, power, ratio) > n_per_variant:
            return None
        delta = optimize.brentq(lambda d: _n_pooled(baseline, baseline + d, alpha, power, ratio) - n_per_variant,
                                1e-12, hi, xtol=1e-14, rtol=1e-12)
    else:
        start = math.asin(math.sqrt(baseline))
        h_max = math.pi - 2 * start                      # effect size of a 100% target rate
        if _power_arcsine(h_max, n_per_variant, alpha, ratio) < power:
            return None
        h = optimize.brentq(lambda h: _power_arcsine(h, n_per_variant, alpha, ratio) - power, 1e-15, h_max,
                            xtol=1e-15, rtol=1e-13)
        delta = math.sin(start + h / 2) ** 2 - baseline
    return delta / baseline if relative else delta


# ------------------------------------------------------------------ verdict

def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def _signed_pct(x: float) -> str:
    v = 100 * x
    if abs(v) >= 1:
        return f"{v:+.0f}%"
    if abs(v) >= 0.1:
        return f"{v:+.1f}%"
    return "0%" if v == 0 else f"{v:+.2g}%"     # never "-0.0%"


def _num(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def _p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def _chance_text(c: float) -> str:
    if c > 0.9995:
        return ">99.9%"
    if c < 0.0005:
        return "<0.1%"
    return _pct(c)


def _comparison_verdict(result: ABResult, c: Comparison) -> str:
    label = result.label
    if c.error in _NOT_ENOUGH:
        return f"Not enough data yet: {c.error_message}."
    if c.error is not None:
        return f"No verdict for {c.variant} vs {c.control} in {label}: {c.error_message}."
    fmt = _pct if c.kind == "proportion" else _num
    a, b = fmt(c.control_value), fmt(c.treatment_value)
    level = f"{100 * (1 - c.alpha):g}%"
    rel = ""
    if c.lift_rel is not None and c.ci_rel is not None:
        rel = f" ({_signed_pct(c.lift_rel)}, {level} CI {_signed_pct(c.ci_rel[0])} to {_signed_pct(c.ci_rel[1])})"
    several = len(result.comparisons) > 1
    p = c.p_value_holm if several and c.p_value_holm is not None else c.p_value
    ptxt = _p_text(p) + (" (Holm-adjusted)" if several else "")
    chance = f"; {_chance_text(c.chance_to_win)} chance to beat {c.control}" if c.chance_to_win is not None else ""
    if c.significant:
        verb = "raised" if c.lift_abs > 0 else "lowered"
        return f"{c.variant} {verb} {label} from {a} to {b}{rel}; {ptxt}{chance}."
    return (f"No significant difference yet between {c.variant} and {c.control} in {label}: "
            f"{a} vs {b}{rel}; {ptxt}{chance}.")


def verdict(result: ABResult) -> str:
    """One plain-language line per treatment (SRM warning first, when raised)."""
    lines = []
    if result.srm.srm_warning:
        lines.append(f"Warning — sample ratio mismatch ({_p_text(result.srm.p_value)}): the variants' sizes "
                     f"differ from the expected split, so the assignment may be broken and these results "
                     f"may be biased.")
    if result.error is not None:
        prefix = "Not enough data yet" if result.error in _NOT_ENOUGH else "No verdict"
        lines.append(f"{prefix}: {result.error_message}.")
    else:
        lines.extend(_comparison_verdict(result, c) for c in result.comparisons)
    return "\n".join(lines)


# ------------------------------------------------------------------ SQL layer

def _columns(con) -> list[str]:
    if engine.is_spark(con):
        return con.columns()
    return table_columns(con, "events")


def _spark():
    """The Spark twin of this SQL layer (:mod:`cj.spark.abtest`), imported on first use."""
    from .spark import abtest as spark_abtest
    return spark_abtest


def _require(cols: list[str], needed: Iterable[str], why: str) -> None:
    missing = [c for c in needed if c not in cols]
    if missing:
        raise ParameterError([Problem(f"The data has no '{c}' column, needed {why}",
                                      f"Map a column to '{c}' when loading the file.", column=c) for c in missing])


def _variant_expr() -> str:
    return f"trim(CAST({quote_ident('variant')} AS VARCHAR))"


def _experiment_expr(cols: list[str]) -> str:
    if "experiment" in cols:
        return f"COALESCE(NULLIF(trim(CAST({quote_ident('experiment')} AS VARCHAR)), ''), $default_experiment)"
    return "$default_experiment"


def experiments(con) -> list[str]:
    """Names of the experiments with at least one variant-tagged event, sorted.

    Without an ``experiment`` column (or for rows where it is empty) the one implied
    experiment is called ``"experiment"``; without a ``variant`` column there are none.
    """
    if engine.is_spark(con):
        return _spark().experiments(con)
    cols = _columns(con)
    if "variant" not in cols:
        return []
    v = _variant_expr()
    df = run(con, f"SELECT DISTINCT {_experiment_expr(cols)} AS experiment FROM events "
                  f"WHERE {v} IS NOT NULL AND {v} <> '' ORDER BY 1",
             {"default_experiment": DEFAULT_EXPERIMENT})
    return [str(x) for x in df["experiment"]]


def _resolve_experiment(con, experiment: str | None) -> str:
    cols = _columns(con)
    _require(cols, ("customer_id", "timestamp", "variant"), "for an A/B test")
    names = experiments(con)
    if not names:
        raise ParameterError.one("No event carries a variant, so there is no experiment to analyse",
                                 "Map the column holding the A/B assignment to 'variant'.", column="variant")
    if experiment is None:
        if len(names) > 1:
            raise ParameterError.one(f"The data has {len(names)} experiments: {', '.join(names)}",
                                     "Pick one of them.", column="experiment")
        return names[0]
    if experiment not in names:
        close = difflib.get_close_matches(str(experiment), names, n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        raise ParameterError.one(f"Experiment '{experiment}' is not in the data",
                                 f"{hint}Experiments: {', '.join(names)}.", column="experiment")
    return experiment


def _exposure_sql(cols: list[str]) -> str:
    """CTEs ``tagged``/``ranked``/``exposure``: one row per exposed customer of ``$experiment``."""
    v = _variant_expr()
    cid, ts = quote_ident("customer_id"), quote_ident("timestamp")
    return f"""
tagged AS (
    SELECT {cid} AS customer_id, {ts} AS ts, {v} AS variant
    FROM events
    WHERE {v} IS NOT NULL AND {v} <> '' AND {cid} IS NOT NULL AND {ts} IS NOT NULL
      AND {_experiment_expr(cols)} = $experiment
),
ranked AS (
    SELECT customer_id, ts, variant,
           row_number() OVER (PARTITION BY customer_id ORDER BY ts, variant) AS rn,
           min(variant) OVER (PARTITION BY customer_id) <> max(variant) OVER (PARTITION BY customer_id)
               AS crossover
    FROM tagged
),
exposure AS (
    SELECT customer_id, variant, ts AS exposure_ts, crossover FROM ranked WHERE rn = 1
)"""


def _window_us(window) -> int | None:
    if window is None:
        return None
    try:
        td = pd.Timedelta(window)
    except (TypeError, ValueError):
        raise ParameterError.one(f"window={window!r} is not a duration",
                                 "Give a timedelta, e.g. timedelta(days=30), or None for no limit.") from None
    if pd.isna(td) or td < pd.Timedelta(0):
        raise ParameterError.one(f"window={window!r} must be a non-negative duration",
                                 "Give e.g. timedelta(days=30), or None for no limit.")
    return int(td / pd.Timedelta(microseconds=1))


def _after_exposure(alias: str, window_us: int | None) -> str:
    ts = f"{alias}.{quote_ident('timestamp')}"
    cond = f"{ts} >= x.exposure_ts"
    if window_us is not None:
        cond += f" AND {ts} <= x.exposure_ts + to_microseconds($window_us)"
    return cond


def _params(experiment: str, window_us: int | None, **extra) -> dict:
    p = {"experiment": experiment, "default_experiment": DEFAULT_EXPERIMENT, **extra}
    if window_us is not None:
        p["window_us"] = window_us
    return p


def variants(con, experiment: str | None = None) -> pd.DataFrame:
    """Exposed customers per variant (by first exposure): columns ``variant``, ``customers``."""
    experiment = _resolve_experiment(con, experiment)
    if engine.is_spark(con):
        df = _spark().variants(con, experiment)
    else:
        cols = _columns(con)
        df = run(con, f"WITH {_exposure_sql(cols)} SELECT variant, count(*) AS customers FROM exposure "
                      f"GROUP BY variant ORDER BY variant", _params(experiment, None))
    df["customers"] = df["customers"].astype("int64")
    return df.reset_index(drop=True)


def _pick_control(names: list[str], control: str | None) -> str:
    if control is not None:
        if control not in names:
            raise ParameterError.one(f"Control '{control}' is not a variant of this experiment",
                                     f"Variants: {', '.join(names)}.", column="variant")
        return control
    lowered = {n.lower(): n for n in names}
    for guess in ("control", "a"):
        if guess in lowered:
            return lowered[guess]
    return names[0]


def _variant_names(observed: Iterable[str], weights: dict | None) -> list[str]:
    names = set(str(v) for v in observed) | set(str(k) for k in (weights or {}))
    return sorted(names)


def _assemble(*, experiment, metric, kind, control, names, summaries, make_stats, compare, customers, weights,
              crossovers, alpha, window, notes) -> ABResult:
    srm = srm_test({n: customers.get(n, 0) for n in names}, weights)
    comparisons = tuple(compare(make_stats(control), make_stats(n)) for n in names if n != control)
    comparisons = _with_holm(comparisons)
    with_data = [n for n in names if customers.get(n, 0) > 0]
    error, message = None, ""
    if len(with_data) < 2:
        error = ONE_VARIANT
        message = (f"only variant {with_data[0]} has exposed customers; a comparison needs at least two"
                   if with_data else "no customer has been exposed to this experiment")
    return ABResult(experiment=experiment, metric=metric, kind=kind, control=control, variants=tuple(summaries),
                    comparisons=comparisons, srm=srm, crossovers=crossovers, alpha=alpha, window=window,
                    notes=tuple(notes), error=error, error_message=message)


def _crossover_note(crossovers: int) -> list[str]:
    if not crossovers:
        return []
    return [f"{crossovers:,} customer{'s' if crossovers != 1 else ''} saw more than one variant; each is counted "
            f"in the variant seen first."]


def _check_goal(con, goal_col: str, goal: str) -> None:
    if engine.is_spark(con):
        if _spark().goal_count(con, goal_col, goal) > 0:
            return
        values = _spark().goal_values(con, goal_col)
    else:
        col = quote_ident(goal_col)
        n = run(con, f"SELECT count(*) AS n FROM events WHERE CAST({col} AS VARCHAR) = $goal", {"goal": goal})
        if int(n["n"].iat[0]) > 0:
            return
        values = run(con, f"SELECT DISTINCT CAST({col} AS VARCHAR) AS v FROM events WHERE {col} IS NOT NULL "
                          f"ORDER BY 1 LIMIT 50")
        values = [str(x) for x in values["v"]]
    close = difflib.get_close_matches(str(goal), values, n=1)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    raise ParameterError.one(f"No event has {goal_col} = '{goal}'",
                             f"{hint}Values of {goal_col}: {', '.join(values) or '(none)'}.", column=goal_col)


def conversion_stats(con, *, goal: str, experiment: str | None = None, goal_col: str = "stage",
                     window=None) -> pd.DataFrame:
    """Sufficient statistics of conversion to ``goal``, one SQL query.

    Columns ``variant, customers, conversions, crossovers``, one row per variant with
    exposed customers (by first exposure), ordered by variant. ``crossovers`` counts the
    variant's customers who were also seen with another variant.
    """
    return _conversion_stats(con, _resolve_experiment(con, experiment), goal, goal_col, window)


def _conversion_stats(con, experiment: str, goal: str, goal_col: str, window) -> pd.DataFrame:
    cols = _columns(con)
    _require(cols, (goal_col,), "for the goal")
    _check_goal(con, goal_col, goal)
    wus = _window_us(window)
    if engine.is_spark(con):
        return _as_int(_spark().conversion_stats(con, experiment, goal, goal_col, wus),
                       ("customers", "conversions", "crossovers"))
    sql = f"""
WITH {_exposure_sql(cols)},
conv AS (
    SELECT DISTINCT x.customer_id
    FROM exposure x JOIN events e ON e.{quote_ident('customer_id')} = x.customer_id
    WHERE CAST(e.{quote_ident(goal_col)} AS VARCHAR) = $goal AND {_after_exposure('e', wus)}
)
SELECT x.variant, count(*) AS customers, count(c.customer_id) AS conversions,
       sum(CASE WHEN x.crossover THEN 1 ELSE 0 END) AS crossovers
FROM exposure x LEFT JOIN conv c ON c.customer_id = x.customer_id
GROUP BY x.variant ORDER BY x.variant"""
    df = run(con, sql, _params(experiment, wus, goal=goal))
    return _as_int(df, ("customers", "conversions", "crossovers"))


def _as_int(df: pd.DataFrame, columns) -> pd.DataFrame:
    df = df.copy()
    df["variant"] = df["variant"].astype(str)
    for c in columns:
        df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    return df.reset_index(drop=True)


def conversion_test(con, *, goal: str, experiment: str | None = None, control: str | None = None,
                    goal_col: str = "stage", window=None, weights: dict[str, float] | None = None,
                    alpha: float = 0.05) -> ABResult:
    """Conversion to ``goal`` after exposure, every variant against the control.

    Parameters
    ----------
    goal : str
        A value of ``goal_col`` (a stage by default, or an event with ``goal_col="event"``).
    experiment : str, optional
        Needed when the data has several experiments (see :func:`experiments`).
    control : str, optional
        Defaults to a variant called "control" or "A" (any case), else the first by name.
    window : timedelta, optional
        Count conversions at most this long after exposure (inclusive); ``None``: no limit.
    weights : dict, optional
        Intended split for the SRM check (equal when omitted).
    """
    experiment = _resolve_experiment(con, experiment)
    df = _conversion_stats(con, experiment, goal, goal_col, window)
    names = _variant_names(df["variant"], weights)
    control = _pick_control(names, control)
    by = {r.variant: r for r in df.itertuples(index=False)}
    customers = {n: int(by[n].customers) if n in by else 0 for n in names}
    conversions = {n: int(by[n].conversions) if n in by else 0 for n in names}
    crossovers = int(df["crossovers"].sum())

    def make(n):
        return ProportionStats(n, customers[n], conversions[n])

    summaries = [VariantSummary(n, customers[n], customers[n], conversions=conversions[n],
                                rate=make(n).rate, ci=wilson_interval(conversions[n], customers[n], alpha=alpha))
                 for n in names]
    return _assemble(experiment=experiment, metric=goal, kind="conversion", control=control, names=names,
                     summaries=summaries, make_stats=make,
                     compare=lambda a, b: compare_proportions(a, b, alpha=alpha), customers=customers,
                     weights=weights, crossovers=crossovers, alpha=alpha, window=window,
                     notes=_crossover_note(crossovers))


_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                  "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")


def _numeric_columns(con) -> list[str]:
    if engine.is_spark(con):
        return _spark().numeric_columns(con)
    desc = run(con, "DESCRIBE SELECT * FROM events")
    return [str(r.column_name) for r in desc.itertuples(index=False)
            if str(r.column_type).upper().split("(")[0] in _NUMERIC_TYPES]


def metric_stats(con, *, metric: str = "revenue", experiment: str | None = None, window=None) -> pd.DataFrame:
    """Sufficient statistics of a per-customer metric after exposure, one SQL query.

    Columns ``variant, customers, n, sum, sum_squares, crossovers``: ``customers``
    exposed, ``n`` of them with a value (see :func:`metric_test` for the metrics).
    """
    return _metric_stats(con, _resolve_experiment(con, experiment), metric, window)


def _metric_stats(con, experiment: str, metric: str, window) -> pd.DataFrame:
    cols = _columns(con)
    wus = _window_us(window)
    numeric = _numeric_columns(con)
    if metric == "events":
        value = f"count(e.{quote_ident('customer_id')})"
    elif metric in numeric:
        col = f"CAST(e.{quote_ident(metric)} AS DOUBLE)"
        value = f"COALESCE(sum({col}), 0)" if metric == "revenue" else f"avg({col})"
    else:
        what = "is not a number column" if metric in cols else "is not in the data"
        raise ParameterError.one(f"Metric '{metric}' {what}",
                                 f"Use 'events' or a numeric column: {', '.join(numeric) or '(none)'}.",
                                 column=metric)
    if engine.is_spark(con):
        raw = _spark().metric_stats(con, experiment, metric, wus)
    else:
        raw = run(con, _metric_sql(cols, value, wus), _params(experiment, wus))
    df = _as_int(raw, ("customers", "n", "crossovers"))
    for c in ("sum", "sum_squares"):
        df[c] = df[c].astype("float64")
    return df


def _metric_sql(cols: list[str], value: str, wus: int | None) -> str:
    return f"""
WITH {_exposure_sql(cols)},
per_customer AS (
    SELECT x.customer_id, x.variant, any_value(x.crossover) AS crossover, {value} AS value
    FROM exposure x LEFT JOIN events e
      ON e.{quote_ident('customer_id')} = x.customer_id AND {_after_exposure('e', wus)}
    GROUP BY x.customer_id, x.variant
)
SELECT variant, count(*) AS customers, count(value) AS n,
       COALESCE(sum(value), 0) AS "sum", COALESCE(sum(value * value), 0) AS sum_squares,
       sum(CASE WHEN crossover THEN 1 ELSE 0 END) AS crossovers
FROM per_customer GROUP BY variant ORDER BY variant"""


def metric_test(con, *, metric: str = "revenue", experiment: str | None = None, control: str | None = None,
                window=None, weights: dict[str, float] | None = None, alpha: float = 0.05) -> ABResult:
    """A continuous per-customer metric after exposure, Welch's test against the control.

    ``metric``: ``"revenue"`` (total revenue from exposure on, 0 when none), ``"events"``
    (number of events from exposure on, the exposure event included) or any numeric
    column (the customer's mean of it from exposure on; customers without a value are
    excluded and the result says how many).
    """
    experiment = _resolve_experiment(con, experiment)
    df = _metric_stats(con, experiment, metric, window)
    names = _variant_names(df["variant"], weights)
    control = _pick_control(names, control)
    by = {r.variant: r for r in df.itertuples(index=False)}
    customers = {n: int(by[n].customers) if n in by else 0 for n in names}
    crossovers = int(df["crossovers"].sum())

    def make(n):
        r = by.get(n)
        if r is None:
            return MeanStats(n, 0, 0.0, 0.0)
        return MeanStats(n, int(r.n), float(r.sum), float(r.sum_squares))

    summaries = []
    for n in names:
        s = make(n)
        sd = math.sqrt(s.variance) if s.variance is not None else None
        ci = None
        if sd is not None:
            half = float(stats.t.ppf(1 - alpha / 2, s.n - 1)) * sd / math.sqrt(s.n)
            ci = (s.mean - half, s.mean + half)
        summaries.append(VariantSummary(n, customers[n], s.n, mean=s.mean, sd=sd, ci=ci))
    notes = _crossover_note(crossovers)
    excluded = sum(v.excluded for v in summaries)
    if excluded:
        notes.append(f"{excluded:,} exposed customer{'s' if excluded != 1 else ''} had no {metric} value after "
                     f"exposure and {'are' if excluded != 1 else 'is'} left out of this metric.")
    return _assemble(experiment=experiment, metric=metric, kind="mean", control=control, names=names,
                     summaries=summaries, make_stats=make, compare=lambda a, b: compare_means(a, b, alpha=alpha),
                     customers=customers, weights=weights, crossovers=crossovers, alpha=alpha, window=window,
                     notes=notes)


STAGE_LIFT_COLUMNS = ["stage", "variant", "customers", "reached", "share", "lift_abs", "lift_rel", "ci_rel_low",
                      "ci_rel_high", "p_value", "p_value_holm", "test", "chance_to_win", "error"]


def stage_lifts(con, *, stages: list[str], experiment: str | None = None, control: str | None = None,
                window=None, mode: str = "funnel", alpha: float = 0.05) -> pd.DataFrame:
    """Where in the journey the change acted: per stage, each variant's share of exposed customers
    reaching it at or after exposure, and each treatment's lift against the control.

    Parameters
    ----------
    stages : list of str
        The journey's stage order.
    mode : {"funnel", "visited"}
        ``"funnel"`` (default): a customer reaches a stage when, at or after exposure, they
        have an event at that stage *or any later one* in ``stages`` — a monotone funnel,
        so the first stage with a lift is where the change acted, and stages before the
        exposure stage are identical by construction. ``"visited"``: an event at exactly
        that stage at or after exposure; this also counts returns to earlier stages (a
        buyer's later site visit counts as "interest"), so downstream effects can show up
        at early stages.
    window : timedelta, optional
        Only events at most this long after exposure count.

    Returns
    -------
    DataFrame
        Columns ``stage, variant, customers, reached, share, lift_abs, lift_rel,
        ci_rel_low, ci_rel_high, p_value, p_value_holm, test, chance_to_win, error``; one
        row per stage × variant in the given stage order (control rows have no lift).
        ``p_value_holm`` adjusts over every stage × treatment comparison in the table.
    """
    if mode not in ("funnel", "visited"):
        raise ParameterError.one(f"mode={mode!r} is not known", "Use 'funnel' or 'visited'.")
    if engine.is_spark(con):
        raise ParameterError.one("Stage lifts run on DuckDB only",
                                 "Use conversion_test per stage on Spark, or open the dataset with DuckDB.")
    experiment = _resolve_experiment(con, experiment)
    cols = _columns(con)
    _require(cols, ("stage",), "for the stages")
    stages = [str(s) for s in stages]
    if not stages:
        raise ParameterError.one("No stages given", "Pass the stage order, e.g. ['awareness', 'interest', …].")
    dup = sorted({s for s in stages if stages.count(s) > 1})
    if dup:
        raise ParameterError.one(f"Stage(s) listed twice: {', '.join(dup)}", "List every stage once, in order.")
    wus = _window_us(window)
    stage_col = f"CAST(e.{quote_ident('stage')} AS VARCHAR)"
    join = (f"FROM exposure x JOIN events e ON e.{quote_ident('customer_id')} = x.customer_id "
            f"AND {_after_exposure('e', wus)} WHERE list_contains($stages, {stage_col})")
    if mode == "visited":
        reached_sql = (f"SELECT x.variant, {stage_col} AS key, count(DISTINCT x.customer_id) AS n {join} "
                       f"GROUP BY 1, 2")
    else:   # deepest stage (1-based position in the list) per customer, counted per variant
        reached_sql = (f"SELECT variant, CAST(depth AS VARCHAR) AS key, count(*) AS n FROM ("
                       f"SELECT x.customer_id, x.variant, max(list_position($stages, {stage_col})) AS depth "
                       f"{join} GROUP BY 1, 2) GROUP BY 1, 2")
    sql = f"""
WITH {_exposure_sql(cols)},
reached AS ({reached_sql})
SELECT 'customers' AS kind, variant, CAST(NULL AS VARCHAR) AS key, count(*) AS n FROM exposure GROUP BY variant
UNION ALL
SELECT 'reached' AS kind, variant, key, n FROM reached"""
    df = run(con, sql, _params(experiment, wus, stages=stages))
    cust = df[df["kind"] == "customers"]
    customers = {str(v): int(n) for v, n in zip(cust["variant"], cust["n"])}
    names = sorted(customers)
    control = _pick_control(names, control)
    counts = {(str(v), str(k)): int(n) for kind, v, k, n in zip(df["kind"], df["variant"], df["key"], df["n"])
              if kind == "reached"}
    if mode == "visited":
        reach = counts
    else:   # reached stage k = deepest stage at or beyond k
        reach = {}
        for name in names:
            total = 0
            for pos in range(len(stages), 0, -1):
                total += counts.get((name, str(pos)), 0)
                reach[(name, stages[pos - 1])] = total
    rows, comps = [], []
    for stage in stages:
        for name in names:
            n, x = customers[name], reach.get((name, stage), 0)
            row = {"stage": stage, "variant": name, "customers": n, "reached": x, "share": x / n if n else None}
            if name != control:
                c = compare_proportions(ProportionStats(control, customers[control], reach.get((control, stage), 0)),
                                        ProportionStats(name, n, x), alpha=alpha)
                comps.append((len(rows), c))
                row.update(lift_abs=c.lift_abs, lift_rel=c.lift_rel,
                           ci_rel_low=c.ci_rel[0] if c.ci_rel else None,
                           ci_rel_high=c.ci_rel[1] if c.ci_rel else None, p_value=c.p_value, test=c.test,
                           chance_to_win=c.chance_to_win, error=c.error)
            rows.append(row)
    adj = holm([c.p_value for _, c in comps])
    for (i, _), a in zip(comps, adj):
        rows[i]["p_value_holm"] = None if np.isnan(a) else float(a)
    out = pd.DataFrame(rows, columns=STAGE_LIFT_COLUMNS)
    for c in ("customers", "reached"):
        out[c] = out[c].astype("int64")
    for c in ("share", "lift_abs", "lift_rel", "ci_rel_low", "ci_rel_high", "p_value", "p_value_holm",
              "chance_to_win"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out
