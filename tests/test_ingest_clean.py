"""The clean-file path of ingest (``cj.ingest._fast_parse``): a clean CSV is typed by DuckDB's CSV reader
and written straight to Parquet; anything else goes to the general parse. Both must give the same
events, rejects and report — the general parse is the reference."""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cj import ingest, store

NOW = datetime(2026, 6, 1)


def _both(path: Path, **kw):
    """Ingest ``path`` on the clean-file path (when it applies) and on the general parse."""
    out = {}
    for fast in (True, False):
        old, ingest.FAST_PATH = ingest.FAST_PATH, fast
        con = store.connect()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                raw = ingest.read_raw(con, path, workdir=Path(tmp))
                rep = ingest.build_events(con, raw, ingest.detect(con, raw).mapping, now=NOW, **kw)
                ev = store.run(con, "SELECT * FROM events_new ORDER BY _record")
                rej = store.run(con, "SELECT * FROM rejects_new ORDER BY line, record")
                out[fast] = (rep.to_json(), ev, rej, raw.events_file is not None)
        finally:
            ingest.FAST_PATH = old
            ingest.cleanup(con)
            con.close()
    return out[True], out[False]


def _same(a, b):
    assert a[0] == b[0]
    assert list(a[1].columns) == list(b[1].columns) and list(a[1].dtypes) == list(b[1].dtypes)
    assert a[1].equals(b[1])
    assert list(a[2].columns) == list(b[2].columns) and a[2].equals(b[2])


