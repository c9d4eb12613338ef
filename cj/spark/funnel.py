"""Funnels on Apache Spark: the same public functions and numbers as :mod:`cj.funnel`.

:mod:`cj.funnel` dispatches here when its source is a :class:`cj.engine.SparkEvents`.
Validation (``_prepare``), result frames, chi-square tests and Wilson intervals are
the DuckDB module's own Python code; only the events-level work is formulated again,
in Spark SQL, with the semantics of the module docstring of :mod:`cj.funnel`:

* Ordered, steps that share no value: one shuffle. Each event is packed into one
  BIGINT ``t * 16 + step`` (so at equal timestamps an earlier step sorts first: the
  tie rule), a unit's events are collected and sorted (``collect_list`` +
  ``array_sort``) and folded with ``aggregate``: per step the latest start of a chain
  reaching it (ClickHouse's ``windowFunnel``). A second fold measures the path.
* Ordered, a value in several steps: timestamp groups keyed by their composition;
  the transitions of each distinct composition come from the same Python matching
  code as DuckDB's (a handful of rows, joined as a small table), then a struct fold.
* Strict: ``lead`` over the documented event order. Unordered: ``bit_or`` over a
  ``RANGE`` window (overlapping steps: counts per value group and a level table).
  Open: ``bit_or`` per unit.
* Medians: exact ``percentile(x, 0.5)`` (linear interpolation, as DuckDB's
  ``median``), never ``percentile_approx``.

Non-text columns used as steps, filters or breakdowns compare as their text form, as on DuckDB;
the two engines spell some doubles differently (Spark writes ``1.0E7`` where DuckDB writes
``10000000.0``), so such labels can differ for fractional numbers of 10 million and more.

Times are plain epoch microseconds (``unix_micros`` of the UTC wall clock; Spark
reads DuckDB's Parquet timestamps as TIMESTAMP_NTZ and the session time zone is
UTC). Integers we own (window, step numbers, group limits) are inlined; every value
that comes from the user or the data is bound as a named parameter.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import funnel as F
from ..engine import SparkEvents

NEG = -(1 << 62)          # "no chain yet" in folds (below every epoch µs)
_NEG = f"CAST({NEG} AS BIGINT)"
KB = 16                   # packed event = t * 16 + step (MAX_STEPS < 16)
_PACK_BITS = 10           # packed timestamp group = t * 1024 + composition index (t < 2^53 µs)
_PACK_KEYS = 1 << _PACK_BITS

_SPARK_TYPES = {"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "long": "BIGINT",
                "integer": "INTEGER", "short": "SMALLINT", "byte": "TINYINT", "double": "DOUBLE",
                "float": "FLOAT", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP",
                "date": "DATE", "binary": "BLOB"}


# --------------------------------------------------------------- adapters for F._prepare

def column_types(src: SparkEvents) -> dict:
    """Column -> DuckDB-style type name (only text-or-not matters to the SQL builders)."""
    cached = src.cache.get("types")
    if cached is None:
        cached = {f.name: _SPARK_TYPES.get(f.dataType.typeName(), f.dataType.typeName().upper())
                  for f in src.df.schema.fields}
        src.cache["types"] = cached
    return dict(cached)


_DISTINCT_CACHE_MAX = 5000


def values_found(src: SparkEvents, types: dict, col: str, wanted: list) -> set:
    """Which of ``wanted`` occur in ``col``. A column with few distinct values (stages, events)
    has them read once per source; others are asked with an IN list each time."""
    c = _col_text(types, col)
    key = ("distinct", col)
    if key not in src.cache:
        rows = src.rows(f"SELECT DISTINCT {c} AS v FROM {src.view} WHERE {c} IS NOT NULL "
                        f"LIMIT {_DISTINCT_CACHE_MAX + 1}")
        src.cache[key] = {r["v"] for r in rows} if len(rows) <= _DISTINCT_CACHE_MAX else None
    if src.cache[key] is not None:
        return {v for v in wanted if v in src.cache[key]}
    b = _Binder()
    rows = src.rows(f"SELECT DISTINCT {c} AS v FROM {src.view} WHERE {c} IN ({', '.join(b.add(v) for v in wanted)})",
                    **b)
    return {r["v"] for r in rows}


def top_values(src: SparkEvents, types: dict, col: str, limit: int) -> list:
    c = _col_text(types, col)
    rows = src.rows(f"SELECT {c} AS v, count(*) AS n FROM {src.view} WHERE {c} IS NOT NULL "
                    f"GROUP BY 1 ORDER BY n DESC, v LIMIT {int(limit)}")
    return [r["v"] for r in rows]


# ------------------------------------------------------------------------ SQL helpers

class _Binder(dict):
    """Named parameters of one Spark statement: ``b.add(value) -> ":p3"``."""

    def add(self, value) -> str:
        name = f"p{len(self)}"
        self[name] = value
        return ":" + name


def _q(name: str) -> str:
    """Quote an identifier for Spark SQL."""
    return "`" + str(name).replace("`", "``") + "`"


def _col_text(types: dict, col: str) -> str:
    q = _q(col)
    return q if F._is_text(types.get(col, "VARCHAR")) else f"CAST({q} AS STRING)"


def _unit(spec: F._Spec, prefix: str = "") -> str:
    return ", ".join(prefix + _q(c) for c in spec.unit_cols)


_TS = f"unix_micros(CAST({_q('timestamp')} AS TIMESTAMP))"


def _base_where(spec: F._Spec, b: _Binder) -> str:
    conds = [f"{_q(c)} IS NOT NULL" for c in spec.unit_cols] + [f"{_q('timestamp')} IS NOT NULL"]
    for col, values in spec.filters:
        non_null = [v for v in values if v is not None]
        as_text = not F._is_text(spec.types.get(col, "VARCHAR")) and all(isinstance(v, str) for v in non_null)
        ref = f"CAST({_q(col)} AS STRING)" if as_text else _q(col)
        parts = []
        if non_null:
            parts.append(f"{ref} IN ({', '.join(b.add(v) for v in non_null)})")
        if len(non_null) < len(values):
            parts.append(f"{_q(col)} IS NULL")
        conds.append("(" + " OR ".join(parts) + ")")
    return " AND ".join(conds)


def _value_case(spec: F._Spec, b: _Binder, mapping: dict, default: str = "NULL") -> str:
    col = _col_text(spec.types, spec.step_col)
    whens = " ".join(f"WHEN {b.add(v)} THEN {int(x)}" for v, x in mapping.items())
    return f"(CASE {col} {whens} ELSE {default} END)"


def _src(src: SparkEvents, spec: F._Spec, b: _Binder, by: str | None, name: str, expr: str,
         extra: tuple[str, ...] = (), all_events: bool = False) -> str:
    cols = [_unit(spec), f"{_TS} AS t", f"{expr} AS {name}", *extra]
    if by is not None:
        cols.append(f"{_col_text(spec.types, by)} AS g")
    sql = f"SELECT {', '.join(cols)} FROM {src.view} WHERE {_base_where(spec, b)}"
    return sql if all_events else f"SELECT * FROM ({sql}) e WHERE {name} IS NOT NULL"


def _grp(by: str | None, cond: str = "true", t: str = "t", g: str = "g") -> str:
    """The unit's group: ``by`` on its earliest step event with a value (ties: smallest value),
    as DuckDB's ``arg_min`` (which skips NULL values)."""
    if by is None:
        return ""
    return f", min(CASE WHEN {cond} AND {g} IS NOT NULL THEN named_struct('t', {t}, 'g', {g}) END).g AS grp"


