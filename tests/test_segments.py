"""Segments: feature SQL, clustering, profiles and names, comparisons, exports."""
from __future__ import annotations

import importlib
import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from cj import store
from cj.errors import CJError
from cj.segments import (
    DEFAULT_CLUSTER_FEATURES, SegmentError, Segmenter, SegmentResult, bh_adjust, compare_segments,
    customer_features, name_segments, profile_segments, projection, register_segments,
    segment_customers, segment_labels_table,
)

STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]


def _con(df: pd.DataFrame):
    con = store.connect(threads=1)
    store.run(con, "CREATE TABLE raw_events AS SELECT * FROM df", df=df)
    store.run(con, "CREATE VIEW events AS SELECT * FROM raw_events")
    return con


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# Hand-made events: a buyer with sessions (one missing), a browser, a customer whose only
# stage is unknown, a repeat buyer with ratings, sentiment and an extra numeric column.
HAND = pd.DataFrame(
    [
        # customer, timestamp, stage, event, touchpoint, session, revenue, rating, sentiment, basket
        ("a", "2024-01-01 10:00", "awareness", "ad_click", "ad", "s1", None, None, 0.5, 1.0),
        ("a", "2024-01-01 10:05", "interest", "page_view", "web", "s1", None, None, None, 2.0),
        ("a", "2024-01-03 09:00", "purchase", "order", "web", None, 120.0, 4.0, -0.2, 3.0),
        ("b", "2024-01-02 00:00", "awareness", "ad_click", "ad", "s7", None, None, None, None),
        ("b", "2024-01-02 23:59", "consideration", "cart", "web", "s7", 0.0, None, None, None),
        ("c", "2024-01-04 12:00", "onboarding", "signup", "email", None, None, 2.0, None, None),
        ("d", "2024-01-01 00:00", "interest", "page_view", "email", "x", None, None, None, None),
        ("d", "2024-01-05 00:00", "purchase", "order", "web", "y", 50.0, 5.0, 0.9, None),
        ("d", "2024-01-08 00:00", "loyalty", "order", "app", "z", 30.0, 3.0, None, None),
        ("d", "2024-01-10 06:00", "advocacy", "review", "social", "z", -5.0, None, 0.1, None),
    ],
    columns=["customer_id", "timestamp", "stage", "event", "touchpoint", "session_id", "revenue", "rating",
             "sentiment", "basket"],
)
HAND["timestamp"] = pd.to_datetime(HAND["timestamp"])


def _pandas_features(ev: pd.DataFrame, stage_order, purchase_stages=("purchase", "loyalty")) -> pd.DataFrame:
    """The same features in plain pandas, written independently of the SQL."""
    ev = ev.copy()
    max_ts = ev["timestamp"].max()
    ev["day"] = ev["timestamp"].dt.floor("D")
    ev["pos"] = ev["stage"].map({s: i for i, s in enumerate(stage_order)})
    ev["sess"] = ev["session_id"].where(ev["session_id"].notna(), "day:" + ev["day"].astype(str))
    rows = {}
    for cid, g in ev.groupby("customer_id"):
        rev = g["revenue"].fillna(0)
        orders = int((g["revenue"] > 0).sum())
        bought = g[g["stage"].isin(purchase_stages)]
        deepest = int(g["pos"].max()) if g["pos"].notna().any() else -1
        rows[cid] = {
            "recency_days": (max_ts - g["timestamp"].max()) / pd.Timedelta(days=1),
            "tenure_days": (max_ts - g["timestamp"].min()) / pd.Timedelta(days=1),
            "events": len(g), "active_days": g["day"].nunique(), "sessions": g["sess"].nunique(),
            "revenue": float(rev.sum()), "orders": orders,
            "aov": float(rev.sum()) / orders if orders else 0.0,
            "purchased": int(len(bought) > 0),
            "deepest_stage": deepest,
            "deepest_stage_name": stage_order[deepest] if deepest >= 0 else None,
            "days_to_purchase": ((bought["timestamp"].min() - g["timestamp"].min()) / pd.Timedelta(days=1)
                                 if len(bought) else np.nan),
            "mean_rating": g["rating"].mean(), "mean_sentiment": g["sentiment"].mean(),
            "mean_basket": g["basket"].mean(),
        }
        for tp in ("web", "ad", "email", "app", "social"):
            rows[cid][f"tp_{tp}"] = float((g["touchpoint"] == tp).mean())
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    n = len(out)

    def score(rank):  # quintile by rank, ties share the lower rank
        return (1 + np.floor(5 * (rank - 1) / n)).astype(int)

    out["r_score"] = score(out["recency_days"].rank(method="min", ascending=False))
    fr = out[["orders", "events"]].apply(tuple, axis=1)
    out["f_score"] = score(fr.rank(method="min"))
    out["m_score"] = score(out["revenue"].rank(method="min"))
    out["rfm"] = out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    return out


