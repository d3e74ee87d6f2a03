"""A challenge's leaderboard from real job-manager runs: the order, hidden runs, the window, names only."""

from __future__ import annotations

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.leaderboard import standings
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.classroom import conv_stack, finished_run

CHALLENGE = {
    "title": "Small",
    "max_params": 10_000,
    "epochs": 1,
    "train_images": 2000,
    "locks": {"optimizer": "adam"},
}


def _start(classroom: Classroom):
    challenge, _ = parse_challenge(CHALLENGE)
    return classroom.challenges.start(challenge)


def test_best_run_per_student_best_first_ties_to_fewer_parameters(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    ada, bob, cy, early = (new_owner_token() for _ in range(4))
    roster = classroom.roster
    roster.set_name(ada, "Ada")
    roster.set_name(bob, "Bob")
    roster.join(early)
    entry = _start(classroom)
    finished_run(manager, runner, early, conv_stack(4), 0.95)  # 6,810 parameters
    finished_run(manager, runner, ada, conv_stack(5), 0.95)  # 8,510 parameters: same accuracy, more weights
    finished_run(manager, runner, bob, conv_stack(4), 0.97)
    finished_run(manager, runner, bob, conv_stack(4), 0.96)  # Bob's weaker second run does not count
    rows = standings(entry, manager.store.all_runs(), roster.names(), classroom.hidden.ids())
    assert [(r.rank, r.name, r.test_accuracy, r.params, r.epochs) for r in rows] == [
        (1, "Bob", 0.97, 6810, 1),
        (2, "Student 3", 0.95, 6810, 1),
        (3, "Ada", 0.95, 8510, 1),
    ]
    assert cy not in {r.name for r in rows}


def test_a_hidden_run_leaves_the_board_and_the_next_best_takes_its_place(scripted,
                                                                         classroom: Classroom) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    entry = _start(classroom)
    best = finished_run(manager, runner, owner, conv_stack(4), 0.97)
    finished_run(manager, runner, owner, conv_stack(4), 0.90)
    hidden = classroom.hidden
    assert hidden.hide(best) and not hidden.hide("not-a-run")
    rows = standings(entry, manager.store.all_runs(), {owner: "Ada"}, hidden.ids())
    assert [(r.name, r.test_accuracy) for r in rows] == [("Ada", 0.90)]
    hidden.show(best)
    assert standings(entry, manager.store.all_runs(), {}, hidden.ids())[0].test_accuracy == 0.97


def test_runs_before_or_after_the_challenge_do_not_count_and_an_ended_board_is_frozen(
        scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    finished_run(manager, runner, owner, conv_stack(4), 0.99)  # before any challenge
    _start(classroom)
    finished_run(manager, runner, owner, conv_stack(4), 0.91)
    ended = classroom.challenges.end()
    finished_run(manager, runner, owner, conv_stack(4), 0.98)  # after it ended
    rows = standings(ended, manager.store.all_runs(), {owner: "Ada"}, frozenset())
    assert [(r.name, r.test_accuracy) for r in rows] == [("Ada", 0.91)]
