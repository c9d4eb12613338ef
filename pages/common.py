"""Streamlit glue shared by the pages: session connection, dataset choice, caching.

This is the only module (with the pages) that imports Streamlit; analytics
live in :mod:`cj`. Each browser session owns one DuckDB connection (never
shared across threads); cached results are keyed by dataset id + version +
parameters, so two sessions never see each other's data.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from pathlib import Path

import streamlit as st
from pandas.api.types import is_numeric_dtype

from cj import config, i18n, links, store
from cj.errors import CJError

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_FILE = PROJECT_DIR / "data" / "sample_events.csv.gz"
SAMPLE_NAME = "Sample: online store journeys"


def language() -> str:
    """The interface language: from the link (?lang=) once, then the sidebar choice."""
    restore("lang", "cj_lang", default="en", options=list(i18n.LANGS))
    return st.session_state.get("cj_lang", "en")


def num(x, decimals: int = 0) -> str:
    """A number formatted for the session's language."""
    return i18n.format_number(x, st.session_state.get("cj_lang", "en"), decimals=decimals)


PERCENT_COLUMNS = frozenset({
    "conversion_from_previous", "conversion_from_start", "ci_prev_low", "ci_prev_high", "ci_start_low",
    "ci_start_high", "share", "revenue_share", "share_negative", "share_neutral", "share_positive", "share_other",
    "drop_rate_negative", "drop_rate_other", "difference", "conversion", "lost_share", "headroom", "headroom_rate",
    "overall_rate", "chance_to_win", "conversion_rate", "retention_rate", "csat"})


def chart(c, where=None) -> None:
    """Draw an Altair chart (built with the session's language) with the language's number locale."""
    from cj import charts

    (where or st).altair_chart(charts.localize(c, st.session_state.get("cj_lang", "en")), width="stretch")


_PRINTF = re.compile(r"%(,?)(?:\.(\d+))?([dfg])")
_STYLED_MAX_CELLS = 100_000        # pandas' Styler renders at most 262,144 cells; big tables keep plain numbers


