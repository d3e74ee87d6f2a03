"""Shared setup for the training-engine tests: one warm job manager per test process, a scripted runner for
queue logic without TensorFlow, small training settings and polling helpers."""

from __future__ import annotations

import atexit
import contextlib
import functools
import queue
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.events import Event
from cnnlab.engine.jobs import JobLimits, JobManager, JobSnapshot
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore

SMALL = TrainConfig(epochs=2, batch_size=64, train_size=1000, validation_split=0.2)  # 13 steps per epoch
LINEAR_MLP = {  # nothing non-linear to tame it: with sgd at learning rate 1 its loss overflows to NaN
    "name": "linear",
    "input_shape": [28, 28, 1],
    "layers": [
        {"type": "Flatten"},
        {"type": "Dense", "units": 64},
        {"type": "Dense", "units": 64},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}


@functools.cache
def shared_manager() -> JobManager:
    """A real job manager (worker processes, TensorFlow) over a private runs directory, shared by the engine
    tests of this process so that workers stay warm; shut down when the process exits."""
    root = Path(tempfile.mkdtemp(prefix="cnnlab-engine-tests-"))
    manager = JobManager(store=RunStore(root), limits=JobLimits(max_running=1))
    atexit.register(shutil.rmtree, root, True)
    atexit.register(manager.shutdown)  # runs first (last in, first out)
    return manager


@dataclass(frozen=True)
class SmallRun:
    """A small convnet trained by `shared_manager()`, with every snapshot polled while it ran."""

    owner: str
    job_id: str
    seen: tuple[JobSnapshot, ...]


@functools.cache
def small_run() -> SmallRun:
    """Train the reference convnet with `SMALL` settings once per test process (several tests read it)."""
    manager, owner = shared_manager(), new_owner_token()
    job_id = manager.submit(owner, preset_spec("convnet"), SMALL, name="  my   first\nnet ")
    return SmallRun(owner, job_id, tuple(wait_final(manager, owner, job_id)))


def wait_for(manager: JobManager, owner: str, job_id: str, done: Callable[[JobSnapshot], bool],
             timeout_s: float = 180, every_s: float = 0.05) -> list[JobSnapshot]:
    """Poll the job until `done(snapshot)`; returns every snapshot seen (the last one satisfies `done`)."""
    deadline = time.monotonic() + timeout_s
    seen: list[JobSnapshot] = []
    while True:
        snapshot = manager.snapshot(job_id, owner)
        assert snapshot is not None, f"job {job_id} vanished"
        seen.append(snapshot)
        if done(snapshot):
            return seen
        assert time.monotonic() < deadline, f"job {job_id} still {snapshot.state}: {snapshot.message}"
        time.sleep(every_s)


def wait_final(manager: JobManager, owner: str, job_id: str, timeout_s: float = 180) -> list[JobSnapshot]:
    """Poll until the job has finished, stopped or failed."""
    return wait_for(manager, owner, job_id, lambda snapshot: snapshot.state.is_final, timeout_s)


class ScriptedTask:
    """A task whose events the test sends by hand."""

    def __init__(self, payload: dict) -> None:
        self.payload = payload
        self.inbox: queue.SimpleQueue[dict] = queue.SimpleQueue()
        self.stop_requested = False
        self.killed = False

    def events(self) -> list[Event]:
        received = []
        while not self.inbox.empty():
            received.append(self.inbox.get())
        return received

    def request_stop(self) -> None:
        self.stop_requested = True

    def kill(self) -> None:
        self.killed = True


class ScriptedRunner:
    """A `Runner` without processes or TensorFlow: tasks do only what the test scripts."""

    def __init__(self) -> None:
        self.tasks: list[ScriptedTask] = []
        self._news: queue.SimpleQueue[None] = queue.SimpleQueue()

    def start(self, kind: str, payload: dict) -> ScriptedTask:
        assert kind == "train"
        self.tasks.append(ScriptedTask(payload))
        return self.tasks[-1]

    def wait(self, handles: Sequence[ScriptedTask], timeout: float) -> None:
        with contextlib.suppress(queue.Empty):
            self._news.get(timeout=min(timeout, 0.05))

    def wake(self) -> None:
        self._news.put(None)

    def prewarm(self, spares: int) -> None:
        """Nothing to keep warm."""

    def shutdown(self) -> None:
        self.wake()

    def send(self, task: ScriptedTask, *events: dict) -> None:
        """Deliver events as if the task's worker had sent them."""
        for event in events:
            task.inbox.put(event)
        self.wake()


def finished_event(stopped: bool = False, accuracy: float = 0.9) -> dict:
    """A worker's "finished" event with placeholder model bytes."""
    predicted = np.arange(10000, dtype=np.uint8) % 10
    return {"event": "finished", "stopped": stopped, "test_loss": 0.3, "test_accuracy": accuracy,
            "confusion": [[1000 * (row == col) for col in range(10)] for row in range(10)],
            "predicted": predicted, "confidence": np.full(10000, 0.75, np.float32), "seconds": 2.0,
            "samples_per_second": 500.0, "h5": b"h5 bytes", "keras": b"keras bytes"}


def wait_until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    """Poll `condition` until true (for the scripted manager thread)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)
