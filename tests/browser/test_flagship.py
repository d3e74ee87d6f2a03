"""The flagship flow of issue 5 in a real browser, against the app started as the README starts it.

Open /Build?preset=convnet and read 60,874 parameters; change the first Conv2D's filters 16 → 32 and read 320
for that layer and 65,642 in total; train one epoch on a subset and watch the curve appear and grow; reload
mid-training and find the job still running; download the .h5 from Results and load it with Keras
(65,642 parameters). Saves a screenshot of each page to docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, expect

from cnnlab.testing.polling import wait_until

TRAIN_IMAGES = "24000"  # one epoch of the 32-filter convnet lasts long enough to reload mid-training
BATCH_SIZE = "8"
TRAINING_TIMEOUT_S = 240


def stack_row(page, position: int) -> Locator:
    """Row `position` of the stack table (0 = the input row)."""
    return page.get_by_test_id("stTable").first.locator("tbody tr").nth(position)


def metric_value(page, label: str) -> Locator:
    """The value of the metric labelled `label`."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def curve_points(page) -> int:
    """How many batch points the live loss curve shows (0 while there is no chart)."""
    charts = page.locator(".st-key-train_live_curves .js-plotly-plot")
    if charts.count() == 0:
        return 0
    return charts.first.evaluate("plot => (plot.data && plot.data[0].x.length) || 0")


def test_build_train_reload_and_download_the_h5(st_page, tmp_path: Path) -> None:
    page = st_page.page
    st_page.goto("/")
    expect(page.get_by_role("heading", name="CNN Lab")).to_be_visible()
    st_page.screenshot("home")

    st_page.goto("/Build?preset=convnet")
    expect(metric_value(page, "Parameters")).to_have_text("60,874")
    owner = re.search(r"[?&]u=([A-Za-z0-9_-]{24})", page.url).group(1)
    assert "preset" not in page.url

    edit = page.locator(".st-key-build_edit_section")
    filters = edit.get_by_role("spinbutton", name="Filters", exact=True)
    expect(filters).to_have_value("16")
    filters.fill("32")
    filters.press("Enter")
    expect(stack_row(page, 1).locator("td").nth(6)).to_have_text("320")
    st_page.wait_idle()  # the run that drew the new row has ended: no stale copy of a metric is left
    expect(metric_value(page, "Parameters")).to_have_text("65,642")
    st_page.wait_idle()
    st_page.screenshot("build")

    page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
    st_page.wait_idle()
    assert f"u={owner}" in page.url
    form = page.locator(".st-key-train_form")
    form.get_by_role("spinbutton", name="Epochs").fill("1")
    form.get_by_role("spinbutton", name="Batch size").fill(BATCH_SIZE)
    form.get_by_role("spinbutton", name="Training images").fill(TRAIN_IMAGES)
    form.get_by_role("button", name="Train", exact=True).click()

    wait_until(lambda: curve_points(page) > 0, 120, "the live curve to appear", every_s=0.5)
    first = curve_points(page)
    wait_until(lambda: curve_points(page) > first, 60, "the live curve to grow without a reload", every_s=0.5)

    page.reload()
    st_page.wait_idle()
    assert f"u={owner}" in page.url
    expect(page.get_by_role("heading", name=re.compile(r"convnet: training"))).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_be_visible()
    wait_until(lambda: curve_points(page) >= 20, 60, "the curve to grow after the reload", every_s=0.5)
    st_page.screenshot("train")

    expect(page.get_by_role("heading", name=re.compile(r"Last run: convnet — finished"))).to_be_visible(
        timeout=TRAINING_TIMEOUT_S * 1000)

    page.get_by_test_id("stSidebar").get_by_role("link", name="Results").click()
    st_page.wait_idle()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    st_page.screenshot("results")
    page.get_by_role("button", name="Download", exact=True).click()  # the files: one menu, last
    download_button = page.get_by_role("button", name=re.compile(r"Download convnet-\d+\.\d\d\.h5"))
    expect(download_button).to_be_visible()
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    assert re.fullmatch(r"convnet-\d+\.\d\d\.h5", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    import keras

    model = keras.models.load_model(saved)
    assert model.count_params() == 65_642
    assert model.layers[0].filters == 32


def test_a_wrong_setting_is_flagged_at_its_layer_and_a_bad_link_explained(st_page) -> None:
    page = st_page.page
    st_page.goto("/Build?preset=convnet")
    edit = page.locator(".st-key-build_edit_section")
    st_page.choose(edit.get_by_test_id("stSelectbox").first, "3 · Conv2D")
    for box in ("Kernel size · rows", "Kernel size · cols"):
        field = edit.get_by_role("spinbutton", name=box, exact=True)
        field.fill("15")
        field.press("Enter")
        st_page.wait_idle()
    message = ('layer 3 (Conv2D): kernel 15×15 is larger than its 13×13×16 input; use kernel_size ≤ 13 or '
               'padding="same"')
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(message)
    expect(stack_row(page, 3).locator("td").nth(8)).to_contain_text("✗ kernel 15×15 is larger")
    expect(stack_row(page, 1).locator("td").nth(6)).to_have_text("160")  # the other layers stay
    expect(page.get_by_test_id("stException")).to_have_count(0)
    st_page.screenshot("build-problem")

    st_page.choose(edit.get_by_test_id("stSelectbox").first, "1 · Conv2D")
    filters = edit.get_by_role("spinbutton", name="Filters", exact=True)
    for typed, shown in (("1e9", "1,000,000,000"), ("-5", "-5")):  # the browser never turns 1e9 into 1
        filters.fill(typed)
        filters.press("Enter")
        st_page.wait_idle()
        expect(page.get_by_test_id("stAlertContentError").first).to_contain_text(
            f"layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got {shown}")
    expect(filters).to_have_value("-5")

    st_page.goto("/Build?spec=not-a-stack&preset=<b>x</b>")
    expect(page.get_by_test_id("stAlertContentError").first).to_contain_text(
        "This link's stack could not be opened")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "spec=" not in page.url and "preset=" not in page.url
