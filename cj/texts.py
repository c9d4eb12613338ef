"""Sentences the pages show about a result (funnel summary, A/B verdict) in any UI language.

Built from the result numbers with :mod:`cj.i18n` templates, so :mod:`cj.funnel` and
:mod:`cj.abtest` keep their English texts (CLI/JSON contracts) and this module only words them.
``escape`` (e.g. Markdown escaping in the pages) is applied to every text that comes from the data.
"""
from __future__ import annotations

import math

import pandas as pd

from .i18n import Msg, V, t


def _ok(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def funnel_summary(steps: pd.DataFrame, *, per: str = "customer", mode: str = "ordered", lang: str = "en",
                   escape=None) -> str:
    """"**1,234** customers started; **321** (26.0%) reached purchase." + the largest drop (Markdown)."""
    if steps is None or len(steps) == 0:
        return ""
    unit = "sessions" if per == "session" else "customers"
    first, last = steps.iloc[0], steps.iloc[-1]
    out = Msg("fs.reached", {"started": V("count", int(first["customers"])), "unit": V("unit", unit),
                             "reached": V("count", int(last["customers"])),
                             "share": V("pct", float(last["conversion_from_start"]), 1),
                             "last": V("stage", last["step"])}).render(lang, escape)
    worst = steps.iloc[1:].sort_values("conversion_from_previous").head(1)
    if not worst.empty and mode != "open":
        w = worst.iloc[0]
        in_window = int(w["in_window"]) if _ok(w.get("in_window")) else 0
        out += Msg("fs.drop", {"step": V("stage", w["step"]),
                               "share": V("pct", float(w["conversion_from_previous"]), 1),
                               "dropped": V("count", int(w["dropped"])),
                               "open": Msg("fs.in_window", {"n": V("count", in_window)}) if in_window else ""}
                   ).render(lang, escape)
    elif mode == "open":
        out += t("fs.open", lang)
    return out


def ab_label(result, lang: str = "en") -> str:
    """The metric in words ("purchase conversion", "revenue per customer", …), as ``ABResult.label``."""
    if result.kind == "conversion":
        return Msg("ab.label.conversion", {"metric": V("stage", result.metric)}).render(lang)
    key = "ab.label.per_customer" if result.metric in ("revenue", "events") else "ab.label.average"
    return Msg(key, {"metric": V("text", result.metric)}).render(lang)


def _signed_pct(x: float, lang: str) -> V:
    v = 100 * x
    digits = 0 if abs(v) >= 1 else (1 if abs(v) >= 0.1 else 2)
    return V("signed_pct", x, digits)


def _value(x, kind: str) -> V:
    if kind == "proportion":
        return V("pct", x, 1)
    return V("num", x, 0 if abs(x) >= 100 else (2 if abs(x) >= 1 else 3))


def _chance(c: float, lang: str) -> str:
    if c > 0.9995:
        return ">" + _fmt(V("pct", 0.999, 1), lang)
    if c < 0.0005:
        return "<" + _fmt(V("pct", 0.001, 1), lang)
    return _fmt(V("pct", c, 1), lang)


def _fmt(v: V, lang: str) -> str:
    from .i18n import format_value

    return format_value(v, lang)


def ab_verdict(result, lang: str = "en") -> str:
    """One plain-language line per treatment (SRM warning first), like :func:`cj.abtest.verdict`;
    English is exactly that function's text."""
    from . import abtest

    if lang == "en":
        return abtest.verdict(result)
    lines = []
    if result.srm.srm_warning:
        lines.append(Msg("ab.v.srm", {"p": V("p", result.srm.p_value)}).render(lang))
    if result.error is not None:
        key = "ab.v.not_enough" if result.error in abtest._NOT_ENOUGH else "ab.v.no_verdict"
        lines.append(Msg(key, {"reason": V("reason", (result.error, result.error_message))}).render(lang))
        return "\n".join(lines)
    label = ab_label(result, lang)
    several = len(result.comparisons) > 1
    for c in result.comparisons:
        reason = V("reason", (c.error, c.error_message))
        if c.error in abtest._NOT_ENOUGH:
            lines.append(Msg("ab.v.not_enough", {"reason": reason}).render(lang))
            continue
        if c.error is not None:
            lines.append(Msg("ab.v.cmp_error", {"variant": V("text", c.variant), "control": V("text", c.control),
                                                "label": label, "reason": reason}).render(lang))
            continue
        rel = ""
        if c.lift_rel is not None and c.ci_rel is not None:
            rel = Msg("ab.v.rel", {"lift": _signed_pct(c.lift_rel, lang),
                                   "level": V("pct", 1 - c.alpha, 0),
                                   "lo": _signed_pct(c.ci_rel[0], lang), "hi": _signed_pct(c.ci_rel[1], lang)})
        p = c.p_value_holm if several and c.p_value_holm is not None else c.p_value
        ptxt = Msg("ab.v.holm", {"p": V("p", p)}) if several else V("p", p)
        chance = Msg("ab.v.chance", {"chance": _chance(c.chance_to_win, lang), "control": V("text", c.control)}) \
            if c.chance_to_win is not None else ""
        args = {"variant": V("text", c.variant), "control": V("text", c.control), "label": label,
                "a": _value(c.control_value, c.kind), "b": _value(c.treatment_value, c.kind), "rel": rel,
                "p": ptxt, "chance": chance}
        if c.significant:
            args.pop("control")
            key = "ab.v.raised" if c.lift_abs > 0 else "ab.v.lowered"
            lines.append(Msg(key, args).render(lang))
        else:
            lines.append(Msg("ab.v.none", args).render(lang))
    return "\n".join(lines)
