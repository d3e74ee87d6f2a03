"""A lesson in real browsers: a teacher and two students, each in their own browser context (own ?u=).

The teacher adds a lesson file on the dashboard and starts it for the class; student A answers the first
guess right and sees the next step; student B answers wrong twice and sees "not yet", then the hint; A does
the stack step by editing on Build and the lesson banner moves on without the page reloading; the dashboard
shows A two steps ahead of B; Reveal shows B the answer; after a server restart both students are on the
same steps. Screenshots: /Lesson at phone and desktop widths, the dashboard with the lesson in progress.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from cnnlab.lab import TEACHER_KEY_ENV
from cnnlab.testing.server import started_server

KEY = "browser-lesson-teacher-key"
PHONE = {"width": 390, "height": 844}
LESSON = """title = "First steps with a convolution"
summary = "Guess a layer's parameters, change it, and guess again."
start = "convnet"

[[steps]]
kind = "guess"
text = \"\"\"
Layer 1 has 16 filters of 3×3 on the grey 28×28×1 image, and each filter has one bias.

How many parameters does layer 1 have?
\"\"\"
quantity = "params"
layer = 1
hint = "16 filters × (3 × 3 × 1 weights) + 16 biases."

[[steps]]
kind = "stack"
text = "On **Build**, give layer 1 **32 filters** instead of 16."
expect = { layer = 1, type = "Conv2D", filters = 32 }

[[steps]]
kind = "guess"
text = "Layer 3's filters are now 3×3×32 deep. How many parameters does layer 3 have?"
quantity = "params"
layer = 3
hint = "32 × (3×3×32) + 32."

[[steps]]
kind = "read"
text = "One layer's filters set how deep the next layer's filters are."
"""


def _token(page) -> str:
    return re.search(r"[?&]u=([A-Za-z0-9_-]{24})", page.url).group(1)


def _name_myself(student, name: str) -> None:
    student.goto("/")
    field = student.page.get_by_role("textbox", name="Your name", exact=True)
    field.fill(name)
    field.press("Enter")
    student.wait_idle()
    expect(student.page.get_by_text(f"You are {name}.")).to_be_visible()


def _guess(student, answer: str) -> None:
    step = student.page.locator(".st-key-lesson_step")
    step.get_by_role("textbox", name="Your guess").fill(answer)
    step.get_by_role("button", name="Check", exact=True).click()
    student.wait_idle()


def _dashboard_rows(teacher) -> dict[str, str]:
    """Student → step, as the dashboard's lesson table shows them."""
    rows = teacher.page.locator(".st-key-teacher_lesson_table table tbody tr")
    expect(rows.first).to_be_visible()
    cells = [[cell.inner_text() for cell in row.locator("td").all()] for row in rows.all()]
    return {row[0]: row[1] for row in cells}


