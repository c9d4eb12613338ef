"""Tests for cj.sentiment: scoring (EN/RU/ZH), ratings, by-stage views, pain points, drop-off.

Accuracy on the public review sets is held here (skipped when ../shared/datasets is absent).
Binary evaluation: score > 0 → positive, otherwise (negative, neutral, zero) → negative.
"""
from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cj import sentiment as S
from cj import store
from cj.errors import ParameterError

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
needs_data = pytest.mark.skipif(not DATASETS.exists(), reason="shared/datasets not present")


def _binary(y, scores):
    y = np.asarray(y, dtype=int)
    p = (np.asarray(scores) > 0).astype(int)
    acc = float((p == y).mean())
    bal = float(((p[y == 1] == 1).mean() + (p[y == 0] == 0).mean()) / 2)
    return acc, bal


def _events(con, df: pd.DataFrame) -> None:
    store.run(con, "CREATE OR REPLACE TABLE _ev AS SELECT * FROM _df", _df=df)
    store.execute(con, "CREATE OR REPLACE VIEW events AS SELECT * FROM _ev")


# ------------------------------------------------------------------------- contract

def test_score_texts_contract_order_and_types():
    texts = ["I love it", None, "", "  ", "Ужасно", "很好", float("nan"), 42, "the table is here"]
    df = S.score_texts(texts)
    assert list(df.columns) == ["score", "label", "lang"]
    assert len(df) == len(texts)
    assert df["score"].between(-1, 1).all()
    assert df.loc[0, "label"] == "positive" and df.loc[0, "lang"] == "en"
    for i in (1, 2, 3, 6):
        assert df.loc[i, "score"] == 0 and df.loc[i, "label"] == "neutral" and df.loc[i, "lang"] == "unknown"
    assert df.loc[4, "label"] == "negative" and df.loc[4, "lang"] == "ru"
    assert df.loc[5, "label"] == "positive" and df.loc[5, "lang"] == "zh"
    assert df.loc[8, "label"] == "neutral"
    # labels follow the ±0.05 thresholds exactly
    for s, lab in zip(df["score"], df["label"]):
        assert lab == S.label_for(s)
    assert S.label_for(0.05) == "neutral" and S.label_for(0.0501) == "positive"
    assert S.label_for(-0.05) == "neutral" and S.label_for(-0.0501) == "negative"


def test_score_texts_accepts_series_generator_and_single_string():
    s = pd.Series(["good", pd.NA, "bad"], dtype="string")
    assert list(S.score_texts(s)["label"]) == ["positive", "neutral", "negative"]
    assert len(S.score_texts(t for t in ["good", "bad"])) == 2
    assert len(S.score_texts("good")) == 1
    assert S.score_texts([]).shape == (0, 3)


def test_forced_language_and_unknown_language_error():
    assert S.score_texts(["хорошо"], lang="ru").loc[0, "lang"] == "ru"
    assert S.score_texts(["хорошо"], lang="en").loc[0, "score"] == 0  # no English words in it
    with pytest.raises(ParameterError):
        S.score_texts(["x"], lang="fr")


def test_detect_lang_by_script():
    assert S.detect_lang("Hello there") == "en"
    assert S.detect_lang("Привет, как дела") == "ru"
    assert S.detect_lang("今天天气很好") == "zh"
    assert S.detect_lang("12345 !!! 👍") == "unknown"
    assert S.detect_lang("مرحبا") == "unknown"


# --------------------------------------------------------------------- hand-worked rules

@pytest.mark.parametrize("text,sign", [
    ("good", 1), ("not good", -1), ("bad", -1), ("not bad", 1), ("no problems at all", 1),
    ("I don't like it", -1), ("never disappoints", 1), ("It is not a good phone", -1),
    ("хорошо", 1), ("не хорошо", -1), ("плохо", -1), ("не плохо", 1), ("неплохо", 1),
    ("проблем нет", 1), ("без проблем", 1), ("не понравилось", -1), ("не рекомендую", -1),
    ("ни разу не разочаровалась", 1),
    ("好", 1), ("不好", -1), ("不错", 1), ("没问题", 1), ("差评", -1), ("好评", 1),
    ("物流快", 1), ("太慢", -1), ("不满意", -1), ("不是很好", -1), ("没有任何问题", 1), ("别买", -1),
])
def test_negation_and_polarity_hand_worked(text, sign):
    s = S.score_text(text)["score"]
    assert (s > S.POSITIVE_THRESHOLD) if sign > 0 else (s < S.NEGATIVE_THRESHOLD), (text, s)


