"""Disk: a per-student and per-class budget for run files, checked when a job is submitted and again when it
starts, the message naming the budget and how to make room; deleting an old run makes room; big runs are
stored once (the .h5), not twice."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobRefused, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.storage import model_file_bytes, run_bytes, size_text
from cnnlab.engine.store import ModelFormat, RunStore
from cnnlab.lab import Settings
from cnnlab.testing.engine import SMALL, ScriptedRunner, finished_event

CONVNET = preset_spec("convnet")
MB = 10**6


@pytest.fixture
def budgeted(tmp_path: Path) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """One job at a time; each student may keep 10 MB of run files, the class 25 MB."""
    runner = ScriptedRunner()
    manager = JobManager(RunStore(tmp_path / "runs"), runner,
                         JobLimits(max_running=1, max_student_bytes=10 * MB, max_class_bytes=25 * MB))
    yield manager, runner
    manager.shutdown()


def _finish(manager: JobManager, runner: ScriptedRunner, owner: str, model_mb: float) -> str:
    """A convnet run of `owner` that ends with a model file of `model_mb` megabytes."""
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    runner.send(runner.tasks[-1], {**finished_event(), "h5": b"w" * int(model_mb * MB)}, {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.FINISHED
    return job_id


def test_the_estimate_of_a_runs_files_follows_its_weights() -> None:
    huge = analyze({"input_shape": [28, 28, 1], "layers": [
        {"type": "Flatten"}, {"type": "Dense", "units": 6000}, {"type": "Dense", "units": 10,
                                                               "activation": "softmax"}]})
    assert model_file_bytes(huge.total_params) == 4_770_010 * 12 + 100_000  # the 57 MB per file
    assert run_bytes(huge.total_params) == model_file_bytes(huge.total_params) + 400_000  # stored once
    assert run_bytes(60_874) == 2 * model_file_bytes(60_874) + 400_000  # the convnet: .h5 and .keras
    assert (size_text(57_340_120), size_text(5 * 10**9), size_text(4_980_000_000), size_text(850_000)) == (
        "57 MB", "5 GB", "4.98 GB", "850 kB")


def test_a_student_over_their_budget_is_refused_until_they_delete_a_run(
        budgeted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = budgeted
    ada = new_owner_token()
    first = _finish(manager, runner, ada, 4.5)
    _finish(manager, runner, ada, 4.5)
    assert manager.store.usage(ada) > 9 * MB
    with pytest.raises(JobRefused) as refused:
        manager.submit(ada, CONVNET, SMALL)
    assert str(refused.value).startswith("your runs already hold 9.") and str(refused.value).endswith(
        " of the 10 MB each student may keep, and this run's files would need about 2.1 MB more — delete old "
        "runs on Results to make room")
    manager.submit(new_owner_token(), CONVNET, SMALL)  # a classmate is not held back
    assert manager.delete(first, ada)
    assert manager.store.usage(ada) < 5 * MB and manager.store.get(first, ada) is None
    assert not (manager.store.root / first).exists()
    manager.submit(ada, CONVNET, SMALL)


def test_the_class_budget_counts_every_students_runs_and_the_jobs_not_yet_finished(
        budgeted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = budgeted
    for _ in range(2):
        _finish(manager, runner, new_owner_token(), 9.5)
    manager.submit(new_owner_token(), CONVNET, SMALL)  # 19 MB held, 2.1 MB reserved for this one
    manager.submit(new_owner_token(), CONVNET, SMALL)
    with pytest.raises(JobRefused, match=r"the class's runs already hold 23 MB of the 25 MB this server "
                                         r"keeps, and this run's files would need about 2.1 MB more — delete "
                                         r"old runs on Results, or ask your teacher to make room"):
        manager.submit(new_owner_token(), CONVNET, SMALL)


def test_the_budget_is_checked_again_when_a_job_starts(budgeted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = budgeted
    ada, bo = new_owner_token(), new_owner_token()
    running = manager.submit(ada, CONVNET, SMALL)
    manager.step()
    waiting = manager.submit(bo, CONVNET, SMALL)
    # the running job turned out far bigger than its estimate: the class is full when Bo's turn comes
    runner.send(runner.tasks[-1], {**finished_event(), "h5": b"w" * 24 * MB}, {"event": "done"})
    manager.step()
    assert manager.snapshot(running, ada).state == JobState.FINISHED
    failed = manager.snapshot(waiting, bo)
    assert failed.state == JobState.FAILED and len(runner.tasks) == 1
    assert failed.message.startswith("not started: the class's runs already hold 24 MB of the 25 MB")


def test_a_run_is_deleted_only_by_its_owner_and_only_once_it_has_ended(
        budgeted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = budgeted
    ada, stranger = new_owner_token(), new_owner_token()
    live = manager.submit(ada, CONVNET, SMALL)
    manager.step()
    assert not manager.delete(live, ada)  # training: stop it first
    runner.send(runner.tasks[-1], finished_event(), {"event": "done"})
    manager.step()
    assert not manager.delete(live, stranger)
    for bad in ("../../etc", None, live.upper()):
        assert not manager.delete(bad, ada)
    assert manager.delete(live, ada) and not manager.delete(live, ada)
    assert manager.jobs(ada) == []


def test_run_bytes_are_counted_when_files_are_written(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    lease = store.acquire_lease()
    owner = new_owner_token()
    run_id = store.create(owner, "net", {"layers": []}, {}, 10, lease)
    store.save_model(run_id, ModelFormat.H5, b"x" * 1000)
    on_disk = sum(path.stat().st_size for path in (store.root / run_id).iterdir())
    assert store.get(run_id, owner).bytes == on_disk == store.usage(owner) == store.usage()
    assert store.usage_by_owner() == {owner: on_disk}


def test_an_older_index_gets_its_new_columns_filled_in(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    store = RunStore(root)
    lease = store.acquire_lease()
    owner = new_owner_token()
    run_id = store.create(owner, "net", {"layers": []}, {}, 10, lease)
    store.set_state(run_id, JobState.STOPPED, "stopped early", test_accuracy=0.99)
    (root / run_id / "result.json").write_text(json.dumps({"predicted": [1] * 1928}))
    with sqlite3.connect(root / "index.sqlite3") as db:  # as an index made before these columns looked
        for column in ("tested_images", "stopped_by", "bytes"):
            db.execute(f"ALTER TABLE runs DROP COLUMN {column}")
    record = RunStore(root).get(run_id, owner)
    assert record.tested_images == 1928
    assert record.bytes == sum(path.stat().st_size for path in (root / run_id).iterdir())


def test_the_budgets_come_from_the_environment() -> None:
    default = Settings.from_environment({})
    assert (default.max_student_bytes, default.max_class_bytes) == (200 * MB, 5 * 10**9)
    chosen = Settings.from_environment({"CNNLAB_MAX_STUDENT_MB": "150", "CNNLAB_MAX_CLASS_GB": "2.5"})
    assert (chosen.max_student_bytes, chosen.max_class_bytes) == (150 * MB, 2_500_000_000)
    assert chosen.limits().max_student_bytes == 150 * MB
    for bad in ("lots", "0", "-1", "nan", "inf"):
        assert Settings.from_environment({"CNNLAB_MAX_STUDENT_MB": bad}).max_student_bytes == 200 * MB


def test_a_big_runs_model_is_written_once(budgeted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = budgeted
    ada = new_owner_token()
    job_id = manager.submit(ada, CONVNET, TrainConfig(epochs=1, train_size=1000))
    manager.step()
    event = finished_event()
    del event["keras"]  # what the trainer sends for a model over `storage.ONE_FILE_OVER_BYTES`
    runner.send(runner.tasks[-1], event, {"event": "done"})
    manager.step()
    assert manager.model_file(job_id, ada, ModelFormat.H5) is not None
    assert manager.model_file(job_id, ada, ModelFormat.KERAS) is None
