"""How CNN Lab uses SQLite, for the runs index and the classroom alike: one connection per database file,
kept open by the process and lent to one thread at a time.

A page run asks a database several questions (the student's runs, name, challenge, a shared stack); a fresh
connection per question, with its pragmas and file checks, cost more than the questions themselves. WAL mode
lets the command line and a second server read and write the same file beside the web server.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

BUSY_TIMEOUT_S = 30  # another process writing the file: wait this long for it before giving up
FILE_MODE = 0o600  # the files hold every student's token: readable by the server's own user only
_COMPANIONS = ("", "-wal", "-shm")  # the database file and SQLite's write-ahead log and shared memory


class Database:
    """One SQLite file with its schema (CREATE … IF NOT EXISTS statements), opened on first use."""

    def __init__(self, path: Path, schema: str) -> None:
        """Remember the file and its schema; nothing is opened yet."""
        self.path = path
        self.schema = schema
        self._lock = threading.RLock()  # one thread at a time uses the connection
        self._connection: sqlite3.Connection | None = None
        self._inode: int | None = None  # of the file the connection was opened on

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, held by this thread for the block; commits on success, rolls back on an error."""
        with self._lock:
            db = self._open()
            with db:
                yield db

    def close(self) -> None:
        """Close the connection (the next `transaction` opens it again)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._inode = None

    def _open(self) -> sqlite3.Connection:
        """The open connection; a new one when there is none yet, or when the file was deleted or replaced
        since (a teacher's or a test's fresh runs directory), so that nothing is written to a ghost."""
        try:
            inode = self.path.stat().st_ino
        except FileNotFoundError:
            inode = None
        if self._connection is None or inode != self._inode:
            self.close()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # made 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")  # persists in the file
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(self.schema)
            self._private_files()
            self._connection, self._inode = connection, self.path.stat().st_ino
        return self._connection

    def _private_files(self) -> None:
        """Make the database and its -wal and -shm files mode 0600, also when an older version of CNN Lab made
        them readable by everyone (0644)."""
        for suffix in _COMPANIONS:
            path = self.path.with_name(self.path.name + suffix)
            try:
                if path.stat().st_mode & 0o777 != FILE_MODE:
                    path.chmod(FILE_MODE)
            except FileNotFoundError:
                continue
