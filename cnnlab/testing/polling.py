"""The one way tests and benchmarks wait for something that happens elsewhere (another process, a browser, a
driver thread): ask again and again until it is true, or fail saying what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout_s: float = 10, what: str = "the condition",
               every_s: float = 0.01) -> T:
    """Call `condition()` every `every_s` seconds until it returns something true, and return that; raise
    AssertionError naming `what` once `timeout_s` have passed."""
    deadline = time.monotonic() + timeout_s
    while not (outcome := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(every_s)
    return outcome
