"""AppTest: the Journey map page on the sample (six stage columns, findings, stage detail, link
state) and on hostile text (rendered escaped or as plain text only)."""
from __future__ import annotations

import re

import pytest

from apptest_utils import app, texts

STAGES = ["Awareness", "Interest", "Consideration", "Purchase", "Loyalty", "Advocacy"]


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def _open(query=None):
    at = app(query).run()
    at.switch_page("pages/journey.py").run()
    assert not at.exception, at.exception
    return at


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_map_columns_findings_and_stage_detail():
    at = _open()
    md = _markdown(at)
    # one column per stage, in order, each headed by its name and with its reach
    heads = [m for m in md if m.startswith("##### ")]
    assert heads == [f"##### :small[{i}. {s}]" for i, s in enumerate(STAGES, start=1)]
    assert [m.label for m in at.metric].count("Reached") == 6
    reached = [m.value for m in at.metric if m.label == "Reached"]
    assert reached[0] == "20,000" and reached[2] == "17,199"
    assert len(at.get("vega_lite_chart")) >= 1                           # the emotion curve
    # the numbered findings, the planted ones among them
    numbered = [m for m in md if m.startswith("**1.**")]
    assert numbered and "Consideration → Purchase" in numbered[0]
    body = texts(at)
    assert "mobile customers convert 53% vs 77% for desktop" in body
    assert "checkout\\_redesign raised purchase conversion" in body
    # ranked intervention points and KPIs
    ip = next(d.value for d in at.dataframe if "score" in d.value.columns)
    assert ip["stage"].iloc[0] == "consideration" and list(ip["rank"]) == [1, 2, 3, 4, 5]
    assert {"Conversion rate", "Average order value"} <= {m.label for m in at.metric}
    # the detail opens on the top intervention point's stage
    assert at.selectbox(key="jm_stage").value == "consideration"
    assert "### 3. Consideration" in md                                  # the detail's heading
    pains = next(d.value for d in at.dataframe if "phrase" in d.value.columns)
    assert {"checkout error", "hidden fees", "delivery cost"} <= set(pains["phrase"])
    assert any("checkout error" in t.value for t in at.text)            # quotes as plain text


def test_stage_selector_changes_detail_and_link():
    at = _open()
    tp = next(d.value for d in at.dataframe if "touchpoint" in d.value.columns)
    assert "support" in set(tp["touchpoint"])                            # consideration: support chats
    at.selectbox(key="jm_stage").set_value("purchase").run()
    assert not at.exception
    md = _markdown(at)
    assert "### 4. Purchase" in md and "### 3. Consideration" not in md
    tp = next(d.value for d in at.dataframe if "touchpoint" in d.value.columns)
    assert "support" not in set(tp["touchpoint"])
    assert at.query_params["stage"] in (["purchase"], "purchase")
    detail = md[md.index("### 4. Purchase") + 1]
    assert "Variant B" in detail or "purchase" in detail.lower()           # its own findings follow
    # the link opens the same stage; a stage the data does not have falls back with a note
    at2 = _open({"v": "1", "stage": "loyalty"})
    assert at2.selectbox(key="jm_stage").value == "loyalty"
    at3 = _open({"v": "1", "stage": "nowhere"})
    assert at3.selectbox(key="jm_stage").value == "consideration"
    assert at3.warning


def test_hostile_text_renders_safely(workspace, tmp_path):
    from cj import ingest

    hostile = ['<script>alert("x")</script>', "**bold** [link](http://evil)", "![img](http://evil/x.png)",
               ":material/home: $x^2$", "<img src=x onerror=alert(1)>"]
    rows = ["customer_id,timestamp,stage,touchpoint,device,feedback,rating"]
    for i in range(240):
        h = hostile[i % len(hostile)].replace('"', '""')
        stages = ["awareness", "interest", "purchase"][: 1 + i % 3]
        for k, s in enumerate(stages):
            rows.append(f'c{i},2026-01-{1 + i % 28:02d} {10 + k}:00,{s},"{h}","{h} {i % 2}",'
                        f'"{h} terrible awful broken",{1 + (i + k) % 5}')
    p = tmp_path / "hostile.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    meta, _ = ingest.ingest_to_workspace(p, workspace, name="hostile")
    at = _open({"ds": meta.id})
    assert not at.exception
    assert [m for m in _markdown(at) if m.startswith("##### ")][:3] == ["##### :small[1. Awareness]", "##### :small[2. Interest]",
                                                                        "##### :small[3. Purchase]"]
    for kind in ("markdown", "caption", "info", "success", "warning", "subheader", "header"):
        for e in getattr(at, kind):
            v = str(e.value)
            assert "<script>" not in v and "](http" not in v and "<img" not in v, v
            assert not re.search(r"(?<!\\)\$x", v) and ":material/home:" not in v, v   # no LaTeX, no icon
    for m in at.metric:
        assert "](http" not in str(m.label) and "<script>" not in str(m.label)


def test_meeting_exports_download(workspace):
    from apptest_utils import app as _app

    at = _app().run()
    at.switch_page("pages/journey.py").run()
    at.button(key="jm_prep_pptx").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download PowerPoint (.pptx)" in labels


def test_presentation_mode_one_stage_at_a_time(workspace):
    from apptest_utils import app as _app

    at = _app({"v": "1", "present": "1"}).run()
    at.switch_page("pages/journey.py").run()
    assert not at.exception
    assert at.toggle(key="jm_present_toggle").value is True
    assert any("1 / 6" in m.value for m in at.markdown)
    assert not at.get("selectbox") or all(s.key != "jm_stage" for s in at.selectbox)   # controls hidden
    at.button(key="jm_next").click().run()
    assert any("2 / 6" in m.value for m in at.markdown)
    at.toggle(key="jm_present_toggle").set_value(False).run()
    assert not at.exception and at.selectbox(key="jm_stage")
