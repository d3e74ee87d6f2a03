"""The web server's heap, kept cheap for Python's garbage collector.

A full collection scans every object the process holds — mostly the imported libraries (Streamlit, Plotly,
pandas, pyarrow) — while every page run waits for it, and under a class's load (`bench/classroom_load.py`)
that happens several times a minute. `gc.freeze()` moves the objects alive at that moment out of the
collector's reach (they are still freed by reference counting), so a full collection scans only what page
runs created since (README, Performance).
"""

from __future__ import annotations

import gc

_FROZEN_AFTER: set[str] = set()  # the pages whose imports have been frozen in this process


def freeze_imports(page: str) -> None:
    """At the first run of `page` in this process (its imports are done by then): freeze what is alive."""
    if page not in _FROZEN_AFTER:
        _FROZEN_AFTER.add(page)
        gc.freeze()
