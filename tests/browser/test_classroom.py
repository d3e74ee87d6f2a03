"""A class in real browsers: a teacher and three students, each in their own browser context (own ?u=).

The teacher stops a student's long job from the dashboard, then sets "≤ 10,000 parameters, 1 epoch, 2,000
images, optimizer locked to adam"; two students name themselves and train compliant stacks, the third is
refused a 60,874-parameter stack before pressing Train, with a message naming the 10,000 limit; the
projector's leaderboard lists the two in the right order; the teacher downloads the CSV of every run and the
zip of the models (streamed by the server's own route, through a signed link); after a server restart the
leaderboard and the names are back.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
from playwright.sync_api import Page, expect

from cnnlab.lab import TEACHER_KEY_ENV
from cnnlab.testing.classroom import conv_stack
from cnnlab.testing.server import started_server

KEY = "browser-test-teacher-key"
JOB_TIMEOUT_MS = 240_000


def _spec_link(spec: dict) -> str:
    return "/Build?spec=" + base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")


def _token(page: Page) -> str:
    return re.search(r"[?&]u=([A-Za-z0-9_-]{24})", page.url).group(1)


def _name_myself(student, name: str) -> None:
    student.goto("/")
    field = student.page.get_by_role("textbox", name="Your name", exact=True)
    field.fill(name)
    field.press("Enter")
    student.wait_idle()
    expect(student.page.get_by_text(f"You are {name}.")).to_be_visible()


def _train(student, **settings: str) -> None:
    student.page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
    student.wait_idle()
    form = student.page.locator(".st-key-train_form")
    for label, value in settings.items():
        form.get_by_role("spinbutton", name=label).fill(value)
    form.get_by_role("button", name="Train", exact=True).click()
    student.wait_idle()


def _test_accuracy(student) -> float:
    expect(student.page.get_by_role("heading", name=re.compile(r"Last run: .* — finished"))).to_be_visible(
        timeout=JOB_TIMEOUT_MS)
    value = student.page.get_by_test_id("stMetric").filter(has_text="Test accuracy").get_by_test_id(
        "stMetricValue").inner_text()
    return float(value.removesuffix(" %"))


def _leaderboard_rows(projector) -> list[list[str]]:
    projector.goto("/Leaderboard")
    rows = projector.page.locator(".st-key-leaderboard_rows table tbody tr")
    expect(rows.first).to_be_visible()
    return [[cell.inner_text() for cell in row.locator("td").all()] for row in rows.all()]


def test_a_class_with_a_challenge_a_refusal_a_stop_and_a_restart(new_tab, tmp_path: Path) -> None:
    env = {TEACHER_KEY_ENV: KEY}
    with started_server(tmp_path, env) as server:
        teacher, ada, bob, cy, projector = (new_tab(server.url) for _ in range(5))
        teacher.goto(f"/Teacher?key={KEY}")
        expect(teacher.page.get_by_role("heading", name=re.compile("The class"))).to_be_visible()

        # A long job, stopped by the teacher while it trains.
        cy.goto("/Build?preset=convnet")
        _train(cy, Epochs="5", **{"Training images": "60000", "Batch size": "32"})
        expect(cy.page.get_by_role("heading", name=re.compile(r"convnet: training"))).to_be_visible(
            timeout=JOB_TIMEOUT_MS)
        stop = teacher.page.get_by_role("button", name="Stop", exact=True)
        expect(stop).to_be_visible()
        stop.click()  # asks first
        teacher.page.get_by_role("button", name="Yes, stop it").click()
        teacher.wait_idle()
        expect(teacher.page.get_by_text("Stopping: convnet.")).to_be_visible()
        expect(teacher.page.get_by_text(re.compile(r"Queue: 0 training, 0 waiting"))).to_be_visible(
            timeout=JOB_TIMEOUT_MS)
        expect(cy.page.get_by_role("heading", name=re.compile(r"Last run: convnet — stopped"))).to_be_visible(
            timeout=JOB_TIMEOUT_MS)
        expect(cy.page.get_by_text(re.compile(r"^Your teacher stopped this run; the model trained so far was "
                                              r"tested on"))).to_be_visible()

        # The challenge.
        form = teacher.page.get_by_test_id("stForm")
        form.get_by_label("Title").fill("Small and sharp")
        form.get_by_role("spinbutton", name="Max parameters").fill("10000")
        form.get_by_role("spinbutton", name="Max epochs").fill("1")
        form.get_by_role("spinbutton", name="Training images").fill("2000")
        form.get_by_text("Lock optimizer").click()
        form.get_by_test_id("stSelectbox").last.click()
        teacher.page.get_by_role("option", name="adam", exact=True).click()
        form.get_by_role("button", name="Set challenge").click()
        teacher.wait_idle()
        expect(teacher.page.get_by_text("Challenge set: Small and sharp.")).to_be_visible()

        _name_myself(ada, "Ada")
        _name_myself(bob, "Bob")
        ada_token = _token(ada.page)
        ada.goto(f"{_spec_link(conv_stack(4))}&u={ada_token}")
        expect(ada.page.get_by_text("6,810 parameters — within the limit of 10,000")).to_be_visible()
        _train(ada, **{"Batch size": "32"})
        bob.goto(f"{_spec_link(conv_stack(5))}&u={_token(bob.page)}")
        _train(bob, **{"Batch size": "32"})
        accuracies = {"Ada": _test_accuracy(ada), "Bob": _test_accuracy(bob)}

        cy.goto(f"/Build?preset=convnet&u={_token(cy.page)}")
        expect(cy.page.get_by_text("60,874 parameters — over the limit of 10,000 by 50,874")).to_be_visible()
        cy.page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
        cy.wait_idle()
        expect(cy.page.get_by_text("Train is off: Small and sharp: 60,874 parameters — over the limit of "
                                   "10,000 by 50,874.")).to_be_visible()  # before any press
        expect(cy.page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True)
               ).to_be_disabled()
        optimizer = cy.page.locator(".st-key-train_form").get_by_role("combobox", name="Optimizer")
        expect(optimizer).to_be_disabled()
        expect(optimizer).to_have_value("adam")

        order = sorted(accuracies, key=lambda name: (-accuracies[name], name != "Ada"))  # Ada: fewer params
        rows = _leaderboard_rows(projector)
        assert [row[1] for row in rows] == order
        assert [float(row[2].removesuffix(" %")) for row in rows] == [accuracies[name] for name in order]
        assert [row[3] for row in rows] == [{"Ada": "6,810", "Bob": "8,510"}[name] for name in order]
        projector.screenshot("leaderboard")
        teacher.goto(f"/Teacher?key={KEY}")
        teacher.screenshot("teacher")
        with teacher.page.expect_download() as csv_download:
            teacher.page.get_by_role("button", name="Every run (CSV)").click()
        table = pd.read_csv(csv_download.value.path())
        assert table["student"].tolist() == ["Student 1", "Ada", "Bob"]  # Cy never named themselves
        assert table["state"].tolist() == ["stopped", "finished", "finished"]
        shown_in_csv = [float(f"{accuracy * 100:.2f}") for accuracy in table["test accuracy"][1:]]
        assert shown_in_csv == [accuracies["Ada"], accuracies["Bob"]]
        zip_link = teacher.page.get_by_role("link", name=re.compile(r"Every trained model"))
        address = zip_link.get_attribute("href")
        assert re.fullmatch(r"/downloads/models\.zip\?until=\d+&sig=[0-9a-f]{64}", address)  # never the key
        with teacher.page.expect_download() as zip_download:  # streamed by the server's own route
            teacher.page.evaluate("href => Object.assign(document.createElement('a'), {href}).click()",
                                  address)
        with zipfile.ZipFile(zip_download.value.path()) as archive:
            names = sorted(archive.namelist())
        assert [name.split("-")[0] for name in names] == ["Ada", "Bob", "Student_1"]
        assert names[0].startswith(f"Ada-{accuracies['Ada']:.2f}-") and names[0].endswith(".h5")

    with started_server(tmp_path, env) as server:
        projector, ada = new_tab(server.url), new_tab(server.url)
        assert [row[1] for row in _leaderboard_rows(projector)] == order
        ada.goto(f"/?u={ada_token}")
        expect(ada.page.get_by_test_id("stSidebar").get_by_text("You are Ada")).to_be_visible()
