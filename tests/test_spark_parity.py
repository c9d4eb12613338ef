"""Spark parity: segments, A/B statistics, sentiment and the quality report give the same numbers on
Spark as on DuckDB (DESIGN.md, "Scale path").

Each engine computes independently from the same events Parquet: the bundled sample (planted
personas, an A/B test, feedback texts and ratings) and the shared clickstream (no stages for
most events, no experiment, duplicates). Counts must be equal; floats equal to 1e-9 relative
for per-customer features (sums of doubles in another order) and 1e-12 for A/B statistics and
sentiment aggregates. Results are computed once per module (Spark jobs are slow to start).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from conftest import ECOM

from cj import abtest, engine, ingest, segments, sentiment, store
from cj.errors import ParameterError

STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]
NOW = datetime(2026, 3, 1)      # inside the sample's half year: some events are "in the future"


class Dataset:
    """One events Parquet opened on both engines."""

    def __init__(self, path, spark, stage_order):
        self.path = str(path)
        self.con = store.connect()
        store.execute(self.con, f"CREATE VIEW events AS SELECT * FROM read_parquet({store.quote_literal(self.path)})")
        self.spark = engine.SparkEvents(spark, self.path)
        self.stage_order = stage_order

    def both(self, fn, *args, **kwargs):
        return fn(self.con, *args, **kwargs), fn(self.spark, *args, **kwargs)


@pytest.fixture(scope="module")
def sample(spark, _sample_workspace_template):
    ws = store.Workspace(_sample_workspace_template)
    ds = Dataset(ws.events_path(store.SAMPLE_ID), spark, ws.meta(store.SAMPLE_ID).stage_order)
    yield ds
    ds.con.close()


@pytest.fixture(scope="module")
def ecom(spark, tmp_path_factory):
    if not ECOM.exists():
        pytest.skip(f"shared clickstream not present ({ECOM})")
    ws = store.Workspace(tmp_path_factory.mktemp("ecom") / "ws")
    meta, _ = ingest.ingest_to_workspace(ECOM, ws, name="ecom")
    ds = Dataset(ws.events_path(meta.id), spark, meta.stage_order)
    yield ds
    ds.con.close()


@pytest.fixture(scope="module", params=["sample", "ecom"])
def dataset(request):
    return request.getfixturevalue(request.param)


def assert_same(a, b, rel, path="result", abs_tol=0.0):
    """Equal JSON-like values: exact for everything but floats, floats to ``rel`` relative (and
    ``abs_tol`` absolute: a bound of an interval that straddles 0 is a difference of two larger
    numbers, so its *relative* error can be large while the inputs agree to 1e-16)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], rel, f"{path}.{k}", abs_tol)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{path}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, rel, f"{path}[{i}]", abs_tol)
    elif isinstance(a, float) and not isinstance(b, bool) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), f"{path}: {a!r} != {b!r}"
        else:
            assert a == pytest.approx(b, rel=rel, abs=abs_tol), f"{path}: {a!r} != {b!r}"
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} ({type(a).__name__}) != {b!r} ({type(b).__name__})"


def assert_frames_same(a: pd.DataFrame, b: pd.DataFrame, rel: float) -> None:
    assert list(a.columns) == list(b.columns)
    assert a.index.equals(b.index)
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    for c in a.columns:
        x, y = a[c], b[c]
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y.to_numpy(), x.to_numpy(), rtol=rel, atol=0, equal_nan=True, err_msg=c)
        elif x.dtype.kind in "iub":
            assert np.array_equal(x.to_numpy(), y.to_numpy()), c
        else:
            assert x.tolist() == y.tolist(), c


# ------------------------------------------------------------------ segments

@pytest.fixture(scope="module")
def segmented(dataset):
    """segment_customers on both engines (features included)."""
    return dataset.both(segments.segment_customers, stage_order=dataset.stage_order)


