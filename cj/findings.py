"""Plain-language findings per stage, ranked intervention points and KPIs.

Findings are *generated from result objects* (the journey map, funnel breakdowns, A/B results,
segment summaries, KPI tables), never from raw events, so every number in a finding's text is
in its ``numbers`` dict and can be recomputed from ``Findings.results``. They state only what
the statistics support:

* a difference between groups is reported only when its test passes at ``alpha`` after the
  adjustment named in the finding's ``source``; groups with fewer than ``min_group`` units are
  called small (with their n);
* "significant" appears only where a test was run and passed;
* descriptive facts (largest drop, the emotion curve's low point, segment shares) say so
  without claiming significance, with their base counts or confidence intervals.

Finding kinds (:data:`KINDS`, in the order they are numbered)
-------------------------------------------------------------
``intervention``  the top-ranked intervention point (below) and its components.
``drop``          the transition losing the most units (ordered funnel).
``breakdown``     per breakdown column with few groups (:func:`cj.funnel.funnel_by` over the
                  journey): the lowest vs highest group at a step whose chi-square across groups
                  has Benjamini–Hochberg-adjusted p < ``alpha`` and a gap of at least
                  ``min_gap``; at most two steps per column, largest gaps first.
``trend``         a step's conversion fell sharply in a period (:func:`period_drops`), for all
                  units or for one group of a breakdown column.
``sentiment``     the lowest stage of the emotion curve, its 95% CI and its top pain points.
``experiment``    per experiment, the verdict at the first stage the change moved (Holm-
                  significant lift in :func:`cj.abtest.stage_lifts`; else the goal stage) from
                  :func:`cj.abtest.conversion_test`; a sample-ratio mismatch is always reported.
``kpi``           a KPI that changed significantly between the last two periods.
``segment``       each segment's share of customers and of revenue, and its repeat rate.

Intervention points
-------------------
Every transition k -> k + 1 is scored::

    score = lost × (1 + share_negative) × (1 + headroom)

``lost``: units that reached k but not k + 1 (ordered funnel, outside the window);
``share_negative``: share of negative sentiment values at stage k (0 without feedback);
``headroom``: how much better the best group converts there than all units, relatively —
``best_rate / overall_rate - 1`` over every group of every breakdown column (segment,
touchpoint, device, …) with at least ``min_group`` units, on the stage-entry basis of
:func:`cj.journey.stage_transitions` (0 when no group beats the overall rate). Each component
is a column of ``Findings.intervention_points``.

KPIs (:func:`kpis`) follow the journey-mapping practice in ``seeds/``: conversion rate to the
goal stage, average rating and CSAT (share of 4–5 on a 1–5 scale) or NPS (0–10 ratings),
average order value, repeat-purchase rate, revenue per customer; each with its value over the
whole data and, when the data spans more than one period, the last full calendar month against
the month before (or the second half of the time span against the first), with a test.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import abtest, funnel, journey, store
from .i18n import Msg, V
from .errors import CJError, ParameterError
from .journey import MISSING, OVERALL, JourneyMap, json_value, records

KINDS = ("intervention", "drop", "breakdown", "trend", "sentiment", "experiment", "kpi", "segment")
MIN_GAP = 0.05            # smallest between-group gap (conversion points) worth a breakdown finding
MIN_REL_DROP = 0.20       # a "sharp" fall: at least 20% below the other periods' conversion ...
MIN_ABS_DROP = 0.05       # ... and at least 5 points
MIN_RUN_UNITS = 30        # fewest units in a run of periods (and in the rest) to test it
MIN_SENTIMENT_VALUES = 30  # fewest values for a stage to be the emotion curve's low point
GROUP_TREND_FACTOR = 1.5  # a group's fall is reported beside an overall one only if this much steeper
NO_TREND_DIMS = frozenset({"segment"})   # segments are defined by the outcome: no trend/breakdown findings
_GRAIN_LEN = {"day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7)}


# ------------------------------------------------------------------ results

@dataclass(frozen=True)
class Finding:
    """One numbered, plain-language finding.

    ``numbers`` holds every number shown in ``text`` (rates as fractions, counts as ints,
    p-values as floats) so it can be recomputed; ``details`` holds the non-numeric context
    (column, group, periods, phrases, experiment …); ``source`` names the analysis.
    """

    number: int
    stage: str | None
    text: str
    numbers: dict
    source: str
    kind: str
    next_stage: str | None = None
    details: dict = field(default_factory=dict)
    msg: Any = field(default=None, compare=False, repr=False)          # cj.i18n.Msg of ``text``
    source_msg: Any = field(default=None, compare=False, repr=False)   # cj.i18n.Msg of ``source``

    def text_in(self, lang: str = "en") -> str:
        """``text`` in ``lang`` ("en", "ru", "zh"), with numbers written for that language."""
        return self.msg.render(lang) if self.msg is not None else self.text

    def source_in(self, lang: str = "en") -> str:
        return self.source_msg.render(lang) if self.source_msg is not None else self.source

    def in_language(self, lang: str = "en") -> "Finding":
        """A copy whose ``text`` and ``source`` are in ``lang`` (``numbers`` unchanged)."""
        return replace(self, text=self.text_in(lang), source=self.source_in(lang))

    def to_json(self) -> dict:
        return {"number": self.number, "stage": self.stage, "next_stage": self.next_stage, "kind": self.kind,
                "text": self.text, "numbers": json_value(dict(self.numbers)), "source": self.source,
                "details": json_value(dict(self.details))}


@dataclass(frozen=True)
class Findings:
    """Findings, ranked intervention points and KPIs of one journey.

    ``results`` keeps the result objects the findings were generated from: ``"journey"``
    (:class:`cj.journey.JourneyMap`), ``"breakdowns"`` ({column: BreakdownResult}),
    ``"trend_drops"`` (:func:`period_drops` frame), ``"experiments"`` ({name: ABResult}),
    ``"segments"`` (:func:`segment_summary` frame), ``"segment_labels"`` (``customer_id,
    segment_name`` when the segments were computed here, else None), ``"kpis"``.
    """

    findings: list
    intervention_points: pd.DataFrame
    kpis: pd.DataFrame
    journey: JourneyMap
    results: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    notes: tuple = ()

    def in_language(self, lang: str = "en") -> "Findings":
        """A copy with every finding's text and source in ``lang`` (tables and numbers unchanged)."""
        if lang == "en":
            return self
        return replace(self, findings=[f.in_language(lang) for f in self.findings])

    def for_stage(self, stage: str) -> list[Finding]:
        """Findings about ``stage`` (including transitions leaving it)."""
        return [f for f in self.findings if f.stage == stage]

    def to_json(self) -> dict:
        """``{"findings": [...], "intervention_points": [...ranked...], "kpis": [...]}`` (+ params, notes)."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "intervention_points": records(self.intervention_points),
            "kpis": records(self.kpis),
            "params": json_value(dict(self.params)),
            "notes": list(self.notes),
        }

    def to_markdown(self) -> str:
        """A Markdown report: numbered findings, the intervention table and the KPIs."""
        lines = ["# Journey findings", ""]
        for f in self.findings:
            lines.append(f"{f.number}. {_md(f.text)} *({_md(f.source)})*")
        if not self.findings:
            lines.append("No findings: the data does not support any statement yet.")
        lines += ["", "## Intervention points (ranked)", "",
                  "score = customers lost × (1 + share negative) × (1 + headroom)", ""]
        ip = self.intervention_points
        if len(ip):
            lines.append("| rank | transition | lost | share negative | headroom | best group | score |")
            lines.append("|---:|---|---:|---:|---:|---|---:|")
            for r in ip.itertuples(index=False):
                best = f"{r.headroom_dim}: {r.headroom_group}" if _is_text(r.headroom_group) else "—"
                lines.append(f"| {r.rank} | {_md(r.transition)} | {int(r.lost):,} | {_pct(r.share_negative)} | "
                             f"{_pct(r.headroom)} | {_md(best)} | {r.score:,.0f} |")
        lines += ["", "## KPIs", ""]
        if len(self.kpis):
            lines.append("| KPI | value | previous | current | change | p |")
            lines.append("|---|---:|---:|---:|---:|---:|")
            for r in self.kpis.itertuples(index=False):
                fmt = _kpi_fmt(r.unit)
                lines.append(f"| {_md(r.label)} | {fmt(r.value)} | {fmt(r.previous)} | {fmt(r.current)} | "
                             f"{_signed(r.change, r.unit)} | {_p_short(r.p_value)} |")
        return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ formatting (text and numbers together)

def _md(text) -> str:
    """Escape data text for Markdown (no emphasis, links, HTML or tables)."""
    return re.sub(r"([\\`*_{}\[\]<>|#~$])", r"\\\1", str(text))


def _pct(v, digits: int | None = None) -> str:
    """A share as a percentage: whole numbers from 10% to 99.5%, one decimal otherwise (or ``digits``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    x = 100 * float(v)
    if digits is None:
        digits = 0 if (x == 0 or abs(x) >= 100 or 10 <= abs(x) < 99.5) else 1
    return f"{x:.{digits}f}%"


def _signed(v, unit) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if unit == "share":
        return f"{100 * v:+.1f} pts"
    return f"{v:+,.2f}"


def _kpi_fmt(unit):
    if unit == "share":
        return _pct
    return lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.2f}"