def cell_text(v, fmt: str | None, lang: str) -> str:
    """A number as the table shows it in ``lang`` (``fmt``: "percent", a printf format such as "%.2f", or None)."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if fmt == "percent":
        s = f"{x * 100:,.2f}\u00a0%"
    elif fmt and (m := _PRINTF.fullmatch(fmt)):
        s = format(x if m[3] != "d" else round(x), f",.{m[2] or 6}{m[3]}" if m[3] != "d" else ",d")
    elif float(x).is_integer() and abs(x) < 1e15:
        s = f"{int(x):,d}"
    else:
        s = f"{x:,.4f}".rstrip("0").rstrip(".")
    return s.replace(",", "\u00a0").replace(".", ",") if lang == "ru" else s


def table(df, *, key: str, where=None, percent=(), formats: dict | None = None, hide_index: bool = True,
          **kwargs) -> None:
    """``st.dataframe`` with translated column headers (display only: the frame keeps its English column
    names, which the downloads use) and numbers written the language's way.

    Number formats: Streamlit's column formats are printf-style (sprintf-js: "." decimals, "," thousands) or
    presets; its "localized" preset follows the *browser's* locale, not the interface language chosen here, so a
    Russian page in an English browser would still show "44.93%" and the charts and KPI cards (which follow the
    interface language) would disagree with the table. English and Chinese write numbers alike ("8,985",
    "44.93%"), so they keep Streamlit's formats. For Russian the cells get display texts from a pandas Styler
    ("8\u00a0985", "44,93\u00a0%") while the values stay numbers, so sorting a column still sorts by value
    (Streamlit shows a Styler's text for a number column whose config sets no ``format``). Tables above
    ``_STYLED_MAX_CELLS`` keep the plain formats."""
    lang = st.session_state.get("cj_lang", "en")
    formats = dict(formats or {})
    config = {}
    styled = {}
    ru = lang == "ru" and df.size <= _STYLED_MAX_CELLS and df.columns.is_unique and df.index.is_unique
    for col in df.columns:
        label = i18n.column_label(col, lang)
        fmt = formats.get(col) or ("percent" if col in PERCENT_COLUMNS or col in percent else None)
        numeric = str(df[col].dtype) not in ("object", "str", "string", "bool") and is_numeric_dtype(df[col])
        if ru and numeric:
            config[col] = st.column_config.NumberColumn(label)
            styled[col] = (lambda f: lambda v: cell_text(v, f, "ru"))(fmt)
        elif fmt is not None and numeric:
            config[col] = st.column_config.NumberColumn(label, format=fmt)
        else:
            config[col] = st.column_config.Column(label)
    if not hide_index and df.index.name:
        config["_index"] = st.column_config.Column(i18n.column_label(df.index.name, lang))
    data = df.style.format(styled) if styled else df
    (where or st).dataframe(data, hide_index=hide_index, width="stretch", key=key, column_config=config, **kwargs)


def dim_label(column: str) -> str:
    """A breakdown column in options and headings: its name as written in English (as in links and
    files), its translated label in the other languages."""
    lang = st.session_state.get("cj_lang", "en")
    return str(column) if lang == "en" else i18n.column_label(column, lang)


def localized(number_text: str) -> str:
    """A number written the English way ("1,234.5") in the session's language ("1 234,5" in Russian)."""
    if st.session_state.get("cj_lang", "en") == "ru":
        return number_text.replace(",", "\u00a0").replace(".", ",")
    return number_text


def tr(key: str, **values) -> str:
    """A UI string in the session's language."""
    return i18n.t(key, st.session_state.get("cj_lang", "en"), **values)


# Streamlit's dataframe toolbar offers "Download as CSV" of the shown table; that file is not
# formula-safe (a cell "=HYPERLINK(...)" from the data opens as a formula in Excel). Streamlit 1.67 has no
# option to turn it off (st.dataframe has no such parameter; streamlit/streamlit#8402 and #11358 are open,
# PR #13194 "disable_export" was closed unmerged), so the button is hidden with CSS on every page and
# people use our own downloads (download_table: CSV/XLSX with formula-looking cells kept as text).
# Search and show/hide columns stay. The CSS is static (no data in it).
HIDE_TABLE_DOWNLOAD_CSS = (
    "<style>[data-testid='stElementToolbar'] [data-testid='stElementToolbarButton']:has("
    "button[aria-label^='Download as CSV']),"
    "[data-testid='stElementToolbar'] button[aria-label^='Download as CSV']{display:none !important}</style>")


def hide_table_download() -> None:
    """Called by dashboard.py on every run (see HIDE_TABLE_DOWNLOAD_CSS)."""
    st.markdown(HIDE_TABLE_DOWNLOAD_CSS, unsafe_allow_html=True)


def route_default_page_path(default_url_path: str) -> None:
    """Let ``/<default_url_path>`` open the default page instead of Streamlit's "Page not found".

    Streamlit serves the default page only at ``/`` (its ``url_path`` is always ""), so a link or
    bookmark to ``/data`` found no page. Before ``st.navigation`` runs, a request for that path is
    turned into a request for the default page (Streamlit internals, guarded: if they change, the
    old behaviour — a "Page not found" note, then the default page — comes back, nothing breaks).
    """
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        pm = ctx.pages_manager if ctx is not None else None
        if pm is not None and pm.intended_page_name == default_url_path and not pm.intended_page_script_hash:
            pm.set_script_intent("", "")
    except Exception:  # noqa: BLE001 - internals moved: fall back to Streamlit's own handling
        pass


_WARM = threading.Lock()
#: imported in the background after the server's first page run (dashboard.py calls warm_imports last, so
#: the imports do not compete with that page): scikit-learn alone takes 1.5-2.5 s, which the first
#: visit to Segments or the Journey map would otherwise wait for
WARM_MODULES = ("cj.segments", "cj.findings", "cj.report")
_WARM_THREAD: threading.Thread | None = None      # started once per process


def _import_warm_modules() -> None:
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it imports it again and shows the error
            pass


def warm_imports() -> None:
    """Import the heavy analysis modules once per server process, in a background thread."""
    global _WARM_THREAD
    with _WARM:
        if _WARM_THREAD is None:
            _WARM_THREAD = threading.Thread(target=_import_warm_modules, name="cj-warm-imports", daemon=True)
            _WARM_THREAD.start()


def wait_warm(timeout: float = 120) -> None:
    """Wait for the background imports if they are still running (the first seconds of a server), so
    a page never imports the same packages at the same time as that thread."""
    t = _WARM_THREAD
    if t is not None and t.is_alive() and t is not threading.current_thread():
        t.join(timeout)


def shell_ran() -> None:
    """Called by dashboard.py on every run, before the page."""
    st.session_state["_cj_shell"] = True


def page() -> None:
    """First call of every page: make sure it runs inside dashboard.py's navigation.

    Streamlit treats a top-level ``pages/`` folder as a legacy (v1) multipage app until
    ``st.navigation`` has run once in the process, so the first request for ``/funnel``
    on a fresh server (and every ``AppTest.run``) executes the page file alone, without
    the sidebar. Detect that and rerun through the entry point.
    """
    if not st.session_state.pop("_cj_shell", False):
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


def workspace() -> store.Workspace:
    return store.Workspace()


def con():
    """This session's DuckDB connection."""
    if "cj_con" not in st.session_state:
        st.session_state["cj_con"] = store.connect()
    return st.session_state["cj_con"]


@st.cache_resource(show_spinner="Preparing the sample data (first start only)…")
def _ensure_sample(root: str, sample_mtime: float) -> str:
    from cj import ingest

    ws = store.Workspace(root)
    if not ws.exists(store.SAMPLE_ID) or ws.meta(store.SAMPLE_ID).extra.get("sample_mtime") != sample_mtime:
        meta, _ = ingest.ingest_to_workspace(SAMPLE_FILE, ws, name=SAMPLE_NAME, dataset_id=store.SAMPLE_ID)
        meta.extra["sample_mtime"] = sample_mtime
        ws.save_meta(meta)
    return store.SAMPLE_ID


def ensure_sample() -> str | None:
    if not SAMPLE_FILE.exists():
        return None
    return _ensure_sample(str(workspace().root), SAMPLE_FILE.stat().st_mtime)


def known_datasets() -> list[dict]:
    """Datasets this session may pick: the sample, its own uploads, and (if the
    deployment allows listing) every dataset in the workspace."""
    ws = workspace()
    mine = st.session_state.setdefault("cj_my_datasets", [])
    if str(config.get("CJ_LIST_DATASETS")) == "1":
        rows = ws.list()
    else:
        rows = [{"id": i, "name": ws.meta(i).name} for i in mine if ws.exists(i)]
        ds = st.session_state.get("cj_ds")
        if ds and ds not in mine and ws.exists(ds):
            rows.append({"id": ds, "name": ws.meta(ds).name})
    rows = [r for r in rows if r["id"] != store.SAMPLE_ID]
    if ws.exists(store.SAMPLE_ID):
        rows = [{"id": store.SAMPLE_ID, "name": SAMPLE_NAME}] + rows
    return rows


def remember(dataset_id: str) -> None:
    mine = st.session_state.setdefault("cj_my_datasets", [])
    if dataset_id not in mine:
        mine.append(dataset_id)


def select_dataset(dataset_id: str) -> None:
    st.session_state["cj_ds"] = dataset_id
    st.session_state.pop("cj_open", None)
    st.query_params["ds"] = dataset_id


def current_id() -> str | None:
    """The dataset this session looks at: URL ``ds`` first, then the session's choice, then the sample."""
    ws = workspace()
    if "cj_ds" not in st.session_state:
        qp = st.query_params.get("ds")
        if qp and ws.exists(qp):
            st.session_state["cj_ds"] = qp
        else:
            if qp:
                st.session_state["cj_link_note"] = "The dataset in the link was not found; showing the sample data."
            st.session_state["cj_ds"] = ensure_sample()
    ds = st.session_state.get("cj_ds")
    if ds and not ws.exists(ds):
        st.session_state["cj_ds"] = ds = ensure_sample()
    return ds


def open_current():
    """(meta) of the current dataset with view ``events`` opened in this session, or None."""
    ds = current_id()
    if ds is None:
        return None
    c = con()
    ws = workspace()
    try:
        meta = ws.meta(ds)
        version = (ds, meta.created, os.path.getmtime(ws.events_path(ds)) if ws.events_path(ds).exists() else 0)
        if st.session_state.get("cj_open") != version:
            ws.open(c, ds)
            st.session_state["cj_open"] = version
            st.session_state.pop("cj_segments_attached", None)
        return meta
    except CJError as exc:
        show_error(exc)
        return None


def version_key(meta) -> str:
    """Cache key part for a dataset: changes whenever the dataset is rebuilt."""
    ws = workspace()
    p = ws.events_path(meta.id)
    mtime = p.stat().st_mtime if p.exists() else 0
    return hashlib.sha256(f"{meta.id}|{meta.created}|{mtime}|{meta.stage_order}".encode()).hexdigest()[:16]


def show_error(exc: CJError) -> None:
    """Every problem at once, as text (never HTML)."""
    lang = language()
    if len(exc.problems) <= 1:
        st.error(md(exc.text_in(lang)), icon=":material/error:")
    else:
        st.error(tr("msg.problems", n=len(exc.problems)), icon=":material/error:")
        for p in exc.problems:
            st.text("• " + p.text_in(lang))


def require_dataset():
    page()
    meta = open_current()
    if meta is None:
        st.info(tr("msg.no_dataset"))
        st.page_link("pages/data.py", label=tr("msg.go_data"))
        st.stop()
    return meta


def sidebar() -> None:
    """The global sidebar: dataset picker."""
    note = st.session_state.pop("cj_link_note", None)
    ds = current_id()
    rows = known_datasets()
    ids = [r["id"] for r in rows]
    names = {r["id"]: r["name"] for r in rows}
    if ds and ds not in ids and workspace().exists(ds):
        ids.append(ds)
        names[ds] = workspace().meta(ds).name
    with st.sidebar:
        if note:
            st.warning(note)
        if ids:
            if ds in ids and st.session_state.get("cj_ds_picker") != ds:
                st.session_state["cj_ds_picker"] = ds        # follow uploads and links
            st.selectbox(tr("side.dataset"), ids, key="cj_ds_picker",
                         format_func=lambda i, sample=tr("data.sample_name"): sample if i == store.SAMPLE_ID
                         else names.get(i, i),
                         on_change=lambda: select_dataset(st.session_state["cj_ds_picker"]))
            if ds:
                st.query_params["ds"] = ds
        st.selectbox(tr("side.language"), list(i18n.LANGS), key="cj_lang",
                     format_func=lambda code: i18n.LANG_NAMES[code])
        publish("lang", "cj_lang", st.session_state.get("cj_lang", "en"), default="en")
        st.caption(tr("side.tagline"))


# ------------------------------------------------------------------ caching and safe text

@st.cache_data(show_spinner=False, max_entries=256)
def _cached_call(module: str, func: str, version: str, key: str, _kwargs: dict):
    import importlib

    return getattr(importlib.import_module(module), func)(con(), **_kwargs)


def cached(fn, meta, /, *, cache_extra: str = "", **kwargs):
    """Call ``fn(con, **kwargs)`` once per dataset version + parameters (results shared between
    sessions only through the dataset id, which is a capability). ``cache_extra`` adds to the key
    what the view depends on beyond the dataset (e.g. the segment names)."""
    key = repr(sorted((k, repr(v)) for k, v in kwargs.items())) + cache_extra
    return _cached_call(fn.__module__, fn.__name__, version_key(meta), key, kwargs)


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"


def md(text: object) -> str:
    """Escape text from the data for Streamlit markdown (no links, HTML, emphasis or LaTeX)."""
    s = str(text)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)


