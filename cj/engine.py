"""The engine seam: DuckDB (embedded, default) or Apache Spark (optional extra).

Every analysis takes a *source* of events as its first argument:

* a DuckDB connection with a view ``events`` (the default; see :mod:`cj.store`), or
* a :class:`SparkEvents` — a Spark session plus a Parquet location of the same
  canonical events (``customer_id``, ``timestamp`` in UTC, ``stage``, …).

Public analysis functions dispatch on :func:`is_spark`; the Spark formulation
of a computation lives in :mod:`cj.spark` and returns the same result type with
the same numbers (parity tests pin this). DuckDB-only SQL (ASOF joins,
``list_reduce``, ``QUALIFY``, ``$name`` parameters) never reaches Spark.

Spark is imported lazily: users who never install ``requirements-spark.txt``
pay nothing.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import ParameterError, Problem

ENGINES = ("duckdb", "spark")
DEFAULT_MASTER = "local[2]"

_SESSION_LOCK = threading.Lock()
_SESSIONS: dict[str, object] = {}


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def _require_spark():
    if not spark_available():
        raise ParameterError([Problem("The Spark engine is not installed",
                                      "Install it with: python3 -m pip install -r requirements-spark.txt "
                                      "(needs Java 17+), or use --engine duckdb.")])


def spark_session(master: str | None = None):
    """A Spark session for ``master`` (``local[2]``, ``spark://host:7077``, or a Spark Connect
    ``sc://host:15002`` URL), created once per process and reused.

    Settings that the numbers depend on: the session time zone is UTC (timestamps are UTC
    wall-clock in the Parquet files), ANSI mode on (overflow is an error, never a wrap).
    """
    _require_spark()
    import warnings

    # The analyses never hand pandas frames to pyspark (rows are collected and framed here), so its
    # warning about pandas 3 does not apply to them.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    master = master or DEFAULT_MASTER
    with _SESSION_LOCK:
        spark = _SESSIONS.get(master)
        if spark is not None:
            return spark
        if master.startswith("sc://"):
            builder = SparkSession.builder.remote(master)
        else:
            builder = (SparkSession.builder.master(master)
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "8")
                       .config("spark.driver.memory", "2g"))
        spark = (builder.appName("cj")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.ansi.enabled", "true")
                 .getOrCreate())
        if not master.startswith("sc://"):
            spark.sparkContext.setLogLevel("ERROR")
        _SESSIONS[master] = spark
        return spark


_VIEW_COUNTER = iter(range(1, 1 << 62))


@dataclass
class SparkEvents:
    """Canonical events on Spark: a session and a Parquet location (file, folder or lake URL)."""

    spark: object
    path: str
    view: str = field(default="")
    cache: dict = field(default_factory=dict, repr=False, compare=False)   # per-source facts (schema, data end)

    def __post_init__(self):
        if not self.view:
            self.view = f"cj_events_{next(_VIEW_COUNTER)}"
        self.spark.read.parquet(str(self.path)).createOrReplaceTempView(self.view)

    @property
    def df(self):
        """The events as a Spark DataFrame."""
        return self.spark.table(self.view)

    def columns(self) -> list[str]:
        return list(self.df.columns)

    def sql(self, query: str, **args) -> pd.DataFrame:
        """Run Spark SQL (``{events}`` in the text is this dataset's view; values bound through
        ``args`` as named parameters ``:name``) and return a small pandas result."""
        return self.spark.sql(query.replace("{events}", self.view), args=args or None).toPandas()

    def rows(self, query: str, **args) -> list[dict]:
        """Run Spark SQL (named parameters ``:name`` bound from ``args``) and collect its (small)
        result as plain Python rows: no pandas conversion on the Spark side (pyspark does not fully
        support pandas 3), so numbers arrive exactly as Spark computed them."""
        df = self.spark.sql(query.replace("{events}", self.view), args=args or None)
        return [r.asDict() for r in df.collect()]

    def temp_view(self, rows: list[tuple], schema: str) -> str:
        """Register a few Python-computed rows (a lookup table) as a temporary view; returns its name."""
        name = f"cj_small_{next(_VIEW_COUNTER)}"
        self.spark.createDataFrame(rows, schema=schema).createOrReplaceTempView(name)
        return name


def is_spark(source) -> bool:
    return isinstance(source, SparkEvents)


def open_spark(path: str | Path, master: str | None = None) -> SparkEvents:
    """Open canonical events stored as Parquet on Spark."""
    return SparkEvents(spark_session(master), str(path))
