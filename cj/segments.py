"""Customer segments: features in SQL, clustering with scikit-learn, profiles, names, comparisons.

The flow (one computation, several renderings)::

    features = customer_features(con, stage_order=STAGES)          # DuckDB SQL, one row per customer
    seg = Segmenter(n_clusters="auto", random_state=0).fit(features)
    profile = profile_segments(features, seg.labels_, stage_order=STAGES)
    names = name_segments(profile, overrides={2: "VIPs"})
    kpis = compare_segments(con, features, seg.labels_, names, stage_order=STAGES)
    points = projection(features, seg.pipeline_)                    # 2-D PCA for a scatter

or all at once with :func:`segment_customers`, which returns a :class:`SegmentResult`.

Decisions (why it is built this way)
------------------------------------
* **Features are aggregated in DuckDB**; only the per-customer table comes to pandas.
  Work is one pass over the events (plus one small pass for the top touchpoints).
* **Clustering features.** By default :data:`DEFAULT_CLUSTER_FEATURES`: recency (R),
  events and orders (F), revenue (M), whether the customer bought, and the deepest
  stage reached -- the classic RFM axes plus the journey: how far down it a customer
  got and whether they crossed the purchase line. Measured on the sample data
  (``cj.sample``, four planted personas, 4k-20k customers, four seeds) this set gives
  k = 4 and an adjusted Rand index of 1.00 every time, with the silhouette peak at 4
  ahead of the runner-up by ~0.03. Left out, each for a measured reason:
  *touchpoint shares* (they describe how a customer arrived, not what kind of customer
  they are; they are compositional, summing to ~1; adding them drops the silhouette
  from ~0.65 to ~0.27 and the ARI to 0.5-0.6); *tenure* (personas arrive over
  overlapping windows, so it splits customers by arrival date: k = 6, ARI ~0.73);
  *mean rating / sentiment* (missing for most customers, and the median imputation
  merges personas: k = 3, ARI ~0.79); *active days / sessions* (near-copies of events
  that double the weight of frequency). Pass ``features=[...]`` to :class:`Segmenter`
  to choose others.
* **Scaling** is a scikit-learn ``Pipeline``: ``log1p`` on counts, money and recency
  (:data:`LOG_SCALED_FEATURES`) and on any other non-negative feature with skewness > 1
  (or on a given list), median imputation, ``StandardScaler``, then ``KMeans`` -- or
  ``MiniBatchKMeans`` from ``minibatch_threshold`` customers on. Logging recency matters:
  without it the silhouette barely separates k = 4 from k = 5-7 on the sample data
  (recency of never-buying browsers is spread evenly over the window and K-means
  slices that spread).
* **k by silhouette on a sample.** Every k in ``k_range`` (inclusive) is fitted on the
  same deterministic sample of at most ``sample_size`` customers and scored by
  silhouette; the best k wins (ties go to the smaller k). The final model is then
  fitted on all customers, starting from the chosen sample centres, so the model
  that is reported is the one that was scored.
* **Stable labels.** Segments are numbered by size (0 = largest) so a label, and a
  name the user gave it, does not depend on K-means' arbitrary numbering.
* **Comparisons** treat the *customer* as the unit of analysis (orders and ratings
  of one customer are not independent): rates use a chi-square test on customer
  counts, means use Welch's t-test on per-customer values, revenue per customer uses
  Mann-Whitney U (most customers spend 0 and a few spend a lot, so the mean is
  dominated by a handful of buyers). All p-values of a table are adjusted together
  with Benjamini-Hochberg.
"""
from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import engine, store
from .errors import ParameterError, Problem

__all__ = [
    "DEFAULT_CLUSTER_FEATURES", "SegmentError", "Segmenter", "SegmentResult",
    "customer_features", "profile_segments", "name_segments", "compare_segments",
    "bh_adjust", "projection", "segment_labels_table", "register_segments",
    "segment_customers",
]

#: Features used for clustering when none are given (those missing from the frame are skipped).
DEFAULT_CLUSTER_FEATURES: tuple[str, ...] = (
    "recency_days", "events", "orders", "revenue", "purchased", "deepest_stage",
)
#: How many touchpoints get a ``tp_<name>`` share column.
MAX_TOUCHPOINTS = 8
#: K-means restarts for each fit on the sample (cheap there; makes the choice of k robust).
_N_INIT = 4
_SKEW_THRESHOLD = 1.0
_THREADS = 1
#: Rows per mini-batch of the final fit. Large on purpose: scikit-learn draws every batch
#: with weighted sampling that costs O(n customers), so fewer, bigger steps are faster; the
#: start from the sample's centres means few steps are needed.
_MINIBATCH_SIZE = 65_536
#: Counts, money and recency: ``log_features="auto"`` always logs them when non-negative.
#: Counts and money are heavy-tailed in practice, and a skewness test misses it when a spike
#: at 0 (all the non-buyers) sits beside a lump of buyers, yet 0 vs 50 vs 500 is a ratio
#: scale. Recency is logged as in RFM practice: 2 vs 14 days since the last visit is a big
#: difference, 100 vs 150 days is not (both are gone).
LOG_SCALED_FEATURES: tuple[str, ...] = ("recency_days", "events", "active_days", "sessions", "revenue",
                                        "orders", "aov")
_SEGMENTS_TABLE = "customer_segments"
_MAX_FUNNEL_STAGES = 62   # stages per customer travel as bits of one BIGINT


class SegmentError(ParameterError, ValueError):
    """A segmentation was asked for something the data cannot give.

    A :class:`~cj.errors.ParameterError` (pages catch ``CJError``) and a
    ``ValueError`` (the scikit-learn convention for bad parameters in ``fit``).
    """


# ---------------------------------------------------------------------- features