def test_modifiers_contrast_exclamation_caps_emoji():
    sc = lambda t: S.score_text(t)["score"]
    assert sc("very good") > sc("good") > sc("slightly good") > 0
    assert sc("good!!!") > sc("good")
    assert sc("The food is GOOD, really") > sc("The food is good, really")
    assert sc("The food was great but the service was terrible") < 0
    assert sc("The service was terrible but the food was great") > 0
    assert sc("Еда отличная, но обслуживание ужасное") < 0
    assert sc("东西不错，但是物流太慢了") < 0
    assert sc("👍") > 0 and sc("😡") < 0 and sc("great :)") > sc("great")
    assert sc("tasted like dirt") <= 0 < sc("I like it")          # prepositional "like"
    assert sc("Food was average at best.") < 0
    assert sc("是正品吗？") < sc("是正品")                           # questions weigh less
    assert sc("Overall: 2 out of 5") < 0 < sc("4/5, would buy again")  # written ratings
    assert sc("Ordered on 2/10/2024") == 0 and sc("version 1.4/5.0") == 0


def test_chinese_longest_match_and_blockers():
    sc = lambda t: S.score_text(t)["score"]
    assert sc("差不多") == 0            # "almost", not 差 (bad)
    assert sc("快递到了") == 0           # courier, not 快 (fast)
    assert sc("出差住的酒店") == 0        # business trip
    assert sc("我太太很喜欢") > 0
    assert sc("好痒") < 0               # 好 + adjective = "very itchy"


def test_russian_stems_cover_inflections():
    for w in ("отличный", "отличная", "отлично", "отличные", "хорошего", "рекомендую", "доволен", "довольна"):
        assert S.score_text(w)["score"] > 0.05, w
    for w in ("ужасный", "ужасно", "плохая", "сломался", "сломалась", "разочарован", "разочаровала"):
        assert S.score_text(w)["score"] < -0.05, w
    assert S.score_text("дорогу держит отлично")["score"] > 0   # road, not "expensive"


def test_mixed_language_text_scores_each_part():
    r = S.score_text("Отличный магазин, всё понравилось! Delivery was terrible though.")
    assert r["lang"] == "ru"
    pos_ru = S.score_text("Отличный магазин, всё понравилось!")["score"]
    assert r["score"] < pos_ru          # the English complaint pulls it down
    r2 = S.score_text("质量很好，非常满意 good quality")
    assert r2["lang"] == "zh" and r2["score"] > 0.3
    # a Latin brand name inside Russian text does not dilute the Russian score
    assert S.score_text("Audi отличная машина")["score"] == pytest.approx(S.score_text("отличная машина")["score"])


# --------------------------------------------------------------------- hostile input

def test_hostile_inputs_do_not_crash():
    big_en = ("good bad not terrible " * 60_000)[:1_000_000]
    big_zh = "很好不错差评太慢" * 130_000
    texts = [
        "<script>alert('x')</script> great", "<b>bad</b> &amp; <i>ugly</i>", "\x00\x00 good \x00",
        big_en, big_zh, "ПЛОХО" * 200_000, "😀" * 10_000, "\ud800 broken surrogate good", "\u202e reversed bad",
        "\t\n\r", ":" * 5000, "!" * 5000, "?" * 5000, "http://x.com/:/ bad:/", "a" * 1_000_000,
        "".join(chr(c) for c in range(1, 3000)), "\ufeffgood", "0xDEAD D: drive",
    ]
    df = S.score_texts(texts)
    assert len(df) == len(texts)
    assert df["score"].between(-1, 1).all() and df["score"].notna().all()
    assert set(df["label"]) <= {"positive", "neutral", "negative"}
    assert set(df["lang"]) <= {"en", "ru", "zh", "unknown"}
    assert df.loc[0, "label"] == "positive"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.text(max_size=300)), max_size=8))