# ---------------------------------------------------------------------- features

def test_features_match_pandas_exactly():
    con = _con(HAND)
    got = customer_features(con, stage_order=STAGES, extra_numeric=["basket"])
    want = _pandas_features(HAND, STAGES)
    assert list(got.index) == ["a", "b", "c", "d"]
    # Top touchpoints by events, ties by name: web 4, ad 2, email 2, app 1, social 1.
    assert [c for c in got.columns if c.startswith("tp_")] == ["tp_web", "tp_ad", "tp_email", "tp_app", "tp_social"]
    assert got.attrs["touchpoints"]["tp_web"] == "web"
    for col in want.columns:
        g, w = got[col], want[col].reindex(got.index)
        if col in ("deepest_stage_name", "rfm"):
            assert g.tolist() == [None if pd.isna(v) else v for v in w], col
        else:
            np.testing.assert_allclose(g.to_numpy(dtype=float), w.to_numpy(dtype=float), rtol=0, atol=1e-12,
                                       err_msg=col)
    # A few values by hand, to pin the definitions.
    d = got.loc["d"]
    assert d["orders"] == 2 and d["revenue"] == 75.0 and d["aov"] == 37.5      # refund is revenue, not an order
    assert d["sessions"] == 3 and d["active_days"] == 4 and d["deepest_stage_name"] == "advocacy"
    assert got.loc["a", "sessions"] == 2                                        # s1 + the sessionless day
    assert got.loc["c", "deepest_stage"] == -1 and got.loc["c", "deepest_stage_name"] is None
    assert math.isnan(got.loc["b", "days_to_purchase"]) and got.loc["a", "days_to_purchase"] == pytest.approx(1 + 23 / 24)
    assert got.loc["d", "recency_days"] == 0.0 and got.loc["d", "r_score"] == 4       # 4 customers: scores 1-4


def test_features_without_optional_columns():
    con = _con(HAND[["customer_id", "timestamp", "stage"]])
    got = customer_features(con, stage_order=STAGES)
    assert (got["sessions"] == got["active_days"]).all()
    assert (got["revenue"] == 0).all() and (got["orders"] == 0).all() and (got["aov"] == 0).all()
    assert not any(c.startswith(("tp_", "mean_")) for c in got.columns)
    # No revenue: frequency falls back to events, and every customer ties on money.
    assert (got["m_score"] == 1).all()
    assert got["f_score"].idxmax() == "d"


def test_features_report_every_problem():
    con = _con(HAND[["customer_id", "stage"]])
    with pytest.raises(SegmentError) as exc:
        customer_features(con, stage_order=STAGES, extra_numeric=["nope"])
    msgs = [p.message for p in exc.value.problems]
    assert msgs == ["The events have no 'timestamp' column", "extra_numeric column 'nope' is not in the events"]
    assert isinstance(exc.value, CJError) and isinstance(exc.value, ValueError)


def test_touchpoint_names_are_bound_not_spliced():
    ev = HAND.copy()
    ev.loc[0, "touchpoint"] = "x'); DROP TABLE raw_events; --"
    con = _con(ev)
    got = customer_features(con, stage_order=STAGES)
    assert "tp_x_drop_table_raw_events" in got.columns
    assert got.loc["a", "tp_x_drop_table_raw_events"] == pytest.approx(1 / 3)
    assert store.scalar(con, "SELECT count(*) FROM raw_events") == len(ev)