def customer_features(con, *, stage_order: Sequence[str], extra_numeric: Sequence[str] = (),
                      purchase_stages: Sequence[str] = ("purchase", "loyalty"),
                      table: str = "events") -> pd.DataFrame:
    """One row per customer of behavioural features, computed in DuckDB.

    Parameters
    ----------
    con : duckdb connection with a view ``events`` (see the data contract).
    stage_order : the journey stages in order; ``deepest_stage`` indexes into it.
    extra_numeric : further numeric columns of ``events`` to average per customer
        (as ``mean_<column>``).
    purchase_stages : stages that count as a purchase (``purchased``, ``days_to_purchase``).
    table : the events table or view to read.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), columns:

    ``recency_days``   days from the customer's last event to the data's last event (fractional).
    ``tenure_days``    days from the customer's first event to the data's last event.
    ``events``         number of events.
    ``active_days``    distinct UTC calendar days with an event.
    ``sessions``       distinct ``session_id`` values; events without a session id (or data
                       without that column) count one session per active day.
    ``revenue``        sum of ``revenue`` (0 without the column).
    ``orders``         events with ``revenue > 0``.
    ``aov``            revenue / orders, 0 when there are no orders.
    ``purchased``      1 if the customer has an event in ``purchase_stages``, else 0.
    ``deepest_stage``  0-based index in ``stage_order`` of the deepest stage with an event; -1 if none.
    ``deepest_stage_name``  that stage's name (missing when -1).
    ``days_to_purchase``  first purchase-stage event minus first event, in days; NaN if never.
    ``tp_<name>``      share of the customer's events at that touchpoint, for the (up to 8)
                       most common touchpoints (only with a ``touchpoint`` column).
    ``mean_rating``, ``mean_sentiment``  per-customer means, when those columns exist (NaN if none).
    ``mean_<col>``     for each ``extra_numeric`` column.
    ``r_score``, ``f_score``, ``m_score``  quintile scores 1-5 (5 = best: most recent; most
                       orders, then most events; most revenue). Quintiles are taken over
                       customers by rank, ``1 + floor(5 * (rank - 1) / n)`` with ties sharing
                       the lower rank -- so customers with equal values always get the same
                       score (``ntile`` would split ties arbitrarily).
    ``rfm``            the three scores as a string, e.g. ``"545"``.
    """
    if engine.is_spark(con):     # the same features, aggregated on Spark (cj.spark.features)
        from .spark import features as spark_features
        return spark_features.customer_features(con, stage_order=stage_order, extra_numeric=extra_numeric,
                                                purchase_stages=purchase_stages, table=table)
    stage_order = [str(s) for s in stage_order]
    purchase_stages = [str(s) for s in purchase_stages]
    cols = store.table_columns(con, table)
    extra_numeric = _check_feature_args(cols, stage_order, extra_numeric)
    q = store.quote_ident
    has = set(cols)
    params: dict[str, Any] = {"stage_order": stage_order, "purchase_stages": purchase_stages or [""]}

    # Top touchpoints (a small aggregate; the names become bound values, never SQL text).
    touchpoints: list[tuple[str, str]] = []
    if "touchpoint" in has:
        tps = store.run(con, f"SELECT CAST({q('touchpoint')} AS VARCHAR) AS tp, count(*) AS n "
                             f"FROM {q(table)} WHERE {q('touchpoint')} IS NOT NULL "
                             f"GROUP BY 1 ORDER BY n DESC, tp LIMIT {MAX_TOUCHPOINTS}")
        used: set[str] = set()
        for i, tp in enumerate(tps["tp"].tolist()):
            name = _touchpoint_column(tp, i, used)
            touchpoints.append((name, tp))
            params[f"tp{i}"] = tp

    sel = [f"CAST({q('customer_id')} AS VARCHAR) AS customer_id",
           f"CAST({q('timestamp')} AS TIMESTAMP) AS ts",
           f"CAST({q('stage')} AS VARCHAR) AS stage"]
    if "session_id" in has:
        sel.append(f"CAST({q('session_id')} AS VARCHAR) AS session_id")
    if touchpoints:
        sel.append(f"CAST({q('touchpoint')} AS VARCHAR) AS touchpoint")
    if "revenue" in has:
        sel.append(f"TRY_CAST({q('revenue')} AS DOUBLE) AS revenue")
    means: list[tuple[str, str]] = []   # (output column, source alias)
    for src in ["rating", "sentiment"] + extra_numeric:
        if src in has:
            alias = f"x{len(means)}"
            sel.append(f"TRY_CAST({q(src)} AS DOUBLE) AS {alias}")
            means.append((f"mean_{src}", alias))

    day = "CAST(ts AS DATE)"
    if "session_id" in has:
        # Distinct 64-bit hashes rather than distinct strings: ~2x faster on millions of
        # sessions; a collision between two sessions of one customer has probability ~1e-17.
        sessions = f"count(DISTINCT coalesce(hash(session_id), hash('day', {day})))"
    else:
        sessions = f"count(DISTINCT {day})"
    agg = [
        "min(ts) AS first_ts", "max(ts) AS last_ts", "count(*) AS events",
        f"count(DISTINCT {day}) AS active_days", f"{sessions} AS sessions",
        ("coalesce(sum(revenue), 0) AS revenue" if "revenue" in has else "0.0 AS revenue"),
        ("count(*) FILTER (WHERE revenue > 0) AS orders" if "revenue" in has else "0 AS orders"),
        "coalesce(max(list_position($stage_order, stage)), 0) - 1 AS deepest_stage",
        "min(ts) FILTER (WHERE list_contains($purchase_stages, stage)) AS first_purchase_ts",
    ]
    agg += [f"count(*) FILTER (WHERE touchpoint = $tp{i}) / count(*) AS {q(name)}"
            for i, (name, _) in enumerate(touchpoints)]
    agg += [f"avg({alias}) AS {q(out)}" for out, alias in means]

    day_us = "86400000000.0"
    rank = "1 + floor(5 * (rank() OVER (ORDER BY {}) - 1) / count(*) OVER ())"
    out = [
        "customer_id",
        f"date_diff('microsecond', last_ts, m.max_ts) / {day_us} AS recency_days",
        f"date_diff('microsecond', first_ts, m.max_ts) / {day_us} AS tenure_days",
        "events", "active_days", "sessions",
        "CAST(revenue AS DOUBLE) AS revenue", "orders",
        "CASE WHEN orders > 0 THEN revenue / orders ELSE 0.0 END AS aov",
        "CAST(first_purchase_ts IS NOT NULL AS INTEGER) AS purchased",
        "CAST(deepest_stage AS INTEGER) AS deepest_stage",
        "CASE WHEN deepest_stage >= 0 THEN ($stage_order)[deepest_stage + 1] END AS deepest_stage_name",
        f"date_diff('microsecond', first_ts, first_purchase_ts) / {day_us} AS days_to_purchase",
    ]
    out += [q(name) for name, _ in touchpoints]
    out += [q(o) for o, _ in means]
    out += [
        f"CAST({rank.format('last_ts')} AS INTEGER) AS r_score",
        f"CAST({rank.format('orders, events')} AS INTEGER) AS f_score",
        f"CAST({rank.format('revenue')} AS INTEGER) AS m_score",
    ]
    sql = (
        f"WITH ev AS (SELECT {', '.join(sel)} FROM {q(table)} "
        f"WHERE {q('customer_id')} IS NOT NULL AND {q('timestamp')} IS NOT NULL), "
        f"per AS (SELECT customer_id, {', '.join(agg)} FROM ev GROUP BY customer_id), "
        f"f AS (SELECT {', '.join(out)} FROM per CROSS JOIN (SELECT max(last_ts) AS max_ts FROM per) m) "
        f"SELECT *, CAST(r_score AS VARCHAR) || CAST(f_score AS VARCHAR) || CAST(m_score AS VARCHAR) AS rfm "
        f"FROM f ORDER BY customer_id"
    )
    return _finish_features(store.run(con, sql, params), touchpoints, [o for o, _ in means])