def test_customer_features_are_identical(segmented):
    duck, spark = segmented
    a, b = duck.features, spark.features
    assert len(a) > 500 and a.index.is_monotonic_increasing
    assert_frames_same(a, b, rel=1e-9)
    assert a.attrs["touchpoints"] == b.attrs["touchpoints"]
    # the features carry information (a parity of two empty or constant frames would prove nothing)
    assert a["events"].sum() > len(a) and a["recency_days"].nunique() > 100


def test_segments_are_identical(segmented):
    duck, spark = segmented
    assert duck.to_json() == spark.to_json()
    assert duck.labels.equals(spark.labels)
    assert duck.k >= 2


def test_compare_segments_is_identical(sample, segmented, request):
    if request.node.callspec.params["dataset"] != "sample":
        pytest.skip("one dataset is enough: the Spark part is two small queries")
    duck, _ = segmented
    # without mean_rating in the features, the per-customer ratings are read from the events
    feats = duck.features.drop(columns=["mean_rating"])
    a, b = sample.both(segments.compare_segments, feats, duck.labels, duck.names, stage_order=sample.stage_order)
    assert {"csat", "reached:purchase"} <= set(a["kpi"])
    assert_frames_same(a, b, rel=1e-12)


def test_register_segments_is_duckdb_only(sample):
    with pytest.raises(ParameterError, match="DuckDB-only"):
        segments.register_segments(sample.spark, pd.DataFrame({"customer_id": ["x"], "segment_name": ["y"]}))


# ------------------------------------------------------------------ A/B tests

AB_CASES = {
    "conversion": (abtest.conversion_test, dict(goal="purchase")),
    "conversion_7d": (abtest.conversion_test, dict(goal="purchase", window=timedelta(days=7))),
    "revenue": (abtest.metric_test, dict(metric="revenue")),
    "revenue_3d_srm": (abtest.metric_test, dict(metric="revenue", window=timedelta(days=3),
                                               weights={"A": 0.6, "B": 0.4})),
}


@pytest.fixture(scope="module")
def ab_results(sample):
    return {name: sample.both(fn, **kw) for name, (fn, kw) in AB_CASES.items()}


@pytest.mark.parametrize("case", list(AB_CASES))
def test_ab_statistics_are_identical(ab_results, case):
    duck, spark = ab_results[case]
    a, b = duck.to_json(), spark.to_json()
    # Counts are exact. Sums of doubles differ in the last bits: neither engine fixes the order of
    # summation (DuckDB's own revenue sums change in the 16th digit from run to run), and a lift is
    # a difference of two means, so it keeps fewer digits than the means. Statistics must agree to
    # 1e-12 relative, or to 1e-12 of the metric's scale (the largest variant mean or rate).
    scale = max(abs(v.get("mean") or v.get("rate") or 0.0) for v in a["variants"])
    assert_same(a, b, rel=1e-12, abs_tol=1e-12 * scale)
    assert [(v["customers"], v.get("conversions")) for v in a["variants"]] == \
        [(v["customers"], v.get("conversions")) for v in b["variants"]]
    assert sum(v["customers"] for v in a["variants"]) > 10_000
    assert a["comparisons"][0]["p_value"] is not None


def test_ab_srm_is_flagged_on_both(ab_results):
    duck, spark = ab_results["revenue_3d_srm"]
    assert duck.srm.srm_warning and spark.srm.srm_warning     # a 50/50 split tested against 60/40
    assert duck.srm.p_value == pytest.approx(spark.srm.p_value, rel=1e-12)


def test_ab_sufficient_statistics_are_identical(sample):
    a, b = sample.both(abtest.metric_stats, metric="events", window=timedelta(days=1))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (a["n"] > 0).all() and (a["sum_squares"] > a["sum"]).all()


def test_ab_without_experiment(ecom):
    assert ecom.both(abtest.experiments) == ([], [])
    with pytest.raises(ParameterError, match="No event carries a variant|no 'variant' column"):
        abtest.conversion_test(ecom.spark, goal="purchase")


def test_stage_lifts_is_duckdb_only(sample):
    with pytest.raises(ParameterError, match="DuckDB only"):
        abtest.stage_lifts(sample.spark, stages=STAGES)


# ------------------------------------------------------------------ sentiment

