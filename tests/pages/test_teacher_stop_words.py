"""The teacher's Stop is recorded as the teacher's: the student reads "Your teacher stopped this run" on
Results and on Train's last run, not the "Stopped early" of their own Stop, and its partly trained model is
not offered on Compare (nor on Predict: `tests/pages/test_page_predict.py`) as if it were the student's
result."""

from __future__ import annotations

import dataclasses

import pytest

from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Settings
from cnnlab.testing.apptest import RESULTS, TRAIN, messages, open_page
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack
from cnnlab.testing.engine import finished_event
from cnnlab.testing.polling import wait_until
from cnnlab.ui.insight import COMPARE_KEY

KEY = "teacher-key-for-tests"
COMPARE = "pages/5_Compare.py"
TEACHER_STOPPED = ("Your teacher stopped this run; the model trained so far was tested on all 10,000 test "
                   "images and saved.")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _stopped(manager, runner, owner: str, by_teacher: bool) -> str:
    """One job of `owner`'s, stopped by the teacher from the dashboard or by its owner; its id."""
    started = len(runner.tasks)
    job = manager.submit(owner, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: len(runner.tasks) > started, 10, "the job to start")
    if by_teacher:
        open_page("pages/6_Teacher.py", key=KEY).button(key=f"teacher_stop_{job}").click().run()
    else:
        manager.stop(job, owner)
    task = runner.tasks[started]
    wait_until(lambda: task.stop_requested, 10, "the stop to reach the worker")
    runner.send(task, finished_event(stopped=True), {"event": "done"})
    wait_until(lambda: manager.snapshot(job, owner).state == JobState.STOPPED, 10, "the run to stop")
    return job


def test_the_student_reads_that_their_teacher_stopped_the_run(scripted) -> None:
    manager, runner = scripted
    bo = new_owner_token()
    _stopped(manager, runner, bo, by_teacher=True)

    for page in (RESULTS, TRAIN):
        at = open_page(page, u=bo)
        assert not at.exception
        assert TEACHER_STOPPED in messages(at, "warning")
        assert not [m for m in messages(at, "warning") if m.startswith("Stopped early")]


def test_a_run_the_teacher_stopped_is_not_offered_on_compare(scripted) -> None:
    manager, runner = scripted
    bo = new_owner_token()
    _stopped(manager, runner, bo, by_teacher=True)
    at = open_page(COMPARE, u=bo)
    assert not at.exception
    assert any("no trained model yet" in text for text in messages(at, "info"))
    assert [text for text in messages(at, "caption") if text.startswith("Your teacher stopped")] == [
        "Your teacher stopped one of your runs: its partly trained model is not offered here. Results still "
        "shows it."]

    own = _stopped(manager, runner, bo, by_teacher=False)  # a run the student stopped is theirs to compare
    at = open_page(COMPARE, u=bo)
    assert not at.exception
    assert at.multiselect(key=COMPARE_KEY).options == [f"#2 {manager.snapshot(own, bo).name} · 90.00 %"]
