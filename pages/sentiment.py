"""Sentiment: how customers feel at each stage, from their feedback text and ratings."""
from __future__ import annotations

import streamlit as st

from cj import charts, i18n, sentiment, store
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
lang = common.language()
st.title(common.tr("nav.sentiment"))
c = common.con()
cols = set(meta.columns)
if not ({"feedback", "rating", "sentiment"} & cols):
    st.info(common.tr("sent.no_column"))
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
by = f1.selectbox(common.tr("sent.by"), by_options, key="sent_by", format_func=common.dim_label)
if by == "segment" and "segment" not in cols:
    st.rerun()
common.publish("by", "sent_by", by, default="stage")
filters = {}
if "touchpoint" in cols:
    tps = common.cached(common.distinct_values, meta, column="touchpoint")
    common.restore("tp", "sent_tp", default="all", options=["all", *tps])
    tp = f2.selectbox(common.tr("sent.touchpoint"), ["all", *tps], key="sent_tp",
                      format_func=lambda v: common.tr("opt.all") if v == "all" else v)
    common.publish("tp", "sent_tp", tp, default="all")
    if tp != "all":
        filters["touchpoint"] = [tp]
if "segment" in cols:
    segs = common.cached(common.distinct_values, meta, column="segment", cache_extra=common.segments_key(meta))
    common.restore("seg", "sent_seg", default="all", options=["all", *segs])
    seg = f3.selectbox(common.tr("sent.segment"), ["all", *segs], key="sent_seg",
                       format_func=lambda v: common.tr("opt.all") if v == "all" else i18n.segment_label(v, lang))
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
    st.info(common.tr("sent.no_values"))
    st.stop()
shown = table
if by == "segment" and lang != "en":     # rule-made segment names in the UI language (display only)
    curve[by] = [i18n.segment_label(v, lang) for v in curve[by]]
    shown = table.assign(segment=[i18n.segment_label(v, lang) for v in table["segment"]])
order = list(meta.stage_order) if by == "stage" else list(curve[by])
lowest = curve.loc[curve["mean"].idxmin()]
where = i18n.stage_label(str(lowest[by]), lang) if by == "stage" else str(lowest[by])
st.markdown(common.tr("sent.lowest_line", label=common.tr("sent.lowest"), where=common.md(where),
                      mean=i18n.format_value(i18n.V("signed", lowest["mean"]), lang),
                      neg=i18n.pct_text(lowest["share_negative"], lang), n=common.num(int(lowest["n"]))))
common.chart(charts.emotion_curve(curve, by=by, order=order, lang=lang))

st.subheader(common.tr("sent.by_heading", by=common.dim_label(by)))
st.caption(common.tr("sent.source_note"))
common.table(shown, key="sent_table", formats={"mean": "%+.2f", "ci_low": "%+.2f", "ci_high": "%+.2f",
                                               "mean_rating": "%.2f", "nps": "%.0f"})
common.download_table(table, f"sentiment-by-{by}", key="dl_sent")

if "feedback" in cols and by == "stage":
    st.subheader(common.tr("sent.pain"))
    stages = list(curve["stage"])
    common.restore("stage", "sent_stage", default=str(lowest["stage"]), options=stages)
    stage = st.selectbox(common.tr("sent.stage"), stages, key="sent_stage",
                         format_func=lambda s: i18n.stage_label(s, lang))
    common.publish("stage", "sent_stage", stage, default=str(lowest["stage"]))
    pains = common.cached(sentiment.pain_points, meta, cache_extra=extra, stage=stage, top=10)
    if pains.empty:
        st.caption(common.tr("sent.no_phrases"))
    else:
        st.caption(common.tr("sent.phrases_note"))
        common.table(pains.drop(columns=["examples"]), key="sent_pains", formats={"z": "%.1f"})
        st.markdown(f"**{common.tr('sent.said')}**")
        for r in pains.head(5).itertuples():
            for q in list(r.examples)[:1]:
                st.text(f"“{q}” — {r.phrase}")       # plain text: never HTML or markdown

if by == "stage" and len(meta.stage_order) > 1:
    st.subheader(common.tr("sent.drop"))
    drop = common.cached(sentiment.drop_after_negative, meta, cache_extra=extra, stage_order=list(meta.stage_order))
    if not drop.empty:
        st.caption(common.tr("sent.drop_note"))
        common.table(drop, key="sent_drop", formats={"chi2": "%.1f", "p_value": "%.4f"})
