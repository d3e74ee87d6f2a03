"""Shared test setup: every test writes runs to its own temporary directory and never reaches the internet;
the fixtures of the page, insight and browser tests (trained runs and a manager that serves them).

Helpers shared with the benchmarks live in `cnnlab.testing`. Markers come from the folder: tests under
`browser/` are `browser`; tests that build or train Keras models mark themselves `keras`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab.engine.jobs import JobManager
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import RUNS_DIR_ENV
from cnnlab.engine.store import RunStore
from cnnlab.testing.models import IdleRunner, TrainedModel, trained_models

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
    """Each test gets an empty runs directory unless it sets `CNNLAB_RUNS_DIR` itself."""
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path_factory.mktemp("runs")))



@pytest.fixture
def trained() -> dict[str, TrainedModel]:
    """The small convnet and the small MLP, trained on MNIST (once per test process)."""
    return trained_models()


@pytest.fixture
def store() -> RunStore:
    """The store in this test's private runs directory."""
    return RunStore()


@pytest.fixture
def owner() -> str:
    """A fresh student's owner token."""
    return new_owner_token()


@pytest.fixture
def manager(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobManager]:
    """The process-wide job manager, for this test only, over this test's runs directory, training nothing.

    Also puts back this process's `__main__` afterwards: AppTest leaves the app script there, and
    multiprocessing's spawn would run that script again in every later child process of the test session.
    """
    job_manager = JobManager(store=store, runner=IdleRunner())
    monkeypatch.setattr(sys, "_cnnlab_job_manager", job_manager, raising=False)
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    yield job_manager
    job_manager.shutdown()
