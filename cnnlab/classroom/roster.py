"""The class list: every student who opened the app gets a number ("Student 3") and may choose a name,
unique in the class. Kept in the classroom database; names never contain or reveal owner tokens.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from cnnlab.classroom.names import check_name, name_key, unique_name
from cnnlab.core.names import default_name
from cnnlab.engine.db import Database
from cnnlab.engine.owners import is_owner_token

SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    owner TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    name TEXT,
    name_key TEXT UNIQUE,
    joined_at REAL NOT NULL,
    seen_share INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class Student:
    """One student of the class."""

    owner: str
    number: int
    chosen_name: str | None
    seen_share: int  # id of the last shared stack this student opened or dismissed
    joined_at: float = 0.0  # seconds since the epoch, when first seen

    @property
    def name(self) -> str:
        """What everyone sees: the chosen name, else "Student N"."""
        return self.chosen_name or default_name(self.number)


@dataclass(frozen=True)
class Naming:
    """The outcome of choosing a name: the name now in force and a message for the student."""

    ok: bool
    name: str | None
    message: str


class Roster:
    """Students and their names in the classroom database (`classroom.Classroom`)."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def join(self, owner: str) -> Student:
        """The student with this token, numbered on first sight (1, 2, 3, … in order of arrival)."""
        if not is_owner_token(owner):
            raise ValueError("a student is an owner token from cnnlab.engine.owners.new_owner_token()")
        known = self.get(owner)
        if known is not None:
            return known
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT * FROM students WHERE owner = ?", (owner,)).fetchone()
            if row is None:
                number = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM students").fetchone()[0]
                db.execute(
                    "INSERT INTO students (owner, number, joined_at) VALUES (?, ?, ?)",
                    (owner, number, time.time()),
                )
                row = db.execute("SELECT * FROM students WHERE owner = ?", (owner,)).fetchone()
        return _student(row)

    def get(self, owner: object) -> Student | None:
        """The student with this token, or None if it never joined."""
        if not is_owner_token(owner):
            return None
        with self._db.transaction() as db:
            row = db.execute("SELECT * FROM students WHERE owner = ?", (owner,)).fetchone()
        return _student(row) if row else None

    def students(self) -> list[Student]:
        """Every student, in order of arrival."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT * FROM students ORDER BY number").fetchall()
        return [_student(row) for row in rows]

    def names(self) -> dict[str, str]:
        """Owner token → displayed name, for every student."""
        return {student.owner: student.name for student in self.students()}

    def set_name(self, owner: str, raw: object) -> Naming:
        """Give the student a checked name (`classroom.names.check_name`); a name that looks like another
        student's (in any case, or with look-alike letters from another script) gets the smallest free suffix
        and a message saying so. A refused name changes nothing."""
        name, problem = check_name(raw)
        if name is None:
            return Naming(False, None, problem or "")
        student = self.join(owner)
        for _ in range(5):  # another student may take the same name between our read and our write
            with self._db.transaction() as db:
                db.execute("BEGIN IMMEDIATE")
                others = db.execute("SELECT number, name FROM students WHERE owner != ?", (owner,)).fetchall()
                names = {name_key(row["name"]): row["name"] for row in others if row["name"]}
                given = unique_name(name, set(names))
                try:
                    db.execute(
                        "UPDATE students SET name = ?, name_key = ? WHERE owner = ?",
                        (given, name_key(given), student.owner),
                    )
                except sqlite3.IntegrityError:
                    continue
            if given == name:
                return Naming(True, given, f"You are {given}.")
            other = names[name_key(name)]
            if other.casefold() == name.casefold():
                return Naming(True, given, f"Another student is already called {name}; you are {given}.")
            return Naming(True, given, f"{name} looks just like {other}, another student's name, so you are "
                                       f"{given}; choose a name that looks different to change it.")
        return Naming(False, None, "Too many students are choosing names right now; try again.")

    def rename(self, owner: str, raw: object, drawn_name: str) -> Naming:
        """The teacher's rename: as `set_name`, but only while the student is still in the class and still
        called `drawn_name` (what the teacher's page showed); otherwise nothing changes and the message says
        what happened since."""
        student = self.get(owner)
        if student is None:
            return Naming(False, None, f"{drawn_name} is no longer in the class (removed, or a new class was "
                                       "started); nobody was renamed.")
        if student.name != drawn_name:
            return Naming(False, None, f"{drawn_name} is now called {student.name} (changed since your page "
                                       "was drawn); nobody was renamed — pick the student again.")
        return self.set_name(owner, raw)

    def mark_share_seen(self, owner: str, share_id: int) -> None:
        """Remember that the student opened or dismissed the shared stack `share_id`."""
        self.join(owner)
        with self._db.transaction() as db:
            db.execute(
                "UPDATE students SET seen_share = MAX(seen_share, ?) WHERE owner = ?", (share_id, owner)
            )


def _student(row: sqlite3.Row) -> Student:
    return Student(row["owner"], row["number"], row["name"], row["seen_share"], row["joined_at"])