def _data_end_us(src: SparkEvents) -> int | None:
    """The latest timestamp of the (unfiltered) events, µs; computed once per source."""
    if "end" not in src.cache:
        rows = src.rows(f"SELECT unix_micros(CAST(max({_q('timestamp')}) AS TIMESTAMP)) AS e FROM {src.view}")
        src.cache["end"] = rows[0]["e"] if rows else None
    return src.cache["end"]


def _data_end_iso(src: SparkEvents) -> str | None:
    end = _data_end_us(src)
    return None if end is None else pd.Timestamp(end, unit="us").isoformat()


def _inwin(spec: F._Spec, src: SparkEvents, lvl: str, start: str) -> str:
    end = _data_end_us(src)
    if spec.window_us is None or end is None:
        return "false"
    return f"({lvl} BETWEEN 1 AND {spec.n - 1} AND {start} + {spec.window_us} > {end})"


def _small_table(src: SparkEvents, rows: list[tuple], schema: str) -> str:
    """A temporary view of a few Python-computed rows (lookup tables); returns its name."""
    return src.temp_view(rows, schema)


# -------------------------------------------------------------------- per-unit engines
#
# Each returns SQL for one row per unit: <unit cols>, lvl, s, inwin, [grp], [first1],
# [t1..tn]; the open engine: <unit cols>, mask, [grp], [first1].

