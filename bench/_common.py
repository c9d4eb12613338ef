"""Shared benchmark helpers: run a snippet in a fresh process, report wall time and peak memory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

_WRAP = r'''
import json, sys, time
sys.path.insert(0, {root!r})
{setup}
t0 = time.perf_counter()
{code}
elapsed = time.perf_counter() - t0
peak_kb = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak_kb = int(line.split()[1])
print("__BENCH__" + json.dumps({{"seconds": elapsed, "peak_mb": peak_kb / 1024, "result": locals().get("result")}}, default=str))
'''


def measure(code: str, setup: str = "") -> dict:
    """Run ``setup`` (untimed, e.g. imports) then ``code`` (timed) in a fresh Python process; ``code``
    may set ``result``. Returns seconds, peak_mb (whole process), result."""
    src = _WRAP.format(root=str(ROOT), code=code, setup=setup)
    out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("__BENCH__")][-1]
    return json.loads(line[len("__BENCH__"):])


def events_csv(n_events: int) -> Path:
    """The generated benchmark CSV with ``n_events`` rows (made once, kept in bench/out/)."""
    OUT.mkdir(parents=True, exist_ok=True)
    label = f"{n_events // 1_000_000}m" if n_events % 1_000_000 == 0 else str(n_events)
    path = OUT / f"events_{label}.csv"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from cj.sample import write_benchmark_events

        print(f"generating {path} …", flush=True)
        write_benchmark_events(path, n_events)
    return path


def row(name: str, m: dict, base: dict | None = None) -> str:
    ratio = f"{m['seconds'] / base['seconds']:.2f}×" if base else ""
    return f"{name:<44} {m['seconds']:8.2f} s {m['peak_mb']:9.0f} MB  {ratio}"
