"""A worker process takes task after task (no new interpreter, TensorFlow import or rehearsal per job), trains
each exactly as a fresh worker would, and exits after `max_tasks`."""

from __future__ import annotations

import time

import pytest

from cnnlab.core.hyper import config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.runner import LocalProcessRunner, LocalTask
from cnnlab.engine.worker import WorkerSettings
from cnnlab.testing.engine import SMALL

pytestmark = pytest.mark.keras

PAYLOAD = {"spec": spec_to_dict(preset_spec("convnet")), "config": config_to_dict(SMALL)}


def _run(runner: LocalProcessRunner) -> tuple[int, list[dict]]:
    """Start one small training task and collect its events: (worker pid, events)."""
    task: LocalTask = runner.start("train", PAYLOAD)
    pid, events = task.worker.pid, []
    deadline = time.monotonic() + 240
    while not events or events[-1]["event"] != "done":
        assert time.monotonic() < deadline, events[-3:]
        runner.wait([task], 1.0)
        events += task.events()
        runner.prewarm(1)  # as the job manager does on every turn: a busy worker that returns counts
    return pid, events


def _outcome(events: list[dict]) -> tuple:
    [finished] = [event for event in events if event["event"] == "finished"]
    return finished["test_loss"], finished["test_accuracy"], finished["confusion"]


def test_one_worker_trains_two_jobs_alike_then_gives_way() -> None:
    runner = LocalProcessRunner(WorkerSettings(max_tasks=2))
    try:
        first_pid, first = _run(runner)
        assert first[-1] == {"event": "done", "reusable": True}
        assert runner.spare_worker_pids() == [first_pid]  # back in the pool, warm
        second_pid, second = _run(runner)
        assert second_pid == first_pid
        assert second[-1] == {"event": "done"}  # its second task: the last one
        assert _outcome(second) == _outcome(first)  # same seed, same run, even in a used worker
        [spare] = runner.spare_worker_pids()  # warmed up meanwhile: the used worker could not return
        assert spare != first_pid
        third_pid, third = _run(runner)
        assert third_pid == spare and _outcome(third) == _outcome(first)
    finally:
        runner.shutdown()