def _ordered_fast(src, spec, b, *, times, first, by) -> str:
    n = spec.n
    kcase = _value_case(spec, b, {v: sig.bit_length() for v, sig in spec.sigs.items()})
    w = spec.window_us
    k, t = "(x & 15)", "shiftright(x, 4)"
    fields = []
    for j in range(1, n + 1):
        if j == 1:
            fields.append(f"'b1', CASE WHEN {k} = 1 THEN {t} ELSE a.b1 END")
        else:
            cond = f"{t} - a.b{j - 1} <= {w}" if w is not None else f"a.b{j - 1} > {NEG}"
            fields.append(f"'b{j}', CASE WHEN {k} = {j} AND {cond} THEN greatest(a.b{j}, a.b{j - 1}) ELSE a.b{j} END")
    init = "named_struct(" + ", ".join(f"'b{j}', {_NEG}" for j in range(1, n + 1)) + ")"
    lvl = " + ".join(f"(CASE WHEN ss.b{j} > {NEG} THEN 1 ELSE 0 END)" for j in range(1, n + 1))
    s = "CASE lvl " + " ".join(f"WHEN {j} THEN ss.b{j}" for j in range(1, n + 1)) + " END"
    extra = _grp(by) + (", min(CASE WHEN k = 1 THEN t END) AS first1" if first else "")
    sql = f"""
WITH src AS ({_src(src, spec, b, by, "k", kcase)}),
lists AS (SELECT {_unit(spec)}, array_sort(collect_list(t * {KB} + k)) AS ev{extra} FROM src GROUP BY {_unit(spec)}),
folded AS (SELECT *, aggregate(ev, {init}, (a, x) -> named_struct({', '.join(fields)})) AS ss FROM lists),
lv AS (SELECT *, {lvl} AS lvl FROM folded),
st AS (SELECT *, {s} AS s FROM lv)"""
    cols = [_unit(spec), "lvl", "s", f"{_inwin(spec, src, 'lvl', 's')} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    if times:
        cols.append("s AS t1")
    if times and n > 1:
        # Greedy from the measured start: each next step as early as possible after the previous
        # one (an event after (s, step 1) in packed order).
        adv = f"{k} = a.lv + 1 AND a.lv < lvl AND x > s * {KB} + 1"
        gf = ["'lv', a.lv + 1"] + [f"'t{j}', CASE WHEN {k} = {j} THEN {t} ELSE a.t{j} END" for j in range(2, n + 1)]
        ginit = "named_struct('lv', 1, " + ", ".join(f"'t{j}', CAST(NULL AS BIGINT)" for j in range(2, n + 1)) + ")"
        sql += f""",
gr AS (SELECT *, CASE WHEN lvl >= 2 THEN aggregate(ev, {ginit},
          (a, x) -> CASE WHEN {adv} THEN named_struct({', '.join(gf)}) ELSE a END) END AS gs FROM st)"""
        cols += [f"gs.t{j} AS t{j}" for j in range(2, n + 1)]
        return sql + f"\nSELECT {', '.join(cols)} FROM gr"
    return sql + f"\nSELECT {', '.join(cols)} FROM st"


def _ordered_general(src, spec, b, *, times, first, by) -> str:
    """Any steps (a value may be in several): fold over timestamp groups (see cj.funnel)."""
    n = spec.n
    atoms = F._atoms(spec)
    s_src = _src(src, spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    counts = ", ".join(f"CAST(least(count(CASE WHEN sig = {a} THEN 1 END), {n}) AS STRING)" for a in atoms)
    gmin = ", min(g) AS gmin" if by is not None else ""
    groups = f"""
WITH src AS ({s_src}),
tg AS (SELECT {_unit(spec)}, t, concat_ws(',', {counts}) AS key,
          max(CASE WHEN sig & 1 = 1 THEN 1 ELSE 0 END) AS has1{gmin}
       FROM src GROUP BY {_unit(spec)}, t)"""
    keys = [r["key"] for r in src.rows(groups + "\nSELECT DISTINCT key FROM tg", **b)]
    rows = []
    for key in keys:
        comp = {a: int(c) for a, c in zip(atoms, key.split(",")) if int(c)}
        m = F._transitions(F._extensions(comp, n), n)
        rows.append((key, sum((31 if k < 0 else k) << (5 * (l - 1)) for l, k in enumerate(m, start=1))))
    # A unit's groups are sorted by time: packed as one BIGINT t * 1024 + (index of the composition)
    # they sort as numbers (much faster than sorting structs); the fold reads m back by index.
    packed = len(rows) <= _PACK_KEYS
    comps = _small_table(src, [(k, i, m) for i, (k, m) in enumerate(rows)], "key STRING, idx BIGINT, m BIGINT")
    marr = "array(" + ", ".join(f"CAST({m} AS BIGINT)" for _, m in rows) + ")" if rows else "array(CAST(0 AS BIGINT))"
    w = spec.window_us

    def m_at(level) -> str:
        return f"(shiftright(x.m, 5 * (({level}) - 1)) & 31)"

    def start(k: int) -> str:
        if w is None:
            return f"a.b{k}"
        return f"CASE WHEN x.t - a.b{k} <= {w} THEN a.b{k} ELSE {_NEG} END"

    fields = []
    for l in range(1, n + 1):
        whens = " ".join(["WHEN 0 THEN x.t"] + [f"WHEN {k} THEN {start(k)}" for k in range(1, l)])
        fields.append(f"'b{l}', greatest(a.b{l}, CASE {m_at(l)} {whens} ELSE {_NEG} END)")
    init = "named_struct(" + ", ".join(f"'b{j}', {_NEG}" for j in range(1, n + 1)) + ")"
    lvl = " + ".join(f"(CASE WHEN ss.b{j} > {NEG} THEN 1 ELSE 0 END)" for j in range(1, n + 1))
    s = "CASE lvl " + " ".join(f"WHEN {j} THEN ss.b{j}" for j in range(1, n + 1)) + " END"
    extra = ""
    if by is not None:
        extra += _grp(by, g="gmin")
    if first:
        extra += ", min(CASE WHEN has1 = 1 THEN t END) AS first1"
    if packed:
        lst = (f"transform(array_sort(collect_list(tg.t * {_PACK_KEYS} + c.idx)), "
               f"x -> named_struct('t', shiftright(x, {_PACK_BITS}), "
               f"'m', element_at({marr}, CAST((x & {_PACK_KEYS - 1}) + 1 AS INT))))")
    else:
        lst = "array_sort(collect_list(named_struct('t', tg.t, 'm', c.m)))"
    sql = groups + f""",
lists AS (SELECT {_unit(spec, 'tg.')}, {lst} AS ev{extra}
          FROM tg JOIN {comps} c ON c.key = tg.key GROUP BY {_unit(spec, 'tg.')}),
folded AS (SELECT *, aggregate(ev, {init}, (a, x) -> named_struct({', '.join(fields)})) AS ss FROM lists),
lv AS (SELECT *, {lvl} AS lvl FROM folded),
st AS (SELECT *, {s} AS s FROM lv)"""
    cols = [_unit(spec), "lvl", "s", f"{_inwin(spec, src, 'lvl', 's')} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    if not times:
        return sql + f"\nSELECT {', '.join(cols)} FROM st"
    run = " ".join(f"WHEN NOT (a.lv + {d} <= {n} AND {m_at(f'a.lv + {d}')} <= a.lv) THEN a.lv + {d - 1}"
                   for d in range(1, n + 1))
    nl = f"(CASE WHEN x.t < s THEN a.lv ELSE least(lvl, CASE {run} ELSE {n} END) END)"
    tf = [f"'lv', {nl}"] + [f"'t{j}', CASE WHEN a.lv < {j} AND {j} <= {nl} THEN x.t ELSE a.t{j} END"
                            for j in range(1, n + 1)]
    tinit = "named_struct('lv', 0, " + ", ".join(f"'t{j}', CAST(NULL AS BIGINT)" for j in range(1, n + 1)) + ")"
    sql += f""",
tm AS (SELECT *, CASE WHEN lvl >= 1 THEN aggregate(ev, {tinit}, (a, x) -> named_struct({', '.join(tf)})) END AS tt
       FROM st)"""
    cols += [f"tt.t{j} AS t{j}" for j in range(1, n + 1)]
    return sql + f"\nSELECT {', '.join(cols)} FROM tm"


def _order_cols(spec: F._Spec, b: _Binder) -> list[str]:
    """Tiebreaks after the timestamp (documented strict order): _row, first step of the value, value."""
    keys = []
    if F.ROW_COL in spec.columns:
        keys.append(_q(F.ROW_COL))
    keys.append(_value_case(spec, b, F._first_step_rank(spec), default=str(spec.n + 1)))
    keys.append(_col_text(spec.types, spec.step_col))
    return keys


def _strict(src, spec, b, *, times, first, by) -> str:
    n = spec.n
    sig = _value_case(spec, b, spec.sigs, default="0")
    okeys = _order_cols(spec, b)
    s_src = _src(src, spec, b, by, "sig", sig, tuple(f"{e} AS ok{i}" for i, e in enumerate(okeys)), all_events=True)
    order = ", ".join(["t"] + [f"ok{i} ASC NULLS LAST" for i in range(len(okeys))])
    w = spec.window_us
    leads = []
    for j in range(1, n):
        leads.append(f"lead(sig, {j}) OVER w AS ls{j}")
        leads.append(f"lead(t, {j}) OVER w AS lt{j}")
    whens = []
    for j in range(1, n):
        cond = f"ls{j} & {1 << j} <> 0" + (f" AND lt{j} - t <= {w}" if w is not None else "")
        whens.append(f"WHEN NOT coalesce({cond}, false) THEN {j}")
    length = f"CASE WHEN sig & 1 = 0 THEN 0 {' '.join(whens)} ELSE {n} END"
    tl = "array(t" + "".join(f", lt{j}" for j in range(1, n)) + ")"
    key = "shiftleft(CAST(len AS BIGINT), 40) | rn"
    extra = _grp(by, cond="sig <> 0")
    if first:
        extra += ", min(CASE WHEN sig & 1 = 1 THEN t END) AS first1"
    g_col = ", g" if by is not None else ""
    leads_sql = (", " + ", ".join(leads)) if leads else ""
    sql = f"""
WITH src AS ({s_src}),
w AS (SELECT {_unit(spec)}, t, sig{g_col}, row_number() OVER w AS rn{leads_sql}
      FROM src WINDOW w AS (PARTITION BY {_unit(spec)} ORDER BY {order})),
pos AS (SELECT *, {length} AS len FROM w),
u AS (SELECT {_unit(spec)}, max(len) AS lvl, max(rn) AS cnt,
        max_by({tl if times else 't'}, {key}) FILTER (WHERE len > 0) AS tl,
        max_by(rn, {key}) FILTER (WHERE len > 0) AS rn0{extra}
      FROM pos GROUP BY {_unit(spec)})"""
    start = "tl[0]" if times else "tl"
    inwin = "false"
    end = _data_end_us(src)
    if w is not None and end is not None:
        inwin = f"(lvl BETWEEN 1 AND {n - 1} AND rn0 + lvl - 1 = cnt AND {start} + {w} > {end})"
    cols = [_unit(spec), "lvl", f"CASE WHEN lvl >= 1 THEN {start} END AS s", f"{inwin} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    if times:
        cols += [f"CASE WHEN lvl >= {j} THEN tl[{j - 1}] END AS t{j}" for j in range(1, n + 1)]
    return sql + f"\nSELECT {', '.join(cols)} FROM u"


def _unordered(src, spec, b, *, first, by) -> str:
    n = spec.n
    s_src = _src(src, spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    w = spec.window_us
    end = _data_end_us(src)
    unit = _unit(spec)
    frame = f"PARTITION BY {unit} ORDER BY t RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING"
    late_cond = f"t > {end} - {w}" if w is not None and end is not None else "false"
    extra = _grp(by) + (", min(CASE WHEN sig & 1 = 1 THEN t END) AS first1" if first else "")
    if spec.disjoint:
        def level(m):
            return f"bit_count(({m}) & ~(({m}) + 1))"
        if w is not None:
            sql = f"""
WITH src AS ({s_src}),
w AS (SELECT *, bit_or(sig) OVER ({frame}) AS m FROM src),
u AS (SELECT {unit}, max({level('m')}) AS lvl,
        {level(f"coalesce(bit_or(CASE WHEN {late_cond} THEN sig END), 0)")} AS late{extra}
      FROM w GROUP BY {unit})"""
        else:
            sql = f"""
WITH src AS ({s_src}),
u AS (SELECT {unit}, {level('bit_or(sig)')} AS lvl, 0 AS late{extra} FROM src GROUP BY {unit})"""
    else:
        atoms = F._atoms(spec)
        if w is not None:
            cnts = ", ".join(f"CAST(least(count(CASE WHEN sig = {a} THEN 1 END) OVER ({frame}), {n}) AS STRING)"
                             for a in atoms)
            lates = ", ".join(f"CAST(least(count(CASE WHEN sig = {a} AND {late_cond} THEN 1 END), {n}) AS STRING)"
                              for a in atoms)
            pre = f"""
WITH src AS ({s_src}),
w AS (SELECT *, concat_ws(',', {cnts}) AS key FROM src),
uu AS (SELECT {unit}, collect_set(key) AS keys, concat_ws(',', {lates}) AS latekey{extra}
       FROM w GROUP BY {unit})"""
        else:
            whole = ", ".join(f"CAST(least(count(CASE WHEN sig = {a} THEN 1 END), {n}) AS STRING)" for a in atoms)
            zeros = ",".join("0" for _ in atoms)
            pre = f"""
WITH src AS ({s_src}),
uu AS (SELECT {unit}, array(concat_ws(',', {whole})) AS keys, '{zeros}' AS latekey{extra}
       FROM src GROUP BY {unit})"""
        allkeys = src.rows(pre + "\nSELECT DISTINCT k AS key FROM (SELECT explode(keys) AS k FROM uu "
                                 "UNION ALL SELECT latekey FROM uu) x", **b)
        lookup = []
        for r in allkeys:
            counts = dict(zip(atoms, map(int, r["key"].split(","))))
            lookup.append((r["key"], F._prefix_level({a: c for a, c in counts.items() if c}, n)))
        levels = _small_table(src, lookup, "key STRING, level INT")
        sql = pre + f""",
kk AS (SELECT {unit}, explode(keys) AS k FROM uu),
lv AS (SELECT {_unit(spec, 'kk.')}, max(l.level) AS lvl FROM kk JOIN {levels} l ON l.key = kk.k
       GROUP BY {_unit(spec, 'kk.')}),
u AS (SELECT uu.*, lv.lvl, l2.level AS late
      FROM uu JOIN lv USING ({unit}) JOIN {levels} l2 ON l2.key = uu.latekey)"""
    inwin = "false"
    if w is not None and end is not None:
        inwin = f"(lvl BETWEEN 1 AND {n - 1} AND late >= lvl)"
    cols = [unit, "lvl", "CAST(NULL AS BIGINT) AS s", f"{inwin} AS inwin"]
    if by is not None:
        cols.append("grp")
    if first:
        cols.append("first1")
    return sql + f"\nSELECT {', '.join(cols)} FROM u"


def _open(src, spec, b, *, first, by) -> str:
    s_src = _src(src, spec, b, by, "sig", _value_case(spec, b, spec.sigs))
    extra = _grp(by) + (", min(CASE WHEN sig & 1 = 1 THEN t END) AS first1" if first else "")
    return f"WITH src AS ({s_src})\nSELECT {_unit(spec)}, bit_or(sig) AS mask{extra} FROM src GROUP BY {_unit(spec)}"


def _units(src: SparkEvents, spec: F._Spec, *, times=False, first=False, by=None) -> tuple[str, _Binder]:
    b = _Binder()
    if spec.mode == "ordered":
        if spec.disjoint and not F._FORCE_GENERAL:
            sql = _ordered_fast(src, spec, b, times=times, first=first, by=by)
        else:
            sql = _ordered_general(src, spec, b, times=times, first=first, by=by)
    elif spec.mode == "strict":
        sql = _strict(src, spec, b, times=times, first=first, by=by)
    elif spec.mode == "unordered":
        sql = _unordered(src, spec, b, first=first, by=by)
    else:
        sql = _open(src, spec, b, first=first, by=by)
    return sql, b


def _cte(units_sql: str) -> str:
    """``WITH units AS (<engine>)`` (the engine's own WITH nested as a subquery)."""
    return f"WITH units AS ({units_sql})"


def _step_aggs(spec: F._Spec, times: bool) -> list[str]:
    """DuckDB's aggregates with Spark's exact median (``percentile``, linear interpolation like DuckDB's
    ``median``)."""
    return F._step_aggs(spec, times, null_double="CAST(NULL AS DOUBLE)", us_per_s="1000000D",
                        median=lambda lvl, x: f"percentile(CASE WHEN lvl >= {lvl} THEN {x} END, 0.5)")


# --------------------------------------------------------------------------------- API

def funnel(src: SparkEvents, steps, *, step_col="stage", mode="ordered", window=F.DEFAULT_WINDOW,
           per="customer", filters=None, times=True) -> F.FunnelResult:
    spec = F._prepare(src, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    sql, b = _units(src, spec, times=times)
    rows = src.rows(f"{_cte(sql)}\nSELECT {', '.join(_step_aggs(spec, times))} FROM units", **b)
    return F._funnel_result(spec, rows[0] if rows else {}, _data_end_iso(src))


def funnel_by(src: SparkEvents, steps, *, by, step_col="stage", mode="ordered", window=F.DEFAULT_WINDOW,
              per="customer", filters=None, max_groups=20, times=True) -> F.BreakdownResult:
    spec = F._prepare(src, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters)
    F._check_breakdown(spec, by, max_groups)
    sql, b = _units(src, spec, times=times, by=by)
    b["other"], b["missing"] = F.OTHER, F.MISSING
    size = "count_if((mask & 1) <> 0)" if spec.mode == "open" else "count_if(lvl >= 1)"
    full = f"""{_cte(sql)},
sizes AS (SELECT grp, {size} AS n FROM units WHERE grp IS NOT NULL GROUP BY grp),
ranked AS (SELECT grp, row_number() OVER (ORDER BY n DESC, grp) AS rk FROM sizes),
lab AS (SELECT u.*, CASE WHEN u.grp IS NULL THEN :missing WHEN r.rk <= {int(max_groups)} THEN u.grp ELSE :other END
          AS label
        FROM units u LEFT JOIN ranked r ON r.grp = u.grp)
SELECT label, {', '.join(_step_aggs(spec, times))} FROM lab GROUP BY label"""
    rows = src.rows(full, **b)
    cols = ["label"] + [f"{p}{j}" for p in ("reached", "inwin", "mstart", "mprev") for j in range(1, spec.n + 1)]
    agg = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)
    for j in range(1, spec.n + 1):
        agg[f"reached{j}"] = agg[f"reached{j}"].astype("int64")
    return F._breakdown_result(spec, agg, by, max_groups, _data_end_iso(src))


def conversion_trend(src: SparkEvents, steps, *, grain="week", step_col="stage", mode="ordered",
                     window=F.DEFAULT_WINDOW, per="customer", filters=None, to_step=None) -> pd.DataFrame:
    spec, target = F._trend_spec(src, steps, grain=grain, step_col=step_col, mode=mode, window=window, per=per,
                                 filters=filters, to_step=to_step)
    sql, b = _units(src, spec, first=True)
    if spec.mode == "open":
        conv, started, inwin = f"count_if((mask & {1 << (target - 1)}) <> 0)", "first1 IS NOT NULL", "0"
    else:
        conv, started, inwin = f"count_if(lvl >= {target})", "lvl >= 1", f"count_if(lvl < {target} AND inwin)"
    unit = {"day": "DAY", "week": "WEEK", "month": "MONTH"}[grain]
    rows = src.rows(f"""{_cte(sql)}
SELECT unix_micros(date_trunc('{unit}', timestamp_micros(first1))) AS period, count(*) AS customers,
       {conv} AS converted, {inwin} AS in_window
FROM units WHERE {started} GROUP BY 1 ORDER BY 1""", **b)
    df = pd.DataFrame({
        "period": pd.Series(np.array([r["period"] for r in rows], dtype="int64").astype("datetime64[us]")),
        "customers": pd.Series([r["customers"] for r in rows], dtype="int64"),
        "converted": pd.Series([r["converted"] for r in rows], dtype="int64"),
        "in_window": pd.Series([r["in_window"] for r in rows], dtype="int64"),
    })
    return F._trend_frame(df)


def time_to_convert(src: SparkEvents, steps, *, step_col="stage", mode="ordered", window=F.DEFAULT_WINDOW,
                    per="customer", filters=None, edges=F.TIME_BIN_EDGES) -> pd.DataFrame:
    spec, edges = F._ttc_spec(src, steps, step_col=step_col, mode=mode, window=window, per=per, filters=filters,
                              edges=edges)
    if spec.n < 2:
        return F._ttc_frame(spec, edges, None)
    sql, b = _units(src, spec, times=True)
    parts = []
    for j in range(2, spec.n + 1):
        parts.append(f"SELECT {j} AS step_index, 'from_start' AS measure, (t{j} - t1) / 1000000D AS sec "
                     f"FROM units WHERE lvl >= {j}")
        parts.append(f"SELECT {j}, 'from_previous', (t{j} - t{j - 1}) / 1000000D FROM units WHERE lvl >= {j}")
    arr = "array(" + ", ".join(f"CAST({float(e)!r} AS DOUBLE)" for e in edges) + ")"
    rows = src.rows(f"""{_cte(sql)}, d AS ({' UNION ALL '.join(parts)}),
bb AS (SELECT step_index, measure, size(filter({arr}, e -> e <= sec)) AS bin FROM d),
m AS (SELECT step_index, measure, percentile(sec, 0.5) AS med FROM d GROUP BY step_index, measure)
SELECT bb.step_index, bb.measure, bin, count(*) AS units, max(m.med) AS median_seconds
FROM bb JOIN m ON m.step_index = bb.step_index AND m.measure = bb.measure
GROUP BY bb.step_index, bb.measure, bin""", **b)
    df = pd.DataFrame(rows, columns=["step_index", "measure", "bin", "units", "median_seconds"])
    df = df.astype({"step_index": "int64", "bin": "int64", "units": "int64", "median_seconds": "float64"})
    return F._ttc_frame(spec, edges, df)


__all__ = ["funnel", "funnel_by", "conversion_trend", "time_to_convert", "column_types", "values_found",
           "top_values"]