def _check_feature_args(cols: Sequence[str], stage_order: Sequence[str],
                        extra_numeric: Sequence[str]) -> list[str]:
    """Problems with the events' columns or the arguments of :func:`customer_features` (both engines)."""
    problems = []
    for req in ("customer_id", "timestamp", "stage"):
        if req not in cols:
            problems.append(Problem(f"The events have no '{req}' column",
                                    "Map a column to it on the upload page.", column=req))
    if not stage_order:
        problems.append(Problem("stage_order is empty", "Give the journey stages in order."))
    extra_numeric = list(extra_numeric)
    taken = {"rating", "sentiment"}
    for col in extra_numeric:
        if col not in cols:
            problems.append(Problem(f"extra_numeric column '{col}' is not in the events",
                                    f"Pick from: {', '.join(c for c in cols)}.", column=col))
        elif col in taken:
            problems.append(Problem(f"extra_numeric column '{col}' is listed twice or is already a feature",
                                    f"Drop it; it appears as 'mean_{col}' already.", column=col))
        taken.add(col)
    if problems:
        raise SegmentError(problems)
    return extra_numeric


def _finish_features(df: pd.DataFrame, touchpoints: Sequence[tuple[str, str]],
                     mean_columns: Sequence[str]) -> pd.DataFrame:
    """The engine's per-customer frame (sorted by ``customer_id``) with the documented index and dtypes."""
    df = df.set_index("customer_id")
    for c in ("events", "active_days", "sessions", "orders"):
        df[c] = df[c].astype("int64")
    for c in ("revenue", "aov", "recency_days", "tenure_days", "days_to_purchase"):
        df[c] = df[c].astype("float64")
    for c in [n for n, _ in touchpoints] + list(mean_columns):
        df[c] = df[c].astype("float64")
    for c in ("purchased", "deepest_stage", "r_score", "f_score", "m_score"):
        df[c] = df[c].astype("int64")
    df["deepest_stage_name"] = df["deepest_stage_name"].astype(object).where(df["deepest_stage"] >= 0, None)
    df["rfm"] = df["rfm"].astype(object)
    df.attrs["touchpoints"] = {name: tp for name, tp in touchpoints}
    return df


def _touchpoint_column(tp: str, i: int, used: set[str]) -> str:
    base = re.sub(r"\W+", "_", str(tp).strip().lower()).strip("_") or str(i)
    name, n = f"tp_{base}", 2
    while name in used:
        name, n = f"tp_{base}_{n}", n + 1
    used.add(name)
    return name


# ---------------------------------------------------------------------- clustering

_HUGE = 1e100
"""Linear features beyond this magnitude are max-abs scaled before standardising (see Segmenter.fit)."""


def _log1p_nonneg(x):
    """log1p of values clipped at 0 (module-level so fitted pipelines pickle)."""
    return np.log1p(np.clip(np.asarray(x, dtype=float), 0, None))


