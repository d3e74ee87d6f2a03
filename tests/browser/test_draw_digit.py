"""Issue 7 in a real browser: draw a digit with the mouse on /Predict and get the model's answer; click a
cell of the confusion matrix on Results and see its test images; compare runs on /Compare and open one on
Build. Saves docs/screenshots/predict.png, errors.png and compare.png for the README.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.models import register_run

pytestmark = pytest.mark.keras
ANSWER_TIMEOUT_MS = 120_000  # the first answer waits for the inference worker to import TensorFlow


def _answer(page):
    return page.get_by_test_id("stMetric").filter(has_text="The model reads").get_by_test_id("stMetricValue")


def test_draw_a_digit_and_get_a_prediction(st_page, app, trained) -> None:
    owner = new_owner_token()
    store = RunStore(app.runs_dir)
    register_run(store, owner, trained["mlp"])
    run_id = register_run(store, owner, trained["convnet"])
    page = st_page.page

    st_page.goto(f"/Predict?u={owner}")
    expect(page.get_by_text("The canvas is empty")).to_be_visible()
    canvas = page.locator(".st-key-predict_canvas canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and round(box["width"]) == 280
    left, top = box["x"], box["y"]
    page.mouse.move(left + 90, top + 60)  # a "7": the bar, then the long diagonal
    page.mouse.down()
    for x in range(90, 200, 10):
        page.mouse.move(left + x, top + 60)
    for step in range(1, 18):
        page.mouse.move(left + 200 - step * 5, top + 60 + step * 11)
    page.mouse.up()

    expect(_answer(page)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    assert _answer(page).inner_text().strip() in "0123456789"
    assert f"run={run_id}" in page.url
    expect(page.get_by_text("What the model sees (28×28)")).to_be_visible()
    expect(page.get_by_text("showing the first 16 of 24 channels").first).to_be_visible()
    st_page.wait_idle()
    st_page.screenshot("predict")

    page.get_by_role("button", name="Pick a random test image").click()
    st_page.wait_idle()
    expect(page.get_by_text("Test image #")).to_be_visible()
    expect(_answer(page)).to_contain_text(" — ")

    st_page.goto(f"/Results?u={owner}")
    expect(page.get_by_role("heading", name="Where it errs")).to_be_visible()  # in the page, not a tab
    matrix = trained["convnet"].result.confusion
    mistakes = sorted(((matrix[t][p], t, p) for t in range(10) for p in range(10) if t != p), reverse=True)
    count, true_digit, predicted_digit = mistakes[1]  # the second most frequent; the first is shown unasked
    heatmap = page.locator('[class*="st-key-errors_confusion_"] .js-plotly-plot').first
    expect(heatmap).to_be_visible()
    st_page.press_chart(heatmap, str(predicted_digit), str(true_digit))
    shown = f"all {count}" if count <= 24 else f"24 of {count:,}"
    title = f"{true_digit} read as {predicted_digit}: {shown}, confidence shown"
    expect(page.get_by_text(title)).to_be_visible()
    st_page.wait_idle()
    st_page.screenshot("errors")

    st_page.goto(f"/Compare?u={owner}")
    expect(page.get_by_text("Parameters vs test accuracy")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    st_page.wait_idle()
    st_page.screenshot("compare")

    page.get_by_role("link", name="Edit #2 small convnet on Build").click()  # "edit this architecture"
    st_page.wait_idle()
    parameters = page.get_by_test_id("stMetric").filter(has_text="Parameters").get_by_test_id("stMetricValue")
    expect(parameters).to_have_text(f"{trained['convnet'].params:,}")
    assert f"u={owner}" in page.url
