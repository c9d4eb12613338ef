"""Interactivity: how long the Funnel page takes to re-render after a control changes, on 1M events.

    python bench/bench_page.py --events 1000000

Ingests the generated file into a temporary workspace, opens the page with AppTest (the same
script run a browser session does, minus the network), then times reruns after changing the mode,
the window and the breakdown. First-time computations are not cached; a control set back to an
earlier value is served from the cache.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from _common import ROOT, events_csv

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    csv = events_csv(args.events)
    tmp = tempfile.mkdtemp(prefix="cj-bench-page-")
    os.environ["CJ_WORKSPACE"] = tmp
    from cj import ingest, store

    meta, _ = ingest.ingest_to_workspace(csv, store.Workspace(tmp), name="bench")
    from apptest_utils import app

    at = app({"v": "1", "ds": meta.id}, timeout=600).run()
    t = time.perf_counter()
    at.switch_page("pages/funnel.py").run()
    print(f"open funnel page (first computation): {time.perf_counter() - t:.2f} s")
    for label, action in [
        ("mode → strict", lambda: at.selectbox(key="fn_mode").set_value("strict")),
        ("window → 7d", lambda: at.text_input(key="fn_window").set_value("7d")),
        ("mode → ordered (cached)", lambda: at.selectbox(key="fn_mode").set_value("ordered")),
        ("window → 30d (cached)", lambda: at.text_input(key="fn_window").set_value("30d")),
        ("breakdown → device", lambda: at.selectbox(key="fn_by").set_value("device")),
    ]:
        action()
        t = time.perf_counter()
        at.run()
        assert not at.exception, at.exception
        print(f"{label:<28} {time.perf_counter() - t:6.2f} s")


if __name__ == "__main__":
    main()
