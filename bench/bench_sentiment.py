"""Benchmark (and accuracy report) for cj.sentiment.

    python bench/bench_sentiment.py                 # speed: texts + by-stage on 1M events
    python bench/bench_sentiment.py --texts 100000 --events 1000000
    python bench/bench_sentiment.py --accuracy      # accuracy on ../shared/datasets (if present)

Each measured part runs in a fresh process (bench/_common.measure), so the printed peak
memory (VmHWM) is its own:

* ``score_texts synthetic`` -- 100,000 *distinct* feedback texts in EN/RU/ZH (60/25/15, the
  sample's templates with random slots and a unique order number, so nothing is cached);
  target < 30 s on 2 cores.
* ``score_texts real reviews`` -- 100,000 texts cut from the public review files (Chinese
  online-shopping reviews, the UCI English sentences, SentiRuEval car reviews), longer and
  more varied than feedback; only when ../shared/datasets exists.
* ``by-stage cj`` -- the generated benchmark events (bench/_common.events_csv): load into
  DuckDB, :func:`score_feedback` (distinct texts only), :func:`sentiment_by`,
  :func:`pain_points` at consideration, :func:`drop_after_negative`.
* ``by-stage pandas`` -- baseline: pandas reads the same CSV, scores every feedback row
  (no de-duplication), falls back to the mapped rating like cj, and groups by stage with a
  t-interval (sentiment_by only: no pain points, no drop-off).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import events_csv, measure, row  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]

SYNTHETIC = r'''
import numpy as np
from cj import sample, sentiment
rng = np.random.default_rng(0)
n = {n}
langs = rng.choice(3, size=n, p=[0.60, 0.25, 0.15])
stages = rng.integers(0, 6, size=n)
sents = rng.integers(0, 3, size=n)
texts = sample._render(rng, langs, stages, sents)
prefix = {{0: "Order #{{}}: ", 1: "Заказ №{{}}: ", 2: "订单{{}}："}}
texts = [prefix[int(l)].format(100000 + i) + t for i, (l, t) in enumerate(zip(langs, texts))]
assert len(set(texts)) == n
t0 = time.perf_counter()
df = sentiment.score_texts(texts)
score_s = time.perf_counter() - t0
result = {{"texts": n, "score_s": score_s, "texts_per_s": n / score_s,
          "mean_chars": sum(map(len, texts)) / n, "labels": df["label"].value_counts().to_dict()}}
'''

REAL = r'''
import csv, xml.etree.ElementTree as ET
import pandas as pd
from pathlib import Path
from cj import sentiment
D = Path({datasets!r})
zh = pd.read_csv(D / "reviews_zh" / "online_shopping_10_cats.csv")["review"].fillna("").astype(str).tolist()
en = []
for f in ("yelp_labelled.txt", "amazon_cells_labelled.txt"):
    en += pd.read_csv(D / "reviews_en" / f, sep="\t", header=None, quoting=csv.QUOTE_NONE)[0].fillna("").astype(str).tolist()
ru = [r.find("text").text or "" for part in ("train", "test")
      for r in ET.parse(D / "reviews_ru" / f"SentiRuEval_car_markup_{{part}}.xml").getroot().iter("review")]
pool = zh + en + ru
n = {n}
texts = [pool[i % len(pool)] + ("" if i < len(pool) else f" #{{i}}") for i in range(n)]
t0 = time.perf_counter()
df = sentiment.score_texts(texts)
score_s = time.perf_counter() - t0
result = {{"texts": n, "score_s": score_s, "texts_per_s": n / score_s,
          "mean_chars": sum(map(len, texts)) / n, "langs": df["lang"].value_counts().to_dict()}}
'''

BY_STAGE_CJ = r'''
from scipy import stats  # imported up front, as in the baseline
from cj import store, sentiment
con = store.connect()
t0 = time.perf_counter()
store.execute(con, "CREATE TABLE ev AS SELECT * FROM read_csv({path!r}, header=true, auto_detect=true)")
store.execute(con, "CREATE VIEW events AS SELECT * FROM ev")
t1 = time.perf_counter()
info = sentiment.score_feedback(con)
t2 = time.perf_counter()
by = sentiment.sentiment_by(con, stage_order={stages!r})
t3 = time.perf_counter()
pp = sentiment.pain_points(con, stage="consideration", top=10)
t4 = time.perf_counter()
drop = sentiment.drop_after_negative(con, stage_order={stages!r})
t5 = time.perf_counter()
result = {{"load_s": t1 - t0, "score_feedback_s": t2 - t1, "sentiment_by_s": t3 - t2, "pain_points_s": t4 - t3,
          "drop_after_negative_s": t5 - t4, "analysis_s": t5 - t1, "distinct_texts": info["texts"],
          "feedback_rows": int(by["n_texts"].sum()),
          "mean_by_stage": dict(zip(by["stage"], by["mean"].round(3))), "top_phrases": pp["phrase"].head(5).tolist()}}
'''

BY_STAGE_PANDAS = r'''
import numpy as np, pandas as pd
from scipy import stats
from cj import sentiment
t0 = time.perf_counter()
ev = pd.read_csv({path!r})
t1 = time.perf_counter()
has_text = ev["feedback"].notna() & (ev["feedback"].astype(str).str.strip() != "")
# same precedence as cj: the feedback text's score, else the rating mapped onto [-1, 1]
ev["value"] = sentiment.rating_to_score(ev["rating"]).to_numpy()
ev.loc[has_text, "value"] = [sentiment.score_text(t)["score"] for t in ev.loc[has_text, "feedback"]]  # every row
scored = ev[ev["value"].notna()]
g = scored.groupby("stage")["value"]
out = pd.DataFrame({{"n": g.size(), "mean": g.mean(), "sem": g.sem()}})
out["half"] = stats.t.ppf(0.975, out["n"] - 1) * out["sem"]
t2 = time.perf_counter()
result = {{"load_s": t1 - t0, "analysis_s": t2 - t1, "feedback_rows": int(has_text.sum()),
          "mean_by_stage": out["mean"].round(3).to_dict()}}
'''


def speed(n_texts: int, n_events: int, real: bool) -> None:
    print(f"{'part':<44} {'time':>10} {'peak':>12}")
    m = measure(SYNTHETIC.format(n=n_texts))
    r = m["result"]
    print(row(f"score_texts synthetic ({n_texts:,} distinct)", m),
          f" scoring {r['score_s']:.2f} s = {r['texts_per_s']:,.0f} texts/s, {r['mean_chars']:.0f} chars/text")
    if real and DATASETS.exists():
        m = measure(REAL.format(n=n_texts, datasets=str(DATASETS)))
        r = m["result"]
        print(row(f"score_texts real reviews ({n_texts:,})", m),
              f" scoring {r['score_s']:.2f} s = {r['texts_per_s']:,.0f} texts/s, {r['mean_chars']:.0f} chars/text")
    if n_events:
        path = str(events_csv(n_events))
        mc = measure(BY_STAGE_CJ.format(path=path, stages=STAGES))
        mp = measure(BY_STAGE_PANDAS.format(path=path))
        rc, rp = mc["result"], mp["result"]
        print(row(f"by-stage cj ({n_events:,} events)", mc),
              f" load {rc['load_s']:.2f} s; analysis {rc['analysis_s']:.2f} s (score_feedback "
              f"{rc['score_feedback_s']:.2f}, sentiment_by {rc['sentiment_by_s']:.2f}, pain_points "
              f"{rc['pain_points_s']:.2f}, drop_after_negative {rc['drop_after_negative_s']:.2f}); "
              f"{rc['distinct_texts']} distinct texts for {rc['feedback_rows']:,} feedback rows")
        print(row(f"by-stage pandas baseline ({n_events:,} events)", mp),
              f" load {rp['load_s']:.2f} s; analysis {rp['analysis_s']:.2f} s")
        like = rc["score_feedback_s"] + rc["sentiment_by_s"]
        print(f"like for like (score texts + mean/CI by stage): cj {like:.2f} s vs pandas {rp['analysis_s']:.2f} s "
              f"({rp['analysis_s'] / like:.1f}x)")
        same = all(abs(rc["mean_by_stage"].get(k, 0) - v) < 2e-3 for k, v in rp["mean_by_stage"].items())
        print(f"stage means agree with the baseline: {same}")
        print(f"top consideration phrases: {rc['top_phrases']}")


# ------------------------------------------------------------------------- accuracy

def _binary(y, s):
    import numpy as np
    y = np.asarray(y, dtype=int)
    p = (np.asarray(s) > 0).astype(int)
    return float((p == y).mean()), float(((p[y == 1] == 1).mean() + (p[y == 0] == 0).mean()) / 2), len(y)


def accuracy() -> None:
    import xml.etree.ElementTree as ET

    import pandas as pd
    from cj import sentiment

    if not DATASETS.exists():
        print(f"{DATASETS} not found: no accuracy report")
        return
    print("binary evaluation: score > 0 -> positive, otherwise (negative, neutral, 0) -> negative")
    print(f"{'data set':<46} {'n':>6} {'acc':>6} {'bal.acc':>8}  tuned on it?")
    for name, tuned in (("yelp", "yes (errors read)"), ("amazon_cells", "no (held out)")):
        d = pd.read_csv(DATASETS / "reviews_en" / f"{name}_labelled.txt", sep="\t", header=None,
                        quoting=csv.QUOTE_NONE, names=["text", "label"])
        a, b, n = _binary(d["label"], sentiment.score_texts(d["text"])["score"])
        print(f"{'EN ' + name:<46} {n:>6} {a:6.3f} {b:8.3f}  {tuned}")
    for part, tuned in (("train", "yes (errors read)"), ("test", "no (held out)")):
        rows = []
        for r in ET.parse(DATASETS / "reviews_ru" / f"SentiRuEval_car_markup_{part}.xml").getroot().iter("review"):
            w = [c.get("sentiment") for c in r.find("categories") if c.get("name") == "Whole"]
            if w and w[0] in ("positive", "negative"):
                rows.append((r.find("text").text or "", int(w[0] == "positive")))
        d = pd.DataFrame(rows, columns=["text", "label"])
        a, b, n = _binary(d["label"], sentiment.score_texts(d["text"])["score"])
        print(f"{'RU SentiRuEval ' + part + ' (Whole pos/neg)':<46} {n:>6} {a:6.3f} {b:8.3f}  {tuned}")
    d = pd.read_csv(DATASETS / "reviews_zh" / "online_shopping_10_cats.csv")
    d["score"] = sentiment.score_texts(d["review"].astype(str))["score"].to_numpy()
    dev = ["书籍", "平板", "手机", "水果", "洗发水"]
    a, b, n = _binary(d["label"], d["score"])
    print(f"{'ZH online_shopping_10_cats (all)':<46} {n:>6} {a:6.3f} {b:8.3f}  partly")
    for label, sub, tuned in (("dev categories " + "/".join(dev), d[d["cat"].isin(dev)], "yes (errors read)"),
                              ("held-out categories", d[~d["cat"].isin(dev)], "no (held out)")):
        a, b, n = _binary(sub["label"], sub["score"])
        print(f"{'ZH ' + label:<46} {n:>6} {a:6.3f} {b:8.3f}  {tuned}")
    for cat, g in d.groupby("cat"):
        a, b, n = _binary(g["label"], g["score"])
        print(f"{'   ' + cat:<46} {n:>6} {a:6.3f} {b:8.3f}  {'dev' if cat in dev else 'held out'}")
    # adapt_to_ratings: learn on one English file, test on the other
    for tr, te in (("yelp", "amazon_cells"), ("amazon_cells", "yelp")):
        f = lambda nm: pd.read_csv(DATASETS / "reviews_en" / f"{nm}_labelled.txt", sep="\t", header=None,
                                   quoting=csv.QUOTE_NONE, names=["text", "label"])
        a_tr, a_te = f(tr), f(te)
        model = sentiment.adapt_to_ratings(a_tr["text"], a_tr["label"], scale=(0, 1))
        a, b, n = _binary(a_te["label"], model.score_texts(a_te["text"])["score"])
        print(f"{'EN adapt_to_ratings ' + tr + ' -> ' + te + f' (w={model.weight})':<46} {n:>6} {a:6.3f} {b:8.3f}"
              f"  model fitted on {tr} labels")
        print(f"{'   5-fold CV within ' + tr + ': lexicon only':<46} {model.n_train:>6} {'':>6} {model.cv[1.0]:8.3f}")
        print(f"{'   5-fold CV within ' + tr + f': blend w={model.weight}':<46} {model.n_train:>6} {'':>6} "
              f"{model.cv[model.weight]:8.3f}")
    print("lexicon sizes:", sentiment.lexicon_sizes())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=100_000, help="texts to score (default 100,000)")
    ap.add_argument("--events", type=int, default=1_000_000, help="events for the by-stage part (0: skip)")
    ap.add_argument("--no-real", action="store_true", help="skip the public-review speed run")
    ap.add_argument("--accuracy", action="store_true", help="print accuracy on ../shared/datasets instead")
    args = ap.parse_args(argv)
    if args.accuracy:
        t = time.perf_counter()
        accuracy()
        print(f"({time.perf_counter() - t:.1f} s)")
    else:
        speed(args.texts, args.events, not args.no_real)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
