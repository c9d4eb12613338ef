"""AppTest: the app shell and the Data page (upload, correct a mapping, see the report)."""
from __future__ import annotations

import json

import pytest

from apptest_utils import app, metric, texts
from cj import ingest

BASIC = (
    "user_id,when,stage,channel,amount,comment\n"
    "c1,2026-01-05 10:00:00,awareness,ad,,\n"
    "c1,2026-01-06 11:00:00,interest,website,,Nice site\n"
    "c1,2026-01-07 12:00:00,purchase,website,19.90,<b>bold</b>\n"
    "c2,2026-01-05 09:00:00,awareness,social,,\n"
    "c2,not a date,consideration,email,,Too expensive\n"
).encode()


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def test_opens_on_sample_data():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert int(metric(at, "Customers").replace(",", "")) > 10_000
    assert at.selectbox(key="cj_ds_picker").value == "sample"
    assert at.query_params["ds"] == ["sample"] or at.query_params["ds"] == "sample"


def test_upload_shows_report_and_unusable_rows():
    at = app().run()
    at.file_uploader(key="upload").set_value(("shop.csv", BASIC, "text/csv")).run()
    assert not at.exception
    assert metric(at, "Rows read") == "5"
    assert metric(at, "Usable events") == "4"
    assert metric(at, "Unusable rows") == "1"
    assert metric(at, "Customers") == "2"
    body = texts(at)
    assert "could not be read" in body and "not a date" in body
    assert at.selectbox(key="cj_ds_picker").value != "sample"
    # the unusable row is downloadable
    assert any(getattr(b, "label", "") == "Download unusable rows (CSV)" for b in at.get("download_button")) or \
        "dl_rejects" in str(at.get("download_button"))


def test_correct_a_mapping():
    at = app().run()
    at.file_uploader(key="upload").set_value(("shop.csv", BASIC, "text/csv")).run()
    assert at.selectbox(key="map_touchpoint").value == "channel"
    at.selectbox(key="map_feedback").set_value("comment")
    at.selectbox(key="map_touchpoint").set_value("—").run()
    at.button(key="apply_mapping").click().run()
    assert not at.exception
    assert "Mapping applied." in texts(at)
    assert at.selectbox(key="map_touchpoint").value == "—"


def test_bad_file_lets_user_choose_columns():
    data = b"who,at_time,step\nu1,05.01.2026,interest\nu2,06.01.2026,purchase\n"
    at = app().run()
    at.file_uploader(key="upload").set_value(("odd.csv", data, "text/csv")).run()
    # "who" is not a known id header, so the file cannot load as is; the page says why and asks.
    assert "could not be loaded" in texts(at)
    assert "No column was recognised as customer id" in texts(at)
    at.selectbox(key="pend_customer_id").set_value("who").run()
    at.button(key="pending_load").click().run()
    assert not at.exception
    assert metric(at, "Usable events") == "2"


def test_hostile_upload_is_reported_not_crashing():
    at = app().run()
    at.file_uploader(key="upload").set_value(("x.csv", b"<html><script>alert(1)</script></html>", "text/csv")).run()
    assert not at.exception
    assert "looks like an HTML/XML page" in texts(at)


def test_password_gate(monkeypatch):
    monkeypatch.setenv("CJ_PASSWORD", "s3cret")
    at = app().run()
    assert not at.metric and at.text_input(key="cj_password")
    at.text_input(key="cj_password").set_value("wrong").run()
    assert at.error[0].value == "Wrong password." and not at.metric
    at.text_input(key="cj_password").set_value("s3cret").run()
    assert not at.exception and at.title[0].value == "Data"


# ------------------------------------------------------------------ the page in Russian and Chinese

# the same in every language: symbols, file formats, encodings, and the data itself (file and column names)
_SAME_EVERYWHERE = {"XLSX", "—", ",", ";", "|", ".", "shop\\.csv", "odd.csv", "who", "at_time", "step",
                    *ingest.ENCODINGS}


def _labels(at) -> set[str]:
    """Headers, labels, buttons, captions, messages and option labels of a run (the page's words)."""
    out = set()
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        out |= {str(e.value) for e in getattr(at, kind)}
    for kind in ("button", "selectbox", "text_input", "expander", "tabs", "file_uploader"):
        out |= {str(e.label) for e in getattr(at, kind) if getattr(e, "label", None)}
    out |= {str(getattr(b, "label", "")) for b in at.get("download_button")}
    out |= {m.label for m in at.metric}
    for sb in at.selectbox:
        if sb.key and sb.key.startswith("opt_"):
            out |= {str(o) for o in sb.options}
    for d in at.dataframe:
        config = json.loads(d.proto.columns or "{}")
        out |= {str((config.get(c) or {}).get("label") or c) for c in d.value.columns}
        if "check" in d.value.columns:                     # the quality report's check names
            out |= {str(v) for v in d.value["check"]}
    return {s for s in out if s.strip() and not s.startswith("<style>")} - _SAME_EVERYWHERE


def _data_page_words(lang: str, monkeypatch) -> set[str]:
    monkeypatch.setenv("CJ_LIST_DATASETS", "1")          # shows the "Add a Parquet location" expander
    words = set()
    at = app({"v": "1", "lang": lang}).run()
    assert not at.exception
    words |= _labels(at)                                  # the sample: its caption and name
    at.file_uploader(key="upload").set_value(("shop.csv", BASIC, "text/csv")).run()
    assert not at.exception
    words |= _labels(at)                                  # an upload: report, unusable rows, mapping, rename, delete
    at = app({"v": "1", "lang": lang}).run()
    at.file_uploader(key="upload").set_value(("odd.csv", b"who,at_time,step\nu1,05.01.2026,interest\n",
                                              "text/csv")).run()
    assert not at.exception
    # the column chooser (IngestError problems stay English: a README known limitation)
    words |= {w for w in _labels(at) if "No column was recognised" not in w}
    return words


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_data_page_has_no_english_label_left(monkeypatch, lang):
    from cj import i18n

    en = _data_page_words("en", monkeypatch)
    for sure in ("Add a Parquet location", "Choose the columns", "customer_id (required)", "Load with this mapping",
                 "Download unusable rows (CSV)", "Rename", "Delete this dataset", "day first", "Loaded shop.csv.",
                 "Sample: online store journeys"):
        assert any(sure in w.replace("\\", "") for w in en), sure      # the scan sees these English labels
    other = _data_page_words(lang, monkeypatch)
    left = sorted(en & other)
    assert left == [], "\n".join(left)
    assert i18n.t("data.choose_columns", lang) in other and i18n.t("data.ext", lang) in other
    assert any(i18n.t("data.sample_name", lang) in w for w in other)