def test_property_any_text_scores_in_range(texts):
    df = S.score_texts(texts)
    assert len(df) == len(texts)
    assert df["score"].between(-1, 1).all()
    assert (df["label"] == [S.label_for(s) for s in df["score"]]).all()


def test_score_lines_one_dict_per_line():
    out = S.score_lines(["great\n", "ужасно\r\n", "", "一般般"], "auto")
    assert [o["label"] for o in out] == ["positive", "negative", "neutral", "negative"]
    assert [o["lang"] for o in out] == ["en", "ru", "unknown", "zh"]
    assert all(set(o) == {"score", "label", "lang"} for o in out)
    assert isinstance(out[0]["score"], float)


# ---------------------------------------------------------------------------- ratings

def test_rating_to_score_hand_worked():
    assert S.rating_to_score([1, 2, 3, 4, 5]).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert S.rating_to_score([0, 5, 10], "nps10").tolist() == [-1.0, 0.0, 1.0]
    assert S.rating_to_score([1, 3, 5], "csat5").tolist() == [-1.0, 0.0, 1.0]
    assert S.rating_to_score([0, 7, 10]).tolist() == pytest.approx([-1.0, 0.4, 1.0])      # auto: 0–10
    assert S.rating_to_score([0, 2.5, 5]).tolist() == [-1.0, 0.0, 1.0]                   # auto: 0–5 (a zero occurs)
    assert S.rating_to_score([0, 50, 100]).tolist() == [-1.0, 0.0, 1.0]                  # auto: 0–100
    assert S.rating_to_score([1, 7], (1, 7)).tolist() == [-1.0, 1.0]
    assert S.rating_to_score([0, 9], "csat5").tolist() == [-1.0, 1.0]                    # clipped
    out = S.rating_to_score([1, None, "x", 5])
    assert out[0] == -1 and math.isnan(out[1]) and math.isnan(out[2]) and out[3] == 1
    ser = S.rating_to_score(pd.Series([5, 1], index=["a", "b"]))
    assert list(ser.index) == ["a", "b"] and ser.tolist() == [1.0, -1.0]
    with pytest.raises(ParameterError):
        S.rating_to_score([1, 5000])
    with pytest.raises(ParameterError):
        S.rating_to_score([1, 2], (5, 1))
    with pytest.raises(ParameterError):
        S.rating_to_score([1, 2], "stars")


def test_nps_hand_worked():
    assert S.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)          # 2 promoters, 2 detractors of 6
    assert S.nps([10, 10, 9, 5]) == pytest.approx(50.0)             # (3 − 1) / 4
    assert S.nps([6, 6, 10]) == pytest.approx(-100 / 3)
    assert S.nps([9, None, 10]) == pytest.approx(100.0)
    assert math.isnan(S.nps([]))


# ------------------------------------------------------------------------ by stage

