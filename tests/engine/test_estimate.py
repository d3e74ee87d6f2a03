"""The job time estimate: work from the stack's arithmetic, the server's learned speed, queue waits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.estimate import (
    FIRST_GUESS_MACS_PER_S,
    STARTUP_S,
    QueuePlan,
    RunningJob,
    SpeedMeter,
    job_macs,
    job_seconds,
    queue_plan,
    remaining_seconds,
)
from cnnlab.engine.jobs import JobManager
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import ScriptedRunner
from cnnlab.testing.stacks import SLOW_TO_TRAIN


def test_work_counts_training_validation_and_test_images() -> None:
    convnet = analyze(preset_spec("convnet")).macs
    assert convnet == 858_304
    # 5,400 training images × (3 × 858,304 + 200,000) + (600 validation + 10,000 test) × (858,304 + 200,000)
    assert job_macs(convnet, TrainConfig(epochs=1, train_size=6000)) == 26_202_547_200
    assert job_macs(convnet, TrainConfig(epochs=2, train_size=6000, validation_split=0)) == (
        2 * 6000 * 2_774_912 + 10_000 * 1_058_304)


def test_seconds_are_startup_plus_work_at_the_speed() -> None:
    config = TrainConfig(epochs=1, train_size=6000)
    assert job_seconds(858_304, config, 26_202_547_200 / 10) == pytest.approx(STARTUP_S + 10)


def test_the_issues_wide_stack_is_estimated_in_days_not_minutes() -> None:
    analysis = analyze(SLOW_TO_TRAIN)
    assert (analysis.macs, analysis.total_params) == (829_319_168, 1_070_090)
    config = TrainConfig(epochs=50, batch_size=64)
    # the issue measured 22 images/s, "about 34 h" of training; at that speed the estimate adds validation
    # and test images: 35.4 h
    assert job_seconds(analysis.macs, config, 22 * 3 * analysis.macs) / 3600 == pytest.approx(35.4, abs=0.05)
    assert job_seconds(analysis.macs, config, FIRST_GUESS_MACS_PER_S) > 10 * 3600


def test_speed_meter_starts_from_the_first_guess_and_learns(tmp_path: Path) -> None:
    path = tmp_path / "speed.json"
    meter = SpeedMeter(path)
    config = TrainConfig(epochs=1, train_size=6000)
    assert meter.macs_per_second() == FIRST_GUESS_MACS_PER_S
    # 10,000 convnet images in 2 s of training steps: 10,000 × (3 × 858,304 + 200,000) / 2 = 1.387456e10
    meter.record(858_304, 10_000, 2.0)  # the first job weighs 1/2 against the guess
    first = 0.5 * FIRST_GUESS_MACS_PER_S + 0.5 * 1.387456e10
    assert meter.macs_per_second() == pytest.approx(first)
    meter.record(858_304, 10_000, 4.0)  # the second 1/3, later ones 0.3 each
    assert meter.macs_per_second() == pytest.approx(2 / 3 * first + 1 / 3 * 0.693728e10)
    expected = STARTUP_S + 26_202_547_200 / meter.macs_per_second()
    assert meter.estimate(858_304, config) == pytest.approx(expected)
    assert json.loads(path.read_text())["jobs"] == 2
    assert SpeedMeter(path).macs_per_second() == pytest.approx(meter.macs_per_second())  # survives a restart


def test_speed_meter_ignores_jobs_that_barely_trained_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "speed.json"
    meter = SpeedMeter(path)
    meter.record(858_304, 1_000, 0.5)  # under a second of training says little
    meter.record(858_304, 0, 2.0)
    assert meter.macs_per_second() == FIRST_GUESS_MACS_PER_S
    assert not path.exists()
    for garbage in ("not json", '{"macs_per_second": -5, "jobs": 1}', '{"macs_per_second": 1e10}', "[]"):
        path.write_text(garbage)
        assert SpeedMeter(path).macs_per_second() == FIRST_GUESS_MACS_PER_S


def test_the_job_manager_keeps_its_speed_in_the_runs_dir(manager: JobManager) -> None:
    manager.speed.record(858_304, 10_000, 2.0)
    again = JobManager(RunStore(manager.store.root), ScriptedRunner())  # the server restarted
    try:
        expected = 0.5 * FIRST_GUESS_MACS_PER_S + 0.5 * 1.387456e10
        assert again.speed.macs_per_second() == pytest.approx(expected)
    finally:
        again.shutdown()


def test_remaining_time_of_a_running_job_follows_its_pace() -> None:
    assert remaining_seconds(RunningJob(estimate_s=100, elapsed_s=40, progress=0.25)) == 120
    assert remaining_seconds(RunningJob(estimate_s=100, elapsed_s=30, progress=0.0)) == 70
    assert remaining_seconds(RunningJob(estimate_s=100, elapsed_s=130, progress=0.0)) == 0
    assert remaining_seconds(RunningJob(estimate_s=100, elapsed_s=50, progress=1.0)) == 0


def test_queue_plan_one_slot() -> None:
    plan = queue_plan([RunningJob(estimate_s=60, elapsed_s=0, progress=0)], [30, 90], slots=1)
    assert plan == QueuePlan(waits_s=(60, 90), empty_in_s=180)


def test_queue_plan_two_slots_and_an_idle_server() -> None:
    running = [RunningJob(estimate_s=100, elapsed_s=40, progress=0.5)]  # 40 s left by its pace
    assert queue_plan(running, [30, 50, 10], slots=2) == QueuePlan(waits_s=(0, 30, 40), empty_in_s=80)
    assert queue_plan([], [], slots=1) == QueuePlan(waits_s=(), empty_in_s=0)
    assert queue_plan([], [20], slots=1) == QueuePlan(waits_s=(0,), empty_in_s=20)
