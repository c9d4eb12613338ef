"""AppTest: the Segments page on the sample (planted: advocates and one-time buyers)."""
from __future__ import annotations

import pytest

from apptest_utils import app, texts


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def _open(query=None):
    at = app(query).run()
    at.switch_page("pages/segments.py").run()
    assert not at.exception, at.exception
    return at


def test_segments_found_and_named():
    at = _open()
    assert at.title[0].value == "Segments"
    table = next(d.value for d in at.dataframe if "revenue_share" in d.value.columns)
    assert {"High-value loyal advocates", "One-time buyers"} <= set(table["name"])
    assert table["size"].sum() == 20_000
    assert "k = 4" in texts(at)
    assert len(at.get("vega_lite_chart")) >= 3
    assert any(b.label.startswith("Download segment membership") for b in at.get("download_button"))


def test_rename_is_saved_with_dataset(workspace):
    at = _open()
    at.selectbox(key="seg_rename_which").set_value(0)
    at.text_input(key="seg_rename_text").set_value("Window shoppers").run()
    at.button(key="seg_rename_btn").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "revenue_share" in d.value.columns)
    assert table.loc[table["segment"] == 0, "name"].item() == "Window shoppers"
    saved = workspace.meta("sample").segment_names
    assert saved["k=auto,seed=0"]["0"] == "Window shoppers"


def test_link_with_k():
    at = _open({"v": "1", "k": "3"})
    assert at.selectbox(key="seg_k").value == "3"
    assert "k = 3" in texts(at)
