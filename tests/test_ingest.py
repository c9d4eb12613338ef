"""Ingest: a table of messy and hostile files, each with its exact outcome."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from cj import exports, ingest, store
from cj.errors import IngestError

BASIC = (
    "customer_id,timestamp,stage,touchpoint,revenue,feedback\n"
    "c1,2026-01-05 10:00:00,awareness,ad,,\n"
    "c1,2026-01-06 11:00:00,interest,website,,Nice site\n"
    "c1,2026-01-07 12:00:00,purchase,website,19.90,\n"
    "c2,2026-01-05 09:00:00,awareness,social,,\n"
    "c2,2026-01-08 09:30:00,consideration,email,,Too expensive\n"
)
RU = ("ID клиента;Дата;Этап;Канал;Сумма;Отзыв\n"
      "к1;05.01.2026 10:00;Осознание;реклама;;\n"
      "к1;06.01.2026 11:00;Интерес;сайт;;Хороший сайт\n"
      "к1;13.01.2026 12:00;Покупка;сайт;1 234,50;\n"
      "к2;05.01.2026 09:00;Осознание;соцсети;;Дорого\n")
ZH = ("用户ID,时间,阶段,渠道,金额,反馈\n"
      "u1,2026-01-05 10:00:00,认知,广告,,\n"
      "u1,2026-01-06 11:00:00,兴趣,网站,,很好\n"
      "u1,2026-01-07 12:00:00,购买,网站,99.5,运费太贵\n"
      "u2,2026-01-05 09:00:00,认知,社交,,\n")


def _gz(b: bytes) -> bytes:
    return gzip.compress(b)


def _parquet() -> bytes:
    df = pd.read_csv(io.StringIO(BASIC), dtype=str)
    buf = io.BytesIO()
    df.to_parquet(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    df = pd.read_csv(io.StringIO(BASIC), dtype=str)
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return buf.getvalue()


def _bad_rows() -> bytes:
    lines = ["user_id,ts,stage"]
    for i in range(100):
        ts = "not a date" if i % 10 == 0 else f"2026-02-{1 + i % 28:02d} 10:00:00"
        lines.append(f"u{i % 7},{ts},interest")
    return ("\n".join(lines) + "\n").encode()


def _ragged_some() -> bytes:
    lines = ["user_id,ts,stage"] + [f"u{i},2026-02-01 10:00:00,interest" for i in range(20)]
    lines[5] = "u4,2026-02-01 10:00:00,interest,EXTRA"
    lines[9] = "u8,2026-02-01"
    return ("\n".join(lines) + "\n").encode()


def _ragged_most() -> bytes:
    lines = ["user_id,ts,stage"] + [f"u{i},2026-02-01 10:00:00,interest,x,y" if i % 2 else
                                    f"u{i},2026-02-01 10:00:00" for i in range(20)]
    return ("\n".join(lines) + "\n").encode()


# name, bytes, expected: dict of exact report values, or ("error", text that must appear)
CASES = [
    ("utf8.csv", BASIC.encode(), {"rows_read": 5, "rows_usable": 5, "customers": 2, "delimiter": ","}),
    ("utf8_bom.csv", b"\xef\xbb\xbf" + BASIC.encode(), {"rows_usable": 5, "mapping.customer_id": "customer_id"}),
    ("semicolon_eu.csv", BASIC.replace(",", ";").replace("19.90", "19,90").encode(),
     {"rows_usable": 5, "delimiter": ";", "revenue_sum": 19.9}),
    ("tab.tsv", BASIC.replace(",", "\t").encode(), {"rows_usable": 5, "delimiter": "\t"}),
    ("pipe.csv", BASIC.replace(",", "|").encode(), {"rows_usable": 5, "delimiter": "|"}),
    ("utf16le_bom.csv", BASIC.encode("utf-16"), {"rows_usable": 5, "customers": 2}),
    ("utf16be_bom.csv", b"\xfe\xff" + BASIC.encode("utf-16-be"), {"rows_usable": 5, "customers": 2}),
    ("utf16le_nobom.csv", BASIC.encode("utf-16-le"), {"rows_usable": 5, "customers": 2}),
    ("cp1251_ru.csv", RU.encode("cp1251"),
     {"encoding": "cp1251", "rows_usable": 4, "customers": 2, "mapping.customer_id": "ID клиента",
      "stages": {"awareness": 2, "interest": 1, "purchase": 1}, "revenue_sum": 1234.5, "first_ts": "2026-01-05 09:00:00"}),
    ("utf8_ru.csv", RU.encode(), {"encoding": "utf-8", "rows_usable": 4, "timestamp_format": "DD.MM.YYYY"}),
    ("gb18030_zh.csv", ZH.encode("gb18030"),
     {"encoding": "gb18030", "rows_usable": 4, "mapping.customer_id": "用户ID",
      "stages": {"awareness": 2, "interest": 1, "purchase": 1}, "feedback_has": "运费太贵"}),
    ("latin1.csv", ("user_id,ts,stage,feedback\nu1,2026-01-01,interest,Très bien café\n").encode("latin-1"),
     {"encoding": "latin-1", "rows_usable": 1, "feedback_has": "Très bien café"}),
    ("quoted_newlines.csv", b'user_id,ts,stage,feedback\nu1,2026-01-01,interest,"line one\nline two, ""quoted"""\n'
                            b"u2,2026-01-02,purchase,ok\n",
     {"rows_read": 2, "rows_usable": 2, "feedback_has": 'line one\nline two, "quoted"'}),
    ("data.csv.gz", _gz(BASIC.encode()), {"rows_usable": 5, "format": "csv (gzip)"}),
    ("data.parquet", _parquet(), {"rows_usable": 5, "format": "parquet", "customers": 2}),
    ("data.xlsx", _xlsx(), {"rows_usable": 5, "format": "xlsx", "revenue_sum": 19.9}),
    ("ragged_some.csv", _ragged_some(), {"rows_read": 20, "rows_usable": 18, "rows_unusable": 2, "malformed_lines": 2}),
    ("ragged_most.csv", _ragged_most(), ("error", "do not have the header's 3 fields")),
    ("one_column.csv", b"user_id ts stage\nu1 2026 x\n", ("error", "only one column found")),
    ("empty.csv", b"", ("error", "is empty (0 bytes)")),
    ("blank.csv", b"   \n\n  \n", ("error", "contains only blank space")),
    ("header_only.csv", b"user_id,timestamp,stage\n", ("error", "has a header but no rows")),
    ("junk.bin", bytes(range(256)) * 40, ("error", "not a text table")),
    ("data.json", b'[{"user_id": "u1", "ts": "2026-01-01"}]', ("error", "looks like JSON")),
    ("page.html", b"<!DOCTYPE html><html><body><table><tr><td>x</td></tr></table></body></html>",
     ("error", "looks like an HTML/XML page")),
    ("truncated.csv.gz", _gz(BASIC.encode() * 50)[:60], ("error", "damaged gzip")),
    ("gzip_in_gzip.csv.gz", _gz(_gz(BASIC.encode())), ("error", "gzip inside gzip")),
    ("unclosed_quote.csv", b'user_id,ts,stage,feedback\nu1,2026-01-01,interest,ok\n'
                           b'u2,2026-01-02,purchase,"he said hi\nu3,2026-01-03,interest,fine\n',
     ("error", "the quote opened on line 3 is never closed")),
    ("inch_quote.csv", b'user_id,ts,stage,feedback\nu1,2026-01-01,interest,5" screen\nu2,2026-01-02,purchase,ok\n',
     {"rows_usable": 2, "feedback_has": '5" screen'}),
    ("dup_headers.csv", b"user_id,ts,stage,stage\nu1,2026-01-01,interest,purchase\n",
     {"rows_usable": 1, "problem": "appears more than once"}),
    ("no_timestamp.csv", b"user_id,stage,channel\nu1,interest,web\n",
     ("error", "No column was recognised as timestamp")),
    ("all_null_ts.csv", b"user_id,ts,stage\nu1,,interest\nu2,,purchase\n", ("error", "No usable rows")),
    ("mixed_ts.csv", b"user_id,ts,stage\nu1,2026-01-05T10:00:00Z,interest\nu1,06.01.2026 10:00,purchase\n"
                     b"u2,1767607200,interest\nu3,2026-01-05 13:00:00+03:00,interest\n",
     {"rows_usable": 4, "first_ts": "2026-01-05 10:00:00", "ts_of_u2": "2026-01-05 10:00:00",
      "ts_of_u3": "2026-01-05 10:00:00"}),
    ("bad_rows_10pct.csv", _bad_rows(), {"rows_read": 100, "rows_usable": 90, "rows_unusable": 10,
                                         "unparseable_timestamps": 10, "problem": "could not be read"}),
    ("formulas.csv", b'user_id,ts,stage,feedback\nu1,2026-01-01,interest,"=HYPERLINK(""http://x"",""y"")"\n'
                     b"u2,2026-01-01,interest,+1+1\n",
     {"rows_usable": 2, "feedback_has": '=HYPERLINK("http://x","y")', "export_safe": True}),
    ("html_js.csv", b'user_id,ts,stage,feedback\nu1,2026-01-01,interest,"<script>alert(1)</script><b>x</b>"\n',
     {"rows_usable": 1, "feedback_has": "<script>alert(1)</script><b>x</b>"}),
    ("epoch_ms.csv", b"user_id,ts,stage\nu1,1767607200000,interest\nu2,1767607260500,purchase\n",
     {"rows_usable": 2, "first_ts": "2026-01-05 10:00:00", "timestamp_format": "epoch milliseconds"}),
    ("day_first_slash.csv", b"user_id,ts,stage\nu1,25/01/2026 10:00,interest\nu1,03/02/2026 10:00,purchase\n",
     {"rows_usable": 2, "first_ts": "2026-01-25 10:00:00", "last_ts": "2026-02-03 10:00:00"}),
    ("month_first_ampm.csv", b"user_id,ts,stage\nu1,1/25/2026 1:05 PM,interest\nu1,2/3/2026 9:00 AM,purchase\n",
     {"rows_usable": 2, "first_ts": "2026-01-25 13:05:00", "last_ts": "2026-02-03 09:00:00"}),
    ("zh_headers.csv", ZH.encode(), {"rows_usable": 4, "mapping.timestamp": "时间", "mapping.stage": "阶段",
                                     "mapping.touchpoint": "渠道", "mapping.revenue": "金额"}),
    ("events_only.csv", b"user_id,ts,action\nu1,2026-01-01,page_view\nu1,2026-01-02,purchase\n",
     {"rows_usable": 2, "stages": {"purchase": 1, "(none)": 1}, "problem": "not mapped to a journey stage"}),
    ("missing_ids.csv", b"user_id,ts,stage\n,2026-01-01,interest\nu1,2026-01-01,interest\n  ,2026-01-02,x\n",
     {"rows_read": 3, "rows_usable": 1, "missing_ids": 2}),
    ("future.csv", b"user_id,ts,stage\nu1,2099-01-01,interest\nu1,2026-01-01,interest\n",
     {"rows_usable": 2, "future_dates": 1}),
    ("nan_revenue.csv", b"user_id,ts,stage,revenue\nu1,2026-01-01,purchase,NaN\nu1,2026-01-02,purchase,inf\n"
                        b"u1,2026-01-03,purchase,abc\nu1,2026-01-04,purchase,5\n",
     {"rows_usable": 4, "revenue_sum": 5.0, "problem": "are not numbers"}),
    ("sql_names.csv", b'user_id,ts,stage,"drop table x; --","a""b"\nu1,2026-01-01,interest,1,2\n',
     {"rows_usable": 1, "has_column": 'a"b'}),
]


