"""A/B statistics: every number against an independent reference, SQL against pandas.

References: statsmodels (z-test, Holm, power), scipy (Fisher, Welch, chi-square), Monte
Carlo for the Bayesian figures, coverage simulations for the delta-method intervals,
and hand-worked golden numbers (worked in the comments) at 5 decimals.
"""
from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from cj import abtest as ab
from cj.abtest import MeanStats, ProportionStats
from cj.errors import ParameterError
from cj.store import connect, execute

STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty"]


# ---------------------------------------------------------------- helpers

def make_con(events: pd.DataFrame):
    con = connect(threads=1)
    con.register("events_df", events)
    execute(con, "CREATE VIEW events AS SELECT * FROM events_df")
    return con


def mean_stats(variant: str, x: np.ndarray) -> MeanStats:
    x = np.asarray(x, dtype=float)
    return MeanStats(variant, len(x), float(x.sum()), float((x * x).sum()))


def random_events(seed: int, n_customers: int = 250, experiment_col: bool = True) -> pd.DataFrame:
    """Small messy event tables: several experiments, empty experiment/variant cells, crossovers,
    timestamp ties (whole hours), missing revenue and ratings."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2024-01-01")
    rows = []
    for i in range(n_customers):
        cid = f"c{i:04d}"
        home = str(rng.choice(["A", "B", "C"]))
        k = int(rng.integers(1, 9))
        for h in np.sort(rng.integers(0, 120, k)):
            tagged = rng.random() < 0.45
            variant = home if tagged else rng.choice([None, "", "  "])
            if tagged and rng.random() < 0.08:
                variant = str(rng.choice(["A", "B", "C"]))          # crossover (or a repeat)
            row = {"customer_id": cid, "timestamp": base + pd.Timedelta(hours=int(h)),
                   "stage": str(rng.choice(STAGES)), "event": str(rng.choice(["view", "click", "buy"])),
                   "variant": variant,
                   "revenue": float(rng.choice([np.nan, 0.0, round(float(rng.exponential(20)), 2)])),
                   "rating": float(rng.choice([np.nan, np.nan, float(rng.integers(1, 6))]))}
            if experiment_col:
                row["experiment"] = rng.choice(["exp1", "exp1", "exp2", "", None])
            rows.append(row)
    return pd.DataFrame(rows)


def ref_exposure(ev: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Pandas twin of the exposure rule: first variant-tagged event of the experiment."""
    v = ev["variant"].astype("string").str.strip()
    if "experiment" in ev:
        e = ev["experiment"].astype("string").str.strip()
        e = e.where(e.notna() & (e != ""), "experiment")
    else:
        e = pd.Series("experiment", index=ev.index)
    t = ev.assign(variant=v)[v.notna() & (v != "") & (e == experiment)]
    t = t.sort_values(["customer_id", "timestamp", "variant"])
    first = t.groupby("customer_id").first()[["timestamp", "variant"]].rename(columns={"timestamp": "exposure_ts"})
    first["crossover"] = t.groupby("customer_id")["variant"].nunique() > 1
    return first.reset_index()


def ref_after(ev, expo, window):
    m = ev.merge(expo, on="customer_id", suffixes=("", "_x"))
    keep = m["timestamp"] >= m["exposure_ts"]
    if window is not None:
        keep &= m["timestamp"] <= m["exposure_ts"] + window
    return m[keep]


# ---------------------------------------------------------------- frequentist proportions

@pytest.mark.parametrize("xA,nA,xB,nB", [
    (200, 1000, 250, 1000), (1210, 10000, 1500, 10000), (30, 400, 45, 380), (5000, 50000, 4890, 49000),
])
def test_z_test_matches_statsmodels(xA, nA, xB, nB):
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    _, p_ref = proportions_ztest([xB, xA], [nB, nA])
    assert c.test == "z"
    assert c.p_value == pytest.approx(p_ref, rel=1e-10)
    assert c.lift_abs == pytest.approx(xB / nB - xA / nA)


def test_z_test_hand_worked_golden():
    # A 200/1000 vs B 250/1000. Pooled p = 0.225, se0 = sqrt(.225·.775·(2/1000)) = 0.0186748,
    # z = 0.05/0.0186748 = 2.67740 → p = 2·(1 - Φ(2.67740)) = 0.00742.
    # Unpooled se = sqrt(.2·.8/1000 + .25·.75/1000) = 0.0186414 → CI 0.05 ± 1.95996·se.
    # Delta method: se_rel = sqrt(.0001875/.04 + .0625·.00016/.0016) = 0.104583 → 0.25 ± 0.204978.
    c = ab.compare_proportions(ProportionStats("A", 1000, 200), ProportionStats("B", 1000, 250))
    assert round(c.p_value, 5) == 0.00742
    assert [round(v, 5) for v in c.ci_abs] == [0.01346, 0.08654]
    assert round(c.lift_rel, 5) == 0.25
    assert [round(v, 5) for v in c.ci_rel] == [0.04502, 0.45498]
    # Wilson for 200/1000: centre (0.2 + z²/2000)/(1 + z²/1000) = 0.201148, half-width 0.024771.
    assert [round(v, 5) for v in ab.wilson_interval(200, 1000)] == [0.17638, 0.22592]


