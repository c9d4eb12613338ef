"""Journey map: the stages as columns, the emotion curve, a stage's detail, numbered findings,
ranked intervention points and KPIs — one computation (cj.findings.generate_findings), drawn here.

Text from the data (stage names, touchpoints, phrases, quotes, segment names) is only ever shown
escaped (common.md) or as plain text (st.text)."""
from __future__ import annotations

import json
import math

import pandas as pd
import streamlit as st

from cj import charts, findings, i18n, report
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
lang = common.language()
st.title(common.tr("nav.journey"))
stages = [str(s) for s in meta.stage_order]
if len(stages) < 2:
    st.info(common.tr("jm.need_stages"), icon=":material/info:")
    st.stop()

has_segments = common.attach_segments(meta)     # events gain a `segment` column: best/worst segment, headroom
common.ensure_scored(meta)
extra = common.segments_key(meta) + "|scored"
try:
    with st.spinner(common.tr("jm.mapping")):
        fs = common.cached(findings.generate_findings, meta, cache_extra=extra, stage_order=stages,
                           segments="auto" if has_segments else None)
except CJError as exc:
    common.show_error(exc)
    st.stop()
jm = fs.journey
fs = fs.in_language(lang)              # findings' texts in the UI language (numbers unchanged)
unit = jm.unit


def cap(s) -> str:
    return i18n._cap(i18n.stage_label(str(s), lang))


def pct(v, digits: int = 0) -> str:
    return "—" if v is None or pd.isna(v) else i18n.pct_text(v, lang, digits)


def seg_label(v) -> str:
    """A segment name as shown: rule-made names in the UI language, the user's names as typed."""
    return i18n.segment_label(v, lang)


def group_label(group, dim) -> str:
    """A group of a breakdown column as shown (segment names translated)."""
    return seg_label(group) if dim == "segment" and isinstance(group, str) else group


def show_groups(df: pd.DataFrame, group_col: str, dim_col: str) -> pd.DataFrame:
    """A copy for display: segment groups and the breakdown columns' names in the UI language."""
    if lang == "en" or group_col not in df.columns or dim_col not in df.columns:
        return df
    return df.assign(**{group_col: [group_label(g, d) for g, d in zip(df[group_col], df[dim_col])],
                        dim_col: [common.dim_label(d) if isinstance(d, str) and d else d for d in df[dim_col]]})


def is_text(v) -> bool:
    return isinstance(v, str) and v != ""


def finite(v) -> bool:
    try:
        return v is not None and not pd.isna(v) and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------ presentation mode
common.restore("present", "jm_present", default="0", options=["0", "1"])
present = st.toggle(common.tr("jm.present"), value=st.session_state["jm_present"] == "1", key="jm_present_toggle",
                    help=common.tr("jm.present_help"))
st.session_state["jm_present"] = "1" if present else "0"
common.publish("present", "jm_present", st.session_state["jm_present"], default="0")
if present:
    # Static CSS only (no data goes in here): hide the sidebar and toolbar, enlarge the type.
    st.markdown("<style>[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar']"
                "{display:none !important} .block-container{max-width:100% !important;padding-top:1rem}"
                " p, li, [data-testid='stMetricLabel'] p{font-size:1.6rem !important}"
                " [data-testid='stMetricValue'], [data-testid='stMetricValue'] *{font-size:4rem !important;"
                "line-height:1.2 !important}</style>",
                unsafe_allow_html=True)
    idx = st.session_state.setdefault("jm_slide", 0) % len(stages)
    b1, b2, b3 = st.columns([1, 6, 1])
    if b1.button("◀", key="jm_prev", disabled=idx == 0):
        st.session_state["jm_slide"] = idx - 1
        st.rerun()
    if b3.button("▶", key="jm_next", disabled=idx == len(stages) - 1):
        st.session_state["jm_slide"] = idx + 1
        st.rerun()
    r = jm.stage_row(stages[idx])
    b2.markdown(f"## {r['position']} / {len(stages)} · {common.md(cap(stages[idx]))}")
    m1, m2, m3 = st.columns(3)
    m1.metric(common.tr("jm.reached"), common.num(r["customers"]))
    if isinstance(r.get("next_stage"), str) and r.get("next_stage") and pd.notna(r.get("conversion_to_next")):
        m2.metric(common.tr("jm.move_on", stage=common.md(cap(r["next_stage"]))), pct(r["conversion_to_next"]))
    if pd.notna(r.get("mean_sentiment")):
        m3.metric(common.tr("jm.emotion_scale"), i18n.format_value(i18n.V("signed", r["mean_sentiment"]), lang))
    for f in fs.for_stage(stages[idx]):
        st.markdown(f"**{f.number}.** {common.md(f.text)}")
    if isinstance(r.get("pain_quote"), str) and r.get("pain_quote"):
        st.text(f"“{r['pain_quote']}” — {r.get('top_pain_point') or ''}")
    st.stop()

