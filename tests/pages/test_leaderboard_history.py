"""Issue 21, case 9: a job queued during a challenge that finished after "End" appeared on the frozen board,
and older boards could not be viewed once a new challenge started. The board now freezes at End (later
finishes are listed below it, "after the end", unranked), and every board of the class is pickable."""

from __future__ import annotations

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.leaderboard import standings
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.apptest import open_page, shown
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run
from cnnlab.testing.engine import finished_event

LEADERBOARD = "pages/7_Leaderboard.py"


def _tables(at) -> list[list[str]]:
    """Each standings table's rows without their time column (it depends on the machine)."""
    return [[shown(line).rsplit("|", 2)[0] for line in m.value.splitlines()[2:]]
            for m in at.markdown if m.value.startswith("| # |")]


def test_a_board_freezes_at_end_and_later_finishes_are_listed_after_it(scripted,
                                                                       classroom: Classroom) -> None:
    manager, runner = scripted
    ada, bob = new_owner_token(), new_owner_token()
    classroom.roster.set_name(ada, "Ada")
    classroom.roster.set_name(bob, "Bob")
    classroom.challenges.start(parse_challenge({"title": "First"})[0])
    finished_run(manager, runner, ada, conv_stack(4), 0.95)
    late = manager.submit(bob, conv_stack(5), CHALLENGE_CONFIG)  # queued during the challenge …
    manager.step()
    first = classroom.challenges.end()
    runner.send(runner.tasks[-1], finished_event(accuracy=0.99), {"event": "done"})  # … finished after End
    manager.step()
    assert manager.store.get(late, bob).state.is_final
    runs, names = manager.store.all_runs(), classroom.roster.names()
    assert [row.name for row in standings(first, runs, names, frozenset())] == ["Ada"]
    assert [row.name for row in standings(first, runs, names, frozenset(), after_the_end=True)] == ["Bob"]

    classroom.challenges.start(parse_challenge({"title": "Second"})[0])
    at = open_page(LEADERBOARD)
    assert not at.exception
    assert shown(at.header[0].value) == "Second"  # the current challenge by default
    assert at.selectbox(key="leaderboard_pick").options == [
        "The current challenge (follows the teacher)", "Second (active)", "First (ended)"]
    at.selectbox(key="leaderboard_pick").set_value(first.challenge_id).run()
    assert shown(at.header[0].value) == "First (ended — final standings)"
    assert _tables(at) == [["| 1 | Ada | **95.00 %** | 6,810 | 1 "], ["| — | Bob | **99.00 %** | 8,510 | 1 "]]
    assert [shown(h.value) for h in at.subheader] == ["After the end"]
