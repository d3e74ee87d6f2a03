"""Where every student is in their lessons, kept in the classroom database so it survives a restart: the
lesson the teacher started for the class (at most one at a time, its text kept with it), the answers the
teacher revealed, the lesson each student chose for themselves, and each student's place on each track.

A track is one student's way through one lesson: `class:<id>` for a class lesson (a new start is a fresh
track), `own:<name>` for a lesson the student chose alone (choosing it again resumes it).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from cnnlab.engine.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS class_lessons (
    lesson_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    challenge_started INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lesson_reveals (
    lesson_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    revealed_at REAL NOT NULL,
    PRIMARY KEY (lesson_id, step)
);
CREATE TABLE IF NOT EXISTS own_lessons (
    owner TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    chosen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lesson_places (
    owner TEXT NOT NULL,
    track TEXT NOT NULL,
    step INTEGER NOT NULL,
    step_started_at REAL NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    answer_shown INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, track)
);
"""


@dataclass(frozen=True)
class ClassLesson:
    """A lesson the teacher started for the class: its id, name and text as started, and when."""

    lesson_id: int
    name: str
    source: str
    started_at: float
    ended_at: float | None
    challenge_started: bool

    @property
    def track(self) -> str:
        """The track every student follows it on."""
        return f"class:{self.lesson_id}"


@dataclass(frozen=True)
class OwnLesson:
    """A lesson a student chose to follow alone: its name and its text as chosen."""

    name: str
    source: str

    @property
    def track(self) -> str:
        """The student's track through it."""
        return f"own:{self.name}"


@dataclass(frozen=True)
class Place:
    """Where a student is on a track: the step (0-based; the number of steps once finished), since when,
    how many readable wrong guesses at this step, and whether they asked to see its answer."""

    step: int
    step_started_at: float
    tries: int
    answer_shown: bool


