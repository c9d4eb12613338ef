"""Data page: upload, what the product made of the file, and fixing it."""
from __future__ import annotations

import functools
import secrets
import shutil
from pathlib import Path

import pandas as pd
import streamlit as st

from cj import charts, config, exports, i18n, ingest, schema, store
from cj.errors import CJError, Problem
from pages import common

common.page()
lang = common.language()
st.title(common.tr("nav.data"))
ws = common.workspace()


def opt_label(value: str) -> str:
    """A read option's label; the values ("auto", "tab", "day first" …) stay the same in every language."""
    key = f"data.opt.{value}"           # (lang, not the session: AppTest calls format_func outside the run)
    return i18n.t(key, lang) if key in i18n.STRINGS else value


def canon_label(canon: str) -> str:
    """A canonical column in the column choosers: its name in English, its label (and name) in ru/zh."""
    label = i18n.column_label(canon, lang)
    text = canon if lang == "en" or label == canon else common.tr("data.canon", label=label, canon=canon)
    return common.tr("data.required", label=text) if canon in schema.REQUIRED else text


# ------------------------------------------------------------------ upload
max_mb = int(config.get("CJ_MAX_UPLOAD_MB"))
with st.expander(common.tr("data.upload"), expanded=st.session_state.get("cj_ds") in (None, store.SAMPLE_ID)):
    st.caption(common.tr("data.formats", max_mb=max_mb))
    c1, c2, c3, c4 = st.columns(4)
    enc = c1.selectbox(common.tr("data.encoding"), ["auto", *ingest.ENCODINGS], key="opt_encoding",
                       format_func=opt_label)
    delim = c2.selectbox(common.tr("data.delimiter"), ["auto", ",", ";", "tab", "|"], key="opt_delimiter",
                         format_func=opt_label)
    dec = c3.selectbox(common.tr("data.decimal"), ["auto", ".", ","], key="opt_decimal", format_func=opt_label)
    order = c4.selectbox(common.tr("data.dates"), ["auto", "day first", "month first"], key="opt_dates",
                         format_func=opt_label)
    options = ingest.ReadOptions(
        encoding=None if enc == "auto" else enc,
        delimiter=None if delim == "auto" else ("\t" if delim == "tab" else delim),
        decimal=None if dec == "auto" else dec,
        day_first=None if order == "auto" else order == "day first")
    uploaded = st.file_uploader(common.tr("data.upload_widget"), type=["csv", "tsv", "txt", "gz", "parquet", "xlsx"],
                                key="upload", max_upload_size=max_mb)
    if uploaded is not None and st.session_state.get("cj_loaded_upload") != (uploaded.file_id, str(options)):
        st.session_state["cj_loaded_upload"] = (uploaded.file_id, str(options))
        updir = ws.root / ".uploads" / secrets.token_hex(8)
        updir.mkdir(parents=True, exist_ok=True)
        safe_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(uploaded.name).name)[-120:]
        path = updir / (safe_name or "upload.csv")
        path.write_bytes(uploaded.getvalue())
        with st.spinner(common.tr("data.reading", name=common.md(uploaded.name))):
            try:
                meta, _ = ingest.ingest_to_workspace(path, ws, name=uploaded.name, options=options, con=common.con())
                common.remember(meta.id)
                common.select_dataset(meta.id)
                st.session_state.pop("cj_pending", None)
                shutil.rmtree(updir, ignore_errors=True)    # the dataset keeps its own copy (source.*)
                st.session_state["cj_flash"] = common.tr("data.loaded", name=common.md(uploaded.name))
            except CJError as exc:
                st.session_state["cj_pending"] = {"path": str(path), "name": uploaded.name, "options": options,
                                                  "problems": [p.to_item() for p in exc.problems]}
        st.rerun()

# ------------------------------------------------------------------ external Parquet (trusted installs only)
if str(config.get("CJ_LIST_DATASETS")) == "1":        # hosted use (0) must not open server paths
    with st.expander(common.tr("data.ext")):
        st.caption(common.tr("data.ext_caption"))
        e1, e2 = st.columns([3, 2])
        ext_loc = e1.text_input(common.tr("data.ext_location"), key="ext_location", placeholder="/data/lake/events/")
        ext_name = e2.text_input(common.tr("data.ext_name"), key="ext_name", max_chars=200)
        if st.button(common.tr("data.ext_add"), key="ext_add", disabled=not ext_loc.strip()):
            with st.spinner(common.tr("data.checking", where=common.md(ext_loc.strip()))):
                try:
                    meta = ws.register_external(ext_loc.strip(), ext_name.strip() or None)
                    common.remember(meta.id)
                    common.select_dataset(meta.id)
                    st.session_state["cj_flash"] = common.tr("data.added", name=common.md(meta.name))
                    st.rerun()
                except CJError as exc:
                    common.show_error(exc)

