"""Process-wide singletons that survive Streamlit's "Clear cache" and a reload of the module that made them.

They live as attributes of the `sys` module, not in a module global or `st.cache_resource`: a cache clear or a
re-imported module must hand back the very same job manager (or inference client) with its running work,
never start a second one beside it.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable
from typing import Any

_LOCK = "_cnnlab_singletons_lock"


def process_singleton(name: str, make: Callable[[], Any], close: Callable[[Any], None]) -> Any:
    """The object kept under `name` in this process, made by `make()` on first use; `close(obj)` runs at exit.

    `process_singleton("job_manager", JobManager, lambda m: m.shutdown())` gives the same manager every call.
    """
    attribute = f"_cnnlab_{name}"
    lock = sys.__dict__.setdefault(_LOCK, threading.Lock())
    with lock:
        existing = getattr(sys, attribute, None)
        if existing is None:
            existing = make()
            setattr(sys, attribute, existing)
            atexit.register(close, existing)
        return existing
