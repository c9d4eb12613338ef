"""Segments: who are our customers, in groups you can name in a meeting, and how they differ."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from cj import segments
from cj.errors import CJError
from pages import common

meta = common.require_dataset()
st.title(common.tr("nav.segments"))
ws = common.workspace()

spec = common.segment_spec(meta)
k_options = ["auto", *[str(k) for k in range(2, 11)]]
c1, c2, c3 = st.columns([1, 1, 3])
common.restore("k", "seg_k", default=str(spec["k"]), options=k_options)
k_choice = c1.selectbox(common.tr("seg.k"), k_options, key="seg_k",
                        help="auto: chosen by the silhouette score over 2–10")
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
    with st.spinner("Clustering customers…"):
        res = common.segment_result(meta, spec)
except CJError as exc:
    common.show_error(exc)
    st.stop()

c3.caption(f"**k = {res.k}** segments · silhouette {res.silhouette.get(res.k, float('nan')):.2f} · stability "
           f"(adjusted Rand index across {5} seeds) **{res.stability:.2f}** · features: "
           f"{', '.join(res.feature_names)} (log-scaled, standardised; K-means)")

prof = res.profile.copy()
prof.insert(0, "name", [res.names.get(int(s), f"Segment {int(s)}") for s in prof.index])
prof.insert(0, "segment", [int(s) for s in prof.index])

left, right = st.columns([3, 2])
with left:
    st.subheader(common.tr("seg.segments"))
    table = prof[["segment", "name", "size", "share", "revenue_share"]].reset_index(drop=True)
    st.dataframe(table, hide_index=True, width="stretch", key="seg_table",
                 column_config={"share": st.column_config.NumberColumn(format="percent"),
                                "revenue_share": st.column_config.NumberColumn(format="percent")})
    r1, r2, r3 = st.columns([2, 3, 1])
    which = r1.selectbox(common.tr("seg.rename"), list(table["segment"]), key="seg_rename_which",
                         format_func=lambda s: f"{s}: {res.names.get(int(s), s)}")
    new_name = r2.text_input(common.tr("seg.new_name"), key="seg_rename_text", max_chars=80,
                             placeholder="a name your team will recognise")
    r3.write("")
    if r3.button(common.tr("seg.rename_btn"), key="seg_rename_btn", disabled=not new_name.strip()):
        names = {str(k): v for k, v in res.names.items()}
        names[str(int(which))] = new_name.strip()
        meta.segment_names[f"k={spec['k']},seed={spec['seed']}"] = names
        ws.save_meta(meta)
        st.session_state.pop("cj_segments_attached", None)
        st.rerun()
    st.caption("Names are saved with the dataset and used on every page (e.g. as a funnel breakdown).")
with right:
    sil = pd.DataFrame({"k": list(res.silhouette), "silhouette": list(res.silhouette.values())})
    chart = alt.Chart(sil).mark_line(point=True).encode(
        x=alt.X("k:O", title="number of segments (k)"), y=alt.Y("silhouette:Q", title="silhouette"),
        tooltip=["k", alt.Tooltip("silhouette:Q", format=".3f")])
    chosen = alt.Chart(sil[sil["k"] == res.k]).mark_point(size=200, color="red", filled=True).encode(
        x="k:O", y="silhouette:Q")
    st.altair_chart((chart + chosen).properties(title="Why this k: silhouette by k (higher = better separated)",
                                                height=240), width="stretch")

st.subheader(common.tr("seg.profiles"))
show = ["recency_days", "events", "orders", "revenue", "aov", "deepest_stage", "days_to_purchase",
        "mean_rating", "mean_sentiment"]
rows = []
for s, r in res.profile.iterrows():
    row = {"segment": res.names.get(int(s), f"Segment {int(s)}")}
    for f in show:
        if f"{f}_median" in r.index or f"{f}_mean" in r.index:
            row[f + " (mean)"] = r.get(f"{f}_mean")
            if f"{f}_vs_all" in r.index:
                row[f + " vs all"] = r.get(f"{f}_vs_all")
    rows.append(row)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="seg_profile")

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
    wide = cmp[cmp["kpi"].isin(kpis)].copy()
    wide["cell"] = [f"{v:,.3g}{' *' if sig else ''}" if pd.notna(v) else "—"
                    for v, sig in zip(wide["value"], wide["significant"])]
    table = wide.pivot_table(index="segment_name", columns="kpi", values="cell", aggfunc="first")
    st.dataframe(table, width="stretch", key="seg_kpis")
    st.caption("* differs from the rest of the customers (chi-square for rates, Welch's t-test for means, "
               "Mann–Whitney for revenue per customer; Benjamini–Hochberg across the whole table, 5%).")
    with st.expander("Full comparison table"):
        st.dataframe(cmp, hide_index=True, width="stretch", key="seg_cmp_full")
        common.download_table(cmp, "segments-comparison", key="dl_seg_cmp")
    funnel_rows = cmp[cmp["kpi"].str.startswith("reached:")]
    if not funnel_rows.empty:
        fr = funnel_rows.assign(stage=funnel_rows["kpi"].str.replace("reached:", "", regex=False))
        st.altair_chart(alt.Chart(fr).mark_line(point=True).encode(
            x=alt.X("stage:N", sort=list(meta.stage_order), title=None),
            y=alt.Y("value:Q", title="share of segment reaching the stage", axis=alt.Axis(format="%")),
            color=alt.Color("segment_name:N", title="segment"),
            tooltip=["segment_name", "stage", alt.Tooltip("value:Q", format=".1%")]).properties(
            title="The funnel per segment", height=300), width="stretch")

st.subheader(common.tr("seg.map"))
try:
    proj = segments.projection(res.features, res.pipeline, labels=res.labels)
    proj["segment"] = [res.names.get(int(s), str(s)) for s in proj["segment"]]
    st.altair_chart(alt.Chart(proj).mark_circle(size=14, opacity=0.5).encode(
        x=alt.X("pc1:Q", title="component 1"), y=alt.Y("pc2:Q", title="component 2"),
        color=alt.Color("segment:N"), tooltip=["segment"]).properties(height=380), width="stretch")
except (CJError, ValueError) as exc:
    st.caption(f"No projection: {exc}")

labels_tbl = res.labels_table()
common.download_table(labels_tbl, f"{meta.name}-segments", key="dl_seg_members",
                      label=common.tr("seg.download"))
