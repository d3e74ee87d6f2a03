"""Finishing the test of a run stopped while testing: a test task in a worker (never the web server) scores
the other test images, the two results merge into a whole score, and the run ranks; a stop, a failure or a
restart while it runs leaves the run as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobKind, JobLimits, JobManager, JobState, Stopper
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.scores import is_whole
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import SMALL, ScriptedRunner, finished_event

CONVNET = preset_spec("convnet")


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    runner = ScriptedRunner()
    manager = JobManager(RunStore(tmp_path / "runs"), runner, JobLimits(max_running=1))
    yield manager, runner
    manager.shutdown()


def _stopped_while_testing(manager: JobManager, runner: ScriptedRunner, owner: str, by: Stopper) -> str:
    """A run its owner (or the teacher) stopped while testing: scored on the first 1,928 test images."""
    job_id = manager.submit(owner, CONVNET, SMALL)
    manager.step()
    manager.stop(job_id, owner, by=by)
    manager.step()
    partial = finished_event(stopped=True, accuracy=0.997, tested=1928)
    partial["confidence"] = np.full(1928, 0.9, np.float32)
    runner.send(runner.tasks[-1], partial, {"event": "done"})
    manager.step()
    return job_id


def _tested(start: int, count: int, right: int) -> dict:
    """A test task's result for `count` images from `start`, `right` of them read correctly."""
    labels = np.arange(start, start + count) % 10
    predicted = labels.copy()
    predicted[right:] = (predicted[right:] + 1) % 10
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (labels, predicted), 1)
    return {"event": "tested", "start": start, "stopped": start + count < 10_000, "test_loss": 0.05,
            "test_accuracy": right / count, "confusion": confusion.tolist(),
            "predicted": predicted.astype(np.uint8), "confidence": np.full(count, 0.8, np.float32)}


def test_finishing_the_test_merges_the_scores_into_a_whole_one(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    job_id = _stopped_while_testing(manager, runner, ada, Stopper.TEACHER)
    stopped = manager.snapshot(job_id, ada)
    assert stopped.tested_images == 1928
    assert stopped.message == ("your teacher stopped this run; the model trained so far was tested on 1,928 "
                               "of the 10,000 test images and saved")
    assert manager.finish_testing(job_id, ada)
    assert not manager.finish_testing(job_id, ada)  # already queued
    queued = manager.snapshot(job_id, ada)
    assert (queued.state, queued.kind, queued.queue_position) == (JobState.QUEUED, JobKind.TEST, 1)
    manager.step()
    task = runner.tasks[-1]
    assert task.kind == "test" and task.payload["start"] == 1928
    assert task.payload["model"] == b"h5 bytes" and task.payload["spec"]["layers"] == stopped.spec["layers"]

    runner.send(task, {"event": "testing"}, {"event": "scored", "images": 6000})
    manager.step()
    testing = manager.snapshot(job_id, ada)
    assert (testing.state, testing.tested_images) == (JobState.RUNNING, 6000)
    assert testing.message == "testing the model on the other 8,072 test images"

    runner.send(task, _tested(1928, 8072, right=7900), {"event": "done"})
    manager.step()
    whole = manager.snapshot(job_id, ada)
    assert whole.state == JobState.STOPPED and whole.tested_images == 10_000
    assert whole.test_accuracy == pytest.approx((0.997 * 1928 + 7900) / 10_000)
    assert whole.message == ("your teacher stopped this run; the model trained so far was tested on all "
                             "10,000 test images and saved")
    assert whole.elapsed_s == stopped.elapsed_s  # its training time is still its training time
    result = manager.result(job_id, ada)
    assert len(result.predicted) == len(result.confidence) == 10_000
    assert sum(map(sum, result.confusion)) == 10_000 - 8  # 1,920 on the diagonal of the first part
    record = manager.store.get(job_id, ada)
    assert is_whole(record.tested_images, record.config) and record.stopped_by == Stopper.TEACHER
    assert not manager.finish_testing(job_id, ada)  # whole now


def test_a_stop_while_finishing_keeps_what_was_scored(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    job_id = _stopped_while_testing(manager, runner, ada, Stopper.STUDENT)
    manager.finish_testing(job_id, ada)
    manager.step()
    assert manager.stop(job_id, ada)
    stopping = manager.snapshot(job_id, ada).message
    assert stopping == "stopping its test; the test images scored so far are kept"
    manager.step()
    assert runner.tasks[-1].stop_requested
    runner.send(runner.tasks[-1], _tested(1928, 1000, right=990), {"event": "done"})
    manager.step()
    again = manager.snapshot(job_id, ada)
    assert (again.state, again.tested_images) == (JobState.STOPPED, 2928)
    assert again.message == ("stopped early; the model trained so far was tested on 2,928 of the 10,000 test "
                             "images and saved")
    assert manager.finish_testing(job_id, ada)  # it can go on later


def test_a_failed_or_cut_off_test_leaves_the_run_as_it_was(tmp_path: Path) -> None:
    runner = ScriptedRunner()
    manager = JobManager(RunStore(tmp_path / "runs"), runner, JobLimits(max_running=1))
    ada = new_owner_token()
    job_id = _stopped_while_testing(manager, runner, ada, Stopper.STUDENT)
    manager.finish_testing(job_id, ada)
    manager.step()
    runner.send(runner.tasks[-1], {"event": "failed", "message": "the model file could not be read"},
                {"event": "done"})
    manager.step()
    failed = manager.snapshot(job_id, ada)
    assert (failed.state, failed.tested_images, failed.test_accuracy) == (JobState.STOPPED, 1928, 0.997)
    assert failed.message.endswith("; finishing its test failed: the model file could not be read")

    manager.finish_testing(job_id, ada)
    manager.step()
    manager.shutdown()  # the server stops while the test runs
    cut_off = RunStore(tmp_path / "runs").get(job_id, ada)
    assert (cut_off.state, cut_off.tested_images) == (JobState.STOPPED, 1928)


def test_only_an_ended_partial_run_of_the_owner_can_finish_its_test(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada, stranger = new_owner_token(), new_owner_token()
    whole = manager.submit(ada, CONVNET, SMALL)
    manager.step()
    assert not manager.finish_testing(whole, ada)  # training
    runner.send(runner.tasks[-1], finished_event(), {"event": "done"})
    manager.step()
    assert not manager.finish_testing(whole, ada)  # scored on all 10,000 already
    partial = _stopped_while_testing(manager, runner, ada, Stopper.STUDENT)
    assert not manager.finish_testing(partial, stranger)
    (manager.store.root / partial / "model.h5").unlink()
    assert not manager.finish_testing(partial, ada)  # no model to test
