"""Table and chart exports: spreadsheets never execute a cell, chart images render offline in any script."""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile

import altair as alt
import openpyxl
import pandas as pd
import pytest

from cj import exports

# Every way a spreadsheet cell can start a formula (OWASP "CSV injection"), plus full-width look-alikes.
HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tTAB", "\rCR", "=HYPERLINK(\"http://x\",\"y\")",
           "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "text": HOSTILE + ["plain", "привет 你好"],
        "number": [-5.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -11, 12.25],
        "count": list(range(-6, 7)),
    })


def test_neutralise_prefixes_only_formula_starts():
    for s in HOSTILE:
        assert exports.neutralise(s) == "'" + s
    for s in ("plain", "a=b", "1-2", "", "привет", "'already"):
        assert exports.neutralise(s) == s
    assert exports.neutralise(-3) == -3 and exports.neutralise(None) is None


def read_csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_cells_are_literal_text_and_numbers_stay_numbers():
    df = frame()
    df = df[~df["text"].str.contains("\r")].reset_index(drop=True)   # CR: see the test below
    data = exports.csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")                     # BOM: Excel reads UTF-8 (Cyrillic, Chinese)
    rows = read_csv_cells(data)
    assert rows[0] == ["text", "number", "count"]
    body = rows[1:]
    assert [r[0] for r in body] == ["'" + s for s in HOSTILE if "\r" not in s] + ["plain", "привет 你好"]
    assert [r[1] for r in body][:2] == ["-5.5", "1.0"] and body[-1][1] == "12.25"
    assert [r[2] for r in body][0] == "-6"                        # a negative number is a number, not a formula


def test_csv_cell_with_carriage_return_stays_one_cell():
    """Regression: a bare CR in a cell was written unquoted, so a spreadsheet started a new row there
    and 'x\\r=1+1' ran =1+1."""
    data = exports.csv_bytes(pd.DataFrame({"text": ["\rCR", "x\r=1+1"], "n": [1, 2]}))
    assert read_csv_cells(data)[1:] == [["'\rCR", "1"], ["x\r=1+1", "2"]]


def test_csv_header_is_neutralised():
    data = exports.csv_bytes(pd.DataFrame({"=cmd|' /C calc'!A0": ["x"]}))
    assert read_csv_cells(data)[0] == ["'=cmd|' /C calc'!A0"]


def test_xlsx_cells_are_strings_never_formulas():
    data = exports.xlsx_bytes(frame(), sheet="report")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "report"
    values = [ws.cell(row=i, column=1) for i in range(2, 2 + len(HOSTILE))]
    for cell, s in zip(values, HOSTILE):
        assert cell.value == "'" + s
        assert cell.data_type == "s"
    nums = [ws.cell(row=i, column=2) for i in range(2, ws.max_row + 1)]
    assert all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in nums)
    assert nums[0].value == -5.5 and ws.cell(row=2, column=3).value == -6
    assert ws.cell(row=ws.max_row, column=1).value == "привет 你好"
    # no formula element anywhere in the sheet XML
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_xlsx_timezone_aware_timestamps_are_written():
    df = pd.DataFrame({"t": pd.to_datetime(["2026-01-01T10:00:00Z"]), "v": ["=x"]})
    ws = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(df))).active
    assert ws.cell(row=2, column=1).value.year == 2026 and ws.cell(row=2, column=2).value == "'=x"


# ------------------------------------------------------------------ chart images

def bar_chart(labels) -> alt.Chart:
    df = pd.DataFrame({"stage": labels, "v": [1.0, 0.6, 0.3][:len(labels)]})
    return alt.Chart(df).mark_bar().encode(y=alt.Y("stage:N", sort=None, title=None), x="v:Q").properties(
        title="Воронка · 漏斗", width=200)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_chart_png_with_cyrillic_and_chinese_labels(tmp_path):
    labels = ["осведомлённость", "购买", "лояльность 忠诚"]
    png = exports.chart_png(bar_chart(labels), scale=2)
    w, h = png_size(png)
    w1, _ = png_size(exports.chart_png(bar_chart(labels), scale=1))
    assert w > 300 and h > 100 and abs(w - 2 * w1) <= 2           # scale doubles the pixels
    (tmp_path / "cyrillic-chinese.png").write_bytes(png)
    support = exports.glyph_support()
    assert support["cyrillic"], "no font with Cyrillic glyphs: chart labels would be boxes"
    if not support["cjk"]:
        msg = "no font with Chinese glyphs: install it with apt-get install -y fonts-wqy-microhei"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    # Real glyphs differ from the boxes drawn for characters no font has (CJK Extension B here).
    tofu = ["осведомлённость", "\U00020000\U00020001", "лояльность \U00020002\U00020003"]
    assert png != exports.chart_png(bar_chart(tofu), scale=2)


def test_glyph_support_detects_a_missing_script():
    # Characters of CJK Extension B are in none of the usual fonts: both draw the same box.
    assert exports._probe_png("\U00020000") == exports._probe_png("\U00020001")


def test_chart_svg_escapes_labels_and_ids_can_be_made_unique():
    svg = exports.chart_svg(bar_chart(["<script>alert(1)</script>", "a & b", "购买"]))
    assert svg.lstrip().startswith("<svg") and "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg and "a &amp; b" in svg
    clipped = alt.Chart(pd.DataFrame({"x": [0, 1, 2], "y": [0, 5, 50]})).mark_line(clip=True).encode(
        x="x:Q", y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 10])))
    a = exports.svg_with_unique_ids(exports.chart_svg(clipped), "chart-1")
    b = exports.svg_with_unique_ids(exports.chart_svg(clipped), "chart-2")
    ids_a, ids_b = set(re.findall(r'\bid="([^"]+)"', a)), set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b
    for svg_text, ids in ((a, ids_a), (b, ids_b)):
        refs = set(re.findall(r"url\(#([^)]+)\)", svg_text))
        assert refs and refs <= ids
    with pytest.raises(ValueError):
        exports.svg_with_unique_ids(a, 'x" onload="alert(1)')
