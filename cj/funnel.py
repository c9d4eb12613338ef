"""Funnels and paths, computed in DuckDB SQL.

Every function takes a DuckDB connection whose ``events`` view has at least
``customer_id`` and ``timestamp`` (see DESIGN.md, "Data contract"). Events stay
in DuckDB; only per-step or per-group aggregates come back as pandas frames.

Semantics (exact; ``tests/test_funnel.py`` checks them against a brute-force
reference on hundreds of generated datasets)
-----------------------------------------------------------------------------
Steps ``S1..Sn`` are sets of values of one column (``step_col``, ``"stage"`` by
default); ``"a|b"`` means "a or b". The window ``W`` is inclusive; ``None``
means no limit. The *unit* is a customer, or a ``(customer_id, session_id)``
pair with ``per="session"``. Rows without a customer, timestamp (or session,
per session) are ignored; a NULL step value matches no step.

``ordered`` (default)
    A unit reaches step k when it has *distinct* events ``e1..ek`` with
    ``value(ei) in Si``, ``t1 <= t2 <= ... <= tk`` and ``tk - t1 <= W``
    (ClickHouse ``windowFunnel`` with ``<=``). **Tie rule:** events at equal
    timestamps may be used in any order, but one event counts for one step
    only (so with steps ``a`` then ``a|b``, one ``a`` event reaches step 1, not
    step 2). With ``W=None`` this is the classic closed funnel.
``strict``
    As ordered, but the step events must be consecutive events of the unit
    (nothing in between, including events of other values). **Event order:**
    timestamp, then the ``_row`` column (the file's row order) when the table
    has one; otherwise, at equal timestamps, events of earlier steps come first
    (a value's rank is the first step it belongs to; values in no step come
    last), then by value.
``unordered``
    A unit reaches step k when distinct events covering each of ``S1..Sk`` (in
    any order) fall within one span ``<= W`` (Amplitude's "any order").
``open``
    "Ever reached": each step counted on its own, units with any event of it.
    Its step-to-step ratios may exceed 1.

**Still in window** (``in_window`` of step k, ordered/strict/unordered with a
window): the unit reached step k-1, not step k, and a way to step k is still
open at the end of the data (the latest ``timestamp`` in ``events``): ordered
and unordered, a chain reaching k-1 starts later than ``end - W``; strict, such
a chain also ends at the unit's last event. These are kept apart from
``dropped``: ``dropped(k) = customers(k-1) - customers(k) - in_window(k)``.
Without a window nothing is "in window".

**Times** (ordered and strict): for each unit one conversion path is measured:
among the chains reaching the unit's deepest step, the one that starts latest,
taking every later step as early as possible. ``seconds_from_start`` of step k
is ``tk - t1`` and ``seconds_from_previous`` is ``tk - t(k-1)`` on that path;
medians are over the units that reached step k. Unordered and open funnels
have no step order, so their time columns are empty (NaN).

**Breakdowns** (:func:`funnel_by`): a unit's group is the value of ``by`` on
its earliest step event (ties: the smallest value).

How it is computed (and why it is fast)
---------------------------------------
One pass over the step events, then work per unit, all in DuckDB:

* Ordered, steps that share no value (the usual case): each event is packed
  into one BIGINT ``time_us << 4 | step``, a unit's events are collected into a
  sorted list (``list_sort(list(...)) ... GROUP BY unit``) and folded once with
  ``list_reduce`` - ClickHouse's ``windowFunnel`` algorithm: per step keep the
  latest start of a chain reaching it (a later start is never worse). The
  fold's state is a single BIGINT holding, per step, the *position* in the list
  of that start, so each event costs a few integer operations; at equal
  timestamps the packed order puts earlier steps first, which is exactly the
  tie rule. Lists too long for the packed state use a struct-state fold. The
  measured path is a second, scalar greedy fold from the start.
* Ordered, a value in several steps: events of one timestamp must be matched
  to steps (bipartite matching); each distinct timestamp-group composition gets
  its transitions computed once in Python (a handful of rows) and a struct
  fold runs over the groups. Exact, and several times slower.
* Strict: one window pass (``lead``) in the documented order. Unordered:
  ``bit_or`` over a ``RANGE`` window of W per event (overlapping steps: counts
  per value group and a small matching table). Open: ``bit_or`` per unit.

At most 12 steps.

Paths (:func:`top_paths`, :func:`transition_matrix`) order a unit's events by
timestamp, then ``_row`` if present, then value; :func:`next_after_drop` uses
the strict-mode order.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from . import engine, store
from .errors import ParameterError, Problem

MODES = ("ordered", "strict", "unordered", "open")
UNITS = ("customer", "session")
GRAINS = ("day", "week", "month")
DEFAULT_WINDOW = timedelta(days=30)
MAX_STEPS = 12                    # the matching engine packs 5 bits per step into a BIGINT
ROW_COL = "_row"                  # file row order, used as the tiebreak when present
Z95 = 1.959963984540054           # two-sided 95% normal quantile (scipy.stats.norm.ppf(0.975))
OTHER, MISSING, NO_FURTHER = "(other)", "(missing)", "(no further events)"
LONGER = "(longer paths)"
END = "(end)"
STEP_SEP = " | "                  # label of a grouped step: "product1 | product2"

_NEG = -(1 << 62)                 # "no chain yet" in struct folds (below every epoch_us)
_KBITS = 4                        # bits for the step number in a packed event (MAX_STEPS < 16)
_MAX_FIELD_BITS = 62              # tests lower this to exercise the struct-fold fallback
_FORCE_GENERAL = False            # tests set this to cross-check the general ordered engine

# Human-friendly histogram edges for time_to_convert (seconds).
TIME_BIN_EDGES = (0, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
                  3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 60 * 86400, 90 * 86400)


# ------------------------------------------------------------------ parsing

def parse_steps(text: str) -> list[list[str]]:
    """``"a,b|c,d"`` -> ``[["a"], ["b", "c"], ["d"]]``.

    Commas separate steps, ``|`` separates alternatives within a step; blanks
    around names are stripped and duplicates within a step dropped. Raises
    :class:`ParameterError` for an empty list or an empty step.
    """
    if text is None or not str(text).strip():
        raise ParameterError.one("No funnel steps were given",
                                 "Enter steps separated by commas, e.g. 'visit,signup,purchase'; "
                                 "use '|' for alternatives within a step ('product1|product2').")
    steps, problems = [], []
    for i, part in enumerate(str(text).split(","), start=1):
        names = list(dict.fromkeys(n.strip() for n in part.split("|") if n.strip()))
        if not names:
            problems.append(Problem(f"Step {i} is empty", "Remove the extra comma or name the step."))
        steps.append(names)
    if problems:
        raise ParameterError(problems)
    return steps


# One grammar for durations across the product (funnel windows, A/B windows, links).
from .timeparse import parse_window  # noqa: E402,F401


def _window_us(window) -> int | None:
    if window is None:
        return None
    if isinstance(window, str):
        window = parse_window(window)
        if window is None:
            return None
    if not isinstance(window, timedelta):
        raise ParameterError.one(f"window={window!r} is not a duration",
                                 "Pass a datetime.timedelta, a text like '30d', or None for no limit.")
    us = window // timedelta(microseconds=1)
    if us < 0:
        raise ParameterError.one(f"window={window} is negative", "Use a window of zero or more.")
    return int(us)


# ------------------------------------------------------------ statistics

def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for ``k`` successes out of ``n`` (vectorised).

    Returns ``(low, high)``; NaN where ``n <= 0`` or ``k`` is outside ``[0, n]``.
    Agrees with ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = (n > 0) & (k >= 0) & (k <= n)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(ok, n, 1.0)
        p = np.where(ok, k, 0.0) / nn
        z2 = z * z
        denom = 1.0 + z2 / nn
        center = (p + z2 / (2 * nn)) / denom
        half = z * np.sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom
        low = np.where(ok, np.where(k == 0, 0.0, np.clip(center - half, 0.0, 1.0)), np.nan)
        high = np.where(ok, np.where(k == n, 1.0, np.clip(center + half, 0.0, 1.0)), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def bh_adjust(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaNs are left out and kept as NaN).

    Agrees with ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = idx.size
    if m == 0:
        return out
    order = np.argsort(p[idx], kind="mergesort")
    ranked = p[idx][order] * m / np.arange(1, m + 1)
    adj = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    res = np.empty(m)
    res[order] = adj
    out[idx] = res
    return out


# ---------------------------------------------------------------- results

def _json_value(v):
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


@dataclass(frozen=True)
class FunnelResult:
    """One funnel.

    ``steps`` has one row per step: ``step`` (label), ``step_index`` (1-based),
    ``customers`` (units reaching the step: sessions when ``per="session"``),
    ``conversion_from_previous``, ``conversion_from_start`` (1 for step 1),
    their Wilson 95% intervals ``ci_prev_low/high`` and ``ci_start_low/high``
    (NaN for step 1), ``dropped`` and ``in_window`` (see module docstring),
    ``median_seconds_from_previous`` and ``median_seconds_from_start``.
    """

    steps: pd.DataFrame
    params: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"steps": _records(self.steps), "params": dict(self.params)}


@dataclass(frozen=True)
class BreakdownResult:
    """A funnel per group of ``by``.

    ``steps``: the :class:`FunnelResult` frames stacked, with a leading
    ``group`` column (largest groups first; ``(other)`` and ``(missing)``
    last). ``tests``: one row per step from 2 on: Pearson chi-square across
    groups of reached vs. not reached among units at the previous step
    (``chi2``, ``dof``, ``p_value``, ``p_adjusted`` Benjamini-Hochberg across
    steps, ``groups`` tested, ``lowest_group``/``highest_group`` by conversion
    from the previous step).
    """

    steps: pd.DataFrame
    tests: pd.DataFrame
    params: dict = field(default_factory=dict)

    def groups(self) -> list[str]:
        return list(dict.fromkeys(self.steps["group"]))

    def funnel(self, group: str) -> FunnelResult:
        part = self.steps[self.steps["group"] == group].drop(columns="group").reset_index(drop=True)
        return FunnelResult(part, {**self.params, "group": group})

    def to_json(self) -> dict:
        return {
            "groups": {g: {"steps": _records(self.funnel(g).steps)} for g in self.groups()},
            "tests": _records(self.tests),
            "params": dict(self.params),
        }


# ------------------------------------------------------------- validation

@dataclass(frozen=True)
class _Spec:
    """A validated funnel request (everything the SQL builders need)."""

    steps: tuple[tuple[str, ...], ...]
    step_col: str
    mode: str
    window_us: int | None
    per: str
    filters: tuple[tuple[str, tuple], ...]
    columns: tuple[str, ...]
    types: dict
    sigs: dict                      # value -> bitmask of the steps it belongs to

    @property
    def n(self) -> int:
        return len(self.steps)

    @property
    def unit_cols(self) -> tuple[str, ...]:
        return ("customer_id", "session_id") if self.per == "session" else ("customer_id",)

    @property
    def disjoint(self) -> bool:
        return all(bin(s).count("1") == 1 for s in self.sigs.values())

    @property
    def labels(self) -> list[str]:
        return [STEP_SEP.join(s) for s in self.steps]

    @property
    def has_row(self) -> bool:
        return ROW_COL in self.columns

    def params(self) -> dict:
        return {
            "steps": [list(s) for s in self.steps],
            "step_col": self.step_col,
            "mode": self.mode,
            "window_seconds": None if self.window_us is None else self.window_us / 1e6,
            "per": self.per,
            "filters": {c: list(v) for c, v in self.filters},
        }


def _column_types(con) -> dict:
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        return spark_funnel.column_types(con)
    df = _run(con, "DESCRIBE SELECT * FROM events")
    return dict(zip(df["column_name"], df["column_type"]))


def _did_you_mean(value: str, options) -> str:
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=3, cutoff=0.6)
    return f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ""


def _check_column(name: str, columns, what: str, problems: list) -> bool:
    if name in columns:
        return True
    problems.append(Problem(f"{what} column '{name}' is not in the data",
                            f"{_did_you_mean(name, columns)}Available columns: {', '.join(columns)}.",
                            column=name))
    return False


def _normalise_steps(steps) -> list[list[str]]:
    if isinstance(steps, str):
        return parse_steps(steps)
    out, problems = [], []
    for i, s in enumerate(steps or [], start=1):
        names = [s] if isinstance(s, str) else list(s)
        flat = []
        for name in names:
            flat.extend(p.strip() for p in str(name).split("|") if p.strip())
        flat = list(dict.fromkeys(flat))
        if not flat:
            problems.append(Problem(f"Step {i} is empty", "Name at least one value for every step."))
        out.append(flat)
    if not out:
        problems.append(Problem("No funnel steps were given", "Pick at least one step."))
    if problems:
        raise ParameterError(problems)
    return out


def _is_text(type_name: str) -> bool:
    return str(type_name).upper() in ("VARCHAR", "TEXT", "STRING")


def _col_text(spec_or_types, col: str) -> str:
    """SQL for ``col`` as text (no cast when it already is VARCHAR, so filters push down)."""
    types = spec_or_types.types if isinstance(spec_or_types, _Spec) else spec_or_types
    q = store.quote_ident(col)
    return q if _is_text(types.get(col, "VARCHAR")) else f"CAST({q} AS VARCHAR)"


def _prepare(con, steps, *, step_col="stage", mode="ordered", window=DEFAULT_WINDOW,
             per="customer", filters=None, need_steps=True, check_values=True) -> _Spec:
    """Validate a request against the data; raise every problem at once."""
    types = _column_types(con)
    columns = tuple(types)
    problems: list[Problem] = []
    if mode not in MODES:
        problems.append(Problem(f"mode='{mode}' is not a funnel mode", f"Use one of: {', '.join(MODES)}."))
    if per not in UNITS:
        problems.append(Problem(f"per='{per}' is not a unit", f"Use one of: {', '.join(UNITS)}."))
    for col in ("customer_id", "timestamp"):
        _check_column(col, columns, "Required", problems)
    if per == "session" and "session_id" not in columns:
        problems.append(Problem("A per-session funnel needs a session_id column",
                                "Map a session column when uploading, or use per='customer'.",
                                column="session_id"))
    col_ok = _check_column(step_col, columns, "Step", problems)
    try:
        window_us = _window_us(window)
    except ParameterError as exc:
        problems.extend(exc.problems)
        window_us = None
    norm: list[list[str]] = []
    if need_steps:
        try:
            norm = _normalise_steps(steps)
        except ParameterError as exc:
            problems.extend(exc.problems)
        if len(norm) > MAX_STEPS:
            problems.append(Problem(f"{len(norm)} steps were given; at most {MAX_STEPS} are supported",
                                    "Group related values into one step with '|', or drop steps."))
    flt = []
    for col, values in (filters or {}).items():
        if not _check_column(col, columns, "Filter", problems):
            continue
        vals = [values] if isinstance(values, (str, int, float)) or values is None else list(values)
        if not vals:
            problems.append(Problem(f"The filter on '{col}' has no values",
                                    "Pick at least one value or remove the filter.", column=col))
        flt.append((col, tuple(vals)))
    if col_ok and norm and check_values and not problems:
        problems.extend(_missing_values(con, types, step_col, norm))
    if problems:
        raise ParameterError(problems)
    sigs: dict[str, int] = {}
    for j, group in enumerate(norm):
        for v in group:
            sigs[v] = sigs.get(v, 0) | (1 << j)
    return _Spec(tuple(tuple(s) for s in norm), step_col, mode, window_us, per, tuple(flt),
                 columns, types, sigs)


def _missing_values(con, types, step_col, steps) -> list[Problem]:
    wanted = list(dict.fromkeys(v for s in steps for v in s))
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        found = spark_funnel.values_found(con, types, step_col, wanted)
    else:
        params = {f"v{i}": v for i, v in enumerate(wanted)}
        col = _col_text(types, step_col)
        found = set(store.run(con, f"SELECT DISTINCT {col} AS v FROM events WHERE {col} IN "
                                   f"({', '.join('$' + k for k in params)})", params)["v"])
    missing = [v for v in wanted if v not in found]
    if not missing:
        return []
    if engine.is_spark(con):
        avail = spark_funnel.top_values(con, types, step_col, 200)
    else:
        avail = store.run(con, f"SELECT {col} AS v, count(*) AS n FROM events WHERE {col} IS NOT NULL "
                               f"GROUP BY 1 ORDER BY n DESC, v LIMIT 200")["v"].tolist()
    if avail:
        shown = "Available values: " + ", ".join(map(str, avail[:40])) + (" …" if len(avail) > 40 else "") + "."
    else:
        shown = f"Column '{step_col}' has no values at all; check the column mapping or the file."
    return [Problem(f"'{v}' does not occur in column '{step_col}'", f"{_did_you_mean(v, avail)}{shown}",
                    column=step_col)
            for v in missing]


# ------------------------------------------------------------ SQL helpers

class _Binder(dict):
    """Collects bound parameters for one statement: ``p.add(value) -> "$p3"``."""

    def add(self, value, prefix: str = "p") -> str:
        name = f"{prefix}{len(self)}"
        self[name] = value
        return "$" + name


def _run(con, sql: str, params: dict | None = None, **tables) -> pd.DataFrame:
    """``store.run`` with only the parameters this statement uses (DuckDB rejects extras)."""
    used = {k: v for k, v in (params or {}).items() if re.search(r"\$" + re.escape(k) + r"\b", sql)}
    return store.run(con, sql, used, **tables)


def _q(name: str) -> str:
    return store.quote_ident(name)


def _unit_sel(spec: _Spec) -> str:
    return ", ".join(_q(c) for c in spec.unit_cols)


# Times are microseconds since 1900-01-01 (not 1970): the packed folds shift them left, and DuckDB
# refuses to shift a negative number, so dates from 1900 on must stay non-negative.
_EPOCH_OFFSET_US = 2_208_988_800_000_000


def _ts_us() -> str:
    return f"(epoch_us(CAST({_q('timestamp')} AS TIMESTAMP)) + {_EPOCH_OFFSET_US})"


def _from_us(expr: str) -> str:
    """The TIMESTAMP of a value of :func:`_ts_us`."""
    return f"make_timestamp(({expr}) - {_EPOCH_OFFSET_US})"


def _base_where(spec: _Spec, b: _Binder) -> str:
    """Rows usable at all: unit and timestamp present, plus the user's filters."""
    conds = [f"{_q(c)} IS NOT NULL" for c in spec.unit_cols] + [f"{_q('timestamp')} IS NOT NULL"]
    for col, values in spec.filters:
        non_null = [v for v in values if v is not None]
        # Text values on a non-text column compare as text; otherwise as they are.
        as_text = not _is_text(spec.types.get(col, "VARCHAR")) and all(isinstance(v, str) for v in non_null)
        ref = f"CAST({_q(col)} AS VARCHAR)" if as_text else _q(col)
        parts = []
        if non_null:
            parts.append(f"{ref} IN ({', '.join(b.add(v) for v in non_null)})")
        if len(non_null) < len(values):
            parts.append(f"{_q(col)} IS NULL")
        conds.append("(" + " OR ".join(parts) + ")")
    return " AND ".join(conds)


