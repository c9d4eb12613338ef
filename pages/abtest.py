"""A/B tests: did a variant win, at which stage, and can the test be trusted?"""
from __future__ import annotations

import streamlit as st

from cj import abtest, charts, texts
from cj.errors import CJError
from cj.timeparse import parse_window
from pages import common

meta = common.require_dataset()
c = common.con()
st.title(common.tr("nav.abtest"))

try:
    exps = common.cached(abtest.experiments, meta)
except CJError as exc:
    exps = []
    common.show_error(exc)
if not exps:
    st.info("This dataset has no experiment: map a 'variant' column (and optionally 'experiment') on the Data page.")
    st.stop()

stages = list(meta.stage_order)
cols = st.columns([2, 1, 2, 1])
common.restore("exp", "ab_experiment", default=exps[0], options=exps)
experiment = cols[0].selectbox(common.tr("ab.experiment"), exps, key="ab_experiment")
common.publish("exp", "ab_experiment", experiment, default=exps[0])
try:
    variants = common.cached(abtest.variants, meta, experiment=experiment)
except CJError as exc:
    common.show_error(exc)
    st.stop()
names = [str(v) for v in variants["variant"]]
default_control = abtest._pick_control(names, None) if names else None
common.restore("ctrl", "ab_control", default=default_control, options=names)
control = cols[1].selectbox(common.tr("ab.control"), names, key="ab_control")
common.publish("ctrl", "ab_control", control, default=default_control)
numeric = [m for m in ("revenue", "rating") if m in meta.columns]
metric_options = [f"conversion to {s}" for s in stages] + [f"{m} per customer" for m in numeric] + \
    ["events per customer"]
default_goal = "conversion to purchase" if "purchase" in stages else metric_options[0]
common.restore("goal", "ab_goal", default=default_goal, options=metric_options)
metric_label = cols[2].selectbox(common.tr("ab.goal"), metric_options, key="ab_goal")
common.publish("goal", "ab_goal", metric_label, default=default_goal)
common.restore("awin", "ab_window", default="none")
window_text = cols[3].text_input(common.tr("ab.window"), key="ab_window",
                                 help="e.g. 14d, 48h, or none for no limit")
try:
    window = parse_window(window_text)
    common.publish("awin", "ab_window", window_text.strip().lower(), default="none")
except CJError as exc:
    st.warning(f"{common.md(exc.message)}. Using no window.")
    window = None
common.link_notes()

try:
    if metric_label.startswith("conversion to "):
        goal = metric_label[len("conversion to "):]
        result = common.cached(abtest.conversion_test, meta, goal=goal, experiment=experiment, control=control,
                               window=window)
    else:
        metric = metric_label.split(" ")[0]
        result = common.cached(abtest.metric_test, meta, metric=metric, experiment=experiment, control=control,
                               window=window)
except CJError as exc:
    common.show_error(exc)
    st.stop()

if result.srm.srm_warning:
    counts = ", ".join(f"{common.md(k)}: {v:,}" for k, v in result.srm.observed.items())
    st.error(f"**Sample-ratio mismatch** (p = {result.srm.p_value:.2g}): the split of customers ({counts}) is not "
             f"the expected one. Assignment or logging is likely broken; do not trust the results until it is "
             f"explained.", icon=":material/warning:")

verdict = texts.ab_verdict(result, common.language())
best = next((cmp for cmp in result.comparisons if cmp.significant), None)
box = st.success if best is not None and (best.lift_abs or 0) > 0 else st.info
box(common.md(verdict), icon=":material/science:")
for note in result.notes:
    st.caption(common.md(note))

vdf = result.variants_frame()
cdf = result.comparisons_frame()
left, right = st.columns(2)
if result.kind == "conversion":
    left.altair_chart(charts.variant_rates_chart(vdf, value="rate", title=f"{result.label} by variant (95% CI)"),
                      width="stretch")
else:
    left.altair_chart(charts.variant_rates_chart(vdf, value="mean", title=f"{result.label} by variant (95% CI)",
                                                 fmt=",.2f"), width="stretch")
if cdf["lift_rel"].notna().any():
    right.altair_chart(charts.lift_chart(cdf), width="stretch")

st.subheader(common.tr("ab.variants"))
st.dataframe(vdf, hide_index=True, width="stretch", key="ab_variants",
             column_config={"rate": st.column_config.NumberColumn(format="percent"),
                            "ci_low": st.column_config.NumberColumn(format="percent"),
                            "ci_high": st.column_config.NumberColumn(format="percent")}
             if result.kind == "conversion" else None)
st.subheader(common.tr("ab.against"))
st.caption("p_value: two-proportion z-test (Fisher's exact test for small counts) or Welch's t-test; "
           "p_value_holm: Holm-corrected across the variants; chance_to_win and expected_loss: Bayesian, "
           "Beta(1,1) prior (Gaussian for means).")
st.dataframe(cdf, hide_index=True, width="stretch", key="ab_comparisons")
common.download_table(cdf.merge(vdf, on="variant", how="outer"), f"abtest-{experiment}", key="dl_ab")

if len(stages) > 1:
    st.subheader(common.tr("ab.where"))
    try:
        lifts = common.cached(abtest.stage_lifts, meta, stages=stages, experiment=experiment, control=control,
                              window=window)
        if lifts["lift_rel"].notna().any():
            st.altair_chart(charts.stage_lift_chart(lifts, stages), width="stretch")
        st.dataframe(lifts, hide_index=True, width="stretch", key="ab_stage_lifts")
        common.download_table(lifts, f"abtest-{experiment}-stages", key="dl_ab_stages",
                              label="Download stage table (CSV)")
    except CJError as exc:
        common.show_error(exc)

with st.expander(common.tr("ab.plan")):
    ctrl = next((v for v in result.variants if v.variant == control), None)
    base_default = float(ctrl.rate) if result.kind == "conversion" and ctrl and ctrl.rate else 0.10
    p1, p2, p3 = st.columns(3)
    baseline = p1.number_input("Baseline conversion", 0.001, 0.999, round(min(max(base_default, 0.001), 0.999), 4), format="%.4f",
                               key="plan_baseline")
    mde = p2.number_input("Minimum detectable lift (absolute, points)", 0.001, 0.5, 0.01, format="%.3f",
                          key="plan_mde")
    power = p3.number_input("Power", 0.5, 0.99, 0.8, key="plan_power")
    try:
        n = abtest.sample_size(baseline, mde_abs=mde, power=power)
        st.write(f"You need **{int(n):,} customers per variant** to detect {baseline:.2%} → {baseline + mde:.2%} "
                 f"with {power:.0%} power at α = 0.05 (two-sided).")
        if ctrl is not None and ctrl.customers:
            m = abtest.minimum_detectable_effect(baseline, ctrl.customers, power=power)
            if m is not None:
                st.write(f"With the {ctrl.customers:,} customers per variant in this test, the smallest lift it can "
                         f"detect is **{m * 100:.2f} points**.")
    except CJError as exc:
        common.show_error(exc)
