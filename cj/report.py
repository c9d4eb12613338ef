"""Exports for meetings: a self-contained HTML report and a PowerPoint deck.

One computation, two renderings (as in the rest of ``cj``)::

    rep = build_report(con, meta)            # every analysis, once: a Report value
    html_text = render_html(rep)             # one .html file, opens offline
    pptx_data = render_pptx(rep)             # .pptx bytes, editable text and tables

or in one call each: :func:`html_report` and :func:`pptx_report`. ``meta`` is a
:class:`cj.store.DatasetMeta` or anything with its fields (``name``,
``stage_order``, optionally ``segment_names``, ``extra``), a mapping included.

What a report holds: a title with the dataset and its period, headline KPIs,
numbered plain-language findings, one section per journey stage (where it sits
in the funnel and on the emotion curve, its numbers, pain points, quotes and
findings), the experiment and the segments, and an appendix of tables.

Findings come from :mod:`cj.findings` when that module is present
(:func:`cj.findings.generate_findings`: ``.findings`` items with ``number, stage,
text, numbers, source``; ``.intervention_points`` and ``.kpis`` frames, whose KPI
definitions then head the report too); otherwise the report writes a short
summary itself from the funnel, sentiment, A/B and segment results
(:func:`summary_findings`). ``Report.findings_source`` says which.

Decisions
---------
* **Offline, one file.** Static HTML inlines every chart as SVG rendered by
  vl-convert (a few KB each; no JavaScript at all). ``interactive=True`` inlines
  the Vega runtime once (~0.9 MB, from vl-convert) and draws the charts in the
  browser with tooltips. Neither loads anything: a Content-Security-Policy
  ``default-src 'none'`` in the page forbids every fetch, so a mistake cannot
  turn into a silent network call in a meeting room without Wi-Fi.
* **Text from the data is never markup.** Every stage, segment, variant,
  column name and quote goes through :func:`html.escape`; chart specs inside a
  ``<script>`` are JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc.
  (Altair's own ``to_html`` does not do this: a quote containing
  ``</script>`` would end its script tag). The static report also forbids
  scripts in its CSP, as a second wall.
* **Slides stay editable.** Findings, facts and tables are native text boxes and
  tables; only charts are pictures (PNG at scale 2). Runs carry a Latin font and
  an East Asian one (``a:ea``), because PowerPoint draws Chinese characters with
  the ``ea`` font only; python-pptx's ``font.name`` sets just ``a:latin``.
* **Degrade, don't fail.** An analysis the data cannot support (no feedback, no
  experiment, too few customers) is left out with a note in the report; chart
  images still come out when no font covers Chinese (boxes), with a note that
  says which font package to install (:func:`cj.exports.glyph_support`).
"""
from __future__ import annotations

import datetime as _dt
import functools
import html
import inspect
import io
import json
import math
import re
from dataclasses import dataclass, field, replace as _dc_replace
from typing import Any, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from . import exports, i18n, store
from .errors import CJError, ParameterError

__all__ = [
    "Finding", "ReportChart", "ReportTable", "StageSection", "Section", "Report",
    "build_report", "summary_findings", "render_html", "render_pptx", "html_report", "pptx_report",
    "PPTX_LATIN_FONT", "PPTX_EA_FONT", "CJK_FONT_HINT",
]

BLUE, LIGHT, RED, GREY, GREEN = "#1f77b4", "#c6d4e1", "#d62728", "#9aa5b1", "#2ca02c"
#: Latin (and Cyrillic) font of slide text; Liberation Sans stands in for it on Linux.
PPTX_LATIN_FONT = "Arial"
#: East Asian font of slide text: on every Windows since Vista; PowerPoint for Mac substitutes PingFang.
PPTX_EA_FONT = "Microsoft YaHei"
CJK_FONT_HINT = ("no font with Chinese characters is installed on the machine that made this report, so "
                 "Chinese labels in chart images may show as boxes. Install one (Debian/Ubuntu: "
                 "apt-get install fonts-wqy-microhei) and export again.")
_FONT_STACK = ('system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, '
               '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
               '"WenQuanYi Micro Hei", sans-serif')
_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")
_MAX_QUOTES = 3
_MAX_EXPERIMENTS = 3
_BREAKDOWN_DIMS = ("device", "touchpoint", "country")
#: Fewest customers at the previous stage for a group to be compared in a breakdown.
MIN_GROUP = 30
#: Pain-point phrases are looked for at stages with at least this share of negative values (and the lowest one).
PAIN_MIN_SHARE = 0.2


# ============================================================================ values

@dataclass(frozen=True)
class Finding:
    """One numbered, plain-language finding. ``stage`` is None for the whole journey;
    ``numbers`` holds the figures quoted in ``text``; ``source`` the analysis behind it."""

    number: int
    stage: str | None
    text: str
    numbers: dict = field(default_factory=dict)
    source: str = ""
    kind: str = ""


@dataclass(frozen=True, eq=False)
class ReportChart:
    """A chart of the report: ``key`` (unique, ASCII), a title, the Altair chart, and a
    one-sentence description (alt text for the HTML, speaker notes for slides)."""

    key: str
    title: str
    chart: Any
    description: str = ""


@dataclass(frozen=True, eq=False)
class ReportTable:
    """A table: the raw ``frame`` and per-column ``formats`` (see :func:`format_value`)."""

    key: str
    title: str
    frame: pd.DataFrame
    formats: dict = field(default_factory=dict)
    note: str = ""
    lang: str = "en"                 # language the cells are written in (numbers, yes/no, segment names)

    def formatted(self) -> pd.DataFrame:
        """All cells as display strings (the HTML and the slides show the same text)."""
        out = pd.DataFrame(index=range(len(self.frame)))
        for c in self.frame.columns:
            fmt = self.formats.get(c) or ("stage" if self.lang != "en" and str(c) in ("stage", "next_stage", "step")
                                          else _auto_format(c, self.frame[c]))
            out[str(c)] = [format_value(v, fmt, self.lang) for v in self.frame[c].tolist()]
        return out


@dataclass(frozen=True, eq=False)
class StageSection:
    """One journey stage: ``facts`` are (label, value) pairs shown as written."""

    index: int
    stage: str
    facts: tuple = ()
    charts: tuple = ()
    findings: tuple = ()
    quotes: tuple = ()
    pain_points: tuple = ()          # (phrase, share of negative texts) pairs


@dataclass(frozen=True, eq=False)
class Section:
    """A cross-stage section (experiment, segments): paragraphs, charts, tables."""

    key: str
    title: str
    paragraphs: tuple = ()
    charts: tuple = ()
    tables: tuple = ()


@dataclass(frozen=True, eq=False)
class Report:
    """Everything a report shows, computed once by :func:`build_report`."""

    title: str
    dataset: str
    period: str
    generated: str
    kpis: tuple                      # (label, value text, explanation)
    findings: tuple                  # Finding
    findings_source: str             # "cj.findings" or "cj.report"
    overview: tuple                  # ReportChart
    stages: tuple                    # StageSection
    sections: tuple                  # Section
    appendix: tuple                  # ReportTable
    notes: tuple = ()
    intervention_points: ReportTable | None = None
    lang: str = "en"                 # language of the report's words (cj.i18n: "en", "ru", "zh")

    def charts(self) -> list[ReportChart]:
        """Every chart, in reading order."""
        out = list(self.overview)
        for s in self.stages:
            out += list(s.charts)
        for s in self.sections:
            out += list(s.charts)
        return out


# ============================================================================ formatting

def _isnan(v) -> bool:
    try:
        return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and math.isnan(v))
    except TypeError:
        return False


def _localize_number(s: str, lang: str) -> str:
    """An English-formatted number ("12,345.6", "+1.2%") in ``lang``: ru "12 345,6", "+1,2 %"; zh as en."""
    if lang != "ru":
        return s
    s = s.replace(",", "\u00a0").replace(".", ",")
    return s[:-1] + "\u00a0%" if s.endswith("%") else s


def format_value(v, fmt: str, lang: str = "en") -> str:
    """One cell as text in ``lang``. ``fmt``: ``int``, ``pct``, ``pct_signed``, ``points`` (a difference of
    shares, in percentage points), ``signed2``, ``float1``, ``float2``, ``num`` (3 significant
    digits), ``p`` (p-value), ``duration`` (seconds), ``bool``, ``segment`` (a segment name: rule
    names translated), ``text``."""
    if _isnan(v):
        return "—"
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v)
    if lang != "en":
        try:
            if fmt == "points":
                return i18n.format_value(i18n.V("points", float(v)), lang)
            if fmt == "p":
                p = float(v)
                return "< " + _localize_number("0.001", lang) if p < 0.001 else _localize_number(f"{p:.3f}", lang)
            if fmt == "duration":
                return duration_text(v, lang)
            if fmt == "bool":
                return i18n.t("yes" if bool(v) else "no", lang)
            if fmt == "segment":
                return i18n.segment_label(v, lang)
            if fmt == "stage":
                return i18n.stage_label(str(v), lang)
            if fmt in ("int", "pct", "pct_signed", "signed2", "float1", "float2", "num"):
                return _localize_number(format_value(v, fmt), lang)
        except (TypeError, ValueError):
            return str(v)
    try:
        if fmt == "int":
            return f"{int(round(float(v))):,}"
        if fmt == "pct":
            return f"{float(v):.1%}"
        if fmt == "pct_signed":
            return f"{float(v):+.1%}"
        if fmt == "points":
            return f"{float(v) * 100:+.1f} pts"
        if fmt == "signed2":
            return f"{float(v):+.2f}"
        if fmt == "float1":
            return f"{float(v):,.1f}"
        if fmt == "float2":
            return f"{float(v):,.2f}"
        if fmt == "num":
            f = float(v)
            return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:.3g}"
        if fmt == "p":
            p = float(v)
            return "< 0.001" if p < 0.001 else f"{p:.3f}"
        if fmt == "duration":
            return duration_text(v)
        if fmt == "bool":
            return "yes" if bool(v) else "no"
    except (TypeError, ValueError):
        pass
    return str(v)


