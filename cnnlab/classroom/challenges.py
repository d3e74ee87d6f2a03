"""The challenges a class was set, kept in the classroom database: at most one active, every earlier one
kept with its start and end so its leaderboard stays viewable after it ended and after a restart.

The job manager is handed `ChallengeStore.active_challenge` and calls it on every submit to enforce the
limits; the command line, the teacher's dashboard and the leaderboard use the same store.
"""

from __future__ import annotations

import json
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
        now = time.time()
        with self._db.transaction() as db:
            db.execute("UPDATE challenges SET ended_at = ? WHERE ended_at IS NULL", (now,))
            cursor = db.execute(
                "INSERT INTO challenges (document, started_at) VALUES (?, ?)",
                (json.dumps(challenge_to_dict(challenge)), now),
            )
            challenge_id = cursor.lastrowid
        return SetChallenge(challenge_id, challenge, now, None)

    def end(self) -> SetChallenge | None:
        """End the active challenge and return it, or None when none was active."""
        active = self.active()
        if active is None:
            return None
        now = time.time()
        with self._db.transaction() as db:
            db.execute(
                "UPDATE challenges SET ended_at = ? WHERE challenge_id = ?", (now, active.challenge_id)
            )
        return SetChallenge(active.challenge_id, active.challenge, active.started_at, now)

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


def _set_challenge(row: object) -> SetChallenge | None:
    """A row read back; a document that no longer parses (edited by hand) counts as no challenge."""
    challenge, _ = parse_challenge(json.loads(row["document"]))
    if challenge is None:
        return None
    return SetChallenge(row["challenge_id"], challenge, row["started_at"], row["ended_at"])