def _p_short(p) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _is_text(v) -> bool:
    """A non-empty string (pandas 3 keeps missing strings as NaN, which is truthy)."""
    return isinstance(v, str) and v != ""


def _cap(s) -> str:
    s = str(s)
    return s[:1].upper() + s[1:] if s[:1].isascii() else s


def _transition(a, b) -> str:
    return f"{_cap(a)} → {_cap(b)}"


class _Text:
    """Builds a finding's message values and its ``numbers`` together, so no number is only in the
    text. Each method returns a typed :class:`cj.i18n.V` that the message writes per language."""

    def __init__(self):
        self.numbers: dict[str, Any] = {}

    def pct(self, key: str, v: float, digits: int | None = None) -> V:
        self.numbers[key] = float(v)
        return V("pct", float(v), digits)

    def count(self, key: str, v) -> V:
        self.numbers[key] = int(v)
        return V("count", int(v))

    def points(self, key: str, v: float) -> V:
        self.numbers[key] = float(v)
        return V("points", float(v))

    def signed(self, key: str, v: float) -> V:
        self.numbers[key] = float(v)
        return V("signed", float(v))

    def num(self, key: str, v: float, digits: int = 2) -> V:
        self.numbers[key] = float(v)
        return V("num", float(v), digits)

    def p(self, key: str, p: float) -> V:
        self.numbers[key] = float(p)
        return V("p", float(p))


def _item(kind: str, stage, next_stage, msg: Msg, numbers: dict, source: Msg, details: dict) -> dict:
    """A finding's fields: the English text and source, and the messages to write them in other languages."""
    return dict(kind=kind, stage=stage, next_stage=next_stage, text=msg.render("en"), numbers=numbers,
                source=source.render("en"), details=details, msg=msg, source_msg=source)


def _txt(v) -> V:
    return V("text", str(v))


# ------------------------------------------------------------------ builders (pure: result objects -> findings)

def drop_findings(jm: JourneyMap) -> list[dict]:
    """The transition losing the most units (ordered funnel)."""
    st = jm.stages[jm.stages["next_stage"].notna()]
    st = st[st["customers_ordered"] > 0]
    if st.empty:
        return []
    lost = st["lost_to_next"].astype("float64")
    if not (lost > 0).any():
        return []
    r = st.loc[lost.idxmax()]
    t = _Text()
    base = int(r["customers_ordered"])
    msg = Msg("f.drop", {"transition": V("transition", (r["stage"], r["next_stage"])),
                         "lost_share": t.pct("lost_share", int(r["lost_to_next"]) / base),
                         "unit": V("unit", jm.unit), "lost": t.count("lost", r["lost_to_next"]),
                         "reached": t.count("reached", base)})
    return [_item("drop", r["stage"], r["next_stage"], msg, t.numbers, Msg("src.drop"), {})]