def test_wilson_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint
    for x, n in [(0, 50), (3, 50), (200, 1000), (999, 1000), (1000, 1000)]:
        lo, hi = proportion_confint(x, n, method="wilson")
        assert ab.wilson_interval(x, n) == pytest.approx((lo, hi), abs=1e-12)


@pytest.mark.parametrize("xA,nA,xB,nB", [(1, 40, 6, 42), (0, 200, 4, 200), (2, 30, 6, 31), (1, 1000, 7, 1000)])
def test_fisher_used_when_expected_cells_small(xA, nA, xB, nB):
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    assert c.test == "fisher"
    _, p_ref = stats.fisher_exact([[xA, nA - xA], [xB, nB - xB]])
    assert c.p_value == pytest.approx(p_ref, rel=1e-12)


def test_relative_ci_delta_method_coverage():
    # 600 simulated experiments with a true +20% lift: the 95% delta-method CI should
    # cover the truth about 95% of the time (binomial sd of the share ≈ 0.9%).
    rng = np.random.default_rng(7)
    pA, pB, n = 0.10, 0.12, 4000
    xa, xb = rng.binomial(n, pA, 600), rng.binomial(n, pB, 600)
    cover_rel = cover_abs = 0
    for a, b in zip(xa, xb):
        c = ab.compare_proportions(ProportionStats("A", n, int(a)), ProportionStats("B", n, int(b)))
        cover_rel += c.ci_rel[0] <= pB / pA - 1 <= c.ci_rel[1]
        cover_abs += c.ci_abs[0] <= pB - pA <= c.ci_abs[1]
    assert 0.92 <= cover_rel / 600 <= 0.98
    assert 0.92 <= cover_abs / 600 <= 0.98


def test_relative_ci_matches_bootstrap():
    # Parametric bootstrap of p_B/p_A - 1: its 2.5%/97.5% quantiles ≈ the delta-method CI.
    rng = np.random.default_rng(11)
    nA, xA, nB, xB = 20000, 2400, 20000, 2700
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    boot = rng.binomial(nB, xB / nB, 100_000) / nB / (rng.binomial(nA, xA / nA, 100_000) / nA) - 1
    lo, hi = np.quantile(boot, [0.025, 0.975])
    assert c.ci_rel == pytest.approx((lo, hi), abs=0.006)


# ---------------------------------------------------------------- continuous metrics

def test_welch_matches_scipy():
    rng = np.random.default_rng(3)
    a = rng.lognormal(3.0, 1.0, 800)
    b = rng.lognormal(3.1, 1.1, 650)
    c = ab.compare_means(mean_stats("A", a), mean_stats("B", b))
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert c.test == "welch"
    assert c.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert c.ci_abs == pytest.approx((ci.low, ci.high), rel=1e-9)
    ref2 = stats.ttest_ind_from_stats(b.mean(), b.std(ddof=1), len(b), a.mean(), a.std(ddof=1), len(a),
                                      equal_var=False)
    assert c.p_value == pytest.approx(ref2.pvalue, rel=1e-9)
    assert c.lift_rel == pytest.approx(b.mean() / a.mean() - 1)


def test_welch_hand_worked_golden():
    # A: n=10, mean 5, s²=4 → sum 50, sum² = 9·4 + 10·25 = 286. B: n=12, mean 7, s²=9 → sum 84, sum² = 99 + 588 = 687.
    # se² = 4/10 + 9/12 = 1.15; df = 1.15²/(0.4²/9 + 0.75²/11) = 1.3225/0.0689141 = 19.19055;
    # t = 2/sqrt(1.15) = 1.86501 → two-sided p = 0.07755 (t table, 19.19 df).
    c = ab.compare_means(MeanStats("A", 10, 50.0, 286.0), MeanStats("B", 12, 84.0, 687.0), min_customers=2)
    assert round(c.lift_abs, 5) == 2.0
    assert round(c.p_value, 5) == 0.07755
    assert round(c.lift_rel, 5) == 0.4
    # delta method: se_rel = sqrt(0.75/25 + 49·0.4/625) = sqrt(0.06136) = 0.247710; t(0.975, 19.19) = 2.09162.
    tq = stats.t.ppf(0.975, 19.190546)
    assert round(tq, 5) == 2.09162
    assert [round(v, 5) for v in c.ci_rel] == [round(0.4 - tq * 0.2477095, 5), round(0.4 + tq * 0.2477095, 5)]
    assert [round(v, 5) for v in c.ci_rel] == [-0.11811, 0.91811]