class Segmenter(ClusterMixin, BaseEstimator):
    """K-means segmentation of customers with k chosen by silhouette.

    Follows scikit-learn's estimator contract: parameters are stored unmodified
    and validated in :meth:`fit`; learned attributes end in ``_``.

    Parameters
    ----------
    n_clusters : "auto" or int, default "auto"
        Number of segments; "auto" picks the k in ``k_range`` with the best silhouette.
    k_range : (int, int), default (2, 10)
        Inclusive range of k tried when ``n_clusters="auto"``.
    features : list of str or None, default None
        Columns of the feature frame to cluster on. None: the columns of
        :data:`DEFAULT_CLUSTER_FEATURES` present in the frame (or, if none are, every
        numeric column -- handy for plain arrays).
    log_features : "auto" or list of str, default "auto"
        Features to ``log1p``; "auto": non-negative features that are counts, money or
        recency (:data:`LOG_SCALED_FEATURES`) or have skewness > 1.
    random_state : int, RandomState or None, default 0
        Seeds the sample, the K-means initialisations and the stability runs.
    sample_size : int, default 10_000
        Customers in the sample used to choose k (silhouette is quadratic in it).
    minibatch_threshold : int, default 100_000
        From this many customers on, the final model is ``MiniBatchKMeans``.
    n_stability_runs : int, default 5
        Re-fits with other seeds on the sample; ``stability_`` is their mean pairwise ARI.

    Attributes
    ----------
    labels_ : ndarray of int, segment of each row (0 = largest segment).
    k_ : int, number of segments.
    silhouette_ : dict int -> float, silhouette of each k tried (on the sample).
    stability_ : float, mean adjusted Rand index between the stability runs (1 = same
        segments whatever the seed); NaN with fewer than 2 runs.
    pipeline_ : fitted ``Pipeline`` (preprocess -> scale -> cluster); its ``predict``
        returns the same (size-ordered) labels.
    feature_names_ : ndarray of str, the clustered features.
    log_features_ : list of str, features that were log-transformed.
    sample_indices_ : ndarray of int, rows used for the silhouette and stability.
    """

    def __init__(self, n_clusters="auto", *, k_range=(2, 10), features=None, log_features="auto",
                 random_state=0, sample_size=10_000, minibatch_threshold=100_000, n_stability_runs=5):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.features = features
        self.log_features = log_features
        self.random_state = random_state
        self.sample_size = sample_size
        self.minibatch_threshold = minibatch_threshold
        self.n_stability_runs = n_stability_runs

    # -- validation
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True     # missing feature values are imputed (median)
        return tags

    def _frame(self, X, *, reset: bool) -> pd.DataFrame:
        """X as a DataFrame; plain arrays are validated and get columns ``x0, x1, ...``."""
        if isinstance(X, pd.DataFrame):
            return X
        arr = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64)
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])

    def _columns(self, X: pd.DataFrame, problems: list[Problem]) -> list[str]:
        if self.features is None:
            cols = [c for c in DEFAULT_CLUSTER_FEATURES if c in X.columns]
            if not cols:
                cols = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                        and not pd.api.types.is_bool_dtype(X[c])]
        else:
            cols = list(self.features) if not isinstance(self.features, str) else [self.features]
            missing = [c for c in cols if c not in X.columns]
            if missing:
                problems.append(Problem(f"features {missing} are not columns of X",
                                        f"Pick from: {', '.join(map(str, X.columns))}."))
            cols = [c for c in cols if c in X.columns]
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            problems.append(Problem(f"features {bad} are not numeric", "Cluster on numeric features only."))
        if not cols:
            problems.append(Problem("no features to cluster on", "Pass features=[...] with numeric columns."))
        return [c for c in cols if c not in bad]

    def _validate(self, n: int, problems: list[Problem]) -> list[int]:
        def is_int(v):
            return isinstance(v, Integral) and not isinstance(v, bool)

        ks: list[int] = []
        if self.n_clusters == "auto":
            kr = self.k_range
            if (not isinstance(kr, (tuple, list)) or len(kr) != 2 or not all(is_int(v) for v in kr)
                    or kr[0] < 2 or kr[1] < kr[0]):
                problems.append(Problem(f"k_range={kr!r} should be a pair (low, high) of integers "
                                        "with 2 <= low <= high", "For example k_range=(2, 10)."))
            else:
                ks = list(range(int(kr[0]), int(kr[1]) + 1))
        elif is_int(self.n_clusters):
            if self.n_clusters < 1:
                problems.append(Problem(f"n_clusters={self.n_clusters} should be >= 1",
                                        "Use 'auto' or a positive integer."))
            else:
                ks = [int(self.n_clusters)]
        else:
            problems.append(Problem(f"n_clusters={self.n_clusters!r} should be 'auto' or an integer",
                                    "Use 'auto' or a positive integer."))
        for name, low in (("sample_size", 2), ("minibatch_threshold", 1), ("n_stability_runs", 0)):
            v = getattr(self, name)
            if not is_int(v) or v < low:
                problems.append(Problem(f"{name}={v!r} should be an integer >= {low}", ""))
        if not (self.log_features == "auto" or isinstance(self.log_features, (list, tuple))):
            problems.append(Problem(f"log_features={self.log_features!r} should be 'auto' "
                                    "or a list of feature names", ""))
        if ks and self.n_clusters != "auto" and n < ks[0]:
            problems.append(Problem(f"n_samples={n} should be >= n_clusters={ks[0]}.",
                                    "Pick fewer segments or use more customers."))
        if ks and self.n_clusters == "auto" and n < ks[0] + 1:
            problems.append(Problem(f"n_samples={n} should be > {ks[0]} to choose k by silhouette.",
                                    "Pick n_clusters yourself or use more customers."))
        return ks

    # -- fit
    def fit(self, X, y=None):
        """Choose k, fit the segmentation and set the learned attributes. Returns self."""
        is_frame = isinstance(X, pd.DataFrame)
        X = self._frame(X, reset=True)
        problems: list[Problem] = []
        cols = self._columns(X, problems)
        ks = self._validate(len(X), problems)
        if problems:
            raise SegmentError(problems)
        n = len(X)
        data = X[cols].replace([np.inf, -np.inf], np.nan)   # e.g. revenue sums that overflow: missing, not a crash
        if is_frame:   # sets n_features_in_ / feature_names_in_ to the clustered columns
            validate_data(self, data, reset=True, ensure_all_finite="allow-nan", dtype=np.float64)

        if self.log_features == "auto":
            logs = []
            for c in cols:
                v = pd.to_numeric(data[c], errors="coerce").astype(float)
                if v.notna().any() and v.min() >= 0 and (c in LOG_SCALED_FEATURES
                                                         or float(v.skew()) > _SKEW_THRESHOLD):
                    logs.append(c)
        else:
            logs = [c for c in cols if c in set(self.log_features)]
        lin = [c for c in cols if c not in logs]
        linear = SimpleImputer(strategy="median", keep_empty_features=True)
        if lin and float(np.nanmax(np.abs(data[lin].to_numpy(dtype=float)), initial=0.0)) > _HUGE:
            # Squares of values beyond ~1e154 overflow StandardScaler's variance (NaN for KMeans): bring
            # such columns to [-1, 1] first. Standardising is scale-free, so the clustering is unchanged.
            linear = Pipeline([("impute", linear), ("maxabs", MaxAbsScaler())])
        prep = ColumnTransformer(
            [("log", Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                               ("log1p", FunctionTransformer(_log1p_nonneg, feature_names_out="one-to-one"))]), logs),
             ("linear", linear, lin)],
            verbose_feature_names_out=False)
        scale = StandardScaler()
        Xt = scale.fit_transform(prep.fit_transform(data))
        Xt = np.ascontiguousarray(Xt, dtype=np.float64)

        rng = check_random_state(self.random_state)
        if n > self.sample_size:
            sample = np.sort(rng.choice(n, size=self.sample_size, replace=False))
        else:
            sample = np.arange(n)
        Xs = Xt[sample]
        km_seed = int(rng.randint(np.iinfo(np.int32).max))
        stab_seeds = [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=self.n_stability_runs)]

        if self.n_clusters == "auto":
            ks = [k for k in ks if k <= len(Xs) - 1] or [min(ks[0], len(Xs))]
        # Many small fits (and mini-batches): one thread each is several times
        # faster than an OpenMP team on a busy 2-core box, and K-means' result does not
        # depend on the thread count.
        with threadpool_limits(limits=_THREADS), warnings.catch_warnings():
            k_best, silhouettes, stability, centers = _choose_k(ks, Xt, Xs, km_seed, stab_seeds)
            warnings.simplefilter("ignore", ConvergenceWarning)
            if n >= self.minibatch_threshold:
                model = MiniBatchKMeans(n_clusters=k_best, init=centers, n_init=1, random_state=km_seed,
                                        batch_size=_MINIBATCH_SIZE).fit(Xt)
            else:
                model = KMeans(n_clusters=k_best, init=centers, n_init=1, random_state=km_seed).fit(Xt)
        labels = _order_by_size(model)

        self.pipeline_ = Pipeline([("prep", prep), ("scale", scale), ("cluster", model)])
        self.labels_ = labels
        self.k_ = int(k_best)
        self.silhouette_ = {int(k): float(v) for k, v in silhouettes.items()}
        self.stability_ = stability
        self.feature_names_ = np.asarray(cols, dtype=object)
        self.log_features_ = list(logs)
        self.sample_indices_ = sample
        return self

    def predict(self, X):
        """Segment of each row of a feature frame (same numbering as ``labels_``)."""
        check_is_fitted(self, "pipeline_")
        is_frame = isinstance(X, pd.DataFrame)
        X = self._frame(X, reset=False)
        data = X[list(self.feature_names_)]
        if is_frame:
            validate_data(self, data, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self.pipeline_.predict(data)


def _choose_k(ks: list[int], Xt: np.ndarray, Xs: np.ndarray, seed: int, stab_seeds: list[int]):
    """Fit each k on the sample, score by silhouette, pick the best; measure its stability.

    Returns (k, {k: silhouette}, stability, centres of the chosen sample model).
    """
    models: dict[int, KMeans] = {}
    labelings: dict[int, np.ndarray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # fewer distinct points than k
        for k in ks:
            # A fixed k larger than the sample (tiny samples only) is fitted on all rows.
            km = _kmeans(k, seed).fit(Xs if k <= len(Xs) else Xt)
            models[k] = km
            labelings[k] = km.predict(Xs)
        silhouettes = _silhouettes(Xs, labelings)
        if len(ks) == 1:
            k_best = ks[0]
        else:
            scored = [(v, -k) for k, v in silhouettes.items() if not math.isnan(v)]
            k_best = -max(scored)[1] if scored else ks[0]
        runs = [_kmeans(k_best, s).fit_predict(Xs) for s in stab_seeds] if k_best <= len(Xs) else []
    pairs = [adjusted_rand_score(runs[i], runs[j]) for i in range(len(runs)) for j in range(i + 1, len(runs))]
    stability = float(np.mean(pairs)) if pairs else float("nan")
    return k_best, silhouettes, stability, models[k_best].cluster_centers_


def _kmeans(k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=_N_INIT, random_state=seed)


def _silhouettes(X: np.ndarray, label_sets: Mapping[int, np.ndarray], chunk: int = 1024) -> dict[int, float]:
    """Mean silhouette (Euclidean) of several labelings of the same points, in one pass.

    Same definition as ``sklearn.metrics.silhouette_score`` (singletons score 0; NaN when a
    labeling has fewer than 2 or more than n - 1 clusters), but the pairwise distances are
    computed once, chunk by chunk, and shared by every k: for each chunk of rows the
    distance block is multiplied by the one-hot matrix of all labelings at once.
    """
    n = len(X)
    keys = list(label_sets)
    onehots, valid, offsets, counts = [], {}, {}, {}
    off = 0
    for key in keys:
        lab = np.unique(np.asarray(label_sets[key]), return_inverse=True)[1]
        k = int(lab.max()) + 1 if n else 0
        valid[key] = 2 <= k <= n - 1
        H = np.zeros((n, k))
        H[np.arange(n), lab] = 1.0
        onehots.append(H)
        offsets[key], counts[key] = (off, lab), H.sum(axis=0)
        off += k
    if not any(valid.values()):
        return {key: float("nan") for key in keys}
    H = np.hstack(onehots)
    X = np.asarray(X, dtype=np.float64)
    sq = np.einsum("ij,ij->i", X, X)
    sums = np.empty((n, off))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        D = sq[start:stop, None] + sq[None, :] - 2.0 * (X[start:stop] @ X.T)
        np.maximum(D, 0.0, out=D)
        np.sqrt(D, out=D)
        D[np.arange(stop - start), np.arange(start, stop)] = 0.0
        sums[start:stop] = D @ H
    out = {}
    for key in keys:
        if not valid[key]:
            out[key] = float("nan")
            continue
        o, lab = offsets[key]
        cnt = counts[key]
        S = sums[:, o:o + len(cnt)]
        own = cnt[lab]
        a = S[np.arange(n), lab] / np.maximum(own - 1, 1)
        mean_other = S / cnt
        mean_other[np.arange(n), lab] = np.inf
        b = mean_other.min(axis=1)
        denom = np.maximum(a, b)
        sil = np.where((own > 1) & (denom > 0), (b - a) / np.where(denom > 0, denom, 1), 0.0)
        out[key] = float(sil.mean())
    return out


def _order_by_size(model) -> np.ndarray:
    """Renumber a fitted K-means model's clusters so 0 is the largest (ties: old order).

    The cluster centres are permuted in place, so ``model.predict`` agrees with the
    returned labels.
    """
    raw = np.asarray(model.labels_)
    k = model.cluster_centers_.shape[0]
    sizes = np.bincount(raw, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))      # new label i <- old label order[i]
    new_of_old = np.empty(k, dtype=int)
    new_of_old[order] = np.arange(k)
    model.cluster_centers_ = model.cluster_centers_[order]
    if hasattr(model, "_counts"):
        model._counts = model._counts[order]
    labels = new_of_old[raw].astype(np.int64)
    model.labels_ = labels
    return labels


# ---------------------------------------------------------------------- profiles and names

def _labels_array(features: pd.DataFrame, labels) -> np.ndarray:
    """Labels as an int array in feature-row order (a Series is aligned by customer id)."""
    if (isinstance(labels, pd.Series) and not labels.index.equals(features.index)
            and len(labels) == len(features) and labels.index.isin(features.index).all()):
        labels = labels.reindex(features.index)
    arr = np.asarray(labels)
    if arr.shape != (len(features),):
        raise SegmentError.one(f"labels has {arr.shape[0] if arr.ndim else 0} entries for {len(features)} customers",
                               "Pass the labels produced for this feature frame.")
    return arr.astype(np.int64)


def _customer_ids(features: pd.DataFrame) -> pd.Series:
    if "customer_id" in features.columns:
        return features["customer_id"].astype(str).reset_index(drop=True)
    return pd.Series(features.index.astype(str), name="customer_id")


def _purchased(features: pd.DataFrame) -> np.ndarray:
    if "purchased" in features.columns:
        return features["purchased"].to_numpy(dtype=float) > 0
    if "orders" in features.columns:
        return features["orders"].to_numpy(dtype=float) > 0
    return np.zeros(len(features), dtype=bool)


def _numeric_columns(features: pd.DataFrame) -> list[str]:
    return [c for c in features.columns
            if pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])
            and c != "customer_id"]