def test_empty_events_give_an_empty_table_and_a_clear_error():
    con = _con(HAND.iloc[:0])
    got = customer_features(con, stage_order=STAGES)
    assert got.empty and {"recency_days", "rfm", "deepest_stage_name"} <= set(got.columns)
    with pytest.raises(SegmentError) as exc:
        segment_customers(con, stage_order=STAGES)
    assert str(exc.value) == ("n_samples=0 should be > 2 to choose k by silhouette. — "
                              "Pick n_clusters yourself or use more customers.")


def test_identical_customers_do_not_crash():
    ev = pd.DataFrame({"customer_id": [f"c{i}" for i in range(30)],
                       "timestamp": [pd.Timestamp("2024-01-01")] * 30, "stage": ["awareness"] * 30})
    con = _con(ev)
    res = segment_customers(con, stage_order=STAGES, k_range=(2, 4))
    assert all(math.isnan(v) for v in res.silhouette.values())     # undefined, not an error
    assert res.k == 2 and res.labels.nunique() == 1
    back = json.loads(json.dumps(res.to_json(), allow_nan=False))
    assert back["silhouette"] == {"2": None, "3": None, "4": None}
    assert back["segments"][0]["name"] == "Browsers who never bought"


# ---------------------------------------------------------------------- clustering

def _blobs(n=2000, centers=4, seed=7):
    X, y = make_blobs(n_samples=n, centers=centers, n_features=3, cluster_std=0.6, center_box=(-15, 15),
                      random_state=seed)
    return pd.DataFrame(X, columns=["a", "b", "c"]), y


def test_k_selection_finds_four_blobs():
    X, y = _blobs()
    seg = Segmenter(k_range=(2, 8)).fit(X)
    assert seg.k_ == 4
    assert sorted(seg.silhouette_) == list(range(2, 9))
    assert max(seg.silhouette_, key=seg.silhouette_.get) == 4
    assert adjusted_rand_score(y, seg.labels_) == 1.0
    assert seg.stability_ == pytest.approx(1.0)
    assert list(seg.feature_names_) == ["a", "b", "c"]


def test_deterministic_and_invariant_to_relabelling():
    X, _ = _blobs(n=1500, centers=5, seed=3)
    a = Segmenter(random_state=11, sample_size=500).fit(X)
    b = Segmenter(random_state=11, sample_size=500).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.silhouette_ == b.silhouette_
    c = Segmenter(random_state=12, sample_size=500).fit(X)
    assert adjusted_rand_score(a.labels_, c.labels_) == 1.0


def test_labels_ordered_by_size_and_pipeline_predicts_them():
    X, _ = make_blobs(n_samples=[600, 100, 300], n_features=2, cluster_std=0.5, random_state=1)
    seg = Segmenter(n_clusters=3).fit(X)
    assert np.bincount(seg.labels_).tolist() == [600, 300, 100]
    np.testing.assert_array_equal(seg.predict(X), seg.labels_)
    np.testing.assert_array_equal(seg.pipeline_.predict(pd.DataFrame(X, columns=["x0", "x1"])), seg.labels_)


def test_minibatch_path_for_many_customers():
    X, y = _blobs(n=3000)
    seg = Segmenter(k_range=(2, 6), minibatch_threshold=1000, sample_size=800).fit(X)
    assert isinstance(seg.pipeline_[-1], MiniBatchKMeans)
    assert seg.k_ == 4 and len(seg.sample_indices_) == 800
    assert adjusted_rand_score(y, seg.labels_) > 0.99


