"""Fixtures of the page tests: the server's job manager with scripted tasks (no TensorFlow)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import ScriptedRunner


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """The server's job manager for this test, with tasks that do what the test sends them."""
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(), runner=runner, limits=JobLimits(max_running=1))
    monkeypatch.setattr(sys, "_cnnlab_job_manager", manager, raising=False)
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    yield manager, runner
    manager.shutdown()