def profile_segments(features: pd.DataFrame, labels, *, stage_order: Sequence[str]) -> pd.DataFrame:
    """Describe each segment against all customers.

    Returns
    -------
    DataFrame indexed by ``segment`` (ascending), columns:

    ``size``, ``share`` (of customers), ``revenue_share`` (of all revenue; 0 when there is none),
    ``purchased_share`` (customers with a purchase), ``repeat_share`` (customers with >= 2 orders),
    ``reached_<stage>`` (share whose deepest stage is that stage or a later one),
    ``top_stage`` (most common deepest stage), and for every numeric feature ``f``:
    ``f_mean``, ``f_median`` and ``f_vs_all`` (segment mean / mean of all customers; NaN when
    that is 0 or undefined).
    """
    lab = _labels_array(features, labels)
    stage_order = [str(s) for s in stage_order]
    num = _numeric_columns(features)
    n = len(features)
    values = features[num].astype(float)
    overall = values.mean()
    revenue = features["revenue"].to_numpy(dtype=float) if "revenue" in features.columns else np.zeros(n)
    total_rev = float(np.nansum(revenue))
    bought = _purchased(features)
    orders = features["orders"].to_numpy(dtype=float) if "orders" in features.columns else np.zeros(n)
    deepest = features["deepest_stage"].to_numpy() if "deepest_stage" in features.columns else np.full(n, -1)

    rows = []
    for seg in np.unique(lab):
        m = lab == seg
        size = int(m.sum())
        row: dict[str, Any] = {
            "segment": int(seg), "size": size, "share": size / n if n else 0.0,
            "revenue_share": float(np.nansum(revenue[m]) / total_rev) if total_rev else 0.0,
            "purchased_share": float(bought[m].mean()),
            "repeat_share": float((orders[m] >= 2).mean()),
        }
        for i, st in enumerate(stage_order):
            row[f"reached_{st}"] = float((deepest[m] >= i).mean())
        d = deepest[m]
        d = d[d >= 0]
        if len(d):
            counts = np.bincount(d, minlength=len(stage_order))
            row["top_stage"] = stage_order[int(np.flatnonzero(counts == counts.max())[-1])]
        else:
            row["top_stage"] = None
        seg_vals = values[m]
        means, medians = seg_vals.mean(), seg_vals.median()
        for c in num:
            row[f"{c}_mean"] = float(means[c])
            row[f"{c}_median"] = float(medians[c])
            o = float(overall[c])
            row[f"{c}_vs_all"] = float(means[c]) / o if o and not math.isnan(o) else float("nan")
        rows.append(row)
    prof = pd.DataFrame(rows)
    if prof.empty:
        prof = pd.DataFrame(columns=["segment", "size", "share", "revenue_share"])
    return prof.set_index("segment")