def _value_case(spec: _Spec, b: _Binder, mapping: dict, default: str = "NULL") -> str:
    """``CASE col WHEN $v THEN <int> ... END`` for step values (values bound, ints are ours)."""
    col = _col_text(spec, spec.step_col)
    whens = " ".join(f"WHEN {b.add(v)} THEN {int(x)}" for v, x in mapping.items())
    return f"(CASE {col} {whens} ELSE {default} END)"


def _tend() -> str:
    """End of the data: the latest timestamp in ``events`` (unfiltered), in µs."""
    return f"(SELECT epoch_us(CAST(max({_q('timestamp')}) AS TIMESTAMP)) + {_EPOCH_OFFSET_US} FROM events)"


def _first_step_rank(spec: _Spec) -> dict:
    return {v: (sig & -sig).bit_length() for v, sig in spec.sigs.items()}


def _order_cols(spec: _Spec | None, types: dict, columns, b: _Binder, value_col: str | None) -> list[str]:
    """Tiebreaks after the timestamp in the documented event order: ``_row`` if
    present, then (for funnels) the first step a value belongs to, then the value."""
    keys = []
    if ROW_COL in columns:
        keys.append(_q(ROW_COL))
    if spec is not None and spec.steps:
        keys.append(_value_case(spec, b, _first_step_rank(spec), default=str(spec.n + 1)))
        keys.append(_col_text(types, spec.step_col))
    if value_col is not None and (spec is None or value_col != spec.step_col):
        keys.append(_col_text(types, value_col))
    return keys


