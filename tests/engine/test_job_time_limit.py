"""The job manager's work cap: estimates at submit, expected waits in the queue, a stop at the time limit."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.estimate import FIRST_GUESS_MACS_PER_S, SPEED_FILE, StackCost, job_seconds, job_work
from cnnlab.engine.jobs import JobLimits, JobManager, JobRefused, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.scores import scored_on
from cnnlab.engine.store import RunStore
from cnnlab.lab import Settings
from cnnlab.testing.engine import SMALL, ScriptedRunner, finished_event
from cnnlab.testing.stacks import SLOW_TO_TRAIN

CONVNET = preset_spec("convnet")


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """A manager over a scripted runner: one job trains at a time, the default 10-minute limit."""
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(tmp_path / "runs"), runner=runner,
                         limits=JobLimits(max_running=1, max_queued=4))
    yield manager, runner
    manager.shutdown()


def test_the_limit_comes_from_the_environment() -> None:
    assert JobLimits().max_job_seconds == Settings.from_environment({}).max_job_seconds == 600
    assert Settings.from_environment({"CNNLAB_MAX_JOB_MINUTES": "2.5"}).max_job_seconds == 150
    for bad in ("ten", "0", "-3", "nan", "inf", ""):
        assert Settings.from_environment({"CNNLAB_MAX_JOB_MINUTES": bad}).max_job_seconds == 600


def test_a_job_over_the_limit_is_refused_with_its_estimate(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    config = TrainConfig(epochs=50, batch_size=8)
    with pytest.raises(JobRefused) as refusal:
        manager.submit(new_owner_token(), SLOW_TO_TRAIN, config)
    assert str(refusal.value) == ("this job would take about 120 h 7 min on this server; the limit is "
                                  "10 min — use fewer epochs or images, or fewer filters")
    wide = analyze(SLOW_TO_TRAIN)
    assert manager.estimate(wide, config) == job_seconds(StackCost.of(wide), config, FIRST_GUESS_MACS_PER_S)
    assert runner.tasks == [] and manager.jobs(new_owner_token()) == []
    manager.submit(new_owner_token(), SLOW_TO_TRAIN, TrainConfig(epochs=1, batch_size=8, train_size=100))


def test_queued_jobs_show_their_expected_wait(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owners = [new_owner_token() for _ in range(3)]
    ids = [manager.submit(owner, CONVNET, SMALL) for owner in owners]
    manager.step()
    assert len(runner.tasks) == 1
    estimate = manager.estimate(analyze(CONVNET), SMALL)
    first, second, third = (manager.snapshot(job_id, owner)
                            for job_id, owner in zip(ids, owners, strict=True))
    assert (first.state, first.wait_s, first.estimate_s) == (JobState.RUNNING, None, estimate)
    assert second.wait_s == pytest.approx(estimate, abs=0.5)  # the running job's estimate, less its seconds
    assert third.wait_s == pytest.approx(second.wait_s + estimate, abs=0.1)
    # the running job reports half its batches done after 20 s: 20 more seconds by its pace
    runner.send(runner.tasks[0], {"event": "started", "epochs": 2, "steps_per_epoch": 13, "fit_size": 800,
                                  "validation_size": 200, "params": 34_826})
    half = {"event": "batch", "epoch": 1, "step": 13, "loss": 1.0, "accuracy": 0.5, "elapsed_s": 20.0,
            "samples_per_second": 40.0}
    runner.send(runner.tasks[0], half)
    manager.step()
    assert manager.snapshot(ids[0], owners[0]).step == 13
    elapsed = manager.snapshot(ids[0], owners[0]).elapsed_s
    assert manager.snapshot(ids[1], owners[1]).wait_s == pytest.approx(elapsed, abs=0.5)
    plan = manager.queue_plan()
    assert plan.empty_in_s == pytest.approx(plan.waits_s[1] + estimate, abs=0.1)


def test_a_finished_job_teaches_the_server_its_speed(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    runner.send(runner.tasks[0], finished_event(), {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.FINISHED
    stored = json.loads((manager.store.root / SPEED_FILE).read_text())
    # its steady training: 1,500 images in 23 steps in 0.5 s → (1,500 × 8,600,312 + 23 × 148,699,200) / 0.5
    cost = StackCost.of(analyze(CONVNET))
    speed = (1500 * cost.train_image + 23 * cost.step) / 0.5
    assert stored["version"] == 2 and len(stored["jobs"]) == 1
    assert manager.speed.macs_per_second() == pytest.approx(speed)
    fixed = manager.speed.learned().fixed_s  # what its elapsed time left beside its work: a scripted job is
    assert fixed == 1.0  # over at once, so the least the figure may be
    assert manager.estimate(analyze(CONVNET), SMALL) == pytest.approx(job_seconds(cost, SMALL, speed, fixed))
    assert job_work(cost, SMALL) > 0


def test_a_job_far_over_the_limit_is_stopped_there_and_keeps_its_model(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    manager.limits = dataclasses.replace(manager.limits, max_job_seconds=1.0)  # the estimate was far too low
    runner.send(runner.tasks[0], {"event": "batch", "epoch": 1, "step": 1, "loss": 2.0, "accuracy": 0.1,
                                  "elapsed_s": 0.1, "samples_per_second": 640.0})
    time.sleep(1.2)  # past the limit, at a pace that says it would overrun it far
    manager.step()
    assert runner.tasks[0].stop_requested
    stopping = manager.snapshot(job_id, owner)
    assert stopping.state == JobState.STOPPING
    assert stopping.message == ("stopping: this job reached the server's limit of 1 s per job; the model "
                                "trained so far is kept")
    runner.send(runner.tasks[0], finished_event(stopped=True, tested=250), {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.STOPPED
    final = manager.snapshot(job_id, owner)
    assert final.message == ("stopped at the server's limit of 1 s per job (it would have taken far longer); "
                             "the model trained so far was tested on 250 of the 10,000 test images and saved "
                             "— use fewer epochs or images, or fewer filters")
    assert manager.model_file(job_id, owner) is not None


def test_a_student_stop_says_how_many_test_images_scored(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    assert manager.stop(job_id, owner)
    runner.send(runner.tasks[0], finished_event(stopped=True), {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.STOPPED
    assert manager.snapshot(job_id, owner).message == (
        "stopped early; the model trained so far was tested on all 10,000 test images and saved")
    assert not (manager.store.root / SPEED_FILE).exists()  # a stopped job does not teach the speed


def test_scored_on_counts_the_test_images() -> None:
    assert scored_on(10_000, SMALL) == "all 10,000 test images"
    assert scored_on(1_200, SMALL) == "1,200 of the 10,000 test images"