@pytest.mark.parametrize("name,data,expected", CASES, ids=[c[0] for c in CASES])
def test_messy_file(tmp_path, con, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    if isinstance(expected, tuple):
        with pytest.raises(IngestError) as info:
            ingest.ingest(con, path, workdir=tmp_path)
        assert expected[1] in info.value.message
        assert all(p.fix for p in info.value.problems), "every problem says how to fix it"
        return
    rep = ingest.ingest(con, path, workdir=tmp_path).report
    assert rep.rows_read == rep.rows_usable + rep.rows_unusable, "nothing is silently dropped"
    ev = store.run(con, "SELECT * FROM events_new ORDER BY timestamp, _record")
    rej = store.run(con, "SELECT * FROM rejects_new")
    assert len(rej) == rep.rows_unusable
    for key, want in expected.items():
        if key.startswith("mapping."):
            assert rep.mapping[key.split(".", 1)[1]] == want
        elif key == "stages":
            assert rep.events_per_stage == want
        elif key == "revenue_sum":
            assert ev["revenue"].sum() == pytest.approx(want)
        elif key == "feedback_has":
            assert want in ev["feedback"].dropna().tolist()
        elif key == "first_ts":
            assert str(ev["timestamp"].min()) == want
        elif key == "last_ts":
            assert str(ev["timestamp"].max()) == want
        elif key.startswith("ts_of_"):
            cid = key[len("ts_of_"):]
            assert str(ev.loc[ev.customer_id == cid, "timestamp"].iloc[0]) == want
        elif key == "problem":
            assert any(want in p for p in rep.problems), rep.problems
        elif key == "export_safe":
            text = exports.csv_bytes(ev[["feedback"]]).decode("utf-8-sig")
            assert "'=HYPERLINK" in text and "'+1+1" in text
        elif key == "has_column":
            assert want in ev.columns
        else:
            assert getattr(rep, key) == want, key
    assert len(CASES) >= 25


def _build(con, tmp_path, name: str, text: str):
    """Write ``text`` as a UTF-8 file, read it with the detected mapping and build the events
    (``events_new``/``rejects_new`` stay in ``con``); 'now' is fixed at 2026-06-01."""
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    raw = ingest.read_raw(con, p, workdir=tmp_path)
    return ingest.build_events(con, raw, ingest.detect(con, raw).mapping, now=datetime(2026, 6, 1))


def test_report_numbers_hand_computed(tmp_path, con):
    """A small file whose report is worked out by hand."""
    text = ("user_id,ts,stage,event\n"
            "a,2026-03-01 10:00,awareness,ad_view\n"       # ok
            "a,2026-03-01 10:00,awareness,ad_view\n"       # duplicate of the line above
            "a,2026-03-02 10:00,purchase,buy\n"            # ok
            "b,2026-03-05 08:00,interest,visit\n"          # ok
            "b,yesterday,interest,visit\n"                 # unparseable timestamp
            ",2026-03-05 08:00,interest,visit\n"           # missing id
            "c,,interest,visit\n"                          # missing timestamp
            "c,2030-01-01 00:00,loyalty,repeat\n")         # future (relative to 'now' below)
    rep = _build(con, tmp_path, "small.csv", text)
    assert (rep.rows_read, rep.rows_usable, rep.rows_unusable) == (8, 5, 3)
    assert rep.customers == 3
    assert rep.duplicates == 1
    assert rep.unparseable_timestamps == 1 and rep.unparseable_timestamp_examples == ["yesterday"]
    assert rep.missing_ids == 1 and rep.missing_timestamps == 1
    assert rep.future_dates == 1
    assert rep.time_min == "2026-03-01 10:00:00" and rep.time_max == "2030-01-01 00:00:00"
    assert rep.events_per_stage == {"awareness": 2, "interest": 1, "purchase": 1, "loyalty": 1}
    assert rep.stage_order == ["awareness", "interest", "purchase", "loyalty"]
    rej = store.run(con, "SELECT record, reason FROM rejects_new ORDER BY record")
    # record = the data row's number in the file (header excluded), so the user can find it
    assert rej.to_dict("list") == {"record": [5, 6, 7],
                                   "reason": ["unparseable timestamp", "missing customer id", "missing timestamp"]}
    assert store.run(con, "SELECT _record FROM events_new ORDER BY _record")["_record"].tolist() == [1, 2, 3, 4, 8]


def test_record_numbers_survive_a_rowid_column_and_edge_blanks(tmp_path, con):
    """Record numbers come from the parsed table's row order (DuckDB's rowid): a column of the user's
    called 'rowid' must neither shadow it nor be lost; values with blanks at their edges are trimmed
    and blank-only ids are missing ids."""
    text = ("user_id,ts,stage,rowid\n"
            "a,2026-03-01 10:00,awareness,x1\n"
            "\u00a0b\t,2026-03-01 11:00,interest,x2\n"
            " \t ,2026-03-01 12:00,interest,x3\n"
            "c,bad,interest,x4\n")
    rep = _build(con, tmp_path, "rowid.csv", text)
    assert (rep.rows_read, rep.rows_usable, rep.rows_unusable) == (4, 2, 2)
    ev = store.run(con, "SELECT * FROM events_new ORDER BY _record")
    assert ev["customer_id"].tolist() == ["a", "b"]
    assert ev["_record"].tolist() == [1, 2]
    assert ev["rowid_1"].tolist() == ["x1", "x2"]
    rej = store.run(con, "SELECT record, reason, rowid_1 FROM rejects_new ORDER BY record")
    assert rej.to_dict("list") == {"record": [3, 4], "reason": ["missing customer id", "unparseable timestamp"],
                                   "rowid_1": ["x3", "x4"]}


def test_timestamps_with_edge_blanks_and_infinity(tmp_path, con):
    """Timestamps are read as written first and, only if that fails, again without edge blanks (tabs,
    line breaks and no-break spaces too); 'infinity' is no date. Offsets are applied (UTC).

    Seen failing: with the fallback removed, the tab- and no-break-space-wrapped values were unparseable;
    with the old TIMESTAMPTZ→TIMESTAMP cast, 'infinity' became a usable event at the end of time."""
    text = ("user_id,ts,stage\n"
            "a,2026-03-01T10:00:00+02:00,awareness\n"
            "b,\t2026-03-01 11:00\t,interest\n"
            "c,\u00a02026-03-01 12:00:00Z\u00a0,interest\n"
            'd," 2026-03-01 13:00 ",interest\n'
            "e,infinity,interest\n"
            "f,2026-03-01 14:00,interest\n")
    rep = _build(con, tmp_path, "blanks.csv", text)
    assert (rep.rows_read, rep.rows_usable, rep.unparseable_timestamps) == (6, 5, 1)
    assert rep.unparseable_timestamp_examples == ["infinity"]
    ev = store.run(con, "SELECT customer_id, CAST(timestamp AS VARCHAR) AS t FROM events_new ORDER BY _record")
    assert ev.to_dict("list") == {"customer_id": ["a", "b", "c", "d", "f"],
                                  "t": ["2026-03-01 08:00:00", "2026-03-01 11:00:00", "2026-03-01 12:00:00",
                                        "2026-03-01 13:00:00", "2026-03-01 14:00:00"]}


def test_saved_dataset_roundtrip(tmp_path, workspace):
    p = tmp_path / "basic.csv"
    p.write_text(BASIC)
    meta, ing = ingest.ingest_to_workspace(p, workspace, name="basic")
    assert store.valid_id(meta.id) and len(meta.id) >= 20
    assert workspace.list()[0]["id"] == meta.id
    con = store.connect()
    opened = workspace.open(con, meta.id)
    assert opened.mapping["customer_id"] == "customer_id"
    assert store.scalar(con, "SELECT count(*) FROM events") == 5
    # Correcting the mapping rebuilds from the kept source and keeps the id.
    new_meta, _ = ingest.reingest(workspace, meta.id, mapping={**meta.mapping, "touchpoint": "feedback"})
    assert new_meta.id == meta.id and new_meta.mapping["touchpoint"] == "feedback"
    workspace.open(con, meta.id)
    assert set(store.run(con, "SELECT DISTINCT touchpoint FROM events WHERE touchpoint IS NOT NULL")["touchpoint"]) \
        == {"Nice site", "Too expensive"}


def test_cli_ingest_json_contract(tmp_path):
    p = tmp_path / "basic.csv"
    p.write_text(BASIC)
    out = subprocess.run([sys.executable, "-m", "cj", "ingest", str(p), "--json"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True)
    data = json.loads(out.stdout)
    for key in ("rows_read", "rows_usable", "rows_unusable", "customers", "mapping", "problems"):
        assert key in data
    assert data["mapping"]["customer_id"] == "customer_id" and data["rows_usable"] == 5


def test_cli_bad_file_exit_code(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    out = subprocess.run([sys.executable, "-m", "cj", "ingest", str(p), "--json"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 2
    assert "is empty" in out.stderr and out.stdout == ""


def test_not_utf8_past_the_sniffed_head(tmp_path, con):
    """Regression: a file that is ASCII for its first megabytes and cp1251 later was read with the
    bad line silently treated as malformed; it must be transcoded and every row kept."""
    lines = ["user_id,ts,stage,feedback"] + [f"u{i},2026-01-01 10:00,interest,ok" for i in range(60_000)]
    lines.append("u1,2026-01-02 10:00,purchase,Отлично спасибо")
    p = tmp_path / "late.csv"
    p.write_bytes("\n".join(lines).encode("cp1251"))
    rep = ingest.ingest(con, p, workdir=tmp_path).report
    assert rep.encoding == "cp1251" and rep.rows_usable == 60_001 and rep.malformed_lines == 0
    assert any("not UTF-8 throughout" in q for q in rep.problems)
    assert store.run(con, "SELECT feedback FROM events_new WHERE stage = 'purchase'")["feedback"].tolist() == \
        ["Отлично спасибо"]


def test_second_date_style_later_in_file(tmp_path, con):
    """Formats that appear only after the sampled head are learned from the failures and parsed."""
    lines = ["user_id,ts,stage"] + [f"u{i},2026-01-01 10:00:00,interest" for i in range(3000)]
    lines += ["u1,25.01.2026 10:00,purchase", "u2,1767607200,purchase"]
    p = tmp_path / "late_dates.csv"
    p.write_text("\n".join(lines) + "\n")
    rep = ingest.ingest(con, p, workdir=tmp_path).report
    assert rep.rows_usable == 3002 and rep.unparseable_timestamps == 0
    assert str(rep.time_max) == "2026-01-25 10:00:00"


def test_events_mapped_to_stages(tmp_path, workspace):
    """Without a stage column each event can be a step; mapping events to stages rebuilds the stages."""
    p = tmp_path / "events.csv"
    p.write_text("user_id,ts,action\nu1,2026-01-01,ad_click\nu1,2026-01-02,page_view\nu1,2026-01-03,checkout\n"
                 "u2,2026-01-01,ad_click\nu2,2026-01-05,purchase\n")
    meta, ing = ingest.ingest_to_workspace(p, workspace, name="events")
    assert ing.report.events_per_stage == {"purchase": 2, "(none)": 3}      # "checkout" is a purchase synonym
    new_meta, ing2 = ingest.reingest(workspace, meta.id, event_stage_map={
        "ad_click": "awareness", "page_view": "interest", "checkout": "purchase"}, stage_order=[])
    assert ing2.report.events_per_stage == {"awareness": 2, "interest": 1, "purchase": 2}
    assert new_meta.stage_order == ["awareness", "interest", "purchase"]
    assert new_meta.event_stage_map["checkout"] == "purchase"


def test_gzip_that_expands_past_the_cap_is_refused(tmp_path, con, monkeypatch):
    """A small gzip can expand without bound (a 'zip bomb'): decompression stops at CJ_MAX_UNZIPPED_MB,
    the message names the limit and the alternative, and the partial file is removed."""
    monkeypatch.setenv("CJ_MAX_UNZIPPED_MB", "1")
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(_gz(b"user_id,ts,stage\n" + b"u1,2026-01-01,interest\n" * 100_000))   # 2.3 MB inside
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(IngestError) as info:
        ingest.ingest(con, path, workdir=work)
    assert "expands to more than 1 MB" in info.value.message and "Parquet" in info.value.message
    assert list(work.iterdir()) == []
    monkeypatch.setenv("CJ_MAX_UNZIPPED_MB", "3")
    assert ingest.ingest(con, path, workdir=work).report.rows_usable == 100_000


def test_stage_counts_add_synonyms_and_follow_the_order():
    """schema.stage_counts (the report's rows per stage; ingest and Spark's quality report share it),
    worked by hand: synonyms add up, rows without a stage come last as "(none)", the order is the given
    stage order, then the default stages, then the others by count."""
    from cj import schema

    pairs = [("Покупка", 3), ("purchase", 2), (None, 1), ("zz", 4), ("yy", 5), ("awareness", 1),
             (float("nan"), 2), ("??", 1)]
    stage_of = {"Покупка": "purchase", "purchase": "purchase", "zz": "zz", "yy": "yy", "awareness": "awareness",
                "??": None}
    got = schema.stage_counts(pairs, stage_of)
    assert list(got.items()) == [("awareness", 1), ("purchase", 5), ("yy", 5), ("zz", 4), ("(none)", 4)]
    got = schema.stage_counts(pairs, stage_of, ["zz", "purchase", "loyalty"])
    assert list(got.items()) == [("zz", 4), ("purchase", 5), ("awareness", 1), ("yy", 5), ("(none)", 4)]
