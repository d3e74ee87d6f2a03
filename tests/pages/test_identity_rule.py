"""Issue 21, case 2 (identity hijack by link): opening `/Build?preset=convnet&u=<another student's token>`
silently became the other student and overwrote the cookie. The rule now: a browser's own identity wins, and
an address with someone else's `?u=` asks first; a browser with no identity yet takes the link's (a student's
own bookmark on a new device). The question itself is tested in a real browser (tests/browser)."""

from __future__ import annotations

from cnnlab.engine.owners import new_owner_token
from cnnlab.ui.identity import Choice, choose_owner


def test_the_sessions_identity_stays() -> None:
    mine, theirs, cookie = new_owner_token(), new_owner_token(), new_owner_token()
    assert choose_owner(mine, theirs, cookie) == Choice(mine)


def test_another_students_link_in_a_browser_that_is_someone_asks_first() -> None:
    mine, theirs = new_owner_token(), new_owner_token()
    assert choose_owner(None, theirs, mine) == Choice(None, link=theirs, own=mine)


def test_the_browsers_own_link_and_the_bare_address_need_no_question() -> None:
    mine = new_owner_token()
    assert choose_owner(None, mine, mine) == Choice(mine)
    assert choose_owner(None, None, mine) == Choice(mine)
    assert choose_owner(None, "not-a-token", mine) == Choice(mine)


def test_a_browser_with_no_identity_takes_the_links() -> None:
    theirs = new_owner_token()
    assert choose_owner(None, theirs, None) == Choice(theirs)
    assert choose_owner(None, theirs, "../../etc") == Choice(theirs)


def test_nothing_at_all_is_a_new_student() -> None:
    fresh = choose_owner(None, None, None)
    assert fresh.owner is not None and fresh.link is None
    assert fresh.owner != choose_owner(None, None, None).owner
