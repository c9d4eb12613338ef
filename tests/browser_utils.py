"""Real-browser test support: a Streamlit server on a free port and Debian's chromium via Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SHOTS = ROOT / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workspace: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CJ_WORKSPACE": str(workspace), "PYTHONUNBUFFERED": "1"}
        self.log = open(workspace.parent / f"streamlit-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not start; see " + self.log.name)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def launch_browser(playwright):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and /usr/bin/chromium is missing: install Debian's chromium (scripts/test.sh does)")
        pytest.skip("Debian's chromium is not installed")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout: float = 60_000):
    """Wait until the Streamlit script has finished and no skeletons remain."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
                           timeout=timeout)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    p = SHOTS / f"{name}.png"
    page.screenshot(path=str(p), full_page=True)
    return p


def select(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def fill(page, label: str, text: str) -> None:
    """Type into a Streamlit text input and commit it (Enter)."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def chart_specs(page) -> list[str]:
    """Text of every rendered Vega-Lite chart (SVG), to compare before/after an interaction."""
    page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
    return page.locator('[data-testid="stVegaLiteChart"]').all_inner_texts()


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


def wait_chart_change(page, before: str, index: int = 0, timeout: float = 30_000) -> str:
    """Wait until chart ``index`` shows something other than ``before``; return its new text."""
    import time

    deadline = time.time() + timeout / 1000
    while time.time() < deadline:
        texts = page.locator('[data-testid="stVegaLiteChart"]').all_inner_texts()
        if len(texts) > index and texts[index] != before:
            return texts[index]
        page.wait_for_timeout(200)
    raise AssertionError("the chart did not change")