def test_mean_relative_ci_coverage():
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(400):
        a = rng.exponential(10.0, 1500)
        b = rng.exponential(11.0, 1500)
        c = ab.compare_means(mean_stats("A", a), mean_stats("B", b))
        covered += c.ci_rel[0] <= 0.1 <= c.ci_rel[1]
    assert 0.92 <= covered / 400 <= 0.98


# ---------------------------------------------------------------- Bayesian

@pytest.mark.parametrize("xA,nA,xB,nB", [(100, 1000, 130, 1000), (12, 150, 9, 140), (1210, 10000, 1190, 10000)])
def test_bayesian_proportions_match_monte_carlo(xA, nA, xB, nB):
    rng = np.random.default_rng(2024)
    pa = rng.beta(1 + xA, 1 + nA - xA, 200_000)
    pb = rng.beta(1 + xB, 1 + nB - xB, 200_000)
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    assert c.chance_to_win == pytest.approx((pb > pa).mean(), abs=0.01)
    scale = np.abs(pb - pa).mean()
    assert c.expected_loss == pytest.approx(np.maximum(pa - pb, 0).mean(), abs=0.02 * scale)
    assert c.expected_loss_control == pytest.approx(np.maximum(pb - pa, 0).mean(), abs=0.02 * scale)
    lo, hi = np.quantile(pb / pa - 1, [0.025, 0.975])
    assert c.ci_rel_bayes == pytest.approx((lo, hi), abs=0.02)


def test_beta_probability_forms_agree():
    # The four closed forms and numerical integration give the same P(B > A).
    for aA, bA, aB, bB in [(11, 91, 14, 88), (3, 5, 4, 2), (120, 900, 118, 905)]:
        direct = ab._log_beta_prob_greater(aA, bA, aB, bB)
        assert 1 - ab._log_beta_prob_greater(aB, bB, aA, bA) == pytest.approx(direct, abs=1e-12)
        assert ab._log_beta_prob_greater(bB, aB, bA, aA) == pytest.approx(direct, abs=1e-12)
        assert ab.prob_beta_greater(float(aA), bA, aB, bB) == pytest.approx(direct, abs=1e-12)
    # integration path (non-integer parameters) against the closed form next to it
    assert ab.prob_beta_greater(11.0000001, 91, 14, 88) == pytest.approx(
        ab._log_beta_prob_greater(11, 91, 14, 88), abs=1e-6)


def test_bayesian_large_counts_use_integration_and_match_monte_carlo():
    nA, xA, nB, xB = 3_000_000, 300_000, 3_000_000, 301_000
    assert min(1 + xA, 1 + xB) > ab.EXACT_BETA_MAX_TERMS
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    rng = np.random.default_rng(9)
    pa = rng.beta(1 + xA, 1 + nA - xA, 200_000)
    pb = rng.beta(1 + xB, 1 + nB - xB, 200_000)
    assert c.chance_to_win == pytest.approx((pb > pa).mean(), abs=0.01)
    d = (xB / nB - xA / nA)
    se = math.sqrt((xA / nA) * (1 - xA / nA) / nA + (xB / nB) * (1 - xB / nB) / nB)
    assert c.chance_to_win == pytest.approx(stats.norm.cdf(d / se), abs=0.005)   # normal limit


def test_bayesian_means_match_monte_carlo():
    a = MeanStats("A", 900, 900 * 20.0, 900 * (20.0 ** 2 + 15.0 ** 2))
    b = MeanStats("B", 950, 950 * 21.0, 950 * (21.0 ** 2 + 16.0 ** 2))
    c = ab.compare_means(a, b)
    rng = np.random.default_rng(1)
    ma = rng.normal(a.mean, math.sqrt(a.variance / a.n), 200_000)
    mb = rng.normal(b.mean, math.sqrt(b.variance / b.n), 200_000)
    assert c.chance_to_win == pytest.approx((mb > ma).mean(), abs=0.01)
    assert c.expected_loss == pytest.approx(np.maximum(ma - mb, 0).mean(), rel=0.03)
    assert c.expected_loss_control == pytest.approx(np.maximum(mb - ma, 0).mean(), rel=0.03)


@settings(max_examples=60, deadline=None)
@given(nA=st.integers(1, 5000), nB=st.integers(1, 5000), fa=st.floats(0, 1), fb=st.floats(0, 1))
def test_proportion_properties(nA, nB, fa, fb):
    xA, xB = round(fa * nA), round(fb * nB)
    c = ab.compare_proportions(ProportionStats("A", nA, xA), ProportionStats("B", nB, xB))
    assert 0 <= c.p_value <= 1 and 0 <= c.chance_to_win <= 1
    assert c.ci_abs[0] <= c.lift_abs <= c.ci_abs[1]
    assert c.expected_loss >= 0 and c.expected_loss_control >= 0
    # E[max(D,0)] - E[max(-D,0)] = E[D], the difference of the posterior means
    assert c.expected_loss_control - c.expected_loss == pytest.approx((xB + 1) / (nB + 2) - (xA + 1) / (nA + 2),
                                                                      abs=1e-9)
    lo, hi = ab.wilson_interval(xA, nA)
    assert 0 <= lo <= xA / nA <= hi <= 1
    json.dumps(c.to_json(), allow_nan=False)