@parametrize_with_checks([Segmenter(n_clusters=3, sample_size=50, n_stability_runs=2)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_params_stored_unmodified_and_clonable():
    seg = Segmenter(n_clusters=3, k_range=[2, 4], random_state=None, features=("recency_days",))
    assert seg.get_params()["k_range"] == [2, 4] and seg.get_params()["features"] == ("recency_days",)
    assert clone(seg).get_params() == seg.get_params()
    assert not hasattr(seg, "labels_")


@pytest.mark.parametrize("params, X, message", [
    ({"n_clusters": 4}, np.zeros((3, 2)), "n_samples=3 should be >= n_clusters=4."),
    ({"n_clusters": "many"}, np.zeros((5, 2)), "n_clusters='many' should be 'auto' or an integer"),
    ({"k_range": (1, 5)}, np.zeros((5, 2)),
     "k_range=(1, 5) should be a pair (low, high) of integers with 2 <= low <= high"),
    ({}, np.zeros((2, 2)), "n_samples=2 should be > 2 to choose k by silhouette."),
    ({"features": ["nope"]}, np.zeros((5, 2)), "features ['nope'] are not columns of X"),
])
def test_fit_validation_messages(params, X, message):
    with pytest.raises(SegmentError) as exc:
        Segmenter(**params).fit(X)
    assert exc.value.problems[0].message == message


def test_log_transform_applies_to_counts_money_recency_and_skewed_features():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"revenue": rng.uniform(0, 100, 500), "deepest_stage": rng.integers(-1, 6, 500),
                      "recency_days": rng.uniform(0, 100, 500), "custom": rng.lognormal(3, 1.5, 500),
                      "flat": rng.uniform(0, 100, 500)})
    seg = Segmenter(n_clusters=2, features=["revenue", "deepest_stage", "recency_days", "custom", "flat"]).fit(X)
    assert seg.log_features_ == ["revenue", "recency_days", "custom"]
    assert list(Segmenter(n_clusters=2).fit(X).feature_names_) == ["recency_days", "revenue", "deepest_stage"]
    assert Segmenter(n_clusters=2, log_features=["flat"]).fit(X).log_features_ == []   # not clustered


# ---------------------------------------------------------------------- profiles and names

def _features_frame():
    return pd.DataFrame({
        "revenue": [0, 0, 100, 300, 50, 0], "orders": [0, 0, 1, 3, 1, 0], "purchased": [0, 0, 1, 1, 1, 0],
        "deepest_stage": [1, 2, 3, 5, 3, -1], "recency_days": [1.0, 3.0, 10.0, 2.0, 50.0, 4.0],
        "deepest_stage_name": ["interest", "consideration", "purchase", "advocacy", "purchase", None],
    }, index=pd.Index(list("uvwxyz"), name="customer_id"))


def test_profile_sizes_shares_and_vs_all():
    f = _features_frame()
    labels = np.array([0, 0, 1, 1, 1, 0])
    p = profile_segments(f, labels, stage_order=STAGES)
    assert p["size"].tolist() == [3, 3] and p["share"].sum() == 1.0
    assert p["revenue_share"].tolist() == [0.0, 1.0]
    assert p.loc[1, "repeat_share"] == pytest.approx(1 / 3) and p.loc[1, "purchased_share"] == 1.0
    assert p.loc[1, "reached_purchase"] == 1.0 and p.loc[0, "reached_interest"] == pytest.approx(2 / 3)
    assert p.loc[1, "revenue_mean"] == 150.0 and p.loc[1, "revenue_vs_all"] == pytest.approx(2.0)
    assert p.loc[0, "top_stage"] == "consideration" and p.loc[1, "top_stage"] == "purchase"
    assert p.loc[1, "recency_days_median"] == 10.0
    # A Series of labels is aligned by customer id, not position.
    s = pd.Series(labels, index=f.index)[::-1]
    pd.testing.assert_frame_equal(profile_segments(f, s, stage_order=STAGES), p)


def _profile(**rows):
    """A crafted profile: each row given as dict of the columns the rules read."""
    base = {"size": 100, "purchased_share": 0.0, "repeat_share": 0.0, "revenue_vs_all": 1.0,
            "recency_days_vs_all": 1.0, "tenure_days_vs_all": 1.0, "recency_days_mean": 30.0,
            "tenure_days_mean": 100.0,
            "reached_advocacy": 0.0}
    df = pd.DataFrame([{**base, **r} for r in rows.values()], index=[int(k[1:]) for k in rows])
    df.index.name = "segment"
    return df


