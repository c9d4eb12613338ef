"""AppTest: the Funnel page on the sample (planted: mobile checkout drop)."""
from __future__ import annotations

import json

import pytest

from apptest_utils import app, texts


@pytest.fixture(autouse=True)
def _ws(workspace):
    return workspace


def _open(query=None):
    at = app(query).run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception, at.exception
    return at


def _funnel_table(at):
    return next(d.value for d in at.dataframe if "conversion_from_start" in d.value.columns
                and "group" not in d.value.columns)


def test_default_funnel_over_stage_order():
    at = _open()
    assert at.text_input(key="fn_steps").value == "awareness,interest,consideration,purchase,loyalty,advocacy"
    t = _funnel_table(at)
    assert t["customers"].iloc[0] == 20_000
    assert list(t["customers"]) == sorted(t["customers"], reverse=True)
    assert "Largest drop" in texts(at)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) >= 4


def test_mode_and_window_change_numbers():
    at = _open()
    ordered = _funnel_table(at)["customers"].tolist()
    at.selectbox(key="fn_mode").set_value("open").run()
    opened = _funnel_table(at)["customers"].tolist()
    assert opened != ordered and all(o >= c for o, c in zip(opened, ordered))
    at.selectbox(key="fn_mode").set_value("ordered").run()
    at.text_input(key="fn_window").set_value("1h").run()
    short = _funnel_table(at)["customers"].tolist()
    assert short[-1] < ordered[-1]
    assert at.query_params["window"] in (["1h"], "1h")


def test_breakdown_by_device_shows_mobile_checkout_drop():
    at = _open({"v": "1", "by": "device"})
    tests = next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)
    row = tests[tests["step"] == "purchase"].iloc[0]
    assert row["lowest_group"] == "mobile" and row["p_adjusted"] < 1e-6


def test_bad_steps_give_message():
    at = _open()
    at.text_input(key="fn_steps").set_value("awareness,,nonsense").run()
    assert not at.exception
    assert at.error


def test_segment_breakdown_uses_saved_names(workspace):
    meta = workspace.meta("sample")
    meta.segment_names["k=auto,seed=0"] = {"0": "Window shoppers"}
    workspace.save_meta(meta)
    at = _open({"v": "1", "by": "segment"})
    tests = next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)
    assert not tests.empty
    # the breakdown groups are the segment names the user saved
    from cj import store

    groups = set(store.run(at.session_state["cj_con"], "SELECT DISTINCT segment FROM events")["segment"])
    assert "Window shoppers" in groups and len(groups) == 4
