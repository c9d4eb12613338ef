"""cj.journey: the journey map's numbers against independent pandas computations on small,
hand-made data (every definition of the module docstring, one test each)."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from cj import funnel, journey, sentiment, store
from cj.errors import ParameterError

STAGES = ["a", "b", "c", "d"]
T0 = pd.Timestamp("2026-01-05")


def _events(seed: int = 7, n_customers: int = 400) -> pd.DataFrame:
    """Random journeys: customers start at a, move on with falling chances, sometimes go back,
    with touchpoints per event, a device per customer, ratings and an A/B arm at stage b."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_customers):
        cid = f"c{i:04d}"
        device = ["mobile", "desktop", "tablet"][rng.choice(3, p=[0.5, 0.35, 0.15])]
        arm = "A" if i % 2 else "B"
        t = T0 + pd.Timedelta(seconds=int(rng.integers(0, 70 * 86400)))
        depth = 1 + int(rng.binomial(3, 0.55 if device != "mobile" else 0.4))
        session = 0
        for k in range(depth):
            for _ in range(int(rng.integers(1, 3))):
                t += pd.Timedelta(seconds=int(rng.integers(0, 3 * 86400)))
                if rng.random() < 0.3:
                    session += 1
                rec = {"customer_id": cid, "timestamp": t, "stage": STAGES[k],
                       "touchpoint": ["web", "email", "store"][rng.choice(3, p=[0.6, 0.25, 0.15])],
                       "device": device, "session_id": f"{cid}-s{session}",
                       "rating": float(rng.integers(1, 6)) if rng.random() < 0.3 else np.nan,
                       "variant": arm if k >= 1 else None}
                rows.append(rec)
            if rng.random() < 0.1 and k:          # a step back to the previous stage
                t += pd.Timedelta(hours=2)
                rows.append({**rows[-1], "timestamp": t, "stage": STAGES[k - 1]})
    df = pd.DataFrame(rows)
    # same-timestamp ties across stages, and an event at a stage outside the order
    tie = df.iloc[5].copy()
    tie["stage"] = "b"
    extra = df.iloc[6].copy()
    extra["stage"] = "zz"
    df = pd.concat([df, tie.to_frame().T, extra.to_frame().T], ignore_index=True)
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["rating"] = pd.to_numeric(df["rating"])
    return df


def _load(con, df: pd.DataFrame) -> None:
    store.run(con, "CREATE OR REPLACE TABLE events AS SELECT * FROM src", src=df)


@pytest.fixture(scope="module")
def data():
    return _events()


@pytest.fixture
def dcon(data):
    c = store.connect()
    _load(c, data)
    yield c
    c.close()


# ------------------------------------------------------------------ independent references

def ref_ordered(df: pd.DataFrame, stages, unit=("customer_id",)) -> list[int]:
    """Greedy earliest path (exact for an ordered funnel without a window)."""
    t = df[df["stage"] == stages[0]].groupby(list(unit))["timestamp"].min()
    out = [len(t)]
    for s in stages[1:]:
        ev = df[df["stage"] == s].set_index(list(unit))["timestamp"]
        j = ev.to_frame("ts").join(t.rename("prev"), how="inner")
        t = j[j["ts"] >= j["prev"]].groupby(level=list(range(len(unit))))["ts"].min()
        out.append(len(t))
    return out


def ref_transitions(df, stages, *, by=None, window=None, mode="ordered", unit=("customer_id",)):
    """Per transition (and group): units entering the stage, converted, median time in stage.

    Vectorised differently from the SQL: a stage-(k+1) event is matched to the nearest stage-k
    event before it (``merge_asof``; or on either side, unordered)."""
    unit = list(unit)
    out = []
    for k in range(len(stages) - 1):
        a = df[df["stage"] == stages[k]].sort_values(["timestamp"] + ([by] if by else []))
        b = df[df["stage"] == stages[k + 1]]
        first = a.groupby(unit, sort=False).head(1).set_index(unit)       # entry event (ties: smallest value)
        t0 = first["timestamp"].rename("t0")
        bb = b[unit + ["timestamp"]].join(t0, on=unit, how="inner")
        if mode == "ordered" and window is None:
            conv = bb[bb["timestamp"] >= bb["t0"]].groupby(unit).size() > 0
        elif mode == "unordered" and window is None:
            conv = bb.groupby(unit).size() > 0
        else:
            m = pd.merge_asof(bb.sort_values("timestamp"), a[unit + ["timestamp"]].rename(
                columns={"timestamp": "ta"}).sort_values("ta"), left_on="timestamp", right_on="ta", by=unit,
                direction="backward" if mode == "ordered" else "nearest")
            ok = m["ta"].notna() & ((m["timestamp"] - m["ta"]).abs() <= window)
            conv = m[ok].groupby(unit).size() > 0
        after = bb[bb["timestamp"] >= bb["t0"]].groupby(unit)["timestamp"].min()
        r = pd.DataFrame({"t0": t0})
        r["converted"] = conv.reindex(r.index, fill_value=False).astype(bool)
        r["sec"] = ((after.reindex(r.index) - r["t0"]).dt.total_seconds()).where(r["converted"])
        if by:
            r["group"] = first[by].astype(object).where(first[by].notna(), journey.MISSING).astype(str)
        else:
            r["group"] = ""
        g = r.groupby("group").agg(units=("converted", "size"), converted=("converted", "sum"),
                                   median_seconds=("sec", "median")).reset_index()
        g.insert(0, "stage", stages[k])
        out.append(g)
    return pd.concat(out, ignore_index=True)


