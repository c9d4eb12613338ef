"""Funnel: where customers drop out between stages, with breakdowns, trend and paths."""
from __future__ import annotations

import streamlit as st

from cj import charts, funnel, i18n, store, texts
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
lang = common.language()
st.title(common.tr("nav.funnel"))
c = common.con()
if st.query_params.get("by") == "segment" or st.session_state.get("fn_by") == "segment":
    common.attach_segments(meta)        # clustering runs only when the segment breakdown is asked for
cols = store.table_columns(c, "events")

# ------------------------------------------------------------------ controls
col_options = [x for x in ("stage", "event") if x in cols]
k1, k2, k3, k4 = st.columns([1, 4, 1.3, 1])
common.restore("col", "fn_col", default="stage" if meta.stage_order else col_options[-1], options=col_options)
step_col = k1.selectbox(common.tr("funnel.steps_are"), col_options, key="fn_col", format_func=common.dim_label)
common.publish("col", "fn_col", step_col, default="stage")
values = common.cached(common.distinct_values, meta, column=step_col, limit=60)
default_steps = ",".join(meta.stage_order) if step_col == "stage" and meta.stage_order else ",".join(values[:5])
if st.session_state.get("_fn_col_prev") not in (None, step_col):
    st.session_state.pop("fn_steps", None)
    st.session_state.pop("_keep_fn_steps", None)
st.session_state["_fn_col_prev"] = step_col
common.restore("steps", "fn_steps", default=default_steps)
steps_text = k2.text_input(common.tr("funnel.steps"), key="fn_steps",
                           help=common.tr("funnel.steps_help"))
modes = ["ordered", "strict", "unordered", "open"]
common.restore("mode", "fn_mode", default="ordered", options=modes)
mode = k3.selectbox(common.tr("funnel.mode"), modes, key="fn_mode", format_func=lambda m: common.tr(f"mode.{m}"),
                    help=common.tr("funnel.mode_help"))
common.restore("window", "fn_window", default="30d")
window_text = k4.text_input(common.tr("funnel.window"), key="fn_window", help=common.tr("funnel.window_help"))
k5, k6, k7 = st.columns([1, 2, 1])
pers = ["customer"] + (["session"] if "session_id" in cols else [])
common.restore("per", "fn_per", default="customer", options=pers)
per = k5.selectbox(common.tr("funnel.count"), pers, key="fn_per", format_func=lambda p: common.tr(f"per.{p}"))
by_options = ["(none)"] + [x for x in ("touchpoint", "segment", "variant", "experiment", "device", "country")
                           if x in cols or (x == "segment" and meta.stage_order)] + [x for x in cols if x not in {
    "customer_id", "timestamp", "stage", "event", "touchpoint", "segment", "variant", "experiment", "device",
    "country", "revenue", "rating", "feedback", "session_id", "sentiment", "_record"}]
common.restore("by", "fn_by", default="(none)", options=by_options)
by = k6.selectbox(common.tr("funnel.by"), by_options, key="fn_by",
                  format_func=lambda b: common.tr("opt.none") if b == "(none)" else common.dim_label(b))
if by == "segment" and "segment" not in cols:
    st.rerun()                          # attach the segments (above) and draw again
grains = ["week", "month"]
common.restore("grain", "fn_grain", default="week", options=grains)
grain = k7.selectbox(common.tr("funnel.grain"), grains, key="fn_grain", format_func=lambda g: common.tr(f"grain.{g}"))

try:
    steps = funnel.parse_steps(steps_text)
    window = funnel.parse_window(window_text)
except CJError as exc:
    common.show_error(exc)
    st.stop()
for p, k, v, d in (("steps", "fn_steps", steps_text, default_steps), ("mode", "fn_mode", mode, "ordered"),
                   ("window", "fn_window", window_text.strip().lower(), "30d"), ("per", "fn_per", per, "customer"),
                   ("by", "fn_by", by, "(none)"), ("grain", "fn_grain", grain, "week")):
    common.publish(p, k, v, default=d)
common.link_notes()
st.caption(common.tr("funnel.available", values=common.md(", ".join(values[:40])) + (" …" if len(values) > 40 else "")))

args = dict(step_col=step_col, mode=mode, window=window, per=per)
small = int(meta.report.get("rows_usable", 0)) < 300_000
extra = common.segments_key(meta)
try:
    res = common.cached(funnel.funnel, meta, cache_extra=extra, steps=steps, **args)
except CJError as exc:
    common.show_error(exc)
    st.stop()

df = res.steps.copy()
unit = "sessions" if per == "session" else "customers"
st.markdown(texts.funnel_summary(df, per=per, mode=mode, lang=lang, escape=common.md))