def _order_keys(spec: _Spec | None, types: dict, columns, b: _Binder, value_col: str | None) -> str:
    """The documented event order as an ORDER BY list over ``events`` columns."""
    return ", ".join([_q("timestamp")] + [f"{k} NULLS LAST" for k in _order_cols(spec, types, columns, b, value_col)])


# ------------------------------------------------------ matching (general)

def _extensions(comp: dict[int, int], n: int) -> list[int]:
    """``ext[k]`` = the furthest step l >= k such that steps k+1..l can be matched
    to distinct events of one timestamp group (``comp``: step bitmask -> count).
    """
    slots = [sig for sig, c in comp.items() for _ in range(c)]
    ext = []
    for k in range(n):
        owner = [-1] * len(slots)           # slot -> matched step

        def augment(step, seen):
            for i, sig in enumerate(slots):
                if sig >> (step - 1) & 1 and i not in seen:
                    seen.add(i)
                    if owner[i] < 0 or augment(owner[i], seen):
                        owner[i] = step
                        return True
            return False

        l = k
        while l < n and augment(l + 1, set()):
            l += 1
        ext.append(l)
    return ext


def _transitions(ext: list[int], n: int) -> list[int]:
    """``m[l]`` (l = 1..n): the smallest level k < l from which a group reaches l; -1: none."""
    return [next((k for k in range(l) if ext[k] >= l), -1) for l in range(1, n + 1)]


# -------------------------------------------------------- per-unit engines
#
# Each engine returns SQL for one row per unit with columns:
#   <unit cols>, lvl (deepest step reached, 0..n), s (start of the measured
#   chain, epoch µs), t1..tn (times of that chain, µs; NULL beyond lvl; only
#   with times=True), inwin (bool: still in window for step lvl+1),
#   first1 (first step-1 event, µs; with first=True), grp (with by=...).
# The open engine returns <unit cols>, mask (bit j-1: has step j), first1, grp.

def _grp_agg(by: str | None, tcol: str = "t") -> str:
    if by is None:
        return ""
    return f", arg_min(g, struct_pack(a := {tcol}, b := g)) AS grp"


def _src_select(spec: _Spec, b: _Binder, by: str | None, name: str, expr: str,
                extra: tuple[str, ...] = (), all_events: bool = False) -> str:
    """Usable events: unit, ``t`` (epoch µs), ``name`` = ``expr`` (the step
    mapping, NULL outside the steps: such events are dropped unless
    ``all_events``), ``extra`` columns and ``g`` (the ``by`` value). Filtering on
    the mapped value is cheaper than a separate IN list."""
    cols = [_unit_sel(spec), f"{_ts_us()} AS t", f"{expr} AS {name}", *extra]
    if by is not None:
        cols.append(f"{_col_text(spec, by)} AS g")
    sql = f"SELECT {', '.join(cols)} FROM events WHERE {_base_where(spec, b)}"
    return sql if all_events else f"SELECT * FROM ({sql}) WHERE {name} IS NOT NULL"


def _inwin_expr(spec: _Spec, lvl: str, start: str) -> str:
    if spec.window_us is None:
        return "false"
    return f"({lvl} BETWEEN 1 AND {spec.n - 1} AND {start} + $w > {_tend()})"