# ------------------------------------------------------------------ tests

def test_reach_and_ordered_conversion(dcon, data):
    jm = journey.journey_map(dcon, stage_order=STAGES, grain=None)
    st = jm.stages
    assert list(st["stage"]) == STAGES and list(st["position"]) == [1, 2, 3, 4]
    reach = [data.loc[data["stage"] == s, "customer_id"].nunique() for s in STAGES]
    assert list(st["customers"]) == reach
    ordered = ref_ordered(data, STAGES)
    assert list(st["customers_ordered"]) == ordered
    for k in range(3):
        assert st["conversion_to_next"].iloc[k] == pytest.approx(ordered[k + 1] / ordered[k])
        assert st["lost_to_next"].iloc[k] == ordered[k] - ordered[k + 1]
    assert pd.isna(st["conversion_to_next"].iloc[3]) and st["next_stage"].isna().iloc[3]


def test_transitions_time_in_stage_and_groups(dcon, data):
    jm = journey.journey_map(dcon, stage_order=STAGES, dims=["device", "touchpoint"], grain=None)
    got = jm.transitions
    for by in (None, "device", "touchpoint"):
        ref = ref_transitions(data, STAGES, by=by)
        part = got[got["dim"] == (by or "")]
        m = ref.merge(part, on=["stage", "group"], suffixes=("_ref", ""), how="outer", indicator=True)
        assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
        assert (m["units_ref"] == m["units"]).all()
        assert (m["converted_ref"] == m["converted"]).all()
        assert np.allclose(m["median_seconds_ref"], m["median_seconds"], equal_nan=True)
    # the map's time in stage is the all-units median of the transitions
    overall = got[got["dim"] == ""].set_index("stage")["median_seconds"]
    in_stage = jm.stages.set_index("stage")["median_seconds_in_stage"]
    assert np.allclose(in_stage.loc[STAGES[:-1]], overall.loc[STAGES[:-1]])


def test_window_and_unordered_mode(dcon, data):
    w = timedelta(days=1)
    for mode in ("ordered", "unordered"):
        got = journey.stage_transitions(dcon, stage_order=STAGES, window=w, mode=mode)
        ref = ref_transitions(data, STAGES, window=pd.Timedelta(w), mode=mode)
        assert list(got["converted"]) == list(ref["converted"]), mode
        assert list(got["units"]) == list(ref["units"])
    got = journey.stage_transitions(dcon, stage_order=STAGES, mode="unordered")
    ref = ref_transitions(data, STAGES, mode="unordered")
    assert list(got["converted"]) == list(ref["converted"])


def test_per_session(dcon, data):
    jm = journey.journey_map(dcon, stage_order=STAGES, per="session", dims=[], grain=None)
    unit = ("customer_id", "session_id")
    assert list(jm.stages["customers"]) == [data.loc[data["stage"] == s, list(unit)].drop_duplicates().shape[0]
                                            for s in STAGES]
    assert list(jm.stages["customers_ordered"]) == ref_ordered(data, STAGES, unit=unit)
    ref = ref_transitions(data, STAGES, unit=unit)
    assert list(jm.transitions["converted"]) == list(ref["converted"])
    assert jm.unit == "sessions"


def test_trend_matches_conversion_trend(dcon):
    """The period rows agree with cj.funnel.conversion_trend of each two-stage funnel."""
    jm = journey.journey_map(dcon, stage_order=STAGES, dims=["device"], grain="week")
    for k in range(3):
        ref = funnel.conversion_trend(dcon, [STAGES[k], STAGES[k + 1]], grain="week", window=None)
        got = jm.trend[(jm.trend["stage"] == STAGES[k]) & (jm.trend["dim"] == "")].sort_values("period")
        assert list(pd.to_datetime(got["period"])) == list(pd.to_datetime(ref["period"]))
        assert list(got["units"]) == list(ref["customers"])
        assert list(got["converted"]) == list(ref["converted"])
    # groups add up to all units in every period
    by = jm.trend.groupby(["stage", "period", "dim"])["units"].sum().unstack("dim")
    assert (by["device"] == by[""]).all()