# ------------------------------------------------------------------ KPIs
kp = fs.kpis


def p_text(p) -> str:
    return i18n.p_text(p, lang) if finite(p) else common.tr("jm.not_tested")


def kpi_label(kpi: str) -> str:
    """Short enough for a metric label (long names go into the help)."""
    return common.tr(f"kpi.short.{kpi}") if f"kpi.short.{kpi}" in i18n.STRINGS else common.tr(f"kpi.{kpi}")


if len(kp):
    st.subheader(":material/monitoring: " + common.tr("jm.kpis"))
    per_row = 4                   # at most four per row: long labels (ru) are not cut at 1280 px
    rows = [list(kp.itertuples(index=False))[i:i + per_row] for i in range(0, len(kp), per_row)]
    for chunk in rows:
        for col, r in zip(st.columns(per_row), chunk):
            share = r.unit == "share"
            value = pct(r.value, 1) if share else common.num(r.value, 2)
            delta = None
            helptext = [common.tr(f"kpi.{r.kpi}"), common.tr("jm.kpi_n", n=common.num(r.n))]
            if r.kpi == "conversion_rate":
                helptext.append(common.tr("jm.kpi_reached", stage=i18n.stage_label(str(r.stage), lang)))
            if finite(r.change):
                significant = finite(r.p_adjusted) and r.p_adjusted < 0.05
                change = i18n.format_value(i18n.V("points", r.change), lang) if share else \
                    common.localized(f"{r.change:+,.2f}")
                p_part = p_text(r.p_adjusted) + ("" if significant else ", " + common.tr("jm.not_significant"))
                helptext.append(common.tr("jm.kpi_change", a=i18n.period_text(r.period_previous, lang),
                                          b=i18n.period_text(r.period_current, lang), change=change, p=p_part))
                if significant:       # a change is shown only where its test supports it
                    delta = f"{change} " + common.tr("jm.vs", period=i18n.period_text(r.period_previous, lang))
            col.metric(kpi_label(r.kpi), value, delta=delta, help=common.md("; ".join(helptext)))

# ------------------------------------------------------------------ the map: one column per stage
st.subheader(":material/route: " + common.tr("jm.journey"))
st.caption(common.tr("jm.map_caption", unit=i18n.t(f"unit.{unit}.subj", lang),
                     window="" if jm.params.get("window_seconds") is None else common.tr("jm.within_window")))
