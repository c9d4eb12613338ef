"""Altair chart builders shared by the pages and the exports (one computation, two renderings).

Every builder takes ``lang`` ("en", "ru", "zh"; default "en"): chart, axis, legend and tooltip titles
come from :mod:`cj.i18n`. Axis formats are d3 format strings, which are locale-agnostic; :func:`localize`
adds a Vega ``config.locale`` (inline JSON, never fetched) so that ``,`` and ``%`` become a space and a
decimal comma in Russian. Texts from the data (stage names, groups, variants) stay as they are — Vega
draws them as text, never as HTML.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from . import i18n

BLUE, GREY, RED, GREEN = "#1f77b4", "#9aa5b1", "#d62728", "#2ca02c"

# d3-format / d3-time-format locale definitions (after d3's ru-RU and zh-CN files; months in the
# nominative case because axis ticks show them alone). Inline: the app never downloads anything.
LOCALES: dict[str, dict] = {
    "ru": {
        "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"],
                   "percent": "\u00a0%"},
        "time": {"dateTime": "%A, %e %B %Y г. %X", "date": "%d.%m.%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
                 "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
                 "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
                 "months": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                            "октябрь", "ноябрь", "декабрь"],
                 "shortMonths": ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя",
                                 "дек"]},
    },
    "zh": {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]},
        "time": {"dateTime": "%x %A %X", "date": "%Y年%-m月%-d日", "time": "%H:%M:%S", "periods": ["上午", "下午"],
                 "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
                 "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
                 "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月",
                            "十二月"],
                 "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"]},
    },
}


def localize(chart, lang: str = "en"):
    """The chart as a top-level spec with the language's number/time locale (English: unchanged).
    Call it last: a configured chart can no longer be layered or concatenated."""
    loc = LOCALES.get(lang)
    return chart if loc is None else chart.configure(locale=loc)


def _L(key: str, lang: str, **values) -> str:
    return i18n.t(key, lang, **values)


def tip(field: str, lang: str, fmt: str | None = None, *, kind: str | None = None) -> alt.Tooltip:
    """A tooltip whose title is the column's display label in ``lang``."""
    name, _, typ = field.partition(":")
    kw = {"title": i18n.column_label(name, lang)}
    if fmt:
        kw["format"] = fmt
    return alt.Tooltip(f"{name}:{typ or kind or 'N'}", **kw)


def _stage_names(df: pd.DataFrame, col: str, lang: str) -> pd.DataFrame:
    """Canonical stage keys shown in the language (other names as written)."""
    df = df.copy()
    df[col] = [i18n.stage_label(str(s), lang) for s in df[col]]
    return df


# ------------------------------------------------------------------ funnel page

def funnel_chart(df: pd.DataFrame, *, mode: str, unit: str = "customers", lang: str = "en") -> alt.Chart:
    """Bars of the share of starters reaching each step, Wilson CI, counts at the bar ends."""
    df = df.copy()
    df["label"] = [f"{i}. {i18n.stage_label(str(s), lang)}" for i, s in zip(df["step_index"], df["step"])]
    order = list(df["label"])
    bars = alt.Chart(df).mark_bar(color=BLUE).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("conversion_from_start:Q", title=_L("ch.share_start_ci", lang, unit=_L(f"unit.{unit}", lang)),
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[tip("step:N", lang), tip("customers:Q", lang, ",d"),
                 tip("conversion_from_start:Q", lang, ".1%"), tip("conversion_from_previous:Q", lang, ".1%"),
                 tip("dropped:Q", lang, ",d"), tip("in_window:Q", lang, ",d")])
    err = alt.Chart(df).mark_rule(color="black").encode(y=alt.Y("label:N", sort=order), x="ci_start_low:Q",
                                                        x2="ci_start_high:Q")
    text = alt.Chart(df).mark_text(align="left", dx=4, color="black").encode(
        y=alt.Y("label:N", sort=order), x="conversion_from_start:Q", text=alt.Text("customers:Q", format=","))
    return (bars + err + text).properties(height=44 * len(df) + 40,
                                          title=_L("ch.funnel", lang, mode=_L(f"mode.{mode}", lang)))


