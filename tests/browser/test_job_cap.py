"""The job work cap in a real browser: a job estimated over the server's limit is refused with its estimate
before anything runs, and a big job (the 1024-filter stack) reaches its final state seconds after Stop."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from cnnlab.core.arithmetic import analyze
from cnnlab.core.spec_json import encode_spec_for_url

WIDE = {  # Conv2D 1024@3×3 same → Conv2D 1024@1×1 → GlobalAveragePooling2D → Dense 10: 829 million MACs
    "name": "wide",
    "input_shape": [28, 28, 1],
    "layers": [
        {"type": "Conv2D", "filters": 1024, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
        {"type": "Conv2D", "filters": 1024, "kernel_size": [1, 1], "activation": "relu"},
        {"type": "GlobalAveragePooling2D"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}
STOP_WAIT_S = 15  # the final state is expected about 5 s after Stop; the rest is slack for a busy machine


def open_train_with_wide(st_page) -> None:
    """Open the wide stack from its share link, then go to Train in the same session."""
    st_page.goto(f"/Build?spec={encode_spec_for_url(analyze(WIDE).spec)}")
    expect(st_page.page.get_by_text("1,070,090").first).to_be_visible()
    st_page.page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
    st_page.wait_idle()


def fill(st_page, **values: str) -> None:
    form = st_page.page.locator(".st-key-train_form")
    for label, value in values.items():
        field = form.get_by_role("spinbutton", name=label, exact=True)
        field.fill(value)
        field.press("Enter")
        st_page.wait_idle()


def test_a_job_over_the_limit_is_refused_with_its_estimate(st_page) -> None:
    page = st_page.page
    open_train_with_wide(st_page)
    fill(st_page, **{"Epochs": "5", "Batch size": "32", "Training images": "60000"})
    too_long = re.compile(r"Too long for this server: this job would take about \d+ h( \d+ min)? on this "
                          r"server; the limit is 10 min — use fewer epochs or images, or fewer filters\.")
    expect(page.get_by_test_id("stAlert").filter(has_text=too_long)).to_be_visible()  # before any press
    page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True).click()
    st_page.wait_idle()
    refused = re.compile(r"Not started: this job would take about \d+ h( \d+ min)? on this server; the limit "
                         r"is 10 min")
    expect(page.get_by_test_id("stAlert").filter(has_text=refused)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("wide: "))).to_have_count(0)  # nothing queued


def test_stopping_the_1024_filter_stack_ends_it_within_seconds(st_page) -> None:
    page = st_page.page
    open_train_with_wide(st_page)
    fill(st_page, **{"Epochs": "5", "Batch size": "8", "Training images": "160"})  # ~6 min estimated
    page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"epoch \d+ of 5 · batch [1-9]"))).to_be_visible(timeout=120_000)
    stop = page.locator(".st-key-train_stop").get_by_role("button")
    stop.click()
    pressed = time.monotonic()
    final = page.get_by_role("heading", name="Last run: wide — stopped")
    expect(final).to_be_visible(timeout=STOP_WAIT_S * 1000)
    print(f"Stop → final state on the page: {time.monotonic() - pressed:.1f} s")
    scored = re.compile(r"Stopped early; the model trained so far was tested on [\d,]+ of the 10,000 test "
                        r"images and saved\.")
    expect(page.get_by_test_id("stAlert").filter(has_text=scored)).to_be_visible()