# ---------------------------------------------------------------- SRM and Holm

def test_srm_matches_chisquare_and_flags_52_48():
    res = ab.srm_test({"A": 52_000, "B": 48_000})
    ref = stats.chisquare([52_000, 48_000])
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.srm_warning is True
    ok = ab.srm_test({"A": 50_100, "B": 49_900})
    assert ok.srm_warning is False and ok.p_value > 0.5


def test_srm_with_weights_and_missing_variant():
    res = ab.srm_test({"A": 9_050, "B": 950}, weights={"A": 0.9, "B": 0.1})
    ref = stats.chisquare([9_050, 950], f_exp=[9_000, 1_000])
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert not res.srm_warning
    empty_arm = ab.srm_test({"A": 5_000}, weights={"A": 1, "B": 1})
    assert empty_arm.observed == {"A": 5_000, "B": 0} and empty_arm.srm_warning
    with pytest.raises(ParameterError, match="weights do not cover variant"):
        ab.srm_test({"A": 10, "C": 5}, weights={"A": 1, "B": 1})
    assert ab.srm_test({"A": 10}).error == ab.ONE_VARIANT


def test_srm_warning_on_a_dataset_split_50_50_but_observed_52_48():
    # 100,000 customers, designed 50/50, observed 52/48 → SRM through the whole SQL path.
    n_a, n_b = 52_000, 48_000
    ids = [f"u{i}" for i in range(n_a + n_b)]
    ev = pd.DataFrame({"customer_id": ids, "timestamp": pd.Timestamp("2024-03-01"),
                       "stage": "consideration", "variant": ["A"] * n_a + ["B"] * n_b})
    res = ab.conversion_test(make_con(ev), goal="consideration", weights={"A": 1, "B": 1})
    assert res.srm.srm_warning and res.to_json()["srm_warning"] is True
    assert ab.verdict(res).startswith("Warning — sample ratio mismatch (p < 0.001)")


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(0)
    for m in (1, 2, 5, 12):
        p = rng.uniform(0, 0.2, m)
        p[0] = p[-1]                                                   # a tie
        assert ab.holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)
    out = ab.holm([0.01, None, 0.04, float("nan"), 0.03])
    ref = multipletests([0.01, 0.04, 0.03], method="holm")[1]
    assert np.isnan(out[1]) and np.isnan(out[3])
    assert out[[0, 2, 4]] == pytest.approx(ref)


# ---------------------------------------------------------------- error rate under the null

def test_false_positive_rate_is_about_five_percent():
    rng = np.random.default_rng(12345)
    n = 5000
    xa, xb = rng.binomial(n, 0.1, 400), rng.binomial(n, 0.1, 400)
    p = [ab.compare_proportions(ProportionStats("A", n, int(a)), ProportionStats("B", n, int(b))).p_value
         for a, b in zip(xa, xb)]
    assert 0.025 <= np.mean(np.array(p) < 0.05) <= 0.08
    pm = []
    for _ in range(400):
        a, b = rng.exponential(10, 300), rng.exponential(10, 300)
        pm.append(ab.compare_means(mean_stats("A", a), mean_stats("B", b)).p_value)
    assert 0.025 <= np.mean(np.array(pm) < 0.05) <= 0.08


# ---------------------------------------------------------------- guard rails

@pytest.mark.parametrize("control,treatment,code", [
    (ProportionStats("A", 0, 0), ProportionStats("B", 500, 50), ab.NO_DATA),
    (ProportionStats("A", 500, 50), ProportionStats("B", 0, 0), ab.NO_DATA),
    (ProportionStats("A", 40, 8), ProportionStats("B", 45, 12), ab.NOT_ENOUGH_CUSTOMERS),
    (ProportionStats("A", 1000, 3), ProportionStats("B", 1000, 4), ab.NOT_ENOUGH_CONVERSIONS),
    (ProportionStats("A", 1000, 0), ProportionStats("B", 1000, 0), ab.NOT_ENOUGH_CONVERSIONS),
    (ProportionStats("A", 300, 300), ProportionStats("B", 300, 300), ab.ZERO_VARIANCE),
    (ProportionStats("A", 1000, 0), ProportionStats("B", 1000, 40), ab.ZERO_CONTROL),
])
def test_proportion_guard_rails_are_values(control, treatment, code):
    c = ab.compare_proportions(control, treatment)
    assert c.error == code and c.error_message
    assert not c.significant
    json.dumps(c.to_json(), allow_nan=False)


