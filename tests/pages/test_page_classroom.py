"""The class on student pages (AppTest): "Your name" on Home and in the sidebar, the challenge banner, Build's
live limit checks, Train's filled-in and locked settings with the manager's refusal, a shared stack."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.classroom.classroom import Classroom
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.testing.apptest import BUILD, TRAIN, messages, metric, open_page, shown

CHALLENGE = {
    "title": "Small and sharp",
    "text": "≥ 98 % with at most 10,000 parameters",
    "max_params": 10_000,
    "epochs": 1,
    "train_images": 2000,
    "locks": {"optimizer": "adam"},
}
BANNER = (
    "**Challenge: Small and sharp** — ≥ 98 % with at most 10,000 parameters  \nat most 10,000 parameters · "
    "at most 1 epoch · at most 2,000 training images · optimizer = adam"
)


def _start(classroom: Classroom) -> None:
    challenge, _ = parse_challenge(CHALLENGE)
    classroom.challenges.start(challenge)


def _sidebar_name(at: AppTest) -> str:
    return next(shown(c.value) for c in at.sidebar.caption if c.value.startswith("You are"))


def test_a_student_is_student_n_until_they_choose_a_name(classroom: Classroom) -> None:
    at = open_page()
    assert not at.exception
    assert at.text_input(key="home_name").label == "Your name"
    assert _sidebar_name(at) == "You are **Student 1**"
    at.text_input(key="home_name").input("  **<b>Ada</b>** ").run()
    assert messages(at, "success") == ["You are **<b>Ada</b>**."]
    assert _sidebar_name(at) == "You are ****<b>Ada</b>****"  # bold around the literal, escaped name
    assert at.text_input(key="home_name").value == "**<b>Ada</b>**"
    assert classroom.roster.get(at.query_params["u"]).name == "**<b>Ada</b>**"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "Your name is empty; type 1 to 24 characters"),
        ("x" * 10_000, "Your name is 10,000 characters long; the limit is 24"),
        (
            "Ada\x1b[31m",
            "Your name contains invisible or control characters; use letters, digits, punctuation or emoji",
        ),
    ],
)
def test_a_bad_name_gets_a_message_and_changes_nothing(classroom: Classroom, bad: str, message: str) -> None:
    at = open_page()
    at.text_input(key="home_name").input("Ada").run()
    at.text_input(key="home_name").input(bad).run()
    assert messages(at, "error") == [message]
    assert classroom.roster.get(at.query_params["u"]).name == "Ada"
    assert at.text_input(key="home_name").value == "Ada"


def test_the_name_can_be_changed_in_the_sidebar_and_a_clash_gets_a_suffix() -> None:
    first = open_page()
    first.text_input(key="home_name").input("Ada").run()
    at = open_page(BUILD)
    at.text_input(key="sidebar_name").input("ada").run()
    assert "Another student is already called ada; you are ada 2." in messages(at, "success")
    assert _sidebar_name(at) == "You are **ada 2**"


def test_every_student_page_shows_the_challenge(classroom: Classroom) -> None:
    _start(classroom)
    for page in (None, BUILD, TRAIN, "pages/3_Results.py", "pages/5_Compare.py"):
        at = open_page(page)
        assert not at.exception
        assert BANNER in [shown(m) for m in messages(at, "info")]


def test_build_shows_each_limit_live(classroom: Classroom) -> None:
    _start(classroom)
    at = open_page(BUILD, preset="convnet")
    assert messages(at, "error") == ["60,874 parameters — over the limit of 10,000 by 50,874"]
    at = open_page(BUILD, preset="tiny")
    tiny = metric(at, "Parameters")
    assert f"{tiny} parameters — within the limit of 10,000" in messages(at, "success")


def test_train_takes_the_challenge_settings_locks_the_optimizer_and_refuses_a_big_stack(
        classroom: Classroom, manager) -> None:
    _start(classroom)
    at = open_page(BUILD, preset="convnet")
    at.switch_page(TRAIN).run()
    assert at.number_input(key="train_epochs").value == 1
    assert at.number_input(key="train_train_size").value == 2000
    optimizer = at.selectbox(key="train_optimizer")
    assert (optimizer.value, optimizer.disabled) == ("adam", True)
    assert not at.number_input(key="train_epochs").disabled
    assert at.button(key="train_submit").disabled  # refused before any press, the limit named
    assert messages(at, "error") == [
        "Train is off: Small and sharp: 60,874 parameters — over the limit of 10,000 by 50,874."
    ]
    assert messages(at, "success") == []
    assert manager.jobs(at.query_params["u"]) == []


def test_a_shared_stack_is_offered_and_opening_it_keeps_the_own_stack_one_click_away(
        classroom: Classroom) -> None:
    at = open_page(BUILD, preset="convnet")
    classroom.shares.share("Small convnet", stack_from_spec(preset_spec("tiny")))
    at.run()
    assert metric(at, "Parameters") == "60,874"  # nobody's stack is replaced without their click
    assert any(shown(m.value) == "Your teacher shared *Small convnet*: open it" for m in at.markdown)
    at.button(key="class_share_open").click().run()
    tiny = metric(at, "Parameters")
    assert tiny != "60,874"
    assert not [m for m in at.markdown if "Your teacher shared" in m.value]
    at.button(key="build_bring_back").click().run()
    assert metric(at, "Parameters") == "60,874"


def test_a_dismissed_share_stays_dismissed(classroom: Classroom) -> None:
    at = open_page(BUILD)
    classroom.shares.share("Small convnet", stack_from_spec(preset_spec("tiny")))
    at.run()
    at.button(key="class_share_dismiss").click().run()
    assert not [m for m in at.markdown if "Your teacher shared" in m.value]
    assert metric(at, "Parameters") == "0"


@pytest.mark.parametrize("preset", ["tiny", "fast"])
def test_opening_a_preset_keeps_the_challenges_values_in_the_train_form(classroom: Classroom, manager,
                                                                        preset: str) -> None:
    """Issue 21, case 9: with a challenge active, opening a preset on Build reset the Train form to the
    preset's (or the default 30,000) images, and the challenge then refused the job."""
    _start(classroom)
    at = open_page(TRAIN)
    assert at.number_input(key="train_train_size").value == 2000
    at.switch_page(BUILD).run()
    at.selectbox(key="build_preset").set_value(preset)
    at.button(key="build_open_preset").click().run()
    at.switch_page(TRAIN).run()
    assert at.number_input(key="train_epochs").value == 1
    assert at.number_input(key="train_train_size").value == 2000
    assert at.selectbox(key="train_optimizer").value == "adam"
    if preset == "tiny":  # 3,738 parameters: within the challenge, so the job is taken
        at.button(key="train_submit").click().run()
        assert not messages(at, "error")
        assert len(manager.jobs(at.query_params["u"])) == 1
