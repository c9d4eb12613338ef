"""Per-customer features on Spark: the twin of :func:`cj.segments.customer_features`.

Same columns, order, dtypes and numbers as the DuckDB query (parity tests pin them). How each
DuckDB construct is carried over, where a literal transcription would silently differ:

* ``date_diff('microsecond', a, b) / 86400000000.0``: ``unix_micros`` of both sides (the Parquet
  timestamps are UTC wall clock; the session time zone is UTC), subtracted as BIGINT, divided
  by the same double.
* ``count(DISTINCT coalesce(hash(session_id), hash('day', day)))``: the two hash domains never
  meet, so it is distinct session ids plus distinct days of events without a session id
  (sizes of ``collect_set``s, which skip NULLs as ``count(DISTINCT …)`` does).
* ``list_position($stage_order, stage)`` (NULL when absent): ``array_position`` (0 when
  absent); both end at ``deepest_stage = -1`` through ``coalesce(max(...), 0) - 1``.
* ``count(*) FILTER (WHERE …)``: ``count(CASE WHEN … THEN 1 END)``; ``/`` is float division
  in both engines.
* quintile scores ``1 + floor(5 * (rank() - 1) / count(*) OVER ())`` over one global window,
  as in DuckDB (customers, not events, so one partition is fine).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .. import segments
from ._common import check_table, to_pandas

_DAY_US = 86400000000.0


def customer_features(source, *, stage_order: Sequence[str], extra_numeric: Sequence[str] = (),
                      purchase_stages: Sequence[str] = ("purchase", "loyalty"),
                      table: str = "events") -> pd.DataFrame:
    """One row per customer of behavioural features, computed on Spark (see
    :func:`cj.segments.customer_features` for the columns)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    check_table(source, table)
    stage_order = [str(s) for s in stage_order]
    purchase_stages = [str(s) for s in purchase_stages] or [""]
    events = source.df
    cols = list(events.columns)
    extra_numeric = segments._check_feature_args(cols, stage_order, extra_numeric)
    has = set(cols)
    c = F.col

    touchpoints: list[tuple[str, str]] = []
    if "touchpoint" in has:
        tps = (events.where(c("touchpoint").isNotNull())
               .groupBy(c("touchpoint").cast("string").alias("tp")).agg(F.count(F.lit(1)).alias("n"))
               .orderBy(F.desc("n"), F.asc("tp")).limit(segments.MAX_TOUCHPOINTS).collect())
        used: set[str] = set()
        for i, row in enumerate(tps):
            touchpoints.append((segments._touchpoint_column(row["tp"], i, used), row["tp"]))

    sel = [c("customer_id").cast("string").alias("customer_id"),
           c("timestamp").cast("timestamp_ntz").alias("ts"),
           c("stage").cast("string").alias("stage")]
    if "session_id" in has:
        sel.append(c("session_id").cast("string").alias("session_id"))
    if touchpoints:
        sel.append(c("touchpoint").cast("string").alias("touchpoint"))
    if "revenue" in has:
        sel.append(c("revenue").try_cast("double").alias("revenue"))
    means: list[tuple[str, str]] = []
    for src in ["rating", "sentiment"] + extra_numeric:
        if src in has:
            alias = f"x{len(means)}"
            sel.append(c(src).try_cast("double").alias(alias))
            means.append((f"mean_{src}", alias))
    ev = (events.where(c("customer_id").isNotNull() & c("timestamp").isNotNull()).select(*sel)
          .withColumn("_us", F.unix_micros(c("ts").cast("timestamp")))
          .withColumn("_day", c("ts").cast("date")))

    # Distinct counts as sizes of per-customer sets: several count(DISTINCT …) in one Spark
    # aggregation expand every event once per distinct column, while collect_set is an ordinary
    # aggregate (a customer's days and sessions are few).
    days = F.size(F.collect_set(c("_day")))
    if "session_id" in has:
        sessions = (F.size(F.collect_set(c("session_id")))
                    + F.size(F.collect_set(F.when(c("session_id").isNull(), c("_day")))))
    else:
        sessions = days
    stage_arr = F.array(*[F.lit(s) for s in stage_order])
    purchase = c("stage").isin(purchase_stages)
    agg = [F.min("_us").alias("first_us"), F.max("_us").alias("last_us"),
           F.count(F.lit(1)).alias("events"), days.alias("active_days"),
           sessions.alias("sessions")]
    if "revenue" in has:
        agg += [F.coalesce(F.sum("revenue"), F.lit(0.0)).alias("revenue"),
                F.count(F.when(c("revenue") > 0, 1)).alias("orders")]
    else:
        agg += [F.lit(0.0).alias("revenue"), F.lit(0).cast("long").alias("orders")]
    agg += [(F.coalesce(F.max(F.array_position(stage_arr, c("stage"))), F.lit(0)) - 1).alias("deepest_stage"),
            F.min(F.when(purchase, c("_us"))).alias("first_purchase_us")]
    agg += [(F.count(F.when(c("touchpoint") == F.lit(tp), 1)) / F.count(F.lit(1))).alias(name)
            for name, tp in touchpoints]
    agg += [F.avg(alias).alias(out) for out, alias in means]
    whole = Window.partitionBy()
    # The data's last event: one global window over customers (the rank windows below need the
    # same single partition anyway), rather than a second aggregation of the events.
    per = ev.groupBy("customer_id").agg(*agg).withColumn("max_us", F.max("last_us").over(whole))

    def quintile(*order):
        rank = F.rank().over(Window.orderBy(*order))
        return (1 + F.floor(5 * (rank - 1) / F.count(F.lit(1)).over(whole))).cast("int")

    out = [
        "customer_id",
        ((c("max_us") - c("last_us")) / F.lit(_DAY_US)).alias("recency_days"),
        ((c("max_us") - c("first_us")) / F.lit(_DAY_US)).alias("tenure_days"),
        "events", "active_days", "sessions",
        c("revenue").cast("double").alias("revenue"), "orders",
        F.when(c("orders") > 0, c("revenue") / c("orders")).otherwise(F.lit(0.0)).alias("aov"),
        c("first_purchase_us").isNotNull().cast("int").alias("purchased"),
        c("deepest_stage").cast("int").alias("deepest_stage"),
        F.when(c("deepest_stage") >= 0, F.element_at(stage_arr, (c("deepest_stage") + 1).cast("int"))).alias("deepest_stage_name"),
        ((c("first_purchase_us") - c("first_us")) / F.lit(_DAY_US)).alias("days_to_purchase"),
    ]
    out += [c(f"`{name}`") for name, _ in touchpoints]
    out += [c(f"`{o}`") for o, _ in means]
    out += [quintile(c("last_us")).alias("r_score"),
            quintile(c("orders"), c("events")).alias("f_score"),
            quintile(c("revenue")).alias("m_score")]
    f = per.select(*out)
    f = f.withColumn("rfm", F.concat(c("r_score").cast("string"), c("f_score").cast("string"),
                                     c("m_score").cast("string"))).orderBy("customer_id")
    df = to_pandas(f)
    return segments._finish_features(df, touchpoints, [o for o, _ in means])


