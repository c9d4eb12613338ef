"""AppTest: the A/B page on the sample data (planted: B lifts purchase conversion ~3 points)."""
from __future__ import annotations

import pytest

from apptest_utils import app, texts


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def _open():
    at = app().run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception
    return at


def test_verdict_and_stage_view():
    at = _open()
    assert at.title[0].value == "A/B tests"
    assert at.selectbox(key="ab_experiment").value == "checkout_redesign"
    assert at.selectbox(key="ab_control").value == "A"
    assert at.selectbox(key="ab_goal").value == "conversion to purchase"
    verdict = at.success[0].value
    assert verdict.startswith("B raised purchase conversion from"), verdict
    assert "chance to beat A" in verdict
    assert not at.error, "no sample-ratio mismatch on the sample"
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 3
    comps = next(d.value for d in at.dataframe if "lift_abs" in d.value.columns and "control" in d.value.columns)
    assert comps.loc[0, "variant"] == "B" and 0.01 < comps.loc[0, "lift_abs"] < 0.05


def test_switching_goal_changes_verdict():
    at = _open()
    before = at.success[0].value
    at.selectbox(key="ab_goal").set_value("conversion to advocacy").run()
    assert not at.exception
    after = (at.success[0].value if at.success else at.info[0].value)
    assert after != before and "advocacy" in after


def test_bad_window_warns_not_crashes():
    at = _open()
    at.text_input(key="ab_window").set_value("fortnight").run()
    assert not at.exception
    assert any("Using no window" in w.value for w in at.warning)


def test_revenue_metric():
    at = _open()
    at.selectbox(key="ab_goal").set_value("revenue per customer").run()
    assert not at.exception
    assert "revenue per customer" in texts(at)


def test_share_link_restores_view():
    at = app({"ds": "sample", "v": "1", "goal": "conversion to loyalty", "awin": "14d"}).run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception
    assert at.selectbox(key="ab_goal").value == "conversion to loyalty"
    assert at.text_input(key="ab_window").value == "14d"
    assert "loyalty" in " ".join(e.value for e in list(at.success) + list(at.info))


def test_tampered_link_falls_back_with_note():
    at = app({"v": "1", "goal": "conversion to <script>", "ctrl": "Z"}).run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception
    assert at.selectbox(key="ab_goal").value == "conversion to purchase"
    notes = " ".join(w.value for w in at.warning)
    assert "not in this dataset" in notes