@pytest.mark.parametrize("control,treatment,code", [
    (MeanStats("A", 0, 0, 0), MeanStats("B", 300, 3000, 400000), ab.NO_DATA),
    (MeanStats("A", 1, 5, 25), MeanStats("B", 300, 3000, 400000), ab.NOT_ENOUGH_CUSTOMERS),
    (MeanStats("A", 300, 1500, 7500), MeanStats("B", 300, 1500, 7500), ab.ZERO_VARIANCE),
    (MeanStats("A", 50, 500, 6000), MeanStats("B", 50, 550, 7000), ab.NOT_ENOUGH_CUSTOMERS),
    (MeanStats("A", 300, 0, 300), MeanStats("B", 300, 30, 330), ab.ZERO_CONTROL),
])
def test_mean_guard_rails_are_values(control, treatment, code):
    c = ab.compare_means(control, treatment)
    assert c.error == code and c.error_message
    assert not c.significant


def test_zero_variance_in_one_arm_only_is_still_a_test():
    c = ab.compare_means(MeanStats("A", 200, 1000, 5000), mean_stats("B", np.arange(200) % 7 + 2.0))
    assert c.error is None and c.test == "welch" and c.p_value is not None


def test_bad_counts_are_caller_mistakes():
    with pytest.raises(ParameterError, match="0 <= conversions <= n"):
        ab.compare_proportions(ProportionStats("A", 10, 11), ProportionStats("B", 10, 1))


# ---------------------------------------------------------------- planning

def test_sample_size_hand_worked():
    # 10% → 12%, α=0.05 two-sided, power 0.8, equal groups (Fleiss, no continuity correction):
    # p̄ = 0.11; [1.959964·sqrt(2·.11·.89) + 0.841621·sqrt(.09 + .1056)]² / .02² = 1.536339/.0004 = 3840.85 → 3841.
    assert ab.sample_size(0.10, mde_abs=0.02, exact=True) == pytest.approx(3840.8475, abs=1e-4)
    assert ab.sample_size(0.10, mde_abs=0.02) == 3841
    assert ab.sample_size(0.10, mde_rel=0.2) == 3841
    assert ab.minimum_detectable_effect(0.10, 3840.8475) == pytest.approx(0.02, abs=1e-7)
    assert ab.minimum_detectable_effect(0.10, 3840.8475, relative=True) == pytest.approx(0.2, abs=1e-6)
    assert ab.minimum_detectable_effect(0.10, 3) is None   # even 10% → 100% needs 3.3


@pytest.mark.parametrize("p1,p2,ratio,power", [(0.10, 0.12, 1, 0.8), (0.05, 0.06, 2, 0.9), (0.3, 0.25, 0.5, 0.8)])
def test_sample_size_arcsine_matches_statsmodels(p1, p2, ratio, power):
    ref = NormalIndPower().solve_power(proportion_effectsize(p2, p1), alpha=0.05, power=power, ratio=ratio)
    got = ab.sample_size(p1, mde_abs=p2 - p1, power=power, ratio=ratio, method="arcsine", exact=True)
    assert got == pytest.approx(ref, rel=1e-6)
    # the default (pooled) formula is within a couple of percent of the arcsine one
    pooled = ab.sample_size(p1, mde_abs=p2 - p1, power=power, ratio=ratio, exact=True)
    assert pooled == pytest.approx(ref, rel=0.03)
    if p2 > p1:   # the MDE is the upward effect
        mde = ab.minimum_detectable_effect(p1, ref, power=power, ratio=ratio, method="arcsine")
        assert mde == pytest.approx(p2 - p1, abs=1e-7)


def test_planning_caller_mistakes():
    with pytest.raises(ParameterError, match="exactly one of mde_abs and mde_rel"):
        ab.sample_size(0.1)
    with pytest.raises(ParameterError, match="strictly between 0 and 1"):
        ab.sample_size(1.5, mde_abs=0.1)


# ---------------------------------------------------------------- SQL sufficient statistics vs pandas