def download_table(df, name: str, key: str, label: str | None = None) -> None:
    from cj import exports

    # The bytes are made when the button is clicked (Streamlit calls the function then), not on every
    # run: an XLSX of 100k segment members takes ~9 s to write, which every visit to the page paid.
    # A click does not rerun the page (on_click="ignore"): a rerun would replace the other button's
    # deferred file while the user may be clicking it ("Deferred file not found").
    c1, c2 = st.columns([3, 1])
    c1.download_button(label or tr("common.download_csv"), functools.partial(exports.csv_bytes, df),
                       file_name=f"{name}.csv", mime="text/csv", key=key, on_click="ignore")
    c2.download_button("XLSX", functools.partial(exports.xlsx_bytes, df), file_name=f"{name}.xlsx", key=key + "_xlsx",
                       on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       help=tr("common.xlsx_help"))


# ------------------------------------------------------------------ share links (view state in the URL)

def _note(msg: str, key: str | None = None, param: str | None = None, raw=None) -> None:
    """Remember a link note: ``msg`` in English; ``key`` (``link.*`` in cj.i18n) with the setting and the
    link's raw value writes it in the other languages when shown (see :func:`link_notes`)."""
    notes = st.session_state.setdefault("cj_link_notes", [])
    note = (msg, key, param, None if raw is None else str(raw)[:40])
    if note not in notes:
        notes.append(note)


