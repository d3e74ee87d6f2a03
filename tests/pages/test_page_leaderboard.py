"""/Leaderboard in AppTest: no key needed; the active (or last) challenge by name, never tokens."""

from __future__ import annotations

import re

from cnnlab.classroom.classroom import Classroom
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.apptest import messages, open_page, shown
from cnnlab.testing.classroom import conv_stack, finished_run

LEADERBOARD = "pages/7_Leaderboard.py"


def test_no_challenge_yet_says_so() -> None:
    at = open_page(LEADERBOARD)
    assert not at.exception
    assert messages(at, "info") == [
        "No challenge has been set yet. The teacher sets one on the dashboard, or "
        "with `python -m cnnlab challenge set --title …`."
    ]


def test_the_standings_best_first_with_names_only(classroom: Classroom, scripted) -> None:
    manager, runner = scripted
    ada, bob = new_owner_token(), new_owner_token()
    classroom.roster.set_name(ada, "**<b>Ada</b>**")
    classroom.roster.set_name(bob, "Bob")
    challenge, _ = parse_challenge(
        {
            "title": "Small and sharp",
            "text": "≥ 98 %",
            "max_params": 10_000,
            "epochs": 1,
            "train_images": 2000,
            "locks": {"optimizer": "adam"},
        }
    )
    classroom.challenges.start(challenge)
    finished_run(manager, runner, ada, conv_stack(4), 0.9512)
    finished_run(manager, runner, bob, conv_stack(5), 0.9734)
    at = open_page(LEADERBOARD)
    assert not at.exception
    assert at.header[0].value == "Small and sharp"
    assert shown(at.caption[0].value) == (
        "at most 10,000 parameters · at most 1 epoch · at most 2,000 training images · optimizer = adam"
    )
    table = next(m.value for m in at.markdown if m.value.startswith("| # |"))
    rows = [shown(line) for line in table.splitlines()[2:]]
    # the last column is the wall time the scripted job took: "0 s", or "1 s" on a busy machine
    assert [row.rsplit(" | ", 1)[0] for row in rows] == [
        "| 1 | Bob | **97.34 %** | 8,510 | 1",
        "| 2 | **<b>Ada</b>** | **95.12 %** | 6,810 | 1",
    ]
    assert all(re.fullmatch(r"\d s \|", row.rsplit(" | ", 1)[1]) for row in rows)
    page = " ".join(m.value for m in at.markdown)
    assert ada not in page and bob not in page and "Results" not in page
    classroom.challenges.end()
    at = open_page(LEADERBOARD)
    assert shown(at.header[0].value) == "Small and sharp (ended — final standings)"