# Thresholds of the naming rules (shares of a segment's customers; "_vs_all" ratios).
NAME_RULES_HELP = """\
Rules, first match wins. b = purchased_share, r = repeat_share, rev = revenue_vs_all,
rec = recency_days_vs_all, ten = tenure_days_vs_all, quiet = recency_days_mean /
tenure_days_mean (the part of their time with us they have been silent):
  b < 0.2 and rec <= 0.5 and ten <= 0.5   -> New prospects
  b < 0.2                                  -> Browsers who never bought
  b >= 0.5 and r < 0.3                     -> One-time buyers
  b >= 0.5 and quiet >= 0.5                -> At-risk former customers
           (without tenure: rec >= 1.5)
  b >= 0.5 and rev >= 2 and r >= 0.5       -> High-value loyal advocates if most reached the
                                              last stage, else High-value repeat buyers
  b >= 0.5                                 -> Repeat buyers
  otherwise                                -> Occasional buyers
"""


def _rule_name(row: Mapping[str, Any], last_stage: str | None) -> str:
    def g(key, default=float("nan")):
        v = row.get(key, default)
        try:
            return float(v)
        except (TypeError, ValueError):
            return default

    b, r = g("purchased_share", 0.0), g("repeat_share", 0.0)
    rev, rec, ten = g("revenue_vs_all"), g("recency_days_vs_all"), g("tenure_days_vs_all")
    if b < 0.2:
        if rec <= 0.5 and ten <= 0.5:
            return "New prospects"
        return "Browsers who never bought"
    if b >= 0.5:
        if r < 0.3:
            return "One-time buyers"
        recency, tenure = g("recency_days_mean"), g("tenure_days_mean")
        if tenure > 0:
            lapsed = recency / tenure >= 0.5
        else:
            lapsed = rec >= 1.5
        if lapsed:
            return "At-risk former customers"
        if rev >= 2 and r >= 0.5:
            reached_last = g(f"reached_{last_stage}", 0.0) if last_stage else 0.0
            return "High-value loyal advocates" if reached_last >= 0.5 else "High-value repeat buyers"
        return "Repeat buyers"
    return "Occasional buyers"


def name_segments(profile: pd.DataFrame, overrides: Mapping[Any, str] | None = None) -> dict[int, str]:
    """Readable, unique segment names from a :func:`profile_segments` frame.

    Names come from rules on the profile (see :data:`NAME_RULES_HELP`). ``overrides``
    maps segment labels (int, or their string form as stored in JSON) to the user's own
    names, which always win; when two segments end up with the same name, the later
    ones get a suffix " (2)", " (3)", ... (user names are kept as typed where possible).
    """
    labels = [int(s) for s in profile.index]
    over: dict[int, str] = {}
    for key, val in (overrides or {}).items():
        try:
            k = int(key)
        except (TypeError, ValueError):
            continue
        if val is not None and str(val).strip():
            over[k] = str(val).strip()
    reached = [c for c in profile.columns if str(c).startswith("reached_")]
    last_stage = reached[-1][len("reached_"):] if reached else None

    base = {s: over.get(s) or _rule_name(profile.loc[s].to_dict(), last_stage) for s in labels}
    names: dict[int, str] = {}
    used: set[str] = set()
    # User names first so they keep their exact text; then rule names, larger segments first.
    for s in sorted(labels, key=lambda s: (s not in over, s)):
        name, i = base[s], 2
        while name in used:
            name, i = f"{base[s]} ({i})", i + 1
        used.add(name)
        names[s] = name
    return {s: names[s] for s in labels}


# ---------------------------------------------------------------------- comparisons

