"""Stop on the issue's 1024-filter stack in a real browser: the job reaches its final state seconds after
Stop, and says how many test images the stopped model was scored on."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from cnnlab.core.arithmetic import analyze
from cnnlab.testing.server import Server, started_server
from cnnlab.testing.stacks import SLOW_TO_TRAIN

STOP_WAIT_S = 15  # the final state is expected about 5 s after Stop; the rest is slack for a busy machine


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app with an hour's job limit: on a busy 2-core machine the speed it learns can put any job of the
    1024-filter stack over 10 minutes (scoring the 10,000 test images alone is 8.3 trillion MACs)."""
    with started_server(tmp_path_factory.mktemp("long-jobs"), {"CNNLAB_MAX_JOB_MINUTES": "60"}) as server:
        yield server


def test_stopping_the_1024_filter_stack_ends_it_within_seconds(st_page) -> None:
    page = st_page.page
    st_page.open_train_with(analyze(SLOW_TO_TRAIN).spec, "1,070,090")
    st_page.fill_train_form(**{"Epochs": "5", "Batch size": "8", "Training images": "160"})  # ~6 min
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