def test_naming_rules():
    p = _profile(
        s0={"purchased_share": 0.0, "recency_days_vs_all": 1.2},
        s1={"purchased_share": 1.0, "repeat_share": 0.05, "revenue_vs_all": 0.8, "recency_days_mean": 25.0},
        s2={"purchased_share": 1.0, "repeat_share": 0.9, "revenue_vs_all": 4.0, "reached_advocacy": 0.8},
        s3={"purchased_share": 0.9, "repeat_share": 0.6, "revenue_vs_all": 2.5, "recency_days_mean": 90.0,
            "tenure_days_mean": 150.0},                     # silent for 60% of their time with us
        s4={"purchased_share": 0.05, "recency_days_vs_all": 0.2, "tenure_days_vs_all": 0.3},
        s5={"purchased_share": 1.0, "repeat_share": 0.7, "revenue_vs_all": 1.2},
        s6={"purchased_share": 0.35},
        s7={"purchased_share": 1.0, "repeat_share": 0.9, "revenue_vs_all": 3.0, "reached_advocacy": 0.1},
        s8={"purchased_share": 1.0, "repeat_share": 0.6, "recency_days_vs_all": 1.6, "tenure_days_mean": None},
    )
    assert name_segments(p) == {
        0: "Browsers who never bought", 1: "One-time buyers", 2: "High-value loyal advocates",
        3: "At-risk former customers", 4: "New prospects", 5: "Repeat buyers", 6: "Occasional buyers",
        7: "High-value repeat buyers", 8: "At-risk former customers (2)",
    }


def test_names_unique_and_overridable():
    p = _profile(s0={}, s1={}, s2={"purchased_share": 1.0, "repeat_share": 0.0})
    assert name_segments(p) == {0: "Browsers who never bought", 1: "Browsers who never bought (2)",
                                2: "One-time buyers"}
    # User names win, keep their exact text, and are accepted with JSON string keys.
    got = name_segments(p, overrides={"1": "Browsers who never bought", 2: "  Newsletter only  ", 0: ""})
    assert got == {0: "Browsers who never bought (2)", 1: "Browsers who never bought", 2: "Newsletter only"}


# ---------------------------------------------------------------------- comparisons

def test_bh_matches_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.01, 10), [0.02, 0.02, 0.02, 1.0, 0.0]])
    rng.shuffle(p)
    want = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(bh_adjust(p), want, rtol=0, atol=1e-15)
    # NaNs (tests that could not run) are skipped, not counted.
    with_nan = np.insert(p, [3, 10], np.nan)
    got = bh_adjust(with_nan)
    assert np.isnan(got[[3, 11]]).all()
    np.testing.assert_allclose(got[~np.isnan(with_nan)], want, rtol=0, atol=1e-15)
    assert bh_adjust([]).shape == (0,)


def _compare_fixture():
    rng = np.random.default_rng(2)
    rows = []
    labels = {}
    for i in range(300):
        cid = f"c{i:03d}"
        seg = i % 3
        labels[cid] = seg
        t0 = pd.Timestamp("2024-03-01") + pd.Timedelta(hours=i)
        rows.append((cid, t0, "awareness", None, None, float(rng.normal(0.1 * seg, 0.3))))
        if rng.random() < 0.3 + 0.2 * seg:
            rows.append((cid, t0 + pd.Timedelta(hours=1), "consideration", None, float(rng.integers(1, 6)), None))
            for j in range(int(rng.integers(1, 2 + seg))):
                rows.append((cid, t0 + pd.Timedelta(days=1 + j), "purchase",
                             float(rng.lognormal(3 + 0.3 * seg, 0.7)), float(rng.integers(2 + seg, 6)), None))
    ev = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "revenue", "rating", "sentiment"])
    return ev, labels


