"""Isolation between sessions: two people using the app at the same time never see each other's data,
columns, mappings or cached results.

* AppTest sessions in parallel threads (one Streamlit process, shared caches), and
* real browser contexts against a real server (``--browser-e2e``): the default local setting
  (``CJ_LIST_DATASETS=1`` lists every dataset of the workspace in the picker, by design) and the
  hosted setting ``CJ_LIST_DATASETS=0`` where a session's picker holds only the sample, its own
  uploads and what it opened by link.

Each test says how it was seen to fail against a deliberately broken version.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from cj import store

# Two files that look alike (same stages, so the same funnel steps and cache parameters) but differ in
# every number, column name and mapping.
ALICE = ("user_id,when,stage,channel,alice_only_col\n" + "".join(
    f"a{i % 11},2026-01-{1 + i % 20:02d} 10:00:00,{('awareness', 'interest', 'purchase')[i % 3]},web,x\n"
    for i in range(66))).encode()
BOB = ("client,date,stage,канал,amount,bob_only_col\n" + "".join(
    f"b{i % 29},2026-02-{1 + i % 20:02d} 09:00:00,{('awareness', 'interest', 'purchase')[min(i % 4, 2)]},"
    f"email,{i},y\n" for i in range(116))).encode()
FACTS = {  # what each person must see: (rows read, customers, a column only they have, mapping of customer_id)
    "alice": ("66", "11", "alice_only_col", "user_id"),
    "bob": ("116", "29", "bob_only_col", "client"),
}
FILES = {"alice": ("alice.csv", ALICE), "bob": ("bob.csv", BOB)}


def _metric(at, label):
    for m in at.metric:
        if m.label == label:
            return m.value
    raise KeyError(label)


def _session(who: str, barrier: threading.Barrier, out: dict) -> None:
    """One person's whole visit, run in its own thread: upload, look at the Data page, then the Funnel."""
    from apptest_utils import app

    at = None
    try:
        name, data = FILES[who]
        at = app().run()
        barrier.wait(240)                       # both sessions upload at the same moment
        at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
        barrier.wait(240)
        at.run()                               # rerun after the other session has uploaded too
        seen = {
            "exception": [e.message for e in at.exception],
            "rows": _metric(at, "Rows read"), "customers": _metric(at, "Customers"),
            "ds": at.selectbox(key="cj_ds_picker").value,
            "options": list(at.selectbox(key="cj_ds_picker").options),
            "source_columns": list(at.selectbox(key="map_customer_id").options),
            "mapped_id": at.selectbox(key="map_customer_id").value,
        }
        barrier.wait(240)
        at.switch_page("pages/funnel.py").run()
        table = next(d.value for d in at.dataframe if "conversion_from_start" in d.value.columns)
        seen["funnel"] = [int(x) for x in table["customers"]]
        seen["by_options"] = list(at.selectbox(key="fn_by").options)
        seen["exception"] += [e.message for e in at.exception]
        out[who] = seen
    except BaseException as exc:  # noqa: BLE001 - reported by the main thread
        import traceback

        from apptest_utils import texts

        page = texts(at) if at is not None else ""
        excs = [e.message for e in at.exception] if at is not None else []
        out[who] = {"error": repr(exc), "trace": traceback.format_exc(), "page": page[:3000], "exceptions": excs}


def _run_both() -> dict:
    from streamlit.testing.v1.util import patch_config_options

    barrier = threading.Barrier(2)
    out: dict = {}
    threads = [threading.Thread(target=_session, args=(who, barrier, out)) for who in ("alice", "bob")]
    # AppTest.run() switches the process-wide option global.appTest on and back off around each run,
    # so one session's run ending turns it off under the other's (its selectbox format functions then
    # go unrecorded: KeyError '$$ID-…-opt_encoding' inside AppTest). A harness limitation, not the
    # app's: hold the option on for the whole concurrent visit.
    # Each AppTest run also compiles the page scripts afresh (a real server compiles them once, under
    # ScriptCache's lock), and CPython 3.11.7's compiler is not safe to enter from two threads at
    # once ("AST constructor recursion depth mismatch"): serialise compile() for the visit.
    import builtins

    real_compile, lock = builtins.compile, threading.Lock()

    def serial_compile(*args, **kwargs):
        with lock:
            return real_compile(*args, **kwargs)

    builtins.compile = serial_compile
    try:
        with patch_config_options({"global.appTest": True}):
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
    finally:
        builtins.compile = real_compile
    return out