def test_a_teacher_and_two_students_follow_a_lesson_through_a_restart(new_tab, tmp_path: Path) -> None:
    lesson_file = tmp_path / "first-steps.toml"
    lesson_file.write_text(LESSON, encoding="utf-8")
    env = {TEACHER_KEY_ENV: KEY}
    with started_server(tmp_path, env) as server:
        teacher, ada, bob = (new_tab(server.url) for _ in range(3))
        _name_myself(ada, "Ada")
        _name_myself(bob, "Bob")
        teacher.goto(f"/Teacher?key={KEY}")

        # The teacher adds the lesson file and starts it for the class.
        section = teacher.page.locator(".st-key-teacher_lesson_section")
        section.get_by_text("Add a lesson file (.toml)").click()
        section.locator("input[type=file]").set_input_files(str(lesson_file))
        teacher.wait_idle()
        added = "Added First steps with a convolution (first-steps, 4 steps)"
        expect(teacher.page.get_by_text(re.compile(re.escape(added)))).to_be_visible()
        teacher.choose(section.get_by_test_id("stSelectbox").first, "First steps with a convolution")
        section.get_by_role("button", name="Start for the class").click()
        teacher.wait_idle()
        running = section.get_by_text(re.compile(r"Running: First steps with a convolution · 4 steps"))
        expect(running).to_be_visible()

        # Student A answers the first guess right and sees the next step.
        ada.goto(f"/Lesson?u={_token(ada.page)}")
        expect(ada.page.get_by_text("step 1 of 4")).to_be_visible()
        _guess(ada, "160")
        expect(ada.page.get_by_text("Right! The parameters of layer 1 (Conv2D): 16 × (3×3×1) + 16 = 160")
               ).to_be_visible()
        expect(ada.page.get_by_text("step 2 of 4")).to_be_visible()
        ada.screenshot("lesson")

        # Student B answers wrong twice: "not yet", then the hint.
        bob.page.set_viewport_size(PHONE)
        bob.goto(f"/Lesson?u={_token(bob.page)}")
        _guess(bob, "150")
        expect(bob.page.get_by_text(re.compile("is not yet right"))).to_be_visible()
        expect(bob.page.get_by_text(re.compile("^Hint:"))).to_have_count(0)
        _guess(bob, "1,440")
        expect(bob.page.get_by_text(re.compile("1,440 is not yet right"))).to_be_visible()
        expect(bob.page.get_by_text("Hint: 16 filters × (3 × 3 × 1 weights) + 16 biases.")).to_be_visible()
        bob.screenshot("lesson-phone")

        # A does the stack step on Build: the banner moves on without the page reloading.
        ada.page.get_by_test_id("stSidebar").get_by_role("link", name="Build").click()
        ada.wait_idle()
        banner = ada.page.locator(".st-key-build_lesson_banner")
        expect(banner.get_by_text(re.compile(r"step 2 of 4"))).to_be_visible()
        ada.page.evaluate("window.lessonMarker = 'same page'")
        filters = ada.page.locator(".st-key-build_edit_section").get_by_role("spinbutton", name="Filters")
        filters.fill("32")
        filters.press("Enter")
        ada.wait_idle()
        expect(banner.get_by_text(re.compile(r"step 3 of 4"))).to_be_visible()
        expect(banner.get_by_text(re.compile("How many parameters does layer 3 have"))).to_be_visible()
        assert ada.page.evaluate("window.lessonMarker") == "same page"  # no reload
        expect(ada.page.get_by_text("guess it first").first).to_be_visible()  # layer 3's answer is hidden
        ada.screenshot("build-lesson")

        # The dashboard shows A two steps ahead of B.
        expect(teacher.page.locator(".st-key-teacher_lesson_table").get_by_text(re.compile("^step 3 of 4"))
               ).to_be_visible(timeout=30_000)
        rows = _dashboard_rows(teacher)
        assert (rows["Ada"], rows["Bob"]) == ("step 3 of 4 · guess", "step 1 of 4 · guess")
        teacher.screenshot("teacher-lesson")

        # Reveal shows B the answer (the Lesson page looks for it every few seconds).
        section.get_by_role("button", name="Reveal", exact=True).click()
        teacher.wait_idle()
        revealed = re.compile(r"Your teacher revealed the answer: 160 — 16 × \(3×3×1\) \+ 16 = 160")
        expect(bob.page.get_by_text(revealed)).to_be_visible(timeout=30_000)
        ada_token, bob_token = _token(ada.page), _token(bob.page)

    with started_server(tmp_path, env) as server:
        ada, bob = new_tab(server.url), new_tab(server.url)
        ada.goto(f"/Lesson?u={ada_token}")
        expect(ada.page.get_by_text("step 3 of 4")).to_be_visible()
        bob.goto(f"/Lesson?u={bob_token}")
        expect(bob.page.get_by_text("step 1 of 4")).to_be_visible()
        expect(bob.page.get_by_text(re.compile("Your teacher revealed the answer: 160"))).to_be_visible()
        expect(bob.page.get_by_text("Hint: 16 filters × (3 × 3 × 1 weights) + 16 biases.")).to_have_count(0)
