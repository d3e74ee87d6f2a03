"""Shared setup for the training-engine tests and the benchmarks: one real job manager per test process (its
worker stays warm), a scripted runner for queue logic without TensorFlow, small training settings, and
stepping a manager until a job gets where a test wants it."""

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
from typing import TYPE_CHECKING

import numpy as np

from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.events import Event
from cnnlab.engine.jobs import STEP_WAIT_S, JobLimits, JobManager, JobSnapshot
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.runner import LocalProcessRunner
from cnnlab.lab import Lab, Settings
from cnnlab.testing.polling import wait_until

if TYPE_CHECKING:
    from cnnlab.engine.ray_runner import RayRunner  # imports ray, which is optional

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
WARM_UP_TIMEOUT_S = 300  # a worker importing TensorFlow on a busy 2-core machine


@functools.cache
def shared_manager() -> JobManager:
    """A real job manager (worker processes, TensorFlow) over a private runs directory, shared by the engine
    tests of this process so that its worker stays warm; the tests step it (`step_until`). Shut down when
    the process exits."""
    root = Path(tempfile.mkdtemp(prefix="cnnlab-engine-tests-"))
    lab = Lab(Settings(runs_dir=root), limits=JobLimits(max_running=1))
    atexit.register(shutil.rmtree, root, True)
    atexit.register(lab.close)  # runs first (last in, first out)
    return lab.jobs


@dataclass(frozen=True)
class SmallRun:
    """A small convnet trained by `shared_manager()`, with the snapshot after every step it took."""

    owner: str
    job_id: str
    seen: tuple[JobSnapshot, ...]


@functools.cache
def small_run() -> SmallRun:
    """Train the reference convnet with `SMALL` settings once per test process (several tests read it)."""
    manager, owner = shared_manager(), new_owner_token()
    job_id = manager.submit(owner, preset_spec("convnet"), SMALL, name="  my   first\nnet ")
    return SmallRun(owner, job_id, tuple(step_until_final(manager, owner, job_id)))


def step_until(manager: JobManager, owner: str, job_id: str, done: Callable[[JobSnapshot], bool],
               timeout_s: float = 180) -> list[JobSnapshot]:
    """Step the manager (each step waits for the workers' next news) until `done(snapshot)`; returns the
    snapshot after every step (the last one satisfies `done`)."""
    deadline = time.monotonic() + timeout_s
    seen: list[JobSnapshot] = []
    while True:
        snapshot = manager.snapshot(job_id, owner)
        assert snapshot is not None, f"job {job_id} vanished"
        seen.append(snapshot)
        if done(snapshot):
            return seen
        assert time.monotonic() < deadline, f"job {job_id} still {snapshot.state}: {snapshot.message}"
        manager.step(STEP_WAIT_S)


def step_until_final(manager: JobManager, owner: str, job_id: str,
                     timeout_s: float = 180) -> list[JobSnapshot]:
    """Step the manager until the job has finished, stopped or failed."""
    return step_until(manager, owner, job_id, lambda snapshot: snapshot.state.is_final, timeout_s)


def wait_warm(runner: LocalProcessRunner | RayRunner) -> None:
    """Block until the runner has an idle worker with TensorFlow imported and warmed up (a started manager,
    or a `prewarm` call, asks for one)."""
    wait_until(lambda: runner.spares_ready() >= 1, WARM_UP_TIMEOUT_S, "a warm worker", every_s=0.1)


class ScriptedTask:
    """A task whose events the test sends by hand."""

    def __init__(self, kind: str, payload: dict) -> None:
        self.kind = kind  # "train" or "test"
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
        assert kind in ("train", "test")
        self.tasks.append(ScriptedTask(kind, payload))
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


def finished_event(stopped: bool = False, accuracy: float = 0.9, tested: int = 10_000,
                   dataset: Dataset = Dataset.MNIST) -> dict:
    """A worker's "finished" event with placeholder model bytes, for a run on `dataset`, scored on the first
    `tested` test images (all of them unless the run was stopped while testing)."""
    predicted = np.arange(tested, dtype=np.uint8) % 10
    return {"event": "finished", "stopped": stopped, "test_loss": 0.3, "test_accuracy": accuracy,
            "confusion": [[tested // 10 * (row == col) for col in range(10)] for row in range(10)],
            "classes": list(dataset.class_names),
            "predicted": predicted, "confidence": np.full(tested, 0.75, np.float32), "seconds": 2.0,
            "samples_per_second": 500.0, "steady_seconds": 0.5, "steady_images": 1500, "steady_steps": 23,
            "h5": b"h5 bytes", "keras": b"keras bytes"}
