"""Stacks the teacher shared with the class: the newest one is offered to every student who has not yet
opened or dismissed it; nobody's own stack is replaced without their click (see `cnnlab.ui.class_notices`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from cnnlab.core.stack_doc import Stack, stack_from_json
from cnnlab.engine.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS shares (
    share_id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    stack TEXT NOT NULL,
    shared_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Share:
    """One stack sent to the class."""

    share_id: int
    title: str
    stack: Stack
    shared_at: float


class ShareBoard:
    """Shared stacks in the classroom database (`classroom.Classroom`)."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def share(self, title: str, stack: Stack, drawn: int | None = None) -> Share | None:
        """Send `stack` to the class under `title` (the stack's own name, or the preset's title). With `drawn`
        (the id of the newest share a teacher's page showed, 0 for none), only while no newer share was made
        since: None when refused, with nothing sent."""
        stack, _ = stack_from_json(stack)
        now = time.time()
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            newest = db.execute("SELECT COALESCE(MAX(share_id), 0) FROM shares").fetchone()[0]
            if drawn is not None and newest != drawn:
                return None
            cursor = db.execute(
                "INSERT INTO shares (title, stack, shared_at) VALUES (?, ?, ?)",
                (title, json.dumps(stack), now),
            )
        return Share(cursor.lastrowid, title, stack, now)

    def latest(self) -> Share | None:
        """The newest shared stack, or None when the teacher never shared one."""
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM shares ORDER BY share_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Share(row["share_id"], row["title"], json.loads(row["stack"]), row["shared_at"])

    def pending(self, seen_share: int) -> Share | None:
        """The newest share when it is newer than the one the student last opened or dismissed."""
        latest = self.latest()
        return latest if latest is not None and latest.share_id > seen_share else None
