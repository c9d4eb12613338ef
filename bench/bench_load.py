"""Load: N people at once, each uploading a generated events file and opening every page.

    python bench/bench_load.py --sessions 1 5 10 20 --events 1000000
    python bench/bench_load.py --sessions 1 --events 100000 --json bench/out/load.json

Not part of the test suite. For each N in ``--sessions`` it starts the dashboard on loopback with a fresh
temporary workspace (so nothing is cached from the previous round), lets one warm-up visitor open the
Data page (the bundled sample is prepared on first use), then starts N fresh headless browser contexts
(Playwright async API, Debian chromium) at the same moment. Each one:

1. opens the Data page and uploads ``bench/out/events_<n>.csv`` (generated once with the helper of
   ``bench/make_events.py``) — timed from choosing the file until the "Loaded …" message, the metrics and
   the quality-report chart are on screen;
2. opens every analysis page by its share link (``/funnel?ds=<its dataset>`` …, Funnel, Segments,
   A/B tests, Sentiment, Journey map) — each timed from navigation until the page's own marker (the funnel
   summary, the segment caption, …) is on screen, the script has finished, and no spinner or skeleton is
   left.

Errors: a Streamlit exception box or an error alert on screen, an HTTP response >= 400 or a failed
request to the server (other than one aborted by the next navigation), a page or upload that does not finish within ``--page-timeout`` seconds (the
session then stops; it never hangs). Server memory: VmHWM (peak resident) of the server process and its
children, and the peak of their summed RSS sampled every 0.25 s during the round. CPU: seconds used
during the round by the server (with its children) and by the whole machine (/proc/stat), so the
browsers' share of the two cores is visible; with one session, also the server's CPU per step.

Prints one table per run (all pages, then per page kind) and writes the raw figures with ``--json``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import events_csv  # noqa: E402
from browser_utils import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

# url path -> (label, a locator factory for the "main content is on screen" marker)
CHART = '[data-testid="stVegaLiteChart"] :is(svg, canvas)'
PAGES = {
    "funnel": ("Funnel", lambda p: p.get_by_text("Largest drop").first),
    "segments": ("Segments", lambda p: p.get_by_text(re.compile(r"k = \d+")).first),
    "abtest": ("A/B tests", lambda p: p.get_by_text("Against the control").first),
    "sentiment": ("Sentiment", lambda p: p.get_by_text("Lowest point").first),
    "journey": ("Journey map", lambda p: p.get_by_text("The journey").first),
}
PROBE = re.compile(r"^/[^/?]+/_stcore/(health|host-config)$")
IDLE_JS = ("() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
           " return a && a.getAttribute('data-test-script-state') === 'notRunning'"
           " && !document.querySelector('[data-testid=\"stSkeleton\"], [data-testid=\"stSpinner\"]'); }")


@dataclass
class Session:
    index: int
    upload_s: float | None = None
    dataset: str | None = None
    pages: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # server CPU seconds during each step (upload, then each page): that step's own cost when N = 1
    server_cpu: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- server memory
def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids = (task / "children").read_text().split()
            out += [int(k) for k in kids]
    except OSError:
        pass
    return out


def process_tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pids) -> float:
    """CPU seconds (user + system, with reaped children) used so far by these processes."""
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in f[11:15])      # utime, stime, cutime, cstime
    return total / _TICK


def machine_cpu_s() -> float:
    """Busy CPU seconds of the whole machine so far (every core; /proc/stat minus idle and iowait)."""
    v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(v) - v[3] - v[4]) / _TICK


class MemoryWatch:
    """Samples the summed RSS of the server's process tree; remembers each process's VmHWM."""

    def __init__(self, pid: int):
        self.pid, self.peak_rss_kb, self.hwm_kb = pid, 0, {}
        self._task: asyncio.Task | None = None

    def sample(self) -> None:
        pids = process_tree(self.pid)
        self.peak_rss_kb = max(self.peak_rss_kb, sum(_status_kb(p, "VmRSS") for p in pids))
        for p in pids:
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), _status_kb(p, "VmHWM"))

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.25)

    def __enter__(self):
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc):
        self._task.cancel()
        self.sample()

    @property
    def hwm_mb(self) -> float:
        """VmHWM of the server process plus that of each child (an upper bound of the tree's peak)."""
        return sum(self.hwm_kb.values()) / 1024


# ---------------------------------------------------------------- one visitor
async def wait_done(page, marker, timeout_ms: float) -> None:
    await marker.wait_for(timeout=timeout_ms)
    await page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)


async def screen_errors(page) -> list[str]:
    found = []
    for sel, kind in (('[data-testid="stException"]', "exception"), ('[data-testid="stAlertContentError"]', "error alert")):
        loc = page.locator(sel)
        for i in range(await loc.count()):
            text = (await loc.nth(i).inner_text()).strip().replace("\n", " ")
            found.append(f"{kind}: {text[:300]}")
    if await page.get_by_text(re.compile("Page not found|Connection error", re.I)).count():
        found.append("Streamlit dialog: page not found / connection error")
    return found