def _write(tmp_path, name, rows, header, delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    p = tmp_path / name
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def test_clean_file_takes_one_pass_and_matches_the_general_parse(tmp_path):
    """Blank-edged ids and stage/event/touchpoint values, stage synonyms first seen past the sampled
    head (2,000 rows), offsets, empty numbers, an extra column, a duplicate row: all written as the
    general parse writes them."""
    rows = []
    base = datetime(2026, 1, 1)
    for i in range(2600):
        stage = ["awareness", "interest", "purchase"][i % 3]
        if i > 2300:      # past the head: Russian synonyms and blank edges, seen only after the copy
            stage = [" Осведомлённость", "Покупка\t", "interest\u00a0"][i % 3]
        ts = (base + timedelta(minutes=i)).isoformat(sep=" ") + ("+03:00" if i % 7 == 0 else "")
        rows.append([f" c{i % 400}" if i % 11 == 0 else f"c{i % 400}", ts, stage,
                     ["view", " click", "buy "][i % 3], ["ad", "email\t", ""][i % 3],
                     "" if i % 5 else f"{i / 10}", ["x", "y"][i % 2]])
    rows.append(list(rows[5]))
    p = _write(tmp_path, "clean.csv", rows, ["user_id", "ts", "stage", "event", "touchpoint", "revenue", "plan"])
    fast, general = _both(p)
    assert fast[3] and not general[3]          # the clean path was taken, and the other was not
    _same(fast, general)
    rep = fast[0]
    assert rep["rows_usable"] == 2601 and rep["rows_unusable"] == 0 and rep["duplicates"] == 1
    assert set(rep["events_per_stage"]) == {"awareness", "interest", "purchase"}
    ev = fast[1]
    assert not ev["customer_id"].str.startswith(" ").any()
    assert set(ev["event"]) == {"view", "click", "buy"} and set(ev["touchpoint"].dropna()) == {"ad", "email"}
    assert ev["_record"].tolist() == list(range(1, 2602))


@pytest.mark.parametrize("name, line", [
    ("missing_id", ",2026-01-02 10:00,purchase,1.5"),
    ("blank_id", " \t ,2026-01-02 10:00,purchase,1.5"),
    ("missing_ts", "c1,,purchase,1.5"),
    ("bad_ts", "c1,yesterday,purchase,1.5"),
    ("infinite_ts", "c1,infinity,purchase,1.5"),
    ("nan_number", "c1,2026-01-02 10:00,purchase,NaN"),
    ("text_number", "c1,2026-01-02 10:00,purchase,12 EUR"),
    ("short_line", "c1,2026-01-02 10:00"),
    ("long_line", "c1,2026-01-02 10:00,purchase,1.5,extra"),
])
def test_a_file_that_is_not_clean_takes_the_general_parse(tmp_path, name, line):
    """One bad line anywhere (here near the end, past the sampled head) sends the file to the general
    parse, which reports it row by row; the clean-file path leaves nothing behind."""
    good = [f"c{i % 50},2026-01-01 {i // 60 % 24:02d}:{i % 60:02d},awareness,{i}.5" for i in range(2500)]
    p = tmp_path / f"{name}.csv"
    p.write_text("\n".join(["user_id,ts,stage,revenue", *good, line, "c9,2026-01-03 10:00,interest,2"]) + "\n",
                 encoding="utf-8")
    fast, general = _both(p)
    assert not fast[3]
    _same(fast, general)
    assert fast[0]["rows_unusable"] + sum(1 for p in fast[0]["problem_items"] if p["key"] == "not_numbers") >= 1


@pytest.mark.parametrize("text", [
    "user_id,ts,stage\nc1,03/04/2026 10:00,awareness\nc2,04/05/2026 11:00,purchase\n",      # not ISO
    "user_id,ts,stage,revenue\nc1,2026-01-01,awareness,\"1,5\"\nc2,2026-01-02,purchase,\"2,25\"\n",  # decimal comma
    "user_id,ts,event\nc1,2026-01-01,view\nc2,2026-01-02,buy\n",                              # events, no stage
    # a column named like read_parquet's row-number column (seen failing: BinderException on the view)
    "user_id,ts,stage,File_Row_Number\nc1,2026-01-01,awareness,a\nc2,2026-01-02,purchase,b\n",
])
def test_files_outside_the_clean_path_are_read_as_before(tmp_path, text):
    p = tmp_path / "other.csv"
    p.write_text(text, encoding="utf-8")
    fast, general = _both(p)
    assert not fast[3]
    _same(fast, general)


def test_record_numbers_follow_the_file_on_a_large_file(tmp_path):
    """Record numbers are the rows' order in the file, also when DuckDB reads the file in parallel
    chunks (here 1M rows, 40 MB).

    Seen failing: with ``ascii(x) IN (32, 9, 10, 13, 160)`` in the blank test, DuckDB planned hash MARK
    joins, which do not keep the file order: the unparseable timestamp on the last line was reported
    as some other record, and record 1 was a row from the middle of the file."""
    n = 1_000_000     # a break was seen at 1M rows, not at 500k
    p = tmp_path / "large.csv"
    with open(p, "w", encoding="utf-8") as f:
        f.write("user_id,ts,stage,tag\n")
        f.writelines(f"c{i % 1000},2026-01-01 10:00:{i % 60:02d},awareness,{i}\n" for i in range(n))
        f.write("c9,not a date,awareness,last\n")
    con = store.connect()
    raw = ingest.read_raw(con, p, workdir=tmp_path)
    rep = ingest.build_events(con, raw, ingest.detect(con, raw).mapping, now=NOW)
    assert rep.rows_usable == n and rep.unparseable_timestamps == 1
    rej = store.run(con, "SELECT record, tag FROM rejects_new")
    assert rej.to_dict("list") == {"record": [n + 1], "tag": ["last"]}
    off = store.scalar(con, "SELECT count(*) FROM events_new WHERE CAST(tag AS BIGINT) <> _record - 1")
    assert off == 0
    con.close()


def test_saved_clean_dataset_is_the_written_file(tmp_path):
    """A clean upload is saved without a second Parquet write, and opens with the same rows as one
    saved by the general parse."""
    rows = [[f"c{i % 30}", f"2026-02-{1 + i % 27:02d}T08:00:00Z", ["awareness", "purchase"][i % 2], i * 1.5]
            for i in range(300)]
    p = _write(tmp_path, "up.csv", rows, ["customer_id", "timestamp", "stage", "revenue"])
    got = {}
    for fast in (True, False):
        old, ingest.FAST_PATH = ingest.FAST_PATH, fast
        try:
            ws = store.Workspace(tmp_path / f"ws{fast}")
            meta, ing = ingest.ingest_to_workspace(p, ws)
        finally:
            ingest.FAST_PATH = old
        assert (ing.raw.events_file is not None) == fast
        con = store.connect()
        ws.open(con, meta.id)
        got[fast] = (store.run(con, "SELECT * FROM events"), meta.columns, meta.report)
        con.close()
    assert got[True][0].equals(got[False][0]) and got[True][1] == got[False][1] and got[True][2] == got[False][2]
    assert not list(ingest._clean_dir(store.connect()).glob("*.parquet"))


# Values the generator mixes: clean ones, and ones with blanks at the edges that both paths trim.
ID = st.sampled_from(["a", "b", "пр", "你", " a", "b\t", "\u00a0c"])
STAGE = st.sampled_from(["awareness", "interest", "purchase", "Покупка", " loyalty", "认知", "custom step",
                         "advocacy\t"])
TEXT = st.sampled_from(["", "x", " y", "z ", "q\u00a0", "=1+1"])


@st.composite
def clean_tables(draw):
    n = draw(st.integers(1, 40))
    base = datetime(2026, 1, 1)
    rows = []
    for _ in range(n):
        t = base + timedelta(seconds=draw(st.integers(-10**8, 10**8)))
        tz = draw(st.sampled_from(["", "Z", "+05:30", "-08:00"]))
        ts = (t.isoformat(sep=draw(st.sampled_from([" ", "T"]))) + tz)
        rows.append([draw(ID), ts, draw(STAGE), draw(TEXT), draw(TEXT),
                     draw(st.one_of(st.just(""), st.integers(-10**6, 10**6).map(lambda c: str(c / 100)))),
                     draw(TEXT)])
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clean_tables())
def test_property_clean_path_equals_general_parse(rows):
    """Any table of blank-edged ids, stage synonyms in three languages, ISO timestamps with offsets and
    plain numbers gives the same events and report on both paths."""
    with tempfile.TemporaryDirectory() as tmp:
        p = _write(Path(tmp), "gen.csv", rows,
                   ["customer_id", "timestamp", "stage", "touchpoint", "variant", "revenue", "note"])
        fast, general = _both(p)
    _same(fast, general)


