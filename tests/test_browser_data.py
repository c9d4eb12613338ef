"""Real browser: a person opens the app, uploads the sample CSV, sees the preview and the report."""
from __future__ import annotations

import pytest

from browser_utils import ROOT, shot, wait_idle

pytestmark = pytest.mark.browser


def test_upload_sample_and_see_report(app_server, page):
    page.goto(app_server.url + "/data")
    wait_idle(page)
    page.get_by_text("Rows read").first.wait_for()
    page.get_by_text("Upload a behaviour file").first.click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(ROOT / "data" / "sample_events.csv.gz"))
    page.get_by_text("Loaded sample_events.csv.gz.").wait_for(timeout=120_000)
    wait_idle(page)
    metrics = page.locator('[data-testid="stMetric"]')
    assert "Customers" in metrics.nth(3).inner_text()
    assert page.url.find("ds=") > 0 and "ds=sample" not in page.url
    page.get_by_role("tab", name="Quality report").click()
    page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
    shot(page, "data-report")
    page.get_by_role("tab", name="Preview").click()
    page.locator('[data-testid="stDataFrame"]').last.wait_for()
    page.wait_for_timeout(500)
    shot(page, "data-preview")
    assert page.get_by_text("The first 100 events as the product reads them").is_visible()
