"""The dashboard's section on shared resources: cancel one student's waiting jobs or everyone's in one click,
the learned speed behind every estimate and its reset, run files against the budgets; and a partial score
marked in the class table."""

from __future__ import annotations

import dataclasses

import pytest

from cnnlab.engine.jobs import TEACHER_CANCEL_MESSAGE, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.storage import size_text
from cnnlab.lab import Settings
from cnnlab.testing.apptest import messages, open_page
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack
from cnnlab.testing.engine import finished_event
from cnnlab.testing.polling import wait_until
from cnnlab.ui.server_view import speed_text

TEACHER = "pages/6_Teacher.py"
KEY = "teacher-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _texts(at) -> str:
    return " ".join(m.value.replace("\\", "") for m in at.markdown)


def test_the_teacher_cancels_one_students_waiting_jobs_then_everyones(scripted, classroom) -> None:
    manager, runner = scripted
    ada, bo = new_owner_token(), new_owner_token()
    classroom.roster.set_name(ada, "Ada")
    classroom.roster.set_name(bo, "Bo")
    training = manager.submit(ada, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: runner.tasks, 10, "Ada's first job to start")
    ada_waiting = manager.submit(ada, conv_stack(4), CHALLENGE_CONFIG)
    bo_waiting = manager.submit(bo, conv_stack(4), CHALLENGE_CONFIG)
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    who = at.selectbox(key="teacher_cancel_who")
    assert who.options == ["Ada (1 waiting)", "Bo (1 waiting)"]
    who.set_value(ada).run()
    at.button(key="teacher_cancel_student").click().run()
    assert ("Cancelled 1 of Ada's waiting job; the students read that their teacher cancelled them."
            in messages(at, "success"))
    cancelled = manager.snapshot(ada_waiting, ada)
    assert (cancelled.state, cancelled.message) == (JobState.STOPPED, TEACHER_CANCEL_MESSAGE)
    assert manager.snapshot(bo_waiting, bo).state == JobState.QUEUED
    at.button(key="teacher_cancel_all").click().run()
    assert manager.snapshot(bo_waiting, bo).state == JobState.STOPPED
    assert manager.snapshot(training, ada).state == JobState.RUNNING  # training jobs go on
    assert "No job is waiting in the queue." in [caption.value for caption in at.caption]


def test_the_learned_speed_is_shown_and_can_be_reset(scripted) -> None:
    manager, runner = scripted
    at = open_page(TEACHER, key=KEY)
    assert ("Training speed behind every estimate: 2.0 · 10¹⁰ MACs a second, the first guess for a slow "
            "laptop: no job has finished yet; 8 s fixed per job.") in _texts(at)
    assert at.button(key="teacher_reset_speed").disabled
    job = manager.submit(new_owner_token(), conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: runner.tasks, 10, "the job to start")
    runner.send(runner.tasks[0], finished_event(), {"event": "done"})
    wait_until(lambda: manager.speed.learned().jobs == 1, 10, f"job {job} to teach the speed")
    learned = manager.speed.macs_per_second()
    at = open_page(TEACHER, key=KEY)
    assert (f"{speed_text(learned)}, learned from 1 finished job of 1 student (each student counts once)"
            in _texts(at))
    at.button(key="teacher_reset_speed").click().run()
    assert manager.speed.learned().jobs == 0
    reset = "The learned speed was reset: estimates start again from the first guess."
    assert reset in messages(at, "success")


def test_run_files_against_the_budgets_and_a_partial_score_in_the_class_table(scripted, classroom) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    classroom.roster.set_name(ada, "Ada")
    job = manager.submit(ada, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: runner.tasks, 10, "the job to start")
    runner.send(runner.tasks[0], finished_event(stopped=True, accuracy=0.997, tested=1928), {"event": "done"})
    wait_until(lambda: manager.snapshot(job, ada).state.is_final, 10, "the job to end")
    at = open_page(TEACHER, key=KEY)
    held = size_text(manager.store.usage())
    assert (f"Run files: {held} of the class's 5 GB; each student may keep 200 MB (most: Ada {held})."
            in _texts(at))
    (row,) = at.dataframe[0].value.to_dict("records")
    assert row["Current job"] == "stopped · 99.70 % on 1,928 test images"
    assert row["Best test accuracy"] == "—"  # a partial score is not a best score


def test_speed_text_reads_as_powers_of_ten() -> None:
    assert speed_text(4.2e10) == "4.2 · 10¹⁰ MACs a second"
    assert speed_text(9.99e9) == "1.0 · 10¹⁰ MACs a second"
    assert speed_text(5e9) == "5.0 · 10⁹ MACs a second"