def breakdown_findings(breakdowns: dict, *, unit: str = "customers", alpha: float = 0.05,
                       min_group: int = journey.MIN_GROUP, min_gap: float = MIN_GAP,
                       per_column: int = 2) -> list[dict]:
    """Lowest vs highest group at the steps where the groups differ (see the module docstring)."""
    out = []
    for dim, br in breakdowns.items():
        tests = br.tests
        cands = []
        for t in tests.itertuples(index=False):
            if not (t.p_adjusted < alpha):
                continue
            j = int(t.step_index)
            rows = br.steps[br.steps["step_index"] == j - 1][["group", "customers"]].rename(
                columns={"customers": "prev"})
            cur = br.steps[br.steps["step_index"] == j][["group", "customers", "conversion_from_previous"]]
            g = rows.merge(cur, on="group")
            g = g[(g["prev"] > 0) & ~g["group"].isin([MISSING, funnel.OTHER])]
            big = g[g["prev"] >= min_group]
            pool = big if len(big) >= 2 else g
            if len(pool) < 2:
                continue
            lo = pool.sort_values(["conversion_from_previous", "prev"], ascending=[True, False]).iloc[0]
            hi = pool.sort_values(["conversion_from_previous", "prev"], ascending=[False, False]).iloc[0]
            gap = float(hi["conversion_from_previous"] - lo["conversion_from_previous"])
            if gap < min_gap:
                continue
            cands.append((gap, j, lo, hi, float(t.p_adjusted)))
        cands.sort(key=lambda c: -c[0])
        steps = [s[0] for s in br.params.get("steps", [])]
        for gap, j, lo, hi, p in cands[:per_column]:
            a, b = steps[j - 2], steps[j - 1]
            t = _Text()
            small = [x for x in (lo, hi) if x["prev"] < min_group]
            msg = Msg("f.breakdown", {
                "dim": V("dim", dim), "low_group": V("group", lo["group"], dim), "unit": V("unit", unit),
                "low_rate": t.pct("low_rate", lo["conversion_from_previous"]),
                "high_rate": t.pct("high_rate", hi["conversion_from_previous"]), "high_group": V("group", hi["group"], dim),
                "transition": V("transition", (a, b)), "p": t.p("p_adjusted", p),
                "low_n": t.count("low_n", lo["prev"]), "high_n": t.count("high_n", hi["prev"]),
                "small": Msg("f.small_groups", {"groups": V("msgs", [
                    Msg("f.small_group", {"group": V("group", x["group"], dim)}) for x in small], "and")})
                    if small else ""})
            out.append(_item("breakdown", a, b, msg, t.numbers, Msg("src.breakdown", {"dim": V("dim", dim)}),
                             {"column": dim, "low_group": lo["group"], "high_group": hi["group"],
                              "small_groups": [x["group"] for x in small], "gap": gap}))
    out.sort(key=lambda d: -d["details"]["gap"])
    return out


def period_drops(jm: JourneyMap, *, alpha: float = 0.05, min_units: int = MIN_RUN_UNITS,
                 min_rel_drop: float = MIN_REL_DROP, min_abs_drop: float = MIN_ABS_DROP) -> pd.DataFrame:
    """Runs of consecutive periods in which a step's conversion fell sharply.

    For every series of :attr:`JourneyMap.trend` (a transition, for all units or one group of a
    breakdown column other than ``segment``): periods too recent to have converted are left
    out (a period counts when its end plus the 90th percentile of the transition's time in stage
    is before the end of the data); every run of consecutive periods up to half the series long,
    with at least ``min_units`` units inside and outside, is compared with the other periods by
    a pooled two-proportion z-test; the run with the lowest z is kept and its p-value multiplied
    by the number of runs tried (Bonferroni for the scan). p-values are then adjusted with
    Benjamini–Hochberg across series, and a run is reported when ``p_adjusted < alpha`` and its
    conversion is at least ``min_rel_drop`` (relative) and ``min_abs_drop`` (absolute) below the
    others'. A group's run is kept beside an all-units run of the same transition only when it
    fell :data:`GROUP_TREND_FACTOR` times as much (relatively); at most one group per transition.

    Columns: ``stage, next_stage, dim, group, period_start, period_last, periods, units_in,
    converted_in, conversion_in, units_out, converted_out, conversion_out, rel_drop, z, runs,
    p_value, p_adjusted``.
    """
    cols = ["stage", "next_stage", "dim", "group", "period_start", "period_last", "periods", "units_in",
            "converted_in", "conversion_in", "units_out", "converted_out", "conversion_out", "rel_drop", "z",
            "runs", "p_value", "p_adjusted"]
    trend = jm.trend
    grain = jm.params.get("grain")
    end = jm.params.get("data_end")
    if trend is None or trend.empty or not grain or not end:
        return pd.DataFrame(columns=cols)
    end = pd.Timestamp(end)
    p90 = jm.transitions[jm.transitions["dim"] == OVERALL].set_index("stage")["p90_seconds"]
    rows = []
    for (stage, nxt, dim, group), s in trend.groupby(["stage", "next_stage", "dim", "group"], sort=False):
        if dim in NO_TREND_DIMS or group in (MISSING, funnel.OTHER):
            continue
        lag = pd.Timedelta(seconds=float(p90.get(stage, 0.0)) if pd.notna(p90.get(stage, np.nan)) else 0.0)
        s = s.sort_values("period")
        starts = pd.to_datetime(s["period"])
        ends = starts + (_GRAIN_LEN[grain] if grain in _GRAIN_LEN else pd.DateOffset(months=1))
        s = s[(ends + lag <= end).to_numpy()]
        m = len(s)
        if m < 3:
            continue
        n = s["units"].to_numpy(dtype=float)
        x = s["converted"].to_numpy(dtype=float)
        N, X = n.sum(), x.sum()
        cn, cx = np.concatenate([[0], np.cumsum(n)]), np.concatenate([[0], np.cumsum(x)])
        best = None
        tried = 0
        for length in range(1, m // 2 + 1):
            for a in range(0, m - length + 1):
                ni, xi = cn[a + length] - cn[a], cx[a + length] - cx[a]
                no, xo = N - ni, X - xi
                if ni < min_units or no < min_units:
                    continue
                tried += 1
                pooled = X / N
                se = math.sqrt(pooled * (1 - pooled) * (1 / ni + 1 / no)) if 0 < pooled < 1 else 0.0
                if se == 0:
                    continue
                z = (xi / ni - xo / no) / se
                if best is None or z < best[0]:
                    best = (z, a, length, ni, xi, no, xo)
        if best is None:
            continue
        z, a, length, ni, xi, no, xo = best
        p = min(1.0, 2 * stats.norm.sf(abs(z)) * tried)
        rin, rout = xi / ni, xo / no
        rows.append({"stage": stage, "next_stage": nxt, "dim": dim, "group": group,
                     "period_start": pd.Timestamp(s["period"].iloc[a]),
                     "period_last": pd.Timestamp(s["period"].iloc[a + length - 1]), "periods": length,
                     "units_in": int(ni), "converted_in": int(xi), "conversion_in": rin,
                     "units_out": int(no), "converted_out": int(xo), "conversion_out": rout,
                     "rel_drop": (rout - rin) / rout if rout > 0 else 0.0, "z": z, "runs": tried, "p_value": p})
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "p_adjusted"])
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["p_adjusted"] = funnel.bh_adjust(out["p_value"].to_numpy(dtype=float))
    keep = (out["p_adjusted"] < alpha) & (out["rel_drop"] >= min_rel_drop) & \
           (out["conversion_out"] - out["conversion_in"] >= min_abs_drop)
    out = out[keep]
    chosen = []
    for (stage, nxt), g in out.groupby(["stage", "next_stage"], sort=False):
        allu = g[g["dim"] == OVERALL]
        if len(allu):
            chosen.append(allu.iloc[0])
        groups = g[g["dim"] != OVERALL]
        if len(allu):
            groups = groups[groups["rel_drop"] >= GROUP_TREND_FACTOR * float(allu["rel_drop"].iloc[0])]
        if len(groups):
            chosen.append(groups.sort_values(["p_adjusted", "rel_drop"], ascending=[True, False]).iloc[0])
    if not chosen:
        return pd.DataFrame(columns=cols)
    res = pd.DataFrame(chosen, columns=cols)
    rank = {s: i for i, s in enumerate(jm.stage_order)}
    res["_r"] = res["stage"].map(rank)
    return res.sort_values(["_r", "dim"]).drop(columns="_r").reset_index(drop=True)


