"""Shared test setup: every test writes runs to its own temporary directory and never reaches the internet."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from cnnlab.paths import RUNS_DIR_ENV

_real_connect = socket.socket.connect


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

