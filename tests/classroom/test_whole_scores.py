"""Scores are whole: a run stopped while testing is scored on the test images seen so far (the first few
hundred are easier), so it is marked "on N test images" and left off the leaderboard until its testing is
finished."""

from __future__ import annotations

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.leaderboard import standings
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack
from cnnlab.testing.engine import finished_event


def test_a_run_stopped_while_testing_is_left_off_the_board(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    ada, bo = new_owner_token(), new_owner_token()
    classroom.roster.set_name(ada, "Ada")
    classroom.roster.set_name(bo, "Bo")
    challenge, _ = parse_challenge({"title": "Whole scores", "epochs": 1})
    entry = classroom.challenges.start(challenge)
    stopped_while_testing = finished_event(stopped=True, accuracy=0.997, tested=1920)
    for owner, event in ((ada, stopped_while_testing), (bo, finished_event(accuracy=0.9896))):
        manager.submit(owner, conv_stack(4), CHALLENGE_CONFIG)
        manager.step()
        runner.send(runner.tasks[-1], event, {"event": "done"})
        manager.step()
    rows = standings(entry, manager.store.all_runs(), classroom.roster.names(), classroom.hidden.ids())
    assert [(row.name, row.test_accuracy) for row in rows] == [("Bo", 0.9896)]
