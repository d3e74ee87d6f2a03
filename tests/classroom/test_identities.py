"""Issue 21, case 1 (identity flood): "I'm someone else on this computer" pressed 61 times made 61 students.
One browser now starts at most 3 new identities in 10 minutes; the refusal says when it can start the next."""

from __future__ import annotations

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.identities import PER_BROWSER, WINDOW_S, Allowance
from cnnlab.engine.owners import new_owner_token


def test_a_browser_starts_at_most_three_new_identities_in_ten_minutes(classroom: Classroom) -> None:
    log, browser, other_browser = classroom.identities, new_owner_token(), new_owner_token()
    assert (PER_BROWSER, WINDOW_S) == (3, 600.0)
    assert log.allowance(browser, now=1000.0) == Allowance(True, 3)
    assert [log.start(browser, new_owner_token(), now=1000.0 + 60 * i) for i in range(3)] == [
        Allowance(True, 2), Allowance(True, 1), Allowance(True, 0)]
    refused = log.start(browser, new_owner_token(), now=1300.0)
    assert refused == Allowance(False, 0, 300.0)  # the first falls out of the window at 1,600 s
    assert refused.refusal() == (
        "This browser has already started 3 new students in the last 10 min, the limit; the next one can "
        "start in about 5 min. Until then, carry on as the student shown in the sidebar (their work stays "
        "theirs), or use your own device.")
    assert log.allowance(other_browser, now=1300.0) == Allowance(True, 3)  # another browser is not affected
    assert log.start(browser, new_owner_token(), now=1600.5) == Allowance(True, 0)  # a slot came free


def test_a_refused_identity_is_not_recorded(classroom: Classroom) -> None:
    log, browser = classroom.identities, new_owner_token()
    for _ in range(10):
        log.start(browser, new_owner_token(), now=5000.0)
    assert log.allowance(browser, now=5000.0 + WINDOW_S + 1) == Allowance(True, 3)  # refusals did not count
