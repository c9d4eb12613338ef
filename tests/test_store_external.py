"""External datasets: a Parquet location registered in the workspace and read in place."""
from __future__ import annotations

import pytest

from cj import funnel as F
from cj import store
from cj.errors import StoreError


def _write(con, sql: str, path, extra: str = "") -> None:
    store.execute(con, f"COPY ({sql}) TO {store.quote_literal(str(path))} (FORMAT parquet{extra})")


def test_register_file_and_folder_read_in_place(workspace, tmp_path):
    con = store.connect()
    workspace.open(con, store.SAMPLE_ID)
    expected = F.funnel(con, "awareness,interest,purchase").steps["customers"].tolist()
    rows = int(store.scalar(con, "SELECT count(*) FROM events"))
    one = tmp_path / "one.parquet"
    _write(con, "SELECT * FROM events", one)
    folder = tmp_path / "lake"
    _write(con, "SELECT * FROM events", folder, ", PARTITION_BY (country)")
    for loc in (one, folder):
        meta = workspace.register_external(loc, f"ext {loc.name}")
        assert meta.extra["external"] == str(loc.resolve())
        assert workspace.events_path(meta.id) == loc.resolve()
        assert not (workspace.dir(meta.id) / "events.parquet").exists()          # nothing copied
        assert meta.report["rows_read"] == meta.report["rows_usable"] == rows
        assert meta.report["customers"] == 20_000 and meta.stage_order[:2] == ["awareness", "interest"]
        assert {"customer_id", "timestamp", "stage", "country"} <= set(meta.columns)
        c2 = store.connect()
        got = workspace.open(c2, meta.id)
        assert got.id == meta.id
        assert F.funnel(c2, "awareness,interest,purchase").steps["customers"].tolist() == expected
        assert any(r["id"] == meta.id for r in workspace.list())
        workspace.delete(meta.id)
        assert not workspace.exists(meta.id)
        assert loc.exists()                                                       # files kept
        c2.close()
    con.close()


def test_register_problems_all_at_once(workspace, tmp_path):
    con = store.connect()
    bad = tmp_path / "bad.parquet"
    _write(con, "SELECT 'u' AS customer, 'yesterday' AS \"timestamp\", 1 AS x", bad)
    with pytest.raises(StoreError) as exc:
        workspace.register_external(bad)
    msgs = [str(p) for p in exc.value.problems]
    assert any("'customer_id' is missing" in m and "Did you mean 'customer'" in m for m in msgs)
    assert any("not a timestamp" in m for m in msgs)
    assert any("neither a 'stage' nor an 'event'" in m for m in msgs)
    with pytest.raises(StoreError, match="no such file"):
        workspace.register_external(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="no .parquet files"):
        workspace.register_external(tmp_path / "empty")
    with pytest.raises(StoreError, match="read by the Spark engine"):
        workspace.register_external("s3a://bucket/events/")
    con.close()


def test_moved_location_is_a_clear_error(workspace, tmp_path):
    con = store.connect()
    workspace.open(con, store.SAMPLE_ID)
    p = tmp_path / "ev.parquet"
    _write(con, "SELECT * FROM events LIMIT 100", p)
    meta = workspace.register_external(p)
    p.unlink()
    with pytest.raises(StoreError, match="which is gone"):
        workspace.open(con, meta.id)
    con.close()
