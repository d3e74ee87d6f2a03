"""A run cut off by the server stopping keeps the live points it streamed before (issue 12, section 4)."""

from __future__ import annotations

from pathlib import Path

from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import SMALL, ScriptedRunner


def test_points_streamed_before_a_shutdown_are_kept(tmp_path: Path) -> None:
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(tmp_path), runner=runner, limits=JobLimits(max_running=1))
    owner = new_owner_token()
    job_id = manager.submit(owner, preset_spec("convnet"), SMALL)
    manager.step()
    runner.send(runner.tasks[0], {"event": "started", "epochs": 2, "steps_per_epoch": 13, "fit_size": 800,
                                  "validation_size": 200, "params": 34_826},
                {"event": "batch", "epoch": 1, "step": 1, "loss": 2.25, "accuracy": 0.125, "elapsed_s": 0.2,
                 "samples_per_second": 320.0})
    manager.step()
    assert manager.snapshot(job_id, owner).step == 1
    manager.shutdown()
    reopened = JobManager(store=RunStore(tmp_path), runner=ScriptedRunner())
    try:
        run = reopened.snapshot(job_id, owner)
        assert run.state == JobState.INTERRUPTED
        assert run.batch_points == ((1 / 13, 2.25, 0.125),)
    finally:
        reopened.shutdown()