def _period_label(start: pd.Timestamp, last: pd.Timestamp, grain: str) -> tuple[Msg, Msg]:
    """("the week of 2024-03-04", "the other weeks") as messages (dates written per language)."""
    a, b = V("date", pd.Timestamp(start), grain), V("date", pd.Timestamp(last), grain)
    if start == last:
        return Msg(f"period.one.{grain}", {"a": a}), Msg(f"period.others.{grain}")
    return Msg(f"period.range.{grain}", {"a": a, "b": b}), Msg(f"period.others.{grain}")


def trend_findings(drops: pd.DataFrame, *, grain: str | None, unit: str = "customers",
                   min_group: int = journey.MIN_GROUP) -> list[dict]:
    """One finding per row of :func:`period_drops`."""
    out = []
    for r in drops.itertuples(index=False):
        t = _Text()
        when, others = _period_label(r.period_start, r.period_last, grain or "week")
        who = Msg("f.trend.who_group", {"group": V("group", r.group, r.dim), "unit": V("unit", unit),
                                        "dim": V("dim", r.dim)}) \
            if r.dim != OVERALL else V("unit", unit)
        msg = Msg("f.trend", {
            "transition": V("transition", (r.stage, r.next_stage)),
            "conversion_in": t.pct("conversion_in", r.conversion_in), "who": who, "stage": V("stage", r.stage),
            "when": when, "conversion_out": t.pct("conversion_out", r.conversion_out), "others": others,
            "p": t.p("p_adjusted", r.p_adjusted), "converted_in": t.count("converted_in", r.converted_in),
            "units_in": t.count("units_in", r.units_in),
            "small": Msg("f.trend.small") if r.units_in < min_group else ""})
        out.append(_item("trend", r.stage, r.next_stage, msg, t.numbers, Msg("src.trend"),
                         {"column": r.dim or None, "group": r.group or None,
                          "period_start": r.period_start, "period_last": r.period_last,
                          "periods": int(r.periods), "grain": grain}))
    return out


def sentiment_findings(jm: JourneyMap, *, min_values: int = MIN_SENTIMENT_VALUES, top: int = 3) -> list[dict]:
    """The emotion curve's lowest stage, with its CI, share negative and top pain points."""
    st = jm.stages[(jm.stages["sentiment_n"] >= min_values) & jm.stages["mean_sentiment"].notna()]
    if len(st) < 2:
        return []
    r = st.loc[st["mean_sentiment"].idxmin()]
    t = _Text()
    args = {"stage": V("stage_cap", r["stage"]), "mean": t.signed("mean", r["mean_sentiment"]), "ci": ""}
    if pd.notna(r["sentiment_ci_low"]):
        args["ci"] = Msg("f.sentiment.ci", {"lo": t.signed("ci_low", r["sentiment_ci_low"]),
                                            "hi": t.signed("ci_high", r["sentiment_ci_high"])})
    args["share_negative"] = t.pct("share_negative", r["share_negative"])
    args["n"] = t.count("n", r["sentiment_n"])
    args["pains"] = ""
    pains = jm.pain_points[jm.pain_points["stage"] == r["stage"]].head(top)
    phrases = []
    if len(pains):
        parts = []
        for i, p in enumerate(pains.itertuples(index=False), start=1):
            parts.append(Msg("f.sentiment.pain", {"phrase": _txt(p.phrase),
                                                  "count": t.count(f"pain_{i}_count", p.count)}))
            phrases.append(p.phrase)
        args["pains"] = Msg("f.sentiment.pains", {"items": V("msgs", parts, "list")})
    return [_item("sentiment", r["stage"], r["next_stage"], Msg("f.sentiment", args), t.numbers, Msg("src.sentiment"),
                  {"phrases": phrases,
                   "quotes": [q for q in pains["quote"].tolist() if _is_text(q)] if len(pains) else []})]


def experiment_goal(jm: JourneyMap, experiment: str, goal: str) -> str:
    """The stage an experiment is judged at: its first Holm-significant lift, else ``goal``."""
    ex = jm.experiments[(jm.experiments["experiment"] == experiment) & jm.experiments["significant"].astype(bool)]
    if len(ex):
        order = {s: i for i, s in enumerate(jm.stage_order)}
        return str(min(ex["stage"], key=lambda s: order.get(s, 1 << 30)))
    return goal