def _auto_format(name, col: pd.Series) -> str:
    n = str(name).lower()
    if pd.api.types.is_bool_dtype(col):
        return "bool"
    if not pd.api.types.is_numeric_dtype(col):
        return "text"
    if any(w in n for w in ("share", "rate", "conversion", "pct", "percent")):
        return "pct"
    if n.startswith("p_") or n in ("p", "pvalue"):
        return "p"
    if pd.api.types.is_integer_dtype(col):
        return "int"
    return "num"


def header_text(name, lang: str = "en") -> str:
    """A column name as a table header: ``conversion_from_start`` -> ``conversion from start`` (or its
    translation, ``col.<name>`` in :mod:`cj.i18n`)."""
    key = f"col.{name}"
    if lang != "en" and key in i18n.STRINGS:
        return i18n.t(key, lang)
    return str(name).replace("_", " ")


def duration_text(seconds, lang: str = "en") -> str:
    """45s, 12m, 3.5h, 2.1d (in ``lang``: 3,5 ч, 3.5 小时; see :func:`cj.i18n.duration_text`)."""
    if lang != "en":
        return i18n.duration_text(seconds, lang)
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(s):
        return "—"
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def _pct(x, digits: int = 0) -> str:
    return "—" if _isnan(x) else f"{float(x):.{digits}%}"


def _segment_name(names: Mapping, s, lang: str = "en") -> str:
    """The display name of segment ``s`` (rule names translated; "Segment 3" when it has none)."""
    name = names.get(int(s))
    if name is None:
        return i18n.t("seg.segment_n", lang, n=int(s)) if lang != "en" else f"Segment {int(s)}"
    return i18n.segment_label(name, lang)


def _q(text) -> str:
    """A value quoted for prose ("the stage “interest”")."""
    return f"“{text}”"


# ============================================================================ meta

def _meta_get(meta, key: str, default=None):
    if isinstance(meta, Mapping):
        return meta.get(key, default)
    return getattr(meta, key, default)


def _segment_spec(meta) -> tuple[Any, int, dict]:
    extra = _meta_get(meta, "extra", {}) or {}
    spec = dict(extra.get("segments") or {})
    k = spec.get("k", "auto")
    seed = int(spec.get("seed", 0))
    names = (_meta_get(meta, "segment_names", {}) or {}).get(f"k={k},seed={seed}") or {}
    return k, seed, {int(a): str(b) for a, b in names.items()}


# ============================================================================ findings

def _module_findings(con, *, stage_order, goal, window, segments, random_state):
    """The result of :func:`cj.findings.generate_findings` when that module exists, else None.

    Only keyword arguments its signature accepts are passed, so the two modules can evolve
    separately; the report's own clustering is handed over so both name segments alike.
    """
    try:
        from . import findings as fmod
    except ImportError:
        return None
    fn = getattr(fmod, "generate_findings", None) or getattr(fmod, "findings", None)
    if not callable(fn):
        return None
    offer = {"stage_order": list(stage_order), "goal": goal, "window": window, "segments": segments,
             "random_state": random_state}
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in offer.items() if k in params}
    return fn(con, **kwargs)


def _as_finding(item, number: int) -> Finding:
    stage = getattr(item, "stage", None)
    numbers = getattr(item, "numbers", None) or {}
    return Finding(number=int(getattr(item, "number", number) or number),
                   stage=None if _isnan(stage) or stage in ("", None) else str(stage),
                   text=str(getattr(item, "text", item)),
                   numbers=dict(numbers) if isinstance(numbers, Mapping) else {"values": numbers},
                   source=str(getattr(item, "source", "") or ""), kind=str(getattr(item, "kind", "") or ""))


def summary_findings(*, stage_order: Sequence[str], funnel_steps: pd.DataFrame | None = None,
                     window_text: str = "", sentiment: pd.DataFrame | None = None,
                     pains: Mapping[str, pd.DataFrame] | None = None,
                     drop_negative: pd.DataFrame | None = None, ab: Sequence | None = None,
                     lifts: Mapping[str, pd.DataFrame] | None = None, breakdowns: Sequence = (),
                     segments=None) -> list[Finding]:
    """Plain-language findings written from the analyses' results (used when
    :mod:`cj.findings` is not available). Whole-journey findings come first, then the
    stages in journey order; numbered from 1."""
    order = {s: i for i, s in enumerate(stage_order)}
    raw: list[tuple[float, str | None, str, dict, str]] = []   # (rank, stage, text, numbers, source)

    if funnel_steps is not None and len(funnel_steps) >= 2:
        f = funnel_steps.reset_index(drop=True)
        first, last = f.iloc[0], f.iloc[-1]
        n0 = int(first["customers"])
        if n0 > 0:
            raw.append((-2, None, f"{int(last['customers']):,} of the {n0:,} customers who started at "
                                  f"{_q(first['step'])} went all the way to {_q(last['step'])} "
                                  f"({_pct(last['conversion_from_start'], 1)}){window_text}.",
                        {"started": n0, "finished": int(last["customers"]),
                         "conversion_from_start": float(last["conversion_from_start"])}, "funnel"))
            rest = f.iloc[1:]
            rest = rest[rest["conversion_from_previous"].notna()]
            if len(rest):
                w = rest.loc[rest["conversion_from_previous"].idxmin()]
                prev = f.iloc[int(w["step_index"]) - 2]
                raw.append((order.get(str(w["step"]), 99) - 0.3, str(w["step"]),
                            f"The biggest drop is into {_q(w['step'])}: {_pct(w['conversion_from_previous'])} of the "
                            f"{int(prev['customers']):,} customers who reached {_q(prev['step'])} went on; "
                            f"{int(w['dropped']):,} stopped there.",
                            {"conversion_from_previous": float(w["conversion_from_previous"]),
                             "reached_previous": int(prev["customers"]), "dropped": int(w["dropped"])}, "funnel"))
    for b in breakdowns:
        raw.append((order.get(b["stage"], 99) - 0.2, b["stage"],
                    f"Into {_q(b['stage'])}, {b['dimension']} makes a difference: {_q(b['low_group'])} customers "
                    f"continue at {_pct(b['low'])}, {_q(b['high_group'])} at {_pct(b['high'])} "
                    f"(chi-square, adjusted p {format_value(b['p_adjusted'], 'p')}).",
                    {k: b[k] for k in ("low", "high", "p_adjusted")}, f"funnel by {b['dimension']}"))
    if sentiment is not None and len(sentiment):
        s = sentiment[sentiment["n"] > 0].dropna(subset=["mean"])
        if len(s) >= 1:
            w = s.loc[s["mean"].idxmin()]
            st = str(w["stage"])
            text = (f"Customers feel worst at {_q(st)}: mean sentiment {w['mean']:+.2f} on a −1…+1 scale, "
                    f"{_pct(w['share_negative'])} of {int(w['n']):,} feedback values negative.")
            phrases = [] if pains is None or st not in pains else list(pains[st]["phrase"].head(3))
            if phrases:
                text += " Complaints mention " + ", ".join(_q(p) for p in phrases) + "."
            raw.append((order.get(st, 99) - 0.1, st, text,
                        {"mean": float(w["mean"]), "share_negative": float(w["share_negative"]), "n": int(w["n"])},
                        "sentiment"))
    if drop_negative is not None and len(drop_negative):
        d = drop_negative.dropna(subset=["p_value", "difference"])
        d = d[(d["p_value"] < 0.05) & (d["difference"] > 0.05)].sort_values("difference", ascending=False).head(2)
        for _, r in d.iterrows():
            raw.append((order.get(str(r["stage"]), 99), str(r["stage"]),
                        f"At {_q(r['stage'])}, customers who left negative feedback stopped before "
                        f"{_q(r['next_stage'])} more often: {_pct(r['drop_rate_negative'])} against "
                        f"{_pct(r['drop_rate_other'])} of the others.",
                        {"drop_rate_negative": float(r["drop_rate_negative"]),
                         "drop_rate_other": float(r["drop_rate_other"]), "p_value": float(r["p_value"])},
                        "sentiment and drop-off"))
    from .abtest import verdict as _verdict
    for res in ab or ():
        goal = str(res.metric)
        raw.append((order.get(goal, 99) + 0.1, goal if goal in order else None,
                    f"Experiment {_q(res.experiment)}: {_verdict(res)}",
                    {"experiment": res.experiment, "p_value": next((c.p_value for c in res.comparisons), None)},
                    "A/B test"))
        if res.srm.srm_warning:
            raw.append((-1, None, f"Experiment {_q(res.experiment)} has a sample-ratio mismatch (p = "
                                  f"{res.srm.p_value:.2g}): its split of customers is not the planned one, so "
                                  f"its results should not be trusted until that is explained.",
                        {"srm_p_value": res.srm.p_value}, "A/B test"))
        lt = (lifts or {}).get(res.experiment)
        if lt is not None and len(lt):
            sig = lt.dropna(subset=["p_value_holm"])
            sig = sig[sig["p_value_holm"] < 0.05]
            if len(sig):
                r = sig.iloc[0]
                raw.append((order.get(str(r["stage"]), 99) + 0.05, str(r["stage"]),
                            f"In experiment {_q(res.experiment)} the first stage where {_q(r['variant'])} differs "
                            f"from the control is {_q(r['stage'])} ({float(r['lift_rel']):+.1%} reaching it, "
                            f"Holm-adjusted p {format_value(r['p_value_holm'], 'p')}).",
                            {"lift_rel": float(r["lift_rel"]), "p_value_holm": float(r["p_value_holm"])},
                            "A/B test by stage"))
    if segments is not None and len(segments.profile):
        prof = segments.profile
        names = segments.names
        big = prof["share"].idxmax()
        rich = prof["revenue_share"].idxmax()
        text = (f"{segments.k} kinds of customers stand out. The largest group, {_q(names.get(int(big)))}, "
                f"is {_pct(prof.at[big, 'share'])} of customers")
        if rich != big and prof.at[rich, "revenue_share"] > 0:
            text += (f"; {_q(names.get(int(rich)))} are {_pct(prof.at[rich, 'share'])} of customers and bring "
                     f"{_pct(prof.at[rich, 'revenue_share'])} of revenue.")
        else:
            text += f" and brings {_pct(prof.at[big, 'revenue_share'])} of revenue."
        raw.append((-1.5, None, text, {"k": int(segments.k), "largest_share": float(prof.at[big, "share"]),
                                       "top_revenue_share": float(prof.at[rich, "revenue_share"])}, "segments"))
    raw.sort(key=lambda r: r[0])
    return [Finding(i, st, text, nums, src) for i, (_, st, text, nums, src) in enumerate(raw, start=1)]


