"""AppTest: the Data page registers a Parquet location read in place (trusted installs only)."""
from __future__ import annotations

from apptest_utils import app, metric, texts

from cj import store


def test_add_a_parquet_location(workspace, tmp_path):
    lake = tmp_path / "lake"
    con = store.connect()
    workspace.open(con, store.SAMPLE_ID)
    store.execute(con, f"COPY (SELECT * FROM events WHERE device = 'mobile') TO {store.quote_literal(str(lake))} "
                       "(FORMAT parquet, PARTITION_BY (country))")
    mobile = int(store.scalar(con, "SELECT count(DISTINCT customer_id) FROM events WHERE device = 'mobile'"))
    con.close()
    at = app().run()
    assert not at.exception
    at.text_input(key="ext_location").input(str(tmp_path / "missing")).run()
    at.button(key="ext_add").click().run()
    assert not at.exception
    assert "no such file or folder" in texts(at)
    at.text_input(key="ext_location").input(str(lake)).run()
    at.text_input(key="ext_name").input("Mobile lake").run()
    at.button(key="ext_add").click().run()
    assert not at.exception
    page = texts(at)
    assert "Added Mobile lake (read in place)." in page and "Mobile lake" in page
    assert int(metric(at, "Customers").replace(",", "")) == mobile
    ds = at.query_params["ds"]
    ds = ds[0] if isinstance(ds, list) else ds
    assert store.Workspace(workspace.root).meta(ds).extra["external"] == str(lake)
    assert not (workspace.dir(ds) / "events.parquet").exists()


def test_hidden_in_hosted_mode(workspace, monkeypatch):
    monkeypatch.setenv("CJ_LIST_DATASETS", "0")
    at = app().run()
    assert not at.exception
    assert not [e for e in at.text_input if e.key == "ext_location"]