def _check_own_data(out: dict) -> None:
    for who, other in (("alice", "bob"), ("bob", "alice")):
        seen = out[who]
        assert "error" not in seen, out
        assert not seen["exception"], seen["exception"]
        rows, customers, own_col, id_col = FACTS[who]
        assert (seen["rows"], seen["customers"]) == (rows, customers), (who, seen)
        assert own_col in seen["source_columns"] and FACTS[other][2] not in seen["source_columns"], who
        assert seen["mapped_id"] == id_col
        assert FACTS[other][2] not in seen["by_options"]
    assert out["alice"]["ds"] != out["bob"]["ds"]
    # funnel numbers: each person's own (the same default funnel computed on their file alone)
    for who in ("alice", "bob"):
        assert out[who]["funnel"] == _expected_funnel(who), who
    assert _expected_funnel("alice") != _expected_funnel("bob")


def _expected_funnel(who: str) -> list[int]:
    import tempfile

    from cj import funnel, ingest

    name, data = FILES[who]
    con = store.connect()
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / name
        p.write_bytes(data)
        ing = ingest.ingest(con, p, workdir=Path(tmp))
        store.execute(con, "CREATE TABLE events AS SELECT * EXCLUDE (_record) FROM events_new")
    res = funnel.funnel(con, ing.report.stage_order)
    con.close()
    return [int(x) for x in res.steps["customers"]]


def test_two_concurrent_apptest_sessions_see_only_their_own_data(workspace, monkeypatch):
    """Two sessions (threads of one process, sharing Streamlit's caches) upload different files at the
    same moment: each sees its own row count, customers, source columns, mapping, breakdown options and
    funnel numbers.

    Seen failing: with ``pages/common.con()`` returning one process-wide DuckDB connection instead of
    the session's own (``st.cache_resource``), the two ingests ran on one connection and Alice's
    session ended on the sample (229,242 rows read instead of 66); with ``common.version_key``
    returning a constant, Alice's funnel came from the cache with Bob's numbers ([29, 16, 10])."""
    monkeypatch.setenv("CJ_LIST_DATASETS", "1")
    out = _run_both()
    _check_own_data(out)
    # local setting: listing every dataset of the workspace is by design
    assert "alice.csv" in out["bob"]["options"] and "bob.csv" in out["alice"]["options"]


def test_hosted_setting_hides_other_sessions_datasets(workspace, monkeypatch):
    """With ``CJ_LIST_DATASETS=0`` (hosted) the picker of each concurrent session holds the sample and
    its own upload only — never the other person's dataset — and a third, fresh session sees neither.

    Seen failing: with ``known_datasets`` ignoring the setting (always ``ws.list()``), Alice's picker
    offered Bob's dataset."""
    from apptest_utils import app

    monkeypatch.setenv("CJ_LIST_DATASETS", "0")
    out = _run_both()
    _check_own_data(out)
    # (AppTest lists a selectbox's options by their labels: the dataset names)
    assert "bob.csv" not in out["alice"]["options"] and "alice.csv" not in out["bob"]["options"]
    assert len(out["alice"]["options"]) == 2 and "alice.csv" in out["alice"]["options"]
    fresh = app().run()
    assert len(fresh.selectbox(key="cj_ds_picker").options) == 1
    # a share link is a capability: whoever holds Bob's link opens Bob's data (by design, documented)
    linked = app({"ds": out["bob"]["ds"]}).run()
    assert _metric(linked, "Rows read") == "116"
    assert "alice.csv" not in linked.selectbox(key="cj_ds_picker").options


