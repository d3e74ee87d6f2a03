"""Tasks on a Ray cluster (a school's lab PCs) behind the same `Runner` interface as local worker processes.

Each task runs in its own Ray actor, one per job, asking Ray for `cpus_per_job` CPUs, so Ray places it on a
computer with room. Inside the actor the task runs exactly as in a local worker: `worker.warm_up` (priority,
TensorFlow's threads, one rehearsal), then `worker.run_task` (the trainer, failures as messages, "done"
last). Events travel back through Ray: the server keeps one `next_events` call outstanding per task, which the
actor answers as soon as it has news (or after `_POLL_S`). The "finished" event carries the model files as
bytes, so the server's own `RunStore` writes them; no filesystem is shared. MNIST is read on the lab PC from
its installed copy of the project (`engine.data`). A stop request is one more actor call, served while `run`
trains (a threaded actor), and reaches the trainer's per-batch check.

When an actor's process or its computer dies, Ray fails the outstanding call: the task ends with
`LEFT_CLUSTER_MESSAGE`. When the server dies, Ray ends the actors it owns, and the restarted server marks the
runs interrupted from its store, as for local jobs. This module imports `ray`; `runner_choice` imports it only
when a Ray address is configured.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import queue
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import ray
from ray.exceptions import RayActorError, RayError

from cnnlab.engine.events import Event, failed
from cnnlab.engine.worker import WorkerSettings, run_task, warm_up

LEFT_CLUSTER_MESSAGE = "the computer training this job left the cluster — run it again"
NOT_STARTED_MESSAGE = (
    "the computer picked for this job could not start training ({detail}); ask the teacher to check that CNN "
    "Lab and its requirements are installed on every lab PC"
)
CONNECT_TIMEOUT_S = 30.0  # `ray.init` retries an unreachable cluster for minutes; the server must not wait
_POLL_S = 0.5  # the longest an actor holds one `next_events` call when it has no news
_SLICE_S = 0.05  # `wait` checks for a wake-up this often while Ray has no news
_PROBE_TIMEOUT_S = 5.0  # how long the cluster's address may take to accept a connection


class RayUnavailable(Exception):
    """The Ray cluster at the configured address cannot be reached; `str(error)` says why."""


@dataclass(frozen=True)
class NodeInfo:
    """Where a task runs: Ray's node id, the computer's address and name, the worker's process id."""

    node_id: str
    ip: str
    hostname: str
    pid: int

    def to_json(self) -> dict:
        """The fields as a JSON object (for `--json` and benchmarks)."""
        return asdict(self)


class TrainingActor:
    """Inside a Ray worker process: warm up like a local worker, run one task, hand out its events."""

    def __init__(self, settings: WorkerSettings) -> None:
        warm_up(settings)
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._stop = threading.Event()

    def run(self, kind: str, payload: dict) -> None:
        """Run the task to its end ("done"); events wait in a queue for `next_events`."""
        run_task(kind, payload, self._events.put, self._stop.is_set)

    def next_events(self, wait_s: float) -> list[Event]:
        """The events since the last call, waiting up to `wait_s` seconds for the first one."""
        try:
            received = [self._events.get(timeout=wait_s)]
        except queue.Empty:
            return []
        while not self._events.empty():
            received.append(self._events.get())
        return received

    def stop(self) -> None:
        """Ask the running task to stop at its next batch boundary."""
        self._stop.set()

    def where(self) -> NodeInfo:
        """The node, computer and process this actor runs in."""
        context = ray.get_runtime_context()
        return NodeInfo(context.get_node_id(), ray.util.get_node_ip_address(), platform.node(), os.getpid())


_RemoteActor = ray.remote(max_concurrency=4, max_restarts=0)(TrainingActor)  # run + polls + stop at once


class RayTask:
    """One task in its own actor (see `TaskHandle`)."""

    def __init__(self, actor: ray.actor.ActorHandle, kind: str, payload: dict) -> None:
        self.actor = actor
        self.finished = False
        self._run = actor.run.remote(kind, payload)  # its result is None: the events are the news
        self._where = actor.where.remote()
        self.pending = actor.next_events.remote(_POLL_S)  # the outstanding call `RayRunner.wait` watches

    def events(self) -> list[Event]:
        """Events that arrived since the last call, without blocking; a lost actor ends with failed + done."""
        if self.finished or not ray.wait([self.pending], timeout=0)[0]:
            return []
        try:
            received = ray.get(self.pending)
        except RayError as error:
            self.kill()
            return [failed(_lost_message(error)), {"event": "done"}]
        if received and received[-1]["event"] == "done":
            self.kill()  # one task per actor: its process and TensorFlow's memory go back to the lab PC
            return received
        self.pending = self.actor.next_events.remote(_POLL_S)
        return received

    def node(self, timeout_s: float = 10.0) -> NodeInfo | None:
        """Where the task runs (or ran), or None if its actor never answered."""
        try:
            return ray.get(self._where, timeout=timeout_s)
        except RayError:
            return None

    def request_stop(self) -> None:
        """Ask the actor to stop the task at its next batch and keep what it has."""
        if not self.finished:
            self.actor.stop.remote()

    def kill(self) -> None:
        """End the actor now; no further events."""
        self.finished = True
        ray.kill(self.actor, no_restart=True)


