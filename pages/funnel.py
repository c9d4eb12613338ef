"""Funnel: where customers drop out between stages, with breakdowns, trend and paths."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from cj import funnel, store, texts
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
st.title(common.tr("nav.funnel"))
c = common.con()
if st.query_params.get("by") == "segment" or st.session_state.get("fn_by") == "segment":
    common.attach_segments(meta)        # clustering runs only when the segment breakdown is asked for
cols = store.table_columns(c, "events")

# ------------------------------------------------------------------ controls
col_options = [x for x in ("stage", "event") if x in cols]
k1, k2, k3, k4 = st.columns([1, 4, 1.3, 1])
common.restore("col", "fn_col", default="stage" if meta.stage_order else col_options[-1], options=col_options)
step_col = k1.selectbox(common.tr("funnel.steps_are"), col_options, key="fn_col")
common.publish("col", "fn_col", step_col, default="stage")
values = common.cached(common.distinct_values, meta, column=step_col, limit=60)
default_steps = ",".join(meta.stage_order) if step_col == "stage" and meta.stage_order else ",".join(values[:5])
if st.session_state.get("_fn_col_prev") not in (None, step_col):
    st.session_state.pop("fn_steps", None)
    st.session_state.pop("_keep_fn_steps", None)
st.session_state["_fn_col_prev"] = step_col
common.restore("steps", "fn_steps", default=default_steps)
steps_text = k2.text_input(common.tr("funnel.steps"), key="fn_steps",
                           help="e.g. awareness,interest,consideration|cart,purchase")
modes = ["ordered", "strict", "unordered", "open"]
common.restore("mode", "fn_mode", default="ordered", options=modes)
mode = k3.selectbox(common.tr("funnel.mode"), modes, key="fn_mode",
                    help="ordered: steps in order within the window (ties allowed); strict: consecutive events; "
                         "unordered: any order within the window; open: ever reached each step")
common.restore("window", "fn_window", default="30d")
window_text = k4.text_input(common.tr("funnel.window"), key="fn_window", help="30d, 12h, 2w … or none")
k5, k6, k7 = st.columns([1, 2, 1])
pers = ["customer"] + (["session"] if "session_id" in cols else [])
common.restore("per", "fn_per", default="customer", options=pers)
per = k5.selectbox(common.tr("funnel.count"), pers, key="fn_per", format_func=lambda p: p + "s")
by_options = ["(none)"] + [x for x in ("touchpoint", "segment", "variant", "experiment", "device", "country")
                           if x in cols or (x == "segment" and meta.stage_order)] + [x for x in cols if x not in {
    "customer_id", "timestamp", "stage", "event", "touchpoint", "segment", "variant", "experiment", "device",
    "country", "revenue", "rating", "feedback", "session_id", "sentiment", "_record"}]
common.restore("by", "fn_by", default="(none)", options=by_options)
by = k6.selectbox(common.tr("funnel.by"), by_options, key="fn_by")
if by == "segment" and "segment" not in cols:
    st.rerun()                          # attach the segments (above) and draw again
grains = ["week", "month"]
common.restore("grain", "fn_grain", default="week", options=grains)
grain = k7.selectbox(common.tr("funnel.grain"), grains, key="fn_grain")

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
st.caption("Available values: " + common.md(", ".join(values[:40])) + (" …" if len(values) > 40 else ""))

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
st.markdown(texts.funnel_summary(df, per=per, mode=mode, lang=common.language(), escape=common.md))

# ------------------------------------------------------------------ funnel chart + table
df["label"] = [f"{i}. {s}" for i, s in zip(df["step_index"], df["step"])]
order = list(df["label"])
bars = alt.Chart(df).mark_bar(color="#1f77b4").encode(
    y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
    x=alt.X("conversion_from_start:Q", title=f"share of starting {unit} (95% CI)", axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1])),
    tooltip=["step", "customers", alt.Tooltip("conversion_from_start:Q", format=".1%"),
             alt.Tooltip("conversion_from_previous:Q", format=".1%"), "dropped", "in_window"])
err = alt.Chart(df).mark_rule(color="black").encode(y=alt.Y("label:N", sort=order), x="ci_start_low:Q",
                                                    x2="ci_start_high:Q")
text = alt.Chart(df).mark_text(align="left", dx=4, color="black").encode(
    y=alt.Y("label:N", sort=order), x="conversion_from_start:Q", text=alt.Text("customers:Q", format=","))
st.altair_chart((bars + err + text).properties(height=44 * len(df) + 40, title=f"Funnel ({mode})"),
                width="stretch")

table = df.drop(columns=["label"])
st.dataframe(table, hide_index=True, width="stretch", key="fn_table",
             column_config={k: st.column_config.NumberColumn(format="percent") for k in (
                 "conversion_from_previous", "conversion_from_start", "ci_prev_low", "ci_prev_high",
                 "ci_start_low", "ci_start_high")})
st.caption("in_window: reached the previous step so recently that the window is still open at the end of the data "
           "(not yet converted, kept apart from dropped). Confidence intervals: Wilson 95%.")
d1, d2, d3 = st.columns([1, 1, 2])
with d1:
    common.download_table(table, "funnel", key="dl_funnel")
with d2:
    at_step = st.selectbox("Dropped at step", list(range(2, len(steps) + 1)), key="fn_drop_step",
                           format_func=lambda i: f"{i}. {df.iloc[i - 1]['step']}") if len(steps) > 1 else None
with d3:
    if at_step and (small or st.button("Prepare the list of those who dropped", key="fn_prep_dropped")
                    or st.session_state.get("_fn_dropped_ready") == (at_step, repr(args), steps_text)):
        st.session_state["_fn_dropped_ready"] = (at_step, repr(args), steps_text)
        dropped = common.cached(funnel.dropped_customers, meta, cache_extra=extra, steps=steps, at_step=at_step,
                                **args)
        common.download_table(dropped, f"dropped-at-step-{at_step}", key="dl_dropped",
                              label=f"Download the {len(dropped):,} {unit} who dropped (CSV)")

# ------------------------------------------------------------------ breakdown
if by != "(none)":
    st.subheader(f"By {common.md(by)}")
    try:
        br = common.cached(funnel.funnel_by, meta, cache_extra=extra, steps=steps, by=by, **args)
        bdf = br.steps.copy()
        bdf["label"] = [f"{i}. {s}" for i, s in zip(bdf["step_index"], bdf["step"])]
        st.altair_chart(alt.Chart(bdf).mark_line(point=True).encode(
            x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140)),
            y=alt.Y("conversion_from_start:Q", title=f"share of starting {unit}", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", title=by),
            tooltip=["group", "step", "customers", alt.Tooltip("conversion_from_start:Q", format=".1%"),
                     alt.Tooltip("conversion_from_previous:Q", format=".1%")]).properties(height=320),
            width="stretch")
        tests = br.tests.copy()
        st.caption("Does step conversion differ between groups? Chi-square per step on those who reached the previous "
                   "step; p_adjusted: Benjamini–Hochberg across steps.")
        st.dataframe(tests, hide_index=True, width="stretch", key="fn_tests")
        common.download_table(bdf.drop(columns=["label"]), f"funnel-by-{by}", key="dl_funnel_by")
    except CJError as exc:
        common.show_error(exc)

# ------------------------------------------------------------------ time to convert + trend
# Each of these recomputes the funnel; on big data they are opt-in so a control change stays fast.
extras_on = st.toggle("Time to convert, trend and paths", value=small, key="fn_more",
                      help="On for datasets under 300,000 events; switch on for bigger ones (each takes about "
                           "as long as the funnel itself).")
if len(steps) > 1 and extras_on:
    left, right = st.columns(2)
    ttc = common.cached(funnel.time_to_convert, meta, cache_extra=extra, steps=steps, **args)
    t = ttc[(ttc["measure"] == "from_start") & (ttc["step_index"] == len(steps))].copy()
    if not t.empty and t["units"].sum() > 0:
        t["bin"] = [_b for _b in (f"{_fmt}" for _fmt in map(common.duration_label, t["bin_low_seconds"]))]
        left.altair_chart(alt.Chart(t).mark_bar(color="#1f77b4").encode(
            x=alt.X("bin:N", sort=list(t["bin"]), title="time from step 1 (at least)",
                    axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("units:Q", title=unit), tooltip=["bin", "units", alt.Tooltip("share:Q", format=".1%")]
        ).properties(title=f"Time to reach {steps[-1][0]} (median {common.duration_label(t['median_seconds'].iloc[0])})",
                     height=280), width="stretch")
    trend = common.cached(funnel.conversion_trend, meta, cache_extra=extra, steps=steps, grain=grain, **args)
    if not trend.empty:
        band = alt.Chart(trend).mark_area(opacity=0.2).encode(
            x=alt.X("period:T", title=f"first seen ({grain})"), y=alt.Y("ci_low:Q", axis=alt.Axis(format="%"),
                                                                      title="converted to the last step"),
            y2="ci_high:Q")
        line = alt.Chart(trend).mark_line(point=True).encode(
            x="period:T", y="conversion:Q",
            tooltip=[alt.Tooltip("period:T"), "customers", "converted", alt.Tooltip("conversion:Q", format=".1%"),
                     "in_window"])
        right.altair_chart((band + line).properties(title="Conversion trend (95% CI)", height=280), width="stretch")

# ------------------------------------------------------------------ paths
if len(steps) > 1 and extras_on:
    st.subheader(common.tr("funnel.paths"))
    p1, p2 = st.columns(2)
    with p1:
        drop_at = at_step or 2
        nxt = common.cached(funnel.next_after_drop, meta, cache_extra=extra, steps=steps, at_step=drop_at,
                            col="event" if "event" in cols else step_col, top=10, **args)
        if not nxt.empty:
            st.altair_chart(alt.Chart(nxt).mark_bar(color="#d62728").encode(
                y=alt.Y("value:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
                x=alt.X("share:Q", axis=alt.Axis(format="%"), title=f"share of {unit} who dropped"),
                tooltip=["value", "customers", alt.Tooltip("share:Q", format=".1%")]).properties(
                title=f"Where those who dropped before step {drop_at} went instead", height=300), width="stretch")
    with p2:
        tm = common.cached(funnel.transition_matrix, meta, cache_extra=extra, col="stage" if "stage" in cols
                           else step_col, order=list(meta.stage_order) or None)
        if not tm.empty:
            so = list(meta.stage_order) or None
            st.altair_chart(alt.Chart(tm).mark_rect().encode(
                x=alt.X("to:N", sort=so, title="next stage"), y=alt.Y("from:N", sort=so, title="stage"),
                color=alt.Color("share:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format="%")),
                tooltip=["from", "to", "count", alt.Tooltip("share:Q", format=".1%")]).properties(
                title="Stage-to-stage transitions (share of moves from each stage)", height=300), width="stretch")
    a, b = steps[0][0], steps[-1][0]
    paths = common.cached(funnel.top_paths, meta, cache_extra=extra, from_value=a, to_value=b, col=step_col,
                          max_len=6, top=10, per=per)
    if not paths.empty:
        st.markdown(f"**Top paths from {common.md(a)} to {common.md(b)}**")
        st.dataframe(paths, hide_index=True, width="stretch", key="fn_paths",
                     column_config={"share": st.column_config.NumberColumn(format="percent")})
