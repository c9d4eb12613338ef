"""The ingest quality report of an events Parquet, computed on Spark.

Twin of the report :func:`cj.ingest.build_events` makes (DuckDB) for an *already canonical*
Parquet -- one cj wrote, or any Parquet whose timestamp column is a timestamp and whose
number columns are numbers: typed columns need no parsing, so a lake dataset can be checked
where it lives. Same :class:`cj.ingest.QualityReport`, same JSON, same numbers: rows, usable
rows, customers, time span, events per stage (names normalised as on ingest), duplicates,
missing ids, missing timestamps, future dates, non-number values, and the same problem texts.

How each DuckDB step is carried over: text values are trimmed of spaces, tabs, line breaks
and no-break spaces and count as missing when nothing is left (``_blank_null``); the column
mapping and timestamp format are detected from the first 2,000 rows as text, as DuckDB does;
a NaN or infinite number is a non-number (left empty, the row kept); duplicates are rows
repeating customer, time, stage (normalised) and event (NULLs equal, as DuckDB's row hash has them).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from .. import schema, timeparse
from ..errors import IngestError, ParameterError, Problem
from ..ingest import SAMPLE_ROWS, QualityReport
from ._common import NUMERIC_TYPES, column_types, to_pandas

_BLANK = " \t\r\n\u00a0"
_EPOCH = datetime(1970, 1, 1)


def _samples(source) -> dict[str, list]:
    from pyspark.sql import functions as F

    df = source.df
    head = df.select(*[F.col(f"`{c}`").cast("string").alias(c) for c in df.columns]).limit(SAMPLE_ROWS).collect()
    return {c: [r[i] for r in head if r[i] is not None] for i, c in enumerate(df.columns)}


def quality_report(source, *, mapping: dict | None = None, stage_order: list | None = None,
                   event_stage_map: dict | None = None, now: datetime | None = None) -> QualityReport:
    """The quality report of a Spark source's events (see the module docstring).

    ``mapping`` (canonical name -> column) is detected when omitted; ``now`` (naive UTC) is the
    reference for future dates, the current time by default.
    """
    from pyspark.sql import functions as F

    df = source.df
    columns = list(df.columns)
    types = column_types(df)
    name = Path(str(source.path).rstrip("/")).name
    problems: list[Problem] = []
    for c in columns:
        if re.search(r"_\d+$", c) and re.sub(r"_\d+$", "", c) in columns:
            base = re.sub(r"_\d+$", "", c)
            problems.append(Problem(f"Column name '{base}' appears more than once; the later one is called '{c}'",
                                    "Rename the columns in the file if they mean different things.", column=c,
                                    key="dup_column", values={"base": base, "col": c}))
    samples = _samples(source)
    if mapping is None:
        mapping = dict(schema.detect_mapping(columns, samples).mapping)
    missing = [c for c in schema.REQUIRED if c not in mapping]
    bad_cols = [f"{k} → '{v}'" for k, v in mapping.items() if v not in columns]
    if bad_cols:
        problems.append(Problem(f"Mapped columns not in the file: {', '.join(bad_cols)}",
                                f"Columns in the file: {', '.join(columns)}.", key="mapped_missing",
                                values={"cols": ", ".join(bad_cols), "columns": ", ".join(columns)}))
    for c in missing:
        problems.append(Problem(
            f"No column was recognised as {c.replace('_', ' ')}",
            f"Choose which column holds the {c.replace('_', ' ')} in the mapping "
            f"(columns: {', '.join(columns[:30])}), or name it '{c}'.", column=c, key="no_column",
            values={"what": {"t": f"prob.what.{c}"}, "columns": ", ".join(columns[:30]), "name": c}))
    if "stage" not in mapping and "event" not in mapping and not missing:
        problems.append(Problem("No stage or event column was recognised",
                                "Map a column to 'stage' (journey stage) or 'event' (action) so funnels have steps.",
                                key="no_stage_event"))
    if missing or bad_cols or ("stage" not in mapping and "event" not in mapping):
        raise IngestError(problems)
    ts_col = mapping["timestamp"]
    if types[ts_col] not in ("timestamp", "timestamp_ntz"):
        raise ParameterError.one(f"'{ts_col}' holds {types[ts_col]} values, not timestamps",
                                 "The Spark quality report reads canonical Parquet (typed timestamps): "
                                 "ingest the file with DuckDB first (python -m cj ingest).", column=ts_col)
    decimals = [canon for canon in schema.NUMERIC if canon in mapping]
    not_numbers = [mapping[c] for c in decimals if types[mapping[c]] not in NUMERIC_TYPES]
    if not_numbers:
        raise ParameterError.one(f"Column(s) {', '.join(not_numbers)} hold text, not numbers",
                                 "The Spark quality report reads canonical Parquet (typed numbers): "
                                 "ingest the file with DuckDB first (python -m cj ingest).")
    tfmt = timeparse.detect_format(samples.get(ts_col, []))
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    stage_key = "stage" if "stage" in mapping else "event"

    def text(canon):
        return F.nullif(F.trim(F.col(f"`{mapping[canon]}`").cast("string"), F.lit(_BLANK)), F.lit(""))

    sel = [text("customer_id").alias("customer_id"),
           F.col(f"`{ts_col}`").cast("timestamp_ntz").alias("timestamp")]
    sel += [text(k).alias(k) for k in ("stage", "event") if k in mapping]
    for canon in decimals:
        x = F.col(f"`{mapping[canon]}`").cast("double")
        sel.append((x.isNotNull() & (F.isnan(x) | (F.abs(x) == F.lit(float("inf"))))).alias(f"_bad_{canon}"))
    parsed = df.select(*sel).withColumn(
        "_reason", F.when(F.col("customer_id").isNull(), F.lit("missing customer id"))
                    .when(F.col("timestamp").isNull(), F.lit("missing timestamp")))
    usable = F.col("_reason").isNull()

    def count_if(cond):
        return F.count(F.when(cond, 1))

    stats = to_pandas(parsed.agg(
        count_if(usable).alias("usable"),
        count_if(F.col("_reason") == "missing customer id").alias("missing_ids"),
        count_if(F.col("_reason") == "missing timestamp").alias("missing_ts"),
        F.count_distinct(F.when(usable, F.col("customer_id"))).alias("customers"),
        F.min(F.when(usable, F.col("timestamp"))).alias("tmin"),
        F.max(F.when(usable, F.col("timestamp"))).alias("tmax"),
        count_if(usable & (F.unix_micros(F.col("timestamp").cast("timestamp")) > F.lit(now_us))).alias("future"),
        *[count_if(F.col(f"_bad_{c}")).alias(f"bad_{c}") for c in decimals])).iloc[0]
    key = ["customer_id", "timestamp"] + [k for k in ("stage", "event") if k in mapping]
    good = parsed.where(usable)
    raw_counts = to_pandas(good.groupBy(stage_key).agg(F.count(F.lit(1)).alias("n")))
    raw_counts = raw_counts.astype({stage_key: object}).where(raw_counts.notna(), None)

    esm = {str(k): v for k, v in (event_stage_map or {}).items()}
    stage_of = {}
    for v in raw_counts[stage_key].tolist():
        if v is None:
            continue
        stage_of[v] = schema.normalise_stage(v) if stage_key == "stage" else (esm.get(v) or schema.canonical_stage(v))
    # duplicates as the dataset holds them: a stage synonym and its key are one stage (as ingest)
    changed = {v: k for v, k in stage_of.items() if stage_key == "stage" and k != v}
    dup_rows = good.select(*key)
    if changed:
        dup_rows = dup_rows.replace(changed, subset=["stage"])
    dup = int(stats["usable"]) - dup_rows.distinct().count()
    per_stage = schema.stage_counts(zip(raw_counts[stage_key].tolist(), raw_counts["n"].tolist()), stage_of,
                                    stage_order)
    order = [s for s in per_stage if s != "(none)"]

    if tfmt.assumed_order:
        problems.append(Problem(
            f"Dates in '{ts_col}' could be day-first or month-first; read as {tfmt.describe()}",
            "If that is wrong, choose the other order in the mapping and load again.", column=ts_col,
            key="day_month", values={"column": ts_col, "format": tfmt.describe()}))
    for canon in decimals:
        n_bad = int(stats[f"bad_{canon}"])
        if n_bad:
            problems.append(Problem(f"{n_bad} value(s) in '{mapping[canon]}' ({canon}) are not numbers; "
                                    f"they are left empty (the rows are kept)",
                                    "Check the column for text, currency words or NaN/Inf.", column=mapping[canon],
                                    key="not_numbers", values={"n": n_bad, "column": mapping[canon], "field": canon}))
    n_usable, n_ids, n_ts = int(stats["usable"]), int(stats["missing_ids"]), int(stats["missing_ts"])
    future = int(stats["future"])
    if n_ids:
        problems.append(Problem(f"{n_ids} row(s) have no customer id and cannot be used",
                                f"Fill in '{mapping['customer_id']}' for those rows (see the unusable rows download).",
                                column=mapping["customer_id"], key="missing_ids",
                                values={"n": n_ids, "column": mapping["customer_id"]}))
    if n_ts:
        problems.append(Problem(f"{n_ts} row(s) have no timestamp and cannot be used",
                                f"Fill in '{ts_col}' for those rows.", column=ts_col,
                                key="missing_ts", values={"n": n_ts, "column": ts_col}))
    if future:
        problems.append(Problem(f"{future} event(s) are dated in the future (after {now:%Y-%m-%d})",
                                "Check the time zone or the date format; the rows are kept.", key="future",
                                values={"n": future, "date": f"{now:%Y-%m-%d}"}))
    if dup:
        problems.append(Problem(f"{dup} row(s) repeat another row's customer, time, stage and event",
                                "They are kept; remove them in the source if they are double-logged.",
                                key="duplicates", values={"n": int(dup)}))
    if "stage" not in mapping and per_stage.get("(none)", 0):
        problems.append(Problem(f"{per_stage['(none)']} event(s) are not mapped to a journey stage",
                                "Map events to stages on the Data page, or use events as funnel steps.",
                                key="unmapped", values={"n": int(per_stage["(none)"])}))
    if n_usable == 0:
        problems.insert(0, Problem("No usable rows: every row lacks a customer id or a readable timestamp",
                                   "Check the mapping of the customer id and timestamp columns.", key="no_usable"))
        raise IngestError(problems)
    return QualityReport(
        file=name, format="parquet", encoding=None, delimiter=None,
        rows_read=n_usable + n_ids + n_ts, rows_usable=n_usable, rows_unusable=n_ids + n_ts,
        customers=int(stats["customers"]),
        time_min=None if pd.isna(stats["tmin"]) else str(pd.Timestamp(stats["tmin"])),
        time_max=None if pd.isna(stats["tmax"]) else str(pd.Timestamp(stats["tmax"])),
        events_per_stage=per_stage, duplicates=dup, unparseable_timestamps=0, unparseable_timestamp_examples=[],
        missing_timestamps=n_ts, missing_ids=n_ids, future_dates=future, malformed_lines=0,
        timestamp_format=tfmt.describe(), mapping=dict(mapping), stage_order=order,
        problems=[str(p) for p in problems], problem_items=[p.to_item() for p in problems],
    )
