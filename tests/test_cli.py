"""`python -m cj …` JSON contracts (keys scripts depend on) on the sample data."""
from __future__ import annotations

import io
import json
import math

import pandas as pd
import pytest

from cj import cli, store

SAMPLE = "data/sample_events.csv.gz"


def run_cli(capsys, *argv) -> dict:
    assert cli.main(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def _finite(obj):
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    return not (isinstance(obj, float) and not math.isfinite(obj))


def test_abtest_contract(capsys, monkeypatch):
    monkeypatch.chdir(cli.Path(__file__).resolve().parent.parent)
    data = run_cli(capsys, "abtest", SAMPLE, "--goal", "purchase", "--json")
    assert [v["variant"] for v in data["variants"]] == ["A", "B"]
    for v in data["variants"]:
        assert {"variant", "customers", "conversions"} <= set(v)
    comp = data["comparisons"][0]
    assert {"variant", "lift_abs", "lift_rel", "ci_rel", "p_value", "chance_to_win"} <= set(comp)
    assert comp["variant"] == "B" and 0.01 < comp["lift_abs"] < 0.05 and comp["p_value"] < 0.01
    assert len(comp["ci_rel"]) == 2 and comp["ci_rel"][0] < comp["lift_rel"] < comp["ci_rel"][1]
    assert 0 <= data["srm_p_value"] <= 1
    assert _finite(data)


def test_abtest_revenue_metric(capsys, monkeypatch):
    monkeypatch.chdir(cli.Path(__file__).resolve().parent.parent)
    data = run_cli(capsys, "abtest", SAMPLE, "--metric", "revenue", "--json")
    assert all("mean" in v for v in data["variants"])


def test_segments_contract_and_labels(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(cli.Path(__file__).resolve().parent.parent)
    out = tmp_path / "labels.csv"
    data = run_cli(capsys, "segments", SAMPLE, "--k", "auto", "--seed", "0", "--json", "--labels", str(out))
    assert data["k"] == 4 and set(data["silhouette"]) == {str(k) for k in range(2, 11)}
    assert 0 <= data["stability"] <= 1
    assert sum(s["size"] for s in data["segments"]) == 20_000
    assert {"name", "size", "revenue_share"} <= set(data["segments"][0])
    labels = pd.read_csv(out, encoding="utf-8-sig")
    assert list(labels.columns) == ["customer_id", "segment", "segment_name"] and len(labels) == 20_000


def test_sentiment_contract(capsys, monkeypatch):
    monkeypatch.chdir(cli.Path(__file__).resolve().parent.parent)
    data = run_cli(capsys, "sentiment", SAMPLE, "--json")
    stages = {r["stage"]: r for r in data["stages"]}
    assert min(stages, key=lambda s: stages[s]["mean"]) == "consideration"


def test_score_text_one_line_per_input(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("great product\nне плохо\n\n运费太贵\n"))
    assert cli.main(["score-text"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["lang"] for r in rows] == ["en", "ru", "unknown", "zh"]
    assert rows[0]["label"] == "positive" and rows[3]["label"] == "negative" and rows[2]["score"] == 0
    assert all(set(r) == {"score", "label", "lang"} for r in rows)


def test_bad_file_message(capsys, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("just one column\n1\n")
    assert cli.main(["abtest", str(p), "--json"]) == cli.EXIT_BAD_INPUT
    assert "only one column" in capsys.readouterr().err


def test_funnel_contract(capsys, monkeypatch):
    monkeypatch.chdir(cli.Path(__file__).resolve().parent.parent)
    data = run_cli(capsys, "funnel", SAMPLE, "--steps", "awareness,interest|consideration,purchase", "--json")
    assert [s["step"] for s in data["steps"]] == ["awareness", "interest | consideration", "purchase"]
    for s in data["steps"]:
        assert {"step", "customers", "conversion_from_previous", "conversion_from_start"} <= set(s)
    assert data["steps"][0]["customers"] == 20_000
    by = run_cli(capsys, "funnel", SAMPLE, "--steps", "consideration,purchase", "--by", "device", "--json")
    assert set(by["groups"]) == {"mobile", "desktop", "tablet"}
    conv = {g: v["steps"][1]["conversion_from_previous"] for g, v in by["groups"].items()}
    assert conv["mobile"] < conv["desktop"] - 0.15          # the planted mobile checkout drop
    sess = run_cli(capsys, "funnel", SAMPLE, "--steps", "interest,consideration", "--per", "session",
                   "--window", "none", "--json")
    assert sess["steps"][0]["customers"] > 20_000          # counts sessions


def _close(a, b, rel=1e-12) -> bool:
    """Equal structures; floats equal to ``rel``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=rel, abs=1e-300)
    return a == b


def test_close_compares_nested_numbers():
    assert _close([{"x": [{"r": 0.05750487663187175, "n": 3}]}], [{"x": [{"r": 0.0575048766318718, "n": 3}]}])
    assert not _close([{"x": [{"r": 0.0576, "n": 3}]}], [{"x": [{"r": 0.0575048766318718, "n": 3}]}])
    assert not _close([{"x": [{"r": 0.1, "n": 4}]}], [{"x": [{"r": 0.1, "n": 3}]}])


def test_findings_and_report_in_russian_and_chinese(capsys, tmp_path):
    """--lang changes the words, never the JSON keys or the numbers scripts read."""
    from cj import sample

    events, _ = sample.generate(400, seed=3)
    path = tmp_path / "small.csv"
    sample.write_csv(events, path)
    out = {lang: run_cli(capsys, "findings", str(path), "--json", "--lang", lang) for lang in ("en", "ru", "zh")}
    for lang in ("ru", "zh"):
        assert set(out[lang]) == set(out["en"])
        # the same numbers (sums of floats may differ in the last digit between two runs of DuckDB)
        assert _close([f["numbers"] for f in out[lang]["findings"]], [f["numbers"] for f in out["en"]["findings"]])
        assert [f["text"] for f in out[lang]["findings"]] != [f["text"] for f in out["en"]["findings"]]
    assert any(ch.isalpha() and "а" <= ch.lower() <= "я" for ch in out["ru"]["findings"][0]["text"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["zh"]["findings"][0]["text"])
    html = tmp_path / "r.html"
    rep = run_cli(capsys, "report", str(path), "--out", str(html), "--no-segments", "--json", "--lang", "zh")
    assert rep["format"] == "html" and '<html lang="zh"' in html.read_text("utf-8")


def test_new_dataset_ids_never_look_like_an_option(monkeypatch, capsys, workspace, tmp_path):
    """One random id in 64 began with ``-``; ``python -m cj funnel <id>`` then read it as an option
    and failed ("the following arguments are required: file"). Seen failing in CI."""
    tokens = iter(["-Ab3_xYz0123456789abcd", "Qb3_xYz0123456789abcde"])
    monkeypatch.setattr(store.secrets, "token_urlsafe", lambda n: next(tokens))
    src = tmp_path / "ev.csv"
    src.write_text("user,when,stage\nu1,2024-01-01 10:00,awareness\nu1,2024-01-02 10:00,purchase\n")
    ds = run_cli(capsys, "ingest", str(src), "--save", "--json")["dataset_id"]
    assert ds == "Qb3_xYz0123456789abcde"
    assert [s["customers"] for s in run_cli(capsys, "funnel", ds, "--json")["steps"]][0] == 1