def test_compare_tests_match_scipy():
    ev, labels = _compare_fixture()
    con = _con(ev)
    f = customer_features(con, stage_order=STAGES)
    lab = pd.Series(labels).reindex(f.index).to_numpy()
    out = compare_segments(con, f, lab, {0: "A", 1: "B", 2: "C"}, stage_order=STAGES)
    assert list(out.columns) == ["segment", "segment_name", "kpi", "value", "rest_value", "n", "rest_n", "test",
                                 "p_value", "p_adjusted", "significant", "note"]
    assert set(out["kpi"]) == {"conversion_rate", "aov", "retention_rate", "csat", "sentiment",
                               "revenue_per_customer", "reached:interest", "reached:consideration",
                               "reached:purchase", "reached:loyalty", "reached:advocacy"}
    row = out.set_index(["segment", "kpi"])
    m, rest = lab == 1, lab != 1

    conv = f["purchased"].to_numpy() > 0
    table = [[conv[m].sum(), (~conv[m]).sum()], [conv[rest].sum(), (~conv[rest]).sum()]]
    assert row.loc[(1, "conversion_rate"), "p_value"] == pytest.approx(
        stats.chi2_contingency(table, correction=False).pvalue, rel=1e-12)
    assert row.loc[(1, "conversion_rate"), "value"] == pytest.approx(conv[m].mean())

    aov = f["aov"].to_numpy()
    buyers = f["orders"].to_numpy() > 0
    assert row.loc[(1, "aov"), "p_value"] == pytest.approx(
        stats.ttest_ind(aov[m & buyers], aov[rest & buyers], equal_var=False).pvalue, rel=1e-12)
    assert row.loc[(1, "aov"), "n"] == (m & buyers).sum()

    r = f["mean_rating"].to_numpy()
    assert row.loc[(2, "csat"), "p_value"] == pytest.approx(
        stats.ttest_ind(r[(lab == 2) & ~np.isnan(r)], r[(lab != 2) & ~np.isnan(r)], equal_var=False).pvalue,
        rel=1e-12)

    rev = f["revenue"].to_numpy()
    assert row.loc[(0, "revenue_per_customer"), "p_value"] == pytest.approx(
        stats.mannwhitneyu(rev[lab == 0], rev[lab != 0], alternative="two-sided").pvalue, rel=1e-12)
    assert row.loc[(0, "revenue_per_customer"), "value"] == pytest.approx(rev[lab == 0].mean())

    # Funnel rows: "reached" = any event at that stage; nobody reached loyalty.
    reached = ev[ev["stage"] == "consideration"]["customer_id"].unique()
    share = np.isin(f.index[m], reached).mean()
    assert row.loc[(1, "reached:consideration"), "value"] == pytest.approx(share)
    assert row.loc[(1, "reached:loyalty"), "note"] == "NO_VARIATION"
    assert math.isnan(row.loc[(1, "reached:loyalty"), "p_value"])

    # BH over the whole table; significance from the adjusted values.
    np.testing.assert_allclose(out["p_adjusted"], bh_adjust(out["p_value"]), equal_nan=True)
    assert (out["significant"] == (out["p_adjusted"] < 0.05)).all()


def test_compare_reads_sentiment_added_later():
    ev, labels = _compare_fixture()
    con = _con(ev.drop(columns=["sentiment"]))
    f = customer_features(con, stage_order=STAGES)
    assert "mean_sentiment" not in f.columns
    con2 = _con(ev)   # the sentiment column has appeared since
    lab = pd.Series(labels).reindex(f.index).to_numpy()
    out = compare_segments(con2, f, lab, {}, stage_order=STAGES, funnel=False)
    sent = out[out["kpi"] == "sentiment"].set_index("segment")
    want = ev.groupby("customer_id")["sentiment"].mean().reindex(f.index).to_numpy()
    assert sent.loc[0, "value"] == pytest.approx(np.nanmean(want[lab == 0]))
    assert sent.loc[0, "segment_name"] == "Segment 0"


def test_compare_degenerate_cases_are_values():
    f = _features_frame()
    con = _con(HAND)
    out = compare_segments(con, f, np.zeros(len(f), dtype=int), {0: "All"}, stage_order=STAGES, funnel=False)
    assert set(out["note"]) == {"NO_REST"} and not out["significant"].any()


# ---------------------------------------------------------------------- result, projection, export

@pytest.fixture(scope="module")
def synthetic():
    """Three kinds of customers: browsers, one-time buyers, loyal repeat buyers (300 each)."""
    rng = np.random.default_rng(9)
    end = pd.Timestamp("2024-07-01")
    rows = []
    for i in range(900):
        kind, cid = i % 3, f"k{i:04d}"
        if kind == 0:      # browsers: 1-3 events, never past consideration, seen any time
            t0 = end - pd.Timedelta(days=float(rng.uniform(1, 170)))
            for j in range(int(rng.integers(1, 4))):
                rows.append((cid, t0 + pd.Timedelta(hours=j), STAGES[j], None))
        elif kind == 1:    # one-time buyers: one order, then quiet
            t0 = end - pd.Timedelta(days=float(rng.uniform(60, 170)))
            for j in range(int(rng.integers(4, 7))):
                rows.append((cid, t0 + pd.Timedelta(hours=j), STAGES[min(j, 3)],
                             float(rng.lognormal(4, 0.4)) if j == 3 else None))
        else:              # loyal: 4-8 orders, loyalty and advocacy, seen in the last two weeks
            t0 = end - pd.Timedelta(days=float(rng.uniform(100, 170)))
            last = end - pd.Timedelta(days=float(rng.uniform(0, 14)))
            for j in range(3):
                rows.append((cid, t0 + pd.Timedelta(hours=j), STAGES[j], None))
            n_orders = int(rng.integers(4, 9))
            for j in range(n_orders):
                t = t0 + (last - t0) * (j + 1) / n_orders
                rows.append((cid, t, "purchase" if j == 0 else "loyalty", float(rng.lognormal(4.5, 0.4))))
            rows.append((cid, last - pd.Timedelta(hours=1), "advocacy", None))
    ev = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "revenue"])
    con = _con(ev)
    return con, segment_customers(con, stage_order=STAGES, random_state=0, k_range=(2, 6))


