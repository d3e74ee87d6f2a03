"""Shared test setup: every test writes runs to its own temporary directory and never reaches the internet;
a Lab of its own over that directory (its store, classroom and job manager with a scripted runner), and
runs trained by the product for the page, insight and browser tests.

Helpers shared with the benchmarks live in `cnnlab.testing`. Markers come from the folder: tests under
`browser/` are `browser`; tests that build or train Keras models mark themselves `keras`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.lab import RUNS_DIR_ENV, Lab, Settings
from cnnlab.testing.engine import ScriptedRunner
from cnnlab.testing.models import TrainedRun, trained_fashion_run, trained_runs

_BROWSER_TESTS = Path(__file__).parent / "browser"
_real_connect = socket.socket.connect


_MODULE_MARKED_KERAS = re.compile(r"^pytestmark = .*pytest\.mark\.keras", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `-m "not keras"` (`make test-fast`), a test module marked `keras` as a whole is not even imported:
    importing it loads TensorFlow, seconds of CPU in every test process for tests that will not run."""
    if collection_path.suffix != ".py" or "not keras" not in (config.option.markexpr or ""):
        return None
    return True if _MODULE_MARKED_KERAS.search(collection_path.read_text(encoding="utf-8")) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark by folder: everything under tests/browser/ is `browser` (`make test-fast` leaves it out)."""
    for item in items:
        if item.path.is_relative_to(_BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


def _loopback_only_connect(sock: socket.socket, address: object) -> None:
    """Refuse any connection that leaves this machine: the product works offline, and so must its tests."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"tests must stay offline; refused a connection to {host}")
    _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    socket.socket.connect = _loopback_only_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _private_runs_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty runs directory (in `CNNLAB_RUNS_DIR`, where the command line and a server
    started by the test find it too) unless it sets one itself."""
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path_factory.mktemp("runs")))


@pytest.fixture
def settings() -> Settings:
    """The settings of this test's environment: its private runs directory."""
    return Settings.from_environment()


@pytest.fixture
def lab(settings: Settings) -> Iterator[Lab]:
    """This test's Lab over its private runs directory. Its runner is scripted (a job trains only as the
    test sends its worker's events) and one job trains at a time; nothing steps its job manager but the test
    (`lab.jobs.step()`), unless the Lab is served to pages (tests/pages), whose driver thread steps it."""
    test_lab = Lab(settings, runner=ScriptedRunner(), limits=JobLimits(max_running=1))
    yield test_lab
    test_lab.close()


@pytest.fixture
def store(lab: Lab) -> RunStore:
    """The runs store of this test's Lab."""
    return lab.store


@pytest.fixture
def classroom(lab: Lab) -> Classroom:
    """The classroom of this test's Lab."""
    return lab.classroom


@pytest.fixture
def manager(lab: Lab) -> JobManager:
    """The job manager of this test's Lab."""
    return lab.jobs


@pytest.fixture
def runner(manager: JobManager) -> ScriptedRunner:
    """The scripted runner of this test's job manager: `runner.send(runner.tasks[0], event, …)`."""
    return manager.runner


@pytest.fixture
def scripted(manager: JobManager, runner: ScriptedRunner) -> tuple[JobManager, ScriptedRunner]:
    """The job manager and its scripted runner, together."""
    return manager, runner


@pytest.fixture
def trained() -> dict[str, TrainedRun]:
    """The small convnet and the small MLP, trained by the product's own job manager (once per test
    process)."""
    return trained_runs()


@pytest.fixture
def trained_fashion() -> TrainedRun:
    """The small convnet trained on Fashion-MNIST by the product's own job manager (once per test process)."""
    return trained_fashion_run()


@pytest.fixture
def owner() -> str:
    """A fresh student's owner token."""
    return new_owner_token()
