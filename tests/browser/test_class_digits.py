"""Our class's handwriting in real browsers, a student and the teacher each in their own context (own ?u=):
the student trains a first run, draws a 3 on /Predict and adds it ("This is a" 3, "Add to our class's
digits"); the teacher's dashboard shows one 3; the first run, finished before the drawing, is scored on demand
on Results; the student's next run is scored on it at the end of its training; after a server restart the
drawing and the scores are still there. Saves docs/screenshots/class-digits.png (the dashboard's grid),
class-digits-predict.png and class-digits-results.png.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cnnlab.lab import TEACHER_KEY_ENV
from cnnlab.testing.server import started_server

pytestmark = pytest.mark.keras
KEY = "browser-test-teacher-key"
JOB_TIMEOUT_MS = 300_000
ANSWER_TIMEOUT_MS = 180_000  # the first answer waits for the inference worker to import TensorFlow
PAGE_MS = 180_000
ONE_DRAWING = re.compile(r"on our class's handwriting: \d{1,3}\.\d % \(1 drawing\)")


def _open(tab, path: str) -> None:
    """Open `path` and wait until its script has run, longer than `StreamlitPage.goto` does: a first page of a
    server imports every page module while the training worker starts, and this test's pages wait for
    TensorFlow in two workers at once, which on a loaded 2-core machine takes well over half a minute."""
    tab.page.goto(f"{tab.base_url}{path}")
    tab.page.get_by_test_id("stHeading").first.wait_for(timeout=PAGE_MS)
    tab.wait_idle(timeout_ms=PAGE_MS)


def _train(student, owner: str) -> None:
    """Train the student's current stack for one epoch on 1,000 images and wait until it has finished."""
    _open(student, f"/Train?u={owner}")
    form = student.page.locator(".st-key-train_form")
    for label, value in (("Epochs", "1"), ("Training images", "1000")):
        form.get_by_role("spinbutton", name=label, exact=True).fill(value)
    form.get_by_role("button", name="Train", exact=True).click()
    student.wait_idle()
    expect(student.page.get_by_role("heading", name=re.compile(r"Last run: .* — finished"))).to_be_visible(
        timeout=JOB_TIMEOUT_MS)


def _draw_a_three(student) -> None:
    """Two bumps and a spine of a 3, drawn with the mouse on Predict's canvas."""
    page = student.page
    canvas = page.locator(".st-key-predict_canvas canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, top = box["x"], box["y"]
    points = [(90, 50), (150, 40), (190, 70), (180, 110), (130, 135), (185, 165), (190, 210), (150, 240),
              (90, 230)]
    page.mouse.move(left + points[0][0], top + points[0][1])
    page.mouse.down()
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for step in range(1, 6):
            page.mouse.move(left + x0 + (x1 - x0) * step / 5, top + y0 + (y1 - y0) * step / 5)
    page.mouse.up()


def _results(student, owner: str):
    _open(student, f"/Results?u={owner}")
    return student.page


def test_a_drawing_added_on_predict_reaches_the_dashboard_and_scores_the_next_run(new_tab,
                                                                                   tmp_path: Path) -> None:
    env = {TEACHER_KEY_ENV: KEY}
    with started_server(tmp_path, env) as server:
        student, teacher = new_tab(server.url), new_tab(server.url)
        _open(student, "/Build?preset=convnet")
        owner = re.search(r"[?&]u=([A-Za-z0-9_-]{24})", student.page.url).group(1)
        _train(student, owner)
        page = _results(student, owner)
        expect(page.get_by_text("on our class's handwriting: no drawings yet")).to_be_visible()

        _open(student, f"/Predict?u={owner}")
        _draw_a_three(student)
        expect(page.get_by_test_id("stMetric").filter(has_text="The model reads")).to_be_visible(
            timeout=ANSWER_TIMEOUT_MS)
        student.choose(page.get_by_test_id("stSelectbox").filter(has_text="This is a"), "3")
        page.get_by_role("button", name="Add to our class's digits").click()
        student.wait_idle()
        expect(page.get_by_text("Added your 3 to our class's digits: 1 drawing in all, 1 of them yours.")
               ).to_be_visible()
        student.screenshot("class-digits-predict")

        _open(teacher, f"/Teacher?key={KEY}")
        digits = teacher.page.locator(".st-key-teacher_class_digits")
        expect(digits.get_by_role("tab", name="3: 1")).to_be_visible()
        expect(digits.get_by_text("1 drawing in all")).to_be_visible()
        for digit in (0, 1, 2, 4, 5, 6, 7, 8, 9):
            expect(digits.get_by_role("tab", name=f"{digit}: 0")).to_be_visible()
        digits.get_by_role("tab", name="3: 1").click()
        expect(digits.get_by_text("Drawn as a 3: 1 drawing")).to_be_visible()
        teacher.wait_idle()
        teacher.screenshot("class-digits")

        page = _results(student, owner)  # the first run ended before the drawing: scored on demand
        expect(page.get_by_text("on our class's handwriting: not scored yet")).to_be_visible()
        page.get_by_role("button", name="Score it on our class's handwriting").click()
        expect(page.get_by_text(ONE_DRAWING)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

        _train(student, owner)  # the next run is scored on the drawing at the end of its training
        page = _results(student, owner)
        expect(page.get_by_text(ONE_DRAWING)).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("on our class's handwriting"))).to_have_count(0)
        page.get_by_role("tab", name="Our class's handwriting").click()
        expect(page.get_by_text(re.compile(r"Scored .* as they were then: .* \(1 drawing\) read correctly"))
               ).to_be_visible()
        scored = page.get_by_text(ONE_DRAWING).inner_text()
        student.wait_idle()
        student.screenshot("class-digits-results")

    with started_server(tmp_path, env) as server:
        student, teacher = new_tab(server.url), new_tab(server.url)
        _open(teacher, f"/Teacher?key={KEY}")
        digits = teacher.page.locator(".st-key-teacher_class_digits")
        expect(digits.get_by_role("tab", name="3: 1")).to_be_visible()
        expect(digits.get_by_text("1 drawing in all")).to_be_visible()
        page = _results(student, owner)
        expect(page.get_by_text(ONE_DRAWING)).to_have_text(scored)
