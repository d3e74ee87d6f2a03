"""The job time estimate: work from the stack's arithmetic, the server's learned speed, queue waits."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.estimate import (
    FIRST_GUESS_MACS_PER_S,
    MAX_BATCH_SECONDS,
    SLOW_LAPTOP_MACS_PER_S,
    SPEED_FLOOR,
    STARTUP_S,
    QueuePlan,
    RunningJob,
    SpeedMeter,
    StackCost,
    batch_refusal,
    batch_seconds,
    job_seconds,
    job_work,
    largest_batch,
    queue_plan,
    remaining_seconds,
)
from cnnlab.engine.jobs import JobManager
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import ScriptedRunner
from cnnlab.testing.stacks import SLOW_TO_TRAIN

CONVNET = StackCost(858_304, 19_418, 60_874)


def test_a_stacks_cost_comes_from_its_arithmetic() -> None:
    assert StackCost.of(analyze(preset_spec("convnet"))) == CONVNET
    assert CONVNET.train_image == 3 * 858_304 + 300 * 19_418 + 200_000 == 8_600_312
    assert CONVNET.scored_image == pytest.approx(8_600_312 / 3)
    assert CONVNET.step == 800 * 60_874 + 100_000_000 == 148_699_200
    assert CONVNET.batch(128) == 128 * 8_600_312 + 148_699_200


def test_work_counts_training_steps_validation_and_test_images() -> None:
    # 1 epoch on 6,000 images, 10 % held out: 5,400 training images in 43 steps, 600 + 10,000 scored
    assert job_work(CONVNET, TrainConfig(epochs=1, train_size=6000)) == pytest.approx(
        5400 * 8_600_312 + 43 * 148_699_200 + 10_600 * 8_600_312 / 3)
    assert job_work(CONVNET, TrainConfig(epochs=2, train_size=6000, validation_split=0)) == pytest.approx(
        2 * 6000 * 8_600_312 + 2 * 47 * 148_699_200 + 10_000 * 8_600_312 / 3)


def test_a_huge_dense_stack_pays_for_its_weights_at_every_step() -> None:
    huge = StackCost.of(analyze({"input_shape": [28, 28, 1], "layers": [
        {"type": "Flatten"}, {"type": "Dense", "units": 6000}, {"type": "Dense", "units": 10,
                                                               "activation": "softmax"}]}))
    # three epochs of a hundred images, one step each: updating 4.77 M weights costs twice the images' work
    assert 3 * huge.step > 2 * 300 * huge.train_image


def test_seconds_are_fixed_seconds_plus_work_at_the_speed() -> None:
    config = TrainConfig(epochs=1, train_size=6000)
    work = job_work(CONVNET, config)
    assert job_seconds(CONVNET, config, work / 10) == pytest.approx(STARTUP_S + 10)
    assert job_seconds(CONVNET, config, work / 10, fixed_s=2.0) == pytest.approx(12)


def test_the_issues_wide_stack_is_estimated_in_days_not_minutes() -> None:
    wide = StackCost.of(analyze(SLOW_TO_TRAIN))
    assert (wide.macs, wide.params) == (829_319_168, 1_070_090)
    assert job_seconds(wide, TrainConfig(epochs=50, batch_size=8), FIRST_GUESS_MACS_PER_S) > 10 * 3600


def test_a_batch_too_long_for_a_quick_stop_is_refused_with_the_largest_that_fits() -> None:
    wide_padding = StackCost(853_816, 119_214, 90)  # ZeroPadding2D(64) → Conv2D 4 → GAP → Dense 10
    assert batch_seconds(wide_padding, 1024, SLOW_LAPTOP_MACS_PER_S) == pytest.approx(
        (1024 * (3 * 853_816 + 300 * 119_214 + 200_000) + 800 * 90 + 10**8) / 2e10)
    fits = largest_batch(wide_padding, SLOW_LAPTOP_MACS_PER_S)
    assert batch_seconds(wide_padding, fits, 2e10) <= MAX_BATCH_SECONDS
    assert batch_seconds(wide_padding, fits + 1, 2e10) > MAX_BATCH_SECONDS
    assert batch_refusal(wide_padding, fits, 2e10) is None
    assert batch_refusal(wide_padding, 1024, 2e10) == (
        "one batch of 1,024 images of this stack would take about 2.0 s on this server; Stop can only end a "
        f"job between batches, so a batch may take at most 1.5 s — use a batch size of {fits:,} or less")
    wide = StackCost.of(analyze({"input_shape": [28, 28, 1], "layers": [  # two 512-filter 3×3 layers
        {"type": "Conv2D", "filters": 512, "kernel_size": 3, "padding": "same"},
        {"type": "Conv2D", "filters": 512, "kernel_size": 3, "padding": "same"},
        {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}))
    assert batch_refusal(wide, 8, 2e10).endswith(
        "and even a batch of 8 is too long — use fewer filters or units, or a pooling layer earlier")


def _record(meter: SpeedMeter, student: str, speed: float, fixed_s: float = 3.0) -> None:
    """One finished job of `student` that trained at `speed` and spent `fixed_s` besides its work."""
    meter.record(student, speed * 10, 10.0, speed * 20, 20.0 + fixed_s)


def test_the_meter_starts_from_the_first_guesses_and_learns_from_a_job(tmp_path: Path) -> None:
    path = tmp_path / "speed.json"
    meter = SpeedMeter(path)
    assert (meter.macs_per_second(), meter.learned().fixed_s) == (FIRST_GUESS_MACS_PER_S, STARTUP_S)
    _record(meter, "ada", 4e10, fixed_s=3.0)
    learned = meter.learned()
    assert (learned.macs_per_second, learned.fixed_s, learned.jobs, learned.students) == (4e10, 3.0, 1, 1)
    config = TrainConfig(epochs=1, train_size=6000)
    assert meter.estimate(CONVNET, config) == pytest.approx(3.0 + job_work(CONVNET, config) / 4e10)
    assert "ada" not in path.read_text()  # students are kept as a hash only
    assert SpeedMeter(path).learned() == learned  # survives a restart


def test_each_student_is_one_vote_and_the_figure_has_a_floor(tmp_path: Path) -> None:
    meter = SpeedMeter(tmp_path / "speed.json")
    _record(meter, "ada", 4e10)
    _record(meter, "bo", 5e10)
    for _ in range(10):  # one student's odd jobs: still one vote
        _record(meter, "mischief", 1e9)
    assert meter.macs_per_second() == 4e10  # the median of 4·10¹⁰, 5·10¹⁰ and 10⁹
    alone = SpeedMeter(tmp_path / "alone.json")
    for _ in range(5):
        _record(alone, "mischief", 1e9)
    assert alone.macs_per_second() == SPEED_FLOOR and alone.learned().floored


def test_the_batch_check_never_trusts_a_speed_above_a_slow_laptops(tmp_path: Path) -> None:
    meter = SpeedMeter(tmp_path / "speed.json")
    _record(meter, "ada", 9e10)
    assert meter.macs_per_second() == 9e10
    assert meter.cautious_macs_per_second() == SLOW_LAPTOP_MACS_PER_S


def test_reset_forgets_every_job(tmp_path: Path) -> None:
    path = tmp_path / "speed.json"
    meter = SpeedMeter(path)
    _record(meter, "ada", 4e10)
    meter.reset()
    assert meter.macs_per_second() == FIRST_GUESS_MACS_PER_S and meter.learned().jobs == 0
    assert not path.exists() and SpeedMeter(path).learned().jobs == 0


def test_the_meter_ignores_jobs_that_barely_trained_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "speed.json"
    meter = SpeedMeter(path)
    meter.record("ada", 1e9, 0.1, 2e9, 3.0)  # a tenth of a second of steady training says little
    meter.record("ada", 0, 2.0, 2e9, 3.0)
    assert meter.learned().jobs == 0 and not path.exists()
    garbage = ("not json", '{"macs_per_second": 1e10, "jobs": 3}', '{"version": 2, "jobs": [["a", -5, 1]]}',
               '{"version": 2, "jobs": "many"}', "[]")
    for text in garbage:
        path.write_text(text)
        assert SpeedMeter(path).macs_per_second() == FIRST_GUESS_MACS_PER_S, text


def test_the_job_manager_keeps_its_speed_in_the_runs_dir(manager: JobManager) -> None:
    _record(manager.speed, "ada", 4e10)
    again = JobManager(RunStore(manager.store.root), ScriptedRunner())  # the server restarted
    try:
        assert again.speed.macs_per_second() == 4e10
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