pending = st.session_state.get("cj_pending")
if pending:
    st.error(common.tr("data.not_loaded", name=common.md(pending["name"])), icon=":material/error:")
    for p in pending["problems"]:
        st.text("• " + Problem.from_item(p).text_in(common.language()))
    # If the file itself is readable, let the user say which column is which.
    try:
        c = common.con()
        raw = ingest.read_raw(c, pending["path"], pending["options"], workdir=Path(pending["path"]).parent)
        det = ingest.detect(c, raw)
        st.subheader(common.tr("data.choose_columns"))
        choice = {}
        cols = st.columns(3)
        for i, canon in enumerate(schema.CANONICAL):
            opts = ["—", *raw.columns]
            cur = det.mapping.get(canon)
            choice[canon] = cols[i % 3].selectbox(canon_label(canon), opts, index=opts.index(cur) if cur in opts else 0, key=f"pend_{canon}")
        if st.button(common.tr("data.load_mapping"), key="pending_load", type="primary"):
            mapping = {k: v for k, v in choice.items() if v != "—"}
            try:
                meta, _ = ingest.ingest_to_workspace(pending["path"], ws, name=pending["name"], mapping=mapping,
                                                     options=pending["options"], con=c)
                common.remember(meta.id)
                common.select_dataset(meta.id)
                st.session_state.pop("cj_pending")
                shutil.rmtree(Path(pending["path"]).parent, ignore_errors=True)
                st.rerun()
            except CJError as exc:
                common.show_error(exc)
    except CJError:
        st.caption(common.tr("data.fix_file"))

flash = st.session_state.pop("cj_flash", None)
if flash:
    st.success(flash)

meta = common.open_current()
if meta is None:
    st.stop()
report = meta.report
c = common.con()

# ------------------------------------------------------------------ dataset header
st.subheader(common.tr("data.sample_name") if meta.id == store.SAMPLE_ID else common.md(meta.name))
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric(common.tr("data.rows_read"), common.num(report.get("rows_read", 0)))
m2.metric(common.tr("data.usable"), common.num(report.get("rows_usable", 0)))
m3.metric(common.tr("data.unusable"), common.num(report.get("rows_unusable", 0)))
m4.metric(common.tr("data.customers"), common.num(report.get("customers", 0)))
tmin, tmax = (report.get("time_min") or "")[:10], (report.get("time_max") or "")[:10]
try:
    days = (pd.Timestamp(tmax) - pd.Timestamp(tmin)).days + 1
except ValueError:
    days = 0
m5.metric(common.tr("data.days"), common.num(days), help=f"{tmin} → {tmax} (UTC)")

tab_report, tab_map, tab_stages, tab_preview, tab_manage = st.tabs(
    [common.tr(k) for k in ("data.tab_report", "data.tab_mapping", "data.tab_stages", "data.tab_preview",
                            "data.tab_manage")])

with tab_report:
    st.caption(common.tr("data.file_caption", file=common.md(report.get("file")), format=common.md(report.get("format")),
                         encoding=common.md(report.get("encoding") or "—"),
                         delimiter=common.md(repr(report.get("delimiter")) if report.get("delimiter") else "—"),
                         ts=common.md(report.get("timestamp_format"))))
    problems = report.get("problems", [])
    items = report.get("problem_items") or []
    if len(items) == len(problems):      # saved with keys: shown in the language (older datasets: English)
        problems = [Problem.from_item(p).text_in(common.language()) for p in items]
    if problems:
        st.warning(common.tr("data.to_check", n=len(problems)), icon=":material/search:")
        for p in problems:
            st.text("• " + p)
    else:
        st.success(common.tr("data.no_problems"))
    checks = ("duplicates", "unparseable_timestamps", "missing_timestamps", "missing_ids", "future_dates",
              "malformed_lines")
    q = pd.DataFrame({"check": [common.tr(f"data.q.{k}") for k in checks],
                      "rows": [report.get(k, 0) for k in checks]})
    left, right = st.columns(2)
    common.table(q, key="quality_table", where=left)
    per_stage = pd.DataFrame({"stage": list(report.get("events_per_stage", {}).keys()),
                              "events": list(report.get("events_per_stage", {}).values())})
    if not per_stage.empty:
        common.chart(charts.events_per_stage_chart(per_stage, lang=common.language()), right)
    rej_path = ws.rejects_path(meta.id)
    if report.get("rows_unusable", 0) and rej_path.exists():
        rejects = store.run(c, f"SELECT * FROM read_parquet({store.quote_literal(str(rej_path))}) LIMIT 100000")
        st.markdown(common.tr("data.unusable_rows"))
        common.table(rejects.head(200), key="rejects_table")
        st.download_button(common.tr("data.dl_rejects"), functools.partial(exports.csv_bytes, rejects),
                           file_name=f"{Path(meta.source or 'data').stem}-unusable-rows.csv", mime="text/csv",
                           key="dl_rejects", on_click="ignore")

