"""Segments: who are our customers, in groups you can name in a meeting, and how they differ."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cj import charts, i18n, segments
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
lang = common.language()
st.title(common.tr("nav.segments"))
ws = common.workspace()

spec = common.segment_spec(meta)
k_options = ["auto", *[str(k) for k in range(2, 11)]]
c1, c2, c3 = st.columns([1, 1, 3])
common.restore("k", "seg_k", default=str(spec["k"]), options=k_options)
k_choice = c1.selectbox(common.tr("seg.k"), k_options, key="seg_k", help=common.tr("seg.k_help"),
                        format_func=lambda k: common.tr("seg.k_auto") if k == "auto" else k)
common.restore("seed", "seg_seed", default=int(spec["seed"]), convert=int)
seed = int(c2.number_input(common.tr("seg.seed"), min_value=0, max_value=2**31 - 1, step=1, key="seg_seed"))
common.publish("k", "seg_k", k_choice, default="auto")
common.publish("seed", "seg_seed", seed, default=0)
common.link_notes()
new_spec = {"k": k_choice, "seed": seed}
if new_spec != spec:
    meta.extra["segments"] = new_spec          # the dataset's segmentation: other pages use it too
    ws.save_meta(meta)
    spec = new_spec

try:
    with st.spinner(common.tr("seg.clustering")):
        res = common.segment_result(meta, spec)
except CJError as exc:
    common.show_error(exc)
    st.stop()

c3.caption(common.tr("seg.caption", k=res.k, sil=common.num(res.silhouette.get(res.k, float("nan")), 2), seeds=5,
                     stab=common.num(res.stability, 2),
                     features=common.md(", ".join(i18n.column_label(f, lang) for f in res.feature_names))))

def seg_name(s) -> str:
    """A segment's display name: rule names in the UI language, the user's names as typed."""
    name = res.names.get(int(s))
    return i18n.segment_label(name, lang) if name is not None else common.tr("seg.segment_n", n=int(s))


prof = res.profile.copy()
prof.insert(0, "name", [seg_name(s) for s in prof.index])
prof.insert(0, "segment", [int(s) for s in prof.index])

left, right = st.columns([3, 2])
with left:
    st.subheader(common.tr("seg.segments"))
    table = prof[["segment", "name", "size", "share", "revenue_share"]].reset_index(drop=True)
    common.table(table, key="seg_table")
    r1, r2, r3 = st.columns([2, 3, 1])
    which = r1.selectbox(common.tr("seg.rename"), list(table["segment"]), key="seg_rename_which",
                         format_func=lambda s: f"{s}: {seg_name(s)}")
    new_name = r2.text_input(common.tr("seg.new_name"), key="seg_rename_text", max_chars=80,
                             placeholder=common.tr("seg.name_placeholder"))
    r3.write("")
    if r3.button(common.tr("seg.rename_btn"), key="seg_rename_btn", disabled=not new_name.strip()):
        names = {str(k): v for k, v in res.names.items()}
        names[str(int(which))] = new_name.strip()
        meta.segment_names[f"k={spec['k']},seed={spec['seed']}"] = names
        ws.save_meta(meta)
        st.session_state.pop("cj_segments_attached", None)
        st.rerun()
    st.caption(common.tr("seg.names_note"))
with right:
    sil = pd.DataFrame({"k": list(res.silhouette), "silhouette": list(res.silhouette.values())})
    common.chart(charts.silhouette_chart(sil, chosen_k=res.k, lang=lang))

st.subheader(common.tr("seg.profiles"))
show = ["recency_days", "events", "orders", "revenue", "aov", "deepest_stage", "days_to_purchase",
        "mean_rating", "mean_sentiment"]
rows = []
for s, r in res.profile.iterrows():
    row = {"segment": seg_name(s)}
    for f in show:
        if f"{f}_median" in r.index or f"{f}_mean" in r.index:
            row[f + " (mean)"] = r.get(f"{f}_mean")
            if f"{f}_vs_all" in r.index:
                row[f + " vs all"] = r.get(f"{f}_vs_all")
    rows.append(row)
common.table(pd.DataFrame(rows), key="seg_profile", formats={c: "%.2f" for r in rows[:1] for c in r if c != "segment"})

st.subheader(common.tr("seg.compare"))
try:
    cmp = common.cached(segments.compare_segments, meta, cache_extra=repr(sorted(res.names.items())),
                        features=res.features, labels=res.labels, names=res.names,
                        stage_order=list(meta.stage_order))
except CJError as exc:
    common.show_error(exc)
    cmp = None
if cmp is not None and not cmp.empty:
    kpis = [k for k in ("conversion_rate", "aov", "retention_rate", "csat", "sentiment", "revenue_per_customer")
            if k in set(cmp["kpi"])]
    shown = cmp.assign(segment_name=[i18n.segment_label(n, lang) for n in cmp["segment_name"]])
    wide = shown[shown["kpi"].isin(kpis)].copy()
    wide["cell"] = [f"{common.localized(f'{v:,.3g}')}{' *' if sig else ''}" if pd.notna(v) else "—"
                    for v, sig in zip(wide["value"], wide["significant"])]
    table = wide.pivot_table(index="segment_name", columns="kpi", values="cell", aggfunc="first")
    common.table(table, key="seg_kpis", hide_index=False)
    st.caption(common.tr("seg.star_note"))
    with st.expander(common.tr("seg.full_table")):
        common.table(shown, key="seg_cmp_full", percent=(), formats={"value": "%.3g", "rest_value": "%.3g",
                                                                    "p_value": "%.4f", "p_adjusted": "%.4f"})
        common.download_table(cmp, "segments-comparison", key="dl_seg_cmp")
    funnel_rows = shown[shown["kpi"].str.startswith("reached:")]
    if not funnel_rows.empty:
        fr = funnel_rows.assign(stage=funnel_rows["kpi"].str.replace("reached:", "", regex=False))
        common.chart(charts.segment_funnel_chart(fr, stage_order=list(meta.stage_order), lang=lang))

st.subheader(common.tr("seg.map"))
try:
    proj = segments.projection(res.features, res.pipeline, labels=res.labels)
    proj["segment"] = [seg_name(s) for s in proj["segment"]]
    common.chart(charts.projection_chart(proj, lang=lang))
except (CJError, ValueError) as exc:
    st.caption(common.tr("seg.no_projection", reason=common.md(exc)))

labels_tbl = res.labels_table()
common.download_table(labels_tbl, f"{meta.name}-segments", key="dl_seg_members",
                      label=common.tr("seg.download"))
