"""Where tasks run, behind a small interface: start a task, read its events, ask it to stop.

`Runner` is what the job manager talks to. `LocalProcessRunner` runs tasks in worker processes (`worker` in
a fresh interpreter started by `processes.ChildProcess`, not multiprocessing's spawn, which would first re-run
the Streamlit page installed as `__main__`), each taking task after task (up to `WorkerSettings.max_tasks`),
and keeps a warm spare with TensorFlow already imported, so a task starts in well under a second.
`ray_runner.RayRunner` implements the same two protocols on a Ray cluster (`runner_choice` picks one); events
are plain dicts (see `cnnlab.engine.events`), ending with {"event": "done"}.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import wait
from typing import Protocol

from cnnlab.engine.events import OUT_OF_MEMORY_MESSAGE, Event, failed
from cnnlab.engine.processes import ChildProcess, exit_cause
from cnnlab.engine.worker import WorkerSettings

TRAINING_WORKER_TARGET = "cnnlab.engine.worker:worker_main"  # "module:function" a worker process runs


class TaskHandle(Protocol):
    """One running task as its runner exposes it."""

    def events(self) -> list[Event]:
        """Events since the last call, without blocking; a task whose process died ends with failed + done."""
        ...

    def request_stop(self) -> None:
        """Ask the task to stop at its next batch boundary and keep what it has."""
        ...

    def kill(self) -> None:
        """End the task now (server shutdown); no further events."""
        ...


class Runner(Protocol):
    """Starts tasks and lets one thread wait for any of them to report."""

    def start(self, kind: str, payload: dict) -> TaskHandle:
        """Begin a task of `kind` (e.g. "train") without blocking."""
        ...

    def wait(self, handles: Sequence[TaskHandle], timeout: float) -> None:
        """Block until one of `handles` has events, `wake()` is called, or `timeout` seconds pass."""
        ...

    def wake(self) -> None:
        """Make a current or next `wait` return at once (another thread has news, e.g. a stop request)."""
        ...

    def prewarm(self, spares: int) -> None:
        """Keep `spares` idle workers ready for the next tasks (never stops one that exists)."""
        ...

    def shutdown(self) -> None:
        """Stop every worker, idle or busy."""
        ...


def crash_message(exitcode: int | None) -> str:
    """Why a worker process ended without finishing its task, for a student to read.

    A SIGKILL is almost always the kernel's out-of-memory killer.
    """
    if exitcode == -signal.SIGKILL:
        return OUT_OF_MEMORY_MESSAGE + " (the system ended it)"
    return (
        f"the training process stopped unexpectedly ({exit_cause(exitcode)}); other jobs are not affected — "
        "start it again, and if it happens again use a smaller network or batch size"
    )


class LocalTask:
    """A task running in one local worker process."""

    def __init__(self, worker: ChildProcess, recycle: Callable[[ChildProcess], None]) -> None:
        """`recycle` takes the worker back once the task is over and the worker says it can take another."""
        self.worker = worker
        self.recycle = recycle
        self.finished = False

    def events(self) -> list[Event]:
        """Events that arrived since the last call (see `TaskHandle.events`)."""
        received: list[dict] = []
        if self.finished:
            return received
        alive = self.worker.is_alive()  # checked first: a dead worker's last words are in the pipe
        try:
            while self.worker.conn.poll():
                event = self.worker.conn.recv()
                if event.get("event") != "ready":
                    received.append(event)
                if event.get("event") == "done":
                    self._retire(reusable=bool(event.get("reusable")))
                    return received
        except (EOFError, OSError):
            pass
        if not alive:
            self.worker.join()
            received += [failed(crash_message(self.worker.exitcode)), {"event": "done"}]
            self._retire()
        return received

    def _retire(self, reusable: bool = False) -> None:
        """The task is over: hand a reusable worker back to the runner, else reap its process (which exits by
        itself right after "done")."""
        self.finished = True
        if reusable and self.worker.is_alive():
            self.recycle(self.worker)
        else:
            self.worker.end(grace_s=1.0)

    def request_stop(self) -> None:
        """Send the stop request down the pipe (see `TaskHandle.request_stop`)."""
        if not self.finished:
            with contextlib.suppress(OSError):  # already gone: `events` reports how it ended
                self.worker.conn.send({"op": "stop"})

    def kill(self) -> None:
        """End the worker process now."""
        self.finished = True
        self.worker.end()


class LocalProcessRunner:
    """Runs tasks in spawned worker processes, each reused for up to `max_tasks` tasks; keeps warm spares
    (see `Runner`)."""

    def __init__(self, settings: WorkerSettings | None = None) -> None:
        """Prepare the runner; no process starts until `prewarm` or `start`."""
        self.settings = settings or WorkerSettings()
        self._spares: list[ChildProcess] = []
        self._tasks: list[LocalTask] = []
        self._tasks_given: dict[int, int] = {}  # worker pid → tasks handed to it so far
        self._wake_reader, self._wake_writer = os.pipe()
        os.set_blocking(self._wake_reader, False)
        os.set_blocking(self._wake_writer, False)

    def start(self, kind: str, payload: dict) -> LocalTask:
        """Hand the task to a spare (or a new) worker; it starts as soon as that worker is warm."""
        self._spares = [spare for spare in self._spares if spare.is_alive()]
        worker = self._spares.pop(0) if self._spares else _start_worker(self.settings)
        self._tasks_given[worker.pid] = self._tasks_given.get(worker.pid, 0) + 1
        task = LocalTask(worker, self._recycle)
        with contextlib.suppress(OSError):  # the worker died before taking the task: `events` reports it
            worker.conn.send({"op": "task", "kind": kind, "payload": payload})
        self._tasks = [known for known in self._tasks if not known.finished] + [task]
        return task

    def _recycle(self, worker: ChildProcess) -> None:
        """Take back a worker whose task is over and which takes another: it is a warm spare again."""
        self._spares.append(worker)

    def wait(self, handles: Sequence[LocalTask], timeout: float) -> None:
        """Block until a task has news or `wake()` is called (see `Runner.wait`)."""
        watched: list[object] = [self._wake_reader]
        for handle in handles:
            if not handle.finished:
                watched.append(handle.worker.conn)  # reads as end-of-file the moment the worker dies
        if self._wake_reader in wait(watched, timeout):
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_reader, 4096):
                    pass

    def wake(self) -> None:
        """Interrupt `wait` from any thread (one byte into a pipe: atomic, never blocks)."""
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_writer, b"!")

    def prewarm(self, spares: int) -> None:
        """Start workers until `spares` idle ones exist (each imports TensorFlow in its own process), counting
        a busy worker that will take another task as one: it is idle again the moment its task ends, and a
        spare warming up beside a training job would only take CPU from it."""
        self._spares = [spare for spare in self._spares if spare.is_alive()]
        busy = [task.worker for task in self._tasks if not task.finished]
        self._tasks_given = {worker.pid: self._tasks_given.get(worker.pid, 0)
                             for worker in self._spares + busy}  # forget workers that are gone
        returning = sum(self._tasks_given[worker.pid] < self.settings.max_tasks for worker in busy)
        while len(self._spares) + returning < spares:
            self._spares.append(_start_worker(self.settings))

    def spares_ready(self) -> int:
        """How many idle workers have finished warming up (benchmarks wait for this before timing)."""
        return sum(spare.conn.poll() for spare in list(self._spares))

    def busy_worker_pids(self) -> list[int]:
        """Process ids of the workers running a task (for memory measurements and tests)."""
        return _live_pids(task.worker for task in self._tasks if not task.finished)

    def spare_worker_pids(self) -> list[int]:
        """Process ids of the idle warm workers."""
        return _live_pids(self._spares)

    def shutdown(self) -> None:
        """Kill every worker process."""
        for worker in self._spares + [task.worker for task in self._tasks if not task.finished]:
            worker.end()
        self._spares, self._tasks = [], []
        os.close(self._wake_reader)
        os.close(self._wake_writer)


def _start_worker(settings: WorkerSettings) -> ChildProcess:
    """A new worker process (`cnnlab.engine.worker.worker_main`); it warms up, then waits for tasks."""
    return ChildProcess(TRAINING_WORKER_TARGET, (settings,), name="cnnlab-worker")


def _live_pids(workers: Iterable[ChildProcess]) -> list[int]:
    """The process ids of those workers still alive."""
    return [worker.pid for worker in workers if worker.is_alive()]


def default_max_running() -> int:
    """Jobs that may train at once: half the cores, at least one (1 on a 2-core machine)."""
    return max(1, _cores() // 2)


def default_settings(max_running: int) -> WorkerSettings:
    """Worker settings that split the cores between `max_running` jobs (2 cores, 1 job → 2 threads)."""
    threads = max(1, _cores() // max_running)
    return WorkerSettings(intra_op_threads=threads, inter_op_threads=threads)


def _cores() -> int:
    """Cores this process may use (respects CPU affinity, e.g. a container limited to 2)."""
    return len(os.sched_getaffinity(0))