ex = jm.experiments
for col, r in zip(st.columns(len(jm.stages)), jm.stages.to_dict(orient="records")):
    s = r["stage"]
    with col:
        # h5 in small type: in a six-column row at 1280 px a larger heading breaks "Рассмотрение" mid-word
        st.markdown(f"##### :small[{r['position']}. {common.md(cap(s))}]")
        st.metric(common.tr("jm.reached"), common.num(r["customers"]),
                  help=common.tr("jm.help_reached", unit=i18n._cap(i18n.t(f"unit.{unit}.subj", lang))))
        if is_text(r["next_stage"]) and finite(r["conversion_to_next"]):
            # the label names no stage (it would be cut in a narrow column); the help does
            st.metric(common.tr("jm.continue_short"), pct(r["conversion_to_next"]),
                      delta=common.tr("jm.lost", n=common.num(r["lost_to_next"])) if pd.notna(r["lost_to_next"]) else None,
                      delta_color="normal" if pd.notna(r["lost_to_next"]) and r["lost_to_next"] > 0 else "off",
                      help=common.tr("jm.help_move_on", stage=common.md(cap(s)),
                                     next=common.md(cap(r["next_stage"]))))
        if finite(r["median_seconds_in_stage"]):
            st.metric(common.tr("jm.time"), common.duration_label(r["median_seconds_in_stage"]),
                      help=common.tr("jm.help_time"))
        tps = jm.touchpoints[jm.touchpoints["stage"] == s].head(3)
        if len(tps):
            st.markdown(f"**{common.tr('jm.touchpoints')}**")
            for t in tps.itertuples(index=False):
                conv = " · " + common.tr("jm.tp_move_on", share=pct(t.conversion)) if finite(t.conversion) else ""
                st.markdown(common.md(f"{t.touchpoint} {pct(t.share)}{conv}"))
        if finite(r["mean_sentiment"]):
            st.metric(common.tr("jm.emotion"), i18n.format_value(i18n.V("signed", r["mean_sentiment"]), lang),
                      help=common.tr("jm.help_emotion", n=common.num(r["sentiment_n"]), neg=pct(r["share_negative"])))
        if is_text(r["top_pain_point"]):
            st.markdown(f"**{common.tr('jm.top_pain')}**")
            st.markdown("**" + common.md(f"“{r['top_pain_point']}”") + "**")
            if is_text(r["pain_quote"]):
                st.text(f"“{r['pain_quote']}”")
        if is_text(r["best_segment"]):
            st.markdown(f"**{common.tr('jm.segments')}**")
            st.markdown(":material/arrow_upward: "
                        + common.md(f"{seg_label(r['best_segment'])} {pct(r['best_segment_conversion'])}"))
            if r["worst_segment"] != r["best_segment"]:
                st.markdown(":material/arrow_downward: "
                            + common.md(f"{seg_label(r['worst_segment'])} {pct(r['worst_segment_conversion'])}"))
        lifts = ex[(ex["stage"] == s) & ex["significant"].astype(bool)] if len(ex) else ex
        if len(lifts):
            st.markdown(f"**{common.tr('jm.experiments')}**")
            for x in lifts.itertuples(index=False):
                st.markdown(":material/science: " + common.md(common.tr(
                    "jm.exp_line", exp=x.experiment, variant=x.variant, control=x.control,
                    change=i18n.format_value(i18n.V("points", x.lift_abs), lang))))

# ------------------------------------------------------------------ emotion curve
emo = jm.emotion.dropna(subset=["mean"]).copy() if len(jm.emotion) else jm.emotion
if len(emo):
    emo["stage"] = emo["stage"].astype(str)
    curve = charts.emotion_curve(emo, by="stage", order=stages,
                                 lang=lang, height=260, point_size=120, big=True)
    st.altair_chart(charts.localize(curve, lang).configure_axis(titleFontSize=14, labelFontSize=14), width="stretch")
else:
    st.caption(common.tr("jm.no_emotion"))

# ------------------------------------------------------------------ one stage in detail
st.subheader(":material/zoom_in: " + common.tr("jm.detail"))
ip = fs.intervention_points
default_stage = str(ip.iloc[0]["stage"]) if len(ip) else stages[0]
common.restore("stage", "jm_stage", default=default_stage, options=stages)
stage = st.selectbox(common.tr("jm.stage"), stages, key="jm_stage", format_func=cap)
common.publish("stage", "jm_stage", stage, default=default_stage)
common.link_notes()
row = jm.stage_row(stage)
st.markdown(f"### {row['position']}. {common.md(cap(stage))}")
mine = fs.for_stage(stage)
if mine:
    for f in mine:
        st.markdown(f"**{f.number}.** {common.md(f.text)}")
else:
    st.caption(common.tr("jm.no_finding_stage"))
