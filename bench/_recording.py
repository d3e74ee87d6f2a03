"""A `Runner` wrapper for the time benches: passes everything to a real runner and notes when each task was
started and when each of its events arrived, so a job's wall time can be split by phase.

Tasks are numbered in the order the job manager starts them (FIFO: the order the bench submitted them).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cnnlab.engine.runner import LocalProcessRunner, LocalTask


@dataclass
class TaskLog:
    """When one task started, when each kind of event first arrived, and the trainer's own phase laps."""

    started: float
    arrived: dict[str, float] = field(default_factory=dict)  # event kind → time.perf_counter()
    phases_s: dict[str, float] = field(default_factory=dict)  # the "finished" event's laps


class _RecordedTask:
    """A task handle that notes its events' arrival times in its `TaskLog`."""

    def __init__(self, inner: LocalTask, log: TaskLog) -> None:
        self.inner, self.log = inner, log

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)  # worker, finished, request_stop, kill: as the real task's

    def events(self) -> list[dict]:
        """The real task's events, noted as they pass."""
        events = self.inner.events()
        now = time.perf_counter()
        for event in events:
            self.log.arrived.setdefault(event["event"], now)
            if event["event"] == "finished":
                self.log.phases_s = dict(event.get("phases_s", {}))
        return events


class RecordingRunner(LocalProcessRunner):
    """A `LocalProcessRunner` that keeps a `TaskLog` per task in `logs`, in start order."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.logs: list[TaskLog] = []

    def start(self, kind: str, payload: dict) -> _RecordedTask:
        """Start the task as the real runner does; log it."""
        log = TaskLog(started=time.perf_counter())
        self.logs.append(log)
        return _RecordedTask(super().start(kind, payload), log)

    def wait(self, handles: Sequence[object], timeout: float) -> None:
        """Wait on the real tasks behind the handles."""
        super().wait([getattr(handle, "inner", handle) for handle in handles], timeout)
