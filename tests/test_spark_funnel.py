"""Funnels on Spark: identical numbers to DuckDB on the sample and on the third-party
clickstream, for every mode, window, unit, breakdown, filter and trend; and the
Spark engine alone against the brute-force reference of ``test_funnel.py``.

Each engine computes its numbers independently (DuckDB SQL vs Spark SQL over the
same Parquet file); only validation and the final Python post-processing are shared.
Spark jobs cost about a second each here, so the matrix covers every mode once per
window/unit rather than every combination.
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cj import engine, store
from cj import funnel as F
from cj.errors import ParameterError
from conftest import ECOM
from test_funnel import BASE, SETTINGS, TICK, load, present, reference, rows_st, steps_st, window_st

SAMPLE_STEPS = "awareness,interest,consideration,purchase"
INT_COLS = ("step_index", "customers", "dropped", "in_window")


@pytest.fixture(scope="module")
def full(spark, _sample_workspace_template):
    """(DuckDB connection, Spark source) over the ingested sample's one Parquet file (230k events)."""
    ws = store.Workspace(_sample_workspace_template)
    con = store.connect(threads=1)
    ws.open(con, store.SAMPLE_ID)
    yield con, engine.SparkEvents(spark, str(ws.events_path(store.SAMPLE_ID)))
    con.close()


@pytest.fixture(scope="module")
def sample(spark, full, tmp_path_factory):
    """The same for a fifth of the sample's customers (every column kept): the bulk of the matrix
    runs here, because Spark's cost per job grows with the data even at this size."""
    path = tmp_path_factory.mktemp("spark-sample") / "events.parquet"
    con = store.connect(threads=1)
    store.execute(con, "CREATE VIEW full_events AS SELECT * FROM read_parquet("
                  + store.quote_literal(full[1].path) + ")")
    store.execute(con, "COPY (SELECT * FROM full_events WHERE hash(customer_id) % 5 = 0) TO "
                  + store.quote_literal(str(path)) + " (FORMAT parquet)")
    store.execute(con, "CREATE VIEW events AS SELECT * FROM read_parquet(" + store.quote_literal(str(path)) + ")")
    yield con, engine.SparkEvents(spark, str(path))
    con.close()


def same_steps(a: pd.DataFrame, b: pd.DataFrame, ctx=""):
    """Identical frames: exact integers and labels, rates/medians to 1e-9 relative."""
    assert list(a.columns) == list(b.columns), ctx
    assert len(a) == len(b), ctx
    for col in a.columns:
        x, y = a[col], b[col]
        if col in INT_COLS or col in ("group", "step"):
            assert x.astype(object).where(x.notna(), None).tolist() == \
                y.astype(object).where(y.notna(), None).tolist(), f"{ctx} {col}"
        else:
            np.testing.assert_allclose(x.to_numpy(dtype=float), y.to_numpy(dtype=float), rtol=1e-9, atol=0,
                                       err_msg=f"{ctx} {col}")


def same_funnel(con, src, steps, ctx="", **kw):
    a, b = F.funnel(con, steps, **kw), F.funnel(src, steps, **kw)
    same_steps(a.steps, b.steps, f"{ctx} {kw}")
    assert a.params == b.params
    return a


def same_breakdown(con, src, steps, **kw):
    a, b = F.funnel_by(con, steps, **kw), F.funnel_by(src, steps, **kw)
    assert a.groups() == b.groups(), kw
    same_steps(a.steps, b.steps, str(kw))
    pd.testing.assert_frame_equal(a.tests, b.tests, check_dtype=False, rtol=1e-9)
    assert a.params == b.params
    return a


# ----------------------------------------------------------------------------- sample

def test_full_sample(full):
    """The whole sample: the default funnel, a breakdown and the weekly trend (every mode runs on
    the fifth below, where Spark jobs are cheaper)."""
    con, src = full
    r = same_funnel(con, src, SAMPLE_STEPS, window="30d")
    assert r.steps["customers"].iloc[0] == 20_000
    same_breakdown(con, src, SAMPLE_STEPS, by="device")
    a, b = F.conversion_trend(con, SAMPLE_STEPS), F.conversion_trend(src, SAMPLE_STEPS)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12)


