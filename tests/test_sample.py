"""The seeded sample generator: contract, planted stories, bundled file, benchmark writer.

The story tests measure the stories from the events alone (as an analyst would), never
from the generator's internal sentiment labels; only persona shares and the clustering
check use the ``truth`` frame.
"""
from __future__ import annotations

import gzip
import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cj import sample

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FILE = ROOT / "data" / "sample_events.csv.gz"
START = pd.Timestamp("2026-01-01")
END = pd.Timestamp("2026-07-01")  # start + 6 months


@pytest.fixture(scope="module")
def generated():
    return sample.generate(20_000, seed=42)


@pytest.fixture(scope="module")
def events(generated):
    return generated[0]


@pytest.fixture(scope="module")
def truth(generated):
    return generated[1]


def _first(events, mask):
    return events[mask].groupby("customer_id").timestamp.min()


def _purchase_after(events, start_by_customer):
    """Per customer in ``start_by_customer``: did they purchase at or after that time?"""
    first_buy = _first(events, events.event == "purchase")
    bought = first_buy.reindex(start_by_customer.index)
    return bought.notna() & (bought >= start_by_customer)


# --------------------------------------------------------------------------- contract

def test_same_seed_same_output_and_other_seed_differs():
    a_events, a_truth = sample.generate(2_000, seed=7)
    b_events, b_truth = sample.generate(2_000, seed=7)
    pd.testing.assert_frame_equal(a_events, b_events)
    pd.testing.assert_frame_equal(a_truth, b_truth)
    c_events, _ = sample.generate(2_000, seed=8)
    assert not a_events.equals(c_events)


def test_columns_in_canonical_order_and_types(events, truth):
    assert list(events.columns) == list(sample.COLUMNS) == [
        "customer_id", "timestamp", "stage", "event", "touchpoint", "device", "country",
        "session_id", "experiment", "variant", "revenue", "rating", "feedback"]
    assert pd.api.types.is_datetime64_dtype(events.timestamp)
    assert events.timestamp.dt.tz is None
    assert pd.api.types.is_float_dtype(events.revenue) and pd.api.types.is_float_dtype(events.rating)
    assert list(truth.columns) == ["customer_id", "persona", "device", "variant"]
    assert len(truth) == 20_000 and truth.customer_id.is_unique
    assert events.customer_id.str.fullmatch(r"C\d{6}").all()
    for col in ("customer_id", "timestamp", "stage", "event", "touchpoint", "device", "country", "session_id"):
        assert events[col].notna().all(), col


def test_sorted_by_customer_then_time(events):
    key = events[["customer_id", "timestamp"]]
    assert key.equals(key.sort_values(["customer_id", "timestamp"], kind="stable"))


def test_stages_events_touchpoints_devices_are_valid(events):
    assert set(events.stage) == set(sample.STAGES)
    assert (events.event.map(sample.EVENT_STAGE) == events.stage).all()
    assert set(events.touchpoint) <= set(sample.TOUCHPOINTS)
    assert set(events.device) == set(sample.DEVICES)
    assert set(events.country) <= set(sample.COUNTRIES)
    assert (events.groupby("customer_id")[["device", "country"]].nunique() == 1).all().all()


def test_everyone_starts_at_awareness(events):
    first_stage = events.groupby("customer_id").stage.first()
    assert (first_stage == "awareness").all()


def test_timestamps_within_the_window():
    for months, end in ((6, END), (3, pd.Timestamp("2026-04-01"))):
        ev, _ = sample.generate(3_000, seed=3, months=months)
        assert ev.timestamp.min() >= START and ev.timestamp.max() < end
        assert (ev.timestamp == ev.timestamp.dt.floor("s")).all()


def test_revenue_only_and_always_on_purchases(events):
    paid = events.event.isin(["purchase", "repeat_purchase"])
    assert events.revenue[paid].notna().all()
    assert events.revenue[~paid].isna().all()
    assert (events.revenue[paid] > 0).all()
    assert set(events.stage[paid]) == {"purchase", "loyalty"}
    revenue = events.revenue[paid]
    assert revenue.mean() > revenue.median()  # right-skewed, as order values are
    assert (revenue.round(2) == revenue).all()