def _lost_message(error: BaseException) -> str:
    """What a student reads when the actor is gone: it never started, or its process or computer vanished."""
    if isinstance(error, RayActorError) and error.actor_init_failed:
        lines = str(error).strip().splitlines()
        return NOT_STARTED_MESSAGE.format(detail=lines[-1][:200] if lines else type(error).__name__)
    return LEFT_CLUSTER_MESSAGE


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> bool:
    """Join the Ray cluster at `address` ("auto", "HOST:6379" or "ray://HOST:10001") as its driver; False if
    this process had already joined one (then that connection is used).

    Raises `RayUnavailable` if it cannot be reached within `timeout_s` seconds (`ray.init` alone would retry
    an unreachable address for minutes, so it runs in a thread we stop waiting for).
    """
    if ray.is_initialized():
        return False
    _probe(address)
    outcome: list[BaseException | None] = []
    deadline = time.monotonic() + timeout_s

    def join() -> None:
        while True:
            try:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
                outcome.append(None)
                return
            except ConnectionAbortedError as error:  # a busy Ray Client server could not start us yet
                if "Initialization failure" not in str(error) or time.monotonic() > deadline - 2:
                    outcome.append(error)
                    return
                with contextlib.suppress(Exception):
                    ray.shutdown()
                time.sleep(1)
            except Exception as error:  # ConnectionError, ValueError (bad address), RuntimeError...
                outcome.append(error)
                return

    thread = threading.Thread(target=join, daemon=True, name="cnnlab-ray-connect")
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        raise RayUnavailable(f"no Ray cluster answered at {address} within {timeout_s:.0f} s")
    if outcome[0] is not None:
        lines = str(outcome[0]).strip().splitlines()
        detail = lines[0][:200] if lines else type(outcome[0]).__name__
        raise RayUnavailable(f"no Ray cluster at {address} ({detail})")
    return True


def _probe(address: str) -> None:
    """For "HOST:PORT" and "ray://HOST:PORT", fail at once (`RayUnavailable`) if nothing listens there."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto": Ray finds the cluster started on this machine, or says there is none
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=_PROBE_TIMEOUT_S).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RayUnavailable(f"nothing answers at {address} ({reason})") from None


class RayRunner:
    """Runs each task in a fresh Ray actor with `cpus_per_job` CPUs; keeps warm spares (see `Runner`)."""

    def __init__(self, address: str, cpus_per_job: int, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        """Connect to the cluster (`RayUnavailable` if it cannot be reached within `connect_timeout_s`); no
        actor starts yet.

        A job never asks for more CPUs than the biggest computer has, or it would wait forever.
        """
        self._connected = connect(address, connect_timeout_s)  # else someone else's, which `shutdown` keeps
        self.address = address
        largest = max((node_cpus for node_cpus in _alive_node_cpus()), default=1)
        self.cpus_per_job = max(1, min(cpus_per_job, largest))
        self.settings = WorkerSettings(intra_op_threads=self.cpus_per_job, inter_op_threads=self.cpus_per_job)
        self._spares: list[ray.actor.ActorHandle] = []
        self._tasks: list[RayTask] = []
        self._woken = threading.Event()

    def capacity(self) -> int:
        """How many jobs the cluster's live computers train at once (at least 1)."""
        return max(1, sum(node_cpus // self.cpus_per_job for node_cpus in _alive_node_cpus()))

    def _new_actor(self) -> ray.actor.ActorHandle:
        """Ask Ray for one more actor; it warms up on whichever computer has `cpus_per_job` CPUs free."""
        return _RemoteActor.options(num_cpus=self.cpus_per_job).remote(self.settings)

    def start(self, kind: str, payload: dict) -> RayTask:
        """Hand the task to a spare (or a new) actor; it starts as soon as that actor is warm."""
        actor = self._spares.pop(0) if self._spares else self._new_actor()
        task = RayTask(actor, kind, payload)
        self._tasks = [known for known in self._tasks if not known.finished] + [task]
        return task

    def wait(self, handles: Sequence[RayTask], timeout: float) -> None:
        """Block until a task has news, `wake()` is called, or `timeout` seconds pass (see `Runner.wait`)."""
        pending = [handle.pending for handle in handles if not handle.finished]
        deadline = time.monotonic() + timeout
        while not self._woken.is_set() and (left := deadline - time.monotonic()) > 0:
            if not pending:
                self._woken.wait(left)
            elif ray.wait(pending, num_returns=1, timeout=min(_SLICE_S, left))[0]:
                break
        self._woken.clear()

    def wake(self) -> None:
        """Interrupt `wait` from any thread."""
        self._woken.set()

    def prewarm(self, spares: int) -> None:
        """Create actors until `spares` idle ones exist (each imports TensorFlow on its lab PC)."""
        while len(self._spares) < spares:
            self._spares.append(self._new_actor())

    def spares_ready(self) -> int:
        """How many spare actors have finished warming up (benchmarks wait for this before timing)."""
        if not self._spares:
            return 0
        probes = [actor.where.remote() for actor in self._spares]
        return len(ray.wait(probes, num_returns=len(probes), timeout=0.5)[0])

    def busy_worker_pids(self) -> list[int]:
        """Process ids of the actors running a task, on whichever computer (for tests and benchmarks)."""
        nodes = [task.node() for task in self._tasks if not task.finished]
        return [node.pid for node in nodes if node is not None]

    def shutdown(self) -> None:
        """End every actor, idle or busy, and leave the cluster if this runner joined it."""
        for actor in self._spares + [task.actor for task in self._tasks if not task.finished]:
            ray.kill(actor, no_restart=True)
        self._spares, self._tasks = [], []
        if self._connected:
            ray.shutdown()


def _alive_node_cpus() -> list[int]:
    """Whole CPUs of every live computer in the cluster."""
    return [int(node["Resources"].get("CPU", 0)) for node in ray.nodes() if node.get("Alive")]
