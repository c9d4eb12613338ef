"""Property: any events table written as CSV in a supported encoding/delimiter ingests back to the same rows."""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cj import ingest, schema, store

ALPHABETS = {
    "utf-8": "abcXYZ019 ,;|\t\"'\nпривет你好😀=+-@<>",
    "utf-16": "abcXYZ019 ,;|\"'\nпривет你好=+-",
    "cp1251": "abcXYZ019 ,;|\"'\nпривет Ёё",
    "gb18030": "abcXYZ019 ,;|\"'\n你好运费太贵",
    "latin-1": "abcXYZ019 ,;|\"'\néèçÀ",
}


# Realistic words for the auto-detection of legacy encodings: a lone "п" in a file
# is genuinely ambiguous between cp1251 and latin-1, so with auto-detection the
# text is made of words; with an explicit encoding any characters go.
WORDS = {
    "cp1251": ["привет", "доставка", "дорого", "Отлично", "сайт", "плохо", "спасибо"],
    "gb18030": ["你好", "运费太贵", "很好", "结账失败", "物流", "满意"],
    "latin-1": ["très", "café", "déjà", "voilà", "naïve", "Ça"],
}


@st.composite
def tables(draw):
    encoding = draw(st.sampled_from(sorted(ALPHABETS)))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    explicit = encoding in WORDS and draw(st.booleans())
    alpha = ALPHABETS[encoding]
    n = draw(st.integers(1, 25))
    ids = st.text(alphabet="abcdefgh0123456789" + ("пр" if encoding in ("utf-8", "cp1251") else ""),
                  min_size=1, max_size=6)
    rows = []
    base = datetime(2026, 1, 1)
    for _ in range(n):
        rows.append({
            "customer_id": draw(ids),
            "timestamp": base + timedelta(seconds=draw(st.integers(-10**8, 10**8))),
            "stage": draw(st.sampled_from(schema.DEFAULT_STAGES)),
            "revenue": draw(st.one_of(st.none(), st.integers(0, 10**6).map(lambda c: c / 100))),
            "feedback": draw(st.one_of(st.none(), (
                st.lists(st.sampled_from(WORDS[encoding] + ["ok", "a,b", 'say "x"']), min_size=1, max_size=5)
                .map(" ".join) if encoding in WORDS and not explicit else
                st.text(alphabet=alpha, min_size=1, max_size=30))
                .filter(lambda s: s.strip() != "" and s == s.strip()))),
        })
    if encoding in WORDS and not explicit:
        rows[0]["feedback"] = " ".join(WORDS[encoding])   # at least one real sentence in the file
    return encoding, delimiter, explicit, rows


def _write(rows, delimiter) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(["customer_id", "timestamp", "stage", "revenue", "feedback"])
    for r in rows:
        w.writerow([r["customer_id"], r["timestamp"].isoformat(sep=" "), r["stage"],
                    "" if r["revenue"] is None else repr(r["revenue"]), r["feedback"] or ""])
    return buf.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_csv_roundtrip(table):
    encoding, delimiter, explicit, rows = table
    text = _write(rows, delimiter)
    con = store.connect()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        path.write_bytes(text.encode(encoding))
        ing = ingest.ingest(con, path, workdir=Path(tmp), options=ingest.ReadOptions(encoding=encoding if explicit else None))
        assert ing.report.encoding == encoding
    assert ing.report.rows_usable == len(rows) and ing.report.rows_unusable == 0
    got = store.run(con, "SELECT customer_id, timestamp, stage, revenue, feedback FROM events_new ORDER BY _record")
    con.close()
    assert got["customer_id"].tolist() == [r["customer_id"] for r in rows]
    assert [t.to_pydatetime() for t in got["timestamp"]] == [r["timestamp"] for r in rows]
    assert got["stage"].tolist() == [r["stage"] for r in rows]
    assert [None if v != v else v for v in got["revenue"].tolist()] == [r["revenue"] for r in rows]
    assert [None if v != v or v is None else v for v in got["feedback"].tolist()] == [r["feedback"] for r in rows]