def link_note_text(note, lang: str) -> str:
    """A link note as Markdown in ``lang`` (the link's value is escaped: it is text from outside)."""
    msg, key, param, raw = note if isinstance(note, tuple) else (str(note), None, None, None)
    if lang == "en" or key is None:
        return md(msg)
    return i18n.t(key, lang, what=i18n.t(f"link.what.{param}", lang), raw=md(raw or ""))


def restore(param: str, widget_key: str, *, default=None, options=None, convert=None) -> None:
    """Before a widget is drawn: set its value from the link (once per link value), else keep the value
    this session last chose (Streamlit drops widget state on other pages), else ``default``.
    Widgets using this must not pass their own ``index``/``value``."""
    raw = st.query_params.get(param)
    keep = f"_keep_{widget_key}"
    if raw is not None and st.session_state.get(f"_applied_{param}") != raw:
        st.session_state[f"_applied_{param}"] = raw
        value = _from_link(param, raw, options, convert)
        if value is not None:
            st.session_state[widget_key] = value
    if widget_key not in st.session_state and keep in st.session_state:
        st.session_state[widget_key] = st.session_state[keep]
    if widget_key not in st.session_state or (options is not None and st.session_state[widget_key] not in options):
        st.session_state[widget_key] = default


def _from_link(param: str, raw: str, options, convert):
    decoded = links.decode({param: raw})
    if decoded.notes:
        for n in decoded.notes:
            _note(n, "link.invalid", param, raw if isinstance(raw, str) else str(raw))
        return None
    value = decoded.values[param]
    if convert is not None:
        try:
            value = convert(value)
        except (ValueError, TypeError, CJError):
            _note(f"The link's {links.KEYS[param][1]} ('{str(raw)[:40]}') does not fit this data; using the default.",
                  "link.not_fit", param, raw)
            return None
    if options is not None and value not in options:
        _note(f"The link's {links.KEYS[param][1]} ('{str(raw)[:40]}') is not in this dataset; using the default.",
              "link.not_here", param, raw)
        return None
    return value