def test_cached_results_are_per_dataset(workspace, tmp_path):
    """The page-level result cache is shared by every session of the process; its key must contain the
    dataset (id and version), so the same call on another dataset — or on a re-ingested one — is
    computed afresh.

    Seen failing: with ``common.version_key`` returning a constant, the two datasets (and a dataset
    before and after re-ingest) shared one cache key."""
    from cj import funnel, ingest
    from pages import common

    metas = {}
    for who, (name, data) in FILES.items():
        p = tmp_path / name
        p.write_bytes(data)
        metas[who], _ = ingest.ingest_to_workspace(p, workspace, name=name)
    keys = {who: common.version_key(m) for who, m in metas.items()}
    assert keys["alice"] != keys["bob"]
    # the cache key of the same call differs only by the dataset part, and that part differs
    before = common.version_key(metas["alice"])
    new_meta, _ = ingest.reingest(workspace, metas["alice"].id, stage_order=["purchase", "interest", "awareness"])
    assert common.version_key(new_meta) != before
    con = store.connect()
    for who, expect in (("alice", [11, 11, 11]), ("bob", [29, 29, 29])):
        workspace.open(con, metas[who].id)
        assert funnel.funnel(con, ["awareness", "interest", "purchase"], mode="open").steps["customers"].tolist() \
            == expect
    con.close()


# ------------------------------------------------------------------ real browsers

browser = pytest.mark.browser


def _open_data_page(page) -> None:
    from browser_utils import wait_idle

    # The Data page is the default page, served at "/" ("/data" shows a "Page not found" dialog to every
    # session after a server's first one).
    page.goto(page.context._cj_url + "/")          # noqa: SLF001 - set by _context below
    wait_idle(page)
    page.get_by_text("Rows read").first.wait_for()


def _wait_loaded(page, path: Path) -> None:
    from browser_utils import wait_idle

    done = page.get_by_text(re.compile(f"Loaded {re.escape(path.name)}|could not be loaded")).or_(
        page.locator('[data-testid="stException"]'))
    done.first.wait_for(timeout=120_000)
    wait_idle(page)
    assert page.get_by_text(f"Loaded {path.name}").count(), f"{path.name} did not load: " + " | ".join(
        page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts())[:400]


def _metrics(page) -> dict:
    out = {}
    for t in page.locator('[data-testid="stMetric"]').all_inner_texts():
        parts = [x.strip() for x in t.split("\n") if x.strip()]
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def _picker_options(page) -> list[str]:
    from browser_utils import wait_idle

    box = page.get_by_role("combobox", name="Dataset")
    try:
        box.click(timeout=20_000)
    except Exception:
        from browser_utils import shot

        shot(page, "isolation-picker")
        inert = page.evaluate("() => [...document.querySelectorAll('[inert]')].map(e => e.getAttribute('data-testid') || e.tagName)")
        raise AssertionError(f"picker not clickable; inert: {inert}; url {page.url}")
    opts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    wait_idle(page)
    return [o.strip() for o in opts]


