"""Sentiment: how customers feel at each stage, from their feedback text and ratings."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from cj import sentiment, store
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
st.title(common.tr("nav.sentiment"))
c = common.con()
cols = set(meta.columns)
if not ({"feedback", "rating", "sentiment"} & cols):
    st.info("This dataset has no feedback text, rating or sentiment column: map one on the Data page.")
    st.stop()

if st.query_params.get("by") == "segment" or st.session_state.get("sent_by") == "segment" \
        or st.query_params.get("seg"):
    common.attach_segments(meta)        # clustering runs only when segments are asked for
cols = set(store.table_columns(c, "events"))
common.ensure_scored(meta)

by_options = ["stage"] + [b for b in ("touchpoint", "segment", "variant", "device", "country")
                          if b in cols or (b == "segment" and meta.stage_order)]
f1, f2, f3 = st.columns(3)
common.restore("by", "sent_by", default="stage", options=by_options)
by = f1.selectbox(common.tr("sent.by"), by_options, key="sent_by")
if by == "segment" and "segment" not in cols:
    st.rerun()
common.publish("by", "sent_by", by, default="stage")
filters = {}
if "touchpoint" in cols:
    tps = common.cached(common.distinct_values, meta, column="touchpoint")
    common.restore("tp", "sent_tp", default="all", options=["all", *tps])
    tp = f2.selectbox(common.tr("sent.touchpoint"), ["all", *tps], key="sent_tp")
    common.publish("tp", "sent_tp", tp, default="all")
    if tp != "all":
        filters["touchpoint"] = [tp]
if "segment" in cols:
    segs = common.cached(common.distinct_values, meta, column="segment", cache_extra=common.segments_key(meta))
    common.restore("seg", "sent_seg", default="all", options=["all", *segs])
    seg = f3.selectbox(common.tr("sent.segment"), ["all", *segs], key="sent_seg")
    common.publish("seg", "sent_seg", seg, default="all")
    if seg != "all":
        filters["segment"] = [seg]
common.link_notes()

extra = common.segments_key(meta) + "|scored"
try:
    table = common.cached(sentiment.sentiment_by, meta, cache_extra=extra, by=by,
                          stage_order=list(meta.stage_order) if by == "stage" else None, filters=filters or None)
except CJError as exc:
    common.show_error(exc)
    st.stop()

curve = table.dropna(subset=["mean"]).copy()
if curve.empty:
    st.info("No feedback, rating or sentiment values match these filters.")
    st.stop()
order = list(meta.stage_order) if by == "stage" else list(curve[by])
lowest = curve.loc[curve["mean"].idxmin()]
st.markdown(f"{common.tr('sent.lowest')}: **{common.md(lowest[by])}** (mean {lowest['mean']:+.2f}, "
            f"{lowest['share_negative']:.0%} negative, from {int(lowest['n']):,} values).")
band = alt.Chart(curve).mark_area(opacity=0.2, color="#1f77b4").encode(
    x=alt.X(f"{by}:N", sort=order, title=None), y=alt.Y("ci_low:Q", title="mean sentiment (−1 … +1)",
                                                          scale=alt.Scale(domain=[-1, 1])), y2="ci_high:Q")
line = alt.Chart(curve).mark_line(point=alt.OverlayMarkDef(size=80), color="#1f77b4").encode(
    x=alt.X(f"{by}:N", sort=order), y="mean:Q",
    tooltip=[f"{by}:N", alt.Tooltip("mean:Q", format="+.2f"), alt.Tooltip("ci_low:Q", format="+.2f"),
             alt.Tooltip("ci_high:Q", format="+.2f"), alt.Tooltip("share_negative:Q", format=".0%"), "n:Q",
             "source:N"])
zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(y="y:Q")
st.altair_chart((band + zero + line).properties(title=common.tr("sent.curve"), height=320), width="stretch")

st.subheader("By " + by)
st.caption("source: where each figure comes from — an explicit sentiment column first, then the feedback text "
           "(scored offline, EN/RU/ZH), then ratings mapped onto −1…+1. NPS appears when ratings are 0–10.")
st.dataframe(table, hide_index=True, width="stretch", key="sent_table",
             column_config={k: st.column_config.NumberColumn(format="percent")
                            for k in ("share_negative", "share_neutral", "share_positive")})
common.download_table(table, f"sentiment-by-{by}", key="dl_sent")

if "feedback" in cols and by == "stage":
    st.subheader(common.tr("sent.pain"))
    stages = list(curve["stage"])
    common.restore("stage", "sent_stage", default=str(lowest["stage"]), options=stages)
    stage = st.selectbox(common.tr("sent.stage"), stages, key="sent_stage")
    common.publish("stage", "sent_stage", stage, default=str(lowest["stage"]))
    pains = common.cached(sentiment.pain_points, meta, cache_extra=extra, stage=stage, top=10)
    if pains.empty:
        st.caption("Not enough negative feedback at this stage to find phrases.")
    else:
        st.caption("Phrases over-represented in negative feedback at this stage compared with the rest of its "
                   "feedback (log-odds with an informative prior; z > 2 is notable).")
        st.dataframe(pains.drop(columns=["examples"]), hide_index=True, width="stretch", key="sent_pains")
        st.markdown(f"**{common.tr('sent.said')}**")
        for r in pains.head(5).itertuples():
            for q in list(r.examples)[:1]:
                st.text(f"“{q}” — {r.phrase}")       # plain text: never HTML or markdown

if by == "stage" and len(meta.stage_order) > 1:
    st.subheader(common.tr("sent.drop"))
    drop = common.cached(sentiment.drop_after_negative, meta, cache_extra=extra, stage_order=list(meta.stage_order))
    if not drop.empty:
        st.caption("Share who never reached the next stage: customers who left negative feedback at the stage vs "
                   "everyone else (chi-square).")
        st.dataframe(drop, hide_index=True, width="stretch", key="sent_drop",
                     column_config={k: st.column_config.NumberColumn(format="percent")
                                    for k in ("drop_rate_negative", "drop_rate_other", "difference")})