def publish(param: str, widget_key: str, value, *, default=None) -> None:
    """After a widget is drawn: write its value into the link (defaults are left out)."""
    st.session_state[f"_keep_{widget_key}"] = value
    if value is None or value == default:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    st.session_state[f"_applied_{param}"] = st.query_params.get(param)
    st.query_params["v"] = links.VERSION


def link_notes() -> None:
    """Show what a share link asked for that could not be honoured (never raises)."""
    notes = st.session_state.pop("cj_link_notes", [])
    lang = st.session_state.get("cj_lang", "en")
    for n in notes:
        st.warning(link_note_text(n, lang), icon=":material/link:")


def share_box() -> None:
    """A copyable link to this exact view."""
    try:
        base = st.context.url.split("?")[0]
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        base = ""
    query = "&".join(f"{k}={_quote(v)}" for k, v in st.query_params.to_dict().items())
    with st.sidebar.popover(tr("side.share"), icon=":material/share:", width="stretch"):
        st.caption(tr("side.share_help"))
        st.code(f"{base}?{query}", language=None, wrap_lines=True)


def _quote(v: str) -> str:
    from urllib.parse import quote

    return quote(str(v), safe=",|")


# ------------------------------------------------------------------ segments shared by pages

def segment_spec(meta) -> dict:
    """The dataset's current segmentation (saved with it): {"k": "auto"|int, "seed": int}."""
    spec = dict(meta.extra.get("segments") or {})
    return {"k": spec.get("k", "auto"), "seed": int(spec.get("seed", 0))}