@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("window", [None, timedelta(hours=24)])
def test_sql_statistics_match_pandas(seed, window):
    ev = random_events(seed)
    con = make_con(ev)
    assert ab.experiments(con) == ["exp1", "exp2", "experiment"]
    for experiment in ("exp1", "experiment"):
        expo = ref_exposure(ev, experiment)
        after = ref_after(ev, expo, window)
        # conversion
        got = ab.conversion_stats(con, goal="purchase", experiment=experiment, window=window).set_index("variant")
        conv = after[after["stage"] == "purchase"].groupby("customer_id").size()
        expo["converted"] = expo["customer_id"].isin(conv.index)
        ref = expo.groupby("variant").agg(customers=("customer_id", "size"), conversions=("converted", "sum"),
                                          crossovers=("crossover", "sum"))
        assert got.to_dict("index") == ref.astype("int64").to_dict("index")
        # event-based goal
        got_ev = ab.conversion_stats(con, goal="buy", goal_col="event", experiment=experiment, window=window)
        buy = set(after.loc[after["event"] == "buy", "customer_id"])
        assert dict(zip(got_ev["variant"], got_ev["conversions"])) == \
            expo.assign(c=expo["customer_id"].isin(buy)).groupby("variant")["c"].sum().to_dict()
        # metrics
        per = after.groupby("customer_id").agg(revenue=("revenue", "sum"), events=("stage", "size"),
                                               rating=("rating", "mean"))
        per = expo.set_index("customer_id")[["variant"]].join(per)
        per["revenue"] = per["revenue"].fillna(0.0)
        for metric in ("revenue", "events", "rating"):
            got_m = ab.metric_stats(con, metric=metric, experiment=experiment, window=window).set_index("variant")
            vals = per.dropna(subset=[metric])
            g = vals.groupby("variant")[metric]
            assert got_m["customers"].to_dict() == per.groupby("variant").size().to_dict()
            assert got_m["n"].to_dict() == g.size().to_dict()
            assert got_m["sum"].to_dict() == pytest.approx(g.sum().to_dict())
            assert got_m["sum_squares"].to_dict() == pytest.approx((vals[metric] ** 2).groupby(vals["variant"]).sum()
                                                                   .to_dict())
        # stages: "visited" = an event at the stage; "funnel" = the deepest stage is at or beyond it
        visited = ab.stage_lifts(con, stages=STAGES, experiment=experiment, window=window, mode="visited")
        funnel = ab.stage_lifts(con, stages=STAGES, experiment=experiment, window=window)
        depth = after.assign(pos=after["stage"].map(STAGES.index)).groupby("customer_id")["pos"].max()
        for k, stage in enumerate(STAGES):
            reached = set(after.loc[after["stage"] == stage, "customer_id"])
            want = expo.assign(r=expo["customer_id"].isin(reached)).groupby("variant")["r"].sum().to_dict()
            rows = visited[visited["stage"] == stage]
            assert dict(zip(rows["variant"], rows["reached"])) == want
            beyond = set(depth.index[depth >= k])
            want = expo.assign(r=expo["customer_id"].isin(beyond)).groupby("variant")["r"].sum().to_dict()
            rows = funnel[funnel["stage"] == stage]
            assert dict(zip(rows["variant"], rows["reached"])) == want


def test_implied_experiment_without_experiment_column():
    ev = random_events(4, experiment_col=False)
    con = make_con(ev)
    assert ab.experiments(con) == ["experiment"]
    expo = ref_exposure(ev, "experiment")
    got = ab.variants(con)
    assert dict(zip(got["variant"], got["customers"])) == expo.groupby("variant").size().to_dict()


def test_exposure_conversion_and_window_boundary_by_hand():
    t0 = pd.Timestamp("2024-05-01 10:00:00")
    w = timedelta(days=7)
    rows = [
        # c1: purchase before exposure does not count, at the window edge it does
        ("c1", t0 - timedelta(hours=1), "purchase", None), ("c1", t0, "consideration", "A"),
        ("c1", t0 + w, "purchase", None),
        # c2: one microsecond past the window
        ("c2", t0, "consideration", "A"), ("c2", t0 + w + timedelta(microseconds=1), "purchase", None),
        # c3: converts on the exposure event itself
        ("c3", t0, "purchase", "B"),
        # c4: exposed to B first, later sees A → stays in B, counted as a crossover
        ("c4", t0, "consideration", "B"), ("c4", t0 + timedelta(days=1), "consideration", "A"),
        ("c4", t0 + timedelta(days=2), "purchase", "A"),
        # c5: never exposed (empty variant) → not in the test
        ("c5", t0, "purchase", " "),
    ]
    ev = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "variant"])
    ev["revenue"] = [np.nan, np.nan, 10.0, np.nan, 5.0, 7.0, np.nan, np.nan, 20.0, 99.0]
    con = make_con(ev)
    s = ab.conversion_stats(con, goal="purchase", window=w).set_index("variant")
    assert s.loc["A"].tolist() == [2, 1, 0] and s.loc["B"].tolist() == [2, 2, 1]
    s = ab.conversion_stats(con, goal="purchase").set_index("variant")
    assert s.loc["A", "conversions"] == 2
    m = ab.metric_stats(con, metric="revenue", window=w).set_index("variant")
    assert m.loc["A", "sum"] == 10.0 and m.loc["B", "sum"] == 27.0 and m.loc["B", "sum_squares"] == 449.0
    res = ab.conversion_test(con, goal="purchase")
    assert res.crossovers == 1 and "1 customer saw more than one variant" in res.notes[0]


# ---------------------------------------------------------------- end-to-end results, JSON, verdicts

def planted(n_per_arm=4000, rate_a=0.10, rate_b=0.13, seed=0, variants=("A", "B")):
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp("2024-01-01")
    rates = {"A": rate_a, "B": rate_b, "C": rate_a}
    for v in variants:
        for i in range(n_per_arm):
            cid = f"{v}{i}"
            rows.append((cid, t0 + pd.Timedelta(minutes=i), "consideration", "view", v, np.nan, np.nan))
            if rng.random() < rates[v]:
                rows.append((cid, t0 + pd.Timedelta(minutes=i, hours=2), "purchase", "buy", None,
                             float(rng.gamma(2, 25)), float(rng.integers(1, 6))))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "event", "variant", "revenue", "rating"])


