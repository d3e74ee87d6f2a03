"""A child target for tests/test_processes.py: echo messages back, report how `__main__` looks, or die."""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection


def echo(conn: Connection, greeting: str) -> None:
    """Say hello with the child's view of `__main__`, then echo every message until "die" or end of input."""
    main = sys.modules["__main__"]
    conn.send({"greeting": greeting, "main_file": getattr(main, "__file__", None), "pid": os.getpid()})
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message == "die":
            os._exit(3)
        conn.send(message)
