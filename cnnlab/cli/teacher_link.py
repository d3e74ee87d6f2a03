"""`python -m cnnlab teacher-link`: print the teacher's dashboard address (with its key) again."""

from __future__ import annotations

import argparse

from cnnlab.cli.inputs import EXIT_OK, UsageError

MAX_PORT = 65535


def add_teacher_link_arguments(parser: argparse.ArgumentParser) -> None:
    """--host and --port of the address the server answers on (defaults: localhost, 8501)."""
    parser.add_argument(
        "--host", default="localhost", help="the server's name or address (default localhost)"
    )
    parser.add_argument("--port", default="8501", help="the server's port (default 8501)")


def run_teacher_link(args: argparse.Namespace) -> int:
    """Print `Teacher: http://HOST:PORT/Teacher?key=…` (making the key on first use)."""
    port = args.port.strip()
    if not port.isdigit() or not 1 <= int(port) <= MAX_PORT:
        raise UsageError(f"--port must be a whole number from 1 to {MAX_PORT:,} (got {port[:20]!r})")
    host = args.host.strip()
    if not host or any(char in host for char in "/?#@ ") or len(host) > 253:
        raise UsageError(f"--host must be a host name or address like 192.168.1.20 (got {host[:40]!r})")
    from cnnlab.lab import Lab, Settings  # here: the Lab brings numpy, which `summary` does without

    print(f"Teacher: {Lab(Settings.from_environment()).teacher_key.link(host, int(port))}")
    return EXIT_OK
