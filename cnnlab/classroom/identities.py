"""New identities started from one browser ("I'm someone else on this computer"), kept in the classroom
database so that one browser cannot flood the class with students: at most `PER_BROWSER` in `WINDOW_S`.

A browser is the long-lived random id in its `cnnlab_browser` cookie (`cnnlab.ui.identity`), separate from the
student's token: a shared lab PC keeps its browser id while students come and go.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass

from cnnlab.core.text import duration
from cnnlab.engine.db import Database
from cnnlab.engine.owners import is_owner_token

PER_BROWSER = 3  # new identities one browser may start …
WINDOW_S = 600.0  # … in this many seconds
SCHEMA = """
CREATE TABLE IF NOT EXISTS new_identities (
    browser TEXT NOT NULL,
    owner TEXT NOT NULL,
    made_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS new_identities_by_browser ON new_identities (browser, made_at);
"""


@dataclass(frozen=True)
class Allowance:
    """Whether a browser may start a new identity now: how many it has left in the window, and when refused,
    how long until the oldest one in the window no longer counts."""

    ok: bool
    left: int
    retry_in_s: float = 0.0

    def refusal(self) -> str:
        """What the student reads when the limit is hit: the limit, and when they can try again."""
        return (f"This browser has already started {PER_BROWSER} new students in the last "
                f"{duration(WINDOW_S)}, the limit; the next one can start in about "
                f"{duration(self.retry_in_s)}. Until then, carry on as the student shown in the sidebar "
                "(their work stays theirs), or use your own device.")


class IdentityLog:
    """The new identities each browser started, in the classroom database (`classroom.Classroom`)."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def allowance(self, browser: str, now: float | None = None) -> Allowance:
        """May `browser` start a new identity now? (Reads only: for the button's text.)"""
        with self._db.transaction() as db:
            return self._allowance(db, browser, time.time() if now is None else now)

    def start(self, browser: str, owner: str, now: float | None = None) -> Allowance:
        """Record that `browser` started the identity `owner`, if the limit allows: checked and recorded in
        one transaction, so two tabs pressing at once cannot both slip past it. `left` counts after this
        one."""
        if not is_owner_token(browser) or not is_owner_token(owner):
            raise ValueError("a browser id and an owner are tokens made by new_owner_token()")
        now = time.time() if now is None else now
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            allowance = self._allowance(db, browser, now)
            if not allowance.ok:
                return allowance
            db.execute("DELETE FROM new_identities WHERE made_at <= ?", (now - WINDOW_S,))
            db.execute("INSERT INTO new_identities (browser, owner, made_at) VALUES (?, ?, ?)",
                       (browser, owner, now))
        return Allowance(True, allowance.left - 1)

    @staticmethod
    def _allowance(db: sqlite3.Connection, browser: str, now: float) -> Allowance:
        made = [row["made_at"] for row in db.execute(
            "SELECT made_at FROM new_identities WHERE browser = ? AND made_at > ? ORDER BY made_at",
            (browser, now - WINDOW_S))]
        left = PER_BROWSER - len(made)
        if left > 0:
            return Allowance(True, left)
        return Allowance(False, 0, max(0.0, math.ceil(made[-PER_BROWSER] + WINDOW_S - now)))