# ============================================================================ charts

def _tip(field: str, lang: str, fmt: str | None = None):
    from .charts import tip

    return tip(field, lang, fmt)


def funnel_chart(steps: pd.DataFrame, *, highlight: str | None = None, width: int = 420,
                 title: str | None = "", lang: str = "en") -> alt.Chart:
    """Horizontal bars, stages top to bottom, customers written at the bar ends; ``highlight``
    colours one stage and greys the others."""
    df = steps[["step", "step_index", "customers", "conversion_from_start"]].copy()
    df["step"] = df["step"].astype(str)
    df["label"] = [f"{int(i)}. {i18n.stage_label(s, lang)}" for i, s in zip(df["step_index"], df["step"])]
    df["hl"] = ["this" if (highlight is None or s == highlight) else "other" for s in df["step"]]
    order = list(df["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    bars = alt.Chart(df).mark_bar().encode(
        y=y, x=alt.X("conversion_from_start:Q", title=i18n.t("ch.share_start", lang, unit=i18n.t("unit.customers", lang)),
                     axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("hl:N", scale=alt.Scale(domain=["this", "other"], range=[BLUE, LIGHT]), legend=None),
        tooltip=[_tip("step:N", lang), _tip("customers:Q", lang, ",d"), _tip("conversion_from_start:Q", lang, ".1%")])
    text = alt.Chart(df).mark_text(align="left", dx=4, color="black").encode(
        y=y, x="conversion_from_start:Q", text=alt.Text("customers:Q", format=","))
    ch = (bars + text).properties(width=width, height=max(90, 30 * len(df)))
    title = i18n.t("ch.rep_funnel", lang) if title == "" else title
    return ch.properties(title=title) if title else ch


def emotion_chart(table: pd.DataFrame, stage_order: Sequence[str], *, highlight: str | None = None,
                  width: int = 420, title: str | None = "", lang: str = "en") -> alt.Chart:
    """Mean sentiment per stage with its confidence band; ``highlight`` marks one stage."""
    df = table.dropna(subset=["mean"])[["stage", "mean", "ci_low", "ci_high", "n", "share_negative"]].copy()
    df["stage"] = df["stage"].astype(str)
    df["hl"] = ["this" if (highlight is None or s == highlight) else "other" for s in df["stage"]]
    order = [str(s) for s in stage_order if str(s) in set(df["stage"])] or list(df["stage"])
    order = [i18n.stage_label(s, lang) for s in order]
    df["stage"] = [i18n.stage_label(s, lang) for s in df["stage"]]
    x = alt.X("stage:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=120))
    yscale = alt.Scale(domain=[-1, 1])
    band = alt.Chart(df).mark_area(opacity=0.18, color=BLUE).encode(
        x=x, y=alt.Y("ci_low:Q", scale=yscale, title=i18n.t("ch.mean_sentiment", lang)), y2="ci_high:Q")
    line = alt.Chart(df).mark_line(color=BLUE).encode(x=x, y=alt.Y("mean:Q", scale=yscale))
    pts = alt.Chart(df).mark_point(filled=True).encode(
        x=x, y=alt.Y("mean:Q", scale=yscale),
        color=alt.Color("hl:N", scale=alt.Scale(domain=["this", "other"], range=[RED if highlight else BLUE, GREY]),
                        legend=None),
        size=alt.Size("hl:N", scale=alt.Scale(domain=["this", "other"], range=[140, 50]), legend=None),
        tooltip=[_tip("stage:N", lang), _tip("mean:Q", lang, "+.2f"), _tip("share_negative:Q", lang, ".0%"),
                 _tip("n:Q", lang, ",d")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(y="y:Q")
    ch = (band + zero + line + pts).properties(width=width, height=220)
    title = i18n.t("ch.rep_emotion", lang) if title == "" else title
    return ch.properties(title=title) if title else ch


def pain_chart(pains: pd.DataFrame, stage: str, *, width: int = 420, lang: str = "en") -> alt.Chart:
    """Phrases of the stage's negative feedback: share of negative texts with each."""
    df = pains[["phrase", "share_negative", "count"]].copy()
    df["phrase"] = df["phrase"].astype(str)
    return alt.Chart(df).mark_bar(color=RED).encode(
        y=alt.Y("phrase:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("share_negative:Q", title=i18n.t("ch.pain_share", lang), axis=alt.Axis(format="%")),
        tooltip=[_tip("phrase:N", lang), _tip("count:Q", lang, ",d"), _tip("share_negative:Q", lang, ".0%")]).properties(
        width=width, height=max(80, 24 * len(df)), title=i18n.t("ch.complaints_at", lang, stage=i18n.stage_label(stage, lang)))


def segments_chart(profile: pd.DataFrame, names: Mapping[int, str], *, width: int = 420, lang: str = "en") -> alt.Chart:
    """Share of customers and share of revenue per segment, side by side."""
    m_cust, m_rev = i18n.t("ch.measure.customers", lang), i18n.t("ch.measure.revenue", lang)
    rows = []
    for s, r in profile.iterrows():
        name = _segment_name(names, s, lang)
        rows.append({"segment": name, "measure": m_cust, "share": float(r["share"])})
        rows.append({"segment": name, "measure": m_rev, "share": float(r["revenue_share"])})
    df = pd.DataFrame(rows)
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("segment:N", title=None, sort=list(dict.fromkeys(df["segment"])), axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("measure:N", sort=[m_cust, m_rev]),
        x=alt.X("share:Q", title=None, axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", scale=alt.Scale(domain=[m_cust, m_rev], range=[BLUE, GREEN]),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=[_tip("segment:N", lang), alt.Tooltip("measure:N", title=i18n.column_label("kpi", lang)),
                 _tip("share:Q", lang, ".1%")]).properties(
        width=width, height=max(120, 44 * len(profile)), title=i18n.t("ch.segments_share", lang))


def breakdown_chart(rows: pd.DataFrame, *, dimension: str, stage: str, width: int = 420,
                    lang: str = "en") -> alt.Chart:
    """Conversion into ``stage`` from the stage before, per group of ``dimension``."""
    df = rows[["group", "conversion_from_previous", "ci_prev_low", "ci_prev_high"]].copy()
    df["group"] = df["group"].astype(str)
    base = alt.Chart(df).encode(y=alt.Y("group:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)))
    bars = base.mark_bar(color=BLUE).encode(
        x=alt.X("conversion_from_previous:Q", title=i18n.t("ch.continued_into", lang, stage=i18n.stage_label(stage, lang)),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[_tip("group:N", lang), _tip("conversion_from_previous:Q", lang, ".1%")])
    err = base.mark_rule(color="black").encode(x="ci_prev_low:Q", x2="ci_prev_high:Q")
    return (bars + err).properties(width=width, height=max(80, 30 * len(df)),
                                   title=i18n.t("ch.into_by", lang, stage=i18n.stage_label(stage, lang),
                                                dimension=i18n.column_label(dimension, lang)))


# ============================================================================ build

def _window_text(window, lang: str = "en") -> str:
    if window is None:
        return ""
    days = window.total_seconds() / 86400
    if lang == "en":
        return f" within {days:g} days" if days >= 1 else f" within {duration_text(window.total_seconds())}"
    return i18n.t("rep.within", lang, w=duration_text(window.total_seconds(), lang))


def _overview_numbers(con, cols: list[str], goal: str | None) -> dict:
    q = store.quote_ident
    sel = ["count(DISTINCT customer_id) AS customers", "count(*) AS events",
           f"min({q('timestamp')}) AS t0", f"max({q('timestamp')}) AS t1"]
    params: dict = {}
    if goal is not None and "stage" in cols:
        sel.append(f"count(DISTINCT customer_id) FILTER (WHERE CAST({q('stage')} AS VARCHAR) = $goal) AS reached")
        params["goal"] = goal
    if "revenue" in cols:
        sel.append(f"sum(TRY_CAST({q('revenue')} AS DOUBLE)) AS revenue")
        sel.append(f"count(*) FILTER (WHERE TRY_CAST({q('revenue')} AS DOUBLE) > 0) AS orders")
    if "rating" in cols:
        sel.append(f"avg(TRY_CAST({q('rating')} AS DOUBLE)) AS rating")
        sel.append(f"min(TRY_CAST({q('rating')} AS DOUBLE)) AS rating_min")
        sel.append(f"max(TRY_CAST({q('rating')} AS DOUBLE)) AS rating_max")
    row = store.run(con, f"SELECT {', '.join(sel)} FROM events WHERE customer_id IS NOT NULL",
                    params or None).iloc[0].to_dict()
    if "revenue" in cols:
        rep = store.run(con, f"""SELECT count(*) FILTER (WHERE n >= 1) AS buyers,
                   count(*) FILTER (WHERE n >= 2) AS repeat
            FROM (SELECT customer_id, count(*) FILTER (WHERE TRY_CAST({q('revenue')} AS DOUBLE) > 0) AS n
                  FROM events WHERE customer_id IS NOT NULL GROUP BY 1)""").iloc[0].to_dict()
        row.update(rep)
    return row


_INTERVENTION_FORMATS = {"rank": "int", "transition": "text", "customers": "int", "lost": "int", "lost_share": "pct",
                         "share_negative": "pct", "headroom": "pct_signed", "headroom_dim": "text",
                         "headroom_group": "text", "score": "num"}


def _unit_value(v, unit, lang: str = "en") -> str:
    return format_value(v, "pct" if unit == "share" else ("float1" if unit == "score" else "float2"), lang)


def _kpi_label(r, lang: str) -> str:
    key = f"kpi.{r.get('kpi')}"
    return i18n.t(key, lang) if lang != "en" and key in i18n.STRINGS else str(r["label"])


def _kpi_frame(kp: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The findings module's KPI table as display text (units differ row by row)."""
    rows = []
    for _, r in kp.iterrows():
        unit = r.get("unit")
        change = r.get("change")
        rows.append({"KPI": _kpi_label(r, lang), "value": _unit_value(r["value"], unit, lang),
                     "previous period": "" if _isnan(r.get("period_previous"))
                     else i18n.period_text(r.get("period_previous"), lang),
                     "previous": _unit_value(r.get("previous"), unit, lang),
                     "last period": "" if _isnan(r.get("period_current"))
                     else i18n.period_text(r.get("period_current"), lang),
                     "last": _unit_value(r.get("current"), unit, lang),
                     "change": format_value(change, "points" if unit == "share" else "signed2", lang),
                     "p": format_value(r.get("p_value"), "p", lang)})
    return pd.DataFrame(rows)


def _kpis(ov: dict, goal: str | None, sent: pd.DataFrame | None,
          module_kpis: list | None = None, lang: str = "en") -> list[tuple[str, str, str]]:
    out = [(i18n.t("rep.kpi_customers", lang), format_value(ov.get("customers"), "int", lang),
            i18n.t("rep.kpi_customers_help", lang)),
           (i18n.t("rep.kpi_events", lang), format_value(ov.get("events"), "int", lang),
            i18n.t("rep.kpi_events_help", lang))]
    if module_kpis:            # one definition per KPI across the product: the findings module's
        return out + list(module_kpis)
    n = ov.get("customers") or 0
    if goal is not None and "reached" in ov and n:
        out.append((f"Reached {goal}", _pct(ov["reached"] / n, 1), f"customers with any {goal} event"))
    if "revenue" in ov and not _isnan(ov.get("revenue")):
        out.append(("Revenue", format_value(ov["revenue"], "num"), "sum of revenue"))
        if ov.get("orders"):
            out.append(("Average order value", format_value(ov["revenue"] / ov["orders"], "float2"),
                        "revenue per event with revenue"))
        if ov.get("buyers"):
            out.append(("Repeat buyers", _pct(ov["repeat"] / ov["buyers"], 1), "buyers with 2+ orders (retention)"))
    if not _isnan(ov.get("rating")):
        out.append(("CSAT (mean rating)", f"{float(ov['rating']):.2f}",
                    f"ratings from {format_value(ov['rating_min'], 'num')} to {format_value(ov['rating_max'], 'num')}"))
    if sent is not None and len(sent) and sent["n"].sum() > 0:
        s = sent.dropna(subset=["mean"])
        mean = float((s["mean"] * s["n"]).sum() / s["n"].sum()) if len(s) else float("nan")
        out.append(("Mean sentiment", format_value(mean, "signed2"), "−1 … +1, from feedback text and ratings"))
    return out


def _quotes(con, stage: str, *, limit: int = _MAX_QUOTES) -> list[str]:
    """The most negative distinct feedback texts of a stage (plain text, for escaping at render)."""
    from .sentiment import NEGATIVE_THRESHOLD, _quote

    df = store.run(con, f"""SELECT feedback, min(score) AS score, count(*) AS n FROM feedback_scores
        WHERE CAST({store.quote_ident('stage')} AS VARCHAR) = $stage AND score < $thr
        GROUP BY feedback ORDER BY score, n DESC, feedback LIMIT {int(limit)}""",
                   {"stage": stage, "thr": NEGATIVE_THRESHOLD})
    return [_quote(t) for t in df["feedback"]]


def build_report(con, meta, *, title: str | None = None, goal: str | None = None, window=None,
                 include_segments: bool = True, max_experiments: int = _MAX_EXPERIMENTS,
                 now: _dt.datetime | None = None, lang: str = "en") -> Report:
    """Run every analysis the report needs, once, on view ``events`` of ``con``.

    Parameters
    ----------
    con : DuckDB connection with the dataset open as ``events``.
    meta : the dataset's :class:`cj.store.DatasetMeta` (or a mapping with ``name``,
        ``stage_order`` and optionally ``segment_names``/``extra``).
    title : report title (default: "Customer journey: <dataset name>").
    goal : the conversion goal stage (default: ``purchase`` when it is a stage, else the last stage).
    window : funnel conversion window (timedelta, or text like ``"30d"``); default None, no
        limit: a report covers the whole journey, and loyalty and advocacy come months after
        awareness (the journey map and :mod:`cj.findings` use the same default).
    include_segments : cluster customers (a few seconds on 100k customers).
    now : the time written on the report (for reproducible files).
    lang : language of the report's words: "en" (default), "ru" or "zh" (:mod:`cj.i18n`); numbers,
        tables and texts from the data are the same in every language.
    """
    L = functools.partial(i18n.t, lang=lang)
    from . import charts as _charts

    def LC(chart):                      # the chart with the language's number locale (last step: top level)
        return _charts.localize(chart, lang)
    from . import abtest, funnel
    from . import sentiment as sentiment_mod
    from .schema import default_stage_order

    notes: list[str] = []
    cols = store.table_columns(con)
    name = str(_meta_get(meta, "name", "") or "dataset")
    if isinstance(window, str):
        window = funnel.parse_window(window)
    stage_order = [str(s) for s in (_meta_get(meta, "stage_order", None) or [])]
    if not stage_order and "stage" in cols:
        present = store.run(con, f"SELECT DISTINCT CAST({store.quote_ident('stage')} AS VARCHAR) AS s FROM events "
                                 f"WHERE {store.quote_ident('stage')} IS NOT NULL ORDER BY 1")["s"].tolist()
        stage_order = default_stage_order(present)
    if goal is None and stage_order:
        goal = "purchase" if "purchase" in stage_order else stage_order[-1]
    elif goal is not None and goal not in stage_order:
        raise ParameterError.one(f"Goal '{goal}' is not one of the stages",
                                 "Pick one of: " + ", ".join(stage_order) + ".")

    ov = _overview_numbers(con, cols, goal)
    t0, t1 = ov.get("t0"), ov.get("t1")
    period = f"{pd.Timestamp(t0):%Y-%m-%d} – {pd.Timestamp(t1):%Y-%m-%d}" if not (_isnan(t0) or _isnan(t1)) else ""

    # ---- funnel
    steps = None
    fstages = stage_order[:funnel.MAX_STEPS]
    if len(stage_order) > funnel.MAX_STEPS:
        notes.append(f"The funnel shows the first {funnel.MAX_STEPS} of {len(stage_order)} stages.")
    if len(fstages) >= 1:
        try:
            steps = funnel.funnel(con, [[s] for s in fstages], window=window).steps
        except CJError as exc:
            notes.append(f"Funnel left out: {exc.message}")
    breakdowns = []
    if steps is not None and len(steps) >= 2:
        for dim in [d for d in _BREAKDOWN_DIMS if d in cols]:
            try:
                br = funnel.funnel_by(con, [[s] for s in fstages], by=dim, window=window, times=False)
            except CJError:
                continue
            for _, t in br.tests.dropna(subset=["p_adjusted"]).iterrows():
                if t["p_adjusted"] >= 0.05:
                    continue
                k = int(t["step_index"])
                before = br.steps[br.steps["step_index"] == k - 1].set_index("group")["customers"]
                rows = br.steps[(br.steps["step_index"] == k)
                                & ~br.steps["group"].isin([funnel.OTHER, funnel.MISSING])]
                # groups too small to read a rate from do not get to be "the lowest"
                rows = rows[rows["conversion_from_previous"].notna()
                            & (rows["group"].map(before).fillna(0) >= MIN_GROUP)]
                if len(rows) < 2:
                    continue
                lo = rows.loc[rows["conversion_from_previous"].idxmin()]
                hi = rows.loc[rows["conversion_from_previous"].idxmax()]
                breakdowns.append({"stage": str(t["step"]), "dimension": dim, "rows": rows,
                                   "low_group": str(lo["group"]), "low": float(lo["conversion_from_previous"]),
                                   "high_group": str(hi["group"]), "high": float(hi["conversion_from_previous"]),
                                   "spread": float(hi["conversion_from_previous"] - lo["conversion_from_previous"]),
                                   "p_adjusted": float(t["p_adjusted"])})
        # the one largest significant difference between groups (a meeting remembers one)
        breakdowns = sorted(breakdowns, key=lambda b: -b["spread"])[:1]

    # ---- sentiment
    sent = None
    pains: dict[str, pd.DataFrame] = {}
    quotes: dict[str, list[str]] = {}
    drop_neg = None
    if {"feedback", "rating", "sentiment"} & set(cols) and "stage" in cols:
        try:
            sent = sentiment_mod.sentiment_by(con, by="stage", stage_order=stage_order)
            if "feedback" in cols:
                lowest = sent.dropna(subset=["mean"])
                lowest = str(lowest.loc[lowest["mean"].idxmin(), "stage"]) if len(lowest) else None
                phrase_stages = []
                for s in stage_order:
                    row = sent[sent["stage"].astype(str) == s]
                    if row.empty or not (row.iloc[0]["share_negative"] > 0):
                        continue
                    quotes[s] = _quotes(con, s)
                    # phrases only where complaints are common: a handful of negative texts among
                    # many positive ones gives noise ("good", "overall"), not pain points
                    if row.iloc[0]["share_negative"] >= PAIN_MIN_SHARE or s == lowest:
                        phrase_stages.append(s)
                if phrase_stages:
                    for s, p in sentiment_mod.pain_points_by_stage(con, stages=phrase_stages, top=5).items():
                        if len(p):
                            pains[s] = p
            if len(stage_order) > 1:
                drop_neg = sentiment_mod.drop_after_negative(con, stage_order=stage_order)
        except CJError as exc:
            notes.append(f"Sentiment left out: {exc.message}")
    # ---- experiments
    ab_results, lifts = [], {}
    if "variant" in cols and goal is not None:
        try:
            exps = abtest.experiments(con)
        except CJError:
            exps = []
        if len(exps) > max_experiments:
            notes.append(f"Showing {max_experiments} of {len(exps)} experiments.")
        for e in exps[:max_experiments]:
            try:
                ab_results.append(abtest.conversion_test(con, goal=goal, experiment=e))
                if len(stage_order) > 1:
                    lifts[e] = abtest.stage_lifts(con, stages=stage_order, experiment=e)
            except CJError as exc:
                notes.append(f"Experiment {_q(e)} left out: {exc.message}")
    # ---- segments
    seg = cmp = None
    if include_segments and stage_order:
        from . import segments as seg_mod

        k, seed, names = _segment_spec(meta)
        try:
            seg = seg_mod.segment_customers(con, stage_order=stage_order, n_clusters=k if k == "auto" else int(k),
                                            random_state=seed, names=names)
            cmp = seg_mod.compare_segments(con, seg.features, seg.labels, seg.names, stage_order=stage_order)
        except CJError as exc:
            notes.append(f"Segments left out: {exc.message}")
            seg = cmp = None

    # ---- findings
    source = "cj.report"
    interventions = None
    kpi_table = None
    module_kpis = None
    found = None
    try:
        found = _module_findings(con, stage_order=stage_order, goal=goal, window=window,
                                 segments=seg if include_segments else None, random_state=_segment_spec(meta)[1])
    except CJError as exc:
        notes.append(f"Findings module could not run ({exc.message}); the report wrote its own summary.")
    except Exception as exc:  # noqa: BLE001 - a bug there must not cost the meeting its deck; said in the report
        notes.append(f"Findings module failed ({type(exc).__name__}: {exc}); the report wrote its own summary.")
    if found is not None:
        if hasattr(found, "in_language"):
            found = found.in_language(lang)
        items = list(getattr(found, "findings", found) or [])
        findings = [_as_finding(it, i) for i, it in enumerate(items, start=1)]
        source = "cj.findings"
        notes += [str(n) for n in getattr(found, "notes", ()) or ()]
        ip = getattr(found, "intervention_points", None)
        if isinstance(ip, pd.DataFrame) and len(ip):
            keep = [c for c in _INTERVENTION_FORMATS if c in ip.columns] or list(ip.columns)
            ipk = ip[keep].reset_index(drop=True)
            if "transition" in ipk.columns and lang != "en":
                ipk["transition"] = [i18n.format_value(i18n.V("transition", (a, b)), lang)
                                     for a, b in zip(ip["stage"], ip["next_stage"])]
            if {"headroom_group", "headroom_dim"} <= set(ipk.columns) and lang != "en":
                ipk["headroom_group"] = [i18n.segment_label(g, lang) if d == "segment" else g
                                         for g, d in zip(ipk["headroom_group"], ipk["headroom_dim"])]
                ipk["headroom_dim"] = [d if _isnan(d) else i18n.column_label(d, lang) for d in ipk["headroom_dim"]]
            interventions = ReportTable("interventions", L("rep.interventions_ranked"),
                                        ipk, dict(_INTERVENTION_FORMATS), note=L("rep.interventions_note"), lang=lang)
        kp = getattr(found, "kpis", None)
        if isinstance(kp, pd.DataFrame) and len(kp) and {"label", "value", "unit"} <= set(kp.columns):
            kpi_table = ReportTable("kpis", L("rep.kpis"), _kpi_frame(kp, lang), {}, note=L("rep.kpis_note"),
                                    lang=lang)
            module_kpis = [(_kpi_label(r, lang), _unit_value(r["value"], r["unit"], lang),
                            f"n = {format_value(r.get('n'), 'int', lang)}") for _, r in kp.iterrows()]
    else:
        findings = summary_findings(stage_order=stage_order, funnel_steps=steps, window_text=_window_text(window),
                                    sentiment=sent, pains=pains, drop_negative=drop_neg, ab=ab_results, lifts=lifts,
                                    breakdowns=breakdowns, segments=seg)

    # ---- overview charts
    overview = []
    if steps is not None and len(steps):
        overview.append(ReportChart("funnel", L("rep.funnel"), LC(funnel_chart(steps, lang=lang)),
                                    L("rep.cap.funnel", window=_window_text(window, lang))))
    if sent is not None and sent["mean"].notna().any():
        overview.append(ReportChart("emotion", L("rep.emotion"), LC(emotion_chart(sent, stage_order, lang=lang)),
                                    L("rep.cap.emotion")))
    for b in breakdowns:
        bd_stage, bd_dim = i18n.stage_label(b["stage"], lang), i18n.column_label(b["dimension"], lang)
        overview.append(ReportChart(f"breakdown-{b['dimension']}", L("rep.chart.into_by", stage=bd_stage, dimension=bd_dim),
                                    LC(breakdown_chart(b["rows"], dimension=b["dimension"], stage=b["stage"], lang=lang)),
                                    L("rep.cap.breakdown", stage=bd_stage, dimension=bd_dim)))

    # ---- stage sections
    sections_by_stage = []
    fsteps = steps.set_index(steps["step"].astype(str)) if steps is not None else None
    srows = sent.set_index(sent["stage"].astype(str)) if sent is not None else None
    reach = {}
    if cmp is not None and len(cmp):
        r = cmp[cmp["kpi"].astype(str).str.startswith("reached:")]
        for st_name, grp in r.groupby(r["kpi"].astype(str).str.slice(len("reached:"))):
            reach[st_name] = [(str(a), float(b)) for a, b in zip(grp["segment_name"], grp["value"])]
    for i, s in enumerate(stage_order, start=1):
        facts: list[tuple[str, str]] = []
        charts: list[ReportChart] = []
        if fsteps is not None and s in fsteps.index:
            f = fsteps.loc[s]
            facts.append((L("rep.fact.reached") + (_window_text(window) if lang == "en" else ""),
                          L("rep.fact.reached_value", n=i18n.format_number(int(f["customers"]), lang),
                            share=i18n.pct_text(f["conversion_from_start"], lang, 1))))
            if int(f["step_index"]) > 1:
                prev = stage_order[int(f["step_index"]) - 2]
                facts.append((L("rep.fact.went_on", stage=i18n.stage_label(prev, lang)),
                              i18n.pct_text(f["conversion_from_previous"], lang, 1)))
                facts.append((L("rep.fact.stopped"), i18n.format_number(int(f["dropped"]), lang)
                              + (L("rep.fact.in_window", n=i18n.format_number(int(f["in_window"]), lang))
                                 if f["in_window"] else "")))
                facts.append((L("rep.fact.median_time", stage=i18n.stage_label(prev, lang)),
                              duration_text(f["median_seconds_from_previous"], lang)))
        if srows is not None and s in srows.index and int(srows.loc[s, "n"]) > 0:
            r = srows.loc[s]
            facts.append((L("rep.fact.mean_sentiment"), L(
                "rep.fact.sentiment_value", mean=format_value(r["mean"], "signed2", lang),
                lo=format_value(r["ci_low"], "signed2", lang), hi=format_value(r["ci_high"], "signed2", lang),
                n=i18n.format_number(int(r["n"]), lang))))
            facts.append((L("rep.fact.negative"), i18n.pct_text(r["share_negative"], lang, 0)))
            if not _isnan(r["mean_rating"]):
                facts.append((L("rep.fact.mean_rating"), format_value(r["mean_rating"], "float2", lang)))
        if drop_neg is not None and len(drop_neg):
            d = drop_neg[drop_neg["stage"].astype(str) == s]
            if len(d) and int(d.iloc[0]["n_negative"]) > 0:
                d = d.iloc[0]
                facts.append((L("rep.fact.stopped_before", stage=i18n.stage_label(str(d["next_stage"]), lang)),
                              L("rep.fact.drop_value", neg=i18n.pct_text(d["drop_rate_negative"], lang, 0),
                                n_neg=i18n.format_number(int(d["n_negative"]), lang),
                                other=i18n.pct_text(d["drop_rate_other"], lang, 0),
                                n_other=i18n.format_number(int(d["n_other"]), lang))))
        for e, lt in lifts.items():
            rows = lt[(lt["stage"].astype(str) == s)]
            ctrl = rows[rows["lift_rel"].isna()]
            if rows["share"].min() >= 1.0:      # before exposure everyone "reaches" it: nothing to compare
                continue
            for _, r in rows[rows["lift_rel"].notna()].iterrows():
                base = f"{i18n.pct_text(ctrl.iloc[0]['share'], lang, 1)} → " if len(ctrl) else ""
                facts.append((L("rep.fact.exp_label", exp=e, variant=r["variant"]),
                              L("rep.fact.exp_value", base=base, share=i18n.pct_text(r["share"], lang, 1),
                                lift=format_value(r["lift_rel"], "pct_signed", lang),
                                p=format_value(r["p_value_holm"], "p", lang))))
        if s in reach:
            facts.append((L("rep.fact.by_segment"), L("join.list").join(
                f"{i18n.segment_label(a, lang)} {i18n.pct_text(b, lang, 0)}" for a, b in reach[s])))
        if fsteps is not None and s in fsteps.index:
            chart = funnel_chart(steps, highlight=s, width=300, title=L("ch.position_funnel"), lang=lang)
            if srows is not None and srows["mean"].notna().any():
                chart = alt.hconcat(chart, emotion_chart(sent, stage_order, highlight=s, width=300,
                                                         title=L("ch.position_emotion"), lang=lang)
                                    ).resolve_scale(color="independent", size="independent")
            s_name = i18n._cap(i18n.stage_label(s, lang))
            charts.append(ReportChart(f"stage-{i}", L("rep.chart.stage", stage=s_name), LC(chart),
                                      L("rep.cap.stage", stage=s_name)))
        if s in pains:
            charts.append(ReportChart(f"stage-{i}-pains", L("rep.chart.complaints", stage=i18n.stage_label(s, lang)),
                                      LC(pain_chart(pains[s], s, lang=lang)), L("rep.cap.pains")))
        sections_by_stage.append(StageSection(
            index=i, stage=s, facts=tuple(facts), charts=tuple(charts),
            findings=tuple(f for f in findings if f.stage == s), quotes=tuple(quotes.get(s, ())),
            pain_points=tuple((str(p), float(v)) for p, v in zip(pains[s]["phrase"], pains[s]["share_negative"]))
            if s in pains else ()))
    orphan = [f for f in findings if f.stage is not None and f.stage not in stage_order]
    if orphan:
        notes.append("Some findings name stages that are not in the stage order: "
                     + ", ".join(sorted({str(f.stage) for f in orphan})) + ".")

    # ---- experiment and segment sections
    from . import charts as shared_charts

    sections = []
    for res in ab_results:
        from . import texts

        paras = [texts.ab_verdict(res, lang)]
        if res.srm.srm_warning:
            p_srm = f"{res.srm.p_value:.2g}"
            paras.append(L("rep.srm", p=_localize_number(p_srm, lang) if "e" not in p_srm else p_srm))
        paras += list(res.notes)
        ch = []
        vdf, cdf = res.variants_frame(), res.comparisons_frame()
        key = f"ab-{len(sections) + 1}"
        if "rate" in vdf.columns and vdf["rate"].notna().any():
            label = texts.ab_label(res, lang)
            ch.append(ReportChart(f"{key}-rates", L("rep.chart.by_variant", label=label),
                                  LC(shared_charts.variant_rates_chart(vdf, value="rate",
                                                                       title=L("ch.by_variant", label=label), lang=lang
                                                                       ).properties(width=460)),
                                  L("rep.cap.rates")))
        lt = lifts.get(res.experiment)
        if lt is not None and lt["lift_rel"].notna().any():
            ch.append(ReportChart(f"{key}-stages", L("rep.chart.stage_lifts"),
                                  LC(shared_charts.stage_lift_chart(lt, stage_order, lang=lang).properties(width=460)),
                                  L("rep.cap.stage_lifts")))
        elif cdf["lift_rel"].notna().any():
            ch.append(ReportChart(f"{key}-lift", L("ch.rel_lift"),
                                  LC(shared_charts.lift_chart(cdf, lang=lang).properties(width=460)), L("rep.cap.lift")))
        sections.append(Section(key, L("rep.experiment", name=res.experiment), tuple(paras), tuple(ch)))
    if seg is not None:
        paras = [L("rep.seg_intro", k=seg.k, sil=format_value(seg.silhouette.get(seg.k, float("nan")), "float2", lang),
                   stab=format_value(seg.stability, "float2", lang))]
        for s, r in seg.profile.iterrows():
            paras.append(L("rep.seg_line", name=_segment_name(seg.names, s, lang),
                           n=i18n.format_number(int(r["size"]), lang), share=i18n.pct_text(r["share"], lang, 0),
                           revenue_share=i18n.pct_text(r["revenue_share"], lang, 0)))
        sections.append(Section("segments", L("rep.segments"), tuple(paras),
                                (ReportChart("segments", L("rep.segments"),
                                             LC(segments_chart(seg.profile, seg.names, lang=lang)), L("rep.cap.segments")),)))

    # ---- appendix
    appendix = []
    if kpi_table is not None:
        appendix.append(kpi_table)
    if steps is not None:
        appendix.append(ReportTable("funnel", L("rep.funnel"), steps[[
            "step", "customers", "conversion_from_previous", "conversion_from_start", "dropped", "in_window",
            "median_seconds_from_previous"]].reset_index(drop=True), {
            "customers": "int", "conversion_from_previous": "pct", "conversion_from_start": "pct", "dropped": "int",
            "in_window": "int", "median_seconds_from_previous": "duration"},
            note=L("rep.note.funnel", window=_window_text(window, lang))))
    for b in breakdowns:
        appendix.append(ReportTable(f"breakdown-{b['dimension']}",
                                    L("rep.chart.into_by", stage=i18n.stage_label(b["stage"], lang),
                                      dimension=i18n.column_label(b["dimension"], lang)),
                                    b["rows"][["group", "customers", "conversion_from_previous", "ci_prev_low",
                                               "ci_prev_high"]].reset_index(drop=True),
                                    {"customers": "int", "conversion_from_previous": "pct", "ci_prev_low": "pct",
                                     "ci_prev_high": "pct"}))
    if sent is not None:
        appendix.append(ReportTable("sentiment", L("rep.sentiment_by_stage"), sent[[
            "stage", "n", "mean", "ci_low", "ci_high", "share_negative", "mean_rating", "source"]
        ].reset_index(drop=True),
            {"n": "int", "mean": "signed2", "ci_low": "signed2", "ci_high": "signed2", "share_negative": "pct",
             "mean_rating": "float2", "source": "text"}))
    if pains:
        pp = pd.concat([p.assign(stage=s)[["stage", "phrase", "count", "share_negative", "share_other", "z"]]
                        for s, p in pains.items()], ignore_index=True)
        appendix.append(ReportTable("pain_points", L("rep.pains_by_stage"), pp,
                                    {"count": "int", "share_negative": "pct", "share_other": "pct", "z": "float1"},
                                    note=L("rep.note.pains")))
    if drop_neg is not None and len(drop_neg):
        appendix.append(ReportTable("drop_after_negative", L("rep.drop_negative"), drop_neg[[
            "stage", "next_stage", "n_negative", "drop_rate_negative", "n_other", "drop_rate_other", "difference",
            "p_value"]].reset_index(drop=True), {"n_negative": "int", "drop_rate_negative": "pct", "n_other": "int",
                                                 "drop_rate_other": "pct", "difference": "points", "p_value": "p"}))
    for res in ab_results:
        vdf = res.variants_frame()
        appendix.append(ReportTable(f"ab-variants-{res.experiment}", L("rep.variants", name=res.experiment), vdf,
                                    {"customers": "int", "conversions": "int", "rate": "pct", "ci_low": "pct",
                                     "ci_high": "pct"}))
        cdf = res.comparisons_frame()[["variant", "control", "lift_abs", "lift_rel", "ci_rel_low", "ci_rel_high",
                                       "p_value", "p_value_holm", "chance_to_win"]]
        appendix.append(ReportTable(f"ab-comparisons-{res.experiment}", L("rep.against", name=res.experiment), cdf,
                                    {"lift_abs": "points", "lift_rel": "pct_signed", "ci_rel_low": "pct_signed",
                                     "ci_rel_high": "pct_signed", "p_value": "p", "p_value_holm": "p",
                                     "chance_to_win": "pct"}))
        lt = lifts.get(res.experiment)
        if lt is not None:
            appendix.append(ReportTable(f"ab-stages-{res.experiment}", L("rep.by_stage", name=res.experiment), lt[[
                "stage", "variant", "customers", "reached", "share", "lift_rel", "p_value_holm"]
            ].reset_index(drop=True),
                {"customers": "int", "reached": "int", "share": "pct", "lift_rel": "pct_signed", "p_value_holm": "p"}))
    if seg is not None:
        prof = seg.profile
        def col(name):
            return prof[name].to_numpy() if name in prof else np.nan

        tbl = pd.DataFrame({
            "segment": [_segment_name(seg.names, s, lang) for s in prof.index],
            "customers": col("size"), "share": col("share"), "revenue_share": col("revenue_share"),
            "bought": col("purchased_share"), "repeat": col("repeat_share"),
            "median_days_since_last": col("recency_days_median"), "mean_revenue": col("revenue_mean")})
        appendix.append(ReportTable("segments", L("rep.segments"), tbl, {
            "customers": "int", "share": "pct", "revenue_share": "pct", "bought": "pct", "repeat": "pct",
            "median_days_since_last": "float1", "mean_revenue": "num"}, lang=lang))
        if cmp is not None and len(cmp):
            c = cmp[~cmp["kpi"].astype(str).str.startswith("reached:")][[
                "segment_name", "kpi", "value", "rest_value", "p_adjusted", "significant"]].reset_index(drop=True)
            if lang != "en":
                c = c.assign(kpi=[i18n.column_label(k, lang) for k in c["kpi"]])
            appendix.append(ReportTable("segment_kpis", L("rep.segments_rest"), c, {
                "segment_name": "segment", "value": "num", "rest_value": "num", "p_adjusted": "p",
                "significant": "bool"}, note=L("rep.note.segment_kpis"), lang=lang))

    appendix = [a if a.lang == lang else _dc_replace(a, lang=lang) for a in appendix]
    when = (now or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    return Report(title=title or L("rep.title", name=name), lang=lang, dataset=name, period=period, generated=when,
                  kpis=tuple(_kpis(ov, goal, sent, module_kpis, lang)), findings=tuple(findings), findings_source=source,
                  overview=tuple(overview), stages=tuple(sections_by_stage), sections=tuple(sections),
                  appendix=tuple(appendix), notes=tuple(notes), intervention_points=interventions)


# ============================================================================ HTML

_e = html.escape     # quote=True: safe in text and in double-quoted attributes

_CSS = """
:root { --fg: #1d2733; --muted: #5b6b7b; --line: #dde3ea; --accent: #1f77b4; --bad: #d62728; }
* { box-sizing: border-box; }
body { font-family: %FONTS%; color: var(--fg); margin: 0; line-height: 1.45; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; }
header.top { border-bottom: 3px solid var(--accent); margin-bottom: 18px; }
h1 { font-size: 30px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 34px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.meta, .note, figcaption, .src { color: var(--muted); font-size: 13px; }
nav.toc { font-size: 14px; margin: 10px 0 4px; }
nav.toc a { margin-right: 12px; color: var(--accent); text-decoration: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi .v { font-size: 22px; font-weight: 600; } .kpi .l { font-size: 13px; color: var(--muted); }
ol.findings li { margin: 6px 0; } .src { margin-left: 6px; }
figure.chart { margin: 14px 0; overflow-x: auto; } figure.chart svg { max-width: 100%; height: auto; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
blockquote { margin: 6px 0; padding: 6px 12px; border-left: 3px solid var(--bad); background: #fbf3f3;
             white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 4px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f4f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.tablewrap { overflow-x: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { section.stage, section.block { break-before: page; } nav.toc { display: none; }
               figure.chart { break-inside: avoid; } }
""".replace("%FONTS%", _FONT_STACK)


def _json_for_script(obj) -> str:
    """JSON that cannot end or confuse the ``<script>`` element it sits in."""
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _clean_spec(spec):
    """NaN/Inf -> null (JSON has no NaN) and no ``$schema`` URL in the page."""
    if isinstance(spec, dict):
        return {k: _clean_spec(v) for k, v in spec.items() if k != "$schema"}
    if isinstance(spec, list):
        return [_clean_spec(v) for v in spec]
    if isinstance(spec, float) and not math.isfinite(spec):
        return None
    return spec


class _HtmlCharts:
    """Renders charts for one page: inline SVG, or containers for the inlined Vega runtime."""

    def __init__(self, interactive: bool):
        self.interactive = interactive
        self.specs: dict[str, dict] = {}
        self.n = 0

    def figure(self, c: ReportChart) -> str:
        self.n += 1
        cid = f"chart-{self.n}"
        cap = f"<figcaption>{_e(c.description)}</figcaption>" if c.description else ""
        if self.interactive:
            self.specs[cid] = _clean_spec(c.chart.to_dict())
            body = f'<div class="vega" id="{cid}" role="img" aria-label="{_e(c.title)}"></div>'
        else:
            svg = exports.svg_with_unique_ids(exports.chart_svg(c.chart), cid)
            svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_e(c.title)}" ', 1)
            body = svg
        return f'<figure class="chart" data-chart="{_e(c.key)}">{body}{cap}</figure>'

    def script(self) -> str:
        if not self.interactive or not self.specs:
            return ""
        import vl_convert as vlc

        bundle = vlc.javascript_bundle()
        if "</script" in bundle.lower():  # never seen; would end the element early
            raise RuntimeError("the Vega bundle contains '</script'; cannot inline it safely")
        run = ("const specs = " + _json_for_script(self.specs) + ";\n"
               "for (const [id, spec] of Object.entries(specs)) {\n"
               "  vegaEmbed('#' + id, spec, {actions: false, renderer: 'svg'})\n"
               "    .catch(err => { document.getElementById(id).textContent = 'Chart error: ' + err; });\n"
               "}\n")
        return (f"<noscript><p class=\"note\">The charts of this report are drawn by JavaScript, which is off: "
                f"export the static version instead.</p></noscript>\n<script>{bundle}</script>\n<script>{run}</script>")


def _html_table(t: ReportTable, lang: str = "en") -> str:
    f = t.formatted()
    numeric = {str(c) for c in t.frame.columns
               if pd.api.types.is_numeric_dtype(t.frame[c]) and not pd.api.types.is_bool_dtype(t.frame[c])}
    head = "".join(f"<th scope=\"col\">{_e(header_text(c, lang))}</th>" for c in f.columns)
    rows = []
    for rec in f.itertuples(index=False):
        cells = [("<td class=\"n\">" if col in numeric else "<td>") + _e(str(v)) + "</td>"
                 for col, v in zip(f.columns, rec)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{_e(t.note)}</p>' if t.note else ""
    return (f'<h3 id="table-{_e(t.key)}">{_e(t.title)}</h3><div class="tablewrap"><table data-table="{_e(t.key)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}")


def _html_findings(items) -> str:
    if not items:
        return ""
    lis = []
    for f in items:
        src = f'<span class="src">({_e(f.source)})</span>' if f.source else ""
        lis.append(f'<li value="{int(f.number)}">{_e(f.text)}{src}</li>')
    return f'<ol class="findings">{"".join(lis)}</ol>'


def render_html(rep: Report, *, interactive: bool = False) -> str:
    """One self-contained HTML document (UTF-8 text) for a :class:`Report`.

    Static by default: charts are inline SVG and the page has no script at all.
    ``interactive=True`` inlines the Vega runtime once (~0.9 MB) for tooltips.
    """
    charts = _HtmlCharts(interactive)
    lang = rep.lang
    L = functools.partial(i18n.t, lang=lang)
    script_src = "'unsafe-inline' 'unsafe-eval'" if interactive else "'none'"   # Vega compiles expressions
    csp = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {script_src}; "
           f"font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    out = ["<!DOCTYPE html>", f'<html lang="{_e(lang)}">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(rep.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", "<main>"]
    out.append(f'<header class="top"><h1>{_e(rep.title)}</h1><p class="meta">{_e(L("rep.dataset", name=rep.dataset))}'
               + (f" · {_e(rep.period)}" if rep.period else "") + f" · {_e(L('rep.made', when=rep.generated))}</p>"
               "</header>")
    toc = [("kpis", L("rep.key_numbers")), ("findings", L("rep.findings"))]
    if rep.intervention_points is not None:
        toc.append(("interventions", L("rep.interventions")))
    if rep.overview:
        toc.append(("journey", L("rep.journey")))
    toc += [(f"stage-{s.index}", i18n.stage_label(s.stage, lang)) for s in rep.stages]
    toc += [(s.key, s.title) for s in rep.sections]
    if rep.appendix:
        toc.append(("appendix", L("rep.appendix")))
    out.append('<nav class="toc">' + "".join(f'<a href="#{_e(a)}">{_e(t)}</a>' for a, t in toc) + "</nav>")

    out.append(f'<section id="kpis"><h2>{_e(L("rep.key_numbers"))}</h2><div class="kpis">')
    for label, value, help_ in rep.kpis:
        out.append(f'<div class="kpi" title="{_e(help_)}"><div class="v">{_e(value)}</div>'
                   f'<div class="l">{_e(label)}</div></div>')
    out.append("</div></section>")
    out.append(f'<section id="findings"><h2>{_e(L("rep.findings"))}</h2>')
    out.append(_html_findings(rep.findings) or f'<p class="note">{_e(L("rep.no_findings"))}</p>')
    out.append("</section>")
    if rep.intervention_points is not None:
        out.append(f'<section id="interventions" class="block"><h2>{_e(L("rep.interventions"))}</h2>'
                   + _html_table(rep.intervention_points, lang) + "</section>")
    if rep.overview:
        out.append(f'<section id="journey" class="block"><h2>{_e(L("rep.journey"))}</h2><div class="grid2">')
        out += [charts.figure(c) for c in rep.overview]
        out.append("</div></section>")
    for s in rep.stages:
        out.append(f'<section class="stage" id="stage-{s.index}"><h2>{s.index}. '
                   f'{_e(i18n.stage_label(s.stage, lang))}</h2>')
        out.append(_html_findings(s.findings))
        if s.facts:
            out.append('<dl class="facts">' + "".join(f"<dt>{_e(a)}</dt><dd>{_e(b)}</dd>" for a, b in s.facts)
                       + "</dl>")
        out += [charts.figure(c) for c in s.charts]
        if s.quotes:
            out.append(f"<h3>{_e(L('rep.said'))}</h3>")
            out += [f"<blockquote>{_e(q)}</blockquote>" for q in s.quotes]
        out.append("</section>")
    for sec in rep.sections:
        out.append(f'<section class="block" id="{_e(sec.key)}"><h2>{_e(sec.title)}</h2>')
        out += [f"<p>{_e(p)}</p>" for p in sec.paragraphs]
        out += [charts.figure(c) for c in sec.charts]
        out += [_html_table(t, lang) for t in sec.tables]
        out.append("</section>")
    if rep.appendix:
        out.append(f'<section class="block" id="appendix"><h2>{_e(L("rep.appendix"))}</h2>')
        out += [_html_table(t, lang) for t in rep.appendix]
        out.append("</section>")
    notes = list(rep.notes) + _font_notes(rep, images=False)
    foot = [_e(L("rep.footer", source=rep.findings_source))]
    foot += [_e(n) for n in notes]
    out.append("<footer>" + "<br>".join(foot) + "</footer>")
    out.append("</main>")
    out.append(charts.script())
    out.append("</body></html>")
    return "\n".join(out)


def _font_notes(rep: Report, *, images: bool) -> list[str]:
    """A note when chart images would show boxes for Chinese text."""
    if not images or exports.glyph_support().get("cjk", True):
        return []
    text = " ".join(json.dumps(c.chart.to_dict(), ensure_ascii=False) for c in rep.charts())
    return ["Chart images: " + CJK_FONT_HINT] if _CJK_RE.search(text) else []


def html_report(con, meta, *, interactive: bool = False, **kwargs) -> str:
    """:func:`build_report` + :func:`render_html`: a self-contained HTML report as text."""
    return render_html(build_report(con, meta, **kwargs), interactive=interactive)


# ============================================================================ PPTX

_SLIDE_W, _SLIDE_H = 13.333, 7.5            # inches, 16:9
_TABLE_ROWS_PER_SLIDE = 12
_FINDINGS_PER_SLIDE = 8


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class _Deck:
    """python-pptx with the few things every slide of ours needs."""

    def __init__(self, latin: str, ea: str, lang: str = "en"):
        from pptx import Presentation
        from pptx.util import Inches

        self.lang = lang
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(_SLIDE_W), Inches(_SLIDE_H)
        self.latin, self.ea = latin, ea
        self.Inches = Inches

    # -- text
    def style_run(self, run, *, size: float, bold: bool = False, color: str | None = None) -> None:
        from pptx.dml.color import RGBColor
        from pptx.oxml.ns import qn
        from pptx.util import Pt

        f = run.font
        f.size = Pt(size)
        f.bold = bold
        if color:
            f.color.rgb = RGBColor.from_string(color.lstrip("#"))
        f.name = self.latin                        # a:latin (Latin and Cyrillic)
        rpr = run._r.get_or_add_rPr()
        latin = rpr.find(qn("a:latin"))
        for tag, face in (("a:cs", self.latin), ("a:ea", self.ea)):   # inserted after a:latin: a:ea then a:cs
            el = rpr.find(qn(tag))
            if el is None:
                from lxml import etree

                el = etree.SubElement(rpr, qn(tag))
                latin.addnext(el)
            el.set("typeface", face)

    def text(self, slide, left, top, width, height, paragraphs, *, size: float = 16, name: str | None = None):
        """A text box; ``paragraphs`` are strings or (text, {size, bold, color, level}) pairs."""
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
        if name:
            box.name = name
        tf = box.text_frame
        tf.word_wrap = True
        first = True
        for p in paragraphs:
            text, opts = (p, {}) if isinstance(p, str) else p
            para = tf.paragraphs[0] if first else tf.add_paragraph()
            first = False
            para.space_after = Pt(opts.get("after", 6))
            run = para.add_run()
            run.text = str(text)
            self.style_run(run, size=opts.get("size", size), bold=opts.get("bold", False), color=opts.get("color"))
        return box

    def slide(self, title: str, *, notes: str = ""):
        from pptx.util import Inches

        s = self.prs.slides.add_slide(self.prs.slide_layouts[5])   # "Title Only": a real title for outline/navigation
        t = s.shapes.title
        t.left, t.top, t.width, t.height = Inches(0.5), Inches(0.3), Inches(_SLIDE_W - 1), Inches(0.9)
        self.set_title(t, title, size=28)
        if notes:
            s.notes_slide.notes_text_frame.text = notes
        return s

    def set_title(self, shape, text: str, *, size: float) -> None:
        from pptx.enum.text import PP_ALIGN

        tf = shape.text_frame
        tf.clear()
        tf.word_wrap = True
        p = tf.paragraphs[0]
        p.alignment = PP_ALIGN.LEFT
        run = p.add_run()
        run.text = text
        self.style_run(run, size=size, bold=True, color="#1d2733")

    def picture(self, slide, png: bytes, left, top, max_w, max_h):
        w, h = _png_size(png)
        scale = min(max_w / w, max_h / h)
        pw, ph = w * scale, h * scale
        return slide.shapes.add_picture(io.BytesIO(png), self.Inches(left + (max_w - pw) / 2), self.Inches(top),
                                        self.Inches(pw), self.Inches(ph))

    def table(self, slide, frame: pd.DataFrame, left, top, width, *, size: float = 10):
        from pptx.util import Inches

        n_rows, n_cols = len(frame) + 1, len(frame.columns)
        shape = slide.shapes.add_table(n_rows, n_cols, Inches(left), Inches(top), Inches(width),
                                       Inches(0.3 * n_rows))
        tbl = shape.table
        lens = [max([len(str(c))] + [len(str(v)) for v in frame[c]]) for c in frame.columns]
        lens = [min(max(n, 4), 40) for n in lens]
        total = sum(lens)
        for j, n in enumerate(lens):
            tbl.columns[j].width = Inches(width * n / total)
        for j, c in enumerate(frame.columns):
            self._cell(tbl.cell(0, j), header_text(c, self.lang), size=size, bold=True)
        for i, rec in enumerate(frame.itertuples(index=False), start=1):
            for j, v in enumerate(rec):
                self._cell(tbl.cell(i, j), str(v), size=size)
        return shape

    def _cell(self, cell, text: str, *, size: float, bold: bool = False) -> None:
        from pptx.util import Inches

        cell.margin_left = cell.margin_right = Inches(0.05)
        cell.margin_top = cell.margin_bottom = Inches(0.02)
        tf = cell.text_frame
        tf.word_wrap = True
        p = tf.paragraphs[0]
        run = p.add_run()
        run.text = text
        self.style_run(run, size=size, bold=bold)

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()


def _finding_note(f: Finding) -> str:
    """Speaker notes: where a finding's numbers come from."""
    return f"{f.number}. source: {f.source}; numbers: {json.dumps(f.numbers, ensure_ascii=False, default=str)}"


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def render_pptx(rep: Report, *, latin_font: str = PPTX_LATIN_FONT, ea_font: str = PPTX_EA_FONT,
                scale: float = 2) -> bytes:
    """A PowerPoint deck (bytes) for a :class:`Report`.

    Slides: title; summary (key numbers and findings, continued as needed); intervention
    points when :mod:`cj.findings` gives them; the journey at a glance; one slide per stage
    (chart picture, facts, findings and quotes as editable text; sources in the speaker
    notes); one per experiment and the segments; then "Appendix" and its tables (native,
    editable, at most 12 rows a slide).
    """
    d = _Deck(latin_font, ea_font, rep.lang)
    L = functools.partial(i18n.t, lang=rep.lang)
    png = {}

    def image(c: ReportChart) -> bytes:
        if c.key not in png:
            png[c.key] = exports.chart_png(c.chart, scale=scale)
        return png[c.key]

    # title
    s = d.prs.slides.add_slide(d.prs.slide_layouts[0])
    t, sub = s.shapes.title, s.placeholders[1]
    for shape, top, h in ((t, 2.2, 1.5), (sub, 3.8, 1.4)):
        shape.left, shape.top = d.Inches(0.8), d.Inches(top)
        shape.width, shape.height = d.Inches(_SLIDE_W - 1.6), d.Inches(h)
    d.set_title(t, rep.title, size=36)
    tf = sub.text_frame
    tf.clear()
    for i, line in enumerate([L("rep.dataset_colon", name=rep.dataset), rep.period,
                              L("rep.made_cap", when=rep.generated)]):
        if not line:
            continue
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = line
        d.style_run(run, size=18, color="#5b6b7b")

    # summary
    chunks = list(_chunks(list(rep.findings), _FINDINGS_PER_SLIDE)) or [[]]
    for n, part in enumerate(chunks):
        s = d.slide(L("rep.summary") if n == 0 else L("rep.continued", title=L("rep.summary")),
                    notes=L("rep.findings_by", source=rep.findings_source) + "\n" + "\n".join(_finding_note(f) for f in part))
        top = 1.3
        if n == 0 and rep.kpis:
            kp = list(rep.kpis)[:8]
            w = (_SLIDE_W - 1) / len(kp)
            for i, (label, value, _) in enumerate(kp):
                d.text(s, 0.5 + i * w, top, w - 0.1, 1.0, [(value, {"size": 22, "bold": True, "after": 0}),
                                                           (label, {"size": 11, "color": "#5b6b7b"})])
            top += 1.2
        size = 17 if len(part) <= 4 else (14 if len(part) <= 6 else 12)
        paras = [(f"{f.number}. {f.text}", {"size": size, "after": 4}) for f in part] or \
            [L("rep.no_findings")]
        d.text(s, 0.5, top, _SLIDE_W - 1, _SLIDE_H - top - 0.3, paras, name="Findings")

    # intervention points
    if rep.intervention_points is not None:
        _table_slides(d, rep.intervention_points, L("rep.interventions"), rep.lang)

    # overview
    if rep.overview:
        s = d.slide(L("rep.journey_glance"), notes="\n".join(f"{c.title}: {c.description}" for c in rep.overview))
        pics = list(rep.overview)[:2]
        w = (_SLIDE_W - 1) / len(pics)
        for i, c in enumerate(pics):
            d.picture(s, image(c), 0.5 + i * w, 1.4, w - 0.2, _SLIDE_H - 1.8)

    # stages
    for st in rep.stages:
        notes = [_finding_note(f) for f in st.findings] + [f"{c.title}: {c.description}" for c in st.charts]
        s = d.slide(f"{st.index}. {i18n.stage_label(st.stage, rep.lang)}", notes="\n".join(notes))
        if st.charts:
            d.picture(s, image(st.charts[0]), 0.4, 1.35, 7.3, 3.1)
        paras = [(f"{a}: {b}", {"size": 12, "after": 2}) for a, b in st.facts]
        d.text(s, 0.4, 4.55, 7.3, 2.8, paras or [(L("rep.no_numbers"), {"size": 12})], name="Facts")
        right = [(f"{f.number}. {f.text}", {"size": 14}) for f in st.findings]
        if st.pain_points:
            phrases = ", ".join(f"“{p}” ({v:.0%})" for p, v in st.pain_points[:5])
            right.append((L("rep.complaints", items=phrases), {"size": 13}))
        right += [(f"“{q}”", {"size": 12, "color": "#8a1c1c"}) for q in st.quotes[:2]]
        d.text(s, 7.9, 1.35, _SLIDE_W - 8.3, _SLIDE_H - 1.6, right or [(L("rep.no_stage_findings"), {"size": 13})],
               name="Findings")

    # experiments and segments
    for sec in rep.sections:
        s = d.slide(sec.title, notes="\n".join(f"{c.title}: {c.description}" for c in sec.charts))
        d.text(s, 0.5, 1.35, 4.6, _SLIDE_H - 1.6, [(p, {"size": 14}) for p in sec.paragraphs], name="Text")
        if sec.charts:
            d.picture(s, image(sec.charts[-1]), 5.3, 1.35, _SLIDE_W - 5.8, _SLIDE_H - 1.8)

    # appendix
    notes = list(rep.notes) + _font_notes(rep, images=True)
    s = d.slide(L("rep.appendix"), notes="\n".join(notes))
    d.text(s, 0.5, 1.4, _SLIDE_W - 1, _SLIDE_H - 1.8,
           [(L("rep.tables_behind"), {"size": 16, "bold": True})]
           + [(f"• {t.title}", {"size": 14, "after": 2}) for t in rep.appendix]
           + [(n, {"size": 12, "color": "#5b6b7b"}) for n in notes], name="Contents")
    for t in rep.appendix:
        _table_slides(d, t, L("rep.appendix_of", title=t.title), rep.lang)
    return d.save()


def _table_slides(d: _Deck, t: ReportTable, title: str, lang: str = "en") -> None:
    f = t.formatted()
    parts = list(_chunks(list(range(len(f))), _TABLE_ROWS_PER_SLIDE)) or [[]]
    for n, idx in enumerate(parts):
        s = d.slide(title if n == 0 else i18n.t("rep.continued", lang, title=title), notes=t.note)
        d.table(s, f.iloc[idx].reset_index(drop=True), 0.5, 1.35, _SLIDE_W - 1.2,
                size=10 if len(f.columns) <= 8 else 8)


def pptx_report(con, meta, *, latin_font: str = PPTX_LATIN_FONT, ea_font: str = PPTX_EA_FONT, **kwargs) -> bytes:
    """:func:`build_report` + :func:`render_pptx`: a PowerPoint deck as bytes."""
    return render_pptx(build_report(con, meta, **kwargs), latin_font=latin_font, ea_font=ea_font)
