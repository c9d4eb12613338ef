"""Benchmark: 6-step ordered funnel, 30-day window, DuckDB (cj.funnel) vs plain pandas.

    python bench/bench_funnel.py                  # 10M events, ~1M customers
    python bench/bench_funnel.py --events 1000000

The dataset is generated with DuckDB SQL alone (hash-based random stages and
timestamps; 6 stages with decreasing frequency; later stages tend to come
later) into ``bench/out/events_<N>.parquet``, sorted by customer and time, and
reused when present. Each engine runs in its own subprocess so that its peak
memory (VmHWM) is its own; both must give identical counts. Printed per engine:
the funnel call's wall time, the whole process's wall and CPU time (Python and
library start-up included) and peak RSS, plus the machine's load average,
since other jobs on a shared machine slow every number down.
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
OUT = ROOT / "bench" / "out"
STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]
WINDOW_DAYS = 30


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def generate(path: Path, n: int) -> None:
    """n events for about n/10 customers, written sorted by customer, timestamp."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    customers = max(1, n // 10)
    tmp = path.with_suffix(".tmp.parquet")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    # Stage k (0..5) with frequencies 40/25/17/10/5/3 %; a customer's events are
    # spread over 25 days after a random start, shifted 3 days per stage, so
    # some journeys fit the 30-day window and some do not. Minute resolution
    # makes equal timestamps common.
    con.execute(f"""
COPY (
  WITH r AS (SELECT range AS i, hash(range, 11) % {customers} AS c, hash(range, 13) % 1000 AS u FROM range({n})),
  s AS (SELECT i, c, CASE WHEN u < 400 THEN 0 WHEN u < 650 THEN 1 WHEN u < 820 THEN 2
                          WHEN u < 920 THEN 3 WHEN u < 970 THEN 4 ELSE 5 END AS k FROM r),
  e AS (SELECT i, c, k, ((hash(c, 17) % (150 * 86400)) + k * 3 * 86400 + hash(i, 19) % (25 * 86400)) // 60 * 60 AS sec FROM s)
  SELECT 'c' || lpad(c::VARCHAR, 8, '0') AS customer_id,
         TIMESTAMP '2024-01-01' + to_seconds(sec) AS "timestamp",
         {STAGES!r}[k + 1] AS stage,
         ['ad_view', 'page_view', 'product_view', 'checkout', 'repeat_order', 'review'][k + 1] AS event,
         'c' || c::VARCHAR || '-' || (sec // (7 * 86400))::VARCHAR AS session_id
  FROM e ORDER BY customer_id, "timestamp"
) TO '{tmp}' (FORMAT parquet)""")
    con.close()
    os.replace(tmp, path)


# ----------------------------------------------------------------- engines

def run_duckdb(path: Path, times: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from cj import funnel as F
    from cj import store

    con = store.connect()
    store.execute(con, f"CREATE VIEW events AS SELECT * FROM read_parquet({store.quote_literal(str(path))})")
    t0 = time.perf_counter()
    res = F.funnel(con, STAGES, window=timedelta(days=WINDOW_DAYS), times=times)
    dt = time.perf_counter() - t0
    return {"counts": res.steps["customers"].tolist(), "funnel_seconds": dt}


def run_pandas(path: Path) -> dict:
    """Same funnel in plain pandas: per step, merge_asof each step event onto the
    latest valid chain point of the previous step (a chain's start only grows,
    so the latest point carries the latest start; ties allowed)."""
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_parquet(path, columns=["customer_id", "timestamp", "stage"])
    df = df[df["stage"].isin(STAGES)]
    key = pd.factorize(df["customer_id"])[0]
    ev = pd.DataFrame({"key": key, "t": df["timestamp"].to_numpy(),
                       "k": df["stage"].map({s: i for i, s in enumerate(STAGES, start=1)}).to_numpy()})
    del df
    window = pd.Timedelta(days=WINDOW_DAYS)
    cur = ev.loc[ev["k"] == 1, ["key", "t"]].assign(cs=lambda d: d["t"])
    counts = [int(cur["key"].nunique())]
    for j in range(2, len(STAGES) + 1):
        right = cur.sort_values("t", kind="stable")
        right = right.assign(cs=right.groupby("key")["cs"].cummax())
        left = ev.loc[ev["k"] == j, ["key", "t"]].sort_values("t", kind="stable")
        m = pd.merge_asof(left, right, on="t", by="key", direction="backward", allow_exact_matches=True)
        m = m[m["cs"].notna() & (m["t"] - m["cs"] <= window)]
        cur = m[["key", "t", "cs"]]
        counts.append(int(cur["key"].nunique()))
    return {"counts": counts, "funnel_seconds": time.perf_counter() - t0}


def child(engine: str, path: Path) -> None:
    t0 = time.perf_counter()
    if engine == "duckdb":
        out = run_duckdb(path, times=True)
    elif engine == "duckdb-counts":
        out = run_duckdb(path, times=False)
    else:
        out = run_pandas(path)
    out.update(engine=engine, cpu_seconds=cpu_seconds(), peak_rss_mb=peak_rss_mb(),
               in_process_seconds=time.perf_counter() - t0)
    print(json.dumps(out))


def measure(engine: str, path: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", engine, "--path", str(path)],
                          capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per DuckDB variant (best is reported)")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, Path(args.path))
        return
    path = OUT / f"events_{args.events}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, args.events)
        print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s")
    print(f"{args.events:,} events; 6-step ordered funnel, {WINDOW_DAYS}-day window; load average {os.getloadavg()[0]:.2f}")
    results = []
    for engine in ("duckdb", "duckdb-counts"):
        runs = [measure(engine, path) for _ in range(max(1, args.repeat))]
        results.append(min(runs, key=lambda r: r["process_seconds"]))
    if not args.no_pandas:
        results.append(measure("pandas", path))
    counts = results[0]["counts"]
    for r in results:
        assert r["counts"] == counts, f"{r['engine']} counts {r['counts']} differ from {counts}"
    print(f"counts (identical): {counts}")
    print(f"{'engine':<15}{'funnel s':>10}{'process s':>11}{'cpu s':>8}{'peak RSS MB':>13}")
    for r in results:
        print(f"{r['engine']:<15}{r['funnel_seconds']:>10.2f}{r['process_seconds']:>11.2f}"
              f"{r['cpu_seconds']:>8.2f}{r['peak_rss_mb']:>13.0f}")
    if not args.no_pandas:
        pd_r, dd_r = results[-1], results[0]
        print(f"pandas / duckdb: {pd_r['process_seconds'] / dd_r['process_seconds']:.1f}x (process), "
              f"{pd_r['funnel_seconds'] / dd_r['funnel_seconds']:.1f}x (funnel call)")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
