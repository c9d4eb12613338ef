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
