import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "datasets"
if not SHARED.exists():          # a clone elsewhere (CI): the shared data sits beside the main checkout
    SHARED = Path(os.environ.get("CJ_SHARED_DATASETS", "/work/shared/datasets"))
ECOM = SHARED / "clickstream" / "ecom.csv.gz"


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


@pytest.fixture(autouse=True)
def _cwd_is_the_project():
    """Every test starts in the project folder: a test that chdir'ed into a temporary folder that is
    gone by now would otherwise make os.getcwd() (and monkeypatch.chdir) fail in later tests."""
    os.chdir(ROOT)
    yield


@pytest.fixture(scope="session")
def _sample_workspace_template(tmp_path_factory):
    """A workspace holding the ingested sample, built once per test run."""
    from cj import ingest, store

    root = tmp_path_factory.mktemp("ws-template") / "ws"
    ws = store.Workspace(root)
    sample = ROOT / "data" / "sample_events.csv.gz"
    meta, _ = ingest.ingest_to_workspace(sample, ws, name="Sample: online store journeys", dataset_id=store.SAMPLE_ID)
    meta.extra["sample_mtime"] = sample.stat().st_mtime
    ws.save_meta(meta)
    return root


@pytest.fixture
def workspace(tmp_path, monkeypatch, _sample_workspace_template):
    """A private workspace per test (CJ_WORKSPACE), starting with the sample dataset in it."""
    import shutil

    from cj import store

    root = tmp_path / "ws"
    shutil.copytree(_sample_workspace_template, root)
    monkeypatch.setenv("CJ_WORKSPACE", str(root))
    return store.Workspace(root)


@pytest.fixture
def con():
    from cj import store

    c = store.connect()
    yield c
    c.close()


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the run (the parity tests). Missing pyspark is a skip on a
    developer machine and a failure under CI=true (requirements-dev.txt installs it)."""
    from cj import engine

    if not engine.spark_available():
        if os.environ.get("CI") == "true":
            pytest.fail("pyspark is not installed but CI=true: requirements-dev.txt should have installed it")
        pytest.skip("pyspark not installed (python3 -m pip install -r requirements-spark.txt)")
    return engine.spark_session("local[2]")


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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, "rep_" + rep.when, rep)
    return rep


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:       # keep what the browser showed, for the failure report
        from browser_utils import shot

        try:
            print("failure screenshot:", shot(pg, "FAILED-" + request.node.name.replace("/", "_")))
        except Exception as exc:  # noqa: BLE001
            print("no failure screenshot:", exc)
    ctx.close()
