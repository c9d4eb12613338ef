"""Sentiment on Spark: scores computed where the texts are, aggregated by stage in Spark.

Twin of :func:`cj.sentiment.score_feedback` and of the aggregation step of
:func:`cj.sentiment.sentiment_by` (the per-group statistics in Python -- t-interval, NPS,
majority source, group order -- are shared with DuckDB).

* **Scoring.** The distinct non-blank feedback texts are scored by the executors with the
  same Python scorer (:func:`cj.sentiment.score_texts`) through ``mapInArrow``: Arrow record
  batches in and out, so pandas never sits between Spark and the scorer. Scores are kept
  per source (a cached DataFrame, like DuckDB's ``text_scores`` table), and a second call
  only scores texts not seen before.
* **Workers need cj.** Executors import :mod:`cj.sentiment`. In local mode the project
  folder is put on the worker's ``sys.path``; on a cluster cj must be installed on the
  workers (``pip install`` it, or ship it with ``--py-files``).
* **Row values** follow DuckDB's precedence: ``sentiment`` column (mapped like a rating
  when outside [−1, 1]) > text score > rating mapped onto [−1, 1]; non-finite values count
  as missing. ``stddev_samp`` of one value is NULL in both engines (Spark's non-legacy
  statistical aggregates), ``avg`` skips NULLs in both.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import sentiment
from ..errors import ParameterError
from ._common import to_pandas

_PROJECT = str(Path(__file__).resolve().parents[2])
_SCORES: dict[tuple[str, str, str], object] = {}    # (view, column, lang) -> cached DataFrame of scores


def _score_batches(project: str, lang: str):
    """The executor-side scorer (a closure, so it is shipped by value and imports cj there)."""
    def score(batches):
        import sys

        import pyarrow as pa
        try:
            from cj.sentiment import score_texts
        except ImportError:
            sys.path.insert(0, project)
            from cj.sentiment import score_texts
        for batch in batches:
            texts = batch.column(0).to_pylist()
            if not texts:
                continue
            s = score_texts(texts, lang)
            yield pa.RecordBatch.from_arrays(
                [pa.array(texts, pa.string()), pa.array(s["score"].to_numpy(dtype=float), pa.float64()),
                 pa.array(s["label"].tolist(), pa.string()), pa.array(s["lang"].tolist(), pa.string())],
                names=["feedback", "score", "label", "lang"])
    return score


def _texts(source, column: str):
    from pyspark.sql import functions as F

    t = F.col(column).cast("string")
    # DuckDB's trim() and Spark's trim() both strip spaces only.
    return (source.df.where(F.col(column).isNotNull() & (F.trim(t) != ""))
            .select(t.alias("feedback")).distinct())


def score_feedback(source, *, column: str = "feedback", lang: str = "auto", rescore: bool = False) -> dict:
    """Score the distinct feedback texts of a Spark source once (twin of
    :func:`cj.sentiment.score_feedback`); returns ``{"texts", "scored"}``."""
    cols = source.columns()
    if column not in cols:
        raise ParameterError.one(f"This dataset has no '{column}' column with feedback text",
                                 "Map a free-text column to 'feedback' on the upload page.", column=column)
    lang = sentiment._check_lang(lang)
    key = (source.view, column, lang)
    old = None if rescore else _SCORES.get(key)
    texts = _texts(source, column)
    new = texts if old is None else texts.join(old.select("feedback"), "feedback", "left_anti")
    schema = "feedback string, score double, label string, lang string"
    scored = new.repartition(max(2, source.spark.sparkContext.defaultParallelism)) \
        .mapInArrow(_score_batches(_PROJECT, lang), schema).cache()
    n_new = scored.count()
    if old is not None:
        scored = old.unionByName(scored).cache()
    total = scored.count()
    if old is not None:
        old.unpersist()
    _SCORES[key] = scored
    return {"texts": int(total), "scored": int(n_new)}


def text_scores(source, *, column: str = "feedback", lang: str = "auto"):
    """The scores of a source's distinct texts (scored on first use): a Spark DataFrame
    ``feedback, score, label, lang``."""
    key = (source.view, column, sentiment._check_lang(lang))
    if key not in _SCORES:
        score_feedback(source, column=column, lang=lang)
    return _SCORES[key]


def _finite(F, name: str):
    x = F.col(name).try_cast("double")
    return F.when(x.isNotNull() & ~F.isnan(x) & (F.abs(x) != F.lit(float("inf"))), x)


def _finite_range(F, df, name: str):
    x = _finite(F, name)
    r = df.agg(F.min(x).alias("lo"), F.max(x).alias("hi")).collect()[0]
    return r["lo"], r["hi"]


def _scaled(F, name: str, lo: float, hi: float):
    lo, hi = sentiment._rating_scale(np.array([lo, hi], dtype=float), "auto")
    x = F.col(name).try_cast("double")
    return F.greatest(F.lit(-1.0), F.least(F.lit(1.0), F.lit(2.0) * (x - F.lit(lo)) / F.lit(hi - lo) - F.lit(1.0)))


def _filtered(F, df, filters: dict | None, cols: list[str]):
    """Twin of ``cj.sentiment._where``: ``{column: value or list of values}``, compared as text."""
    if not filters:
        return df
    for col, val in filters.items():
        if col not in cols:
            raise ParameterError.one(f"Cannot filter on '{col}': the dataset has no such column",
                                     "Pick one of: " + ", ".join(cols), column=col)
        c = F.col(col)
        if isinstance(val, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
            vals = list(val)
            df = df.where(c.cast("string").isin([sentiment._filter_str(v) for v in vals]) if vals else F.lit(False))
        elif val is None:
            df = df.where(c.isNull())
        else:
            df = df.where(c.cast("string") == F.lit(sentiment._filter_str(val)))
    return df


def sentiment_aggregates(source, *, by: str, filters: dict | None) -> tuple[pd.DataFrame, bool]:
    """Per group of ``by``: the raw aggregates ``cj.sentiment.sentiment_by`` turns into its table
    (``grp, n, n_texts, mean, sd, share_*, mean_rating, n_ratings, promoters, detractors,
    n_src_*, first_seen``), and whether ratings are on a 0-10 (NPS) scale."""
    from pyspark.sql import functions as F

    df = source.df
    cols = list(df.columns)
    has_text = "feedback" in cols
    exprs, sources = [], []
    if "sentiment" in cols:
        lo, hi = _finite_range(F, df, "sentiment")
        if hi is not None:
            fin = _finite(F, "sentiment")
            sent = fin if (lo >= -1 and hi <= 1) else F.when(fin.isNotNull(), _scaled(F, "sentiment", lo, hi))
            exprs.append(sent)
            sources.append((sent, "sentiment column"))
    if has_text:
        scores = text_scores(source).select(F.col("feedback").alias("_t_feedback"), F.col("score").alias("_t_score"))
        df = df.join(scores, df["feedback"].cast("string") == scores["_t_feedback"], "left")
        exprs.append(F.col("_t_score"))
        sources.append((F.col("_t_score"), "text"))
    nps_scale = False
    rating_raw = F.lit(None).cast("double")
    if "rating" in cols:
        lo, hi = _finite_range(F, source.df, "rating")
        if hi is not None:
            fin = _finite(F, "rating")
            rating = F.when(fin.isNotNull(), _scaled(F, "rating", lo, hi))
            exprs.append(rating)
            sources.append((rating, "rating"))
            nps_scale = 5 < float(hi) <= 10
            rating_raw = fin
    value = F.coalesce(*exprs) if exprs else F.lit(None).cast("double")
    source_col = F.lit(None).cast("string")
    for e, name in reversed(sources):    # first non-NULL in precedence order wins
        source_col = F.when(e.isNotNull(), F.lit(name)).otherwise(source_col)
    df = _filtered(F, df, filters, cols)     # filters name event columns only, as in DuckDB's WHERE
    rows = df.select(F.col(by).alias("_grp"), value.alias("_value"), source_col.alias("_source"),
                     (F.col("_t_score") if has_text else F.lit(None).cast("double")).alias("_text_score"),
                     rating_raw.alias("_rating"),
                     (F.col("timestamp") if "timestamp" in cols else F.lit(None)).alias("_ts"))
    v = F.col("_value")
    neg, pos = sentiment.NEGATIVE_THRESHOLD, sentiment.POSITIVE_THRESHOLD

    def share(cond):
        return F.avg(F.when(cond, F.lit(1.0)).when(v.isNotNull(), F.lit(0.0)))

    def count_if(cond):
        return F.count(F.when(cond, 1))

    agg = rows.groupBy("_grp").agg(
        F.count(v).alias("n"), F.count("_text_score").alias("n_texts"), F.avg(v).alias("mean"),
        F.stddev_samp(v).alias("sd"),
        share(v < neg).alias("share_negative"), share((v >= neg) & (v <= pos)).alias("share_neutral"),
        share(v > pos).alias("share_positive"),
        F.avg("_rating").alias("mean_rating"), F.count("_rating").alias("n_ratings"),
        count_if(F.col("_rating") >= 9).alias("promoters"), count_if(F.col("_rating") <= 6).alias("detractors"),
        count_if(F.col("_source") == "sentiment column").alias("n_src_sentiment"),
        count_if(F.col("_source") == "text").alias("n_src_text"),
        count_if(F.col("_source") == "rating").alias("n_src_rating"),
        F.min("_ts").alias("first_seen"))
    out = to_pandas(agg.withColumnRenamed("_grp", "grp"))
    out["grp"] = out["grp"].astype(object).where(out["grp"].notna(), None)
    return out, nps_scale
