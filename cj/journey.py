"""The journey map: stages × reach × conversion × time × touchpoints × emotion × pain points ×
segments × experiments, computed once and returned as tidy frames.

:func:`journey_map` gathers, per stage of ``stage_order`` (the map's columns):

* **Reach** — units with any event at the stage (:func:`cj.funnel.funnel`, ``mode="open"``).
* **Conversion to the next stage** — the ordered funnel over all stages
  (:func:`cj.funnel.funnel`, ``mode="ordered"``; ``mode="unordered"`` for data whose
  timestamps cannot order the steps within a session): ``customers(k + 1) / customers(k)`` and
  the units lost (``dropped``: reached k, not k + 1, and no longer inside the window).
* **Transitions** (:func:`stage_transitions`, one SQL statement): for every stage k but the
  last, the units *entering* it (their first event at k) and whether they reached the next
  stage afterwards. This is what the per-stage breakdowns are measured on, because a
  breakdown of the whole ordered funnel assigns each unit one group for the whole journey
  (its first touchpoint), while a journey map asks "of those who entered *this* stage through
  email, how many moved on?". Definitions (unit = customer, or customer + session):

  - *entered k at* ``t0`` = the unit's first event at stage k;
  - *converted* = it has an event at stage k + 1 at or after some event at stage k, at most
    ``window`` later (no limit when ``window`` is None, the default: loyalty and advocacy
    come months after awareness, so a 30-day window would hide them); unordered: an event at
    k + 1 before or after one at k, at most ``window`` apart;
  - *time in stage* = first event at k + 1 at or after ``t0``, minus ``t0``; medians (and the
    90th percentile) are over converted units that have such an event;
  - a unit's *group* in a breakdown = the value of that column on its first event at stage k
    (ties: the smallest value; no value: ``(missing)``); its *period* = ``t0`` truncated to
    the week (or day / month, see ``grain``).

* **Touchpoints** — share of the stage's events per touchpoint, and each touchpoint's
  conversion to the next stage (transitions grouped by the touchpoint of entry).
* **Emotion** — :func:`cj.sentiment.sentiment_by` per stage (mean sentiment with its 95% CI,
  share negative, mean rating), after :func:`cj.sentiment.score_feedback` when there is text.
* **Pain points** — :func:`cj.sentiment.pain_points` per stage, with one quote each.
* **Segments** — best and worst segment at each stage by conversion to the next stage
  (transitions grouped by ``segment``), when the events have a ``segment`` column (the
  dashboard attaches it) or ``segment_labels`` are given. Groups smaller than ``min_group``
  units are not ranked when at least two groups are large enough.
* **Experiments** — :func:`cj.abtest.stage_lifts` per experiment, with ``significant`` meaning
  Holm-adjusted p < ``alpha`` and no error.

Every part degrades to an empty frame (and NaN columns in ``stages``) when its column is
absent: no touchpoint, no feedback/rating, no variant, no segment.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Sequence

import numpy as np
import duckdb
import pandas as pd

from . import abtest, funnel, sentiment, store
from .errors import CJError, ParameterError, Problem

MISSING = "(missing)"
OVERALL = ""                      # the ``dim`` of the ungrouped rows of a transitions frame
MIN_GROUP = 100                   # smaller groups are "small" (flagged, not ranked when others exist)
MAX_GROUPS = 8                    # breakdown columns with more distinct values are not used
GRAINS = ("day", "week", "month")
MODES = ("ordered", "unordered")
# Columns that are never breakdown dimensions (identity, time, measures, free text, A/B arms).
RESERVED = frozenset({"customer_id", "timestamp", "stage", "event", "session_id", "feedback", "revenue",
                      "rating", "sentiment", "experiment", "variant", "_row", "_record", "segment_name",
                      "score", "label", "lang"})

TRANSITION_COLUMNS = ["stage", "next_stage", "position", "dim", "group", "period", "units", "converted",
                      "conversion", "median_seconds", "p90_seconds"]


# ------------------------------------------------------------------ results

def json_value(v):
    """A JSON-safe scalar: NaN/NaT/NA -> None, numpy -> Python, timestamps -> ISO text."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (pd.Timestamp,)):
        return None if pd.isna(v) else v.isoformat()
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """A frame as a list of JSON-safe dicts."""
    return [{str(k): json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


@dataclass(frozen=True)
class JourneyMap:
    """Everything a journey map shows, computed once (see the module docstring).

    ``stages``: one row per stage, in order — ``stage``, ``position`` (1-based), ``next_stage``
    (None for the last), ``customers`` (reach, open funnel; sessions when ``per="session"``),
    ``customers_ordered`` (ordered funnel), ``conversion_to_next``, ``lost_to_next`` (ordered
    funnel ``dropped`` at the next step), ``in_window_next``, ``median_seconds_in_stage`` and
    ``converted_units`` (transitions), ``top_touchpoint``/``top_touchpoint_share``,
    ``mean_sentiment``, ``sentiment_ci_low``/``high``, ``share_negative``, ``sentiment_n``,
    ``mean_rating``, ``top_pain_point``, ``pain_quote``, ``best_segment``/``_conversion``/``_units``,
    ``worst_segment``/``_conversion``/``_units``, ``significant_lifts`` (experiments).

    ``transitions``: :func:`stage_transitions` rows without a period (``dim`` ``""`` = all
    units); ``trend``: the same by ``period``. ``touchpoints``: ``stage, touchpoint, events,
    share, units, converted, conversion``. ``emotion``: :func:`cj.sentiment.sentiment_by` rows of
    the map's stages. ``pain_points``: ``stage, rank, phrase, count, share_negative, z, quote``.
    ``segments``: ``stage, next_stage, segment, units, converted, conversion, small``.
    ``experiments``: :func:`cj.abtest.stage_lifts` rows with ``experiment``, ``control`` and
    ``significant``. ``funnel``/``reach``: the ordered and open :class:`cj.funnel.FunnelResult`.
    ``notes``: what could not be computed and why.
    """

    stages: pd.DataFrame
    transitions: pd.DataFrame
    trend: pd.DataFrame
    touchpoints: pd.DataFrame
    emotion: pd.DataFrame
    pain_points: pd.DataFrame
    segments: pd.DataFrame
    experiments: pd.DataFrame
    funnel: funnel.FunnelResult | None = None
    reach: funnel.FunnelResult | None = None
    params: dict = field(default_factory=dict)
    notes: tuple = ()

    @property
    def stage_order(self) -> list[str]:
        return [str(s) for s in self.stages["stage"]]

    @property
    def unit(self) -> str:
        """"customers" or "sessions" (what the counts count)."""
        return "sessions" if self.params.get("per") == "session" else "customers"

    def stage_row(self, stage: str) -> pd.Series:
        return self.stages[self.stages["stage"] == stage].iloc[0]

    def to_json(self) -> dict:
        return {
            "stages": records(self.stages),
            "transitions": records(self.transitions),
            "touchpoints": records(self.touchpoints),
            "emotion": records(self.emotion),
            "pain_points": records(self.pain_points),
            "segments": records(self.segments),
            "experiments": records(self.experiments),
            "params": json_value(dict(self.params)),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------ helpers

def _columns(con) -> list[str]:
    try:
        return store.table_columns(con, "events")
    except duckdb.CatalogException as exc:  # no events view (other errors keep their own message)
        raise ParameterError.one("No dataset is open (the 'events' view is missing)",
                                 "Open or upload a dataset first.") from exc


def _check_stages(stage_order) -> list[str]:
    stages = [str(s) for s in (stage_order or [])]
    problems = []
    if not stages:
        problems.append(Problem("No stages were given", "Pass the journey's stages in order, e.g. "
                                                        "['awareness', 'interest', 'consideration', 'purchase']."))
    dup = sorted({s for s in stages if stages.count(s) > 1})
    if dup:
        problems.append(Problem(f"Stage(s) listed twice: {', '.join(dup)}", "List every stage once, in order."))
    if problems:
        raise ParameterError(problems)
    return stages


# The funnel's window check (timedelta, text like '30d', or None), not a copy of it.
_window_us = funnel._window_us


def breakdown_columns(con, *, max_groups: int = MAX_GROUPS, exclude: Sequence[str] = ()) -> list[str]:
    """Columns of ``events`` usable as breakdowns: 2..``max_groups`` distinct non-empty values,
    not an identity/time/measure/text column (:data:`RESERVED`). ``touchpoint`` and ``segment``
    come first when present, then the others in table order."""
    cols = [c for c in _columns(con) if c not in RESERVED and c not in set(exclude)]
    if not cols:
        return []
    q = store.quote_ident
    sel = ", ".join(f"count(DISTINCT CAST({q(c)} AS VARCHAR)) AS {q('n' + str(i))}" for i, c in enumerate(cols))
    counts = store.run(con, f"SELECT {sel} FROM events").iloc[0]
    ok = [c for i, c in enumerate(cols) if 2 <= int(counts[f"n{i}"]) <= int(max_groups)]
    first = [c for c in ("touchpoint", "segment") if c in ok]
    return first + [c for c in ok if c not in first]


def choose_grain(con) -> str | None:
    """Trend grain for the data's time span: week from 6 weeks on, day from 6 days, month beyond
    two years; None when the span is shorter than 6 days."""
    span = store.run(con, f"SELECT min(CAST({store.quote_ident('timestamp')} AS TIMESTAMP)) AS lo, "
                          f"max(CAST({store.quote_ident('timestamp')} AS TIMESTAMP)) AS hi FROM events")
    lo, hi = span.at[0, "lo"], span.at[0, "hi"]
    if pd.isna(lo) or pd.isna(hi):
        return None
    days = (pd.Timestamp(hi) - pd.Timestamp(lo)) / pd.Timedelta(days=1)
    if days > 730:
        return "month"
    if days >= 42:
        return "week"
    if days >= 6:
        return "day"
    return None


# ------------------------------------------------------------------ transitions (one SQL statement)

def stage_transitions(con, *, stage_order: Sequence[str], dims: Sequence[str] = (), per: str = "customer",
                      mode: str = "ordered", window: timedelta | str | None = None, grain: str | None = None,
                      segment_labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units entering each stage and whether they moved on to the next one (module docstring).

    Parameters
    ----------
    stage_order : the stages in order; transitions are k -> k + 1.
    dims : columns of ``events`` to group by (each on its own), e.g. ``["touchpoint", "device"]``.
        ``"segment"`` may be listed when ``segment_labels`` is given instead of a column.
    per : ``"customer"`` or ``"session"``.
    mode : ``"ordered"`` (the next-stage event at or after a stage-k event) or ``"unordered"``
        (a next-stage event before or after one; for data whose timestamps within a session
        cannot be trusted to order the steps).
    window : at most this long between the stage-k event and the stage-(k + 1) event (None: no limit).
    grain : also group by the period of entry (``"day"``, ``"week"``, ``"month"``).
    segment_labels : frame ``customer_id, segment_name`` used as dimension ``segment``.

    Returns
    -------
    Tidy frame :data:`TRANSITION_COLUMNS`: ``stage``, ``next_stage``, ``position`` (1-based
    position of ``stage``), ``dim`` (``""`` for all units), ``group``, ``period`` (NaT without
    a period), ``units`` entering the stage, ``converted``, ``conversion``, ``median_seconds``
    and ``p90_seconds`` (time in stage of the converted units).
    """
    stages = _check_stages(stage_order)
    cols = _columns(con)
    problems: list[Problem] = []
    for c in ("customer_id", "timestamp", "stage"):
        if c not in cols:
            problems.append(Problem(f"The events have no '{c}' column", "Map a column to it on the Data page.",
                                    column=c))
    if mode not in MODES:
        problems.append(Problem(f"mode='{mode}' is not a journey mode", f"Use one of: {', '.join(MODES)}."))
    if per not in funnel.UNITS:
        problems.append(Problem(f"per='{per}' is not a unit", f"Use one of: {', '.join(funnel.UNITS)}."))
    elif per == "session" and "session_id" not in cols:
        problems.append(Problem("A per-session journey needs a session_id column",
                                "Map a session column when uploading, or use per='customer'.", column="session_id"))
    if grain is not None and grain not in GRAINS:
        problems.append(Problem(f"grain='{grain}' is not a period", f"Use one of: {', '.join(GRAINS)}."))
    dims = list(dict.fromkeys(str(d) for d in dims))
    use_labels = segment_labels is not None and "segment" not in cols
    for d in dims:
        if d not in cols and not (d == "segment" and use_labels):
            problems.append(Problem(f"Breakdown column '{d}' is not in the events",
                                    f"Available columns: {', '.join(cols)}.", column=d))
    if use_labels and not {"customer_id", "segment_name"} <= set(segment_labels.columns):
        problems.append(Problem("segment_labels needs columns customer_id and segment_name",
                                "Pass cj.segments.SegmentResult.labels_table()."))
    if problems:
        raise ParameterError(problems)
    wus = _window_us(window)
    out = pd.DataFrame(columns=TRANSITION_COLUMNS)
    if len(stages) < 2:
        return out
    q = store.quote_ident
    unit = ["customer_id"] + (["session_id"] if per == "session" else [])
    unit_sel = ", ".join(f"CAST(e.{q(c)} AS VARCHAR) AS {q(c)}" for c in unit)
    unit_list = ", ".join(q(c) for c in unit)
    dim_sel = []
    for i, d in enumerate(dims):
        src = "sl.segment_name" if (d == "segment" and use_labels) else f"e.{q(d)}"
        dim_sel.append(f"CAST({src} AS VARCHAR) AS g{i}")
    join = (f" LEFT JOIN _cj_seg_labels sl ON sl.customer_id = CAST(e.{q('customer_id')} AS VARCHAR)"
            if use_labels and "segment" in dims else "")
    not_null = " AND ".join(f"e.{q(c)} IS NOT NULL" for c in unit + ["timestamp"])
    stage_txt = f"CAST(e.{q('stage')} AS VARCHAR)"
    g_cols = [f"g{i}" for i in range(len(dims))]
    g_from = "".join(f", {g}" for g in g_cols)
    g_null = "".join(f", CAST(NULL AS VARCHAR) AS {g}" for g in g_cols)
    # a unit's group = the value on its first event at the stage (ties: smallest value)
    g_agg = "".join(f", coalesce(first({g} ORDER BY ts, {g}) FILTER (WHERE role = 0), '{MISSING}') AS {g}"
                    for g in g_cols)
    if mode == "ordered":
        conv = "role = 1 AND last_from IS NOT NULL" + (
            "" if wus is None else " AND epoch_us(ts) - epoch_us(last_from) <= $wus")
    elif wus is None:
        conv = "role = 1"
    else:
        conv = ("role = 1 AND (epoch_us(ts) - epoch_us(last_from) <= $wus "
                "OR epoch_us(next_from) - epoch_us(ts) <= $wus)")
    period = f"date_trunc($grain, t0)" if grain else "CAST(NULL AS TIMESTAMP)"
    params: dict = {"stages": stages, "n": len(stages)}
    if wus is not None:
        params["wus"] = wus
    if grain:
        params["grain"] = grain
    sets = ["(tr)"] + [f"(tr, {g})" for g in g_cols]
    if grain:
        sets += ["(tr, period)"] + [f"(tr, period, {g})" for g in g_cols]
    grouping_cols = (["period"] if grain else []) + g_cols
    gid = f"GROUPING({', '.join(grouping_cols)})" if grouping_cols else "0"
    sel_g = "".join(f", {g}" for g in g_cols)
    sel_period = "period" if grain else "CAST(NULL AS TIMESTAMP) AS period"
    if wus is None:
        # Without a window, the first stage-(k + 1) event at or after the unit's entry t0 decides
        # (ordered), or any stage-(k + 1) event (unordered): grouped aggregates and one join give the same
        # units as the window-function form below, at about a third of its cost on 1M events.
        g_first = "".join(f", coalesce(first({g} ORDER BY ts, {g}), '{MISSING}') AS {g}" for g in g_cols)
        same_unit = " AND ".join(f"n.{q(c)} = f.{q(c)}" for c in unit)
        # a row of `nexts` = the unit has a stage-(k + 1) event (unordered); t1 = one at or after t0 (ordered)
        conv_n = "n.t1 IS NOT NULL" if mode == "ordered" else "n.tr IS NOT NULL"
        body = f"""
firsts AS MATERIALIZED (
    SELECT {unit_list}, k AS tr, min(ts) AS t0{g_first} FROM ev WHERE k < $n GROUP BY ALL
),
nexts AS (
    SELECT {', '.join(f'f.{q(c)}' for c in unit)}, f.tr, min(n.ts) FILTER (WHERE n.ts >= f.t0) AS t1
    FROM firsts f JOIN ev n ON {same_unit} AND n.k = f.tr + 1
    GROUP BY ALL
),
units AS (
    SELECT f.*, coalesce({conv_n}, FALSE) AS converted, n.t1
    FROM firsts f LEFT JOIN nexts n ON {same_unit} AND n.tr = f.tr
),"""
    else:
        body = f"""
roles AS (
    SELECT {unit_list}, k AS tr, 0 AS role, ts{g_from} FROM ev WHERE k < $n
    UNION ALL
    SELECT {unit_list}, k - 1 AS tr, 1 AS role, ts{g_null} FROM ev WHERE k > 1
),
marked AS (
    SELECT *, max(CASE WHEN role = 0 THEN ts END) OVER (
               PARTITION BY {unit_list}, tr ORDER BY ts, role ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS last_from,
           min(CASE WHEN role = 0 THEN ts END) OVER (
               PARTITION BY {unit_list}, tr ORDER BY ts, role ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
           ) AS next_from
    FROM roles
),
units AS MATERIALIZED (
    SELECT {unit_list}, tr, min(ts) FILTER (WHERE role = 0) AS t0,
           coalesce(bool_or({conv}), FALSE) AS converted,
           min(ts) FILTER (WHERE role = 1 AND last_from IS NOT NULL) AS t1{g_agg}
    FROM marked GROUP BY ALL
    HAVING min(ts) FILTER (WHERE role = 0) IS NOT NULL
),"""
    sql = f"""
WITH ev AS (
    SELECT {unit_sel}, CAST(e.{q('timestamp')} AS TIMESTAMP) AS ts,
           list_position($stages, {stage_txt}) AS k{''.join(', ' + s for s in dim_sel)}
    FROM events e{join}
    WHERE {not_null} AND list_contains($stages, {stage_txt})
),{body}
u AS (SELECT tr, {period} AS period, converted,
             CASE WHEN converted THEN (epoch_us(t1) - epoch_us(t0)) / 1e6 END AS sec{sel_g} FROM units)
SELECT tr, {sel_period}{sel_g}, {gid} AS gid, count(*) AS units, count_if(converted) AS converted,
       median(sec) AS median_seconds, quantile_cont(sec, 0.9) AS p90_seconds
FROM u GROUP BY GROUPING SETS ({', '.join(sets)})"""
    tables = {"_cj_seg_labels": segment_labels[["customer_id", "segment_name"]].astype({"customer_id": str})} \
        if use_labels and "segment" in dims else {}
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    df = store.run(con, sql, used, **tables)
    if df.empty:
        return out
    # GROUPING(period, g0, g1, ...): the first column is the highest bit; a set bit = not grouped by it
    n_bits = len(grouping_cols)
    rows = []
    for r in df.itertuples(index=False):
        bits = int(r.gid)
        has_period = bool(grain) and not (bits >> (n_bits - 1)) & 1
        grouped = [i for i in range(len(g_cols)) if not (bits >> (len(g_cols) - 1 - i)) & 1]
        if len(grouped) > 1:
            continue
        k = int(r.tr)
        dim = dims[grouped[0]] if grouped else OVERALL
        group = getattr(r, g_cols[grouped[0]]) if grouped else ""
        units = int(r.units)
        conv = int(r.converted)
        rows.append({
            "stage": stages[k - 1], "next_stage": stages[k], "position": k, "dim": dim,
            "group": str(group) if group is not None else MISSING,
            "period": pd.Timestamp(r.period) if has_period and not pd.isna(r.period) else pd.NaT,
            "units": units, "converted": conv, "conversion": conv / units if units else np.nan,
            "median_seconds": float(r.median_seconds) if not pd.isna(r.median_seconds) else np.nan,
            "p90_seconds": float(r.p90_seconds) if not pd.isna(r.p90_seconds) else np.nan,
        })
    out = pd.DataFrame(rows, columns=TRANSITION_COLUMNS)
    dim_rank = {d: i for i, d in enumerate([OVERALL] + dims)}
    out["_d"] = out["dim"].map(dim_rank)
    out["_p"] = out["period"].isna().map({True: 0, False: 1})
    out = out.sort_values(["_p", "position", "_d", "period", "units", "group"],
                          ascending=[True, True, True, True, False, True], na_position="first")
    out = out.drop(columns=["_d", "_p"]).reset_index(drop=True)
    out["units"] = out["units"].astype("int64")
    out["converted"] = out["converted"].astype("int64")
    return out


def stage_touchpoints(con, *, stage_order: Sequence[str]) -> pd.DataFrame:
    """Events per stage and touchpoint: ``stage, touchpoint, events, share`` (of the stage's events),
    largest first within each stage (stages in order). Empty without a ``touchpoint`` column."""
    stages = _check_stages(stage_order)
    cols = _columns(con)
    out_cols = ["stage", "touchpoint", "events", "share"]
    if "touchpoint" not in cols or "stage" not in cols:
        return pd.DataFrame(columns=out_cols)
    q = store.quote_ident
    df = store.run(con, f"SELECT CAST({q('stage')} AS VARCHAR) AS stage, "
                        f"coalesce(CAST({q('touchpoint')} AS VARCHAR), '{MISSING}') AS touchpoint, count(*) AS events "
                        f"FROM events WHERE list_contains($stages, CAST({q('stage')} AS VARCHAR)) GROUP BY 1, 2",
                   {"stages": stages})
    if df.empty:
        return pd.DataFrame(columns=out_cols)
    df["events"] = df["events"].astype("int64")
    df["share"] = df["events"] / df.groupby("stage")["events"].transform("sum")
    rank = {s: i for i, s in enumerate(stages)}
    df["_r"] = df["stage"].map(rank)
    df = df.sort_values(["_r", "events", "touchpoint"], ascending=[True, False, True]).drop(columns="_r")
    return df[out_cols].reset_index(drop=True)


def _rank_groups(rows: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Groups eligible for best/worst: not (missing)/(other), and large enough when possible."""
    rows = rows[~rows["group"].isin([MISSING, funnel.OTHER])]
    big = rows[rows["units"] >= min_group]
    return big if len(big) >= 2 else rows


# ------------------------------------------------------------------ the map

def _funnels(con, stages, cols, *, per, mode, window, notes):
    """Ordered and open funnels over the stages; stages absent from the data count 0."""
    present = set(store.run(con, f"SELECT DISTINCT CAST({store.quote_ident('stage')} AS VARCHAR) AS s FROM events "
                                 f"WHERE list_contains($stages, CAST({store.quote_ident('stage')} AS VARCHAR))",
                            {"stages": stages})["s"])
    missing = [s for s in stages if s not in present]
    if missing:
        notes.append(f"No events at stage(s) {', '.join(missing)}: they count 0.")
    n = len(stages)
    ordered = np.zeros(n, dtype="int64")
    dropped = np.zeros(n, dtype="int64")
    in_window = np.zeros(n, dtype="int64")
    reach = np.zeros(n, dtype="int64")
    fr = fo = None
    prefix = []
    for s in stages:
        if s not in present:
            break
        prefix.append(s)
    if prefix:
        fo = funnel.funnel(con, [[s] for s in prefix], mode=mode, window=window, per=per)
        m = len(prefix)
        ordered[:m] = fo.steps["customers"].to_numpy(dtype="int64")
        dropped[:m] = fo.steps["dropped"].to_numpy(dtype="int64")
        in_window[:m] = fo.steps["in_window"].to_numpy(dtype="int64")
        if m < n:
            dropped[m] = ordered[m - 1]           # nobody reaches a stage without events
    have = [s for s in stages if s in present]
    if have:
        fr = funnel.funnel(con, [[s] for s in have], mode="open", window=None, per=per, times=False)
        by = dict(zip(fr.steps["step"], fr.steps["customers"]))
        reach = np.array([int(by.get(s, 0)) for s in stages], dtype="int64")
    return ordered, dropped, in_window, reach, fo, fr


def journey_map(con, *, stage_order: Sequence[str], per: str = "customer", mode: str = "ordered",
                window: timedelta | str | None = None, dims: Sequence[str] | str = "auto",
                max_groups: int = MAX_GROUPS, min_group: int = MIN_GROUP, grain: str | None = "auto",
                segment_labels: pd.DataFrame | None = None, top_pain_points: int = 3,
                alpha: float = 0.05) -> JourneyMap:
    """The journey map of ``events`` over ``stage_order`` (see the module docstring).

    Parameters
    ----------
    stage_order : the stages in order (the map's columns).
    per : ``"customer"`` (default) or ``"session"``: what the counts count.
    mode : ``"ordered"`` (default) or ``"unordered"`` (:func:`cj.funnel.funnel` modes): conversion
        needs the next stage after the previous one, or only both stages (within the window).
    window : conversion window of the ordered funnel and the transitions (None: no limit).
    dims : breakdown columns for the per-stage groups, or ``"auto"`` (:func:`breakdown_columns`:
        touchpoint, segment and every other column with 2..``max_groups`` values).
    min_group : groups with fewer units are flagged small and not ranked best/worst when at
        least two larger groups exist.
    grain : period of the trend (``"auto"``: :func:`choose_grain`; None: no trend).
    segment_labels : ``customer_id, segment_name`` (e.g. ``SegmentResult.labels_table()``) to use
        as the ``segment`` dimension when the events have no ``segment`` column.
    top_pain_points : phrases kept per stage.
    alpha : significance level of the experiment lifts (Holm-adjusted).
    """
    stages = _check_stages(stage_order)
    cols = _columns(con)
    notes: list[str] = []
    has_labels = segment_labels is not None and "segment" not in cols
    if isinstance(dims, str):
        if dims != "auto":
            raise ParameterError.one(f"dims={dims!r} is not a list of columns", "Pass a list of columns or 'auto'.")
        dims = breakdown_columns(con, max_groups=max_groups)
        if has_labels and "segment" not in dims:
            dims = [d for d in dims if d == "touchpoint"] + ["segment"] + [d for d in dims if d != "touchpoint"]
    dims = list(dims)
    if grain == "auto":
        grain = choose_grain(con)

    if mode not in MODES:
        raise ParameterError.one(f"mode='{mode}' is not a journey mode", f"Use one of: {', '.join(MODES)}.")
    ordered, dropped, in_window, reach, fo, fr = _funnels(con, stages, cols, per=per, mode=mode, window=window,
                                                          notes=notes)
    tr_all = stage_transitions(con, stage_order=stages, dims=dims, per=per, mode=mode, window=window, grain=grain,
                               segment_labels=segment_labels if has_labels else None)
    transitions = tr_all[tr_all["period"].isna()].reset_index(drop=True)
    trend = tr_all[tr_all["period"].notna()].reset_index(drop=True)
    overall = transitions[transitions["dim"] == OVERALL].set_index("stage")

    # touchpoints: share of events + conversion of those entering through them
    tp_events = stage_touchpoints(con, stage_order=stages)
    tp_conv = transitions[transitions["dim"] == "touchpoint"][["stage", "group", "units", "converted", "conversion"]]
    tp_conv = tp_conv.rename(columns={"group": "touchpoint"})
    touchpoints = tp_events.merge(tp_conv, how="left", on=["stage", "touchpoint"])
    touchpoints = touchpoints.reindex(columns=["stage", "touchpoint", "events", "share", "units", "converted",
                                               "conversion"])
    if "touchpoint" not in cols:
        notes.append("No touchpoint column: the map has no touchpoints.")

    # emotion curve and pain points
    emotion = pd.DataFrame(columns=["stage", "n", "n_texts", "mean", "ci_low", "ci_high", "share_negative",
                                    "share_neutral", "share_positive", "mean_rating", "nps", "source"])
    pains = pd.DataFrame(columns=["stage", "rank", "phrase", "count", "share_negative", "z", "quote"])
    if {"feedback", "rating", "sentiment"} & set(cols):
        if "feedback" in cols:
            sentiment.score_feedback(con)
        emo = sentiment.sentiment_by(con, by="stage", stage_order=stages)
        emotion = emo[emo["stage"].astype(str).isin(stages)].reset_index(drop=True)
        if "feedback" in cols:
            rows = []
            negative = []
            for s in stages:
                e = emotion[emotion["stage"].astype(str) == s]
                if not e.empty and e["n_texts"].iloc[0] > 0 and e["share_negative"].iloc[0] > 0:
                    negative.append(s)
            by_stage = sentiment.pain_points_by_stage(con, stages=negative, top=top_pain_points) if negative else {}
            for s in negative:
                for i, r in enumerate(by_stage[s].itertuples(index=False), start=1):
                    ex = list(r.examples)
                    rows.append({"stage": s, "rank": i, "phrase": r.phrase, "count": int(r.count),
                                 "share_negative": float(r.share_negative), "z": float(r.z),
                                 "quote": ex[0] if ex else None})
            if rows:
                pains = pd.DataFrame(rows, columns=pains.columns)
    else:
        notes.append("No feedback, rating or sentiment column: the map has no emotion curve.")

    # segments: best / worst at each stage
    seg_rows = transitions[transitions["dim"] == "segment"]
    segs = seg_rows[["stage", "next_stage", "group", "units", "converted", "conversion"]].rename(
        columns={"group": "segment"}).reset_index(drop=True)
    segs["small"] = segs["units"] < min_group
    if "segment" not in dims:
        notes.append("No segment column: best and worst segments are not shown.")

    # experiments
    experiments = pd.DataFrame(columns=["experiment", "control"] + abtest.STAGE_LIFT_COLUMNS + ["significant"])
    if "variant" in cols:
        try:
            frames = []
            for name in abtest.experiments(con):
                sl = abtest.stage_lifts(con, stages=stages, experiment=name)
                ctrl = sl.loc[sl["lift_abs"].isna() & sl["p_value"].isna(), "variant"]
                sl.insert(0, "experiment", name)
                sl.insert(1, "control", ctrl.iloc[0] if len(ctrl) else None)
                sl["significant"] = (sl["p_value_holm"] < alpha) & sl["error"].isna() & sl["lift_abs"].notna()
                frames.append(sl)
            if frames:
                experiments = pd.concat(frames, ignore_index=True)
        except CJError as exc:
            notes.append(f"Experiments not analysed: {exc.message}")

    # one row per stage
    rows = []
    for i, s in enumerate(stages):
        nxt = stages[i + 1] if i + 1 < len(stages) else None
        row = {"stage": s, "position": i + 1, "next_stage": nxt, "customers": int(reach[i]),
               "customers_ordered": int(ordered[i])}
        if nxt is not None:
            row["conversion_to_next"] = ordered[i + 1] / ordered[i] if ordered[i] else np.nan
            row["lost_to_next"] = int(dropped[i + 1])
            row["in_window_next"] = int(in_window[i + 1])
        else:
            row.update(conversion_to_next=np.nan, lost_to_next=pd.NA, in_window_next=pd.NA)
        if s in overall.index:
            o = overall.loc[s]
            row["median_seconds_in_stage"] = o["median_seconds"]
            row["converted_units"] = int(o["converted"])
        else:
            row["median_seconds_in_stage"], row["converted_units"] = np.nan, pd.NA
        t = touchpoints[touchpoints["stage"] == s]
        row["top_touchpoint"] = t["touchpoint"].iloc[0] if len(t) else None
        row["top_touchpoint_share"] = float(t["share"].iloc[0]) if len(t) else np.nan
        e = emotion[emotion["stage"].astype(str) == s]
        has_e = len(e) and e["n"].iloc[0] > 0
        row["mean_sentiment"] = float(e["mean"].iloc[0]) if has_e else np.nan
        row["sentiment_ci_low"] = float(e["ci_low"].iloc[0]) if has_e else np.nan
        row["sentiment_ci_high"] = float(e["ci_high"].iloc[0]) if has_e else np.nan
        row["share_negative"] = float(e["share_negative"].iloc[0]) if has_e else np.nan
        row["sentiment_n"] = int(e["n"].iloc[0]) if len(e) else 0
        row["mean_rating"] = float(e["mean_rating"].iloc[0]) if has_e else np.nan
        p = pains[pains["stage"] == s]
        row["top_pain_point"] = p["phrase"].iloc[0] if len(p) else None
        row["pain_quote"] = p["quote"].iloc[0] if len(p) else None
        g = _rank_groups(segs[segs["stage"] == s].rename(columns={"segment": "group"}), min_group)
        g = g[g["units"] > 0]
        if len(g):
            best = g.sort_values(["conversion", "units"], ascending=[False, False]).iloc[0]
            worst = g.sort_values(["conversion", "units"], ascending=[True, False]).iloc[0]
            row.update(best_segment=best["group"], best_segment_conversion=float(best["conversion"]),
                       best_segment_units=int(best["units"]), worst_segment=worst["group"],
                       worst_segment_conversion=float(worst["conversion"]), worst_segment_units=int(worst["units"]))
        else:
            row.update(best_segment=None, best_segment_conversion=np.nan, best_segment_units=pd.NA,
                       worst_segment=None, worst_segment_conversion=np.nan, worst_segment_units=pd.NA)
        x = experiments[(experiments["stage"] == s) & experiments["significant"].astype(bool)] \
            if len(experiments) else experiments
        row["significant_lifts"] = int(len(x))
        rows.append(row)
    stages_df = pd.DataFrame(rows)
    for c in ("lost_to_next", "in_window_next", "converted_units", "best_segment_units", "worst_segment_units"):
        stages_df[c] = pd.array(stages_df[c], dtype="Int64")
    params = {"stage_order": stages, "per": per, "mode": mode, "window_seconds": None if _window_us(window) is None
              else _window_us(window) / 1e6, "dims": dims, "grain": grain, "min_group": int(min_group),
              "alpha": float(alpha),
              "data_end": (fo.params.get("data_end") if fo is not None else None)}
    return JourneyMap(stages=stages_df, transitions=transitions, trend=trend, touchpoints=touchpoints,
                      emotion=emotion, pain_points=pains, segments=segs, experiments=experiments,
                      funnel=fo, reach=fr, params=params, notes=tuple(notes))