def funnel_by_chart(bdf: pd.DataFrame, *, by: str, unit: str = "customers", lang: str = "en") -> alt.Chart:
    """One line per group over the steps."""
    bdf = bdf.copy()
    bdf["label"] = [f"{i}. {i18n.stage_label(str(s), lang)}" for i, s in zip(bdf["step_index"], bdf["step"])]
    order = list(dict.fromkeys(bdf.sort_values("step_index")["label"]))
    return alt.Chart(bdf).mark_line(point=True).encode(
        x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140)),
        y=alt.Y("conversion_from_start:Q", title=_L("ch.share_start", lang, unit=_L(f"unit.{unit}", lang)),
                axis=alt.Axis(format="%")),
        color=alt.Color("group:N", title=i18n.column_label(by, lang)),
        tooltip=[alt.Tooltip("group:N", title=i18n.column_label(by, lang)), tip("step:N", lang),
                 tip("customers:Q", lang, ",d"), tip("conversion_from_start:Q", lang, ".1%"),
                 tip("conversion_from_previous:Q", lang, ".1%")]).properties(height=320)


def time_to_convert_chart(t: pd.DataFrame, *, last_step: str, median: str, unit: str = "customers",
                          lang: str = "en") -> alt.Chart:
    """Histogram of the time from step 1 to the last step; ``t`` has bin (a label), units, share."""
    return alt.Chart(t).mark_bar(color=BLUE).encode(
        x=alt.X("bin:N", sort=list(t["bin"]), title=_L("ch.time_from_start", lang), axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("units:Q", title=_L(f"unit.{unit}.subj", lang), axis=alt.Axis(format=",d")),
        tooltip=[tip("bin:N", lang), alt.Tooltip("units:Q", title=_L(f"unit.{unit}.subj", lang), format=",d"),
                 tip("share:Q", lang, ".1%")]
    ).properties(title=_L("ch.time_to_reach", lang, step=last_step, median=median), height=280)


def trend_chart(trend: pd.DataFrame, *, grain: str, lang: str = "en") -> alt.Chart:
    """Conversion to the last step by first-seen period, with its CI band."""
    band = alt.Chart(trend).mark_area(opacity=0.2).encode(
        x=alt.X("period:T", title=_L("ch.first_seen", lang, grain=_L(f"grain.{grain}", lang))),
        y=alt.Y("ci_low:Q", axis=alt.Axis(format="%"), title=_L("ch.converted_last", lang)), y2="ci_high:Q")
    line = alt.Chart(trend).mark_line(point=True).encode(
        x="period:T", y="conversion:Q",
        tooltip=[alt.Tooltip("period:T", title=i18n.column_label("period", lang)), tip("customers:Q", lang, ",d"),
                 tip("converted:Q", lang, ",d"), tip("conversion:Q", lang, ".1%"), tip("in_window:Q", lang, ",d")])
    return (band + line).properties(title=_L("ch.trend", lang), height=280)


def next_after_drop_chart(nxt: pd.DataFrame, *, at_step: int, unit: str = "customers", lang: str = "en") -> alt.Chart:
    return alt.Chart(nxt).mark_bar(color=RED).encode(
        y=alt.Y("value:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=_L("ch.share_dropped", lang, unit=_L(f"unit.{unit}", lang))),
        tooltip=[tip("value:N", lang), tip("customers:Q", lang, ",d"), tip("share:Q", lang, ".1%")]).properties(
        title=_L("ch.where_dropped", lang, n=at_step), height=300)


def transitions_chart(tm: pd.DataFrame, *, order: list[str] | None, lang: str = "en") -> alt.Chart:
    tm = tm.copy()
    so = None
    if order:
        tm["from"] = [i18n.stage_label(str(s), lang) for s in tm["from"]]
        tm["to"] = [i18n.stage_label(str(s), lang) for s in tm["to"]]
        so = [i18n.stage_label(str(s), lang) for s in order]
    return alt.Chart(tm).mark_rect().encode(
        x=alt.X("to:N", sort=so, title=_L("ch.next_stage", lang)), y=alt.Y("from:N", sort=so, title=_L("ch.stage", lang)),
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format="%", title=i18n.column_label("share", lang))),
        tooltip=[tip("from:N", lang), tip("to:N", lang), tip("count:Q", lang, ",d"), tip("share:Q", lang, ".1%")]
    ).properties(title=_L("ch.transitions", lang), height=300)


