"""The teacher's Stop is recorded as the teacher's: the student reads "Your teacher stopped this run" on
Results and on Train's last run, not the "Stopped early" of their own Stop."""

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

KEY = "teacher-key-for-tests"
TEACHER_STOPPED = ("Your teacher stopped this run; the model trained so far was tested on all 10,000 test "
                   "images and saved.")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def test_the_student_reads_that_their_teacher_stopped_the_run(scripted) -> None:
    manager, runner = scripted
    bo = new_owner_token()
    job = manager.submit(bo, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: runner.tasks, 10, "the job to start")
    teacher = open_page("pages/6_Teacher.py", key=KEY)
    teacher.button(key=f"teacher_stop_{job}").click().run()
    wait_until(lambda: runner.tasks[0].stop_requested, 10, "the stop to reach the worker")
    runner.send(runner.tasks[0], finished_event(stopped=True), {"event": "done"})
    wait_until(lambda: manager.snapshot(job, bo).state == JobState.STOPPED, 10, "the run to stop")

    for page in (RESULTS, TRAIN):
        at = open_page(page, u=bo)
        assert not at.exception
        assert TEACHER_STOPPED in messages(at, "warning")
        assert not [m for m in messages(at, "warning") if m.startswith("Stopped early")]
