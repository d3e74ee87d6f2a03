"""The one SQLite policy of the runs index and the classroom: one connection per database, kept open and lent
to one thread at a time, committed or rolled back per block, opened anew when its file was deleted."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cnnlab.engine.db import Database

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (n INTEGER);"


def _count(db: Database) -> int:
    with db.transaction() as connection:
        return connection.execute("SELECT COUNT(*) FROM notes").fetchone()[0]


def _add(db: Database, n: int) -> None:
    with db.transaction() as connection:
        connection.execute("INSERT INTO notes VALUES (?)", (n,))


def test_threads_share_the_connection_and_every_write_lands(tmp_path: Path) -> None:
    db = Database(tmp_path / "notes.sqlite3", SCHEMA)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _add(db, n), range(200)))
    assert _count(db) == 200
    other_process_view = sqlite3.connect(tmp_path / "notes.sqlite3")  # committed, as the CLI would see it
    assert other_process_view.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 200
    with db.transaction() as first, db.transaction() as again:  # the same connection, lent again
        assert first is again


def test_a_failed_block_is_rolled_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "notes.sqlite3", SCHEMA)
    with pytest.raises(RuntimeError), db.transaction() as connection:
        connection.execute("INSERT INTO notes VALUES (1)")
        raise RuntimeError("the caller fails half-way")
    assert _count(db) == 0


def test_a_deleted_database_is_created_again_not_written_to_a_ghost(tmp_path: Path) -> None:
    db = Database(tmp_path / "runs" / "notes.sqlite3", SCHEMA)
    _add(db, 1)
    shutil.rmtree(tmp_path / "runs")
    _add(db, 2)
    assert (tmp_path / "runs" / "notes.sqlite3").exists() and _count(db) == 1


def test_nothing_is_opened_before_the_first_use(tmp_path: Path) -> None:
    Database(tmp_path / "later" / "notes.sqlite3", SCHEMA)
    assert not (tmp_path / "later").exists()