def test_segment_customers_result_and_json(synthetic):
    con, res = synthetic
    assert isinstance(res, SegmentResult)
    assert res.k == 3 and res.labels.index.equals(res.features.index)
    assert res.feature_names == tuple(c for c in DEFAULT_CLUSTER_FEATURES if c in res.features.columns)
    js = res.to_json()
    text = json.dumps(js, allow_nan=False)
    back = json.loads(text)
    assert back["k"] == 3 and set(back["silhouette"]) == {"2", "3", "4", "5", "6"}
    assert 0.99 <= back["stability"] <= 1.0
    assert [s["size"] for s in back["segments"]] == [300, 300, 300]
    assert sorted(res.names.values()) == ["Browsers who never bought", "High-value loyal advocates", "One-time buyers"]
    kind = np.array([int(c[1:]) % 3 for c in res.labels.index])
    assert adjusted_rand_score(kind, res.labels.to_numpy()) == 1.0
    assert sum(s["revenue_share"] for s in back["segments"]) == pytest.approx(1.0)
    assert {s["name"] for s in back["segments"]} == set(res.names.values())
    assert all({"segment", "name", "size", "share", "revenue_share", "profile"} <= set(s) for s in back["segments"])
    # days_to_purchase is NaN for the browsers: it must come out as null, not NaN.
    assert any(v is None for s in back["segments"] for v in s["profile"].values())
    renamed = res.with_names({0: "Mine"})
    assert renamed.names[0] == "Mine" and res.names[0] != "Mine"
    # Streamlit's cache pickles results: the fitted pipeline must survive it.
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.pipeline.predict(res.features), res.labels.to_numpy())


def test_segment_customers_deterministic(synthetic):
    con, res = synthetic
    again = segment_customers(con, stage_order=STAGES, random_state=0, k_range=(2, 6))
    pd.testing.assert_series_equal(res.labels, again.labels)
    assert res.names == again.names and res.silhouette == again.silhouette


def test_projection_is_deterministic_and_sampled(synthetic):
    _, res = synthetic
    p1 = projection(res.features, res.pipeline, max_points=500)
    p2 = projection(res.features, res.pipeline, max_points=500)
    pd.testing.assert_frame_equal(p1, p2)
    assert list(p1.columns) == ["customer_id", "pc1", "pc2", "segment"] and len(p1) == 500
    want = res.labels.reindex(p1["customer_id"]).to_numpy()
    np.testing.assert_array_equal(p1["segment"].to_numpy(), want)       # pipeline.predict == labels
    p3 = projection(res.features, res.pipeline, labels=res.labels, max_points=10_000)
    assert len(p3) == len(res.features) and sum(p3.attrs["explained_variance_ratio"]) <= 1.0 + 1e-9


def test_labels_table_and_register(synthetic):
    con, res = synthetic
    table = segment_labels_table(res.features, res.labels, res.names)
    assert list(table.columns) == ["customer_id", "segment", "segment_name"] and len(table) == 900
    register_segments(con, table)
    got = store.run(con, "SELECT segment_name, count(DISTINCT customer_id) AS n FROM events_segmented "
                         "GROUP BY 1 ORDER BY 1")
    want = table.groupby("segment_name")["customer_id"].nunique().sort_index()
    assert got["n"].tolist() == want.tolist() and got["segment_name"].tolist() == want.index.tolist()
    cols = store.table_columns(con, "customer_segments")
    assert cols == ["customer_id", "segment", "segment_name"]


