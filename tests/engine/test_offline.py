"""The offline guard of conftest: tests never reach the internet, but loopback (the app under test) works."""

from __future__ import annotations

import socket

import pytest


def test_a_public_address_is_refused_before_any_packet_leaves() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("93.184.216.34", 80))


def test_loopback_still_connects() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.connect(server.getsockname())
            accepted, _ = server.accept()
            accepted.close()
            assert client.getpeername() == server.getsockname()