def bh_adjust(p_values: Iterable[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaNs are ignored and stay NaN).

    For the m non-missing p-values sorted ascending, ``p_adj(i) = min_{j>=i} p(j) * m / j``,
    capped at 1, returned in the input order.
    """
    p = np.asarray(list(p_values), dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.minimum(adj, 1.0)
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def _rate_test(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    """Chi-square (no continuity correction) on the 2x2 table of two boolean samples."""
    if len(y) == 0:
        return float("nan"), "NO_REST"
    if len(x) == 0:
        return float("nan"), "TOO_FEW"
    table = np.array([[x.sum(), len(x) - x.sum()], [y.sum(), len(y) - y.sum()]], dtype=float)
    if (table.sum(axis=0) == 0).any():
        return float("nan"), "NO_VARIATION"
    return float(stats.chi2_contingency(table, correction=False).pvalue), ""


def _mean_test(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    """Welch's t-test (two-sided)."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(y) == 0:
        return float("nan"), "NO_REST"
    if len(x) < 2 or len(y) < 2:
        return float("nan"), "TOO_FEW"
    if np.var(x) == 0 and np.var(y) == 0:
        return float("nan"), "ZERO_VARIANCE"
    return float(stats.ttest_ind(x, y, equal_var=False).pvalue), ""


def _rank_test(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    """Mann-Whitney U (two-sided), for skewed money per customer."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(y) == 0:
        return float("nan"), "NO_REST"
    if len(x) == 0 or len(y) == 0:
        return float("nan"), "TOO_FEW"
    if np.ptp(np.concatenate([x, y])) == 0:
        return float("nan"), "NO_VARIATION"
    return float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue), ""


def _mean(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    return float(v.mean()) if len(v) else float("nan")


def compare_segments(con, features: pd.DataFrame, labels, names: Mapping[int, str] | None = None, *,
                     stage_order: Sequence[str], alpha: float = 0.05, funnel: bool = True,
                     table: str = "events") -> pd.DataFrame:
    """Side-by-side KPIs of each segment against the rest of the customers, with significance.

    KPIs (customer = unit of analysis; "rest" = every customer not in the segment):

    ``conversion_rate``      share of customers with a purchase (``purchased``) -- chi-square.
    ``retention_rate``       share of customers with >= 2 orders -- chi-square.
    ``aov``                  mean over buying customers of their own AOV (revenue / orders) -- Welch t.
    ``revenue_per_customer`` mean revenue per customer -- Mann-Whitney U (revenue is zero for most
                             customers and heavy-tailed; the test asks whether the segment's
                             customers tend to spend more, not whether a few whales move the mean).
    ``csat``                 mean of customers' mean rating (when there are ratings) -- Welch t.
    ``sentiment``            mean of customers' mean sentiment (when present) -- Welch t.
    ``reached:<stage>``      share of customers with any event at that stage (``funnel=True``;
                             stages after the first, up to 62 stages) -- chi-square.

    Ratings and sentiment missing from ``features`` are read per customer from ``con`` if the
    events have those columns (sentiment may be scored after the features were computed). Tests
    use scipy (``chi2_contingency(correction=False)``, ``ttest_ind(equal_var=False)``,
    ``mannwhitneyu``); all p-values of the table are adjusted together with Benjamini-Hochberg.
    A test that cannot be run (no variation, too few customers) gives NaN p-values and a
    ``note`` (``NO_VARIATION``, ``TOO_FEW``, ``ZERO_VARIANCE``, ``NO_REST``), never an error.

    Returns
    -------
    Tidy DataFrame: ``segment, segment_name, kpi, value, rest_value, n, rest_n, test, p_value,
    p_adjusted, significant, note``.
    """
    lab = _labels_array(features, labels)
    names = dict(names or {})
    stage_order = [str(s) for s in stage_order]
    n = len(features)
    ids = _customer_ids(features)
    spark = engine.is_spark(con)
    if spark:
        from .spark import features as spark_features
        from .spark._common import check_table
        check_table(con, table)
    cols = set(con.columns() if spark else store.table_columns(con, table))
    q = store.quote_ident

    def col(name: str) -> np.ndarray | None:
        return features[name].to_numpy(dtype=float) if name in features.columns else None

    bought = _purchased(features)
    orders = col("orders") if "orders" in features.columns else np.zeros(n)
    revenue = col("revenue") if "revenue" in features.columns else np.zeros(n)
    aov = np.where(orders > 0, np.divide(revenue, np.where(orders > 0, orders, 1)), np.nan)
    per_customer: dict[str, np.ndarray] = {}
    for kpi, feat, src in (("csat", "mean_rating", "rating"), ("sentiment", "mean_sentiment", "sentiment")):
        if feat in features.columns:
            per_customer[kpi] = col(feat)
        elif src in cols:
            if spark:
                got = spark_features.customer_means(con, src)
            else:
                got = store.run(con, f"SELECT CAST({q('customer_id')} AS VARCHAR) AS customer_id, "
                                     f"avg(TRY_CAST({q(src)} AS DOUBLE)) AS v FROM {q(table)} "
                                     f"WHERE {q('customer_id')} IS NOT NULL GROUP BY 1")
            per_customer[kpi] = got.set_index("customer_id")["v"].reindex(ids.to_numpy()).to_numpy(dtype=float)
    reached: dict[str, np.ndarray] = {}
    funnel_stages = stage_order[:_MAX_FUNNEL_STAGES]
    if funnel and len(funnel_stages) > 1 and n:
        # One row per customer: a bit mask of the stages they have any event at.
        seg_frame = pd.DataFrame({"customer_id": ids.to_numpy(dtype=object), "i": np.arange(n)})
        if spark:   # masks of every customer, placed by id (customers not in the features drop out)
            sm = spark_features.stage_masks(con, funnel_stages)
            at = pd.Series(np.arange(n), index=ids.to_numpy(dtype=object)).reindex(sm["customer_id"].to_numpy())
            keep = at.notna().to_numpy()
            got = pd.DataFrame({"i": at.to_numpy()[keep].astype(np.int64),
                                "mask": sm["mask"].to_numpy()[keep].astype(np.int64)})
        else:
            got = store.run(con, f"SELECT s.i, bit_or(CAST(1 AS BIGINT) << (list_position($stages, "
                                 f"CAST(e.{q('stage')} AS VARCHAR)) - 1)) AS mask "
                                 f"FROM {q(table)} e JOIN seg_frame s "
                                 f"ON CAST(e.{q('customer_id')} AS VARCHAR) = s.customer_id "
                                 f"WHERE list_contains($stages, CAST(e.{q('stage')} AS VARCHAR)) GROUP BY s.i",
                            {"stages": funnel_stages}, seg_frame=seg_frame)
        mask = np.zeros(n, dtype=np.int64)
        mask[got["i"].to_numpy(dtype=np.int64)] = got["mask"].to_numpy(dtype=np.int64)
        for pos, st in enumerate(funnel_stages[1:], start=1):
            reached[st] = (mask >> pos) & 1 == 1

    rows = []
    for seg in np.unique(lab):
        m = lab == seg
        rest = ~m
        name = names.get(int(seg), f"Segment {int(seg)}")

        def add(kpi, test, x, y, value, rest_value, fn):
            p, note = fn(x, y)
            rows.append({"segment": int(seg), "segment_name": name, "kpi": kpi, "value": value,
                         "rest_value": rest_value, "n": int(len(x) if fn is _rate_test else np.sum(~np.isnan(x))),
                         "rest_n": int(len(y) if fn is _rate_test else np.sum(~np.isnan(y))),
                         "test": test, "p_value": p, "note": note})

        def rate(v, mask):
            return float(v[mask].mean()) if mask.any() else float("nan")

        add("conversion_rate", "chi2", bought[m], bought[rest], rate(bought, m), rate(bought, rest), _rate_test)
        add("aov", "welch_t", aov[m], aov[rest], _mean(aov[m]), _mean(aov[rest]), _mean_test)
        rep = orders >= 2
        add("retention_rate", "chi2", rep[m], rep[rest], rate(rep, m), rate(rep, rest), _rate_test)
        for kpi, v in per_customer.items():
            add(kpi, "welch_t", v[m], v[rest], _mean(v[m]), _mean(v[rest]), _mean_test)
        add("revenue_per_customer", "mann_whitney_u", revenue[m], revenue[rest],
            _mean(revenue[m]), _mean(revenue[rest]), _rank_test)
        for st, hit in reached.items():
            add(f"reached:{st}", "chi2", hit[m], hit[rest], rate(hit, m), rate(hit, rest), _rate_test)

    out = pd.DataFrame(rows, columns=["segment", "segment_name", "kpi", "value", "rest_value", "n", "rest_n",
                                      "test", "p_value", "note"])
    out["p_adjusted"] = bh_adjust(out["p_value"].to_numpy(dtype=float)) if len(out) else []
    out["significant"] = (out["p_adjusted"] < alpha).fillna(False).astype(bool)
    return out[["segment", "segment_name", "kpi", "value", "rest_value", "n", "rest_n", "test",
                "p_value", "p_adjusted", "significant", "note"]]


# ---------------------------------------------------------------------- projection and export

def projection(features: pd.DataFrame, pipeline: Pipeline, *, labels=None, max_points: int = 5_000,
               random_state: int = 0) -> pd.DataFrame:
    """2-D PCA coordinates of (a deterministic sample of) customers, for a scatter plot.

    The customers are put through the pipeline's preprocessing and scaling (all steps but
    the last), so the picture shows the space the clusters were found in.

    Returns
    -------
    DataFrame ``customer_id, pc1, pc2, segment`` (at most ``max_points`` rows, in feature
    order); ``attrs["explained_variance_ratio"]`` holds the two components' shares.
    ``segment`` comes from ``labels`` if given, else from ``pipeline.predict``.
    """
    n = len(features)
    if n > max_points:
        idx = np.sort(np.random.default_rng(random_state).choice(n, size=max_points, replace=False))
    else:
        idx = np.arange(n)
    sub = features.iloc[idx]
    cols = _pipeline_columns(pipeline)
    sub_x = sub[cols] if cols is not None else sub
    Z = np.asarray(pipeline[:-1].transform(sub_x), dtype=float)
    n_comp = max(1, min(2, Z.shape[1], len(Z)))
    if len(Z) >= 2:
        pca = PCA(n_components=n_comp, random_state=random_state)
        P = pca.fit_transform(Z)
        evr = [float(v) for v in pca.explained_variance_ratio_]
    else:
        P, evr = np.zeros((len(Z), n_comp)), [float("nan")] * n_comp
    if P.shape[1] < 2:
        P = np.column_stack([P, np.zeros(len(P))])
        evr = evr + [0.0]
    seg = _labels_array(features, labels)[idx] if labels is not None else pipeline.predict(sub_x)
    out = pd.DataFrame({"customer_id": _customer_ids(features).iloc[idx].to_numpy(dtype=object),
                        "pc1": P[:, 0], "pc2": P[:, 1], "segment": np.asarray(seg, dtype=np.int64)})
    out.attrs["explained_variance_ratio"] = evr
    return out


def _pipeline_columns(pipeline: Pipeline) -> list[str] | None:
    first = pipeline.steps[0][1]
    names = getattr(first, "feature_names_in_", None)
    return list(names) if names is not None else None


def segment_labels_table(features: pd.DataFrame, labels, names: Mapping[int, str]) -> pd.DataFrame:
    """``customer_id, segment, segment_name`` for every customer (CSV export, CRM upload)."""
    lab = _labels_array(features, labels)
    names = dict(names or {})
    return pd.DataFrame({
        "customer_id": _customer_ids(features).to_numpy(dtype=object),
        "segment": lab,
        "segment_name": [names.get(int(s), f"Segment {int(s)}") for s in lab],
    })


def register_segments(con, labels_df: pd.DataFrame, *, table: str = _SEGMENTS_TABLE,
                      events_view: str | None = "events_segmented", events: str = "events") -> None:
    """Store segments in DuckDB so other analyses can break down by them.

    Creates (or replaces) table ``customer_segments(customer_id VARCHAR, segment INTEGER,
    segment_name VARCHAR)`` from a :func:`segment_labels_table` frame (``segment`` is optional),
    and, unless ``events_view`` is None, a view ``events_segmented`` = the events with a
    ``segment_name`` column (NULL for customers without a segment) for breakdowns::

        SELECT segment_name, count(DISTINCT customer_id) FROM events_segmented GROUP BY 1
    """
    if engine.is_spark(con):
        raise SegmentError.one("Registering segments as a table is DuckDB-only",
                               "On Spark, join segment_labels_table() to the events yourself, or open "
                               "the dataset with DuckDB for segment breakdowns.")
    missing = [c for c in ("customer_id", "segment_name") if c not in labels_df.columns]
    if missing:
        raise SegmentError.one(f"labels_df has no column(s) {missing}",
                               "Pass the frame from segment_labels_table().")
    q = store.quote_ident
    seg = "CAST(segment AS INTEGER)" if "segment" in labels_df.columns else "CAST(NULL AS INTEGER)"
    frame = labels_df[[c for c in ("customer_id", "segment", "segment_name") if c in labels_df.columns]]
    store.run(con, f"CREATE OR REPLACE TABLE {q(table)} AS SELECT CAST(customer_id AS VARCHAR) AS customer_id, "
                   f"{seg} AS segment, CAST(segment_name AS VARCHAR) AS segment_name FROM seg_labels",
              seg_labels=frame)
    if events_view:
        ev_cols = store.table_columns(con, events)
        keep = ", ".join(f"e.{q(c)}" for c in ev_cols if c not in ("segment", "segment_name"))
        store.run(con, f"CREATE OR REPLACE VIEW {q(events_view)} AS SELECT {keep}, s.segment, s.segment_name "
                       f"FROM {q(events)} e LEFT JOIN {q(table)} s "
                       f"ON CAST(e.{q('customer_id')} AS VARCHAR) = s.customer_id")


# ---------------------------------------------------------------------- result

def _json_value(v):
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (Integral, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


@dataclass(frozen=True, eq=False)
class SegmentResult:
    """Everything a segments page or report needs, computed once.

    ``labels`` is a Series (index ``customer_id``, name ``segment``); ``names`` maps
    segment -> name; ``pipeline`` is the fitted scikit-learn pipeline (for
    :func:`projection` and scoring new customers).
    """

    features: pd.DataFrame
    labels: pd.Series
    k: int
    silhouette: dict
    stability: float
    profile: pd.DataFrame
    names: dict
    pipeline: Any = None
    feature_names: tuple = ()
    stage_order: tuple = ()

    def with_names(self, overrides: Mapping[Any, str] | None) -> "SegmentResult":
        """The same segments named again with the user's ``overrides`` (label -> name)."""
        return replace(self, names=name_segments(self.profile, overrides))

    def labels_table(self) -> pd.DataFrame:
        return segment_labels_table(self.features, self.labels, self.names)

    def to_json(self) -> dict:
        """A JSON-ready dict (no NaN; ``json.dumps(..., allow_nan=False)`` works).

        Stable keys: ``k``, ``silhouette`` ({"k": score}), ``stability``, ``segments`` (list of
        ``{"segment", "name", "size", "share", "revenue_share", "profile": {...}}``), plus
        ``features`` (the clustered features).
        """
        segs = []
        for s, row in self.profile.iterrows():
            segs.append({
                "segment": int(s),
                "name": self.names.get(int(s), f"Segment {int(s)}"),
                "size": int(row["size"]),
                "share": _json_value(row["share"]),
                "revenue_share": _json_value(row["revenue_share"]),
                "profile": {str(c): _json_value(row[c]) for c in self.profile.columns
                            if c not in ("size", "share", "revenue_share")},
            })
        out = {
            "k": int(self.k),
            "silhouette": {str(k): _json_value(v) for k, v in sorted(self.silhouette.items())},
            "stability": _json_value(self.stability),
            "features": [str(f) for f in self.feature_names],
            "segments": segs,
        }
        json.dumps(out, allow_nan=False)   # guard the contract
        return out


def segment_customers(con, *, stage_order: Sequence[str], n_clusters="auto", random_state=0,
                      k_range=(2, 10), features: Sequence[str] | None = None,
                      names: Mapping[Any, str] | None = None, extra_numeric: Sequence[str] = (),
                      purchase_stages: Sequence[str] = ("purchase", "loyalty"),
                      sample_size: int = 10_000, minibatch_threshold: int = 100_000,
                      n_stability_runs: int = 5, table: str = "events") -> SegmentResult:
    """Features -> clustering -> profile -> names, in one call (see the module docstring).

    ``names`` are the user's overrides (segment label -> name).
    """
    feats = customer_features(con, stage_order=stage_order, extra_numeric=extra_numeric,
                              purchase_stages=purchase_stages, table=table)
    seg = Segmenter(n_clusters, k_range=k_range, features=features, random_state=random_state,
                    sample_size=sample_size, minibatch_threshold=minibatch_threshold,
                    n_stability_runs=n_stability_runs).fit(feats)
    labels = pd.Series(seg.labels_, index=feats.index, name="segment")
    profile = profile_segments(feats, labels, stage_order=stage_order)
    return SegmentResult(
        features=feats, labels=labels, k=seg.k_, silhouette=dict(seg.silhouette_), stability=seg.stability_,
        profile=profile, names=name_segments(profile, names), pipeline=seg.pipeline_,
        feature_names=tuple(str(f) for f in seg.feature_names_), stage_order=tuple(stage_order),
    )