def test_ratings_are_whole_numbers_from_1_to_5(events):
    rating = events.rating.dropna()
    assert len(rating) > 1_000
    assert rating.between(1, 5).all() and (rating == rating.round()).all()
    assert set(rating.astype(int)) == {1, 2, 3, 4, 5}


def test_sessions_split_after_30_minutes(events):
    gap = events.groupby("customer_id").timestamp.diff()
    same_customer = gap.notna()
    new_session = events.session_id != events.session_id.shift()
    assert (new_session[~same_customer]).all()
    assert (new_session[same_customer] == (gap[same_customer] > pd.Timedelta(minutes=30))).all()
    assert events.session_id.is_monotonic_increasing  # zero-padded, numbered in order


def test_experiment_columns_start_at_first_consideration(events, truth):
    has_variant = events.variant.notna()
    assert (events.experiment.notna() == has_variant).all()
    assert set(events.experiment.dropna()) == {"checkout_redesign"}
    assert set(events.variant.dropna()) == {"A", "B"}
    assert (events[has_variant].groupby("customer_id").variant.nunique() == 1).all()
    exposure = events[has_variant].groupby("customer_id").head(1)
    assert (exposure.stage == "consideration").all()
    first_consideration = _first(events, events.stage == "consideration")
    assert (exposure.set_index("customer_id").timestamp == first_consideration.reindex(exposure.customer_id)).all()
    # once exposed, every later event carries the variant
    exposed_at = exposure.set_index("customer_id").timestamp
    later = events.customer_id.isin(exposed_at.index) & (
        events.timestamp >= events.customer_id.map(exposed_at))
    assert (later == has_variant).all()
    # 60-80% of customers who reach consideration are in the experiment
    share = exposed_at.size / first_consideration.size
    assert 0.6 <= share <= 0.8
    v = truth.set_index("customer_id").variant
    assert (v[v != ""].sort_index() == events[has_variant].groupby("customer_id").variant.first()).all()


def test_feedback_languages_quotes_and_no_newlines(events):
    text = events.feedback.dropna()
    assert len(text) > 5_000
    cyrillic = text.str.contains(r"[А-Яа-яЁё]")
    chinese = text.str.contains(r"[\u4e00-\u9fff]")
    assert not (cyrillic & chinese).any()
    english = ~(cyrillic | chinese)
    assert abs(english.mean() - 0.60) < 0.04
    assert abs(cyrillic.mean() - 0.25) < 0.04
    assert abs(chinese.mean() - 0.15) < 0.03
    assert not text.str.contains(r"[\r\n]").any()
    assert text.str.contains(",").mean() > 0.3
    assert text.str.contains('"').any()
    assert not text.str.contains(r"[{}]").any()  # every template slot filled
    assert text.nunique() > 1_000  # varied, not a handful of canned lines


# --------------------------------------------------------------------------- planted stories

def test_story_1_mobile_converts_much_worse_at_checkout(events):
    considered = _first(events, events.stage == "consideration")
    converted = _purchase_after(events, considered)
    device = events.groupby("customer_id").device.first().reindex(considered.index)
    rate = converted.groupby(device).mean()
    assert rate["desktop"] - rate["mobile"] > 0.15
    assert abs(rate["mobile"] - sample.CONVERSION["mobile"]) < 0.03
    assert abs(rate["desktop"] - sample.CONVERSION["desktop"]) < 0.03


def test_story_2_variant_b_adds_about_3_points_with_a_50_50_split(events):
    exposed = events[events.variant.notna()].groupby("customer_id").agg(
        at=("timestamp", "min"), variant=("variant", "first"))
    converted = _purchase_after(events, exposed["at"])
    rate = converted.groupby(exposed.variant).mean()
    lift = rate["B"] - rate["A"]
    assert 0.015 <= lift <= 0.045
    share_b = (exposed.variant == "B").mean()
    assert 0.49 <= share_b <= 0.51
    # no effect before exposure: every exposed customer already passed awareness and interest
    for stage in ("awareness", "interest"):
        reached_before = _first(events, events.stage == stage).reindex(exposed.index) < exposed["at"]
        assert reached_before.all()


