"""A/B sufficient statistics on Spark: the twin of the SQL layer of :mod:`cj.abtest`.

Each function returns the same raw frame as its DuckDB counterpart in ``cj.abtest``
(``_conversion_stats``, ``_metric_stats``, ``experiments``, ``variants``); every statistic
(Wilson, z / Fisher, Welch, Bayesian, SRM, Holm) is then computed by the shared Python in
:mod:`cj.abtest`, so the engines can only differ in these counts and sums.

Carried over exactly:

* exposure = ``row_number() OVER (PARTITION BY customer_id ORDER BY ts, variant) = 1`` of
  the variant-tagged events of the experiment; crossover = ``min(variant) <> max(variant)``
  over the customer's tagged events;
* "after exposure, within the window": compared in microseconds
  (``unix_micros(ts) <= unix_micros(exposure_ts) + window_us``), the same instant arithmetic
  as DuckDB's ``exposure_ts + to_microseconds(window_us)``;
* ``trim`` removes spaces only, in both engines; strings compare by code point in both.
"""
from __future__ import annotations

import pandas as pd

from .. import abtest
from ._common import NUMERIC_TYPES, column_types, to_pandas


def _variant(F):
    return F.trim(F.col("variant").cast("string"))


def _experiment(F, cols):
    if "experiment" in cols:
        return F.coalesce(F.nullif(F.trim(F.col("experiment").cast("string")), F.lit("")),
                          F.lit(abtest.DEFAULT_EXPERIMENT))
    return F.lit(abtest.DEFAULT_EXPERIMENT)


def experiments(source) -> list[str]:
    """Twin of :func:`cj.abtest.experiments`."""
    from pyspark.sql import functions as F

    df = source.df
    if "variant" not in df.columns:
        return []
    v = _variant(F)
    rows = (df.where(v.isNotNull() & (v != "")).select(_experiment(F, df.columns).alias("experiment"))
            .distinct().orderBy("experiment").collect())
    return [str(r["experiment"]) for r in rows]


def _exposure(source, experiment: str):
    """One row per exposed customer: ``customer_id, variant, exposure_us, crossover``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    df = source.df
    v = _variant(F)
    tagged = (df.where(v.isNotNull() & (v != "") & F.col("customer_id").isNotNull()
                       & F.col("timestamp").isNotNull() & (_experiment(F, df.columns) == F.lit(experiment)))
              .select(F.col("customer_id"), F.unix_micros(F.col("timestamp").cast("timestamp")).alias("us"),
                      v.alias("variant")))
    by_customer = Window.partitionBy("customer_id")
    ranked = tagged.select(
        "customer_id", "us", "variant",
        F.row_number().over(by_customer.orderBy("us", "variant")).alias("rn"),
        (F.min("variant").over(by_customer) != F.max("variant").over(by_customer)).alias("crossover"))
    return ranked.where(F.col("rn") == 1).select("customer_id", "variant", F.col("us").alias("exposure_us"),
                                                 "crossover")


def _after_exposure(F, window_us: int | None):
    cond = F.col("e_us") >= F.col("exposure_us")
    if window_us is not None:
        cond = cond & (F.col("e_us") <= F.col("exposure_us") + F.lit(int(window_us)))
    return cond


def _events_us(source, *extra):
    from pyspark.sql import functions as F

    return source.df.select(F.col("customer_id").alias("e_customer_id"),
                            F.unix_micros(F.col("timestamp").cast("timestamp")).alias("e_us"), *extra)


def variants(source, experiment: str) -> pd.DataFrame:
    """Exposed customers per variant: ``variant, customers`` (raw, before dtype finishing)."""
    from pyspark.sql import functions as F

    x = _exposure(source, experiment)
    return to_pandas(x.groupBy("variant").agg(F.count(F.lit(1)).alias("customers")).orderBy("variant"))


def goal_count(source, goal_col: str, goal: str) -> int:
    """Events with ``CAST(goal_col AS STRING) = goal``."""
    from pyspark.sql import functions as F

    return int(source.df.where(F.col(goal_col).cast("string") == F.lit(goal)).count())


def goal_values(source, goal_col: str, limit: int = 50) -> list[str]:
    from pyspark.sql import functions as F

    col = F.col(goal_col)
    rows = (source.df.where(col.isNotNull()).select(col.cast("string").alias("v")).distinct()
            .orderBy("v").limit(limit).collect())
    return [str(r["v"]) for r in rows]


def conversion_stats(source, experiment: str, goal: str, goal_col: str, window_us: int | None) -> pd.DataFrame:
    """``variant, customers, conversions, crossovers`` (twin of ``cj.abtest._conversion_stats``'s query)."""
    from pyspark.sql import functions as F

    x = _exposure(source, experiment)
    ev = _events_us(source, F.col(goal_col).cast("string").alias("e_goal")).where(F.col("e_goal") == F.lit(goal))
    conv = (x.join(ev, x["customer_id"] == ev["e_customer_id"])
            .where(_after_exposure(F, window_us)).select(F.col("customer_id").alias("c_customer_id")).distinct())
    out = (x.join(conv, x["customer_id"] == conv["c_customer_id"], "left")
           .groupBy("variant")
           .agg(F.count(F.lit(1)).alias("customers"), F.count("c_customer_id").alias("conversions"),
                F.sum(F.when(F.col("crossover"), 1).otherwise(0)).alias("crossovers"))
           .orderBy("variant"))
    return to_pandas(out)


def numeric_columns(source) -> list[str]:
    """Columns of numeric type (twin of ``cj.abtest._numeric_columns``)."""
    return [name for name, t in column_types(source.df).items() if t in NUMERIC_TYPES]


def metric_stats(source, experiment: str, metric: str, window_us: int | None) -> pd.DataFrame:
    """``variant, customers, n, sum, sum_squares, crossovers`` (twin of ``cj.abtest._metric_stats``'s
    query; ``metric`` is already validated: "events" or a numeric column)."""
    from pyspark.sql import functions as F

    x = _exposure(source, experiment)
    if metric == "events":
        ev = _events_us(source)
        value = F.count("e_customer_id")
    else:
        ev = _events_us(source, F.col(metric).cast("double").alias("e_value"))
        value = (F.coalesce(F.sum("e_value"), F.lit(0.0)) if metric == "revenue" else F.avg("e_value"))
    cond = (x["customer_id"] == ev["e_customer_id"]) & _after_exposure(F, window_us)
    per = (x.join(ev, cond, "left").groupBy("customer_id", "variant")
           .agg(F.any_value("crossover").alias("crossover"), value.alias("value")))
    out = (per.groupBy("variant")
           .agg(F.count(F.lit(1)).alias("customers"), F.count("value").alias("n"),
                F.coalesce(F.sum("value"), F.lit(0)).alias("sum"),
                F.coalesce(F.sum(F.col("value") * F.col("value")), F.lit(0)).alias("sum_squares"),
                F.sum(F.when(F.col("crossover"), 1).otherwise(0)).alias("crossovers"))
           .orderBy("variant"))
    return to_pandas(out)