def test_touchpoints_share_and_conversion(dcon, data):
    jm = journey.journey_map(dcon, stage_order=STAGES, grain=None)
    tp = jm.touchpoints
    counts = data[data["stage"].isin(STAGES)].groupby(["stage", "touchpoint"]).size()
    for r in tp.itertuples(index=False):
        assert r.events == counts[(r.stage, r.touchpoint)]
        assert r.share == pytest.approx(counts[(r.stage, r.touchpoint)] / counts[r.stage].sum())
    ref = ref_transitions(data, STAGES, by="touchpoint").set_index(["stage", "group"])
    for r in tp[tp["stage"] != "d"].itertuples(index=False):
        assert r.units == ref.loc[(r.stage, r.touchpoint), "units"]
        assert r.conversion == pytest.approx(ref.loc[(r.stage, r.touchpoint), "converted"] / r.units)
    assert tp[tp["stage"] == "d"]["conversion"].isna().all()       # no next stage
    top = tp.groupby("stage").head(1).set_index("stage")["touchpoint"]
    assert list(jm.stages.set_index("stage")["top_touchpoint"].loc[STAGES]) == list(top.loc[STAGES])


def test_emotion_from_sentiment_by(dcon, data):
    jm = journey.journey_map(dcon, stage_order=STAGES, grain=None)
    ref = sentiment.sentiment_by(dcon, stage_order=STAGES).set_index("stage")
    st = jm.stages.set_index("stage")
    for s in STAGES:
        # independent: ratings 1..5 mapped linearly onto -1..1
        r = data.loc[(data["stage"] == s) & data["rating"].notna(), "rating"]
        assert st.loc[s, "mean_sentiment"] == pytest.approx(((r - 1) / 2 - 1).mean())
        assert st.loc[s, "mean_sentiment"] == pytest.approx(ref.loc[s, "mean"])
        assert st.loc[s, "share_negative"] == pytest.approx(((r - 1) / 2 - 1 < -0.05).mean())
        assert st.loc[s, "mean_rating"] == pytest.approx(r.mean())
    assert list(jm.emotion["stage"]) == STAGES        # the stage outside the order is not on the curve


def test_best_and_worst_segment_from_segment_column(data):
    df = data.copy()
    df["segment"] = np.where(df["device"] == "mobile", "Mobile folk", "Others")
    con = store.connect()
    _load(con, df)
    jm = journey.journey_map(con, stage_order=STAGES, grain=None, min_group=10)
    ref = ref_transitions(df, STAGES, by="segment")
    ref["conversion"] = ref["converted"] / ref["units"]
    for s in STAGES[:-1]:
        r = ref[ref["stage"] == s].sort_values("conversion")
        row = jm.stage_row(s)
        assert row["worst_segment"] == r["group"].iloc[0] and row["best_segment"] == r["group"].iloc[-1]
        assert row["best_segment_conversion"] == pytest.approx(r["conversion"].iloc[-1])
        assert row["worst_segment_units"] == r["units"].iloc[0]
    assert set(jm.segments["segment"]) == {"Mobile folk", "Others"}


def test_segment_labels_frame_is_a_dimension(dcon, data):
    labels = pd.DataFrame({"customer_id": data["customer_id"].unique()})
    labels["segment_name"] = np.where(labels["customer_id"].str[-1].isin(list("01234")), "Low", "High")
    jm = journey.journey_map(dcon, stage_order=STAGES, grain=None, segment_labels=labels, min_group=10)
    assert "segment" in jm.params["dims"]
    df = data.merge(labels.rename(columns={"segment_name": "segment"}), on="customer_id")
    ref = ref_transitions(df, STAGES, by="segment").set_index(["stage", "group"])
    got = jm.segments.set_index(["stage", "segment"])
    assert got["units"].to_dict() == ref["units"].to_dict()
    assert got["converted"].to_dict() == ref["converted"].astype("int64").to_dict()


def test_experiments_significance_is_holm(dcon):
    jm = journey.journey_map(dcon, stage_order=STAGES, grain=None)
    ex = jm.experiments
    assert set(ex["experiment"]) == {"experiment"} and set(ex["control"]) == {"A"}
    treat = ex[ex["variant"] == "B"]
    assert (treat["significant"] == ((treat["p_value_holm"] < 0.05) & treat["error"].isna())).all()
    assert list(jm.stages["significant_lifts"]) == [int(treat[treat["stage"] == s]["significant"].sum())
                                                     for s in STAGES]