# ---------------------------------------------------------------------- planted segments in the sample data

def test_recovers_planted_personas_in_sample_data():
    try:
        sample = importlib.import_module("cj.sample")
    except ModuleNotFoundError:
        pytest.skip("cj/sample.py (the sample data generator) is not there yet")
    events, truth = sample.generate(n_customers=20_000, seed=42)    # the bundled sample dataset
    con = _con(events)
    res = segment_customers(con, stage_order=STAGES, random_state=0)
    persona = truth.set_index("customer_id")["persona"].reindex(res.labels.index)
    ari = adjusted_rand_score(persona.to_numpy(), res.labels.to_numpy())
    print(f"\nARI vs planted personas: {ari:.3f} (k={res.k}, silhouette={res.silhouette[res.k]:.3f}, "
          f"stability={res.stability:.3f}); names: {res.names}")
    print(pd.crosstab(persona.to_numpy(), res.labels.map(res.names).to_numpy()).to_string())
    assert ari >= 0.8
    # The segment holding most of each planted persona gets a sensible name.
    named = res.labels.map(res.names)
    def top_name(word):
        who = persona.str.contains(word, case=False).to_numpy()
        return named[who].value_counts().index[0]
    assert top_name("advocate") == "High-value loyal advocates"
    assert top_name("one_time") == "One-time buyers"
    assert top_name("at_risk") == "At-risk former customers"
    assert top_name("browser") == "Browsers who never bought"
    # Side by side, the advocates retain and convert better than everyone else, significantly.
    kpis = compare_segments(con, res.features, res.labels, res.names, stage_order=STAGES).set_index(
        ["segment_name", "kpi"])
    adv = kpis.loc["High-value loyal advocates"]
    assert adv.loc["retention_rate", "value"] == 1.0 and adv.loc["retention_rate", "significant"]
    assert adv.loc["revenue_per_customer", "value"] > 5 * adv.loc["revenue_per_customer", "rest_value"]
    assert kpis.loc[("Browsers who never bought", "conversion_rate"), "value"] == 0.0


def test_huge_linear_feature_clusters_like_its_scaled_down_copy():
    """A linear (not log-scaled: it has negatives) feature around 1e250 would overflow the
    standardisation; it is max-abs scaled first, and the segments equal those of the same data in
    ordinary units."""
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": np.r_[rng.normal(-5, 1, 150), rng.normal(5, 1, 150)],
                      "b": np.r_[rng.normal(0, 1, 150), rng.normal(3, 1, 150)]})
    small = Segmenter(n_clusters=2, random_state=0).fit(X)
    huge = Segmenter(n_clusters=2, random_state=0).fit(X.assign(a=X["a"] * 1e250))
    assert np.isfinite(huge.pipeline_[:-1].transform(X.assign(a=X["a"] * 1e250))).all()
    assert (huge.labels_ == small.labels_).all()


def test_shared_pass_silhouettes_equal_sklearn():
    """segments._silhouettes scores every k from one pass over the pairwise distances; each value must
    equal sklearn.metrics.silhouette_score of that labeling, singletons (score 0) and a labeling with
    gaps in its cluster numbers included; one cluster, or as many clusters as points, is NaN.
    (Seen to fail when a singleton scored by (b - a) / max(a, b) instead of 0.)"""
    from sklearn.metrics import silhouette_score

    from cj.segments import _silhouettes

    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(size=(120, 4)), rng.normal(3, 1, size=(80, 4)), [[40, 40, 40, 40]]])
    n = len(X)
    labelings = {k: rng.integers(0, k, size=n) for k in (2, 3, 5)}
    labelings[7] = np.where(np.arange(n) < 120, 0, 9)          # numbers 0 and 9 only
    labelings[7][-1] = 4                                         # the outlier alone: a singleton
    got = _silhouettes(X, {**labelings, "one": np.zeros(n, int), "all": np.arange(n)}, chunk=64)
    for key, lab in labelings.items():
        assert got[key] == pytest.approx(silhouette_score(X, lab), abs=1e-12), key
    assert math.isnan(got["one"]) and math.isnan(got["all"])
