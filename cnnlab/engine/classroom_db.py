"""The classroom's SQLite file, `classroom.sqlite3` beside the runs index: challenges, names, hidden runs and
shared stacks, so a class survives a server restart. One short-lived connection per call, WAL mode.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from cnnlab.engine.paths import runs_root

CLASSROOM_DB = "classroom.sqlite3"


@contextlib.contextmanager
def classroom_db(schema: str, root: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to the classroom database under `root` (default `runs_root()`) with `schema` (CREATE …
    IF NOT EXISTS statements) applied; commits on success, rolls back on an error."""
    root = root or runs_root()
    root.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(root / CLASSROOM_DB, timeout=30)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
        with db:
            yield db
    finally:
        db.close()
