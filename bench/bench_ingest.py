"""Ingest speed: cj's full ingest (typed parse + quality report + saved dataset) vs DuckDB's own
CSV→Parquet copy of the same file, and a plain-pandas baseline. Target: ≤ 1.5× the DuckDB copy;
opening a saved dataset < 1 s.

    python bench/bench_ingest.py --events 10000000 --repeat 5

The DuckDB copy and cj's ingest run alternately ``--repeat`` times (each in a fresh process); the
table shows the medians and the ratio of the medians, and the range of each pair's ratio, because a
single pair on this shared 2-core machine varies by ±15%.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile

from _common import events_csv, measure, row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="alternate DuckDB copy / cj ingest this many times")
    args = ap.parse_args()
    csv = events_csv(args.events)
    print(f"file: {csv} ({csv.stat().st_size / 1e6:.0f} MB)")
    tmp = tempfile.mkdtemp(prefix="cj-bench-")
    try:
        ducks, cjs = [], []
        for i in range(max(1, args.repeat)):
            ducks.append(measure(setup="import duckdb", code=f"""
con = duckdb.connect(); con.execute("SET threads=2")
con.execute("COPY (SELECT * FROM read_csv('{csv}')) TO '{tmp}/duck.parquet' (FORMAT parquet, COMPRESSION zstd)")
result = con.execute("SELECT count(*) FROM '{tmp}/duck.parquet'").fetchone()[0]
"""))
            cjs.append(measure(setup="from cj import store, ingest", code=f"""
ws = store.Workspace('{tmp}/ws{i}')
meta, ing = ingest.ingest_to_workspace('{csv}', ws, name='bench')
result = {{"id": meta.id, "rows_usable": ing.report.rows_usable, "customers": ing.report.customers,
           "ws": '{tmp}/ws{i}'}}
"""))
            print(f"  pair {i + 1}: DuckDB {ducks[-1]['seconds']:.2f} s, cj {cjs[-1]['seconds']:.2f} s "
                  f"({cjs[-1]['seconds'] / ducks[-1]['seconds']:.2f}×)", flush=True)
        duck, cj = _median(ducks), _median(cjs)
        pair_ratios = [c["seconds"] / d["seconds"] for d, c in zip(ducks, cjs)]
        opened = measure(setup="from cj import store", code=f"""
ws = store.Workspace({cj['result']['ws']!r})
con = store.connect()
ws.open(con, {cj['result']['id']!r})
result = int(store.scalar(con, "SELECT count(*) FROM events"))
""")
        print(f"medians of {len(ducks)} alternating runs:")
        print(row("DuckDB read_csv → Parquet copy", duck))
        print(row("cj ingest (parse + report + save)", cj, duck))
        print(row("cj open saved dataset + count(*)", opened))
        if not args.skip_pandas:
            pdm = measure(setup="import pandas as pd", code=f"""
df = pd.read_csv('{csv}', parse_dates=['timestamp'], engine='pyarrow')
df.to_parquet('{tmp}/pandas.parquet')
result = len(df)
""")
            print(row("pandas read_csv(pyarrow) → to_parquet", pdm, duck))
        print(f"rows: duckdb {duck['result']:,}; cj usable {cj['result']['rows_usable']:,}, "
              f"customers {cj['result']['customers']:,}")
        ratio = cj["seconds"] / duck["seconds"]
        print(f"ratio of medians {ratio:.2f}×; pairs {min(pair_ratios):.2f}–{max(pair_ratios):.2f}×")
        print(f"target ≤ 1.5× DuckDB copy: {ratio:.2f}× {'OK' if ratio <= 1.5 else 'MISSED'}; "
              f"open < 1 s: {'OK' if opened['seconds'] < 1 else 'MISSED'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _median(runs: list[dict]) -> dict:
    """The run with the median time (its peak memory and result with it)."""
    return sorted(runs, key=lambda m: m["seconds"])[len(runs) // 2]


if __name__ == "__main__":
    main()
