"""Runs the teacher hid from the leaderboard (a joke name, a run that should not count); kept in the
classroom database, undone with `show`."""

from __future__ import annotations

import time

from cnnlab.engine.db import Database
from cnnlab.engine.store import is_run_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS hidden_runs (
    run_id TEXT PRIMARY KEY,
    hidden_at REAL NOT NULL
);
"""


class HiddenRuns:
    """The set of hidden run ids in the classroom database (`classroom.Classroom`)."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def hide(self, run_id: object) -> bool:
        """Hide a run from every leaderboard; False for something that is not a run id, or a run already
        hidden (say, from another teacher's page)."""
        if not is_run_id(run_id):
            return False
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO hidden_runs (run_id, hidden_at) VALUES (?, ?)", (run_id, time.time())
            )
        return cursor.rowcount == 1

    def show(self, run_id: object) -> bool:
        """Put a hidden run back on the leaderboard; False when it was not hidden (any more)."""
        with self._db.transaction() as db:
            cursor = db.execute("DELETE FROM hidden_runs WHERE run_id = ?", (str(run_id),))
        return cursor.rowcount == 1

    def ids(self) -> frozenset[str]:
        """Every hidden run id."""
        with self._db.transaction() as db:
            return frozenset(row["run_id"] for row in db.execute("SELECT run_id FROM hidden_runs"))
