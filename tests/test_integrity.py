"""Integrity of the workspace: crashes mid-write, damaged files, concurrent writers, deletion.

Whatever happens to one dataset (a process killed while writing it, a damaged file in it), the
catalog and every other dataset stay readable, no half-written dataset is ever listed, and
``.staging-*`` / ``.old-*`` / ``.trash-*`` leftovers are invisible. Each test says how it was seen to
fail against a deliberately broken (or the previous) version of the code.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from cj import funnel, ingest, store
from cj.errors import CJError, StoreError

ROOT = Path(__file__).resolve().parent.parent

SMALL = ("customer_id,timestamp,stage,touchpoint,feedback\n" + "".join(
    f"c{i % 7},2026-01-{1 + i % 28:02d} 10:{i % 60:02d}:00,{('awareness', 'interest', 'purchase')[i % 3]},"
    f"tp{i % 3},text {i}\n" for i in range(60)))


# ------------------------------------------------------------------ helpers

def _add(ws: store.Workspace, tmp_path: Path, name: str, text: str = SMALL) -> store.DatasetMeta:
    src = tmp_path / f"{name}.csv"
    src.write_text(text, encoding="utf-8")
    meta, _ = ingest.ingest_to_workspace(src, ws, name=name)
    return meta


def _count(ws: store.Workspace, dataset_id: str) -> int:
    con = store.connect()
    try:
        ws.open(con, dataset_id)
        return int(store.scalar(con, "SELECT count(*) FROM events"))
    finally:
        con.close()


def _check_consistent(ws: store.Workspace, must_have: dict[str, int]) -> list[dict]:
    """The workspace invariants after any crash: list() works, every listed dataset is whole
    (meta, events and rejects readable; events count = the report's usable rows), the given
    datasets are there with their row counts, and no leftover folder is listed."""
    rows = ws.list()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert store.valid_id(r["id"]) and not r["id"].startswith("."), r
        meta = ws.meta(r["id"])
        assert meta.id == r["id"]
        assert _count(ws, r["id"]) == meta.report["rows_usable"], r
        con = store.connect()
        store.run(con, f"SELECT count(*) FROM read_parquet({store.quote_literal(str(ws.rejects_path(r['id'])))})")
        con.close()
    for dataset_id, n in must_have.items():
        assert dataset_id in ids, f"{dataset_id} disappeared from the listing"
        assert _count(ws, dataset_id) == n
    listed_dirs = {r["id"] for r in rows}
    for d in ws.root.iterdir():
        if d.name.startswith("."):
            assert d.name not in listed_dirs
    return rows


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """About 100 MB of events: ingesting it takes a few seconds, long enough to kill mid-way."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    duckdb.sql(f"""COPY (SELECT 'c' || (i % 200000)::VARCHAR AS customer_id,
        strftime(TIMESTAMP '2026-01-01' + to_seconds(i * 7 % 5000000), '%Y-%m-%d %H:%M:%S') AS timestamp,
        (['awareness', 'interest', 'consideration', 'purchase'])[1 + (i % 4)::INT] AS stage,
        'tp' || (i % 7)::VARCHAR AS touchpoint, 'some feedback text ' || (i % 997)::VARCHAR AS feedback
        FROM range(1500000) t(i)) TO {store.quote_literal(str(path))} (HEADER)""")
    return path


INGEST_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[1])
from cj import ingest, store
print("START", flush=True)
meta, _ = ingest.ingest_to_workspace(sys.argv[3], store.Workspace(sys.argv[2]), name="big")
print("DONE", meta.id, flush=True)
"""

# Dies (SIGKILL, no cleanup at all) at the N-th os.replace / rmtree of the store: every point where
# a dataset, its meta or the catalog changes on disk.
CRASH_SCRIPT = r"""
import os, shutil, signal, sys
sys.path.insert(0, sys.argv[1])
from cj import ingest, store
root, mode, target, crash_at = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
calls = [0]
def tick():
    calls[0] += 1
    if calls[0] == crash_at:
        os.kill(os.getpid(), signal.SIGKILL)
real_replace, real_rmtree = os.replace, shutil.rmtree
def replace(*a, **k):
    tick()
    return real_replace(*a, **k)
def rmtree(*a, **k):
    tick()
    return real_rmtree(*a, **k)
os.replace, shutil.rmtree = replace, rmtree
ws = store.Workspace(root)
if mode == "new":
    ingest.ingest_to_workspace(target, ws, name="crashy")
elif mode == "reingest":
    ingest.reingest(ws, target, stage_order=["purchase", "interest", "awareness"])
elif mode == "delete":
    ws.delete(target)
print("DONE", calls[0], flush=True)
"""


def _python(script: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, str(ROOT), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ------------------------------------------------------------------ killed mid-write

def test_sigkill_during_ingest_never_leaves_a_half_dataset(workspace, tmp_path, big_csv):
    """A process ingesting a big file is SIGKILLed after several delays spread over the whole
    ingest (reading, writing Parquet, committing). Afterwards the catalog and the other datasets
    read as before, the dataset is either absent or whole, and a new ingest still works.

    Seen failing: with ``save_dataset`` writing straight into ``<root>/<id>/`` and listing it first
    (catalog entry and meta.json before the data; no staging folder, no rename), a kill during the
    Parquet COPY left a listed dataset whose events.parquet had no footer (``StoreError: A saved
    data file cannot be read``)."""
    other = _add(workspace, tmp_path, "other")
    must = {store.SAMPLE_ID: _count(workspace, store.SAMPLE_ID), other.id: 60}

    t0 = time.time()
    p = _python(INGEST_SCRIPT, workspace.root, big_csv)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0 and "DONE" in out, err
    full = time.time() - t0
    done_id = out.split("DONE")[1].split()[0]
    rows = _check_consistent(workspace, {**must, done_id: 1_500_000})
    assert len(rows) == 3
    workspace.delete(done_id)

    outcomes = []
    for frac in (0.15, 0.35, 0.5, 0.65, 0.75, 0.85, 0.95):
        p = _python(INGEST_SCRIPT, workspace.root, big_csv)
        p.stdout.readline()                         # "START": the imports are done
        time.sleep(max(0.05, (full - 1.0) * frac))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        rows = _check_consistent(workspace, must)
        big = [r for r in rows if r["name"] == "big"]
        outcomes.append("complete" if big else "absent")
        for r in big:
            workspace.delete(r["id"])
    leftovers = [d.name for d in workspace.root.iterdir() if d.name.startswith(".staging-")]
    assert outcomes.count("absent") >= 3, outcomes           # most kills landed mid-ingest
    # the workspace still takes new data
    again = _add(workspace, tmp_path, "after")
    _check_consistent(workspace, {**must, again.id: 60})
    print(f"kills: {outcomes}; staging leftovers (invisible): {len(leftovers)}")


@pytest.mark.parametrize("mode", ["new", "reingest", "delete"])
def test_crash_at_every_step_of_a_commit(workspace, tmp_path, mode):
    """The process dies (SIGKILL) at the 1st, 2nd, … rename/removal of a new ingest, a re-ingest
    (dataset replaced under the same id) and a delete, until it completes. After each crash: the
    workspace invariants hold and the dataset being re-ingested is still listed (old or new
    version, never neither); a half-deleted dataset is never listed half.

    Seen failing: on the code before this change a crash between ``commit``'s two renames (old
    folder moved aside, new one not yet in place) made the re-ingested dataset vanish from the
    listing (``AssertionError: ... disappeared from the listing``) — it only survived in a
    ``.trash-*`` folder that nothing restored; the same with ``Workspace._recover`` made a no-op."""
    other = _add(workspace, tmp_path, "other")
    must = {store.SAMPLE_ID: _count(workspace, store.SAMPLE_ID), other.id: 60}
    src = tmp_path / "crashy.csv"
    src.write_text(SMALL, encoding="utf-8")
    completed = False
    for n in range(1, 15):
        if mode == "new":
            target = src
        else:
            target = _add(workspace, tmp_path, f"victim{n}").id
        p = _python(CRASH_SCRIPT, workspace.root, mode, target, n)
        out, err = p.communicate(timeout=60)
        crashed = p.returncode == -signal.SIGKILL
        assert crashed or (p.returncode == 0 and "DONE" in out), err
        expect = dict(must)
        if mode == "reingest":
            expect[target] = 60
        rows = _check_consistent(workspace, expect)
        if mode == "delete" and not crashed:
            assert target not in {r["id"] for r in rows}
        for r in rows:                              # start the next round from the same state
            if r["id"] not in must:
                workspace.delete(r["id"])
        if not crashed:
            completed = True
            break
    assert completed and n > 2, n                   # crashed at every step, then ran through


# ------------------------------------------------------------------ damaged files

def _flip_middle(b: bytes) -> bytes:
    i = len(b) // 3
    return b[:i] + bytes(200) + b[i + 200:]


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "zeroed_middle", "zeroed_header", "missing"])
def test_damaged_events_parquet_is_a_store_error_and_isolated(workspace, tmp_path, damage):
    """A damaged events.parquet gives a StoreError with a message (when opened, or at the latest
    when an analysis reads it), and the sample dataset beside it still opens and computes.

    Seen failing: with the translation of Parquet read failures in ``store.run`` removed, the
    ``zeroed_middle`` case raised a raw ``duckdb.InvalidInputException`` (ZSTD decompression
    failure) and ``zeroed_header`` a raw ``duckdb.Error`` (TProtocolException) out of
    ``funnel.funnel``; with ``Workspace.open`` creating its view without its try/except (and outside
    ``store.run``), ``garbage``, ``empty`` and ``truncated`` raised ``duckdb.InvalidInputException``."""
    text = "customer_id,timestamp,stage,feedback\n" + "".join(
        f"c{i},2026-01-0{1 + i % 9} 10:00:00,{('awareness', 'purchase')[i % 2]},text {i} {i * 7919 % 10007}\n"
        for i in range(20000))
    meta = _add(workspace, tmp_path, "victim", text)
    path = workspace.events_path(meta.id)
    good = path.read_bytes()
    data = {"garbage": b"PAR1 this is not parquet", "empty": b"", "truncated": good[: len(good) // 2],
            "zeroed_middle": _flip_middle(good), "zeroed_header": good[:4] + bytes(1000) + good[1004:],
            "missing": None}[damage]
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)
    con = store.connect()
    with pytest.raises(StoreError) as info:
        workspace.open(con, meta.id)
        funnel.funnel(con, ["awareness", "purchase"])
        store.run(con, "SELECT * FROM events")
    assert "victim" in info.value.message or meta.id in info.value.message or "damaged" in info.value.message
    assert info.value.problems[0].fix
    # the rest of the workspace works, on the same connection too
    workspace.open(con, store.SAMPLE_ID)
    res = funnel.funnel(con, ["awareness", "interest"])
    assert res.steps["customers"].iloc[0] > 0
    assert {r["id"] for r in workspace.list()} >= {store.SAMPLE_ID, meta.id}
    con.close()