def test_story_2_variant_is_a_hash_of_the_customer_id():
    a, ta = sample.generate(1_500, seed=1)
    b, tb = sample.generate(1_500, seed=2)
    both = ta.merge(tb, on="customer_id")
    both = both[(both.variant_x != "") & (both.variant_y != "")]
    assert len(both) > 100 and (both.variant_x == both.variant_y).all()


def test_story_3_consideration_feedback_is_about_pain_points(events):
    fb = events[events.feedback.notna()]
    phrases = [p for ps in sample.PAIN_PHRASES.values() for p in ps]
    pattern = "|".join(re.escape(p) for p in phrases)
    has_pain = fb.feedback.str.lower().str.contains(pattern)
    share = has_pain.groupby(fb.stage).mean()
    assert share["consideration"] >= 0.65
    assert share.drop("consideration").max() <= 0.02
    # every language carries its own planted phrases
    for lang, ps in sample.PAIN_PHRASES.items():
        found = fb.feedback.str.lower().str.contains("|".join(map(re.escape, ps)))
        assert found.sum() > 100, lang


def test_story_3_ratings_lowest_at_consideration(events):
    mean = events.dropna(subset=["rating"]).groupby("stage").rating.mean()
    assert mean.idxmin() == "consideration"
    assert mean["consideration"] < 2.6
    assert mean.drop("consideration").min() > 3.4


def test_persona_shares_near_targets(truth):
    share = truth.persona.value_counts(normalize=True)
    for persona, target in sample.PERSONA_SHARES.items():
        assert abs(share[persona] - target) < 0.02, persona


@pytest.fixture(scope="module")
def rfm(events, truth):
    paid = events[events.revenue.notna()]
    per = events.groupby("customer_id").agg(last=("timestamp", "max"))
    per["recency_days"] = (END - per["last"]).dt.total_seconds() / 86_400
    per["purchases"] = paid.groupby("customer_id").size().reindex(per.index, fill_value=0)
    per["revenue"] = paid.groupby("customer_id").revenue.sum().reindex(per.index, fill_value=0.0)
    order = {s: i for i, s in enumerate(sample.STAGES)}
    per["deepest"] = events.stage.map(order).groupby(events.customer_id).max()
    per["mean_rating"] = events.groupby("customer_id").rating.mean()
    return per.join(truth.set_index("customer_id"))


def test_story_4_loyal_advocates(rfm):
    loyal = rfm[rfm.persona == "loyal_advocate"]
    assert loyal.purchases.between(8, 20).all()
    assert (loyal.deepest == 5).all()  # reached advocacy
    assert (loyal.recency_days <= 14).all()
    assert loyal.revenue.median() > 5 * rfm[rfm.persona == "at_risk"].revenue.median() / 2
    assert loyal.mean_rating.mean() > rfm[rfm.persona != "loyal_advocate"].mean_rating.mean()


def test_story_5_one_time_buyers(rfm):
    one = rfm[rfm.persona == "one_time"]
    assert (one.purchases == 1).all()
    assert (one.deepest == 3).all()  # purchase, never loyalty
    assert 30 <= one.revenue.median() <= 90
    assert one.recency_days.median() > 60  # lapsed


def test_other_personas_browsers_and_at_risk(rfm):
    browsers = rfm[rfm.persona == "browser"]
    assert (browsers.purchases == 0).all() and (browsers.deepest <= 2).all()
    assert (browsers.deepest == 2).mean() > 0.5
    at_risk = rfm[rfm.persona == "at_risk"]
    assert (at_risk.purchases >= 3).all()
    assert (at_risk.recency_days > 45).all() and at_risk.recency_days.median() > 90


def test_kmeans_on_rfm_recovers_personas(rfm):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for features in (["recency_days", "purchases", "revenue"], ["recency_days", "purchases", "revenue", "deepest"]):
        x = np.log1p(rfm[features].to_numpy(float))
        labels = make_pipeline(StandardScaler(), KMeans(n_clusters=4, n_init=10, random_state=0)).fit_predict(x)
        assert adjusted_rand_score(rfm.persona, labels) >= 0.8, features