def test_conversion_test_end_to_end_and_json_contract():
    res = ab.conversion_test(make_con(planted()), goal="purchase")
    assert res.control == "A" and res.experiment == "experiment"
    j = res.to_json()
    text = json.dumps(j, allow_nan=False)
    assert json.loads(text) == j
    assert {"experiment", "metric", "control", "variants", "comparisons", "srm_p_value", "srm_warning",
            "verdict"} <= set(j)
    assert [v["variant"] for v in j["variants"]] == ["A", "B"]
    assert {"variant", "customers", "conversions", "rate"} <= set(j["variants"][0])
    cmp = j["comparisons"][0]
    assert {"variant", "lift_abs", "lift_rel", "ci_abs", "ci_rel", "p_value", "p_value_holm", "test",
            "chance_to_win", "expected_loss", "error"} <= set(cmp)
    a, b = j["variants"]
    assert 0 < a["rate"] < 1 and cmp["lift_abs"] == pytest.approx(b["rate"] - a["rate"])
    _, p_ref = proportions_ztest([b["conversions"], a["conversions"]], [b["customers"], a["customers"]])
    assert cmp["p_value"] == pytest.approx(p_ref)
    assert cmp["error"] is None and cmp["p_value"] < 0.001
    assert j["verdict"].startswith("B raised purchase conversion from ")


def test_verdict_text():
    res = ab.conversion_test(make_con(planted()), goal="purchase")
    c = res.comparisons[0]
    a, b = res.variants
    expected = (f"B raised purchase conversion from {100 * a.rate:.1f}% to {100 * b.rate:.1f}% "
                f"({100 * c.lift_rel:+.0f}%, 95% CI {100 * c.ci_rel[0]:+.0f}% to {100 * c.ci_rel[1]:+.0f}%); "
                f"p < 0.001; >99.9% chance to beat A.")
    assert ab.verdict(res) == expected
    null = ab.conversion_test(make_con(planted(rate_b=0.10, seed=3)), goal="purchase")
    assert ab.verdict(null).startswith("No significant difference yet between B and A in purchase conversion: ")
    tiny = ab.conversion_test(make_con(planted(n_per_arm=60)), goal="purchase")
    assert ab.verdict(tiny).startswith("Not enough data yet: ")
    assert "at least 100 per variant" in ab.verdict(tiny)


def test_several_variants_use_holm():
    res = ab.conversion_test(make_con(planted(variants=("A", "B", "C"))), goal="purchase")
    p = [c.p_value for c in res.comparisons]
    assert [c.p_value_holm for c in res.comparisons] == pytest.approx(multipletests(p, method="holm")[1])
    assert "(Holm-adjusted)" in ab.verdict(res)
    rev = ab.metric_test(make_con(planted(variants=("A", "B", "C"))), metric="revenue")
    both = ab.adjust_holm([res, rev])
    flat = [c.p_value for r in (res, rev) for c in r.comparisons]
    assert [c.p_value_holm for r in both for c in r.comparisons] == pytest.approx(
        multipletests(flat, method="holm")[1])


def test_metric_test_revenue_events_and_rating():
    ev = planted()
    con = make_con(ev)
    res = ab.metric_test(con, metric="revenue")
    assert res.kind == "mean" and res.label == "revenue per customer"
    j = res.to_json()
    json.dumps(j, allow_nan=False)
    assert {"variant", "customers", "mean"} <= set(j["variants"][0])
    per = ev.groupby("customer_id").agg(variant=("variant", "first"), revenue=("revenue", "sum"))
    a, b = per[per.variant == "A"].revenue, per[per.variant == "B"].revenue
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.comparisons[0].p_value == pytest.approx(ref.pvalue, rel=1e-6)
    assert j["variants"][0]["mean"] == pytest.approx(a.mean())
    rating = ab.metric_test(con, metric="rating")
    assert rating.excluded == len(per) - ev["rating"].notna().sum()
    assert any("left out of this metric" in n for n in rating.notes)
    events = ab.metric_test(con, metric="events")
    assert events.variants[0].mean == pytest.approx(1 + 0.1, abs=0.02)


def test_variant_without_data_and_single_variant():
    ev = planted(n_per_arm=500, variants=("A",))
    res = ab.conversion_test(make_con(ev), goal="purchase", weights={"A": 1, "B": 1})
    assert [v.variant for v in res.variants] == ["A", "B"] and res.variants[1].customers == 0
    assert res.comparisons[0].error == ab.NO_DATA
    assert res.error == ab.ONE_VARIANT and res.srm.srm_warning
    json.dumps(res.to_json(), allow_nan=False)
    assert "Not enough data yet: only variant A has exposed customers" in ab.verdict(res)


