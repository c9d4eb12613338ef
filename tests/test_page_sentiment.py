"""AppTest: the Sentiment page (planted: consideration is the negative stage)."""
from __future__ import annotations

import pytest

from apptest_utils import app, texts


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def _open(query=None):
    at = app(query).run()
    at.switch_page("pages/sentiment.py").run()
    assert not at.exception, at.exception
    return at


def test_curve_lowest_point_and_pain_points():
    at = _open()
    body = texts(at)
    assert "Lowest point: **consideration**" in body
    assert at.selectbox(key="sent_stage").value == "consideration"
    pains = next(d.value for d in at.dataframe if "phrase" in d.value.columns)
    assert {"checkout error", "hidden fees", "delivery cost"} <= set(pains["phrase"])
    quotes = [t.value for t in at.text]
    assert any("checkout error" in q for q in quotes)
    assert len(at.get("vega_lite_chart")) >= 1


def test_breakdown_by_touchpoint_and_filter():
    at = _open()
    at.selectbox(key="sent_by").set_value("touchpoint").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "touchpoint" in d.value.columns)
    assert len(table) >= 3
    at.selectbox(key="sent_by").set_value("stage").run()
    at.selectbox(key="sent_tp").set_value("email").run()
    assert not at.exception


def test_hostile_feedback_renders_as_text(workspace, tmp_path):
    from cj import ingest

    rows = ["customer_id,timestamp,stage,feedback"]
    hostile = ['<script>alert("x")</script> terrible', "**bold** [link](http://evil) awful", "😀" * 50,
               "", "x" * 20000, "=HYPERLINK(\"http://x\") bad bad"]
    for i in range(60):
        rows.append(f'c{i},2026-01-0{1 + i % 5} 10:00,consideration,"{hostile[i % len(hostile)].replace(chr(34), chr(34) * 2)}"')
    p = tmp_path / "hostile.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    meta, _ = ingest.ingest_to_workspace(p, workspace, name="hostile")
    at = _open({"ds": meta.id})
    assert not at.exception
    for kind in ("markdown", "caption", "info", "success", "warning"):
        for e in getattr(at, kind):
            assert "<script>" not in e.value and "](http" not in e.value