def experiment_findings(results: dict) -> list[dict]:
    """One finding per treatment (and an SRM warning) of each :class:`cj.abtest.ABResult`."""
    out = []
    for name, res in results.items():
        goal = res.metric
        label = Msg("f.exp.label", {"goal": V("stage", goal)})
        if res.srm.srm_warning:
            t = _Text()
            msg = Msg("f.exp.srm", {"name": _txt(name), "p": t.p("srm_p", res.srm.p_value)})
            out.append(_item("experiment", goal, None, msg, t.numbers, Msg("src.srm"),
                             {"experiment": name, "srm": True}))
        if res.error is not None:
            msg = Msg("f.exp.error", {"name": _txt(name), "reason": V("reason", (res.error, res.error_message))})
            out.append(_item("experiment", goal, None, msg, {}, Msg("src.ab"),
                             {"experiment": name, "error": res.error}))
            continue
        several = len(res.comparisons) > 1
        for c in res.comparisons:
            t = _Text()
            if c.error is not None:
                msg = Msg("f.exp.cmp_error", {"name": _txt(name), "variant": _txt(c.variant),
                                              "control": _txt(c.control),
                                              "reason": V("reason", (c.error, c.error_message))})
                t.numbers = {}
            else:
                p = c.p_value_holm if several and c.p_value_holm is not None else c.p_value
                n = sum(v.customers for v in res.variants if v.variant in (c.variant, c.control))
                ptxt = Msg("f.exp.holm", {"p": t.p("p_value", p)}) if several else t.p("p_value", p)
                args = {"variant": _txt(c.variant), "control": _txt(c.control), "name": _txt(name), "label": label,
                        "control_rate": t.pct("control_rate", c.control_value, 1),
                        "treatment_rate": t.pct("treatment_rate", c.treatment_value, 1), "p": ptxt}
                if c.significant:
                    args["lift"] = t.points("lift_abs", c.lift_abs)
                    args["n"] = t.count("n", n)
                    msg = Msg("f.exp.raised" if c.lift_abs > 0 else "f.exp.lowered", args)
                else:
                    args["n"] = t.count("n", n)
                    msg = Msg("f.exp.none", args)
            out.append(_item("experiment", goal, None, msg, t.numbers,
                             Msg("src.ab_test_holm" if several else "src.ab_test"),
                             {"experiment": name, "variant": c.variant, "control": c.control,
                              "significant": bool(c.significant), "error": c.error}))
    return out


def segment_findings(summary: pd.DataFrame) -> list[dict]:
    """Each segment's share of customers and revenue (largest revenue share first)."""
    if summary is None or summary.empty:
        return []
    has_rev = summary["revenue"].sum() > 0
    out = []
    order = summary.sort_values(["revenue_share", "customers"], ascending=[False, False]) if has_rev else \
        summary.sort_values("customers", ascending=False)
    for r in order.itertuples(index=False):
        t = _Text()
        args = {"segment": V("segment", r.segment), "share": t.pct("share", r.share),
                "customers": t.count("customers", r.customers), "revenue": ""}
        if has_rev:
            args["revenue"] = Msg("f.segment.revenue", {"revenue_share": t.pct("revenue_share", r.revenue_share)})
        if r.buyers_share == 0:
            args["rest"] = Msg("f.segment.none")
        else:
            args["rest"] = Msg("f.segment.bought", {"buyers_share": t.pct("buyers_share", r.buyers_share),
                                                    "repeat_share": t.pct("repeat_share", r.repeat_share)})
        out.append(_item("segment", None, None, Msg("f.segment", args), t.numbers, Msg("src.segment"),
                         {"segment": r.segment}))
    return out


def kpi_findings(kpi: pd.DataFrame, *, alpha: float = 0.05) -> list[dict]:
    """KPIs that changed significantly between the two periods."""
    out = []
    for r in kpi.itertuples(index=False):
        if not (pd.notna(r.p_adjusted) and r.p_adjusted < alpha) or pd.isna(r.previous) or pd.isna(r.current):
            continue
        t = _Text()
        fmt = t.pct if r.unit == "share" else (lambda k, v: t.num(k, v))
        verb = "rose" if r.current > r.previous else "fell"
        args = {"label": V("kpi", r.kpi), "previous": fmt("previous", r.previous),
                "period_previous": V("period", r.period_previous), "current": fmt("current", r.current),
                "period_current": V("period", r.period_current), "p": t.p("p_adjusted", r.p_adjusted),
                "n_previous": t.count("n_previous", r.n_previous), "n_current": t.count("n_current", r.n_current)}
        source = Msg("src.kpi", {"test": V("key", f"test.{r.test}")})
        if r.kpi == "conversion_rate":     # a cohort measure: customers first seen in each period
            args["stage"] = V("stage", r.stage)
            out.append(_item("kpi", r.stage, None, Msg(f"f.kpi.conv.{verb}", args), t.numbers, source,
                             {"kpi": r.kpi}))
            continue
        out.append(_item("kpi", r.stage if isinstance(r.stage, str) else None, None, Msg(f"f.kpi.{verb}", args),
                         t.numbers, source, {"kpi": r.kpi}))
    return out


def intervention_points(jm: JourneyMap, *, min_group: int = journey.MIN_GROUP) -> pd.DataFrame:
    """Ranked transitions by ``lost × (1 + share_negative) × (1 + headroom)`` (module docstring)."""
    cols = ["rank", "stage", "next_stage", "transition", "customers", "lost", "lost_share", "share_negative",
            "headroom", "headroom_dim", "headroom_group", "headroom_rate", "headroom_units", "overall_rate", "score"]
    rows = []
    tr = jm.transitions
    for r in jm.stages[jm.stages["next_stage"].notna()].itertuples(index=False):
        lost = int(r.lost_to_next) if pd.notna(r.lost_to_next) else 0
        neg = float(r.share_negative) if pd.notna(r.share_negative) else 0.0
        o = tr[(tr["stage"] == r.stage) & (tr["dim"] == OVERALL)]
        overall = float(o["conversion"].iloc[0]) if len(o) else np.nan
        g = tr[(tr["stage"] == r.stage) & (tr["dim"] != OVERALL) & (tr["units"] >= min_group)
               & ~tr["group"].isin([MISSING, funnel.OTHER])]
        head, hdim, hgroup, hrate, hunits = 0.0, None, None, np.nan, pd.NA
        if len(g) and overall > 0:
            b = g.sort_values(["conversion", "units"], ascending=[False, False]).iloc[0]
            if b["conversion"] > overall:
                head = float(b["conversion"] / overall - 1)
                hdim, hgroup, hrate, hunits = b["dim"], b["group"], float(b["conversion"]), int(b["units"])
        base = int(r.customers_ordered)
        rows.append({"stage": r.stage, "next_stage": r.next_stage, "transition": _transition(r.stage, r.next_stage),
                     "customers": base, "lost": lost, "lost_share": lost / base if base else np.nan,
                     "share_negative": neg, "headroom": head, "headroom_dim": hdim, "headroom_group": hgroup,
                     "headroom_rate": hrate, "headroom_units": hunits, "overall_rate": overall,
                     "score": lost * (1 + neg) * (1 + head)})
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    df["_pos"] = range(len(df))
    df = df.sort_values(["score", "_pos"], ascending=[False, True]).drop(columns="_pos").reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    df["headroom_units"] = pd.array(df["headroom_units"], dtype="Int64")
    return df[cols]