@pytest.mark.parametrize("mode", F.MODES)
def test_sample_every_mode_and_window(sample, mode):
    con, src = sample
    res = {}
    for window in (None, "30d", timedelta(hours=1)):
        res[window] = same_funnel(con, src, SAMPLE_STEPS, mode=mode, window=window)
    if mode != "open":       # the one-hour window really binds (the test would catch a window ignored)
        assert res[None].steps["customers"].iloc[-1] > res[timedelta(hours=1)].steps["customers"].iloc[-1]
    if mode in ("ordered", "strict"):
        assert res[None].steps["median_seconds_from_start"].iloc[-1] > 0
    # per session, with an event-level funnel whose steps have alternatives
    same_funnel(con, src, "site_visit|ad_impression,add_to_cart,checkout_start|purchase", step_col="event", mode=mode,
                window="2h", per="session")


def test_sample_overlapping_steps_take_the_matching_engines(sample):
    """A value in several steps: DuckDB's general matching fold and its Spark twin; unordered
    with value groups; strict with repeated values."""
    con, src = sample
    steps = [["awareness", "interest"], ["interest"], ["interest", "purchase"], ["purchase"]]
    for mode, window in (("ordered", "30d"), ("ordered", None), ("unordered", "7d"), ("strict", None)):
        same_funnel(con, src, steps, mode=mode, window=window)


def test_sample_filters_and_breakdowns(sample):
    con, src = sample
    flt = {"device": ["mobile"], "country": ["GB", "US", None]}
    r = same_funnel(con, src, SAMPLE_STEPS, filters=flt)
    assert 0 < r.steps["customers"].iloc[0] < 0.5 * F.funnel(con, SAMPLE_STEPS).steps["customers"].iloc[0]
    b = same_breakdown(con, src, SAMPLE_STEPS, by="country", max_groups=2, mode="strict", window="1d",
                       per="session")
    assert "(other)" in b.groups()
    same_breakdown(con, src, SAMPLE_STEPS, by="touchpoint", mode="open", filters={"device": ["desktop"]})
    same_breakdown(con, src, SAMPLE_STEPS, by="variant", mode="unordered", window="3d")   # has (missing)
    # Filters that match nothing: zeros (and empty lookup tables in the matching engines), not errors.
    for mode, steps in (("ordered", [["awareness", "interest"], ["interest"]]), ("strict", SAMPLE_STEPS)):
        r = same_funnel(con, src, steps, mode=mode, filters={"session_id": ["nope"]})
        assert r.steps["customers"].tolist() == [0] * len(r.steps)


def test_sample_trend_and_time_to_convert(sample):
    con, src = sample
    for kw in (dict(grain="month", mode="open", to_step=2),
               dict(grain="day", mode="unordered", window="1d", per="session")):
        a, b = F.conversion_trend(con, SAMPLE_STEPS, **kw), F.conversion_trend(src, SAMPLE_STEPS, **kw)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12)
        assert a["period"].dtype == b["period"].dtype and len(a) > 1
    a = F.time_to_convert(con, SAMPLE_STEPS, mode="strict")
    b = F.time_to_convert(src, SAMPLE_STEPS, mode="strict")
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
    assert a["units"].sum() > 0


def test_validation_messages_match(sample):
    con, src = sample
    msgs = []
    for c in (con, src):
        with pytest.raises(ParameterError) as exc:
            F.funnel(c, "awarenes,purchase", filters={"devise": ["mobile"]})
        msgs.append([str(p) for p in exc.value.problems])
    assert msgs[0] == msgs[1] and any("Did you mean" in m for m in msgs[0])
    with pytest.raises(ParameterError):
        F.funnel(src, SAMPLE_STEPS, mode="zigzag")
    with pytest.raises(ParameterError, match="not available on the Spark engine"):
        F.top_paths(src, from_value="awareness", to_value="purchase")


# ---------------------------------------------------------------------- clickstream

ECOM_STEPS = ["catalog", "product_view", "add_to_cart", "cart", "shipping_details", "payment_details", "purchase"]


@pytest.fixture(scope="module")
def ecom(spark, tmp_path_factory):
    if not ECOM.exists():
        pytest.skip(f"{ECOM} is not available")
    from cj import ingest

    ws = store.Workspace(tmp_path_factory.mktemp("ecom") / "ws")
    meta, _ = ingest.ingest_to_workspace(ECOM, ws, name="ecom")
    con = store.connect(threads=1)
    ws.open(con, meta.id)
    yield con, engine.SparkEvents(spark, str(ws.events_path(meta.id)))
    con.close()


@pytest.mark.parametrize("per", ["customer", "session"])
def test_ecom_all_modes(ecom, per):
    con, src = ecom
    for mode, window in (("ordered", "30d"), ("ordered", None), ("strict", "1h"), ("unordered", "30m"),
                         ("open", None)):
        r = same_funnel(con, src, ECOM_STEPS, step_col="event", mode=mode, window=window, per=per)
        assert r.steps["customers"].iloc[-1] > 0


