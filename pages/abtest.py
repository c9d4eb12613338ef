"""A/B tests: did a variant win, at which stage, and can the test be trusted?"""
from __future__ import annotations

import streamlit as st

from cj import abtest, charts, i18n, texts
from cj.errors import CJError
from cj.timeparse import parse_window
from pages import common

meta = common.require_dataset()
c = common.con()
lang = common.language()
st.title(common.tr("nav.abtest"))

try:
    exps = common.cached(abtest.experiments, meta)
except CJError as exc:
    exps = []
    common.show_error(exc)
if not exps:
    st.info(common.tr("ab.no_experiment"))
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
def _goal_text(option: str) -> str:
    if lang == "en":
        return option
    if option.startswith("conversion to "):
        return common.tr("ab.goal.conversion", stage=i18n.stage_label(option[len("conversion to "):], lang))
    metric = option.split(" ")[0]
    return common.tr("ab.goal.per_customer", metric=i18n.column_label(metric, lang))


metric_label = cols[2].selectbox(common.tr("ab.goal"), metric_options, key="ab_goal", format_func=_goal_text)
common.publish("goal", "ab_goal", metric_label, default=default_goal)
common.restore("awin", "ab_window", default="none")
window_text = cols[3].text_input(common.tr("ab.window"), key="ab_window",
                                 help=common.tr("ab.window_help"))
try:
    window = parse_window(window_text)
    common.publish("awin", "ab_window", window_text.strip().lower(), default="none")
except CJError as exc:
    st.warning(common.tr("ab.no_window", reason=common.md(exc.message)))
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
    counts = ", ".join(f"{common.md(k)}: {common.num(v)}" for k, v in result.srm.observed.items())
    st.error(common.tr("ab.srm_box", p=i18n.p_text(result.srm.p_value, lang), counts=counts), icon=":material/warning:")

verdict = texts.ab_verdict(result, lang)
best = next((cmp for cmp in result.comparisons if cmp.significant), None)
box = st.success if best is not None and (best.lift_abs or 0) > 0 else st.info
box(common.md(verdict), icon=":material/science:")
for note in result.notes:
    st.caption(common.md(note))

vdf = result.variants_frame()
cdf = result.comparisons_frame()
left, right = st.columns(2)
rates_title = common.tr("ch.by_variant", label=texts.ab_label(result, lang))
if result.kind == "conversion":
    common.chart(charts.variant_rates_chart(vdf, value="rate", title=rates_title, lang=lang), left)
else:
    common.chart(charts.variant_rates_chart(vdf, value="mean", title=rates_title, fmt=",.2f", lang=lang), left)
if cdf["lift_rel"].notna().any():
    common.chart(charts.lift_chart(cdf, lang=lang), right)

st.subheader(common.tr("ab.variants"))
common.table(vdf, key="ab_variants", formats={"rate": "percent", "ci_low": "percent", "ci_high": "percent"}
             if result.kind == "conversion" else {"mean": "%.2f", "ci_low": "%.2f", "ci_high": "%.2f"})
st.subheader(common.tr("ab.against"))
st.caption(common.tr("ab.p_note"))
AB_FORMATS = {"lift_rel": "percent", "ci_rel_low": "percent", "ci_rel_high": "percent", "p_value": "%.4f",
              "p_value_holm": "%.4f", "expected_loss": "%.4f", "lift_abs": "%.4f"}
common.table(cdf, key="ab_comparisons", formats=AB_FORMATS)
common.download_table(cdf.merge(vdf, on="variant", how="outer"), f"abtest-{experiment}", key="dl_ab")

if len(stages) > 1:
    st.subheader(common.tr("ab.where"))
    try:
        lifts = common.cached(abtest.stage_lifts, meta, stages=stages, experiment=experiment, control=control,
                              window=window)
        if lifts["lift_rel"].notna().any():
            common.chart(charts.stage_lift_chart(lifts, stages, lang=lang))
        common.table(lifts, key="ab_stage_lifts", formats=AB_FORMATS)
        common.download_table(lifts, f"abtest-{experiment}-stages", key="dl_ab_stages",
                              label=common.tr("ab.dl_stages"))
    except CJError as exc:
        common.show_error(exc)

with st.expander(common.tr("ab.plan")):
    ctrl = next((v for v in result.variants if v.variant == control), None)
    base_default = float(ctrl.rate) if result.kind == "conversion" and ctrl and ctrl.rate else 0.10
    p1, p2, p3 = st.columns(3)
    baseline = p1.number_input(common.tr("ab.baseline"), 0.001, 0.999, round(min(max(base_default, 0.001), 0.999), 4), format="%.4f",
                               key="plan_baseline")
    mde = p2.number_input(common.tr("ab.mde"), 0.001, 0.5, 0.01, format="%.3f",
                          key="plan_mde")
    power = p3.number_input(common.tr("ab.power"), 0.5, 0.99, 0.8, key="plan_power")
    try:
        n = abtest.sample_size(baseline, mde_abs=mde, power=power)
        st.write(common.tr("ab.need", n=common.num(int(n)), a=i18n.pct_text(baseline, lang, 2),
                           b=i18n.pct_text(baseline + mde, lang, 2), power=i18n.pct_text(power, lang, 0)))
        if ctrl is not None and ctrl.customers:
            m = abtest.minimum_detectable_effect(baseline, ctrl.customers, power=power)
            if m is not None:
                st.write(common.tr("ab.can_detect", n=common.num(ctrl.customers), m=common.num(m * 100, 2)))
    except CJError as exc:
        common.show_error(exc)