def customer_means(source, column: str) -> pd.DataFrame:
    """``customer_id, v``: each customer's mean of ``column`` (twin of the per-customer query of
    :func:`cj.segments.compare_segments`)."""
    from pyspark.sql import functions as F

    return to_pandas(source.df.where(F.col("customer_id").isNotNull())
                     .groupBy(F.col("customer_id").cast("string").alias("customer_id"))
                     .agg(F.avg(F.col(f"`{column}`").try_cast("double")).alias("v")))


def stage_masks(source, stages: Sequence[str]) -> pd.DataFrame:
    """``customer_id, mask``: bit ``i`` set when the customer has an event at ``stages[i]`` (twin of
    the funnel query of :func:`cj.segments.compare_segments`; at most 62 stages)."""
    from pyspark.sql import functions as F

    arr = F.array(*[F.lit(str(s)) for s in stages])
    pos = F.array_position(arr, F.col("stage").cast("string"))
    return to_pandas(source.df.where(F.col("customer_id").isNotNull())
                     .select(F.col("customer_id").cast("string").alias("customer_id"), pos.alias("_pos"))
                     .where(F.col("_pos") > 0).groupBy("customer_id")
                     .agg(F.bit_or(F.expr("shiftleft(CAST(1 AS BIGINT), CAST(_pos - 1 AS INT))")).alias("mask")))
