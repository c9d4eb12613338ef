"""``python -m cj … --engine spark``: the same JSON, the same numbers; clear messages otherwise."""
from __future__ import annotations

import json

from cj import cli, engine, store


def run_cli(capsys, *argv) -> dict:
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_funnel_json_identical_on_both_engines(spark, workspace, capsys):
    """A saved dataset id: DuckDB reads it, Spark reads the same Parquet where it lies."""
    args = ["funnel", store.SAMPLE_ID, "--json", "--window", "7d", "--by", "device", "--per", "session"]
    duck = run_cli(capsys, *args)
    sp = run_cli(capsys, *args, "--engine", "spark", "--spark-master", "local[2]")
    assert sp == duck
    assert duck["steps"][0]["customers"] > 0 and set(duck["groups"]) == {"mobile", "desktop", "tablet"}


def test_funnel_on_a_file_and_a_registered_folder(spark, workspace, capsys, tmp_path):
    # A file: ingested as today, then handed to Spark as a temporary Parquet.
    src = tmp_path / "ev.csv"
    src.write_text("user,when,stage\nu1,2024-01-01 10:00,awareness\nu1,2024-01-02 10:00,purchase\n"
                   "u2,2024-01-01 11:00,awareness\nu3,2024-01-03 09:00,purchase\n")
    args = ["funnel", str(src), "--json", "--mode", "ordered"]
    duck = run_cli(capsys, *args)
    assert [s["customers"] for s in duck["steps"]] == [2, 1]
    assert run_cli(capsys, *args, "--engine", "spark") == duck
    # A registered folder of Parquet files (Hive-style parts), read in place by both engines.
    lake = tmp_path / "lake"
    con = store.connect()
    workspace.open(con, store.SAMPLE_ID)
    store.execute(con, f"COPY (SELECT * FROM events) TO {store.quote_literal(str(lake))} "
                       "(FORMAT parquet, PARTITION_BY (device))")
    con.close()
    reg = run_cli(capsys, "register", str(lake), "--name", "lake", "--json")
    ds = reg["dataset_id"]
    assert reg["external"] == str(lake) and reg["report"]["customers"] == 20_000
    args = ["funnel", ds, "--json", "--by", "device", "--window", "30d"]
    duck = run_cli(capsys, *args)
    assert run_cli(capsys, *args, "--engine", "spark") == duck
    assert [s["customers"] for s in duck["steps"]] == \
        [s["customers"] for s in run_cli(capsys, "funnel", store.SAMPLE_ID, "--json", "--window", "30d")["steps"]]


def test_abtest_json_identical_on_both_engines(spark, workspace, capsys):
    """The CLI routes the other analyses with a Spark twin the same way (their parity is pinned in
    their own tests; here: the command line wiring)."""
    args = ["abtest", store.SAMPLE_ID, "--goal", "purchase", "--json"]
    duck = run_cli(capsys, *args)
    assert run_cli(capsys, *args, "--engine", "spark") == duck
    assert [v["variant"] for v in duck["variants"]] == ["A", "B"]


def test_spark_missing_is_a_clear_message(monkeypatch, capsys):
    monkeypatch.setattr(engine, "spark_available", lambda: False)
    monkeypatch.setattr(engine, "_SESSIONS", {})
    assert cli.main(["funnel", "data/sample_events.csv.gz", "--engine", "spark", "--json"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Spark engine is not installed" in err and "requirements-spark.txt" in err
    assert "Traceback" not in err


def test_commands_without_a_spark_twin_say_so(monkeypatch, capsys):
    for cmd in ("findings", "report"):
        assert cli.main([cmd, "data/sample_events.csv.gz", "--engine", "spark"]) == cli.EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert "does not run on the Spark engine yet" in err and "--engine duckdb" in err


def test_register_rejects_non_canonical_columns(workspace, capsys, tmp_path):
    p = tmp_path / "raw.parquet"
    con = store.connect()
    store.execute(con, f"COPY (SELECT 'u1' AS user_id, '2024-01-01' AS \"timestamp\", 'x' AS stage, 'a' AS revenue) "
                       f"TO {store.quote_literal(str(p))} (FORMAT parquet)")
    con.close()
    assert cli.main(["register", str(p), "--json"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "customer_id" in err and "not a timestamp" in err and "'revenue' is VARCHAR" in err
    assert "python -m cj ingest" in err