def segment_names(meta, spec: dict) -> dict:
    return {int(k): v for k, v in (meta.segment_names.get(f"k={spec['k']},seed={spec['seed']}") or {}).items()}


def segment_result(meta, spec: dict | None = None):
    """Cached clustering of the dataset's customers, named with the user's names."""
    from cj import segments

    spec = spec or segment_spec(meta)
    k = spec["k"] if spec["k"] == "auto" else int(spec["k"])
    res = cached(segments.segment_customers, meta, stage_order=list(meta.stage_order), n_clusters=k,
                 random_state=int(spec["seed"]))
    return res.with_names(segment_names(meta, spec))


def attach_segments(meta) -> bool:
    """Make ``segment`` (the segment's name) available as a breakdown: view ``events`` gains a
    ``segment`` column from the dataset's current segmentation. Returns False if it cannot."""
    from cj import segments

    try:
        res = segment_result(meta)
    except CJError:
        return False
    key = (version_key(meta), repr(segment_spec(meta)), repr(sorted(res.names.items())))
    if st.session_state.get("cj_segments_attached") == key:
        return True
    c = con()
    ws = workspace()
    ws.open(c, meta.id, view="events_base")
    segments.register_segments(c, res.labels_table(), table="customer_segments")
    store.execute(c, "CREATE OR REPLACE VIEW events AS SELECT e.*, s.segment_name AS segment "
                     "FROM events_base e LEFT JOIN customer_segments s USING (customer_id)")
    st.session_state["cj_segments_attached"] = key
    return True


def segments_key(meta) -> str:
    """Cache-key part for results that use the ``segment`` breakdown."""
    return st.session_state.get("cj_segments_attached", ("", "", ""))[1] + \
        st.session_state.get("cj_segments_attached", ("", "", ""))[2]


def distinct_values(c, *, column: str, limit: int = 200) -> list[str]:
    """Most frequent values of an events column (for filters)."""
    q = store.quote_ident(column)
    df = store.run(c, f"SELECT CAST({q} AS VARCHAR) AS v, count(*) AS n FROM events WHERE {q} IS NOT NULL "
                      f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(limit)}")
    return [str(v) for v in df["v"]]


def ensure_scored(meta) -> None:
    """Score the dataset's feedback texts once per session connection (cached table text_scores)."""
    from cj import sentiment

    if "feedback" not in meta.columns:
        return
    key = ("scored", version_key(meta))
    if st.session_state.get("cj_scored") != key:
        with st.spinner(tr("sent.scoring")):
            sentiment.score_feedback(con())
        st.session_state["cj_scored"] = key


def duration_label(seconds) -> str:
    """45s, 12m, 3.5h, 2.1d … in the session's language (the reports' formatting)."""
    return i18n.duration_text(seconds, st.session_state.get("cj_lang", "en"))


# ------------------------------------------------------------------ optional access password

def _configured_password() -> str | None:
    import os

    try:
        secret = st.secrets.get("password")
    except Exception:  # noqa: BLE001 - no secrets.toml at all is the normal local case
        secret = None
    return secret or os.environ.get("CJ_PASSWORD") or None


def require_password() -> None:
    """If the deployment sets a password (Streamlit secret ``password`` or ``CJ_PASSWORD``), ask for it."""
    import hmac

    expected = _configured_password()
    if not expected or st.session_state.get("cj_authenticated"):
        return
    lang = st.session_state.get("cj_lang") or (st.query_params.get("lang") if st.query_params.get("lang") in i18n.LANGS
                                               else "en")
    st.title("cj")
    entered = st.text_input(i18n.t("side.password", lang), type="password", key="cj_password")
    if entered:
        if hmac.compare_digest(entered.encode(), str(expected).encode()):
            st.session_state["cj_authenticated"] = True
            st.session_state.pop("cj_password", None)
            st.rerun()
        st.error(i18n.t("side.wrong_password", lang))
    st.stop()