def _context(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx._cj_url = url                                   # noqa: SLF001
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    return ctx, page


def _files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for who, (name, data) in FILES.items():
        p = tmp_path / f"{who}-upload.csv"
        p.write_bytes(data)
        paths[who] = p
    return paths


def _two_people(browser, url: str, tmp_path: Path) -> dict:
    paths = _files(tmp_path)
    ctxs = {who: _context(browser, url) for who in FILES}
    try:
        for who, (ctx, page) in ctxs.items():
            _open_data_page(page)
        for who, (ctx, page) in ctxs.items():            # both uploads in flight at once
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(paths[who]))
        for who, (ctx, page) in ctxs.items():
            _wait_loaded(page, paths[who])
        from browser_utils import wait_idle

        seen = {who: {} for who in ctxs}
        # Same sessions, next run (no reload): the Funnel page computes on the session's connection.
        for who, (ctx, page) in ctxs.items():
            page.locator('[data-testid="stSidebarNav"] a', has_text="Funnel").click()
            wait_idle(page)
            txt = page.get_by_text(re.compile(r"customers started")).first.inner_text()
            seen[who]["funnel_start"] = int(re.search(r"([\d,]+)\s+customers started", txt).group(1).replace(",", ""))
        for who, (ctx, page) in ctxs.items():
            ds = re.search(r"ds=([\w-]+)", page.url).group(1)
            page.goto(f"{url}/?ds={ds}")                   # a fresh session on the person's own link
            wait_idle(page)
            page.get_by_text("Rows read").first.wait_for()
            seen[who].update(metrics=_metrics(page), options=_picker_options(page), url=page.url)
        return seen
    finally:
        for ctx, _ in ctxs.values():
            ctx.close()


@pytest.fixture(scope="module")
def hosted_server(tmp_path_factory):
    """A second server in the hosted setting (CJ_LIST_DATASETS=0)."""
    from browser_utils import Server

    old = os.environ.get("CJ_LIST_DATASETS")
    os.environ["CJ_LIST_DATASETS"] = "0"
    try:
        server = Server(tmp_path_factory.mktemp("hosted") / "workspace")
    finally:
        if old is None:
            os.environ.pop("CJ_LIST_DATASETS", None)
        else:
            os.environ["CJ_LIST_DATASETS"] = old
    yield server
    server.stop()


@browser
def test_two_browsers_see_only_their_own_numbers(app_server, browser, tmp_path):
    """Two browser contexts (two people) upload different CSVs to the same server: each page shows only
    its own numbers, and its link carries its own dataset.

    Seen failing: with ``pages/common.con()`` returning one process-wide connection
    (``st.cache_resource``), the two uploads in flight at once collided on it (Alice's page:
    ``CatalogException: Table with name parsed does not exist``); with the uploads made one after the
    other, Alice's Funnel page (the next run of her session, after Bob's upload had pointed the
    shared ``events`` view at his file) said 29 customers started — Bob's number, not her 11."""
    seen = _two_people(browser, app_server.url, tmp_path)
    for who in ("alice", "bob"):
        rows, customers, _, _ = FACTS[who]
        assert seen[who]["funnel_start"] == _expected_funnel(who)[0], (who, seen[who])
        assert seen[who]["metrics"].get("Rows read") == rows, seen[who]
        assert seen[who]["metrics"].get("Customers") == customers, seen[who]
    assert re.search(r"ds=([\w-]+)", seen["alice"]["url"]).group(1) != \
        re.search(r"ds=([\w-]+)", seen["bob"]["url"]).group(1)


@browser
def test_hosted_browsers_do_not_list_each_other(hosted_server, browser, tmp_path):
    """Hosted setting, two people upload: each picker lists the sample and their own file only; a third
    person who just opens the app sees only the sample.

    Seen failing: with ``known_datasets`` ignoring CJ_LIST_DATASETS, Alice's picker listed
    'bob-upload.csv'."""
    seen = _two_people(browser, hosted_server.url, tmp_path)
    assert any("alice-upload.csv" in o for o in seen["alice"]["options"])
    assert not any("bob-upload.csv" in o for o in seen["alice"]["options"]), seen["alice"]["options"]
    assert not any("alice-upload.csv" in o for o in seen["bob"]["options"]), seen["bob"]["options"]
    for who in ("alice", "bob"):
        assert seen[who]["metrics"].get("Rows read") == FACTS[who][0]
    ctx, page = _context(browser, hosted_server.url)
    try:
        from browser_utils import wait_idle

        page.goto(hosted_server.url + "/")
        wait_idle(page)
        page.get_by_text("Rows read").first.wait_for()
        opts = _picker_options(page)
        assert not any("upload.csv" in o for o in opts), opts
    finally:
        ctx.close()
