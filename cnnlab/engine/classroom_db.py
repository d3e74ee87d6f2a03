"""The classroom's SQLite file, `classroom.sqlite3` beside the runs index: challenges, names, hidden runs and
shared stacks, so a class survives a server restart. WAL mode, so the CLI and other processes read and write
it beside the web server.

Every student page reads it a few times per run (the student's name, the challenge, a shared stack), so this
process keeps one connection per database file, shared by its threads one at a time, instead of opening one
per call (a fresh connection, its pragmas and its file checks cost more than the queries).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cnnlab.engine.paths import runs_root

CLASSROOM_DB = "classroom.sqlite3"
KEPT_OPEN = 8  # database files with a connection kept (a server has one; a test run goes through many)


@dataclass(frozen=True)
class _Open:
    """This process's connection to one database file, and the file it was opened on."""

    connection: sqlite3.Connection
    inode: int
    schemas: frozenset[str]  # the schemas already applied through it


_OPEN: dict[str, _Open] = {}  # database path → its connection
_LOCK = threading.RLock()  # one thread at a time uses a connection (and this table)


def _connection(path: Path, schema: str) -> sqlite3.Connection:
    """The open connection to `path` with `schema` applied; a new one when there is none yet, or the file
    was deleted or replaced since (a test's or a teacher's fresh runs directory)."""
    key = str(path)
    known = _OPEN.get(key)
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        inode = None
    if known is None or known.inode != inode:
        if known is not None:
            known.connection.close()
        connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")  # persists in the file
        connection.execute("PRAGMA synchronous=NORMAL")
        known = _Open(connection, path.stat().st_ino, frozenset())
    if schema not in known.schemas:
        known.connection.executescript(schema)
        known = _Open(known.connection, known.inode, known.schemas | {schema})
    _OPEN.pop(key, None)
    _OPEN[key] = known  # the most recently used last
    while len(_OPEN) > KEPT_OPEN:
        _OPEN.pop(next(iter(_OPEN))).connection.close()
    return known.connection


@contextlib.contextmanager
def classroom_db(schema: str, root: Path | None = None) -> Iterator[sqlite3.Connection]:
    """The connection to the classroom database under `root` (default `runs_root()`) with `schema` (CREATE …
    IF NOT EXISTS statements) applied, held by this thread for the block; commits on success, rolls back on
    an error."""
    root = root or runs_root()
    root.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        db = _connection(root / CLASSROOM_DB, schema)
        with db:
            yield db
