"""Benchmark: the 6-step ordered funnel (30-day window) on Apache Spark local[2] beside DuckDB.

    python bench/bench_spark_funnel.py                    # 10M events, ~1M customers
    python bench/bench_spark_funnel.py --events 1000000
    python bench/bench_spark_funnel.py --master spark://host:7077   # a cluster (the file must be visible to it)

Same data as ``bench_funnel.py`` (``bench/out/events_<N>.parquet``, generated when
missing), same call (``cj.funnel.funnel`` with median times), one subprocess per
engine. Spark is timed twice in one session: the first call (code generation and
JIT warm-up included) and a second, warm call; the session start is reported
apart. Peak memory is the Python process's VmHWM plus, for Spark, the JVM's
(local mode: driver and executors are that one JVM). The counts of both engines
must be identical, and the medians equal to 1e-9.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_funnel import OUT, ROOT, STAGES, WINDOW_DAYS, cpu_seconds, generate, peak_rss_mb  # noqa: E402


def _vmhwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of another process (the JVM)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _result(res) -> dict:
    s = res.steps
    return {"counts": s["customers"].tolist(), "medians": s["median_seconds_from_start"].tolist()}


def run_duckdb(path: Path) -> dict:
    from datetime import timedelta

    from cj import funnel as F
    from cj import store

    con = store.connect()
    store.execute(con, f"CREATE VIEW events AS SELECT * FROM read_parquet({store.quote_literal(str(path))})")
    t0 = time.perf_counter()
    res = F.funnel(con, STAGES, window=timedelta(days=WINDOW_DAYS))
    return {**_result(res), "funnel_seconds": time.perf_counter() - t0}


def run_spark(path: Path, master: str) -> dict:
    from datetime import timedelta

    from cj import engine
    from cj import funnel as F

    t0 = time.perf_counter()
    spark = engine.spark_session(master)
    start = time.perf_counter() - t0
    src = engine.open_spark(path, master)
    t1 = time.perf_counter()
    res = F.funnel(src, STAGES, window=timedelta(days=WINDOW_DAYS))
    first = time.perf_counter() - t1
    src2 = engine.open_spark(path, master)          # a fresh source: nothing cached from the first call
    t2 = time.perf_counter()
    res2 = F.funnel(src2, STAGES, window=timedelta(days=WINDOW_DAYS))
    warm = time.perf_counter() - t2
    assert _result(res) == _result(res2)
    jvm_pid = int(spark._jvm.java.lang.ProcessHandle.current().pid()) if not master.startswith("sc://") else None
    return {**_result(res), "funnel_seconds": first, "warm_seconds": warm, "session_seconds": start,
            "jvm_peak_mb": _vmhwm_mb(jvm_pid) if jvm_pid else float("nan"),
            "jvm_cpu_seconds": _cpu_of(jvm_pid) if jvm_pid else float("nan")}


def child(kind: str, path: Path, master: str) -> None:
    t0 = time.perf_counter()
    out = run_duckdb(path) if kind == "duckdb" else run_spark(path, master)
    out.update(engine=kind, cpu_seconds=cpu_seconds(), peak_rss_mb=peak_rss_mb(),
               in_process_seconds=time.perf_counter() - t0)
    print("__BENCH__" + json.dumps(out))


def measure(kind: str, path: Path, master: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--path", str(path), "--master", master],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("__BENCH__")][-1]
    out = json.loads(line[len("__BENCH__"):])
    out["process_seconds"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, Path(args.path), args.master)
        return
    path = OUT / f"events_{args.events}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, args.events)
        print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s")
    print(f"{args.events:,} events; 6-step ordered funnel, {WINDOW_DAYS}-day window, median times; "
          f"Spark {args.master}; load average {os.getloadavg()[0]:.2f}")
    duck = measure("duckdb", path, args.master)
    spark = measure("spark", path, args.master)
    assert spark["counts"] == duck["counts"], f"Spark counts {spark['counts']} differ from DuckDB {duck['counts']}"
    for a, b in zip(spark["medians"], duck["medians"]):
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), f"medians differ: {spark['medians']} vs {duck['medians']}"
    print(f"counts (identical): {duck['counts']}")
    print(f"{'engine':<10}{'funnel s':>10}{'warm s':>9}{'session s':>11}{'process s':>11}{'cpu s':>8}"
          f"{'peak MB (py+jvm)':>18}   (cpu: python + jvm)")
    print(f"{'duckdb':<10}{duck['funnel_seconds']:>10.2f}{'':>9}{'':>11}{duck['process_seconds']:>11.2f}"
          f"{duck['cpu_seconds']:>8.2f}{duck['peak_rss_mb']:>18.0f}")
    peak = spark["peak_rss_mb"] + (spark["jvm_peak_mb"] if spark["jvm_peak_mb"] == spark["jvm_peak_mb"] else 0)
    cpu = spark["cpu_seconds"] + (spark["jvm_cpu_seconds"] if spark["jvm_cpu_seconds"] == spark["jvm_cpu_seconds"] else 0)
    print(f"{'spark':<10}{spark['funnel_seconds']:>10.2f}{spark['warm_seconds']:>9.2f}{spark['session_seconds']:>11.2f}"
          f"{spark['process_seconds']:>11.2f}{cpu:>8.2f}{peak:>18.0f}")
    print(f"spark / duckdb: {spark['funnel_seconds'] / duck['funnel_seconds']:.1f}x (first call), "
          f"{spark['warm_seconds'] / duck['funnel_seconds']:.1f}x (warm call), "
          f"{spark['process_seconds'] / duck['process_seconds']:.1f}x (whole process)")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