def intervention_findings(ip: pd.DataFrame, *, unit: str = "customers", top: int = 1) -> list[dict]:
    out = []
    for r in ip.head(top).itertuples(index=False):
        if not r.score > 0:
            continue
        t = _Text()
        args = {"transition": V("transition", (r.stage, r.next_stage)), "score": t.num("score", r.score, 0),
                "lost": t.count("lost", r.lost), "unit": V("unit", unit),
                "share_negative": t.num("share_negative", r.share_negative), "stage": V("stage", r.stage),
                "headroom": t.num("headroom", r.headroom), "best": ""}
        if _is_text(r.headroom_group):
            args["best"] = Msg("f.intervention.best", {
                "group": V("group", r.headroom_group, r.headroom_dim), "dim": V("dim", r.headroom_dim),
                "rate": t.pct("headroom_rate", r.headroom_rate), "overall": t.pct("overall_rate", r.overall_rate)})
        out.append(_item("intervention", r.stage, r.next_stage, Msg("f.intervention", args), t.numbers,
                         Msg("src.intervention"),
                         {"headroom_column": r.headroom_dim, "headroom_group": r.headroom_group}))
    return out


# ------------------------------------------------------------------ SQL-backed summaries

def segment_summary(con, *, labels: pd.DataFrame | None = None, goal: str | None = None) -> pd.DataFrame:
    """Per segment: ``segment, customers, share, revenue, revenue_share, buyers_share, repeat_share,
    revenue_per_customer``. Segments come from ``labels`` (``customer_id, segment_name``) or, without
    them, from the events' ``segment`` column. Orders are events with revenue > 0, or events at
    ``goal`` without a revenue column (then revenue is 0); ``buyers_share`` = customers with an
    order, ``repeat_share`` = buyers with two or more. Empty when there are no segments."""
    cols = store.table_columns(con, "events")
    out_cols = ["segment", "customers", "share", "revenue", "revenue_share", "buyers_share", "repeat_share",
                "revenue_per_customer"]
    q = store.quote_ident
    if labels is None and "segment" not in cols:
        return pd.DataFrame(columns=out_cols)
    rev = f"TRY_CAST(e.{q('revenue')} AS DOUBLE)" if "revenue" in cols else "CAST(NULL AS DOUBLE)"
    order = f"{rev} > 0" if "revenue" in cols else f"CAST(e.{q('stage')} AS VARCHAR) = $goal"
    if labels is not None:
        seg = "sl.segment_name"
        join = f" JOIN _cj_seg_labels sl ON sl.customer_id = CAST(e.{q('customer_id')} AS VARCHAR)"
        tables = {"_cj_seg_labels": labels[["customer_id", "segment_name"]].astype({"customer_id": str})}
    else:
        seg, join, tables = f"CAST(e.{q('segment')} AS VARCHAR)", "", {}
    df = store.run(con, f"""
WITH c AS (
    SELECT CAST(e.{q('customer_id')} AS VARCHAR) AS customer_id, any_value({seg}) AS segment,
           coalesce(sum({rev}) FILTER (WHERE {rev} > 0), 0) AS revenue,
           count(*) FILTER (WHERE {order}) AS orders
    FROM events e{join} WHERE e.{q('customer_id')} IS NOT NULL GROUP BY 1)
SELECT segment, count(*) AS customers, sum(revenue) AS revenue,
       count_if(orders >= 1) AS buyers, count_if(orders >= 2) AS repeaters
FROM c WHERE segment IS NOT NULL GROUP BY 1""", {"goal": goal or ""} if "revenue" not in cols else None, **tables)
    if df.empty:
        return pd.DataFrame(columns=out_cols)
    df["customers"] = df["customers"].astype("int64")
    total_c, total_r = df["customers"].sum(), df["revenue"].sum()
    df["share"] = df["customers"] / total_c
    df["revenue_share"] = df["revenue"] / total_r if total_r > 0 else 0.0
    df["buyers_share"] = df["buyers"] / df["customers"]
    df["repeat_share"] = np.where(df["buyers"] > 0, df["repeaters"] / df["buyers"].where(df["buyers"] > 0, 1), 0.0)
    df["revenue_per_customer"] = df["revenue"] / df["customers"]
    return df.sort_values(["customers", "segment"], ascending=[False, True])[out_cols].reset_index(drop=True)


def _periods(con) -> tuple[tuple, tuple] | None:
    """((label, start, end), (label, start, end)) of the previous and current period, or None."""
    q = store.quote_ident
    span = store.run(con, f"SELECT min(CAST({q('timestamp')} AS TIMESTAMP)) AS lo, "
                          f"max(CAST({q('timestamp')} AS TIMESTAMP)) AS hi FROM events")
    lo, hi = span.at[0, "lo"], span.at[0, "hi"]
    if pd.isna(lo) or pd.isna(hi):
        return None
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    months = []
    m = lo.normalize().replace(day=1)
    while m <= hi:
        nxt = m + pd.DateOffset(months=1)
        if m >= lo.normalize() and (nxt - pd.Timedelta(days=1)) <= hi.normalize():
            months.append((m, nxt))
        m = nxt
    if len(months) >= 2 and months[-2][1] == months[-1][0]:
        (a0, a1), (b0, b1) = months[-2], months[-1]
        return (a0.strftime("%Y-%m"), a0, a1), (b0.strftime("%Y-%m"), b0, b1)
    if hi - lo >= pd.Timedelta(days=2):
        mid = lo + (hi - lo) / 2
        return (("the first half", lo, mid), ("the second half", mid, hi + pd.Timedelta(microseconds=1)))
    return None