@pytest.mark.parametrize("content", ["{not json", "[]", '"a string"', "null", '{"id": 5}', "{}",
                                     '{"id": "%(id)s", "name": "x", "report": "oops", "stage_order": 7}',
                                     '{"id": "someoneelse1", "name": "x"}', "\x00\x01binary"])
def test_damaged_meta_json_is_a_store_error_and_isolated(workspace, tmp_path, content):
    """A damaged meta.json (not JSON, not an object, fields of the wrong type, another dataset's
    id) makes that dataset a StoreError; listing and the other datasets keep working.

    Seen failing: before this change ``[]`` raised ``AttributeError: 'list' object has no attribute
    'items'`` from ``Workspace.meta``, and a meta.json with wrong-typed fields or another dataset's id
    was accepted as this dataset."""
    meta = _add(workspace, tmp_path, "victim")
    (workspace.dir(meta.id) / "meta.json").write_text(content % {"id": meta.id} if "%(id)s" in content else content,
                                                      encoding="utf-8")
    with pytest.raises(StoreError) as info:
        workspace.meta(meta.id)
    assert "damaged" in info.value.message
    with pytest.raises(StoreError):
        workspace.open(store.connect(), meta.id)
    rows = workspace.list()
    assert store.SAMPLE_ID in {r["id"] for r in rows}
    assert _count(workspace, store.SAMPLE_ID) > 0