def _small_events():
    rows = [
        ("c1", "2024-01-01", "awareness", "great ad, love it", None),
        ("c1", "2024-01-02", "consideration", "hidden fees at checkout, terrible", 2),
        ("c1", "2024-01-03", "purchase", "fast delivery, good", 5),
        ("c2", "2024-01-01", "awareness", "boring ad", None),
        ("c2", "2024-01-02", "consideration", "скрытые платежи, ужасно", 1),
        ("c3", "2024-01-01", "awareness", None, None),
        ("c3", "2024-01-02", "consideration", "运费太贵，结账失败", 1),
        ("c3", "2024-01-05", "purchase", None, 4),
        ("c4", "2024-01-01", "awareness", "ok", None),
        ("c4", "2024-01-02", "consideration", "price is fine", 4),
        ("c4", "2024-01-04", "purchase", "perfect", 5),
        ("c5", "2024-01-01", "consideration", "hidden fees at checkout, terrible", None),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "feedback", "rating"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    df["rating"] = df["rating"].astype(float)
    return df


def test_score_feedback_scores_distinct_texts_once(con):
    df = _small_events()
    _events(con, df)
    first = S.score_feedback(con)
    assert first == {"texts": df["feedback"].dropna().nunique(), "scored": df["feedback"].dropna().nunique()}
    assert S.score_feedback(con) == {"texts": first["texts"], "scored": 0}
    fs = store.run(con, "SELECT * FROM feedback_scores")
    assert len(fs) == df["feedback"].notna().sum()
    assert {"customer_id", "stage", "feedback", "score", "label", "lang"} <= set(fs.columns)
    assert store.scalar(con, "SELECT count(*) FROM text_scores") == first["texts"]


def test_sentiment_by_matches_pandas_scipy(con):
    from scipy import stats
    df = _small_events().drop(columns=["rating"])
    _events(con, df)
    got = S.sentiment_by(con, stage_order=["awareness", "interest", "consideration", "purchase"])
    assert list(got["stage"]) == ["awareness", "interest", "consideration", "purchase"]
    sc = S.score_texts(df["feedback"])
    df = df.assign(score=sc["score"].where(df["feedback"].notna()))
    for _, row in got.iterrows():
        vals = df.loc[df["stage"] == row["stage"], "score"].dropna().to_numpy()
        assert row["n"] == len(vals) and row["n_texts"] == len(vals)
        if len(vals) == 0:
            assert math.isnan(row["mean"]) and row["source"] is None
            continue
        assert row["mean"] == pytest.approx(vals.mean())
        if len(vals) >= 2:
            lo, hi = stats.t.interval(0.95, len(vals) - 1, loc=vals.mean(), scale=stats.sem(vals))
            assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        assert row["share_negative"] == pytest.approx((vals < -0.05).mean())
        assert row["share_positive"] == pytest.approx((vals > 0.05).mean())
        assert row["share_neutral"] == pytest.approx(((vals >= -0.05) & (vals <= 0.05)).mean())
        assert row["source"] == "text"
    cons = got.set_index("stage").loc["consideration"]
    assert cons["mean"] < 0 and cons["mean"] == got["mean"].min()


def test_sentiment_by_precedence_ratings_nps_and_filters(con):
    df = pd.DataFrame({
        "customer_id": list("abcdef"),
        "timestamp": pd.to_datetime(["2024-01-01"] * 6, utc=True),
        "stage": ["s1", "s1", "s1", "s2", "s2", "s2"],
        "feedback": ["awful", None, None, None, None, "great"],
        "rating": [10.0, 9.0, 2.0, 0.0, 10.0, 8.0],
        "sentiment": [None, None, 0.5, None, None, None],
        "device": ["m", "m", "d", "m", "d", "d"],
    })
    _events(con, df)
    got = S.sentiment_by(con).set_index("stage")
    r_awful = S.score_text("awful")["score"]
    # s1: row a -> text (no sentiment value), b -> rating 9 -> 0.8, c -> sentiment column 0.5
    assert got.loc["s1", "mean"] == pytest.approx((r_awful + 0.8 + 0.5) / 3)
    assert got.loc["s1", "n"] == 3 and got.loc["s1", "n_texts"] == 1
    assert got.loc["s1", "mean_rating"] == pytest.approx(7.0)
    assert got.loc["s1", "nps"] == pytest.approx(S.nps([10, 9, 2]))
    # s2: two ratings (0 -> -1, 10 -> +1) and one text: most values came from ratings
    assert got.loc["s2", "source"] == "rating"
    assert got.loc["s2", "nps"] == pytest.approx(S.nps([0, 10, 8]))
    f = S.sentiment_by(con, filters={"device": "d"}).set_index("stage")
    assert f.loc["s1", "n"] == 1 and f.loc["s1", "mean"] == pytest.approx(0.5)
    assert f.loc["s1", "source"] == "sentiment column"
    f2 = S.sentiment_by(con, filters={"device": ["m", "d"]})
    assert f2["n"].sum() == 6
    by_dev = S.sentiment_by(con, by="device")
    assert sorted(by_dev["device"]) == ["d", "m"]
    with pytest.raises(ParameterError):
        S.sentiment_by(con, by="nope")
    with pytest.raises(ParameterError):
        S.sentiment_by(con, filters={"nope": 1})


def test_sentiment_by_without_any_sentiment_source(con):
    df = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": pd.to_datetime(["2024-01-01"] * 2, utc=True),
                       "stage": ["x", "y"]})
    _events(con, df)
    got = S.sentiment_by(con)
    assert list(got["n"]) == [0, 0] and got["mean"].isna().all()


