"""The teacher's rows: each student's stack against the challenge, runs, best accuracy, current job."""

from __future__ import annotations

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.dashboard import class_rows, queue_order
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.core.stack_doc import empty_stack
from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run


def test_one_row_per_student_with_stack_runs_and_job(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    roster = classroom.roster
    ada, bob, cy = new_owner_token(), new_owner_token(), new_owner_token()
    roster.set_name(ada, "Ada")
    roster.join(bob)
    roster.join(cy)
    finished_run(manager, runner, ada, conv_stack(4), 0.93)
    finished_run(manager, runner, ada, conv_stack(4), 0.95)
    training = manager.submit(bob, conv_stack(4), CHALLENGE_CONFIG)
    waiting = manager.submit(cy, conv_stack(4), CHALLENGE_CONFIG)
    manager.step()
    assert len(runner.tasks) == 3  # Bob's job trains; Cy's waits (one job at a time here)
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

