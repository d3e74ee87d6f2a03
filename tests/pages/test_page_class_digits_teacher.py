"""Our class's handwriting on the teacher's dashboard (AppTest): a grid per digit with each drawing's author,
deleting chosen drawings or every drawing of a student (and refusing more), taking a student back; a
challenge ranked by the class's handwriting from the form, and the projector's board ranked by it; nothing of
it without the key."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from cnnlab.core.challenge import ChallengeScore, parse_challenge
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import messages, open_page, shown
from cnnlab.testing.classroom import conv_stack, finished_run
from cnnlab.ui.class_digits_teacher import REFUSE_KEY, STUDENT_KEY

TEACHER = "pages/6_Teacher.py"
LEADERBOARD = "pages/7_Leaderboard.py"
KEY = "teacher-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _drawing(seed: int) -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.float32)
    pixels[5:22, 6 + seed] = 1.0
    return pixels


def _class(lab: Lab) -> tuple[str, str]:
    """Ada drew a 3 and a 7, Bo a 3."""
    ada, bo = new_owner_token(), new_owner_token()
    roster = lab.classroom.roster
    roster.set_name(ada, "Ada")
    roster.set_name(bo, "Bo")
    digits = lab.class_digits
    for owner, name, seed, label in ((ada, "Ada", 0, 3), (ada, "Ada", 1, 7), (bo, "Bo", 2, 3)):
        assert digits.add(owner, name, _drawing(seed), label).ok
    return ada, bo


def _grid(at, digit: int) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"teacher_class_grid_{digit}"))
    return json.loads(chart.proto.spec)


def _tab_labels(at) -> list[str]:
    return [tab.label for tab in at.tabs]


def test_the_dashboard_shows_a_grid_per_digit_with_the_authors(lab: Lab) -> None:
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    assert any(caption.value.startswith("0 drawings in all (at most 40 a student, 2,000 in all)")
               for caption in at.caption)
    assert not [label for label in _tab_labels(at) if label.startswith("3:")]

    _class(lab)
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    assert [label for label in _tab_labels(at) if label[:1].isdigit()] == [
        "0: 0", "1: 0", "2: 0", "3: 2", "4: 0", "5: 0", "6: 0", "7: 1", "8: 0", "9: 0"]
    threes = _grid(at, 3)
    assert threes["layout"]["title"]["text"] == "Drawn as a 3: 2 drawings"
    assert [note["text"] for note in threes["layout"]["annotations"]] == ["#1 Ada", "#3 Bo"]
    assert _grid(at, 7)["layout"]["title"]["text"] == "Drawn as a 7: 1 drawing"
    assert "No drawing of a 5 yet." in [c.value for c in at.caption]


def test_the_teacher_deletes_chosen_drawings(lab: Lab) -> None:
    _class(lab)
    at = open_page(TEACHER, key=KEY)
    chosen = at.multiselect(key="teacher_class_delete_3")
    assert chosen.options == ["#1 by Ada", "#3 by Bo"]
    chosen.set_value([3])
    at.button(key="teacher_class_delete_button_3").click().run()
    assert not at.exception
    assert "Deleted 1 drawing of a 3 from our class's digits." in messages(at, "success")
    assert [(d.drawing_id, d.label) for d in lab.class_digits.drawings()] == [(1, 3), (2, 7)]
    assert [note["text"] for note in _grid(at, 3)["layout"]["annotations"]] == ["#1 Ada"]


def test_the_teacher_deletes_a_students_drawings_refuses_more_then_takes_them_back(lab: Lab) -> None:
    ada, bo = _class(lab)
    at = open_page(TEACHER, key=KEY)
    student = at.selectbox(key=STUDENT_KEY)
    assert student.options == ["Ada (2 drawings)", "Bo (1 drawing)"]
    student.set_value(ada)
    at.checkbox(key=REFUSE_KEY).check()
    at.button(key="teacher_class_delete_student").click().run()
    assert not at.exception
    assert "Deleted Ada's 2 drawings and will take no more from them." in messages(at, "success")
    assert [d.owner for d in lab.class_digits.drawings()] == [bo]
    assert not lab.class_digits.add(ada, "Ada", _drawing(9), 1).ok
    assert "Not taking drawings from Ada." in [shown(m.value) for m in at.markdown]

    at.button(key=f"teacher_class_accept_{ada}").click().run()
    assert "Ada can add drawings to our class's digits again." in messages(at, "success")
    assert lab.class_digits.refused() == frozenset()
    assert lab.class_digits.add(ada, "Ada", _drawing(9), 1).ok


def test_the_challenge_form_can_rank_by_the_class_handwriting(lab: Lab) -> None:
    at = open_page(TEACHER, key=KEY)
    rank = at.selectbox(key="teacher_score")
    assert rank.options == ["Test accuracy", "Accuracy on our class's handwriting"]
    at.text_input(key="teacher_title").input("Our digits")
    rank.set_value("class-digits")
    at.button(key="teacher_set_challenge").click().run()
    assert not at.exception
    assert lab.classroom.challenges.active().challenge.score == ChallengeScore.CLASS_DIGITS
    assert "Ranked by accuracy on our class's handwriting." in [c.value for c in at.caption]


def test_without_the_key_no_drawing_is_shown(lab: Lab) -> None:
    _class(lab)
    at = open_page(TEACHER, key="wrong")
    assert not at.exception and not at.get("plotly_chart")
    assert not [b for b in at.button if b.key.startswith("teacher_class")]


def test_the_projector_ranks_by_the_class_handwriting_and_says_so(lab: Lab, scripted) -> None:
    manager, runner = scripted
    ada, bo = _class(lab)
    challenge, _ = parse_challenge({"title": "Our digits", "score": "class-digits"})
    lab.classroom.challenges.start(challenge)
    for owner, accuracy, class_accuracy in ((ada, 0.99, 0.5), (bo, 0.90, 0.75)):
        run_id = finished_run(manager, runner, owner, conv_stack(4), accuracy)
        figures = {"test_accuracy": class_accuracy, "test_loss": 0.5, "confusion": [[0] * 10] * 10,
                   "predicted": np.zeros(4, np.uint8), "confidence": np.ones(4, np.float32)}
        lab.class_digits.record(run_id, owner, ClassScore.from_figures((1, 2, 3, 4), figures))
    at = open_page(LEADERBOARD)
    assert not at.exception
    texts = [shown(m.value) for m in at.markdown]
    assert ("Ranked by **accuracy on our class's handwriting**; a tie goes to fewer parameters, then to the "
            "earlier run.") in texts
    table = next(text for text in texts if text.startswith("| # |")).splitlines()
    assert table[0] == "| # | Student | Accuracy on our class's handwriting | Parameters | Epochs | Time |"
    assert [row.rsplit("|", 2)[0] for row in table[2:]] == [
        "| 1 | Bo | **75.0 % (4 drawings)** | 6,810 | 1 ", "| 2 | Ada | **50.0 % (4 drawings)** | 6,810 | 1 "]
    scatter = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if c.proto.id.endswith("leaderboard_scatter"))
    assert scatter["layout"]["yaxis"]["title"]["text"] == "accuracy on our class's handwriting (%)"
    assert scatter["data"][0]["y"] == [75.0, 50.0]