def _kpi_stats(con, *, goal: str | None, start=None, end=None) -> dict:
    """Sufficient statistics of the KPIs: over events in [start, end), and for the conversion rate
    over the customers first seen in [start, end) (the whole data without a period)."""
    cols = store.table_columns(con, "events")
    q = store.quote_ident
    rev = f"TRY_CAST({q('revenue')} AS DOUBLE)" if "revenue" in cols else "CAST(NULL AS DOUBLE)"
    rt = f"TRY_CAST({q('rating')} AS DOUBLE)" if "rating" in cols else "CAST(NULL AS DOUBLE)"
    params: dict = {"goal": goal if goal is not None else ""}
    inside = "TRUE"
    if start is not None:
        inside = "ts >= $start AND ts < $end"
        params.update(start=pd.Timestamp(start).to_pydatetime(), end=pd.Timestamp(end).to_pydatetime())
    order = "rev > 0" if "revenue" in cols else "st = $goal"
    df = store.run(con, f"""
WITH a AS (SELECT CAST({q('customer_id')} AS VARCHAR) AS c, CAST({q('timestamp')} AS TIMESTAMP) AS ts,
                  CAST({q('stage')} AS VARCHAR) AS st, {rev} AS rev, CASE WHEN isfinite({rt}) THEN {rt} END AS rt
           FROM events WHERE {q('customer_id')} IS NOT NULL AND {q('timestamp')} IS NOT NULL),
e AS (SELECT *, ({order}) AS is_order FROM a WHERE {inside}),
f AS (SELECT c, min(ts) AS ts, bool_or(st = $goal) AS conv FROM a GROUP BY c),
n AS (SELECT count(*) AS new_customers, count_if(conv) AS converted FROM f WHERE {inside}),
c AS (SELECT c, count_if(coalesce(is_order, FALSE)) AS orders,
             coalesce(sum(rev) FILTER (WHERE rev > 0), 0) AS revenue FROM e GROUP BY c),
o AS (SELECT count(*) AS n_orders, sum(rev) AS s_orders, sum(rev * rev) AS ss_orders FROM e WHERE rev > 0),
r AS (SELECT count(rt) AS n_rt, sum(rt) AS s_rt, sum(rt * rt) AS ss_rt, count(*) FILTER (WHERE rt >= 4) AS rt_high,
             count(*) FILTER (WHERE rt >= 9) AS promoters, count(*) FILTER (WHERE rt <= 6) AS detractors FROM e)
SELECT (SELECT count(*) FROM c) AS customers, (SELECT count_if(orders >= 1) FROM c) AS buyers,
       (SELECT count_if(orders >= 2) FROM c) AS repeaters, (SELECT sum(revenue) FROM c) AS s_rev,
       (SELECT sum(revenue * revenue) FROM c) AS ss_rev, n.*, o.*, r.*
FROM n, o, r""", params)
    return {k: (None if pd.isna(v) else float(v)) for k, v in df.iloc[0].items()}


def _mean_sd(n, s, ss):
    if not n:
        return np.nan, np.nan
    mean = s / n
    var = max(0.0, (ss - s * s / n) / (n - 1)) if n > 1 else np.nan
    return mean, math.sqrt(var) if var == var else np.nan


def _rate_p(x1, n1, x2, n2) -> float:
    if not n1 or not n2:
        return np.nan
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float)
    if (table.sum(axis=0) == 0).any():
        return np.nan
    return float(stats.chi2_contingency(table, correction=False)[1])


def _welch_p(a, b) -> float:
    (m1, s1, n1), (m2, s2, n2) = a, b
    if not (n1 and n2 and n1 > 1 and n2 > 1) or not (s1 > 0 or s2 > 0):
        return np.nan
    return float(stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False).pvalue)


def _kpi_values(st: dict, scale: str | None, has_rev: bool, has_goal: bool) -> dict:
    """kpi -> (value, n, test-ingredients)."""
    out = {}
    cust = st["customers"] or 0
    new = st["new_customers"] or 0
    if has_goal and new:
        out["conversion_rate"] = (st["converted"] / new, new, ("rate", st["converted"], new))
    if scale is not None and st["n_rt"]:
        m, sd = _mean_sd(st["n_rt"], st["s_rt"], st["ss_rt"])
        out["average_rating"] = (m, st["n_rt"], ("mean", m, sd, st["n_rt"]))
        if scale == "csat5":
            out["csat"] = (st["rt_high"] / st["n_rt"], st["n_rt"], ("rate", st["rt_high"], st["n_rt"]))
        elif scale == "nps10":
            out["nps"] = (100.0 * (st["promoters"] - st["detractors"]) / st["n_rt"], st["n_rt"], None)
    if has_rev and st["n_orders"]:
        m, sd = _mean_sd(st["n_orders"], st["s_orders"], st["ss_orders"])
        out["average_order_value"] = (m, st["n_orders"], ("mean", m, sd, st["n_orders"]))
    buyers = st["buyers"] or 0
    if buyers:
        out["repeat_purchase_rate"] = (st["repeaters"] / buyers, buyers, ("rate", st["repeaters"], buyers))
    if has_rev and cust:
        m, sd = _mean_sd(cust, st["s_rev"] or 0.0, st["ss_rev"] or 0.0)
        out["revenue_per_customer"] = (m, cust, ("mean", m, sd, cust))
    return out


KPI_LABELS = {
    "conversion_rate": ("Conversion rate", "share"),
    "average_rating": ("Average rating", "rating"),
    "csat": ("CSAT (share of 4–5 ratings)", "share"),
    "nps": ("NPS", "score"),
    "average_order_value": ("Average order value", "money"),
    "repeat_purchase_rate": ("Repeat-purchase rate", "share"),
    "revenue_per_customer": ("Revenue per customer", "money"),
}


