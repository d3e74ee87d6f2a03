"""One identity per browser: a Share link (no `?u=`) opened in the same browser keeps the student's runs and
adds the shared stack with "bring back"; "I'm someone else on this computer" starts fresh; the Train form
comes back with the student's last settings."""

from __future__ import annotations

import re

from playwright.sync_api import expect

OWNER = re.compile(r"[?&]u=([A-Za-z0-9_-]{24})")


def owner_of(page) -> str:
    return OWNER.search(page.url).group(1)


def test_a_share_link_in_the_same_browser_keeps_the_students_runs(st_page) -> None:
    page = st_page.page
    st_page.goto("/Build?preset=tiny")
    owner = owner_of(page)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Train").click()
    st_page.wait_idle()
    st_page.fill_train_form(**{"Epochs": "1", "Training images": "500"})
    page.locator(".st-key-train_form").get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"Last run: .* — finished"))).to_be_visible(
        timeout=180_000)

    st_page.goto("/Build?preset=lenot")  # a link as a classmate shares it: no u=
    assert owner_of(page) == owner
    expect(page.get_by_role("button", name="Bring back my previous stack")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Results").click()
    st_page.wait_idle()
    expect(page.get_by_text("No runs yet")).to_have_count(0)
    page.get_by_role("button", name="Download", exact=True).click()
    expect(page.get_by_role("button", name=re.compile(r"Download .*\.h5"))).to_be_visible()

    st_page.goto("/Train")  # the bare address: the same student, and the form as they left it
    assert owner_of(page) == owner
    form = page.locator(".st-key-train_form")
    expect(form.get_by_role("spinbutton", name="Epochs", exact=True)).to_have_value("1")
    expect(form.get_by_role("spinbutton", name="Training images", exact=True)).to_have_value("500")

    page.get_by_test_id("stSidebar").get_by_role("button", name="I'm someone else on this computer").click()
    page.get_by_role("button", name="Yes, start as a new student").click()
    st_page.wait_idle()
    fresh = owner_of(page)
    assert fresh != owner
    st_page.goto("/Results")
    assert owner_of(page) == fresh  # the browser now remembers the new student
    expect(page.get_by_role("button", name=re.compile(r"Download .*\.h5"))).to_have_count(0)


def test_another_browser_is_another_student(st_page, browser) -> None:
    st_page.goto("/Build?preset=convnet")
    first = owner_of(st_page.page)
    other = browser.new_context().new_page()
    other.goto(f"{st_page.base_url}/Build?preset=convnet")
    other.get_by_test_id("stHeading").first.wait_for()
    other.wait_for_url(OWNER)
    assert owner_of(other) != first
    other.context.close()
