"""Benchmark: customer features + clustering on 1M customers (~5M events).

    python bench/bench_segments.py [--customers 1000000] [--regenerate]

Events are generated directly in DuckDB SQL (hash-based pseudo-random, four kinds of
customers, ~5 events each) into ``bench/out/`` (gitignored), then each measured part runs
in its own process so its peak memory (VmHWM) is its own:

* ``cj``      -- :func:`cj.segments.customer_features` (DuckDB) + :class:`cj.segments.Segmenter`
* ``pandas``  -- the same features in plain pandas (read Parquet, groupby), the baseline

Target: cj features + clustering < 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]

# Four kinds of customers, chosen by hash(customer) % 100:
#   0-44 browsers (1-5 events, never past consideration), 45-69 one-time buyers,
#   70-89 lapsed buyers (old), 90-99 loyal advocates (many events, several orders).
GENERATE_SQL = """
COPY (
  WITH c AS (
    SELECT i, 'c' || lpad(CAST(i AS VARCHAR), 8, '0') AS customer_id,
           hash(i, 'kind') % 100 AS kind_roll,
           hash(i, 'start') % 330 AS start_day
    FROM range($n) t(i)
  ), k AS (
    SELECT *, CASE WHEN kind_roll < 45 THEN 0 WHEN kind_roll < 70 THEN 1 WHEN kind_roll < 90 THEN 2 ELSE 3 END AS kind
    FROM c
  ), n AS (
    SELECT *, CASE kind WHEN 0 THEN 1 + hash(i, 'n') % 5 WHEN 1 THEN 3 + hash(i, 'n') % 4
                        WHEN 2 THEN 4 + hash(i, 'n') % 4 ELSE 9 + hash(i, 'n') % 8 END AS n_events
    FROM k
  ), e AS (
    SELECT customer_id, i, kind, start_day, n_events, unnest(range(CAST(n_events AS BIGINT))) AS j FROM n
  )
  SELECT customer_id,
         TIMESTAMP '2024-01-01' + to_days(CAST(CASE WHEN kind = 2 THEN start_day / 3 ELSE start_day END AS INTEGER))
           + to_minutes(CAST(j * (CASE kind WHEN 3 THEN 4000 ELSE 900 END) + hash(i, j, 'm') % 600 AS INTEGER)) AS "timestamp",
         CASE
           WHEN kind = 0 THEN ['awareness', 'interest', 'consideration'][1 + CAST(least(j, 2) AS INTEGER)]
           WHEN kind IN (1, 2) THEN ['awareness', 'interest', 'consideration', 'purchase'][1 + CAST(least(j, 3) AS INTEGER)]
           ELSE ['awareness', 'interest', 'consideration', 'purchase', 'loyalty', 'advocacy'][1 + CAST(CASE WHEN j < 3 THEN j ELSE 3 + (j - 3) % 3 END AS INTEGER)]
         END AS stage,
         'e' AS event,
         ['website', 'email', 'ad', 'social', 'store', 'support'][1 + CAST(hash(i, j, 't') % 6 AS INTEGER)] AS touchpoint,
         customer_id || '-' || CAST(j / 2 AS VARCHAR) AS session_id,
         CASE WHEN (kind IN (1, 2) AND j = 3) OR (kind = 2 AND j = 5) OR (kind = 3 AND j >= 3 AND (j - 3) % 3 < 2)
              THEN 10 + (hash(i, j, 'r') % 20000) / 100.0 * (CASE kind WHEN 3 THEN 2 ELSE 1 END) END AS revenue,
         CASE WHEN hash(i, j, 'q') % 10 = 0 THEN CAST(1 + hash(i, j, 'v') % 5 AS DOUBLE) END AS rating
  FROM e
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 500000)
"""


def vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def generate(path: Path, n_customers: int) -> float:
    from cj import store
    con = store.connect()
    t = time.perf_counter()
    tmp = path.with_suffix(".tmp.parquet")
    store.execute(con, GENERATE_SQL.format(path=str(tmp).replace("'", "''")), {"n": n_customers})
    os.replace(tmp, path)
    return time.perf_counter() - t


def part_cj(path: Path) -> dict:
    from cj import segments, store
    con = store.connect()
    store.execute(con, f"CREATE VIEW events AS SELECT * FROM read_parquet({store.quote_literal(str(path))})")
    t0 = time.perf_counter()
    feats = segments.customer_features(con, stage_order=STAGES)
    t1 = time.perf_counter()
    seg = segments.Segmenter(random_state=0).fit(feats)
    t2 = time.perf_counter()
    return {"customers": len(feats), "events": int(feats["events"].sum()), "revenue": float(feats["revenue"].sum()),
            "features_s": t1 - t0, "cluster_s": t2 - t1, "total_s": t2 - t0, "k": seg.k_,
            "silhouette": seg.silhouette_[seg.k_], "stability": seg.stability_,
            "model": type(seg.pipeline_[-1]).__name__, "peak_mb": vm_hwm_mb()}


def part_pandas(path: Path) -> dict:
    import numpy as np
    import pandas as pd
    t0 = time.perf_counter()
    ev = pd.read_parquet(path)
    t1 = time.perf_counter()
    # The same features as cj.segments.customer_features, in plain pandas.
    max_ts = ev["timestamp"].max()
    ev["day"] = ev["timestamp"].dt.floor("D")
    ev["pos"] = ev["stage"].map({s: i for i, s in enumerate(STAGES)}).fillna(-1)
    ev["is_purchase"] = ev["stage"].isin(["purchase", "loyalty"])
    ev["purchase_ts"] = ev["timestamp"].where(ev["is_purchase"])
    ev["order"] = ev["revenue"] > 0
    g = ev.groupby("customer_id", sort=True)
    f = pd.DataFrame({
        "first_ts": g["timestamp"].min(), "last_ts": g["timestamp"].max(), "events": g.size(),
        "active_days": g["day"].nunique(), "sessions": g["session_id"].nunique(),
        "revenue": g["revenue"].sum(), "orders": g["order"].sum(), "deepest_stage": g["pos"].max(),
        "first_purchase": g["purchase_ts"].min(), "mean_rating": g["rating"].mean(),
    })
    tp = pd.crosstab(ev["customer_id"], ev["touchpoint"], normalize="index")
    top = ev["touchpoint"].value_counts().index[:8]
    f = f.join(tp[top].add_prefix("tp_"))
    f["recency_days"] = (max_ts - f["last_ts"]) / pd.Timedelta(days=1)
    f["tenure_days"] = (max_ts - f["first_ts"]) / pd.Timedelta(days=1)
    f["aov"] = np.where(f["orders"] > 0, f["revenue"] / f["orders"].where(f["orders"] > 0, 1), 0.0)
    f["days_to_purchase"] = (f["first_purchase"] - f["first_ts"]) / pd.Timedelta(days=1)
    n = len(f)
    f["r_score"] = 1 + np.floor(5 * (f["recency_days"].rank(method="min", ascending=False) - 1) / n)
    f["m_score"] = 1 + np.floor(5 * (f["revenue"].rank(method="min") - 1) / n)
    t2 = time.perf_counter()
    return {"customers": len(f), "events": int(f["events"].sum()), "revenue": float(f["revenue"].sum()),
            "read_s": t1 - t0, "features_s": t2 - t1, "peak_mb": vm_hwm_mb()}


def run_part(name: str, path: Path) -> dict:
    res = subprocess.run([sys.executable, __file__, "--part", name, "--path", str(path)],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"part {name} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--part", choices=["cj", "pandas"], help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:
        print(json.dumps((part_cj if args.part == "cj" else part_pandas)(Path(args.path))))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"segments_events_{args.customers}.parquet"
    if args.regenerate or not path.exists():
        print(f"generating {args.customers:,} customers in DuckDB -> {path.relative_to(ROOT)} ...", flush=True)
        print(f"  generated in {generate(path, args.customers):.1f} s", flush=True)
    ours = run_part("cj", path)
    print(f"cj      : {ours['customers']:,} customers, {ours['events']:,} events | features {ours['features_s']:.2f} s"
          f" + clustering {ours['cluster_s']:.2f} s = {ours['total_s']:.2f} s | peak {ours['peak_mb']:.0f} MB"
          f" | k={ours['k']} silhouette={ours['silhouette']:.3f} stability={ours['stability']:.3f}"
          f" ({ours['model']})", flush=True)
    if not args.skip_pandas:
        base = run_part("pandas", path)
        same = base["customers"] == ours["customers"] and base["events"] == ours["events"] \
            and abs(base["revenue"] - ours["revenue"]) < 1e-6 * max(1.0, abs(ours["revenue"]))
        print(f"pandas  : features {base['features_s']:.2f} s (+ read {base['read_s']:.2f} s) | peak "
              f"{base['peak_mb']:.0f} MB | same totals: {same}")
        print(f"ratio   : pandas / cj features = {base['features_s'] / ours['features_s']:.1f}x time, "
              f"{base['peak_mb'] / ours['peak_mb']:.1f}x peak memory")
    ok = ours["total_s"] < 60
    print(f"target  : features + clustering < 60 s: {'PASS' if ok else 'FAIL'} ({ours['total_s']:.1f} s)")


if __name__ == "__main__":
    main()
