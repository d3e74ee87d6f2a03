"""The job manager: background training with live snapshots, stop, failures, queue, caps, owners, persistence.

Tests marked `keras` train for real in worker processes (one warm manager shared by the process); the others
drive the manager with a scripted runner, so queue and owner logic is checked without TensorFlow. Every test
steps its manager itself (`step`, `step_until`): nothing happens behind its back.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import h5py
import pytest

from cnnlab.core.hyper import Optimizer, TrainConfig, config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.events import OUT_OF_MEMORY_MESSAGE
from cnnlab.engine.jobs import (
    QUEUED_STOP_MESSAGE,
    SHUTDOWN_MESSAGE,
    JobLimits,
    JobManager,
    JobRefused,
    JobState,
)
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.runner import LocalProcessRunner
from cnnlab.engine.store import ModelFormat, RunStore
from cnnlab.engine.worker import WorkerSettings
from cnnlab.testing.engine import (
    LINEAR_MLP,
    SMALL,
    ScriptedRunner,
    finished_event,
    shared_manager,
    small_run,
    step_until,
    step_until_final,
)
from cnnlab.testing.polling import wait_until

CONVNET = preset_spec("convnet")


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """A manager over a scripted runner: two jobs may run at once, one may wait per owner, four in all."""
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(tmp_path / "runs"), runner=runner,
                         limits=JobLimits(max_running=2, max_queued_per_owner=1, max_queued=4))
    yield manager, runner
    manager.shutdown()


# ---- real training in worker processes ---------------------------------------------------------------------


@pytest.mark.keras
def test_a_job_trains_in_the_background_with_live_snapshots() -> None:
    manager, run = shared_manager(), small_run()
    first, final = run.seen[0], run.seen[-1]
    assert first.state in (JobState.QUEUED, JobState.RUNNING)
    assert (first.name, first.epochs, first.params, first.steps_per_epoch) == ("my first net", 2, 60874, 13)
    assert final.state == JobState.FINISHED, final.message
    running = [seen for seen in run.seen if seen.state == JobState.RUNNING and seen.batch_points]
    counts = [len(snapshot.batch_points) for snapshot in running]
    assert counts == sorted(counts) and len(set(counts)) > 3  # the live curve grew point by point
    assert any(snapshot.eta_s is not None and snapshot.eta_s > 0 for snapshot in running)
    assert all(snapshot.samples_per_second > 0 for snapshot in running)
    xs = [point[0] for point in final.batch_points]
    assert xs == sorted(xs) and xs[0] > 0 and xs[-1] == 2.0
    assert len(final.batch_points) == 26  # 13 steps per epoch, every step a point for so short an epoch
    assert [record.epoch for record in final.epochs_history] == [1, 2]
    for record in final.epochs_history:
        assert 0 < record.accuracy <= 1 and 0 < record.val_accuracy <= 1 and record.samples_per_second > 0
    assert final.epochs_history[-1].loss == pytest.approx(final.batch_points[-1][1])
    assert 0.1 < final.test_accuracy <= 1 and final.test_loss > 0 and final.samples_per_second > 0
    assert (final.epoch, final.step, final.queue_position, final.eta_s) == (2, 13, None, None)

    owner, job_id = run.owner, run.job_id
    result = manager.result(job_id, owner)
    assert sum(map(sum, result.confusion)) == 10000 and result.predicted.shape == (10000,)
    diagonal = sum(result.confusion[digit][digit] for digit in range(10))
    assert diagonal / 10000 == pytest.approx(final.test_accuracy)
    for fmt in ModelFormat:
        assert manager.model_file(job_id, owner, fmt).stat().st_size > 100_000
    assert [snapshot.job_id for snapshot in manager.jobs(owner)] == [job_id]
    assert manager.jobs(owner)[0] == final  # the stored run reads back as the last live snapshot said


@pytest.mark.keras
def test_stop_ends_at_a_batch_boundary_and_keeps_a_tested_model() -> None:
    manager, owner = shared_manager(), new_owner_token()
    config = TrainConfig(epochs=3, train_size=20000, validation_split=0.0)  # 157 steps per epoch, 6 per call
    job_id = manager.submit(owner, CONVNET, config)
    at_stop = step_until(manager, owner, job_id, lambda snapshot: len(snapshot.batch_points) >= 3)[-1]
    assert manager.stop(job_id, owner)
    assert manager.snapshot(job_id, owner).state in (JobState.STOPPING, JobState.STOPPED)
    assert not manager.stop(job_id, owner)  # already stopping
    final = step_until_final(manager, owner, job_id)[-1]
    assert final.state == JobState.STOPPED and "model trained so far" in final.message
    steps_at_stop = (at_stop.epoch - 1) * 157 + at_stop.step
    steps_at_end = (final.epoch - 1) * 157 + final.step
    assert steps_at_end - steps_at_stop <= 4 * 6  # a few compiled calls of 6 steps, not the rest of 471
    assert final.epochs_history == () and final.test_accuracy > 0.1
    with h5py.File(manager.model_file(job_id, owner), "r") as model_file:
        assert "model_config" in model_file.attrs and "model_weights" in model_file


@pytest.mark.keras
def test_a_nan_loss_fails_the_job_with_advice() -> None:
    manager, owner = shared_manager(), new_owner_token()
    config = TrainConfig(epochs=2, batch_size=64, train_size=1000, optimizer=Optimizer.SGD, learning_rate=1.0)
    job_id = manager.submit(owner, LINEAR_MLP, config)
    final = step_until_final(manager, owner, job_id)[-1]
    assert final.state == JobState.FAILED
    assert final.message == "loss became NaN in epoch 1 — lower the learning rate (it is 1; try 0.1)"
    assert manager.model_file(job_id, owner) is None
    assert manager.jobs(owner)[0].message == final.message  # persisted too


@pytest.mark.keras
def test_a_killed_worker_fails_only_its_own_job() -> None:
    manager, owner, other = shared_manager(), new_owner_token(), new_owner_token()
    doomed = manager.submit(owner, CONVNET, TrainConfig(epochs=3, train_size=20000))
    step_until(manager, owner, doomed, lambda snapshot: bool(snapshot.batch_points))
    waiting = manager.submit(other, CONVNET, SMALL)  # a waiting job makes the manager warm a spare
    (pid,) = manager.runner.busy_worker_pids()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(fields[16]) == os.getpriority(os.PRIO_PROCESS, 0) + 10  # training yields the CPU to pages
    assert Path(f"/proc/{pid}/oom_score_adj").read_text().strip() == "1000"  # short of memory: it dies first
    os.kill(pid, signal.SIGKILL)  # what the kernel's out-of-memory killer does
    final = step_until_final(manager, owner, doomed)[-1]
    assert final.state == JobState.FAILED and final.message.startswith(OUT_OF_MEMORY_MESSAGE)
    assert step_until_final(manager, other, waiting)[-1].state == JobState.FINISHED


@pytest.mark.keras
def test_finished_runs_are_read_back_by_a_new_manager() -> None:
    manager, run = shared_manager(), small_run()
    later = JobManager(store=RunStore(manager.store.root), runner=ScriptedRunner())
    try:
        assert later.recovered == 0  # the first manager is alive: its runs are not "interrupted"
        assert later.snapshot(run.job_id, run.owner) == run.seen[-1]
        saved = manager.model_file(run.job_id, run.owner).read_bytes()
        assert later.model_file(run.job_id, run.owner).read_bytes() == saved
        assert later.snapshot(run.job_id, new_owner_token()) is None
    finally:
        later.shutdown()
    assert manager.drain(timeout_s=60)  # the worker's last word ("done") read: it is free again
    assert manager.runner.busy_worker_pids() == []  # a finished job leaves no worker behind
    assert len(manager.runner.spare_worker_pids()) <= 1


@pytest.mark.keras
def test_a_worker_never_runs_the_page_streamlit_installed_as_main(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    marker, page = tmp_path / "page-ran.txt", tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').write('the page ran in the worker')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)  # what Streamlit's script runner leaves in sys.modules
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    runner = LocalProcessRunner(WorkerSettings())
    try:
        runner.prewarm(1)
        wait_until(lambda: runner.spares_ready() == 1, timeout_s=120)
    finally:
        runner.shutdown()
    assert not marker.exists()


# ---- queue, stop, owners, refusals: a scripted runner -----------------------------------------------------


def test_the_queue_is_fifo_with_positions_and_caps(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owners = [new_owner_token() for _ in range(5)]
    ids = [manager.submit(owner, CONVNET, SMALL) for owner in owners[:4]]
    manager.step()
    assert len(runner.tasks) == 2
    states = [manager.snapshot(job_id, owner) for job_id, owner in zip(ids, owners[:4], strict=True)]
    assert [(s.state, s.queue_position) for s in states] == [
        (JobState.RUNNING, None), (JobState.RUNNING, None), (JobState.QUEUED, 1), (JobState.QUEUED, 2)]
    assert runner.tasks[0].payload == {"spec": spec_to_dict(CONVNET), "config": config_to_dict(SMALL)}

    with pytest.raises(JobRefused, match="the cap is 1 waiting job per student so that everyone gets a turn"):
        manager.submit(owners[2], CONVNET, SMALL)
    manager.submit(owners[0], CONVNET, SMALL)  # owner 0 has a running job but none waiting
    manager.submit(owners[1], CONVNET, SMALL)
    with pytest.raises(JobRefused, match=r"the queue is full \(4 jobs waiting, the server's cap\)"):
        manager.submit(owners[4], CONVNET, SMALL)

    runner.send(runner.tasks[1], finished_event(), {"event": "done"})
    manager.step()
    assert len(runner.tasks) == 3
    assert manager.snapshot(ids[2], owners[2]).state == JobState.RUNNING  # first come, first served
    assert manager.snapshot(ids[3], owners[3]).queue_position == 1


def test_stopping_a_queued_job_and_a_running_one(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner, other, third = new_owner_token(), new_owner_token(), new_owner_token()
    running = manager.submit(owner, CONVNET, SMALL)
    manager.submit(other, CONVNET, SMALL)
    waiting = manager.submit(third, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 2

    assert manager.stop(waiting, third)
    stopped = manager.snapshot(waiting, third)
    assert (stopped.state, stopped.message) == (JobState.STOPPED, QUEUED_STOP_MESSAGE)
    assert not manager.stop(waiting, third)

    assert manager.stop(running, owner)
    assert manager.snapshot(running, owner).state == JobState.STOPPING
    manager.step()
    assert runner.tasks[0].stop_requested
    runner.send(runner.tasks[0], finished_event(stopped=True), {"event": "done"})
    manager.step()
    assert manager.snapshot(running, owner).state == JobState.STOPPED
    assert manager.model_file(running, owner, ModelFormat.KERAS).read_bytes() == b"keras bytes"
    assert len(runner.tasks) == 2  # the stopped queued job never started


def test_another_owner_can_neither_see_nor_stop_a_job(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, _ = scripted
    owner, stranger = new_owner_token(), new_owner_token()
    job_id = manager.submit(owner, CONVNET, SMALL)
    assert manager.snapshot(job_id, stranger) is None
    assert manager.jobs(stranger) == []
    assert not manager.stop(job_id, stranger)
    assert manager.result(job_id, stranger) is None and manager.model_file(job_id, stranger) is None
    for bad_id in ("../../etc/passwd", job_id.upper(), job_id + "/..", None, 42):
        assert manager.snapshot(bad_id, owner) is None and not manager.stop(bad_id, owner)
    assert manager.snapshot(job_id, "not a token") is None
    assert [snapshot.job_id for snapshot in manager.jobs(owner)] == [job_id]


@pytest.mark.parametrize(
    ("spec", "config", "message"),
    [
        ({"layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 40}]}, {}, "layer 1 (Conv2D)"),
        ({"layers": [{"type": "Flatten"}, {"type": "Dense", "units": 5, "activation": "softmax"}]}, {},
         "layer 2 (Dense): the last Dense has 5 units but MNIST has 10 digits"),
        ("not a spec", {}, ""),
        ({"layers": [{"type": "Flatten"}, {"type": "Dense", "units": 8192}, {"type": "Dense", "units": 10,
                                                                              "activation": "softmax"}]},
         {}, "this stack has 6,512,650 parameters; training here is capped at 5,000,000"),
        ({"layers": [{"type": "Conv2D", "filters": 512, "kernel_size": 3, "padding": "same"},
                     {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]},
         {"batch_size": 2048},  # 2 × 401,408 values per image × 2048 × 4 B × 3
         "training this stack with batches of 2048 needs about 18.4 GB of memory; the cap here is 2 GB"),
        (spec_to_dict(CONVNET), {"epochs": 500}, "epochs must be a whole number from 1 to 50"),
        (spec_to_dict(CONVNET), {"learning_rate": float("nan")}, "learning_rate must be a number above 0"),
    ],
)
def test_refused_jobs_say_why(scripted: tuple[JobManager, ScriptedRunner], spec: object, config: dict,
                              message: str) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    with pytest.raises(JobRefused) as refused:
        manager.submit(owner, spec, config)
    assert message in str(refused.value) and str(refused.value)
    assert manager.jobs(owner) == [] and runner.tasks == []


def test_a_job_needs_a_valid_owner(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, _ = scripted
    with pytest.raises(JobRefused, match="no valid owner token"):
        manager.submit("../../etc", CONVNET, SMALL)


def test_worker_failures_become_failed_jobs_and_the_manager_goes_on(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner, silent_owner = new_owner_token(), new_owner_token()
    told = manager.submit(owner, CONVNET, SMALL)
    silent = manager.submit(silent_owner, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 2
    runner.send(runner.tasks[0], {"event": "failed", "message": "training failed (ValueError: bad)"},
                {"event": "done"})
    runner.send(runner.tasks[1], {"event": "done"})
    manager.step()
    assert manager.snapshot(told, owner).state == JobState.FAILED
    assert manager.snapshot(told, owner).message == "training failed (ValueError: bad)"
    garbled = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 3
    runner.send(runner.tasks[2], {"event": "batch"})  # missing every field
    manager.step()
    assert manager.snapshot(garbled, owner).state == JobState.FAILED
    assert "could not record this run (KeyError)" in manager.snapshot(garbled, owner).message
    assert runner.tasks[2].killed
    later = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 4
    runner.send(runner.tasks[3], {"event": "started", "steps_per_epoch": 13},
                {"event": "batch", "epoch": 1, "step": 13, "loss": 0.5, "accuracy": 0.8, "elapsed_s": 1.0,
                 "samples_per_second": 800.0})
    manager.step()
    assert manager.snapshot(later, owner).batch_points == ((1.0, 0.5, 0.8),)
    assert manager.snapshot(silent, silent_owner).state == JobState.FAILED
    assert {snapshot.job_id for snapshot in manager.jobs(owner)} == {told, garbled, later}


def test_a_task_that_ends_without_a_result_fails(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 1
    runner.send(runner.tasks[0], {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.FAILED
    message = "the training process ended without a result; start it again"
    assert manager.snapshot(job_id, owner).message == message


def test_shutdown_records_cut_off_jobs_as_interrupted(tmp_path: Path) -> None:
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(tmp_path), runner=runner, limits=JobLimits(max_running=1))
    owner, other = new_owner_token(), new_owner_token()
    running, waiting = manager.submit(owner, CONVNET, SMALL), manager.submit(other, CONVNET, SMALL)
    manager.step()
    assert len(runner.tasks) == 1
    manager.shutdown()
    assert runner.tasks[0].killed is False  # the scripted runner's own shutdown ends its tasks
    with pytest.raises(JobRefused, match="shutting down"):
        manager.submit(owner, CONVNET, SMALL)
    after = JobManager(store=RunStore(tmp_path), runner=ScriptedRunner())
    try:
        for job_id, who in ((running, owner), (waiting, other)):
            snapshot = after.snapshot(job_id, who)
            assert (snapshot.state, snapshot.message) == (JobState.INTERRUPTED, SHUTDOWN_MESSAGE)
            assert snapshot.spec == spec_to_dict(CONVNET) and snapshot.config == SMALL  # enough to rerun
    finally:
        after.shutdown()


def test_a_job_whose_process_cannot_start_fails_and_the_next_one_runs(tmp_path: Path) -> None:
    class NoProcessAtFirst(ScriptedRunner):
        refused = False

        def start(self, kind: str, payload: dict) -> object:
            if not self.refused:
                self.refused = True
                raise OSError("Cannot allocate memory")
            return super().start(kind, payload)

    runner = NoProcessAtFirst()
    manager = JobManager(store=RunStore(tmp_path), runner=runner, limits=JobLimits(max_running=1))
    try:
        owner = new_owner_token()
        unlucky = manager.submit(owner, CONVNET, SMALL)
        manager.step()
        assert manager.snapshot(unlucky, owner).state == JobState.FAILED
        assert manager.snapshot(unlucky, owner).message == (
            "the server could not start a training process (OSError); try again in a minute")
        lucky = manager.submit(owner, CONVNET, SMALL)
        manager.step()
        assert manager.snapshot(lucky, owner).state == JobState.RUNNING
        assert len(runner.tasks) == 1
    finally:
        manager.shutdown()


# ---- no hidden thread: the test (or the Lab's driver) steps the manager ------------------------------------


class FinishingRunner(ScriptedRunner):
    """A scripted runner whose tasks report a finished run as soon as they start."""

    def start(self, kind: str, payload: dict) -> object:
        task = super().start(kind, payload)
        self.send(task, finished_event(), {"event": "done"})
        return task


def test_a_new_manager_starts_nothing_until_it_is_stepped(tmp_path: Path) -> None:
    threads = threading.active_count()
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(tmp_path), runner=runner, limits=JobLimits(max_running=1))
    try:
        job_id, owner = manager.submit(new_owner_token(), CONVNET, SMALL), None
        owner = manager.live_jobs()[0].owner
        assert threading.active_count() == threads and runner.tasks == []
        assert manager.snapshot(job_id, owner).state == JobState.QUEUED
        assert manager.step() is True  # one turn: the job starts
        assert len(runner.tasks) == 1 and manager.snapshot(job_id, owner).state == JobState.RUNNING
    finally:
        manager.shutdown()


def test_drain_runs_every_queued_job_to_its_end_and_returns(tmp_path: Path) -> None:
    manager = JobManager(store=RunStore(tmp_path), runner=FinishingRunner(), limits=JobLimits(max_running=1))
    try:
        owners = [new_owner_token() for _ in range(3)]
        ids = [manager.submit(owner, CONVNET, SMALL) for owner in owners]
        assert manager.drain(timeout_s=30) is True
        assert [manager.snapshot(job_id, owner).state for job_id, owner in zip(ids, owners, strict=True)] == [
            JobState.FINISHED] * 3
        assert manager.live_jobs() == [] and manager.step() is False
    finally:
        manager.shutdown()


def test_drain_gives_up_after_its_timeout(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    manager.submit(new_owner_token(), CONVNET, SMALL)  # its scripted task never ends
    assert manager.drain(timeout_s=0.2) is False
    assert len(runner.tasks) == 1 and len(manager.live_jobs()) == 1


def test_no_disk_write_or_process_start_happens_while_the_lock_is_held(tmp_path: Path) -> None:
    """Pages take the manager's lock to read snapshots: every write to the store and every call that starts,
    stops or warms a worker happens with the lock free."""
    runner = ScriptedRunner()
    store = RunStore(tmp_path)
    manager = JobManager(store=store, runner=runner, limits=JobLimits(max_running=1))
    held: list[str] = []

    def watched(owner: object, name: str) -> None:
        original = getattr(owner, name)

        def call(*args: object, **kwargs: object) -> object:
            if manager._lock.locked():
                held.append(name)
            return original(*args, **kwargs)

        setattr(owner, name, call)

    for name in ("create", "set_state", "save_metrics", "save_result", "save_model"):
        watched(store, name)
    for name in ("start", "prewarm"):
        watched(runner, name)
    owner, other = new_owner_token(), new_owner_token()
    first = manager.submit(owner, CONVNET, SMALL)
    waiting = manager.submit(other, CONVNET, SMALL)
    manager.step()
    assert manager.stop(waiting, other)  # stopped while queued
    runner.send(runner.tasks[0], {"event": "started", "steps_per_epoch": 13},
                {"event": "batch", "epoch": 1, "step": 13, "loss": 0.5, "accuracy": 0.8, "elapsed_s": 1.0,
                 "samples_per_second": 800.0},
                {"event": "epoch", "epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6,
                 "val_accuracy": 0.7, "seconds": 1.0, "samples_per_second": 800.0})
    manager.step()
    assert manager.stop(first, owner)  # stopped while training
    manager.step()
    runner.send(runner.tasks[0], finished_event(stopped=True), {"event": "done"})
    manager.step()
    failing = manager.submit(other, CONVNET, SMALL)
    manager.step()
    runner.send(runner.tasks[1], {"event": "failed", "message": "boom"}, {"event": "done"})
    manager.step()
    cut_off = manager.submit(other, CONVNET, SMALL)
    manager.step()
    manager.shutdown()
    states = [store.get(job_id, who).state for job_id, who in
              ((first, owner), (waiting, other), (failing, other), (cut_off, other))]
    assert states == [JobState.STOPPED, JobState.STOPPED, JobState.FAILED, JobState.INTERRUPTED]
    assert held == []
