"""The teacher's rows: each student's stack against the challenge, runs, best accuracy, current job."""

from __future__ import annotations

import pytest

from cnnlab.classroom.dashboard import class_rows, queue_empty_in, queue_order
from cnnlab.classroom.roster import Roster
from cnnlab.core.arithmetic import analyze
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.core.stack_doc import empty_stack
from cnnlab.engine.estimate import FIRST_GUESS_MACS_PER_S, SpeedMeter, job_seconds
from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run
from cnnlab.testing.engine import wait_until


def test_one_row_per_student_with_stack_runs_and_job(scripted) -> None:
    manager, runner = scripted
    roster = Roster()
    ada, bob, cy = new_owner_token(), new_owner_token(), new_owner_token()
    roster.set_name(ada, "Ada")
    roster.join(bob)
    roster.join(cy)
    finished_run(manager, runner, ada, conv_stack(4), 0.93)
    finished_run(manager, runner, ada, conv_stack(4), 0.95)
    training = manager.submit(bob, conv_stack(4), CHALLENGE_CONFIG)
    waiting = manager.submit(cy, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: len(runner.tasks) == 3)  # Bob's job trains; Cy's waits (one job at a time here)
    stacks = {ada: conv_stack(4), bob: spec_to_dict(preset_spec("convnet")), cy: empty_stack()}
    challenge, _ = parse_challenge({"title": "Small", "max_params": 10_000})
    rows = class_rows(roster.students(), manager.store.all_runs(), manager.live_jobs(), challenge, stacks.get)
    assert [(r.name, r.stack_params, r.meets_challenge, r.runs, r.best_accuracy) for r in rows] == [
        ("Ada", 6810, True, 2, 0.95),
        ("Student 2", 60874, False, 1, None),
        ("Student 3", None, None, 1, None),
    ]
    assert rows[0].job.state == JobState.FINISHED and rows[0].job.accuracy == 0.95
    assert (rows[1].job.job_id, rows[1].job.state) == (training, JobState.RUNNING)
    assert (rows[2].job.job_id, rows[2].job.state, rows[2].job.queue_position) == (
        waiting,
        JobState.QUEUED,
        1,
    )
    running, queued = queue_order(manager.live_jobs())
    assert ([s.job_id for s in running], [s.job_id for s in queued]) == ([training], [waiting])
    assert class_rows(roster.students(), [], [], None, stacks.get)[0].meets_challenge is None


def test_the_queue_empties_after_the_running_jobs_rest_and_every_waiting_job(scripted, tmp_path) -> None:
    manager, runner = scripted
    meter = SpeedMeter(tmp_path / "speed.json")  # no job measured yet: the estimator's first guess
    assert queue_empty_in([], 1, meter) is None
    first, second = new_owner_token(), new_owner_token()
    manager.submit(first, conv_stack(4), CHALLENGE_CONFIG)
    manager.submit(second, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: len(runner.tasks) == 1)
    one_job = job_seconds(analyze(conv_stack(4)).macs, CHALLENGE_CONFIG, FIRST_GUESS_MACS_PER_S)
    # 31,096 MACs per image: 1,800 × (3 × 31,096 + 200,000) + (200 + 10,000) × (31,096 + 200,000)
    assert one_job == pytest.approx(3.0 + 2_885_097_600 / 3e10)
    assert queue_empty_in(manager.live_jobs(), 1, meter) == pytest.approx(2 * one_job, abs=1.0)
    assert queue_empty_in(manager.live_jobs(), 2, meter) == pytest.approx(one_job, abs=1.0)
