"""Several people at once: K real browser sessions open the Funnel page of the sample concurrently.

    python bench/bench_load.py --sessions 1 4 8

Starts the dashboard (its own workspace), then for each K opens K fresh browser contexts at the same
time (Playwright async API, Debian chromium) and measures, per session, the time from navigation to
the funnel summary being on screen; prints p50 / max and the server's resident and peak memory.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_utils import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402


def server_memory(pid: int) -> tuple[float, float]:
    rss = hwm = 0.0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return rss, hwm


async def one(browser, url: str) -> float:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    t = time.perf_counter()
    await page.goto(url)
    await page.get_by_text("Largest drop").first.wait_for(timeout=300_000)
    dt = time.perf_counter() - t
    await ctx.close()
    return dt


async def main_async(sessions: list[int]) -> None:
    from playwright.async_api import async_playwright

    ws = Path(tempfile.mkdtemp(prefix="cj-bench-load-")) / "workspace"
    ws.parent.mkdir(exist_ok=True)
    server = Server(ws)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            await one(browser, server.url + "/funnel")          # warm-up: sample ingest + first computation
            print(f"{'sessions':>8} {'p50 s':>8} {'max s':>8} {'server RSS MB':>14} {'server peak MB':>15}")
            for k in sessions:
                times = await asyncio.gather(*[one(browser, server.url + f"/funnel?v=1&window={7 + i}d")
                                               for i in range(k)])
                rss, hwm = server_memory(server.proc.pid)
                print(f"{k:>8} {statistics.median(times):8.2f} {max(times):8.2f} {rss:14.0f} {hwm:15.0f}")
            await browser.close()
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    asyncio.run(main_async(ap.parse_args().sessions))


if __name__ == "__main__":
    main()