# ---------------------------------------------------------------------- pain points

def test_pain_points_finds_planted_phrases(con):
    rng = np.random.default_rng(0)
    neg = ["The hidden fees at checkout are terrible.", "Terrible: hidden fees again, awful.",
           "Скрытые платежи — ужасно, не рекомендую.", "Ужасные скрытые платежи при оплате.",
           "运费太贵，很失望。", "运费太贵了，差评。", "Checkout error again, really bad.",
           "Awful checkout error, I gave up."]
    other = ["Nice product page and good photos.", "Checkout was fine, good prices.",
             "Хороший выбор, удобный сайт.", "页面很好看，满意。", "Good selection of shoes."]
    rows = []
    for i in range(60):
        t = neg[i % len(neg)] if i < 40 else other[i % len(other)]
        rows.append((f"c{i}", pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(minutes=int(rng.integers(1000))),
                     "consideration", t))
    rows.append(("z", pd.Timestamp("2024-01-01", tz="UTC"), "purchase", "hidden fees"))
    _events(con, pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "feedback"]))
    pp = S.pain_points(con, stage="consideration", top=6)
    assert list(pp.columns) == ["phrase", "count", "count_other", "share_negative", "share_other", "z", "examples"]
    phrases = set(pp["phrase"])
    assert {"hidden fees", "скрытые платежи", "运费太贵", "checkout error"} <= phrases, phrases
    assert (pp["z"].diff().dropna() <= 1e-12).all()
    for _, r in pp.iterrows():
        assert 1 <= len(r["examples"]) <= 2
        for q in r["examples"]:
            assert isinstance(q, str) and "<" not in q
            assert r["phrase"].lower() in q.lower().replace("ё", "е")
    assert S.pain_points(con, stage="purchase").empty        # nothing negative at that stage
    assert S.pain_points(con, stage="no such stage").empty


def test_pain_points_of_several_stages_read_together_equal_one_at_a_time(con):
    """pain_points_by_stage reads every stage's texts in one query (a stage above max_texts sampled
    within it): each stage's table must equal the single-stage call, including the examples' order.
    The sampled read was a syntax error before this test (``FROM s USING SAMPLE … JOIN``): any stage
    with over 50,000 texts failed the journey map. (Seen to fail with that old read, and when the
    sample's rank filter is dropped.)"""
    rng = np.random.default_rng(3)
    words = ["terrible hidden fees", "awful checkout error", "slow delivery again", "good photos",
             "скрытые платежи ужасно", "运费太贵", "nice prices", "bad support chat"]
    rows = []
    for i in range(900):
        st = ["a", "b", "c"][i % 3]
        text = f"{words[int(rng.integers(len(words)))]} {words[int(rng.integers(len(words)))]}"
        rows.append((f"c{i % 200}", pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(minutes=int(rng.integers(50))),
                     st, text))
    _events(con, pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "feedback"]))
    full = S.pain_points_by_stage(con, stages=["a", "b", "c"], top=5)
    for max_texts in (50_000, 250):            # 250: every stage is over it and sampled
        together = S.pain_points_by_stage(con, stages=["c", "a", "b", "a", "nowhere"], top=5, max_texts=max_texts)
        if max_texts == 250:    # the sample is read (it used to be a syntax error), and it is a sample
            assert any(together[st]["count"].sum() < full[st]["count"].sum() for st in "abc")
        assert list(together) == ["c", "a", "b", "nowhere"]
        assert together["nowhere"].empty
        for st in "abc":
            alone = S.pain_points(con, stage=st, top=5, max_texts=max_texts)
            assert len(alone) > 0
            pd.testing.assert_frame_equal(together[st], alone)


