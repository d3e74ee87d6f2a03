"""Issue 23 in a real browser: on /Build?preset=convnet a student picks layer 3 in "How this layer works",
sees `32 × (3×3×16) + 32 = 4,640` with its terms named, steps the window (the output cell count advances)
and plays it; on a phone the panel fits the screen. On /Predict, after a run, clicking — or, on a touch
screen, tapping once — a cell of a feature map shows its patch, kernel and value. Saves
docs/screenshots/build-explainer.png, build-explainer-phone.png, predict-trace.png and predict-why.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.models import register_run
from cnnlab.testing.polling import wait_until

pytestmark = pytest.mark.keras
ANSWER_TIMEOUT_MS = 120_000  # the first answer waits for the inference worker to import TensorFlow


def _filled(page: Page, count: int, of: int) -> Locator:
    return page.get_by_text(f"Output cells filled: {count} of {of}", exact=True)


def _cells_filled(section: Locator) -> int:
    """How many output cells the panel says are filled."""
    text = section.get_by_text("Output cells filled:").inner_text()
    return int(text.split(":")[1].split(" of ")[0].replace(",", ""))


def _fits_the_screen(page: Page) -> bool:
    """Nothing sticks out sideways: the page is no wider than the window."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _pick_layer(st_page, label: str) -> Locator:
    section = st_page.page.locator(".st-key-build_explain_section")
    st_page.choose(section.get_by_test_id("stSelectbox").first, label)
    return section


def test_how_a_layer_works_on_build(st_page, phone_tab) -> None:
    owner = new_owner_token()
    page = st_page.page
    st_page.goto(f"/Build?preset=convnet&u={owner}")
    section = _pick_layer(st_page, "3 · Conv2D")
    expect(section.get_by_text("32 × (3×3×16) + 32 = 4,640", exact=True)).to_be_visible()
    expect(section.get_by_text("32 filters · 3 kernel rows · 3 kernel columns · 16 input channels · 32 "
                               "biases, one per filter", exact=True)).to_be_visible()
    expect(_filled(page, 1, 121)).to_be_visible()
    section.get_by_role("button", name="Next step").click()
    expect(_filled(page, 2, 121)).to_be_visible()
    st_page.wait_idle()
    st_page.screenshot("build-explainer", section)

    section.get_by_role("button", name="Play").click()
    expect(section.get_by_role("button", name="Pause")).to_be_visible()
    wait_until(lambda: _cells_filled(section) >= 5, timeout_s=60, what="the window to play on by itself")
    section.get_by_role("button", name="Pause").click()
    expect(section.get_by_role("button", name="Play")).to_be_visible()
    st_page.wait_idle()
    paused = section.get_by_text("Output cells filled:").inner_text()
    page.wait_for_timeout(2_500)
    assert section.get_by_text("Output cells filled:").inner_text() == paused  # the timer has stopped

    phone_tab.goto(f"/Build?u={owner}")  # the same student, on their phone
    section = _pick_layer(phone_tab, "3 · Conv2D")
    expect(section.get_by_text("32 × (3×3×16) + 32 = 4,640", exact=True)).to_be_visible()
    section.get_by_role("button", name="Next step").tap()
    expect(_filled(phone_tab.page, 2, 121)).to_be_visible()
    phone_tab.wait_idle()
    assert _fits_the_screen(phone_tab.page)
    phone_tab.screenshot("build-explainer-phone", section)


def test_tracing_a_value_on_predict(st_page, app, trained) -> None:
    owner = new_owner_token()
    register_run(RunStore(app.runs_dir), owner, trained["convnet"])
    page = st_page.page
    st_page.goto(f"/Predict?u={owner}")
    page.get_by_role("button", name="Pick a random test image").click()
    expect(page.get_by_text("Trace one value")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_text("Why the model said")).to_be_visible()
    st_page.wait_idle()
    strongest = page.get_by_text(re.compile(r"^Showing its strongest value \(row \d+, column \d+\)"))
    row, col = map(int, re.findall(r"\d+", strongest.inner_text())[:2])
    col += 1 if col < 25 else -1  # the cell beside the strongest: on the stroke, so its numbers are not all 0
    chart = page.locator(".st-key-predict_trace_map_1_0 .js-plotly-plot")
    st_page.press_chart(chart, col, row)  # x: the column, y: the row
    traced = f"Layer 1 (Conv2D), row {row}, column {col}, channel 0"
    expect(page.get_by_text(traced, exact=True)).to_be_visible()
    expect(strongest).to_have_count(0)  # the clicked cell replaced the one shown until a click
    for title in ("Patch of the image", "Kernel (weights)"):
        expect(page.get_by_text(title)).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Value")).to_be_visible()
    expect(page.get_by_text("the same (they differ by")).to_be_visible()
    st_page.wait_idle()
    st_page.screenshot("predict-trace", page.locator(".st-key-predict_trace_section"))
    st_page.screenshot("predict-why", page.locator(".st-key-predict_why_section"))


def test_tracing_a_value_on_a_phone(phone_tab, app, trained) -> None:
    owner = new_owner_token()
    register_run(RunStore(app.runs_dir), owner, trained["convnet"])
    phone = phone_tab.page  # a student on a touch screen
    phone_tab.goto(f"/Predict?u={owner}")
    phone.get_by_role("button", name="Pick a random test image").tap()
    expect(phone.get_by_text("Trace one value")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    phone_tab.wait_idle()
    phone_tab.press_chart(phone.locator(".st-key-predict_trace_map_1_0 .js-plotly-plot"), 7, 20, tap=True)
    expect(phone.get_by_text("Layer 1 (Conv2D), row 20, column 7, channel 0", exact=True)).to_be_visible()
    phone_tab.wait_idle()
    assert _fits_the_screen(phone)