d1, d2 = st.columns(2)
with d1:
    st.markdown(f"**{common.tr('jm.touchpoints')}**")
    tp = jm.touchpoints[jm.touchpoints["stage"] == stage].drop(columns="stage")
    if len(tp):
        common.table(tp, key="jm_tp")
    else:
        st.caption(common.tr("jm.no_touchpoints"))
    groups = jm.transitions[(jm.transitions["stage"] == stage) & (jm.transitions["dim"] != "")]
    if len(groups):
        st.markdown(common.tr("jm.who_moves_on", stage=common.md(cap(row["next_stage"]))))
        common.table(show_groups(groups[["dim", "group", "units", "converted", "conversion", "median_seconds"]],
                                 "group", "dim"), key="jm_groups",
                     formats={"median_seconds": "%.0f"})
with d2:
    st.markdown(f"**{common.tr('jm.pains')}**")
    pp = jm.pain_points[jm.pain_points["stage"] == stage]
    if len(pp):
        common.table(pp.drop(columns=["stage", "quote"]), key="jm_pains", formats={"z": "%.1f"})
        for r in pp.itertuples(index=False):
            if is_text(r.quote):
                st.text(f"“{r.quote}” — {r.phrase}")
    else:
        st.caption(common.tr("jm.no_pains"))
    lifts = ex[ex["stage"] == stage] if len(ex) else ex
    if len(lifts):
        st.markdown(common.tr("jm.exp_stage"))
        common.table(lifts[["experiment", "variant", "control", "share", "lift_abs", "p_value_holm", "significant"]],
                     key="jm_lifts", formats={"lift_abs": "%.4f", "p_value_holm": "%.4f"})

# ------------------------------------------------------------------ findings, intervention points
st.subheader(":material/format_list_numbered: " + common.tr("jm.findings"))
if fs.findings:
    for f in fs.findings:
        st.markdown(f"**{f.number}.** {common.md(f.text)}", help=common.md(f.source))
else:
    st.info(common.tr("jm.no_findings"), icon=":material/info:")
for n in fs.notes:
    st.caption(common.md(n))

st.subheader(":material/target: " + common.tr("jm.interventions"))
st.caption(common.tr("jm.ip_caption"))
if len(ip):
    common.table(show_groups(ip, "headroom_group", "headroom_dim"), key="jm_ip", formats={"score": "%.0f"})
e1, e2, e3 = st.columns(3)
with e1:
    st.download_button(common.tr("jm.findings_md"), fs.to_markdown().encode("utf-8"), file_name="journey-findings.md",
                       mime="text/markdown", key="dl_jm_md", icon=":material/description:")
with e2:
    st.download_button(common.tr("jm.findings_json"), json.dumps(fs.to_json(), ensure_ascii=False, indent=1, default=str)
                       .encode("utf-8"), file_name="journey-findings.json", mime="application/json",
                       key="dl_jm_json", icon=":material/data_object:")
with e3:
    common.download_table(ip, "intervention-points", key="dl_jm_ip")

# ------------------------------------------------------------------ exports for meetings
st.subheader(":material/slideshow: " + common.tr("jm.meeting"))
st.caption(common.tr("jm.exports_note"))
x1, x2 = st.columns(2)
with x1:
    if st.button(common.tr("jm.prep_pptx"), key="jm_prep_pptx", icon=":material/slideshow:") or \
            st.session_state.get("_jm_pptx_ready") == common.version_key(meta):
        st.session_state["_jm_pptx_ready"] = common.version_key(meta)
        with st.spinner(common.tr("jm.building_deck")):
            deck = common.cached(report.pptx_report, meta, cache_extra=extra, meta=meta, lang=lang)
        st.download_button(common.tr("jm.dl_pptx"), deck, file_name=f"{meta.name}-journey.pptx",
                           mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                           key="dl_jm_pptx")
with x2:
    if st.button(common.tr("jm.prep_html"), key="jm_prep_html", icon=":material/html:") or \
            st.session_state.get("_jm_html_ready") == common.version_key(meta):
        st.session_state["_jm_html_ready"] = common.version_key(meta)
        with st.spinner(common.tr("jm.building_report")):
            page_html = common.cached(report.html_report, meta, cache_extra=extra, meta=meta, lang=lang)
        st.download_button(common.tr("jm.dl_html"), page_html.encode("utf-8"), file_name=f"{meta.name}-journey.html",
                           mime="text/html", key="dl_jm_html")