def test_pain_points_quotes_are_plain_and_short(con):
    evil = "<script>alert(1)</script> terrible hidden fees " + "x" * 500
    rows = [(f"c{i}", pd.Timestamp("2024-01-01", tz="UTC"), "s", evil if i < 5 else "good") for i in range(10)]
    _events(con, pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "feedback"]))
    pp = S.pain_points(con, stage="s")
    assert not pp.empty
    q = pp.iloc[0]["examples"][0]
    assert len(q) <= 200 and q.endswith("…")
    assert q.startswith("<script>")    # returned verbatim as text: the renderer escapes it


def test_pain_points_needs_feedback_column(con):
    _events(con, pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-01-01"], utc=True),
                               "stage": ["s"]}))
    with pytest.raises(ParameterError):
        S.pain_points(con, stage="s")


# ------------------------------------------------------------- drop after negative

def test_drop_after_negative_hand_worked(con):
    from scipy.stats import chi2_contingency
    t = lambda d: pd.Timestamp(f"2024-01-{d:02d}", tz="UTC")
    rows = []
    # 4 negative at consideration: 3 drop (c1..c3), 1 continues (c4)
    for i in range(1, 5):
        rows.append((f"n{i}", t(1), "consideration", "terrible, awful"))
    rows.append(("n4", t(3), "purchase", None))
    # 6 others: 1 drops (o1), 5 continue; o6 bought BEFORE considering -> counts as dropped
    for i in range(1, 7):
        rows.append((f"o{i}", t(5), "consideration", "great" if i % 2 else None))
    for i in range(2, 6):
        rows.append((f"o{i}", t(6), "purchase", None))
    rows.append(("o6", t(2), "purchase", None))
    _events(con, pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "feedback"]))
    got = S.drop_after_negative(con, stage_order=["consideration", "purchase"])
    assert len(got) == 1
    r = got.iloc[0]
    assert (r["n_negative"], r["dropped_negative"], r["n_other"], r["dropped_other"]) == (4, 3, 6, 2)
    assert r["drop_rate_negative"] == pytest.approx(0.75) and r["drop_rate_other"] == pytest.approx(2 / 6)
    assert r["difference"] == pytest.approx(0.75 - 2 / 6)
    chi2, p, _, _ = chi2_contingency(np.array([[3, 1], [2, 4]]), correction=False)
    assert r["chi2"] == pytest.approx(chi2) and r["p_value"] == pytest.approx(p)
    assert S.drop_after_negative(con, stage_order=["consideration"]).empty
    with pytest.raises(ParameterError):
        S.drop_after_negative(con, stage_order=["consideration", "consideration"])


# ----------------------------------------------------------------- adapt to ratings

def test_adapt_to_ratings_learns_domain_words():
    rng = np.random.default_rng(1)
    pos = ["the zorb arrived", "zorb works", "got my zorb", "zorb again", "nice zorb"]
    neg = ["the blick arrived", "blick again", "got a blick", "blick, sigh", "blick blick"]
    texts, ratings = [], []
    for i in range(80):
        if rng.random() < 0.5:
            texts.append(pos[i % 5] + f" #{i}"); ratings.append(5)
        else:
            texts.append(neg[i % 5] + f" #{i}"); ratings.append(1)
    model = S.adapt_to_ratings(texts, ratings)
    assert 0.0 <= model.weight <= 1.0 and set(model.cv) == {0.0, 0.25, 0.5, 0.75, 1.0}
    out = model.score_texts(["another zorb", "another blick", ""])
    assert list(out.columns) == ["score", "label", "lang"]
    assert out.loc[0, "score"] > 0 > out.loc[1, "score"] and out.loc[2, "score"] == 0
    with pytest.raises(ParameterError):
        S.adapt_to_ratings(["good", "bad"], [5, 1])


# ------------------------------------------------------------------- lexicon files