@pytest.mark.parametrize("content", ["garbage{", "[1, 2]", '"x"', "null", '{"%(id)s": 5}',
                                     '{"%(id)s": {"name": "v", "created": "yesterday"}}',
                                     '{"../../etc": {"name": "evil", "created": 1}}', ""])
def test_damaged_catalog_is_rebuilt(workspace, tmp_path, content):
    """A damaged catalog.json never takes the workspace down: the listing is rebuilt from the
    datasets' own meta files and new datasets can still be added.

    Seen failing: before this change ``[1, 2]`` raised ``AttributeError`` from ``Workspace.list``,
    ``{"<id>": 5}`` a ``TypeError`` and a non-numeric ``created`` a ``ValueError``; with
    ``_read_catalog`` not rebuilding (returning ``{}``) on unreadable JSON, the ``garbage{`` case
    listed no datasets."""
    meta = _add(workspace, tmp_path, "victim")
    workspace.catalog_path.write_text(content % {"id": meta.id} if "%(id)s" in content else content,
                                      encoding="utf-8")
    ids = {r["id"] for r in workspace.list()}
    assert {store.SAMPLE_ID, meta.id} <= ids and all(store.valid_id(i) for i in ids)
    again = _add(workspace, tmp_path, "after")
    _check_consistent(workspace, {meta.id: 60, again.id: 60})


