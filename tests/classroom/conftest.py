"""A job manager with a scripted runner over the test's runs directory, for the classroom tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import ScriptedRunner


@pytest.fixture
def scripted() -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """A manager training one job at a time, whose tasks do only what the test sends them."""
    runner = ScriptedRunner()
    manager = JobManager(store=RunStore(), runner=runner, limits=JobLimits(max_running=1))
    yield manager, runner
    manager.shutdown()