def _ordered_fast_sql(spec: _Spec, b: _Binder, *, times: bool, first: bool, by: str | None) -> str:
    """Disjoint steps: packed events, one scalar fold (struct fold for very long lists).

    Units without a step-1 event (level 0) or with nothing after step 1 (level
    1) are settled by the per-unit min/max step without a fold."""
    n, KB, KM = spec.n, _KBITS, (1 << _KBITS) - 1
    B = min(62 // n, _MAX_FIELD_BITS)
    M = (1 << B) - 1
    kcase = _value_case(spec, b, {v: sig.bit_length() for v, sig in spec.sigs.items()})
    src = _src_select(spec, b, by, "k", kcase)
    win = spec.window_us is not None
    # Packed fold. Field j (bits B*(j-1)..) = 1-based position in ev of the latest
    # start of a chain reaching step j (0: none); positions grow with time.
    k = f"(x & {KM})"
    P = f"((a >> ({B} * ({k} - 2))) & {M})"
    C = f"((a >> ({B} * ({k} - 1))) & {M})"
    wcond = f" AND (x >> {KB}) - (ev[{P}] >> {KB}) <= $w" if win else ""
    lam_fast = (f"lambda a, x, i: CASE WHEN {k} = 1 THEN a - (a & {M}) + i "
                f"WHEN {P} > {C}{wcond} THEN a + (({P} - {C}) << ({B} * ({k} - 1))) ELSE a END")
    # Struct fold: bj = start time (µs) of the latest-starting chain reaching step j.
    fields = []
    for j in range(1, n + 1):
        if j == 1:
            fields.append(f"b1 := CASE WHEN {k} = 1 THEN x >> {KB} ELSE a.b1 END")
        else:
            cond = f"(x >> {KB}) - a.b{j - 1} <= $w" if win else f"a.b{j - 1} > {_NEG}"
            fields.append(f"b{j} := CASE WHEN {k} = {j} AND {cond} THEN greatest(a.b{j}, a.b{j - 1}) ELSE a.b{j} END")
    init = "struct_pack(" + ", ".join(f"b{j} := {_NEG}::BIGINT" for j in range(1, n + 1)) + ")"
    lam_struct = f"lambda a, x: struct_pack({', '.join(fields)})"
    lvl_fast = " + ".join(f"(((sf >> {B * (j - 1)}) & {M}) > 0)::INTEGER" for j in range(1, n + 1))
    lvl_slow = " + ".join(f"(ss.b{j} > {_NEG})::INTEGER" for j in range(1, n + 1))
    s_fast = "CASE lvl " + " ".join(f"WHEN {j} THEN ev[(sf >> {B * (j - 1)}) & {M}] >> {KB}"
                                    for j in range(1, n + 1)) + " END"
    s_slow = "CASE lvl " + " ".join(f"WHEN {j} THEN ss.b{j}" for j in range(1, n + 1)) + " END"
    extra = _grp_agg(by) + (", min(t) FILTER (WHERE k = 1) AS first1" if first else "")
    cap = 1 << B
    sql = f"""
WITH src AS ({src}),
lists AS (SELECT {_unit_sel(spec)}, list_sort(list((t * {1 << KB}) | k)) AS ev, min(k) AS kmin, max(k) AS kmax{extra}
          FROM src GROUP BY ALL),
folded AS (SELECT *,
    CASE WHEN kmin = 1 AND kmax > 1 AND len(ev) < {cap} THEN list_reduce(ev, {lam_fast}, 0::BIGINT) END AS sf,
    CASE WHEN kmin = 1 AND kmax > 1 AND len(ev) >= {cap} THEN list_reduce(ev, {lam_struct}, {init}) END AS ss
  FROM lists),
lv AS (SELECT *, CASE WHEN kmin > 1 THEN 0 WHEN kmax = 1 THEN 1 WHEN sf IS NOT NULL THEN {lvl_fast} ELSE {lvl_slow} END AS lvl
       FROM folded),
st AS (SELECT *, CASE WHEN lvl = 0 THEN NULL WHEN kmax = 1 THEN ev[len(ev)] >> {KB}
                      WHEN sf IS NOT NULL THEN {s_fast} ELSE {s_slow} END AS s FROM lv)"""
    cols = [_unit_sel(spec), "lvl", "s", f"{_inwin_expr(spec, 'lvl', 's')} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    if times and n > 1:
        # Greedy from the start: each next step as early as possible after the
        # previous one (packed order puts an earlier step first at equal times).
        # Short lists: a scalar fold whose state holds the level (5 bits) and,
        # per step 2..n, the position of its event; long lists: a struct fold.
        Bt = min(57 // (n - 1), _MAX_FIELD_BITS)
        Mt = (1 << Bt) - 1
        sp = f"((s * {1 << KB}) | 1)"
        lv = "(a & 31)"
        lam_g = (f"lambda a, x, i: CASE WHEN {k} = {lv} + 1 AND {lv} < lvl AND x > {sp} "
                 f"THEN a + 1 + (i << (5 + {Bt} * ({lv} - 1))) ELSE a END")
        adv = f"{k} = a.lv + 1 AND a.lv < lvl AND x > {sp}"
        gf = [f"lv := CASE WHEN {adv} THEN a.lv + 1 ELSE a.lv END"]
        gf += [f"t{j} := CASE WHEN {adv} AND {k} = {j} THEN x >> {KB} ELSE a.t{j} END" for j in range(2, n + 1)]
        ginit = "struct_pack(lv := 1, " + ", ".join(f"t{j} := NULL::BIGINT" for j in range(2, n + 1)) + ")"
        sql += f""",
gr AS (SELECT *,
    CASE WHEN lvl >= 2 AND len(ev) <= {Mt} THEN list_reduce(ev, {lam_g}, 1::BIGINT) END AS gp,
    CASE WHEN lvl >= 2 AND len(ev) > {Mt} THEN list_reduce(ev, lambda a, x: struct_pack({', '.join(gf)}), {ginit}) END AS gs
  FROM st)"""
        cols.append("s AS t1")
        cols.extend(f"CASE WHEN gp IS NOT NULL THEN ev[(gp >> {5 + Bt * (j - 2)}) & {Mt}] >> {KB} "
                    f"ELSE gs.t{j} END AS t{j}" for j in range(2, n + 1))
        return sql + f"\nSELECT {', '.join(cols)} FROM gr"
    if times:
        cols.append("s AS t1")
    return sql + f"\nSELECT {', '.join(cols)} FROM st"


def _group_keys_sql(spec: _Spec, src: str) -> str:
    """Timestamp groups of a unit's step events, keyed by how many events of each
    distinct step bitmask ("atom") they hold, capped at n (more never helps)."""
    counts = ", ".join(f"least(count(*) FILTER (WHERE sig = {a}), {spec.n})" for a in _atoms(spec))
    return f"""
WITH src AS ({src}),
grp AS (SELECT {_unit_sel(spec)}, t, array_to_string(list_value({counts}), ',') AS key FROM src GROUP BY ALL)"""


def _ordered_general_sql(con, spec: _Spec, b: _Binder, *, times: bool, first: bool, by: str | None):
    """Any steps (a value may be in several): fold over timestamp groups.

    A group's effect depends only on its composition: ``m[l]``, the lowest step
    from which a chain advances to step l inside the group (bipartite matching
    of steps to its events; 31 = never). It is computed in Python once per
    distinct composition (a handful), packed 5 bits per step into one BIGINT
    and joined to the groups. Returns (sql, tables).
    """
    n = spec.n
    atoms = _atoms(spec)
    src = _src_select(spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    groups = _group_keys_sql(spec, src)
    keys = _run(con, groups + "\nSELECT DISTINCT key FROM grp", dict(b))["key"].tolist()
    rows = []
    for key in keys:
        comp = {a: int(c) for a, c in zip(atoms, key.split(",")) if int(c)}
        m = _transitions(_extensions(comp, n), n)
        rows.append((key, sum((31 if k < 0 else k) << (5 * (l - 1)) for l, k in enumerate(m, start=1))))
    comps = pd.DataFrame(rows, columns=["key", "m"]) if rows else \
        pd.DataFrame({"key": pd.Series([], dtype=str), "m": pd.Series([], dtype="int64")})
    win = spec.window_us is not None

    def m_at(level) -> str:
        return f"((x.m >> (5 * (({level}) - 1))) & 31)"

    def start(k: int) -> str:            # the start at step k if still inside the window
        if not win:
            return f"a.b{k}"
        return f"CASE WHEN x.t - a.b{k} <= $w THEN a.b{k} ELSE {_NEG}::BIGINT END"

    fields = []
    for l in range(1, n + 1):
        whens = " ".join(["WHEN 0 THEN x.t"] + [f"WHEN {k} THEN {start(k)}" for k in range(1, l)])
        fields.append(f"b{l} := greatest(a.b{l}, CASE {m_at(l)} {whens} ELSE {_NEG}::BIGINT END)")
    init = "struct_pack(" + ", ".join(f"b{j} := {_NEG}::BIGINT" for j in range(1, n + 1)) + ")"
    lvl = " + ".join(f"(ss.b{j} > {_NEG})::INTEGER" for j in range(1, n + 1))
    s = "CASE lvl " + " ".join(f"WHEN {j} THEN ss.b{j}" for j in range(1, n + 1)) + " END"
    extra_src = []
    if by is not None:
        extra_src.append("arg_min(g, struct_pack(a := t, b := g)) AS grp")
    if first:
        extra_src.append("min(t) FILTER (WHERE sig & 1 = 1) AS first1")
    unit_extra = ""
    if extra_src:
        unit_extra = f",\nux AS (SELECT {_unit_sel(spec)}, {', '.join(extra_src)} FROM src GROUP BY ALL)"
    sql = groups + f""",
lists AS (SELECT {_unit_sel(spec)}, list_sort(list(struct_pack(t := g.t, m := c.m))) AS ev
          FROM grp g JOIN _cj_comps c ON c.key = g.key GROUP BY ALL),
folded AS (SELECT *, list_reduce(ev, lambda a, x: struct_pack({', '.join(fields)}), {init}) AS ss FROM lists),
lv AS (SELECT *, {lvl} AS lvl FROM folded),
st AS (SELECT *, {s} AS s FROM lv){unit_extra}"""
    cols = [_unit_sel(spec), "lvl", "s", f"{_inwin_expr(spec, 'lvl', 's')} AS inwin"]
    src_from = "st"
    if extra_src:
        src_from = f"st JOIN ux USING ({_unit_sel(spec)})"
        cols += [c.split(" AS ")[-1] for c in extra_src]
    if times:
        # Greedy from the start: at each group from the start on, advance as far
        # as the group allows: over the run of next steps l with m[l] <= level.
        run = " ".join(f"WHEN NOT (a.lv + {d} <= {n} AND {m_at(f'a.lv + {d}')} <= a.lv) THEN a.lv + {d - 1}"
                       for d in range(1, n + 1))
        nl = f"(CASE WHEN x.t < s THEN a.lv ELSE least(lvl, CASE {run} ELSE {n} END) END)"
        tf = [f"lv := {nl}"] + [f"t{j} := CASE WHEN a.lv < {j} AND {j} <= {nl} THEN x.t ELSE a.t{j} END"
                                for j in range(1, n + 1)]
        tinit = "struct_pack(lv := 0, " + ", ".join(f"t{j} := NULL::BIGINT" for j in range(1, n + 1)) + ")"
        sql += f""",
tm AS (SELECT *, CASE WHEN lvl >= 1 THEN list_reduce(ev, lambda a, x: struct_pack({', '.join(tf)}), {tinit}) END AS tt
       FROM {src_from})"""
        src_from = "tm"
        cols += [f"tt.t{j} AS t{j}" for j in range(1, n + 1)]
    sql += f"\nSELECT {', '.join(cols)} FROM {src_from}"
    return sql, {"_cj_comps": comps}


def _strict_sql(spec: _Spec, b: _Binder, *, times: bool, first: bool, by: str | None) -> str:
    """Consecutive events in the documented order; one window pass with leads."""
    n = spec.n
    sig = _value_case(spec, b, spec.sigs, default="0")
    okeys = _order_cols(spec, spec.types, spec.columns, b, None)
    src = _src_select(spec, b, by, "sig", sig, tuple(f"{e} AS ok{i}" for i, e in enumerate(okeys)), all_events=True)
    order = ", ".join(["t"] + [f"ok{i} NULLS LAST" for i in range(len(okeys))])
    win = spec.window_us is not None
    leads = []
    for j in range(1, n):
        leads.append(f"lead(sig, {j}) OVER w AS s{j}")
        leads.append(f"lead(t, {j}) OVER w AS t{j}")
    whens = []
    for j in range(1, n):
        cond = f"s{j} & {1 << j} <> 0" + (f" AND t{j} - t <= $w" if win else "")
        whens.append(f"WHEN NOT coalesce({cond}, false) THEN {j}")
    length = f"CASE WHEN sig & 1 = 0 THEN 0 {' '.join(whens)} ELSE {n} END"
    tl = "list_value(t" + "".join(f", t{j}" for j in range(1, n)) + ")"
    extra = []
    if by is not None:
        extra.append("arg_min(g, struct_pack(a := t, b := g)) FILTER (WHERE sig <> 0) AS grp")
    if first:
        extra.append("min(t) FILTER (WHERE sig & 1 = 1) AS first1")
    g_col = ", g" if by is not None else ""
    leads_sql = (", " + ", ".join(leads)) if leads else ""
    sql = f"""
WITH src AS ({src}),
w AS (SELECT {_unit_sel(spec)}, t, sig{g_col}, row_number() OVER w AS rn{leads_sql}
      FROM src WINDOW w AS (PARTITION BY {_unit_sel(spec)} ORDER BY {order})),
pos AS (SELECT *, {length} AS len FROM w),
u AS (SELECT {_unit_sel(spec)}, max(len) AS lvl, max(rn) AS cnt,
        arg_max({tl if times else 't'}, (len::BIGINT << 40) | rn) FILTER (WHERE len > 0) AS tl,
        arg_max(rn, (len::BIGINT << 40) | rn) FILTER (WHERE len > 0) AS rn0{''.join(', ' + e for e in extra)}
      FROM pos GROUP BY ALL)"""
    start = "tl[1]" if times else "tl"
    inwin = "false"
    if win:
        inwin = f"(lvl BETWEEN 1 AND {n - 1} AND rn0 + lvl - 1 = cnt AND {start} + $w > {_tend()})"
    cols = [_unit_sel(spec), "lvl", f"CASE WHEN lvl >= 1 THEN {start} END AS s", f"{inwin} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    if times:
        cols += [f"CASE WHEN lvl >= {j} THEN tl[{j}] END AS t{j}" for j in range(1, n + 1)]
    return sql + f"\nSELECT {', '.join(cols)} FROM u"


def _atoms(spec: _Spec) -> list[int]:
    return sorted(set(spec.sigs.values()))


def _prefix_level(counts: dict[int, int], n: int) -> int:
    """Largest k such that steps 1..k match distinct events (counts: bitmask -> count)."""
    return _extensions(counts, n)[0] if n else 0


def _unordered_sql(con, spec: _Spec, b: _Binder, *, first: bool, by: str | None):
    """Any order within a span <= W: for each event as a window start, which steps
    occur in [t, t + W]. Returns (sql, tables)."""
    n = spec.n
    src = _src_select(spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    win = spec.window_us is not None
    extra = []
    if by is not None:
        extra.append("arg_min(g, struct_pack(a := t, b := g)) AS grp")
    if first:
        extra.append("min(t) FILTER (WHERE sig & 1 = 1) AS first1")
    extra_sql = "".join(", " + e for e in extra)
    tables = {}
    if spec.disjoint:
        # bit j-1 of a mask = step j present; the level is the run of trailing ones.
        def level(m):
            return f"bit_count(({m}) & ~(({m}) + 1))"
        if win:
            sql = f"""
WITH src AS ({src}),
w AS (SELECT *, bit_or(sig) OVER (PARTITION BY {_unit_sel(spec)} ORDER BY t
                 RANGE BETWEEN CURRENT ROW AND $w FOLLOWING) AS m FROM src),
u AS (SELECT {_unit_sel(spec)}, max({level('m')}) AS lvl,
        {level(f"coalesce(bit_or(sig) FILTER (WHERE t > {_tend()} - $w), 0)")} AS late{extra_sql}
      FROM w GROUP BY ALL)"""
        else:
            sql = f"""
WITH src AS ({src}),
u AS (SELECT {_unit_sel(spec)}, {level('bit_or(sig)')} AS lvl, 0 AS late{extra_sql} FROM src GROUP BY ALL)"""
    else:
        # Overlapping steps: count events per distinct bitmask ("atom") in each
        # window (capped at n) and look up the matching level in a small table.
        atoms = _atoms(spec)
        if win:
            cnts = ", ".join(f"least(count(*) FILTER (WHERE sig = {a}) OVER (PARTITION BY {_unit_sel(spec)} "
                             f"ORDER BY t RANGE BETWEEN CURRENT ROW AND $w FOLLOWING), {n})" for a in atoms)
            lates = ", ".join(f"least(count(*) FILTER (WHERE sig = {a} AND t > {_tend()} - $w), {n})" for a in atoms)
            pre = f"""
WITH src AS ({src}),
w AS (SELECT *, list_value({cnts}) AS key FROM src),
uu AS (SELECT {_unit_sel(spec)}, list_distinct(list(key)) AS keys, list_value({lates}) AS latekey{extra_sql}
       FROM w GROUP BY ALL)"""
        else:
            whole = ", ".join(f"least(count(*) FILTER (WHERE sig = {a}), {n})" for a in atoms)
            pre = f"""
WITH src AS ({src}),
uu AS (SELECT {_unit_sel(spec)}, [list_value({whole})] AS keys, list_value({', '.join('0' for _ in atoms)}) AS latekey{extra_sql}
       FROM src GROUP BY ALL)"""
        allkeys = _run(con, pre + "\nSELECT DISTINCT array_to_string(k, ',') AS key FROM "
                                       "(SELECT unnest(keys) AS k FROM uu UNION ALL SELECT latekey FROM uu)", dict(b))
        lookup = []
        for key in allkeys["key"].tolist():
            counts = dict(zip(atoms, map(int, key.split(","))))
            lookup.append((key, _prefix_level({a: c for a, c in counts.items() if c}, n)))
        tables["_cj_levels"] = pd.DataFrame(lookup, columns=["key", "level"]) if lookup else \
            pd.DataFrame({"key": pd.Series([], dtype=str), "level": pd.Series([], dtype="int64")})
        sql = pre + f""",
kk AS (SELECT {_unit_sel(spec)}, unnest(keys) AS k FROM uu),
lv AS (SELECT {_unit_sel(spec)}, max(l.level) AS lvl FROM kk JOIN _cj_levels l ON l.key = array_to_string(kk.k, ',') GROUP BY ALL),
u AS (SELECT uu.*, lv.lvl, l2.level AS late
      FROM uu JOIN lv USING ({_unit_sel(spec)}) JOIN _cj_levels l2 ON l2.key = array_to_string(uu.latekey, ','))"""
    inwin = "false"
    if win:
        inwin = f"(lvl BETWEEN 1 AND {n - 1} AND late >= lvl)"
    cols = [_unit_sel(spec), "lvl", "NULL::BIGINT AS s", f"{inwin} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    return sql + f"\nSELECT {', '.join(cols)} FROM u", tables


def _open_sql(spec: _Spec, b: _Binder, *, first: bool, by: str | None) -> str:
    src = _src_select(spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    extra = _grp_agg(by) + (", min(t) FILTER (WHERE sig & 1 = 1) AS first1" if first else "")
    return f"WITH src AS ({src})\nSELECT {_unit_sel(spec)}, bit_or(sig) AS mask{extra} FROM src GROUP BY ALL"


def _units_sql(con, spec: _Spec, *, times: bool = False, first: bool = False, by: str | None = None):
    """(sql, params, tables) for one row per unit (see the engines above)."""
    b = _Binder()
    if spec.window_us is not None:
        b["w"] = spec.window_us
    tables: dict = {}
    if spec.mode == "ordered":
        if spec.disjoint and not _FORCE_GENERAL:
            sql = _ordered_fast_sql(spec, b, times=times, first=first, by=by)
        else:
            sql, tables = _ordered_general_sql(con, spec, b, times=times, first=first, by=by)
    elif spec.mode == "strict":
        sql = _strict_sql(spec, b, times=times, first=first, by=by)
    elif spec.mode == "unordered":
        sql, tables = _unordered_sql(con, spec, b, first=first, by=by)
    else:
        sql = _open_sql(spec, b, first=first, by=by)
    if spec.window_us is not None and "$w" not in sql:
        b.pop("w")
    return sql, dict(b), tables


def _duckdb_median(lvl: int, seconds: str) -> str:
    return f"median({seconds}) FILTER (WHERE lvl >= {lvl})"


def _step_aggs(spec: _Spec, times: bool, *, median=_duckdb_median, null_double: str = "NULL::DOUBLE",
               us_per_s: str = "1e6") -> list[str]:
    """Aggregates over the per-unit relation: reached_j, inwin_j, medians. The Spark twin passes its
    own exact median, NULL cast and literal (``median(level, seconds_expr)`` -> SQL)."""
    n = spec.n
    aggs = []
    if spec.mode == "open":
        aggs += [f"count_if((mask & {1 << (j - 1)}) <> 0) AS reached{j}" for j in range(1, n + 1)]
        aggs += [f"0 AS inwin{j}" for j in range(1, n + 1)]
    else:
        aggs += [f"count_if(lvl >= {j}) AS reached{j}" for j in range(1, n + 1)]
        aggs += ["0 AS inwin1"] + [f"count_if(lvl = {j - 1} AND inwin) AS inwin{j}" for j in range(2, n + 1)]
    for j in range(1, n + 1):
        if times and spec.mode in ("ordered", "strict"):
            prev = f"t{j - 1}" if j > 1 else "t1"
            aggs.append(f"{median(j, f'(t{j} - t1) / {us_per_s}')} AS mstart{j}")
            aggs.append(f"{median(j, f'(t{j} - {prev}) / {us_per_s}')} AS mprev{j}")
        else:
            aggs.append(f"{null_double} AS mstart{j}")
            aggs.append(f"{null_double} AS mprev{j}")
    return aggs


def _steps_frame(spec: _Spec, row: dict) -> pd.DataFrame:
    """Build FunnelResult.steps from one aggregate row."""
    n = spec.n
    reached = np.array([_count(row.get(f"reached{j}")) for j in range(1, n + 1)], dtype="int64")
    inwin = np.array([_count(row.get(f"inwin{j}")) for j in range(1, n + 1)], dtype="int64")
    prev = np.concatenate([[reached[0]], reached[:-1]])
    start = np.full(n, reached[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        conv_prev = np.where(prev > 0, reached / np.where(prev > 0, prev, 1), np.nan)
        conv_start = np.where(start > 0, reached / np.where(start > 0, start, 1), np.nan)
    lp, hp = wilson_interval(reached, prev)
    ls, hs = wilson_interval(reached, start)
    lp[0] = hp[0] = ls[0] = hs[0] = np.nan
    df = pd.DataFrame({
        "step": spec.labels,
        "step_index": np.arange(1, n + 1),
        "customers": reached,
        "conversion_from_previous": conv_prev,
        "conversion_from_start": conv_start,
        "ci_prev_low": lp, "ci_prev_high": hp,
        "ci_start_low": ls, "ci_start_high": hs,
        "dropped": prev - reached - inwin,
        "in_window": inwin,
        "median_seconds_from_previous": [_nan(row.get(f"mprev{j}")) for j in range(1, n + 1)],
        "median_seconds_from_start": [_nan(row.get(f"mstart{j}")) for j in range(1, n + 1)],
    })
    df.loc[0, "dropped"] = 0
    if spec.mode == "open":
        df["dropped"] = pd.array([pd.NA] * n, dtype="Int64")
        df["in_window"] = pd.array([pd.NA] * n, dtype="Int64")
    return df


def _count(v) -> int:
    """An aggregate count (NULL over no rows) as an int."""
    return 0 if v is None or pd.isna(v) else int(v)


def _nan(v) -> float:
    return float("nan") if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _data_end(con) -> str | None:
    v = store.scalar(con, f"SELECT max(CAST({_q('timestamp')} AS TIMESTAMP)) FROM events")
    return None if v is None or pd.isna(v) else pd.Timestamp(v).isoformat()


# ------------------------------------------------------------------ API

def funnel(con, steps, *, step_col: str = "stage", mode: str = "ordered",
           window: timedelta | str | None = DEFAULT_WINDOW, per: str = "customer",
           filters: dict | None = None, times: bool = True) -> FunnelResult:
    """Units reaching each step (see the module docstring for exact semantics).

    Parameters
    ----------
    steps : list of steps, each a value or a list of alternative values (or
        ``"a|b"``), or one text ``"a,b|c,d"`` (see :func:`parse_steps`).
    step_col : column holding the step values (``"stage"`` or ``"event"``).
    mode : ``"ordered"``, ``"strict"``, ``"unordered"`` or ``"open"``.
    window : conversion window (timedelta, text such as ``"30d"``, or None).
    per : ``"customer"`` or ``"session"``.
    filters : ``{column: [values]}`` keeps only matching events (``None`` in the
        list matches missing values).
    times : compute the median time columns (ordered and strict only).

    Raises :class:`ParameterError` for unknown columns, modes or step values.
    On a Spark source (:mod:`cj.engine`) the same numbers come from :mod:`cj.spark.funnel`.
    """
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        return spark_funnel.funnel(con, steps, step_col=step_col, mode=mode, window=window, per=per,
                                   filters=filters, times=times)
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    sql, params, tables = _units_sql(con, spec, times=times)
    agg = _run(con, f"WITH units AS ({sql})\nSELECT {', '.join(_step_aggs(spec, times))}, "
                    f"(SELECT max(CAST({_q('timestamp')} AS TIMESTAMP)) FROM events) AS data_end FROM units",
               params, **tables)
    row = agg.iloc[0].to_dict()
    end = row.pop("data_end")
    return _funnel_result(spec, row, None if pd.isna(end) else pd.Timestamp(end).isoformat())


def _funnel_result(spec: _Spec, row: dict, data_end: str | None) -> FunnelResult:
    """A FunnelResult from one row of :func:`_step_aggs` (either engine)."""
    return FunnelResult(_steps_frame(spec, row), {**spec.params(), "data_end": data_end})


def funnel_by(con, steps, *, by: str, step_col: str = "stage", mode: str = "ordered",
              window: timedelta | str | None = DEFAULT_WINDOW, per: str = "customer",
              filters: dict | None = None, max_groups: int = 20, times: bool = True) -> BreakdownResult:
    """One funnel per value of ``by`` plus a chi-square test per step.

    A unit's group is ``by`` on its earliest step event. Groups beyond the
    ``max_groups`` largest are lumped into ``(other)``; a missing value is
    ``(missing)``. Tests: for each step k >= 2, a Pearson chi-square (no Yates
    correction) on reached-k vs. not among units that reached k-1, across
    groups; p-values Benjamini-Hochberg adjusted across steps. Degenerate tables
    (fewer than two groups, nobody or everybody converting) give NaN.
    """
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        return spark_funnel.funnel_by(con, steps, by=by, step_col=step_col, mode=mode, window=window, per=per,
                                      filters=filters, max_groups=max_groups, times=times)
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    _check_breakdown(spec, by, max_groups)
    sql, params, tables = _units_sql(con, spec, times=times, by=by)
    params["maxg"] = int(max_groups)
    size = "count_if(mask & 1 <> 0)" if spec.mode == "open" else "count_if(lvl >= 1)"
    full = f"""
WITH units AS MATERIALIZED ({sql}),
sizes AS (SELECT grp, {size} AS n FROM units WHERE grp IS NOT NULL GROUP BY grp),
ranked AS (SELECT grp, row_number() OVER (ORDER BY n DESC, grp) AS rk FROM sizes),
lab AS (SELECT u.*, CASE WHEN u.grp IS NULL THEN '{MISSING}' WHEN r.rk <= $maxg THEN u.grp ELSE '{OTHER}' END AS label
        FROM units u LEFT JOIN ranked r ON r.grp = u.grp)
SELECT label, {', '.join(_step_aggs(spec, times))} FROM lab GROUP BY label"""
    agg = _run(con, full, params, **tables)
    return _breakdown_result(spec, agg, by, max_groups, _data_end(con))


def _check_breakdown(spec: _Spec, by: str, max_groups) -> None:
    problems: list[Problem] = []
    _check_column(by, spec.columns, "Breakdown", problems)
    if int(max_groups) < 1:
        problems.append(Problem(f"max_groups={max_groups} should be >= 1", "Show at least one group."))
    if problems:
        raise ParameterError(problems)


def _breakdown_result(spec: _Spec, agg: pd.DataFrame, by: str, max_groups, data_end) -> BreakdownResult:
    """Order the groups, build their funnels and the chi-square tests from one row per ``label``
    of :func:`_step_aggs` (either engine)."""
    from scipy.stats import chi2_contingency

    agg["_special"] = agg["label"].isin([OTHER, MISSING]).astype(int) + (agg["label"] == MISSING).astype(int)
    agg = agg.sort_values(["_special", "reached1", "label"], ascending=[True, False, True]).reset_index(drop=True)
    frames = []
    for _, row in agg.iterrows():
        f = _steps_frame(spec, row.to_dict())
        f.insert(0, "group", str(row["label"]))
        frames.append(f)
    steps_df = pd.concat(frames, ignore_index=True) if frames else \
        _steps_frame(spec, {}).iloc[0:0].assign(group=pd.Series([], dtype=str))
    tests = []
    for j in range(2, spec.n + 1):
        rec = {"step": spec.labels[j - 1], "step_index": j, "chi2": np.nan, "dof": np.nan,
               "p_value": np.nan, "groups": 0, "lowest_group": None, "highest_group": None}
        if spec.mode != "open" and len(agg):
            prev = agg[f"reached{j - 1}"].to_numpy(dtype=float)
            cur = agg[f"reached{j}"].to_numpy(dtype=float)
            keep = prev > 0
            table = np.column_stack([cur[keep], prev[keep] - cur[keep]])
            rec["groups"] = int(keep.sum())
            if keep.sum() >= 1:
                conv = cur[keep] / prev[keep]
                labels = agg["label"][keep].tolist()
                rec["lowest_group"] = labels[int(np.argmin(conv))]
                rec["highest_group"] = labels[int(np.argmax(conv))]
            if keep.sum() >= 2 and (table.sum(axis=0) > 0).all():
                chi2, p, dof, _ = chi2_contingency(table, correction=False)
                rec.update(chi2=float(chi2), dof=int(dof), p_value=float(p))
        tests.append(rec)
    tests_df = pd.DataFrame(tests, columns=["step", "step_index", "chi2", "dof", "p_value", "groups",
                                            "lowest_group", "highest_group"])
    tests_df.insert(5, "p_adjusted", bh_adjust(tests_df["p_value"].to_numpy(dtype=float)))
    return BreakdownResult(steps_df, tests_df, {**spec.params(), "by": by, "max_groups": int(max_groups),
                                                "data_end": data_end})


def conversion_trend(con, steps, *, grain: str = "week", step_col: str = "stage", mode: str = "ordered",
                     window: timedelta | str | None = DEFAULT_WINDOW, per: str = "customer",
                     filters: dict | None = None, to_step: int | None = None) -> pd.DataFrame:
    """Conversion by the period of each unit's first step-1 event.

    Columns: ``period`` (start of the day/week/month; weeks start Monday),
    ``customers`` (units whose first step-1 event falls in the period),
    ``converted`` (reached ``to_step``, default the last step), ``conversion``,
    ``ci_low``, ``ci_high`` (Wilson 95%), ``in_window`` (not converted, still in
    window: recent periods are incomplete).
    """
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        return spark_funnel.conversion_trend(con, steps, grain=grain, step_col=step_col, mode=mode, window=window,
                                             per=per, filters=filters, to_step=to_step)
    spec, target = _trend_spec(con, steps, grain=grain, step_col=step_col, mode=mode, window=window, per=per,
                               filters=filters, to_step=to_step)
    sql, params, tables = _units_sql(con, spec, first=True)
    if spec.mode == "open":
        conv, started, inwin = f"count_if(mask & {1 << (target - 1)} <> 0)", "first1 IS NOT NULL", "0"
    else:
        conv, started, inwin = f"count_if(lvl >= {target})", "lvl >= 1", f"count_if(lvl < {target} AND inwin)"
    params["grain"] = grain
    df = _run(con, f"""
WITH units AS ({sql})
SELECT date_trunc($grain, {_from_us('first1')}) AS period, count(*) AS customers,
       {conv} AS converted, {inwin} AS in_window
FROM units WHERE {started} GROUP BY 1 ORDER BY 1""", params, **tables)
    return _trend_frame(df)


def _trend_spec(con, steps, *, grain, step_col, mode, window, per, filters, to_step) -> tuple[_Spec, int]:
    if grain not in GRAINS:
        raise ParameterError.one(f"grain='{grain}' is not a period", f"Use one of: {', '.join(GRAINS)}.")
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    target = spec.n if to_step is None else int(to_step)
    if not 1 <= target <= spec.n:
        raise ParameterError.one(f"to_step={to_step} is not a step of this funnel", f"Use 1..{spec.n}.")
    return spec, target


def _trend_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Rates and intervals from ``period, customers, converted, in_window`` (either engine)."""
    df["converted"] = df["converted"].astype("int64")
    df["customers"] = df["customers"].astype("int64")
    df["in_window"] = df["in_window"].astype("int64")
    df["conversion"] = np.where(df["customers"] > 0,
                                df["converted"] / df["customers"].where(df["customers"] > 0, 1), np.nan)
    lo, hi = wilson_interval(df["converted"].to_numpy(), df["customers"].to_numpy())
    df["ci_low"], df["ci_high"] = lo, hi
    return df[["period", "customers", "converted", "conversion", "ci_low", "ci_high", "in_window"]]


def time_to_convert(con, steps, *, step_col: str = "stage", mode: str = "ordered",
                    window: timedelta | str | None = DEFAULT_WINDOW, per: str = "customer",
                    filters: dict | None = None, edges=TIME_BIN_EDGES) -> pd.DataFrame:
    """Histogram-ready distribution of time to each step (ordered and strict).

    One row per step (from 2 on), measure (``"from_start"``/``"from_previous"``)
    and bin: ``bin_low_seconds`` (inclusive), ``bin_high_seconds`` (exclusive;
    NaN for the last, open bin), ``units`` and ``share`` of the units reaching
    the step, plus the step's ``median_seconds``. Times are measured along the
    path described in the module docstring.
    """
    if engine.is_spark(con):
        from .spark import funnel as spark_funnel
        return spark_funnel.time_to_convert(con, steps, step_col=step_col, mode=mode, window=window, per=per,
                                            filters=filters, edges=edges)
    spec, edges = _ttc_spec(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters,
                            edges=edges)
    sql, params, tables = _units_sql(con, spec, times=True)
    params["edges"] = edges
    parts = []
    for j in range(2, spec.n + 1):
        parts.append(f"SELECT {j} AS step_index, 'from_start' AS measure, (t{j} - t1) / 1e6 AS sec "
                     f"FROM units WHERE lvl >= {j}")
        parts.append(f"SELECT {j}, 'from_previous', (t{j} - t{j - 1}) / 1e6 FROM units WHERE lvl >= {j}")
    if not parts:
        return _ttc_frame(spec, edges, None)
    df = _run(con, f"""
WITH units AS MATERIALIZED ({sql}), d AS ({' UNION ALL '.join(parts)}),
b AS (SELECT step_index, measure, len(list_filter($edges, lambda e: e <= sec)) AS bin, sec FROM d)
SELECT step_index, measure, bin, count(*) AS units, any_value(med) AS median_seconds
FROM b JOIN (SELECT step_index, measure, median(sec) AS med FROM d GROUP BY ALL) USING (step_index, measure)
GROUP BY ALL""", params, **tables)
    return _ttc_frame(spec, edges, df)


def _ttc_spec(con, steps, *, step_col, mode, window, per, filters, edges) -> tuple[_Spec, list[float]]:
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    if spec.mode not in ("ordered", "strict"):
        raise ParameterError.one(f"Time to convert needs an ordered or strict funnel, not '{spec.mode}'",
                                 "Switch the funnel mode to ordered or strict.")
    edges = sorted({float(e) for e in edges})
    if not edges or edges[0] > 0:
        edges = [0.0] + edges
    return spec, edges


def _ttc_frame(spec: _Spec, edges: list[float], df: pd.DataFrame | None) -> pd.DataFrame:
    """The full histogram grid from ``step_index, measure, bin, units, median_seconds`` (either engine;
    ``bin`` = how many edges are <= the time)."""
    if df is None:
        return pd.DataFrame(columns=["step", "step_index", "measure", "bin_low_seconds", "bin_high_seconds",
                                     "units", "share", "median_seconds"])
    # Full grid: every bin of every (step, measure), zeros included.
    grid = pd.MultiIndex.from_product([range(2, spec.n + 1), ["from_start", "from_previous"], range(1, len(edges) + 1)],
                                      names=["step_index", "measure", "bin"]).to_frame(index=False)
    out = grid.merge(df, how="left", on=["step_index", "measure", "bin"])
    out["units"] = out["units"].fillna(0).astype("int64")
    med = df.groupby(["step_index", "measure"])["median_seconds"].first()
    out["median_seconds"] = [med.get((s, m), np.nan) for s, m in zip(out["step_index"], out["measure"])]
    tot = out.groupby(["step_index", "measure"])["units"].transform("sum")
    out["share"] = np.where(tot > 0, out["units"] / tot.where(tot > 0, 1), np.nan)
    out["bin_low_seconds"] = [edges[b - 1] for b in out["bin"]]
    out["bin_high_seconds"] = [edges[b] if b < len(edges) else np.nan for b in out["bin"]]
    out["step"] = [spec.labels[s - 1] for s in out["step_index"]]
    return out[["step", "step_index", "measure", "bin_low_seconds", "bin_high_seconds", "units", "share",
                "median_seconds"]]


def _duckdb_only(con, what: str) -> None:
    if engine.is_spark(con):
        raise ParameterError.one(f"{what} is not available on the Spark engine yet",
                                 "Run it on DuckDB (the default engine): funnels, breakdowns, trends and "
                                 "times to convert run on both.")


def _check_at_step(spec: _Spec, at_step) -> int:
    if spec.mode == "open":
        raise ParameterError.one("Drop-offs need an ordered, strict or unordered funnel, not 'open'",
                                 "Switch the funnel mode.")
    at = int(at_step)
    if not 2 <= at <= spec.n:
        raise ParameterError.one(f"at_step={at_step} is not a step that can be dropped at",
                                 f"Use a step number from 2 to {spec.n}.")
    return at


def dropped_customers(con, steps, *, at_step: int, step_col: str = "stage", mode: str = "ordered",
                      window: timedelta | str | None = DEFAULT_WINDOW, per: str = "customer",
                      filters: dict | None = None, include_in_window: bool = False,
                      limit: int | None = None) -> pd.DataFrame:
    """Units that reached step ``at_step - 1`` but not ``at_step``.

    Columns: the unit (``customer_id``, and ``session_id`` per session),
    ``in_window`` (still able to convert; such units are left out unless
    ``include_in_window``), ``started_at`` and ``last_step_at`` (first and last
    event of the measured path; NaT for unordered funnels). Sorted by unit.
    """
    _duckdb_only(con, "Dropped customers")
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    at = _check_at_step(spec, at_step)
    times = spec.mode in ("ordered", "strict")
    sql, params, tables = _units_sql(con, spec, times=times)
    last = _from_us(f"t{at - 1}") if times else "NULL::TIMESTAMP"
    cond = f"lvl = {at - 1}" + ("" if include_in_window else " AND NOT inwin")
    lim = ""
    if limit is not None:
        params["lim"] = int(limit)
        lim = " LIMIT $lim"
    return _run(con, f"""
WITH units AS ({sql})
SELECT {_unit_sel(spec)}, inwin AS in_window, {_from_us('s')} AS started_at, {last} AS last_step_at
FROM units WHERE {cond} ORDER BY {_unit_sel(spec)}{lim}""", params, **tables)


def next_after_drop(con, steps, *, at_step: int, col: str = "event", top: int = 10, step_col: str = "stage",
                    mode: str = "ordered", window: timedelta | str | None = DEFAULT_WINDOW,
                    per: str = "customer", filters: dict | None = None) -> pd.DataFrame:
    """Where units that dropped at ``at_step`` went instead.

    For each dropped unit (reached ``at_step - 1``, not ``at_step``, not in
    window) take the last event of its measured path (the last event, in the
    documented event order, at that time whose value is in step
    ``at_step - 1``) and the event right after it. Returns ``value`` (of ``col``;
    ``(no further events)`` when there is none, ``(missing)`` for NULL,
    ``(other)`` beyond ``top``), ``customers`` and ``share``.
    Ordered and strict funnels only.
    """
    _duckdb_only(con, "Next after drop")
    spec = _prepare(con, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    at = _check_at_step(spec, at_step)
    if spec.mode not in ("ordered", "strict"):
        raise ParameterError.one("Next-after-drop needs an ordered or strict funnel",
                                 "Switch the funnel mode to ordered or strict.")
    problems: list[Problem] = []
    _check_column(col, spec.columns, "Next-event", problems)
    if problems:
        raise ParameterError(problems)
    sql, params, tables = _units_sql(con, spec, times=True)
    b = _Binder(params)
    b["top"] = int(top)
    unit = _unit_sel(spec)
    order = _order_keys(spec, spec.types, spec.columns, b, col)
    in_step = {v: 1 for v, s in spec.sigs.items() if s >> (at - 2) & 1}
    step_flag = _value_case(spec, b, in_step, default="0")
    where = _base_where(spec, b)
    value = _col_text(spec, col)
    df = _run(con, f"""
WITH units AS ({sql}),
d AS (SELECT {unit}, t{at - 1} AS tl FROM units WHERE lvl = {at - 1} AND NOT inwin),
e AS (SELECT {', '.join('x.' + _q(c) for c in spec.unit_cols)}, {_ts_us()} AS t, {value} AS v, {step_flag} AS f,
             row_number() OVER (PARTITION BY {', '.join('x.' + _q(c) for c in spec.unit_cols)} ORDER BY {order}) AS rn
      FROM events x SEMI JOIN d USING ({unit}) WHERE {where}),
last AS (SELECT e.{unit.replace(', ', ', e.')}, max(rn) AS rn FROM e JOIN d USING ({unit})
         WHERE e.t = d.tl AND e.f = 1 GROUP BY ALL),
nx AS (SELECT CASE WHEN e.rn IS NULL THEN '{NO_FURTHER}' WHEN e.v IS NULL THEN '{MISSING}' ELSE e.v END AS value
       FROM last LEFT JOIN e ON {' AND '.join(f'e.{_q(c)} = last.{_q(c)}' for c in spec.unit_cols)} AND e.rn = last.rn + 1),
c AS (SELECT value, count(*) AS customers FROM nx GROUP BY value),
r AS (SELECT *, row_number() OVER (ORDER BY customers DESC, value) AS rk FROM c)
SELECT CASE WHEN rk <= $top OR value = '{NO_FURTHER}' THEN value ELSE '{OTHER}' END AS value, sum(customers) AS customers
FROM r GROUP BY 1""", dict(b), **tables)
    return _ranked(df, "customers")


def _ranked(df: pd.DataFrame, count_col: str) -> pd.DataFrame:
    """Most frequent first; then (other), (longer paths), (no further events); add share."""
    df[count_col] = df[count_col].astype("int64")
    special = df["value"].map({OTHER: 1, LONGER: 2, NO_FURTHER: 3}).fillna(0).astype(int)
    df = df.assign(_s=special).sort_values(["_s", count_col, "value"], ascending=[True, False, True])
    total = df[count_col].sum()
    df["share"] = df[count_col] / total if total else np.nan
    return df.drop(columns="_s").reset_index(drop=True)


def _path_spec(con, col: str, per: str, filters) -> _Spec:
    spec = _prepare(con, None, step_col=col, mode="ordered", window=None, per=per, filters=filters,
                    need_steps=False)
    return spec


def top_paths(con, *, from_value: str, to_value: str, col: str = "stage", max_len: int = 6, top: int = 10,
              per: str = "customer", filters: dict | None = None, collapse_repeats: bool = True) -> pd.DataFrame:
    """The most common sequences of ``col`` values from ``from_value`` to ``to_value``.

    Per unit: from its first ``from_value`` event to the first ``to_value``
    event after it (inclusive), in the documented event order, consecutive
    repeats collapsed unless ``collapse_repeats=False``. Paths with more than
    ``max_len`` values are counted together as ``(longer paths)``; paths beyond
    ``top`` as ``(other)``. Columns: ``path`` (``"a → b → c"``), ``length``,
    ``customers`` and ``share`` (of the units that went from one to the other).
    """
    _duckdb_only(con, "Top paths")
    spec = _path_spec(con, col, per, filters)
    problems = []
    for name, v in (("from_value", from_value), ("to_value", to_value)):
        problems.extend(p for p in _missing_values(con, spec.types, col, [[v]]))
    if int(max_len) < 2:
        problems.append(Problem(f"max_len={max_len} should be >= 2", "A path has at least its two ends."))
    if problems:
        raise ParameterError(problems)
    b = _Binder()
    unit = _unit_sel(spec)
    order = _order_keys(None, spec.types, spec.columns, b, col)
    value = _col_text(spec, col)
    where = _base_where(spec, b)
    b["src"], b["dst"], b["maxlen"], b["top"] = from_value, to_value, int(max_len), int(top)
    collapse = "list_filter(p, lambda x, i: i = 1 OR p[i - 1] IS DISTINCT FROM x)" if collapse_repeats else "p"
    df = _run(con, f"""
WITH e AS (SELECT {unit}, {value} AS v, row_number() OVER (PARTITION BY {unit} ORDER BY {order}) AS rn
           FROM events WHERE {where}),
f AS (SELECT {unit}, min(rn) AS rf FROM e WHERE v = $src GROUP BY ALL),
g AS (SELECT e.{unit.replace(', ', ', e.')}, min(e.rn) AS rt FROM e JOIN f USING ({unit}) WHERE e.v = $dst AND e.rn > f.rf GROUP BY ALL),
p0 AS (SELECT e.{unit.replace(', ', ', e.')}, list(coalesce(e.v, '{MISSING}') ORDER BY e.rn) AS p
       FROM e JOIN f USING ({unit}) JOIN g USING ({unit}) WHERE e.rn BETWEEN f.rf AND g.rt GROUP BY ALL),
p1 AS (SELECT {collapse} AS path FROM p0),
c AS (SELECT CASE WHEN len(path) > $maxlen THEN NULL ELSE path END AS path, count(*) AS customers FROM p1 GROUP BY 1),
r AS (SELECT *, row_number() OVER (ORDER BY path IS NULL, customers DESC, array_to_string(path, ' → ')) AS rk FROM c)
SELECT CASE WHEN path IS NULL THEN '{LONGER}' WHEN rk <= $top THEN array_to_string(path, ' → ') ELSE '{OTHER}' END AS value,
       CASE WHEN path IS NULL OR rk > $top THEN NULL ELSE len(path) END AS length, sum(customers) AS customers
FROM r GROUP BY 1, 2""", dict(b))
    df = _ranked(df, "customers").rename(columns={"value": "path"})
    df["length"] = df["length"].astype("Int64")
    return df[["path", "length", "customers", "share"]]


def transition_matrix(con, *, col: str = "stage", order: list | None = None, collapse_repeats: bool = False,
                      include_end: bool = False, per: str = "customer", filters: dict | None = None) -> pd.DataFrame:
    """Counts of consecutive ``col`` values within a unit (documented event order).

    Columns ``from``, ``to``, ``count``, ``share`` (of all transitions leaving
    ``from``). ``collapse_repeats`` first merges runs of one value (so no
    self-transitions); ``include_end`` adds ``(end)`` after each unit's last
    event. Rows follow ``order`` when given (values not in it after), else the
    most frequent ``from`` first. NULL values show as ``(missing)``.
    """
    _duckdb_only(con, "Transition matrix")
    spec = _path_spec(con, col, per, filters)
    b = _Binder()
    unit = _unit_sel(spec)
    okeys = _order_keys(None, spec.types, spec.columns, b, col)
    value = f"coalesce({_col_text(spec, col)}, '{MISSING}')"
    where = _base_where(spec, b)
    collapse = ""
    src = "e"
    if collapse_repeats:
        collapse = (f",\nc AS (SELECT * FROM (SELECT *, lag(v) OVER (PARTITION BY {unit} ORDER BY rn) AS pv FROM e) "
                    f"WHERE pv IS NULL OR pv <> v)")
        src = "c"
    end = f"'{END}'" if include_end else "NULL"
    df = _run(con, f"""
WITH e AS (SELECT {unit}, {value} AS v, row_number() OVER (PARTITION BY {unit} ORDER BY {okeys}) AS rn
           FROM events WHERE {where}){collapse},
t AS (SELECT v AS "from", coalesce(lead(v) OVER (PARTITION BY {unit} ORDER BY rn), {end}) AS "to" FROM {src})
SELECT "from", "to", count(*) AS count FROM t WHERE "to" IS NOT NULL GROUP BY ALL""", dict(b))
    df["count"] = df["count"].astype("int64")
    tot = df.groupby("from")["count"].transform("sum")
    df["share"] = df["count"] / tot
    rank = {v: i for i, v in enumerate(order or [])}
    freq = df.groupby("from")["count"].sum()
    big = len(rank)

    def key(v, is_to=False):
        if v == END:
            return (big + 2, 0, "")
        if v in rank:
            return (rank[v], 0, "")
        return (big + 1, -int(freq.get(v, 0)), str(v))

    df["_a"] = [key(v) for v in df["from"]]
    df["_b"] = [key(v, True) for v in df["to"]]
    df = df.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"]).reset_index(drop=True)
    return df[["from", "to", "count", "share"]]
