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
_PREPARED: set[tuple[str, str]] = set()  # (database file, schema) already set up by this process


@contextlib.contextmanager
def classroom_db(schema: str, root: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to the classroom database under `root` (default `runs_root()`) with `schema` (CREATE …
    IF NOT EXISTS statements) applied; commits on success, rolls back on an error."""
    root = root or runs_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / CLASSROOM_DB
    fresh = (str(path), schema) not in _PREPARED or not path.exists()
    db = sqlite3.connect(path, timeout=30)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=NORMAL")
        if fresh:  # WAL mode and the tables persist in the file: once per file and schema in this process
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)
            _PREPARED.add((str(path), schema))
        with db:
            yield db
    finally:
        db.close()
