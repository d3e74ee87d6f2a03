"""A challenge ranked by our class's handwriting (`--score class-digits`): each student's best run by its
score on the class's drawings, ties to fewer parameters then the earlier run, runs without a class score left
off; a test-accuracy challenge is unaffected by class scores."""

from __future__ import annotations

import numpy as np

from cnnlab.classroom.leaderboard import standings
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab
from cnnlab.testing.classroom import conv_stack, finished_run


def _class_score(accuracy: float, drawings: int = 20) -> ClassScore:
    figures = {"test_accuracy": accuracy, "test_loss": 0.4, "confusion": [[0] * 10 for _ in range(10)],
               "predicted": np.zeros(drawings, np.uint8), "confidence": np.ones(drawings, np.float32)}
    return ClassScore.from_figures(range(1, drawings + 1), figures)


def _run(lab: Lab, owner: str, filters: int, test_accuracy: float, class_accuracy: float | None) -> str:
    run_id = finished_run(lab.jobs, lab.jobs.runner, owner, conv_stack(filters), test_accuracy)
    if class_accuracy is not None:
        lab.class_digits.record(run_id, owner, _class_score(class_accuracy))
    return run_id


def _board(lab: Lab, entry, names: dict[str, str]) -> list[tuple]:
    rows = standings(entry, lab.store.all_runs(), names, lab.classroom.hidden.ids(),
                     lab.class_digits.scores.lines())
    return [(row.rank, row.name, row.score, row.test_accuracy, row.params, row.drawings) for row in rows]


def test_the_board_ranks_by_the_class_handwriting_with_the_usual_ties(lab: Lab) -> None:
    ada, bob, cy, dee = (new_owner_token() for _ in range(4))
    names = {ada: "Ada", bob: "Bob", cy: "Cy", dee: "Dee"}
    challenge, _ = parse_challenge({"title": "Our digits", "score": "class-digits"})
    entry = lab.classroom.challenges.start(challenge)
    _run(lab, bob, 5, 0.99, 0.90)  # 8,510 parameters
    _run(lab, ada, 4, 0.95, 0.90)  # 6,810 parameters: same class score, fewer weights
    _run(lab, bob, 4, 0.99, 0.80)  # Bob's best test accuracy, but a weaker class score
    cy_best = _run(lab, cy, 4, 0.50, 0.95)
    _run(lab, dee, 4, 0.99, None)  # never scored on the class's drawings: not ranked
    assert _board(lab, entry, names) == [
        (1, "Cy", 0.95, 0.50, 6810, 20),
        (2, "Ada", 0.90, 0.95, 6810, 20),
        (3, "Bob", 0.90, 0.99, 8510, 20),
    ]
    lab.classroom.hidden.hide(cy_best)
    assert [row[1] for row in _board(lab, entry, names)] == ["Ada", "Bob"]


def test_a_tie_in_everything_goes_to_the_earlier_run(lab: Lab) -> None:
    early, late = new_owner_token(), new_owner_token()
    challenge, _ = parse_challenge({"title": "Our digits", "score": "class-digits"})
    entry = lab.classroom.challenges.start(challenge)
    _run(lab, early, 4, 0.97, 0.85)
    _run(lab, late, 4, 0.98, 0.85)
    assert [row[1] for row in _board(lab, entry, {early: "Early", late: "Late"})] == ["Early", "Late"]


def test_a_test_accuracy_board_ignores_class_scores(lab: Lab) -> None:
    ada, bob = new_owner_token(), new_owner_token()
    challenge, _ = parse_challenge({"title": "Plain"})
    entry = lab.classroom.challenges.start(challenge)
    _run(lab, ada, 4, 0.97, 0.50)
    _run(lab, bob, 4, 0.96, 0.99)
    _run(lab, bob, 4, 0.95, None)
    assert _board(lab, entry, {ada: "Ada", bob: "Bob"}) == [
        (1, "Ada", 0.97, 0.97, 6810, None),
        (2, "Bob", 0.96, 0.96, 6810, None),
    ]