def test_ecom_breakdown_and_trend(ecom):
    con, src = ecom
    b = same_breakdown(con, src, ["cart", "shipping_details", "payment_details", "purchase"], step_col="event",
                       by="platform", per="session", mode="unordered", window=None)
    assert b.tests.set_index("step").loc["payment_details", "lowest_group"] == "mobile"   # the planted story
    a = F.conversion_trend(con, ECOM_STEPS, step_col="event", grain="week")
    s = F.conversion_trend(src, ECOM_STEPS, step_col="event", grain="week")
    pd.testing.assert_frame_equal(a, s, check_dtype=False, rtol=1e-12)


# ------------------------------------------------------------------------- hand-worked

def test_hand_worked_cases_on_spark(spark, tmp_path):
    """test_funnel.py's hand-worked tie, matching, window-edge and row-order cases, on Spark."""
    def spark_counts(rows, steps, columns=("customer_id", "session_id", "timestamp", "stage"), **kw):
        con = store.connect(threads=1)
        try:
            load(con, rows, columns)
            path = tmp_path / f"case{len(list(tmp_path.iterdir()))}.parquet"
            store.execute(con, f"COPY events TO {store.quote_literal(str(path))} (FORMAT parquet)")
            duck = F.funnel(con, steps, **kw).steps["customers"].tolist()
        finally:
            con.close()
        got = F.funnel(engine.SparkEvents(spark, str(path)), steps, **kw).steps["customers"].tolist()
        assert got == duck, (rows, steps, kw)
        return got

    # equal timestamps in any order; one event serves one step; a timestamp group needs matching
    assert spark_counts([("c1", "s", 5, "cart"), ("c1", "s", 5, "visit"), ("c1", "s", 6, "buy")],
                        "visit,cart,buy") == [1, 1, 1]
    assert spark_counts([("c1", "s", 0, "a"), ("c2", "s", 0, "a"), ("c2", "s", 0, "a"), ("c3", "s", 0, "b")],
                        [["a"], ["a", "b"]]) == [2, 1]
    assert spark_counts([("c1", "s", 0, "a"), ("c1", "s", 0, "b")], [["a", "b"], ["a"]]) == [1, 1]
    # the window edge is inclusive, to the microsecond
    t0 = BASE
    assert spark_counts([("c1", "s", t0, "visit"), ("c1", "s", t0 + timedelta(seconds=60), "buy"),
                         ("c2", "s", t0, "visit"), ("c2", "s", t0 + timedelta(seconds=60, microseconds=1), "buy")],
                        "visit,buy", window=timedelta(seconds=60)) == [2, 1]
    # strict: the file's row order (_row) breaks timestamp ties when present
    cols = ("customer_id", "session_id", "timestamp", "stage", "_row")
    rows = [("c1", "s", 0, "visit", 9), ("c1", "s", 0, "other", 10), ("c1", "s", 0, "buy", 11)]
    assert spark_counts(rows, "visit,buy", cols, mode="strict") == [1, 0]
    assert spark_counts(rows, "visit,other", cols, mode="strict") == [1, 1]


# ------------------------------------------------------------------------- reference

@settings(max_examples=15, **SETTINGS)
@given(rows=rows_st, steps=steps_st, w=window_st, mode=st.sampled_from(F.MODES),
       per=st.sampled_from(["customer", "session"]))
def test_spark_matches_brute_force(spark, tmp_path_factory, rows, steps, w, mode, per):
    rows = present(rows, steps)
    con = store.connect(threads=1)
    try:
        load(con, rows)
        path = tmp_path_factory.mktemp("hyp") / "events.parquet"
        store.execute(con, f"COPY events TO {store.quote_literal(str(path))} (FORMAT parquet)")
    finally:
        con.close()
    src = engine.SparkEvents(spark, str(path))
    got = F.funnel(src, steps, mode=mode, window=None if w is None else w * TICK, per=per).steps
    exp = reference(rows, steps, mode, w, per)
    ctx = f"mode={mode} per={per} w={w} steps={steps} rows={rows}"
    assert got["customers"].tolist() == exp["customers"], ctx
    if mode != "open":
        assert got["in_window"].tolist() == exp["in_window"], ctx
    if mode in ("ordered", "strict"):
        for col in ("median_seconds_from_start", "median_seconds_from_previous"):
            np.testing.assert_allclose(got[col].to_numpy(dtype=float), exp[col], rtol=1e-9, err_msg=ctx)
