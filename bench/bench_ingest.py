"""Ingest speed: cj's full ingest (typed parse + quality report + saved dataset) vs DuckDB's own
CSV→Parquet copy of the same file, and a plain-pandas baseline. Target: ≤ 1.5× the DuckDB copy;
opening a saved dataset < 1 s.

    python bench/bench_ingest.py --events 10000000
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
    args = ap.parse_args()
    csv = events_csv(args.events)
    print(f"file: {csv} ({csv.stat().st_size / 1e6:.0f} MB)")
    tmp = tempfile.mkdtemp(prefix="cj-bench-")
    try:
        duck = measure(setup="import duckdb", code=f"""
con = duckdb.connect(); con.execute("SET threads=2")
con.execute("COPY (SELECT * FROM read_csv('{csv}')) TO '{tmp}/duck.parquet' (FORMAT parquet, COMPRESSION zstd)")
result = con.execute("SELECT count(*) FROM '{tmp}/duck.parquet'").fetchone()[0]
""")
        cj = measure(setup="from cj import store, ingest", code=f"""
ws = store.Workspace('{tmp}/ws')
meta, ing = ingest.ingest_to_workspace('{csv}', ws, name='bench')
result = {{"id": meta.id, "rows_usable": ing.report.rows_usable, "customers": ing.report.customers}}
""")
        opened = measure(setup="from cj import store", code=f"""
ws = store.Workspace('{tmp}/ws')
con = store.connect()
ws.open(con, {cj['result']['id']!r})
result = int(store.scalar(con, "SELECT count(*) FROM events"))
""")
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
        print(f"target ≤ 1.5× DuckDB copy: {ratio:.2f}× {'OK' if ratio <= 1.5 else 'MISSED'}; "
              f"open < 1 s: {'OK' if opened['seconds'] < 1 else 'MISSED'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