def kpis(con, *, goal: str | None) -> pd.DataFrame:
    """The KPIs the data allows (module docstring), overall and for the last two periods.

    Definitions: *conversion rate* = customers with an event at ``goal`` / customers (in a
    period: of the customers first seen in it, whatever the time of their goal event — so recent
    periods have had less time to convert);
    *average rating* over all ratings; *CSAT* = share of ratings 4–5 (1–5 scale); *NPS* =
    % ratings 9–10 − % 0–6 (0–10 scale); *average order value* = revenue / orders (an order
    = an event with revenue > 0); *repeat-purchase rate* = customers with ≥ 2 orders / customers
    with ≥ 1 (orders = events at ``goal`` when there is no revenue column); *revenue per
    customer* = revenue / customers. In a period (but for the conversion rate), customers are
    those with an event in it and only its events count. Tests of the change: chi-square for rates, Welch's t for means
    (orders for AOV, per-customer revenue, ratings); none for NPS.

    Columns: ``kpi, label, unit, stage, value, n, period_previous, previous, n_previous,
    period_current, current, n_current, change, p_value, p_adjusted`` (Benjamini–Hochberg across
    the KPIs), ``test``.
    """
    cols = store.table_columns(con, "events")
    out_cols = ["kpi", "label", "unit", "stage", "value", "n", "period_previous", "previous", "n_previous",
                "period_current", "current", "n_current", "change", "p_value", "p_adjusted", "test"]
    has_rev = "revenue" in cols
    has_goal = goal is not None
    scale = None
    if "rating" in cols:
        q = store.quote_ident("rating")
        mx = store.scalar(con, f"SELECT max(TRY_CAST({q} AS DOUBLE)) FROM events "
                               f"WHERE isfinite(TRY_CAST({q} AS DOUBLE))")
        if mx is not None and not pd.isna(mx):
            scale = "csat5" if float(mx) <= 5 else ("nps10" if float(mx) <= 10 else "other")
    allv = _kpi_values(_kpi_stats(con, goal=goal), scale, has_rev, has_goal)
    per = _periods(con)
    prev = cur = {}
    if per is not None:
        (pl, p0, p1), (cl, c0, c1) = per
        prev = _kpi_values(_kpi_stats(con, goal=goal, start=p0, end=p1), scale, has_rev, has_goal)
        cur = _kpi_values(_kpi_stats(con, goal=goal, start=c0, end=c1), scale, has_rev, has_goal)
    rows = []
    for k, (label, unit) in KPI_LABELS.items():
        if k not in allv:
            continue
        v, n, _ = allv[k]
        row = {"kpi": k, "label": label, "unit": unit, "stage": goal if k == "conversion_rate" else None,
               "value": v, "n": int(n), "period_previous": None, "previous": np.nan, "n_previous": pd.NA,
               "period_current": None, "current": np.nan, "n_current": pd.NA, "change": np.nan,
               "p_value": np.nan, "test": None}
        if per is not None and k in prev and k in cur:
            (pv, pn, pt), (cv, cn, ct) = prev[k], cur[k]
            row.update(period_previous=per[0][0], previous=pv, n_previous=int(pn), period_current=per[1][0],
                       current=cv, n_current=int(cn), change=cv - pv)
            if pt is not None and ct is not None and pt[0] == "rate":
                row.update(p_value=_rate_p(pt[1], pt[2], ct[1], ct[2]), test="chi-square")
            elif pt is not None and ct is not None and pt[0] == "mean":
                row.update(p_value=_welch_p(pt[1:], ct[1:]), test="Welch's t")
        rows.append(row)
    df = pd.DataFrame(rows, columns=out_cols)
    df["p_adjusted"] = funnel.bh_adjust(df["p_value"].to_numpy(dtype=float)) if len(df) else []
    for c in ("n_previous", "n_current"):
        df[c] = pd.array(df[c], dtype="Int64")
    return df


# ------------------------------------------------------------------ orchestration

def _default_goal(stages: list[str]) -> str | None:
    if "purchase" in stages:
        return "purchase"
    return stages[-1] if stages else None


def generate_findings(con, *, stage_order: Sequence[str], per: str = "customer", mode: str = "ordered",
                      window: timedelta | str | None = None, goal: str | None = None, segments: Any = "auto",
                      dims: Sequence[str] | str = "auto", max_groups: int = journey.MAX_GROUPS,
                      min_group: int = journey.MIN_GROUP, alpha: float = 0.05, grain: str | None = "auto",
                      random_state: int = 0) -> Findings:
    """The journey map, its findings, ranked intervention points and KPIs, in one call.

    Parameters
    ----------
    stage_order, per, mode, window, dims, max_groups, min_group, grain : as :func:`cj.journey.journey_map`.
    goal : the conversion goal of the KPIs and experiments (default ``"purchase"`` when it is a
        stage, else the last stage).
    segments : where segments come from: ``"auto"`` (the events' ``segment`` column when there is
        one, else :func:`cj.segments.segment_customers` with ``random_state``), a
        :class:`cj.segments.SegmentResult`, a ``customer_id, segment_name`` frame, or None.
    alpha : significance level of every test (after its adjustment).
    """
    stages = journey._check_stages(stage_order)
    cols = store.table_columns(con, "events")
    notes: list[str] = []
    goal = goal if goal is not None else _default_goal(stages)
    if goal is not None and goal not in stages:
        raise ParameterError.one(f"Goal '{goal}' is not one of the stages",
                                 f"Pick one of: {', '.join(stages)}.")
    labels = None
    if "segment" not in cols and segments is not None:
        if isinstance(segments, pd.DataFrame):
            labels = segments
        elif hasattr(segments, "labels_table"):
            labels = segments.labels_table()
        elif segments == "auto":
            from . import segments as seg_mod
            try:
                labels = seg_mod.segment_customers(con, stage_order=stages, random_state=random_state).labels_table()
            except (CJError, ValueError) as exc:
                notes.append(f"Customers were not segmented: {getattr(exc, 'message', str(exc))}")
    jm = journey.journey_map(con, stage_order=stages, per=per, mode=mode, window=window, dims=dims,
                             max_groups=max_groups,
                             min_group=min_group, grain=grain, segment_labels=labels, alpha=alpha)
    unit = jm.unit
    breakdowns = {}
    steps = [[s] for s in stages]
    if len(stages) >= 2 and jm.funnel is not None and len(jm.funnel.steps) == len(stages):
        for d in jm.params["dims"]:
            if d in NO_TREND_DIMS or d not in cols:
                continue
            breakdowns[d] = funnel.funnel_by(con, steps, by=d, mode=mode, window=window, per=per,
                                             max_groups=max_groups)
    drops = period_drops(jm, alpha=alpha)
    ab = {}
    for name in dict.fromkeys(jm.experiments["experiment"]) if len(jm.experiments) else []:
        g = experiment_goal(jm, name, goal or stages[-1])
        try:
            ab[name] = abtest.conversion_test(con, goal=g, experiment=name, alpha=alpha)
        except CJError as exc:
            notes.append(f"Experiment {name} not analysed: {exc.message}")
    summary = segment_summary(con, labels=labels, goal=goal)
    kpi = kpis(con, goal=goal)
    ip = intervention_points(jm, min_group=min_group)

    raw = (intervention_findings(ip, unit=unit) + drop_findings(jm)
           + breakdown_findings(breakdowns, unit=unit, alpha=alpha, min_group=min_group)
           + trend_findings(drops, grain=jm.params.get("grain"), unit=unit, min_group=min_group)
           + sentiment_findings(jm) + experiment_findings(ab) + kpi_findings(kpi, alpha=alpha)
           + segment_findings(summary))
    items = [Finding(number=i, **d) for i, d in enumerate(raw, start=1)]
    results = {"journey": jm, "breakdowns": breakdowns, "trend_drops": drops, "experiments": ab,
               "segments": summary, "segment_labels": labels, "kpis": kpi}
    params = {**jm.params, "goal": goal, "segments_from": "column" if "segment" in cols else
              ("clustering" if labels is not None else None)}
    return Findings(findings=items, intervention_points=ip, kpis=kpi, journey=jm, results=results, params=params,
                    notes=tuple(list(jm.notes) + notes))