def test_no_unplanned_trend_in_conversion_by_first_seen_week(events):
    first_seen = events.groupby("customer_id").timestamp.min()
    bought = first_seen.index.isin(events.customer_id[events.event == "purchase"])
    week = first_seen.dt.to_period("W")
    rate = pd.Series(bought, index=first_seen.index).groupby(week).mean()
    settled = rate[rate.index.start_time < END - pd.Timedelta(days=35)]
    assert settled.max() - settled.min() < 0.12
    assert abs(settled.iloc[: len(settled) // 2].mean() - settled.iloc[len(settled) // 2:].mean()) < 0.03


# --------------------------------------------------------------------------- files

def test_write_csv_format_round_trips(tmp_path):
    ev, _ = sample.generate(500, seed=11)
    path = tmp_path / "events.csv"
    sample.write_csv(ev, path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(sample.COLUMNS)
    assert re.match(r"^C\d{6},\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,", lines[1])
    assert not lines[1].startswith('"')  # quoted only when needed
    back = pd.read_csv(path, dtype={"rating": "float64"})
    back["timestamp"] = pd.to_datetime(back.timestamp).dt.tz_localize(None)
    pd.testing.assert_frame_equal(back, ev, check_dtype=False)
    gz = tmp_path / "events.csv.gz"
    sample.write_csv(ev, gz)
    sample.write_csv(ev, tmp_path / "again.csv.gz")
    assert gzip.decompress(gz.read_bytes()).decode() == text
    assert gz.read_bytes() == (tmp_path / "again.csv.gz").read_bytes()  # no timestamp in the gzip header


def test_bundled_sample_is_small_and_regenerates_exactly(events, tmp_path):
    assert SAMPLE_FILE.exists(), "regenerate with: python -m cj.sample --out data/sample_events.csv.gz"
    assert SAMPLE_FILE.stat().st_size < 5 * 1024 * 1024
    fresh = tmp_path / "fresh.csv"
    sample.write_csv(events, fresh)
    assert gzip.decompress(SAMPLE_FILE.read_bytes()) == fresh.read_bytes(), \
        "data/sample_events.csv.gz is stale: python -m cj.sample --out data/sample_events.csv.gz"


def test_benchmark_events_small(tmp_path):
    path = tmp_path / "bench.csv"
    sample.write_benchmark_events(path, 20_000, seed=1, chunk_customers=500)
    df = pd.read_csv(path)
    assert list(df.columns) == list(sample.COLUMNS)
    assert len(df) == 20_000
    per_customer = df.groupby("customer_id").size()
    assert 8 <= per_customer.mean() <= 12
    assert set(df.stage) == set(sample.STAGES)
    assert (df.event.map(sample.EVENT_STAGE) == df.stage).all()
    ts = pd.to_datetime(df.timestamp)
    assert ts.min() >= START.tz_localize("UTC") and ts.max() < END.tz_localize("UTC")
    # stages move forward in time for every customer, and sessions are numbered in order
    df["rank"] = df.stage.map({s: i for i, s in enumerate(sample.STAGES)})
    assert (df.groupby("customer_id")["rank"].diff().dropna() >= 0).all()
    assert (df.groupby("customer_id").timestamp.apply(lambda s: s.is_monotonic_increasing)).all()
    assert df.session_id.is_monotonic_increasing
    paid = df.event.isin(["purchase", "repeat_purchase"])
    assert df.revenue[paid].notna().all() and df.revenue[~paid].isna().all()
    assert df.rating.dropna().between(1, 5).all()
    assert (df.variant.notna() == df.experiment.notna()).all()
    assert 0 < df.feedback.notna().mean() < 0.05


def test_benchmark_cli(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("make_events", ROOT / "bench" / "make_events.py")
    make_events = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_events)
    assert make_events.parse_count("1m") == make_events.parse_count("1e6") == 1_000_000
    assert make_events.parse_count("10_000") == 10_000 and make_events.label(10_000_000) == "10m"
    out = tmp_path / "e.csv.gz"
    assert make_events.main(["--events", "3000", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 3_000
    assert "3,000 events" in capsys.readouterr().out


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_customers=0"):
        sample.generate(0)
    with pytest.raises(ValueError, match="n_events=0"):
        sample.write_benchmark_events(tmp_path / "x.csv", 0)