@pytest.mark.parametrize("call,message", [
    (lambda con: ab.conversion_test(con, goal="purchase", control="Z"),
     "Control 'Z' is not a variant of this experiment — Variants: A, B."),
    (lambda con: ab.conversion_test(con, goal="purchse"),
     "No event has stage = 'purchse' — Did you mean 'purchase'? Values of stage: consideration, purchase."),
    (lambda con: ab.conversion_test(con, goal="purchase", experiment="experimnt"),
     "Experiment 'experimnt' is not in the data — Did you mean 'experiment'? Experiments: experiment."),
    (lambda con: ab.metric_test(con, metric="stage"),
     "Metric 'stage' is not a number column — Use 'events' or a numeric column: revenue, rating."),
    (lambda con: ab.conversion_test(con, goal="purchase", window="soon"),
     "window='soon' is not a duration — Give a timedelta, e.g. timedelta(days=30), or None for no limit."),
])
def test_caller_mistakes_raise_with_fix(call, message):
    con = make_con(planted(n_per_arm=50))
    with pytest.raises(ParameterError) as info:
        call(con)
    assert str(info.value) == message


def test_several_experiments_need_a_choice():
    con = make_con(random_events(1))
    with pytest.raises(ParameterError, match="The data has 3 experiments: exp1, exp2, experiment"):
        ab.conversion_test(con, goal="purchase")
    assert ab.variants(con, "exp2")["customers"].sum() == len(ref_exposure(random_events(1), "exp2"))


def test_stage_lifts_shape_and_values():
    con = make_con(planted())
    df = ab.stage_lifts(con, stages=["consideration", "purchase", "loyalty"])
    assert list(df.columns) == ab.STAGE_LIFT_COLUMNS
    assert df["share"][df["stage"] == "consideration"].tolist() == [1.0, 1.0]
    buy = df[(df["stage"] == "purchase") & (df["variant"] == "B")].iloc[0]
    res = ab.conversion_test(con, goal="purchase")
    assert buy["p_value"] == pytest.approx(res.comparisons[0].p_value)
    loyal = df[(df["stage"] == "loyalty") & (df["variant"] == "B")].iloc[0]
    assert loyal["reached"] == 0 and loyal["error"] == ab.NOT_ENOUGH_CONVERSIONS


# ---------------------------------------------------------------- the bundled sample's planted story

def test_sample_data_planted_lift_is_found_at_purchase_only():
    # cj/sample.py story 2: B adds 3 points of purchase conversion; exposure is the first
    # consideration event, so the funnel view must show no lift before it.
    sample = pytest.importorskip("cj.sample", reason="cj/sample.py not written yet")
    events, _truth = sample.generate(n_customers=20000, seed=42)
    con = make_con(events)
    assert ab.experiments(con) == ["checkout_redesign"]
    res = ab.conversion_test(con, goal="purchase", experiment="checkout_redesign")
    c = res.comparisons[0]
    assert res.control == "A" and c.variant == "B" and c.error is None
    assert c.p_value < 0.05 and 0.01 < c.lift_abs < 0.05 and c.ci_abs[0] > 0
    assert not res.srm.srm_warning and res.crossovers == 0
    assert ab.verdict(res).startswith("B raised purchase conversion from ")
    lifts = ab.stage_lifts(con, stages=["awareness", "interest", "consideration", "purchase"],
                           experiment="checkout_redesign")
    b = lifts[lifts["variant"] == "B"].set_index("stage")
    assert b.loc["purchase", "p_value"] < 0.05 and b.loc["purchase", "lift_abs"] > 0
    for stage in ("awareness", "interest", "consideration"):
        assert b.loc[stage, "lift_abs"] == 0 and b.loc[stage, "share"] == 1.0, stage
        assert not b.loc[stage, "p_value"] < 0.05, stage


def test_compare_means_is_scale_invariant_up_to_huge_values():
    """p-value, relative lift and its CI do not depend on the unit: values around 1e100 (whose fourth
    power overflows) give the same answers as the same values around 1; beyond ~1e154 (squares overflow)
    the comparison is withheld with TOO_LARGE instead of raising."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 2, 400), rng.normal(10.4, 2.5, 380)

    def stats_of(name, x, k):
        x = x * k
        return ab.MeanStats(name, len(x), float(x.sum()), float((x * x).sum()))

    small = ab.compare_means(stats_of("A", a, 1.0), stats_of("B", b, 1.0))
    huge = ab.compare_means(stats_of("A", a, 1e100), stats_of("B", b, 1e100))
    assert huge.error is None
    assert huge.p_value == pytest.approx(small.p_value, rel=1e-9)
    assert huge.lift_rel == pytest.approx(small.lift_rel, rel=1e-9)
    assert huge.ci_rel == pytest.approx(small.ci_rel, rel=1e-9)
    assert huge.ci_abs[0] / 1e100 == pytest.approx(small.ci_abs[0], rel=1e-9)
    too_big = ab.compare_means(stats_of("A", a, 1e200), stats_of("B", b, 1e200))
    assert too_big.error == ab.TOO_LARGE and too_big.p_value is None
