"""Issue 21, case 9: the runs and classroom databases were mode 0644, so any user of the machine could read
every student's token from them. They (and SQLite's -wal and -shm files beside them) are now 0600, also when
an older version made them readable."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from cnnlab.classroom.classroom import CLASSROOM_DB
from cnnlab.engine.db import Database
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack


def _modes(folder: Path, name: str) -> dict[str, int]:
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.glob(f"{name}*")}


def test_the_runs_and_classroom_databases_are_readable_by_the_server_only(lab: Lab) -> None:
    old_umask = os.umask(0o022)  # as a usual login shell: new files 0644
    try:
        owner = new_owner_token()
        lab.classroom.roster.set_name(owner, "Ada")
        lab.jobs.submit(owner, conv_stack(4), CHALLENGE_CONFIG)
    finally:
        os.umask(old_umask)
    root = lab.settings.runs_dir
    runs, classroom = _modes(root, "index.sqlite3"), _modes(root, CLASSROOM_DB)
    assert set(runs) == {"index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"}
    assert set(classroom) == {CLASSROOM_DB, f"{CLASSROOM_DB}-wal", f"{CLASSROOM_DB}-shm"}
    assert set(runs.values()) | set(classroom.values()) == {0o600}


def test_a_database_made_readable_by_an_older_version_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE notes (n INTEGER)")
    path.chmod(0o644)
    db = Database(path, "CREATE TABLE IF NOT EXISTS notes (n INTEGER);")
    with db.transaction() as connection:
        connection.execute("INSERT INTO notes VALUES (1)")
    assert set(_modes(tmp_path, "old.sqlite3").values()) == {0o600}