class LessonProgress:
    """Class lessons, reveals, students' own lessons and their places, in the classroom database."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    # ------------------------------------------------------------------------------ the class's lesson

    def start_class(self, name: str, source: str) -> ClassLesson:
        """Start lesson `name` (its text `source`) for the class, ending the one before."""
        now = time.time()
        with self._db.transaction() as db:
            db.execute("UPDATE class_lessons SET ended_at = ? WHERE ended_at IS NULL", (now,))
            cursor = db.execute("INSERT INTO class_lessons (name, source, started_at) VALUES (?, ?, ?)",
                                (name, source, now))
        return ClassLesson(cursor.lastrowid, name, source, now, None, False)

    def end_class(self) -> ClassLesson | None:
        """End the class's lesson and return it, or None when none was running."""
        active = self.class_lesson()
        if active is None:
            return None
        with self._db.transaction() as db:
            db.execute("UPDATE class_lessons SET ended_at = ? WHERE lesson_id = ?", (time.time(),
                                                                                     active.lesson_id))
        return active

    def class_lesson(self) -> ClassLesson | None:
        """The lesson running for the class now, or None."""
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM class_lessons WHERE ended_at IS NULL "
                             "ORDER BY lesson_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return ClassLesson(row["lesson_id"], row["name"], row["source"], row["started_at"], row["ended_at"],
                           bool(row["challenge_started"]))

    def claim_challenge(self, lesson_id: int) -> bool:
        """True exactly once per class lesson: for whoever starts its challenge."""
        with self._db.transaction() as db:
            cursor = db.execute("UPDATE class_lessons SET challenge_started = 1 "
                                "WHERE lesson_id = ? AND challenge_started = 0", (lesson_id,))
        return cursor.rowcount == 1

    def reveal(self, lesson_id: int, step: int) -> None:
        """Show step `step`'s answer (0-based) to every student of class lesson `lesson_id`."""
        with self._db.transaction() as db:
            db.execute("INSERT OR IGNORE INTO lesson_reveals (lesson_id, step, revealed_at) VALUES (?, ?, ?)",
                       (lesson_id, step, time.time()))

    def revealed(self, lesson_id: int) -> frozenset[int]:
        """The steps of class lesson `lesson_id` whose answers the teacher revealed."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT step FROM lesson_reveals WHERE lesson_id = ?", (lesson_id,)).fetchall()
        return frozenset(row["step"] for row in rows)

    # ------------------------------------------------------------------------- a student's own lesson

    def choose(self, owner: str, name: str, source: str) -> OwnLesson:
        """Make lesson `name` the one `owner` follows alone (resuming their place in it, if any)."""
        with self._db.transaction() as db:
            db.execute("INSERT OR REPLACE INTO own_lessons (owner, name, source, chosen_at) "
                       "VALUES (?, ?, ?, ?)", (owner, name, source, time.time()))
        return OwnLesson(name, source)

    def own(self, owner: str) -> OwnLesson | None:
        """The lesson `owner` chose to follow alone, or None."""
        with self._db.transaction() as db:
            row = db.execute("SELECT name, source FROM own_lessons WHERE owner = ?", (owner,)).fetchone()
        return OwnLesson(row["name"], row["source"]) if row else None

    def leave(self, owner: str) -> None:
        """Stop following a lesson of one's own (the place in it is kept, should they choose it again)."""
        with self._db.transaction() as db:
            db.execute("DELETE FROM own_lessons WHERE owner = ?", (owner,))

    # ------------------------------------------------------------------------------------- the places

    def enter(self, owner: str, track: str) -> tuple[Place, bool]:
        """The student's place on `track`, and True when they only now entered it (at step 0)."""
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM lesson_places WHERE owner = ? AND track = ?",
                             (owner, track)).fetchone()
            if row is not None:
                return _place(row), False
            created = db.execute("INSERT OR IGNORE INTO lesson_places (owner, track, step, step_started_at) "
                                 "VALUES (?, ?, 0, ?)", (owner, track, time.time())).rowcount == 1
            row = db.execute("SELECT * FROM lesson_places WHERE owner = ? AND track = ?",
                             (owner, track)).fetchone()
        return _place(row), created

    def move(self, owner: str, track: str, from_step: int, to_step: int) -> bool:
        """Move the student from `from_step` to `to_step`, the tries counted again; False (and nothing
        changed) when they are no longer on `from_step` (another tab moved them first)."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "UPDATE lesson_places SET step = ?, step_started_at = ?, tries = 0, answer_shown = 0 "
                "WHERE owner = ? AND track = ? AND step = ?", (to_step, time.time(), owner, track, from_step))
        return cursor.rowcount == 1

    def add_try(self, owner: str, track: str, step: int) -> int:
        """Count one more wrong guess at `step`; the tries now (0 when the student is not on that step)."""
        with self._db.transaction() as db:
            db.execute("UPDATE lesson_places SET tries = tries + 1 "
                       "WHERE owner = ? AND track = ? AND step = ?", (owner, track, step))
            row = db.execute("SELECT step, tries FROM lesson_places WHERE owner = ? AND track = ?",
                             (owner, track)).fetchone()
        return row["tries"] if row is not None and row["step"] == step else 0

    def show_answer(self, owner: str, track: str, step: int) -> None:
        """Remember that the student asked to see the answer at `step`."""
        with self._db.transaction() as db:
            db.execute("UPDATE lesson_places SET answer_shown = 1 WHERE owner = ? AND track = ? AND step = ?",
                       (owner, track, step))

    def places(self, track: str) -> dict[str, Place]:
        """Every student's place on `track`, by owner token."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT * FROM lesson_places WHERE track = ?", (track,)).fetchall()
        return {row["owner"]: _place(row) for row in rows}


def _place(row: sqlite3.Row) -> Place:
    return Place(row["step"], row["step_started_at"], row["tries"], bool(row["answer_shown"]))
