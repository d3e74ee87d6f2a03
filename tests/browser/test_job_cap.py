"""The job work caps in a real browser: batches too long for a quick Stop, then a job estimated over the
server's limit, are refused with their estimates before the press — Train is disabled and the reason stands in
its place, with a link back to Build (a big job stopped within seconds: test_stop_latency.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cnnlab.core.arithmetic import analyze
from cnnlab.testing.stacks import SLOW_TO_TRAIN


def test_a_job_over_the_limit_is_refused_with_its_estimate(st_page) -> None:
    page = st_page.page
    st_page.open_train_with(analyze(SLOW_TO_TRAIN).spec, "1,070,090")
    st_page.fill_train_form(**{"Epochs": "5", "Batch size": "32", "Training images": "60000"})
    long_batches = re.compile(r"Train is off: one batch of 32 images of this stack "
                              r"would take about [\d.]+ s on this server; Stop can only end a job between "
                              r"batches, so a batch may take at most 1\.5 s — use a batch size of \d+ or "
                              r"less\.")
    expect(page.get_by_test_id("stAlert").filter(has_text=long_batches)).to_be_visible()  # before any press
    st_page.fill_train_form(**{"Batch size": "8"})
    too_long = re.compile(r"Train is off: this job would take about \d+ h( \d+ min)? on this server; the "
                          r"limit is 10 min — use fewer epochs or images, or fewer filters\.")
    expect(page.get_by_test_id("stAlert").filter(has_text=too_long)).to_be_visible()  # before any press
    train = page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True)
    expect(train).to_be_disabled()
    expect(page.get_by_text("Ready to train")).to_have_count(0)
    expect(page.get_by_role("link", name="Change the stack on Build")).to_be_visible()
