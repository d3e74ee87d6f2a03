"""The classroom database: one connection per file kept by the process, used by one thread at a time, and
opened anew when the file was deleted (a fresh runs directory)."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cnnlab.engine import classroom_db as module
from cnnlab.engine.classroom_db import CLASSROOM_DB, KEPT_OPEN, classroom_db

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (n INTEGER);"


def _count(root: Path) -> int:
    with classroom_db(SCHEMA, root) as db:
        return db.execute("SELECT COUNT(*) FROM notes").fetchone()[0]


def _add(root: Path, n: int) -> None:
    with classroom_db(SCHEMA, root) as db:
        db.execute("INSERT INTO notes VALUES (?)", (n,))


def test_threads_share_the_connection_and_every_write_lands(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _add(tmp_path, n), range(200)))
    assert _count(tmp_path) == 200
    other_process_view = sqlite3.connect(tmp_path / CLASSROOM_DB)  # committed, as the CLI would see it
    assert other_process_view.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 200


def test_a_failed_block_is_rolled_back(tmp_path: Path) -> None:
    try:
        with classroom_db(SCHEMA, tmp_path) as db:
            db.execute("INSERT INTO notes VALUES (1)")
            raise RuntimeError("the caller fails half-way")
    except RuntimeError:
        pass
    assert _count(tmp_path) == 0


def test_a_deleted_database_is_created_again_not_written_to_a_ghost(tmp_path: Path) -> None:
    _add(tmp_path / "runs", 1)
    shutil.rmtree(tmp_path / "runs")
    _add(tmp_path / "runs", 2)
    assert (tmp_path / "runs" / CLASSROOM_DB).exists() and _count(tmp_path / "runs") == 1


def test_only_a_few_files_keep_a_connection(tmp_path: Path) -> None:
    for index in range(KEPT_OPEN + 5):
        _add(tmp_path / str(index), index)
    assert len(module._OPEN) <= KEPT_OPEN
    assert _count(tmp_path / "0") == 1  # a file whose connection was closed opens again