EDGE_TIMESTAMPS = ["2024-01-01 10:00:00 America/New_York", "2024-01-01T10:00", "2024-06-01T10:00:00.123456789Z",
                   "2024-01-01 10:00:00 UTC", "2024-01-01 10:00:00z", "2024-01-01 10:00:00+0530",
                   "2024-01-01T10:00:00+05", "2024-02-29", "0099-01-01", "2024-01-01 24:00:00",
                   "2024-01-01 10:00:00 +03:00", "  2024-01-01 10:00  "]
EDGE_NUMBERS = ["1e3", "-0", " 12 ", "+5", "1_000", "0x10", ".5", "5.", "1,5", "١٢", "1e400", "-1e-400", "12abc", "  "]


@pytest.mark.parametrize("kind, value", [("ts", v) for v in EDGE_TIMESTAMPS] + [("num", v) for v in EDGE_NUMBERS])
def test_edge_values_read_the_same_on_both_paths(tmp_path, kind, value):
    """DuckDB's CSV reader parses typed columns itself: where it accepts a value the general parse reads
    it the same way (named zones, offsets without a colon, nanoseconds, '24:00', underscores), and where
    it refuses one ('z', a spaced offset, hex, decimal commas, overflow) the file falls back."""
    rows = [f"c{j},2024-01-0{1 + j % 5} 10:00,awareness,1.5" for j in range(20)]
    rows.append(f'cx,"{value}",purchase,2' if kind == "ts" else f'cx,2024-01-03 11:00,purchase,"{value}"')
    p = tmp_path / "edge.csv"
    p.write_text("user_id,ts,stage,revenue\n" + "\n".join(rows) + "\n", encoding="utf-8")
    fast, general = _both(p)
    _same(fast, general)
