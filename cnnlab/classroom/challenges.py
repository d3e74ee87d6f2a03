"""The challenges a class was set, kept in the classroom database: at most one active, every earlier one
kept with its start and end so its leaderboard stays viewable after it ended and after a restart.

The job manager is handed `ChallengeStore.active_challenge` and calls it on every submit to enforce the
limits; the command line, the teacher's dashboard and the leaderboard use the same store.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from cnnlab.core.challenge import Challenge, challenge_to_dict, parse_challenge
from cnnlab.engine.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS challenges (
    challenge_id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL
);
"""


@dataclass(frozen=True)
class SetChallenge:
    """A challenge as it was set: its id, limits, and when it started and ended (None while active)."""

    challenge_id: int
    challenge: Challenge
    started_at: float
    ended_at: float | None

    @property
    def active(self) -> bool:
        """True until the teacher ends it."""
        return self.ended_at is None

    def covers(self, created_at: float) -> bool:
        """True for a run submitted while this challenge was active."""
        return self.started_at <= created_at and (self.ended_at is None or created_at < self.ended_at)


class ChallengeStore:
    """Set, end and read challenges in the classroom database (`classroom.Classroom`)."""

    def __init__(self, db: Database) -> None:
        """Keep challenges in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def start(self, challenge: Challenge) -> SetChallenge:
        """Make `challenge` the active one, ending the one before (its leaderboard is then frozen)."""
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            return _insert(db, challenge)

    def replace(self, challenge: Challenge, drawn: int | None) -> SetChallenge | None:
        """`start`, but only while the active challenge is still the one a page was drawn with (`drawn`, its
        id, or None for none): a second teacher's stale form never ends a challenge it did not show. None
        when refused, with nothing changed. Ids are never reused, not even after a new class."""
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            return _insert(db, challenge) if _active_id(db) == drawn else None

    def end(self, challenge_id: int | None = None) -> SetChallenge | None:
        """End the active challenge and return it, or None when none was active. With `challenge_id` (the
        one a page was drawn with), only that one is ended: None when it is no longer the active one."""
        now = time.time()
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            active = _active_id(db)
            if active is None or challenge_id not in (None, active):
                return None
            db.execute("UPDATE challenges SET ended_at = ? WHERE challenge_id = ?", (now, active))
        return self.get(active)

    def active(self) -> SetChallenge | None:
        """The challenge in force now, or None."""
        latest = self.latest()
        return latest if latest is not None and latest.active else None

    def active_challenge(self) -> Challenge | None:
        """Just the limits of the challenge in force now (what the job manager enforces), or None."""
        active = self.active()
        return active.challenge if active else None

    def latest(self) -> SetChallenge | None:
        """The active challenge, else the one that ended last, else None (none was ever set)."""
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM challenges ORDER BY challenge_id DESC LIMIT 1").fetchone()
        return _set_challenge(row) if row else None

    def get(self, challenge_id: object) -> SetChallenge | None:
        """The challenge with this id (active or ended), or None."""
        if not isinstance(challenge_id, int) or isinstance(challenge_id, bool):
            return None
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM challenges WHERE challenge_id = ?", (challenge_id,)).fetchone()
        return _set_challenge(row) if row else None

    def all(self) -> list[SetChallenge]:
        """Every challenge of this class, newest first (the active one, if any, first of all)."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT * FROM challenges ORDER BY challenge_id DESC").fetchall()
        return [entry for entry in map(_set_challenge, rows) if entry is not None]


def _insert(db: sqlite3.Connection, challenge: Challenge) -> SetChallenge:
    """End the active challenge and record `challenge` as the active one, inside the caller's transaction."""
    now = time.time()
    db.execute("UPDATE challenges SET ended_at = ? WHERE ended_at IS NULL", (now,))
    cursor = db.execute("INSERT INTO challenges (document, started_at) VALUES (?, ?)",
                        (json.dumps(challenge_to_dict(challenge)), now))
    return SetChallenge(cursor.lastrowid, challenge, now, None)


def _active_id(db: sqlite3.Connection) -> int | None:
    """The id of the challenge in force, read inside the caller's transaction."""
    row = db.execute("SELECT challenge_id FROM challenges WHERE ended_at IS NULL "
                     "ORDER BY challenge_id DESC LIMIT 1").fetchone()
    return row["challenge_id"] if row else None


def _set_challenge(row: object) -> SetChallenge | None:
    """A row read back; a document that no longer parses (edited by hand) counts as no challenge."""
    challenge, _ = parse_challenge(json.loads(row["document"]))
    if challenge is None:
        return None
    return SetChallenge(row["challenge_id"], challenge, row["started_at"], row["ended_at"])