def test_degrades_without_optional_columns():
    df = _events(n_customers=60)[["customer_id", "timestamp", "stage"]]
    con = store.connect()
    _load(con, df)
    jm = journey.journey_map(con, stage_order=STAGES)
    assert jm.touchpoints.empty and jm.emotion.empty and jm.pain_points.empty
    assert jm.experiments.empty and jm.segments.empty
    assert jm.stages["mean_sentiment"].isna().all() and jm.stages["top_touchpoint"].isna().all()
    assert any("touchpoint" in n for n in jm.notes) and any("emotion" in n for n in jm.notes)
    assert jm.to_json()["stages"][0]["stage"] == "a"


def test_stage_without_events_counts_zero(dcon, data):
    jm = journey.journey_map(dcon, stage_order=["a", "b", "nowhere", "c"], grain=None)
    st = jm.stages.set_index("stage")
    assert st.loc["nowhere", "customers"] == 0 and st.loc["c", "customers_ordered"] == 0
    assert st.loc["b", "lost_to_next"] == st.loc["b", "customers_ordered"]
    assert st.loc["c", "customers"] == data.loc[data["stage"] == "c", "customer_id"].nunique()
    assert any("nowhere" in n for n in jm.notes)


@pytest.mark.parametrize("kwargs,needle", [
    ({"stage_order": []}, "No stages"),
    ({"stage_order": ["a", "b", "a"]}, "listed twice"),
    ({"stage_order": STAGES, "dims": ["nope"]}, "'nope'"),
    ({"stage_order": STAGES, "mode": "strict"}, "mode='strict'"),
    ({"stage_order": STAGES, "per": "visit"}, "per='visit'"),
])
def test_bad_requests_raise_parameter_error(dcon, kwargs, needle):
    with pytest.raises(ParameterError) as err:
        journey.journey_map(dcon, **kwargs)
    assert needle in err.value.message


def test_breakdown_columns_skip_ids_measures_and_many_valued(dcon):
    cols = journey.breakdown_columns(dcon)
    assert cols[0] == "touchpoint" and "device" in cols
    assert not {"customer_id", "session_id", "rating", "variant", "timestamp"} & set(cols)
    assert "device" not in journey.breakdown_columns(dcon, max_groups=2)


# ------------------------------------------------------------------ the two SQL forms agree
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

_EVENT = hs.tuples(hs.integers(0, 5), hs.integers(0, 6), hs.sampled_from(STAGES + ["zz"]),
                   hs.sampled_from(["web", "email", None]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=hs.lists(_EVENT, min_size=1, max_size=40), mode=hs.sampled_from(["ordered", "unordered"]))
def test_grouped_form_equals_window_form(events, mode):
    """Without a window, stage_transitions takes a grouped form (first entry, then one join); with a
    window, the window-function form. A window longer than any gap must give the same table, and both
    must match the pandas reference, on tiny journeys full of same-second ties and missing groups.
    (Seen to fail when the grouped form compared ``n.ts > f.t0``: a next-stage event at the very second
    of the entry was not counted.)"""
    df = pd.DataFrame(events, columns=["c", "minute", "stage", "touchpoint"])
    df = pd.DataFrame({"customer_id": "c" + df["c"].astype(str),
                       "timestamp": T0 + pd.to_timedelta(df["minute"], unit="min"),
                       "stage": df["stage"], "touchpoint": df["touchpoint"].astype(object)})
    con = store.connect()
    try:
        _load(con, df)
        plain = journey.stage_transitions(con, stage_order=STAGES, dims=["touchpoint"], mode=mode)
        windowed = journey.stage_transitions(con, stage_order=STAGES, dims=["touchpoint"], mode=mode,
                                             window=timedelta(days=3650))
    finally:
        con.close()
    pd.testing.assert_frame_equal(plain, windowed)
    # brute force, one customer and one transition at a time
    want = []
    for k in range(len(STAGES) - 1):
        for _, ev in df.groupby("customer_id"):
            here = ev[ev["stage"] == STAGES[k]]
            if here.empty:
                continue
            t0 = here["timestamp"].min()
            vals = sorted(v for v in here.loc[here["timestamp"] == t0, "touchpoint"] if pd.notna(v))
            nxt = ev.loc[ev["stage"] == STAGES[k + 1], "timestamp"]
            conv = bool((nxt >= t0).any()) if mode == "ordered" else not nxt.empty
            want.append((STAGES[k], vals[0] if vals else journey.MISSING, conv))
    for by in (None, "touchpoint"):
        ref = pd.DataFrame(want, columns=["stage", "group", "conv"])
        if by is None:
            ref["group"] = ""
        ref = ref.groupby(["stage", "group"]).agg(units=("conv", "size"), converted=("conv", "sum")).reset_index()
        part = plain[plain["dim"] == (by or "")]
        assert sorted(zip(part["stage"], part["group"], part["units"], part["converted"])) == \
            sorted(zip(ref["stage"], ref["group"], ref["units"], ref["converted"])), by