with tab_map:
    src_cols = meta.extra.get("source_columns") or []
    st.caption(common.tr("data.mapping_caption"))
    choice = {}
    cols = st.columns(3)
    for i, canon in enumerate(schema.CANONICAL):
        opts = ["—", *src_cols]
        cur = meta.mapping.get(canon)
        choice[canon] = cols[i % 3].selectbox(canon_label(canon), opts, index=opts.index(cur) if cur in opts else 0, key=f"map_{canon}")
    new_mapping = {k: v for k, v in choice.items() if v != "—"}
    if st.button(common.tr("data.apply_mapping"), key="apply_mapping", disabled=new_mapping == meta.mapping or not src_cols):
        try:
            with st.spinner(common.tr("data.rebuilding")):
                ingest.reingest(ws, meta.id, mapping=new_mapping)
            st.session_state.pop("cj_open", None)
            st.session_state["cj_flash"] = common.tr("data.mapping_applied")
            st.rerun()
        except CJError as exc:
            common.show_error(exc)

with tab_stages:
    st.caption(common.tr("data.stages_caption"))
    stages_all = list(dict.fromkeys(meta.stage_order + [s for s in report.get("events_per_stage", {})
                                                        if s != "(none)"]))
    editor = pd.DataFrame({"position": range(1, len(stages_all) + 1), "stage": stages_all,
                           "include": [s in meta.stage_order for s in stages_all],
                           "events": [report.get("events_per_stage", {}).get(s, 0) for s in stages_all]})
    edited = st.data_editor(editor, hide_index=True, disabled=["stage", "events"], key="stage_editor",
                            column_config={
                                "position": st.column_config.NumberColumn(i18n.column_label("position", lang),
                                                                          min_value=1, step=1),
                                **{c: st.column_config.Column(i18n.column_label(c, lang))
                                   for c in ("stage", "include", "events")}})
    new_order = [r.stage for r in edited.sort_values(["position"], kind="stable").itertuples() if r.include]
    if st.button(common.tr("data.save_order"), key="save_order", disabled=new_order == meta.stage_order or not new_order):
        meta.stage_order = new_order
        ws.save_meta(meta)
        st.session_state.pop("cj_open", None)
        st.session_state["cj_flash"] = common.tr("data.order_saved")
        st.rerun()
    if "event" in meta.mapping and "stage" not in meta.mapping:
        st.markdown(common.tr("data.esm_intro"))
        ev = store.run(c, "SELECT event, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 500")
        current = meta.event_stage_map or {}
        ev["stage"] = [current.get(e) or schema.canonical_stage(e) or "" for e in ev["event"]]
        ev_edit = st.data_editor(ev, hide_index=True, disabled=["event", "events"], key="event_stage_editor",
                                 column_config={
                                     "event": st.column_config.Column(i18n.column_label("event", lang)),
                                     "events": st.column_config.Column(i18n.column_label("events", lang)),
                                     "stage": st.column_config.SelectboxColumn(
                                     i18n.column_label("stage", lang), options=["", *schema.DEFAULT_STAGES, *[s for s in meta.stage_order
                                                                           if s not in schema.DEFAULT_STAGES]])})
        esm = {r.event: r.stage for r in ev_edit.itertuples() if r.stage}
        if st.button(common.tr("data.apply_esm"), key="apply_esm"):
            try:
                with st.spinner(common.tr("data.rebuilding")):
                    ingest.reingest(ws, meta.id, event_stage_map=esm, stage_order=[])
                st.session_state.pop("cj_open", None)
                st.session_state["cj_flash"] = common.tr("data.esm_applied")
                st.rerun()
            except CJError as exc:
                common.show_error(exc)

with tab_preview:
    st.caption(common.tr("data.preview_caption"))
    common.table(store.run(c, "SELECT * FROM events LIMIT 100"), key="preview")

with tab_manage:
    if meta.id == store.SAMPLE_ID:
        st.caption(common.tr("data.sample_caption"))
    else:
        new_name = st.text_input(common.tr("data.name"), meta.name, key="rename_text", max_chars=200)
        if st.button(common.tr("data.rename"), key="rename_btn", disabled=new_name.strip() in ("", meta.name)):
            ws.rename(meta.id, new_name)
            st.rerun()
        st.caption(common.tr("data.dataset_id", id=common.md(meta.id)))
        if st.button(common.tr("data.delete"), key="delete_btn", type="secondary"):
            ws.delete(meta.id)
            common.select_dataset(store.SAMPLE_ID)
            st.session_state["cj_flash"] = common.tr("data.deleted", name=common.md(meta.name))
            st.rerun()