# ------------------------------------------------------------------ funnel chart + table
common.chart(charts.funnel_chart(df, mode=mode, unit=unit, lang=lang))
table = df
common.table(table, key="fn_table")
st.caption(common.tr("funnel.in_window_note"))
d1, d2, d3 = st.columns([1, 1, 2])
with d1:
    common.download_table(table, "funnel", key="dl_funnel")
with d2:
    at_step = st.selectbox(common.tr("funnel.dropped_at"), list(range(2, len(steps) + 1)), key="fn_drop_step",
                           format_func=lambda i: f"{i}. {df.iloc[i - 1]['step']}") if len(steps) > 1 else None
with d3:
    if at_step and (small or st.button(common.tr("funnel.prep_dropped"), key="fn_prep_dropped")
                    or st.session_state.get("_fn_dropped_ready") == (at_step, repr(args), steps_text)):
        st.session_state["_fn_dropped_ready"] = (at_step, repr(args), steps_text)
        dropped = common.cached(funnel.dropped_customers, meta, cache_extra=extra, steps=steps, at_step=at_step,
                                **args)
        common.download_table(dropped, f"dropped-at-step-{at_step}", key="dl_dropped",
                              label=common.tr("funnel.dl_dropped", n=common.num(len(dropped)), unit=i18n.t(f"unit.{unit}", lang)))

# ------------------------------------------------------------------ breakdown
if by != "(none)":
    st.subheader(common.tr("funnel.by_heading", by=common.md(common.dim_label(by))))
    try:
        br = common.cached(funnel.funnel_by, meta, cache_extra=extra, steps=steps, by=by, **args)
        bdf = br.steps.copy()
        shown = bdf
        tests = br.tests.copy()
        if by == "segment" and lang != "en":      # rule-made segment names in the UI language (display only)
            shown = bdf.assign(group=[i18n.segment_label(g, lang) for g in bdf["group"]])
            for c in ("lowest_group", "highest_group"):
                if c in tests.columns:
                    tests[c] = [i18n.segment_label(g, lang) if isinstance(g, str) else g for g in tests[c]]
        common.chart(charts.funnel_by_chart(shown, by=by, unit=unit, lang=lang))
        st.caption(common.tr("funnel.tests_note"))
        common.table(tests, key="fn_tests", formats={"p_value": "%.4f", "p_adjusted": "%.4f", "chi2": "%.1f"})
        common.download_table(bdf, f"funnel-by-{by}", key="dl_funnel_by")
    except CJError as exc:
        common.show_error(exc)

# ------------------------------------------------------------------ time to convert + trend
# Each of these recomputes the funnel; on big data they are opt-in so a control change stays fast.
extras_on = st.toggle(common.tr("funnel.more"), value=small, key="fn_more",
                      help=common.tr("funnel.more_help"))
if len(steps) > 1 and extras_on:
    left, right = st.columns(2)
    ttc = common.cached(funnel.time_to_convert, meta, cache_extra=extra, steps=steps, **args)
    t = ttc[(ttc["measure"] == "from_start") & (ttc["step_index"] == len(steps))].copy()
    if not t.empty and t["units"].sum() > 0:
        t["bin"] = [common.duration_label(x) for x in t["bin_low_seconds"]]
        common.chart(charts.time_to_convert_chart(
            t, last_step=i18n.stage_label(steps[-1][0], lang), median=common.duration_label(t["median_seconds"].iloc[0]),
            unit=unit, lang=lang), left)
    trend = common.cached(funnel.conversion_trend, meta, cache_extra=extra, steps=steps, grain=grain, **args)
    if not trend.empty:
        common.chart(charts.trend_chart(trend, grain=grain, lang=lang), right)

# ------------------------------------------------------------------ paths
if len(steps) > 1 and extras_on:
    st.subheader(common.tr("funnel.paths"))
    p1, p2 = st.columns(2)
    with p1:
        drop_at = at_step or 2
        nxt = common.cached(funnel.next_after_drop, meta, cache_extra=extra, steps=steps, at_step=drop_at,
                            col="event" if "event" in cols else step_col, top=10, **args)
        if not nxt.empty:
            common.chart(charts.next_after_drop_chart(nxt, at_step=drop_at, unit=unit, lang=lang))
    with p2:
        tm = common.cached(funnel.transition_matrix, meta, cache_extra=extra, col="stage" if "stage" in cols
                           else step_col, order=list(meta.stage_order) or None)
        if not tm.empty:
            common.chart(charts.transitions_chart(tm, order=list(meta.stage_order) or None, lang=lang))
    a, b = steps[0][0], steps[-1][0]
    paths = common.cached(funnel.top_paths, meta, cache_extra=extra, from_value=a, to_value=b, col=step_col,
                          max_len=6, top=10, per=per)
    if not paths.empty:
        st.markdown("**" + common.tr("funnel.top_paths", a=common.md(i18n.stage_label(a, lang)),
                                     b=common.md(i18n.stage_label(b, lang))) + "**")
        common.table(paths, key="fn_paths")