# ------------------------------------------------------------------ segments page

def silhouette_chart(sil: pd.DataFrame, *, chosen_k: int, lang: str = "en") -> alt.Chart:
    chart = alt.Chart(sil).mark_line(point=True).encode(
        x=alt.X("k:O", title=_L("ch.k", lang)), y=alt.Y("silhouette:Q", title=_L("ch.silhouette", lang)),
        tooltip=[tip("k:O", lang), tip("silhouette:Q", lang, ".3f")])
    chosen = alt.Chart(sil[sil["k"] == chosen_k]).mark_point(size=200, color="red", filled=True).encode(
        x="k:O", y="silhouette:Q")
    return (chart + chosen).properties(title=_L("ch.why_k", lang), height=240)


def segment_funnel_chart(fr: pd.DataFrame, *, stage_order: list[str], lang: str = "en") -> alt.Chart:
    """Share of each segment reaching each stage; ``fr`` has segment_name, stage, value."""
    fr = _stage_names(fr, "stage", lang)
    order = [i18n.stage_label(str(s), lang) for s in stage_order]
    seg = _L("ch.segment", lang)
    return alt.Chart(fr).mark_line(point=True).encode(
        x=alt.X("stage:N", sort=order, title=None),
        y=alt.Y("value:Q", title=_L("ch.seg_reach", lang), axis=alt.Axis(format="%")),
        color=alt.Color("segment_name:N", title=seg),
        tooltip=[alt.Tooltip("segment_name:N", title=seg), tip("stage:N", lang),
                 alt.Tooltip("value:Q", format=".1%", title=_L("ch.seg_reach", lang))]).properties(
        title=_L("ch.seg_funnel", lang), height=300)


def projection_chart(proj: pd.DataFrame, *, lang: str = "en") -> alt.Chart:
    seg = _L("ch.segment", lang)
    return alt.Chart(proj).mark_circle(size=14, opacity=0.5).encode(
        x=alt.X("pc1:Q", title=_L("ch.pc1", lang)), y=alt.Y("pc2:Q", title=_L("ch.pc2", lang)),
        color=alt.Color("segment:N", title=seg), tooltip=[alt.Tooltip("segment:N", title=seg)]).properties(height=380)


# ------------------------------------------------------------------ sentiment and journey pages