def test_damaged_dataset_in_the_app_shows_a_message(workspace, tmp_path):
    """The app opened on a link to a damaged dataset shows a message, not a traceback, and the
    sidebar picker still offers the sample.

    Seen failing: with ``Workspace.meta`` letting ``AttributeError`` through (list-shaped
    meta.json), the Data page raised instead of showing the error."""
    from apptest_utils import app, texts

    meta = _add(workspace, tmp_path, "victim")
    (workspace.dir(meta.id) / "meta.json").write_text("[]", encoding="utf-8")
    at = app({"ds": meta.id}).run()
    assert not at.exception, at.exception
    assert "sample" in at.selectbox(key="cj_ds_picker").options or \
        any("Sample" in o for o in at.selectbox(key="cj_ds_picker").options)
    assert "damaged" in texts(at) or "not found" in texts(at)


# ------------------------------------------------------------------ concurrent writers

def _commit_many(root: str, prefix: str, n: int) -> None:
    ws = store.Workspace(root)
    for i in range(n):
        st = ws.staging_dir()
        (st / "events.parquet").write_bytes(b"x")
        ws.commit(st, store.DatasetMeta(id=f"{prefix}{i:04d}", name=f"{prefix}{i}"))


def test_concurrent_commits_keep_every_catalog_entry(tmp_path):
    """Sessions (threads) and server processes adding datasets at the same moment: every dataset
    ends up in the catalog.

    Seen failing: before the catalog lock, 40 threads committing at once left only 13 of 40
    datasets listed (the catalog's read-modify-write raced); with the lock made a no-op, 26 of the 60
    datasets here."""
    root = str(tmp_path / "ws")
    threads = [threading.Thread(target=_commit_many, args=(root, f"thr{k}x", 5)) for k in range(8)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_commit_many, args=(root, f"proc{k}x", 10)) for k in range(2)]
    for t in threads + procs:
        t.start()
    for t in threads + procs:
        t.join(60)
    assert all(p.exitcode == 0 for p in procs)
    listed = {r["id"] for r in store.Workspace(root).list()}
    assert len(listed) == 8 * 5 + 2 * 10, len(listed)
    cat = json.loads((Path(root) / "catalog.json").read_text("utf-8"))
    assert set(cat) == listed


# ------------------------------------------------------------------ deletion

def _files_containing(root: Path, marker: bytes) -> list[str]:
    hits = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            try:
                if marker in p.read_bytes():
                    hits.append(str(p.relative_to(root)))
            except OSError:
                pass
    return hits


def test_delete_removes_every_file(workspace, tmp_path):
    """Deleting a dataset removes its folder (events, rejects, meta, the kept source file) and its
    catalog entry, leaves no ``.trash-*`` folder, and keeps the other datasets.

    Seen failing: with ``Workspace.delete`` reduced to dropping the catalog entry, the dataset's
    folder and the source file holding the marker text stayed on disk (and ``exists()`` stayed
    true)."""
    marker = "ZQXJ-unique-marker-7731"
    meta = _add(workspace, tmp_path, "secret", SMALL.replace("text 5\n", f"{marker}\n"))
    (tmp_path / "secret.csv").unlink()
    assert _files_containing(workspace.root, marker.encode())        # kept source file
    workspace.delete(meta.id)
    assert not workspace.exists(meta.id)
    assert meta.id not in {r["id"] for r in workspace.list()}
    assert meta.id not in json.loads(workspace.catalog_path.read_text("utf-8"))
    assert not any(meta.id in str(p) for p in workspace.root.rglob("*"))
    assert _files_containing(workspace.root, marker.encode()) == []
    assert _count(workspace, store.SAMPLE_ID) > 0
    with pytest.raises(StoreError):
        workspace.meta(meta.id)


