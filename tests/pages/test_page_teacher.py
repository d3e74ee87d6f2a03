"""/Teacher in AppTest: nothing about the class without the key; with it, the class at a glance, the queue
with stop and cancel, setting and ending a challenge, sharing a stack, renaming, hiding a run, exports."""

from __future__ import annotations

import dataclasses
import re

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.classroom.classroom import Classroom
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import PRESETS
from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Settings
from cnnlab.testing.apptest import BUILD, messages, open_page, popover_labels
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run

TEACHER = "pages/6_Teacher.py"
KEY = "teacher-key-for-tests"
LOCKED_OUT = (
    "This page is the teacher's dashboard and needs the teacher's link. On the server, run "
    "python -m cnnlab teacher-link (or look for the Teacher: line printed when the server started) "
    "and open that address."
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY` (as CNNLAB_TEACHER_KEY sets it)."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _texts(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(m.value for m in at.caption), *messages(at, "info")])


@pytest.mark.parametrize(
    "query",
    [{}, {"key": ""}, {"key": "wrong"}, {"key": KEY + "x"}, {"key": "k" * 100_000}, {"key": KEY.upper()}],
)
def test_without_the_key_the_page_shows_nothing_about_the_class(scripted, classroom: Classroom,
                                                                 query: dict) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    classroom.roster.set_name(owner, "Ada")
    finished_run(manager, runner, owner, conv_stack(4), 0.97)
    at = open_page(TEACHER, **query)
    assert not at.exception
    assert [m.replace("`", "") for m in messages(at, "info")] == [LOCKED_OUT]
    assert "Ada" not in _texts(at) and not at.dataframe
    assert not [button for button in at.button if button.key.startswith("teacher_")]


def test_the_key_in_another_pages_address_grants_nothing() -> None:
    at = open_page(BUILD, key=KEY)
    assert not at.exception
    assert "Teacher" not in [link.label for link in at.sidebar.get("page_link")]
    at.query_params.pop("key")  # then open /Teacher as its sidebar link would, without a key
    at.switch_page(TEACHER).run()
    assert [m.replace("`", "") for m in messages(at, "info")] == [LOCKED_OUT]


def test_the_class_at_a_glance_and_the_queue(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    ada, bob, cy = new_owner_token(), new_owner_token(), new_owner_token()
    classroom.roster.set_name(ada, "**<b>Ada</b>**")
    classroom.roster.join(bob)
    classroom.roster.join(cy)
    finished_run(manager, runner, ada, conv_stack(4), 0.9712)
    manager.submit(bob, conv_stack(4), CHALLENGE_CONFIG)
    manager.submit(cy, conv_stack(5), CHALLENGE_CONFIG)
    manager.step()
    assert len(runner.tasks) == 2
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    table = at.dataframe[0].value
    assert table.to_dict("records") == [
        {
            "Student": "**<b>Ada</b>**",
            "Stack parameters": "—",
            "Meets challenge": "—",
            "Runs": 1,
            "Best test accuracy": "97.12 %",
            "Current job": "finished · 97.12 %",
        },
        {
            "Student": "Student 2",
            "Stack parameters": "—",
            "Meets challenge": "—",
            "Runs": 1,
            "Best test accuracy": "—",
            "Current job": "training · epoch 1/1",
        },
        {
            "Student": "Student 3",
            "Stack parameters": "—",
            "Meets challenge": "—",
            "Runs": 1,
            "Best test accuracy": "—",
            "Current job": "queued #1",
        },
    ]
    queue = next(m.value for m in at.markdown if m.value.startswith("**Queue:**"))
    assert re.fullmatch(r"\*\*Queue:\*\* 1 training, 1 waiting · the queue should be empty in about \d+ s",
                        queue)
    assert popover_labels(at)[:2] == ["Stop", "Cancel"]  # each asks first
    confirms = [b.label for b in at.button if b.key.startswith("teacher_stop_")]
    assert confirms == ["Yes, stop it", "Yes, cancel it"]


def test_the_teacher_stops_a_running_job_and_cancels_a_queued_one(scripted) -> None:
    manager, runner = scripted
    bob, cy = new_owner_token(), new_owner_token()
    running = manager.submit(bob, conv_stack(4), CHALLENGE_CONFIG)
    queued = manager.submit(cy, conv_stack(4), CHALLENGE_CONFIG)
    manager.step()
    assert len(runner.tasks) == 1
    at = open_page(TEACHER, key=KEY)
    at.button(key=f"teacher_stop_{queued}").click().run()
    assert manager.snapshot(queued, cy).state == JobState.STOPPED
    at.button(key=f"teacher_stop_{running}").click().run()
    assert manager.snapshot(running, bob).state == JobState.STOPPING
    manager.step()
    assert runner.tasks[0].stop_requested
    assert "Stopping: conv4." in messages(at, "success")


def test_the_key_stays_in_the_session_across_pages() -> None:
    at = open_page(TEACHER, key=KEY)
    at.switch_page(BUILD).run()
    assert "Teacher" in [link.label for link in at.sidebar.get("page_link")]
    at.query_params.pop("key", None)
    at.switch_page(TEACHER).run()
    assert not messages(at, "info") and at.dataframe is not None


def test_setting_and_ending_a_challenge(classroom: Classroom) -> None:
    at = open_page(TEACHER, key=KEY)
    at.text_input(key="teacher_title").input("Small and sharp")
    at.number_input(key="teacher_max_params").set_value(10_000)
    at.number_input(key="teacher_epochs").set_value(1)
    at.number_input(key="teacher_train_images").set_value(2000)
    at.checkbox(key="teacher_lock_optimizer").check()
    at.selectbox(key="teacher_lock_optimizer_value").select("adam")
    at.button(key="teacher_set_challenge").click().run()
    assert messages(at, "success") == ["Challenge set: Small and sharp. Every student page shows it now."]
    challenge, _ = parse_challenge(
        {
            "title": "Small and sharp",
            "max_params": 10_000,
            "epochs": 1,
            "train_images": 2000,
            "locks": {"optimizer": "adam"},
        }
    )
    assert classroom.challenges.active_challenge() == challenge
    at.button(key="teacher_end_challenge").click().run()
    assert classroom.challenges.active() is None
    assert "Ended Small and sharp; its leaderboard is frozen." in messages(at, "success")


@pytest.mark.parametrize(
    ("title", "images", "message"),
    [
        ("", 0, "Challenge not set: title is required: a few words naming the challenge"),
        (
            "T",
            50,
            "Challenge not set: train_images (training images) must be a whole number from 100 to 60,000 "
            "(got 50)",
        ),
    ],
)
def test_a_bad_challenge_is_refused_and_changes_nothing(classroom: Classroom, title: str, images: int,
                                                        message: str) -> None:
    at = open_page(TEACHER, key=KEY)
    at.text_input(key="teacher_title").input(title)
    at.number_input(key="teacher_train_images").set_value(images)
    at.button(key="teacher_set_challenge").click().run()
    assert messages(at, "error") == [message]
    assert classroom.challenges.latest() is None


def test_sharing_a_preset_and_renaming_a_student(classroom: Classroom) -> None:
    owner = new_owner_token()
    classroom.roster.set_name(owner, "xXx_rude_xXx")
    at = open_page(TEACHER, key=KEY)
    at.selectbox(key="teacher_share_choice").set_value("lenot")
    at.button(key="teacher_share").click().run()
    share = classroom.shares.latest()
    assert share.title == PRESETS["lenot"].title and len(share.stack["layers"]) == 9
    at.selectbox(key="teacher_rename_who").set_value(owner)
    at.text_input(key="teacher_rename_to").input("Ada")
    at.button(key="teacher_rename").click().run()
    assert classroom.roster.get(owner).name == "Ada"
    assert "xXx_rude_xXx is now Ada." in messages(at, "success")


def test_hiding_a_run_from_the_leaderboard(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    challenge, _ = parse_challenge({"title": "T"})
    classroom.challenges.start(challenge)
    run_id = finished_run(manager, runner, owner, conv_stack(4), 0.97)
    at = open_page(TEACHER, key=KEY)
    at.button(key=f"teacher_hide_{run_id}").click().run()
    assert classroom.hidden.ids() == {run_id}
    at.button(key=f"teacher_show_{run_id}").click().run()
    assert classroom.hidden.ids() == frozenset()


def test_the_exports_are_offered() -> None:
    at = open_page(TEACHER, key=KEY)
    assert [element.proto.label for element in at.get("download_button")] == ["Every run (CSV)"]
    assert [element.proto.label for element in at.get("link_button")] == ["Every trained model (.zip of .h5)"]


def test_the_teacher_on_student_pages_is_not_counted_as_a_student(classroom: Classroom) -> None:
    at = open_page(TEACHER, key=KEY)
    at.switch_page("app.py").run()
    assert not at.exception
    assert "You are the teacher." in [c.value for c in at.sidebar.caption]
    assert not [t for t in at.text_input if t.key == "home_name"]
    assert classroom.roster.students() == []