def emotion_curve(curve: pd.DataFrame, *, by: str = "stage", order: list | None = None, lang: str = "en",
                  height: int = 320, point_size: int = 80, big: bool = False) -> alt.Chart:
    """Mean sentiment per group (stages in order) with its 95% CI band."""
    curve = curve.copy()
    if by == "stage":
        curve = _stage_names(curve, "stage", lang)
        order = [i18n.stage_label(str(s), lang) for s in (order or [])] or None
    axis = alt.Axis(labelAngle=0, labelFontSize=16) if big else alt.Axis()
    x = alt.X(f"{by}:N", sort=order, title=None, axis=axis)
    band = alt.Chart(curve).mark_area(opacity=0.2, color=BLUE).encode(
        x=x, y=alt.Y("ci_low:Q", title=_L("ch.mean_sentiment", lang), scale=alt.Scale(domain=[-1, 1])),
        y2="ci_high:Q")
    tooltip = [alt.Tooltip(f"{by}:N", title=i18n.column_label(by, lang)), tip("mean:Q", lang, "+.2f")]
    if "ci_low" in curve and "ci_high" in curve:
        tooltip += [tip("ci_low:Q", lang, "+.2f"), tip("ci_high:Q", lang, "+.2f")]
    tooltip += [tip("share_negative:Q", lang, ".0%"), tip("n:Q", lang, ",d")]
    if "source" in curve:
        tooltip.append(tip("source:N", lang))
    line = alt.Chart(curve).mark_line(point=alt.OverlayMarkDef(size=point_size), color=BLUE,
                                      strokeWidth=3 if big else 2).encode(x=x, y="mean:Q", tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(y="y:Q")
    return (band + zero + line).properties(title=_L("sent.curve", lang), height=height)


def events_per_stage_chart(per_stage: pd.DataFrame, *, lang: str = "en") -> alt.Chart:
    return alt.Chart(per_stage).mark_bar().encode(
        x=alt.X("events:Q", title=_L("ch.events", lang), axis=alt.Axis(format=",d")),
        y=alt.Y("stage:N", sort=list(per_stage["stage"]), title=None, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        tooltip=[tip("stage:N", lang), tip("events:Q", lang, ",d")])


# ------------------------------------------------------------------ A/B page and reports

def lift_chart(comparisons: pd.DataFrame, *, title: str | None = None, lang: str = "en") -> alt.Chart:
    """Point + interval per variant; columns variant, lift_rel, ci_rel_low, ci_rel_high."""
    df = comparisons.dropna(subset=["lift_rel"]).copy()
    base = alt.Chart(df).encode(y=alt.Y("variant:N", title=None))
    rule = base.mark_rule(strokeWidth=3, color=GREY).encode(
        x=alt.X("ci_rel_low:Q", title=_L("ch.rel_lift", lang), axis=alt.Axis(format="+%")), x2="ci_rel_high:Q")
    point = base.mark_point(filled=True, size=120, color=BLUE).encode(
        x="lift_rel:Q", tooltip=[tip("variant:N", lang), tip("lift_rel:Q", lang, "+.1%"),
                                 tip("ci_rel_low:Q", lang, "+.1%"), tip("ci_rel_high:Q", lang, "+.1%"),
                                 tip("p_value:Q", lang, ".4f")])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(x="x:Q")
    return (rule + point + zero).properties(title=title or _L("ch.lift_vs_control", lang),
                                            height=max(170, 60 * len(df)))


def stage_lift_chart(lifts: pd.DataFrame, stages: list[str], *, lang: str = "en") -> alt.Chart:
    """Per stage: each treatment's relative lift with CI (rows with a lift only)."""
    df = lifts.dropna(subset=["lift_rel"]).copy()
    sig, nsig = _L("ch.significant", lang), _L("ch.not_significant", lang)
    df["significant"] = (df["p_value_holm"] < 0.05).map({True: sig, False: nsig})
    df = _stage_names(df, "stage", lang)
    order = [i18n.stage_label(str(s), lang) for s in stages]
    base = alt.Chart(df).encode(x=alt.X("stage:N", sort=order, title=None),
                                color=alt.Color("significant:N", scale=alt.Scale(domain=[sig, nsig], range=[BLUE, GREY]),
                                                legend=alt.Legend(title=None, orient="bottom")))
    rule = base.mark_rule(strokeWidth=3).encode(y=alt.Y("ci_rel_low:Q", title=_L("ch.rel_lift", lang),
                                                        axis=alt.Axis(format="+%")), y2="ci_rel_high:Q")
    point = base.mark_point(filled=True, size=100).encode(
        y="lift_rel:Q",
        shape=alt.Shape("variant:N", legend=alt.Legend(orient="bottom", title=i18n.column_label("variant", lang))),
        tooltip=[tip("stage:N", lang), tip("variant:N", lang), tip("share:Q", lang, ".1%"),
                 tip("lift_rel:Q", lang, "+.1%"), tip("p_value_holm:Q", lang, ".4f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="black").encode(y="y:Q")
    return (rule + point + zero).properties(title=_L("ch.lift_stages", lang), height=280)


def variant_rates_chart(variants: pd.DataFrame, *, value: str, title: str, fmt: str = ".1%",
                        lang: str = "en") -> alt.Chart:
    df = variants.dropna(subset=[value]).copy()
    base = alt.Chart(df).encode(y=alt.Y("variant:N", title=None))
    bar = base.mark_bar(color=BLUE, opacity=0.8).encode(
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format=fmt.lstrip("+").replace(".1", ".0"))),
        tooltip=[tip("variant:N", lang), tip(f"{value}:Q", lang, fmt), tip("customers:Q", lang, ",d")])
    err = base.mark_rule(color="black").encode(x="ci_low:Q", x2="ci_high:Q")
    return (bar + err).properties(title=title, height=max(170, 60 * len(df)))
