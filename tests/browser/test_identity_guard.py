"""Issue 21 in a real browser, each student in a browser context of their own.

Case 2, identity hijack by link: a classmate who opened `/Build?preset=convnet&u=<another student's
token>` silently became that student and the cookie was overwritten. Now the browser's own identity wins: the
link asks first, "Stay yourself" keeps the cookie, "Open it as them" switches on purpose, and a browser with
no identity yet takes the link's (a student's own bookmark on a new device).

Case 1, identity flood: "I'm someone else on this computer" acted on one click, as often as pressed. Now it
asks for confirmation first, and one browser starts at most 3 new identities in 10 minutes; the limit is
stated, and the refusal says when the next one can start. Another browser is not affected.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

OWNER = re.compile(r"[?&]u=([A-Za-z0-9_-]{24})")
QUESTION = "This link belongs to another student's work. Open it as them?"
SOMEONE_ELSE = "I'm someone else on this computer"
CONFIRM = "Yes, start as a new student"


def first_visit(tab, path: str) -> None:
    """The server's first page in this test: a cold server on a busy 2-core machine may take a minute."""
    tab.page.goto(f"{tab.base_url}{path}")
    tab.page.get_by_test_id("stHeading").first.wait_for(timeout=120_000)
    tab.wait_idle(120_000)


def open_someone_else(tab) -> None:
    """Open the sidebar's "I'm someone else" panel unless it is open (it stays open across a rerun)."""
    if not tab.page.get_by_role("button", name=CONFIRM).is_visible():
        tab.page.get_by_test_id("stSidebar").get_by_role("button", name=SOMEONE_ELSE).click()
    expect(tab.page.get_by_role("button", name=CONFIRM)).to_be_visible()


def owner_of(tab) -> str:
    return OWNER.search(tab.page.url).group(1)


def cookie(tab, name: str) -> str | None:
    return next((c["value"] for c in tab.page.context.cookies() if c["name"] == name), None)


def you_are(tab) -> str:
    caption = tab.page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^You are "))
    expect(caption).to_be_visible()
    return caption.inner_text()


def test_a_link_with_another_students_token_asks_first_and_staying_keeps_the_cookie(app, new_tab) -> None:
    ada, bob = new_tab(app.url), new_tab(app.url)
    first_visit(ada, "/Build?preset=convnet")
    ada_token, ada_name = owner_of(ada), you_are(ada)
    bob.goto("/Build")
    bob_token, bob_name = owner_of(bob), you_are(bob)
    bob.page.wait_for_function("() => document.cookie.includes('cnnlab_owner=')")
    assert bob_name != ada_name and cookie(bob, "cnnlab_owner") == bob_token

    bob.goto(f"/Build?preset=convnet&u={ada_token}")  # the hijack of case 2
    expect(bob.page.get_by_text(QUESTION)).to_be_visible()
    expect(bob.page.get_by_text("Ready to train")).to_have_count(0)  # nothing of Ada's work is shown
    bob.page.get_by_role("button", name="Stay yourself").click()
    bob.wait_idle()
    expect(bob.page.get_by_role("heading", name="Build")).to_be_visible()
    assert owner_of(bob) == bob_token and you_are(bob) == bob_name
    assert cookie(bob, "cnnlab_owner") == bob_token
    bob.goto("/Build")  # the bare address: still Bob
    assert owner_of(bob) == bob_token and you_are(bob) == bob_name

    bob.goto(f"/Results?u={ada_token}")
    bob.page.get_by_role("button", name="Open it as them").click()  # on purpose, after the question
    bob.wait_idle()
    assert owner_of(bob) == ada_token and you_are(bob) == ada_name
    bob.page.wait_for_function(f"() => document.cookie.includes('cnnlab_owner={ada_token}')")

    carol = new_tab(app.url)  # a browser with no identity yet: Ada's own bookmark on a new device
    carol.goto(f"/Results?u={ada_token}")
    expect(carol.page.get_by_text(QUESTION)).to_have_count(0)
    assert owner_of(carol) == ada_token and you_are(carol) == ada_name


def test_someone_else_asks_first_and_one_browser_starts_at_most_three(app, new_tab) -> None:
    tab = new_tab(app.url)
    first_visit(tab, "/Build")
    owners = [owner_of(tab)]
    open_someone_else(tab)  # one click only opens the confirmation
    expect(tab.page.get_by_text(re.compile(r"This browser can start up to 3 new students in the next 10 min"))
           ).to_be_visible()
    tab.wait_idle()
    assert owner_of(tab) == owners[0]
    for left in ("2 more", "1 more", None):
        tab.page.get_by_role("button", name=CONFIRM).click()
        tab.wait_idle()
        expect(tab.page.get_by_text("You are a new student on this computer")).to_be_visible()
        owners.append(owner_of(tab))
        open_someone_else(tab)
        if left is not None:
            expect(tab.page.get_by_text(f"This browser can start {left} new students")).to_be_visible()
    assert len(set(owners)) == 4  # the first student and three new ones

    refusal = tab.page.get_by_text(re.compile(r"This browser has already started 3 new students in the last "
                                              r"10 min, the limit; the next one can start in about"))
    expect(refusal).to_be_visible()
    expect(tab.page.get_by_role("button", name=CONFIRM)).to_be_disabled()
    tab.goto("/Train")  # a reload is the same browser: the limit holds
    assert owner_of(tab) == owners[-1]
    open_someone_else(tab)
    expect(refusal).to_be_visible()

    other = new_tab(app.url)  # another browser has its own allowance
    other.goto("/Build")
    open_someone_else(other)
    other.page.get_by_role("button", name=CONFIRM).click()
    other.wait_idle()
    expect(other.page.get_by_text("You are a new student on this computer")).to_be_visible()


def test_the_dashboard_drops_its_key_from_the_address_and_the_browser_keeps_it(app, new_tab) -> None:
    """Case 9: the teacher key stayed in the dashboard's address, visible when projected."""
    key = (app.runs_dir / "teacher.key").read_text().strip()
    teacher = new_tab(app.url)
    first_visit(teacher, f"/Teacher?key={key}")
    expect(teacher.page.get_by_role("heading", name="Remove students")).to_be_visible()
    teacher.page.wait_for_url(lambda url: "key=" not in url)
    assert key not in teacher.page.url
    teacher.page.wait_for_function("() => document.cookie.includes('cnnlab_teacher=')")
    assert key not in cookie(teacher, "cnnlab_teacher")
    teacher.goto("/Teacher")  # a new session of the same browser: the cookie opens the dashboard
    expect(teacher.page.get_by_role("heading", name="Remove students")).to_be_visible()
    assert "key=" not in teacher.page.url
