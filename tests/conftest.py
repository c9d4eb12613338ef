import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "datasets"


def pytest_addoption(parser):
    parser.addoption("--browser-e2e", action="store_true", default=False,
                     help="run the real-browser tests (Playwright + Debian chromium); on by default under CI=true")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser test (Playwright + chromium)")


def pytest_collection_modifyitems(config, items):
    run_browser = config.getoption("--browser-e2e") or os.environ.get("CI") == "true" \
        or os.environ.get("CJ_BROWSER_TESTS") == "1"
    if run_browser:
        return
    skip = pytest.mark.skip(reason="browser tests need --browser-e2e (always on in CI)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    from cj import store

    root = tmp_path / "ws"
    monkeypatch.setenv("CJ_WORKSPACE", str(root))
    return store.Workspace(root)


@pytest.fixture
def con():
    from cj import store

    c = store.connect()
    yield c
    c.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    from browser_utils import Server

    server = Server(tmp_path_factory.mktemp("browser") / "workspace")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from browser_utils import launch_browser

    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()
