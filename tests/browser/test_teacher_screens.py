"""The teacher's dashboard in a real browser, as issue 22 has it: the whole dashboard redraws itself (the
rename list and the leaderboard runs too, not only the class table), the join address with its QR code,
and Stop and End the challenge that ask first — the first click alone changes nothing — after which the
student reads that their teacher stopped the run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.lab import RUNS_DIR_ENV, TEACHER_KEY_ENV
from cnnlab.testing.server import started_server

KEY = "teacher-screens-key"
JOB_TIMEOUT_MS = 240_000
REFRESH_MS = 20_000  # two of the dashboard's 5-second redraws, with room for a busy machine


def _cli(runs_dir: Path, *args: str) -> None:
    """`python -m cnnlab …` on the server's runs directory, as the teacher would run it beside the server."""
    env = {**os.environ, RUNS_DIR_ENV: str(runs_dir)}
    subprocess.run([sys.executable, "-m", "cnnlab", *args], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True)


def test_the_dashboard_redraws_itself_and_asks_before_it_stops_or_ends(new_tab, tmp_path: Path) -> None:
    with started_server(tmp_path, {TEACHER_KEY_ENV: KEY}) as server:
        teacher, student = new_tab(server.url), new_tab(server.url)
        teacher.goto(f"/Teacher?key={KEY}")
        page = teacher.page
        join = page.locator(".st-key-join_address")
        expect(join).to_contain_text(re.compile(r"Students open http://[\d.]+:\d+/"))
        expect(join.get_by_role("img")).to_be_visible()  # the QR code
        assert "localhost" not in join.inner_text()
        join.get_by_role("img").hover()  # no image toolbar pops up over the address
        expect(join.get_by_test_id("stElementToolbar")).to_be_hidden()
        rename = page.locator(".st-key-teacher_rename_section")
        board = page.locator(".st-key-teacher_hiding_section")
        expect(rename.get_by_text("No students yet.")).to_be_visible()
        expect(board.get_by_text("No challenge set yet.")).to_be_visible()

        # A student arrives and a challenge is set beside the server: no reload on the teacher's side.
        student.goto("/Build?preset=convnet")
        _cli(server.runs_dir, "challenge", "set", "--title", "Quick")
        expect(rename.get_by_text("No students yet.")).to_have_count(0, timeout=REFRESH_MS)
        expect(rename.get_by_role("combobox", name="Student")).to_be_visible()
        expect(board.get_by_text("No challenge set yet.")).to_have_count(0, timeout=REFRESH_MS)

        # Stop asks first: the first click opens the question, only the second stops the run.
        student.goto("/Train")
        student.fill_train_form(Epochs="5", **{"Training images": "60000", "Batch size": "32"})
        student.page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True).click()
        expect(student.page.get_by_role("heading", name=re.compile(r"convnet: training"))).to_be_visible(
            timeout=JOB_TIMEOUT_MS)
        stop = page.get_by_role("button", name="Stop", exact=True)
        expect(stop).to_be_visible(timeout=REFRESH_MS)
        stop.click()
        expect(page.get_by_text(re.compile(r"Stop Student 1's job convnet now\?"))).to_be_visible()
        page.wait_for_timeout(6_000)  # a redraw passes: the question stays, the run goes on
        expect(page.get_by_text(re.compile(r"Stop Student 1's job convnet now\?"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"Queue: 1 training, 0 waiting"))).to_be_visible()
        page.get_by_role("button", name="Yes, stop it").click()
        teacher.wait_idle()
        expect(page.get_by_text("Stopping: convnet.")).to_be_visible()
        stopped = student.page.get_by_role("heading", name=re.compile(r"Last run: convnet — stopped"))
        expect(stopped).to_be_visible(timeout=JOB_TIMEOUT_MS)
        expect(student.page.get_by_text(re.compile(r"Your teacher stopped this run"))).to_be_visible()

        # End the challenge asks first too.
        teacher.goto(f"/Teacher?key={KEY}")
        page.get_by_role("button", name="End the challenge").click()
        expect(page.get_by_text("End Quick? Its leaderboard freezes")).to_be_visible()
        student.goto("/Build")
        expect(student.page.get_by_text("Challenge: Quick")).to_be_visible()  # still on
        page.get_by_role("button", name="Yes, end it").click()
        teacher.wait_idle()
        expect(page.get_by_text(re.compile(r"Ended Quick"))).to_be_visible()
        student.goto("/Build")
        expect(student.page.get_by_text("Challenge: Quick")).to_have_count(0)
        assert teacher.cut_labels() == []  # every section drawn by now: buttons, links, lock boxes
        teacher.screenshot("screens-teacher-desktop-full")