def test_delete_in_the_app_removes_the_uploaded_file(workspace):
    """Upload through the Data page, delete through its Manage tab: no file in the workspace may
    still hold the uploaded content.

    Seen failing while pages/data.py kept the upload copy in ``.uploads/<hex>/`` after ingest (the
    copy survived the delete); passes since the page removes ``updir`` after a successful ingest."""
    from apptest_utils import app

    marker = "ZQXJ-app-marker-5521"
    at = app().run()
    at.file_uploader(key="upload").set_value(("mine.csv", SMALL.replace("text 5\n", f"{marker}\n").encode(),
                                              "text/csv")).run()
    assert not at.exception
    assert _files_containing(workspace.root, marker.encode())
    at.button(key="delete_btn").click().run()
    assert not at.exception
    assert _files_containing(workspace.root, marker.encode()) == []


def test_ingest_failure_leaves_nothing_behind(workspace, tmp_path):
    """A file refused by ingest leaves no dataset, no staging folder and no catalog entry.

    Seen failing: with ``save_dataset``'s cleanup of the staging folder removed and a failure
    injected into ``Workspace.commit``, a ``.staging-*`` folder stayed behind."""
    before = sorted(p.name for p in workspace.root.iterdir() if p.name != ".lock")
    bad = tmp_path / "bad.csv"
    bad.write_text("who,when\nx,y\n", encoding="utf-8")
    with pytest.raises(CJError):
        ingest.ingest_to_workspace(bad, workspace, name="bad")
    orig = workspace.commit
    workspace.commit = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
    try:
        src = tmp_path / "ok.csv"
        src.write_text(SMALL, encoding="utf-8")
        with pytest.raises(OSError):
            ingest.ingest_to_workspace(src, workspace, name="ok")
    finally:
        workspace.commit = orig
    assert sorted(p.name for p in workspace.root.iterdir() if p.name != ".lock") == before


def test_abandoned_staging_and_uploads_are_removed_after_a_day(workspace):
    """A crash mid-ingest leaves a ``.staging-*`` folder, and an upload the user never finished mapping
    stays in ``.uploads/``: both are removed once older than STALE_SECONDS, fresh ones are left alone
    (an ingest may be writing them). Seen failing before: nothing ever removed them."""
    old = time.time() - store.STALE_SECONDS - 60
    stale_staging = workspace.staging_dir()
    (stale_staging / "events.parquet").write_bytes(b"half")
    fresh_staging = workspace.staging_dir()
    up = workspace.root / ".uploads"
    (up / "aaa").mkdir(parents=True)
    (up / "aaa" / "x.csv").write_text("a,b\n")
    (up / "bbb").mkdir()
    for p in (stale_staging, up / "aaa"):
        os.utime(p, (old, old))
    store.Workspace(workspace.root).list()          # any workspace use runs the recovery
    assert not stale_staging.exists() and not (up / "aaa").exists()
    assert fresh_staging.exists() and (up / "bbb").exists()
    assert [d["id"] for d in store.Workspace(workspace.root).list()] == ["sample"]


def test_connection_locks_go_with_their_connections():
    """One lock per DuckDB connection, released with the connection (it used to be a dict keyed by
    id() that grew by one lock per session for the server's lifetime)."""
    import gc

    cons = [store.connect() for _ in range(5)]
    for c in cons:
        store.scalar(c, "SELECT 1")
    assert all(c in store._CON_LOCKS for c in cons)
    assert store._lock_for(cons[0]) is store._lock_for(cons[0])
    with_ours = len(store._CON_LOCKS)
    for c in cons:
        c.close()
    del cons, c
    gc.collect()
    # other tests' connections may go at the same moment: ours (5) are gone at least
    assert len(store._CON_LOCKS) <= with_ours - 5