async def visitor(browser, base: str, csv: Path, s: Session, timeout_ms: float, start: asyncio.Event,
                  shots: Path | None = None, server_cpu=lambda: 0.0) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    page.set_default_timeout(timeout_ms)
    where = {"step": "data"}

    def on_response(r):
        # Streamlit's frontend first probes <page>/_stcore/health|host-config for a base path: a 404 there is normal
        if r.url.startswith(base) and r.status >= 400 and not PROBE.match(r.url[len(base):]):
            s.errors.append(f"{where['step']}: HTTP {r.status} {r.url[len(base):][:120]}")

    def on_failed(r):
        # net::ERR_ABORTED: a fetch cut short by our own navigation to the next page (e.g. a download
        # button's file), not a server failure
        if r.url.startswith(base) and "ERR_ABORTED" not in (r.failure or ""):
            s.errors.append(f"{where['step']}: request failed {r.failure} {r.url[len(base):][:120]}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        await start.wait()
        # ---- upload on the Data page
        await page.goto(base + "/data")
        await wait_done(page, page.get_by_text("Rows read").first, timeout_ms)
        t0, c0 = time.perf_counter(), server_cpu()
        await page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
        await page.get_by_text(f"Loaded {csv.name}.").wait_for(timeout=timeout_ms)
        await page.locator('[data-testid="stMetric"]', has_text="Customers").first.wait_for(timeout=timeout_ms)
        await wait_done(page, page.locator(CHART).first, timeout_ms)
        s.upload_s = time.perf_counter() - t0
        s.server_cpu["upload"] = server_cpu() - c0
        if shots:
            await page.screenshot(path=str(shots / f"load-{s.index}-data.png"), full_page=True)
        s.errors += [f"data: {e}" for e in await screen_errors(page)]
        m = re.search(r"[?&]ds=([^&#]+)", page.url)
        if not m or m.group(1) == "sample":
            s.errors.append(f"data: no dataset in the share link after the upload ({page.url})")
            return
        s.dataset = m.group(1)
        # ---- every analysis page, by its share link
        for path, (_, marker) in PAGES.items():
            where["step"] = path
            t0, c0 = time.perf_counter(), server_cpu()
            await page.goto(f"{base}/{path}?ds={s.dataset}")
            await wait_done(page, marker(page), timeout_ms)
            s.pages[path] = time.perf_counter() - t0
            s.server_cpu[path] = server_cpu() - c0
            if shots:
                await page.screenshot(path=str(shots / f"load-{s.index}-{path}.png"), full_page=True)
            s.errors += [f"{path}: {e}" for e in await screen_errors(page)]
    except Exception as exc:        # a timeout (or a crash of the page): an error, and this visitor stops
        s.errors.append(f"{where['step']}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        try:
            s.errors += [f"{where['step']}: {e}" for e in await screen_errors(page)]
        except Exception:
            pass
    finally:
        try:
            await asyncio.wait_for(ctx.close(), 30)
        except (Exception, asyncio.CancelledError):
            pass


# ---------------------------------------------------------------- one round
def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan when empty."""
    if not values:
        return float("nan")
    v = sorted(values)
    return v[max(0, min(len(v) - 1, int(-(-q * len(v) // 100)) - 1))]


async def round_(n: int, csv: Path, timeout_ms: float, shots: Path | None = None) -> dict:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="cj-bench-load-"))
    ws = tmp / "workspace"
    server = None
    try:
        server = Server(ws)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                warm = await browser.new_context()
                wp = await warm.new_page()
                await wp.goto(server.url + "/data")
                await wait_done(wp, wp.get_by_text("Rows read").first, 300_000)
                await warm.close()
                sessions = [Session(i) for i in range(n)]
                start = asyncio.Event()
                with MemoryWatch(server.proc.pid) as mem:
                    probe = lambda: process_cpu_s(process_tree(server.proc.pid))  # noqa: E731
                    tasks = [asyncio.create_task(visitor(browser, server.url, csv, s, timeout_ms, start,
                                                                 shots if s.index == 0 else None, probe))
                             for s in sessions]
                    await asyncio.sleep(0.5)        # every context is open: go
                    t0 = time.perf_counter()
                    cpu0 = process_cpu_s(process_tree(server.proc.pid)), machine_cpu_s()
                    start.set()
                    await asyncio.gather(*tasks)
                    wall = time.perf_counter() - t0
                    cpu1 = process_cpu_s(process_tree(server.proc.pid)), machine_cpu_s()
            finally:
                await browser.close()
        if server.proc.poll() is not None:
            for s in sessions:
                s.errors.append(f"server exited with code {server.proc.returncode}")
    finally:
        if server is not None:
            server.stop()
            log = Path(server.log.name).read_text(errors="replace")
        else:
            log = ""
        shutil.rmtree(tmp, ignore_errors=True)
    times = [t for s in sessions for t in s.pages.values()]
    uploads = [s.upload_s for s in sessions if s.upload_s is not None]
    per_page = {path: [s.pages[path] for s in sessions if path in s.pages] for path in PAGES}
    tracebacks = log.count("Traceback (most recent call last)")
    return {
        "sessions": n, "events": None, "wall_s": wall,
        "pages_timed": len(times), "pages_expected": n * len(PAGES),
        "page_p50_s": pct(times, 50), "page_p95_s": pct(times, 95), "page_max_s": max(times, default=float("nan")),
        "upload_p50_s": pct(uploads, 50), "upload_p95_s": pct(uploads, 95),
        "per_page": {path: {"n": len(v), "p50_s": pct(v, 50), "p95_s": pct(v, 95)} for path, v in per_page.items()},
        "errors": sum(len(s.errors) for s in sessions), "error_list": [e for s in sessions for e in s.errors],
        "server_tracebacks_in_log": tracebacks,
        "server_peak_hwm_mb": mem.hwm_mb, "server_peak_rss_sampled_mb": mem.peak_rss_kb / 1024,
        # CPU seconds during the round: the dashboard's server, and everything else on the machine
        # (the headless browsers, Playwright, this script, other jobs)
        "server_cpu_s": cpu1[0] - cpu0[0], "machine_cpu_s": cpu1[1] - cpu0[1],
        "cores": os.cpu_count(),
        "raw": [asdict(s) for s in sessions],
    }


def print_round(r: dict) -> None:
    f = lambda x: f"{x:7.2f}" if x == x else "      —"  # noqa: E731
    print(f"{r['sessions']:>8} {r['pages_timed']:>4}/{r['pages_expected']:<4} {f(r['page_p50_s'])} {f(r['page_p95_s'])} "
          f"{f(r['page_max_s'])} {f(r['upload_p50_s'])} {f(r['upload_p95_s'])} {r['errors']:>6} "
          f"{r['server_peak_hwm_mb']:>9.0f} {r['wall_s']:>7.0f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--page-timeout", type=float, default=180, help="seconds per page (and per upload)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures (and every session's) here")
    ap.add_argument("--shots", type=Path, default=None,
                    help="save a screenshot of each page of the first session here (to check what was timed)")
    args = ap.parse_args()
    csv = events_csv(args.events)
    print(f"file: {csv.name} ({args.events:,} events, {csv.stat().st_size / 1e6:.0f} MB); "
          f"page timeout {args.page_timeout:.0f} s", flush=True)
    head = (f"{'sessions':>8} {'pages':>9} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'up p50':>7} {'up p95':>7} "
            f"{'errors':>6} {'server MB':>9} {'wall s':>7}")
    print(head, flush=True)
    results = []
    for n in args.sessions:
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
        try:
            r = asyncio.run(round_(n, csv, args.page_timeout * 1000, args.shots))
        except KeyboardInterrupt:
            print("stopped", flush=True)
            break
        r["events"] = args.events
        results.append(r)
        print_round(r)
        for e in r["error_list"][:10]:
            print(f"         ! {e}", flush=True)
        if r["server_tracebacks_in_log"]:
            print(f"         ! {r['server_tracebacks_in_log']} traceback(s) in the server log", flush=True)
        print(f"         CPU during the round: server {r['server_cpu_s']:.0f} s "
              f"({r['server_cpu_s'] / max(r['sessions'], 1):.1f} s per session), everything else "
              f"(browsers, harness) {r['machine_cpu_s'] - r['server_cpu_s']:.0f} s; machine busy "
              f"{r['machine_cpu_s'] / (r['wall_s'] * r['cores']):.0%} of {r['cores']} cores", flush=True)
        if r["sessions"] == 1 and r["raw"][0]["server_cpu"]:
            print("         server CPU s per step (one session): " + ", ".join(
                f"{'upload' if k == 'upload' else PAGES[k][0]} {v:.1f}" for k, v in r["raw"][0]["server_cpu"].items()),
                flush=True)
        print("         per page p50/p95 s: " + ", ".join(
            f"{PAGES[p][0]} {d['p50_s']:.1f}/{d['p95_s']:.1f}" for p, d in r["per_page"].items() if d["n"]), flush=True)
        if args.json:                                   # after every round: a long run that is stopped keeps its figures
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1, default=str))
    print("\nper page kind, p50 / p95 s:")
    print(f"{'sessions':>8} " + " ".join(f"{PAGES[p][0]:>17}" for p in PAGES))
    for r in results:
        cells = []
        for p in PAGES:
            d = r["per_page"][p]
            cells.append(f"{d['p50_s']:7.2f} / {d['p95_s']:6.2f}" if d["n"] else f"{'—':>17}")
        print(f"{r['sessions']:>8} " + " ".join(f"{c:>17}" for c in cells))
    print(f"\nserver memory: peak of the summed RSS sampled every 0.25 s: "
          + ", ".join(f"N={r['sessions']}: {r['server_peak_rss_sampled_mb']:.0f} MB" for r in results))
    if args.json:
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
