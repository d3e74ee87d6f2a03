"""Running a coroutine from a test whose thread may already have an event loop running.

The browser tests' Playwright (sync API) keeps an event loop running in the pytest worker's main thread for
the rest of the session, so a later `asyncio.run` in that worker fails ("cannot be called from a running
event loop"). A thread of its own gets a loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end in a fresh event loop on a thread of its own, and return its result (or
    raise its exception), whatever loop the calling thread has."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