def test_lexicon_files_parse_and_readme_covers_them():
    lex_dir = Path(S.__file__).resolve().parent / "lexicons"
    keys = re.compile(r"^(-?\d+(\.\d+)?|NEG|POSTNEG|BUT|SUM|STOP|B[+-]\d+(\.\d+)?)$")
    for f in ("en.txt", "ru.txt", "zh.txt"):
        for key, term in S._parse_lexicon_file(lex_dir / f):
            assert keys.match(key), (f, key)
            if keys.match(key) and key[0].isdigit() or key.startswith("-"):
                assert -4 <= float(key) <= 4
    sizes = S.lexicon_sizes()
    assert sizes["en"] > 1000 and sizes["ru"] > 1000 and sizes["zh"] > 1000 and sizes["emoji"] > 100
    readme = (lex_dir / "README.md").read_text("utf-8")
    for f in lex_dir.iterdir():
        if f.is_file() and f.name != "README.md":
            assert f"`{f.name}`" in readme, f.name


# ------------------------------------------------------------------ public data sets

def _en(name):
    return pd.read_csv(DATASETS / "reviews_en" / f"{name}_labelled.txt", sep="\t", header=None,
                       quoting=csv.QUOTE_NONE, names=["text", "label"])


def _ru(part):
    rows = []
    for r in ET.parse(DATASETS / "reviews_ru" / f"SentiRuEval_car_markup_{part}.xml").getroot().iter("review"):
        whole = [c.get("sentiment") for c in r.find("categories") if c.get("name") == "Whole"]
        if whole and whole[0] in ("positive", "negative"):
            rows.append((r.find("text").text or "", int(whole[0] == "positive")))
    return pd.DataFrame(rows, columns=["text", "label"])


@needs_data
@pytest.mark.parametrize("name,floor", [("yelp", 0.88), ("amazon_cells", 0.85)])
def test_accuracy_english(name, floor):
    # yelp was used for tuning, amazon is held out; the target is 0.80, floors guard regressions
    d = _en(name)
    acc, bal = _binary(d["label"], S.score_texts(d["text"])["score"])
    assert acc >= max(floor, 0.80) and bal >= 0.80, (name, acc, bal)


@needs_data
def test_accuracy_chinese_fixed_sample():
    d = pd.read_csv(DATASETS / "reviews_zh" / "online_shopping_10_cats.csv")
    d = d.sample(5000, random_state=20240601)
    acc, bal = _binary(d["label"], S.score_texts(d["review"].astype(str))["score"])
    assert acc >= 0.85 and bal >= 0.80, (acc, bal)


@needs_data
@pytest.mark.parametrize("part,floor", [("train", 0.85), ("test", 0.80)])
def test_balanced_accuracy_russian(part, floor):
    # train was used for tuning, test is held out; the target is 0.75 balanced accuracy
    d = _ru(part)
    acc, bal = _binary(d["label"], S.score_texts(d["text"])["score"])
    assert bal >= max(floor, 0.75), (part, acc, bal)


# --------------------------------------------------------------------- sample data

def test_sample_consideration_is_the_low_point_and_pain_points_are_planted(con):
    sample = pytest.importorskip("cj.sample")
    events, _truth = sample.generate(n_customers=20000, seed=42)
    _events(con, events)
    order = list(sample.STAGES)
    curve = S.sentiment_by(con, stage_order=order)
    assert list(curve["stage"]) == order
    low = curve.loc[curve["mean"].idxmin(), "stage"]
    assert low == "consideration", curve[["stage", "mean"]]
    others = curve[curve["stage"] != "consideration"]
    cons = curve.set_index("stage").loc["consideration"]
    assert cons["ci_high"] < others["ci_low"].min()
    assert cons["share_negative"] > 0.5
    pp = S.pain_points(con, stage="consideration", top=15)
    planted = {p for phrases in sample.PAIN_PHRASES.values() for p in phrases}
    assert planted <= set(pp["phrase"]), planted - set(pp["phrase"])
    drop = S.drop_after_negative(con, stage_order=order)
    assert list(drop["stage"]) == order[:-1]
