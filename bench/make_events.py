"""Generate a large event CSV for the benchmarks.

    python bench/make_events.py --events 1000000 --out bench/out/events_1m.csv
    python bench/make_events.py --events 10m            # -> bench/out/events_10m.csv

About 10 events per customer (10M events = 1M customers, ~0.94 GB of CSV; add .gz to the
name to compress). The columns are the canonical event model; see
``cj.sample.write_benchmark_events``. Prints the time taken and the file size.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cj.sample import write_benchmark_events  # noqa: E402


def parse_count(text: str) -> int:
    """``1000000``, ``1_000_000``, ``1e6``, ``1m``, ``10M``, ``500k`` -> an int."""
    t = text.strip().lower().replace("_", "")
    scale = {"k": 10**3, "m": 10**6, "b": 10**9}.get(t[-1:], 1)
    if scale != 1:
        t = t[:-1]
    try:
        value = float(t) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count: {text!r} (try 1000000, 1e6 or 1m)") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"the count must be a positive whole number, got {text!r}")
    return int(value)


def label(n: int) -> str:
    """10_000_000 -> '10m', 250_000 -> '250k'."""
    for div, suffix in ((10**9, "b"), (10**6, "m"), (10**3, "k")):
        if n % div == 0:
            return f"{n // div}{suffix}"
    return str(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=parse_count, default=1_000_000,
                        help="number of events (1000000, 1e6, 1m, 10m; default 1m)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output file (default bench/out/events_<n>.csv; .gz to compress)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "bench" / "out" / f"events_{label(args.events)}.csv"
    start = time.perf_counter()
    write_benchmark_events(out, args.events, seed=args.seed)
    took = time.perf_counter() - start
    size = out.stat().st_size
    print(f"{out}: {args.events:,} events, {size / 1e6:,.1f} MB, {took:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