def test_score_feedback_counts_are_identical(sample):
    a, b = sample.both(sentiment.score_feedback, rescore=True)
    assert a == b and a["texts"] == a["scored"] > 100


@pytest.mark.parametrize("kw", [
    dict(by="stage", stage_order=STAGES),
    dict(by="touchpoint"),
    dict(by="stage", filters={"touchpoint": ["email", "website"], "device": "mobile"}),
], ids=["stage", "touchpoint", "filtered"])
def test_sentiment_by_is_identical(sample, kw):
    a, b = sample.both(sentiment.sentiment_by, **kw)
    assert_frames_same(a, b, rel=1e-12)
    assert a["n"].sum() > 1000 and a["n_texts"].sum() > 0
    assert set(a["source"].dropna()) >= {"text", "rating"}


def test_sentiment_by_without_feedback_is_identical(ecom):
    a, b = ecom.both(sentiment.sentiment_by, by="stage", stage_order=ecom.stage_order)
    assert_frames_same(a, b, rel=1e-12)
    assert (a["n"] == 0).all()


def test_pain_points_is_duckdb_only(sample):
    with pytest.raises(ParameterError, match="DuckDB only"):
        sentiment.pain_points(sample.spark, stage="consideration")


# ------------------------------------------------------------------ quality report

def _duckdb_report(path, now):
    con = store.connect()
    try:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            raw = ingest.read_raw(con, path, workdir=Path(tmp))
            return ingest.build_events(con, raw, dict(ingest.detect(con, raw).mapping), now=now).to_json()
    finally:
        ingest.cleanup(con)
        con.close()


@pytest.fixture(scope="module")
def dirty_parquet(sample, tmp_path_factory):
    """The sample with defects: missing and blank ids, missing timestamps, NaN/Inf numbers,
    unnormalised and unknown stage names, duplicated rows."""
    out = tmp_path_factory.mktemp("dirty") / "dirty.parquet"
    src = f"(SELECT * FROM read_parquet({store.quote_literal(sample.path)}) LIMIT {{n}})"
    store.execute(sample.con, f"""COPY (
        SELECT * FROM read_parquet({store.quote_literal(sample.path)})
        UNION ALL BY NAME SELECT * REPLACE (NULL AS customer_id) FROM {src.format(n=3)}
        UNION ALL BY NAME SELECT * REPLACE (' \t' AS customer_id) FROM {src.format(n=2)}
        UNION ALL BY NAME SELECT * REPLACE (NULL::TIMESTAMP AS timestamp) FROM {src.format(n=4)}
        UNION ALL BY NAME SELECT * REPLACE ('nan'::DOUBLE AS revenue, ' Purchase ' AS stage) FROM {src.format(n=5)}
        UNION ALL BY NAME SELECT * REPLACE ('inf'::DOUBLE AS rating, 'Kauf' AS stage) FROM {src.format(n=6)}
        UNION ALL BY NAME SELECT * FROM {src.format(n=7)}
    ) TO {store.quote_literal(str(out))} (FORMAT parquet)""")
    return out


@pytest.mark.parametrize("which", ["sample", "ecom", "dirty"])
def test_quality_report_is_identical(request, spark, which):
    from cj.spark import quality

    path = request.getfixturevalue("dirty_parquet") if which == "dirty" else request.getfixturevalue(which).path
    a = _duckdb_report(path, NOW)
    b = quality.quality_report(engine.SparkEvents(spark, str(path)), now=NOW).to_json()
    assert a == b
    assert a["rows_usable"] > 30_000 and a["customers"] >= 600
    if which == "dirty":
        # 7 copied rows, plus the ' Purchase ' copy of the fifth row (a purchase): with the stage
        # normalised it repeats that row's customer, time, stage and event
        assert (a["missing_ids"], a["missing_timestamps"], a["duplicates"]) == (5, 4, 8)
        assert a["future_dates"] > 0 and "Kauf" in a["events_per_stage"]
        assert any("not numbers" in p for p in a["problems"])
    if which == "ecom":
        assert a["duplicates"] == 30
