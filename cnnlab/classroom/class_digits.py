"""Our class's handwriting: the digits students drew on Predict and added to the class's set, kept in the
classroom database (`classroom.sqlite3` in the runs directory), so the set survives a restart.

Each drawing is one row: the 28×28 image as the model receives it (784 bytes, uint8: the model's input × 255,
MNIST's own layout), the digit its author says it is, who drew it (owner token, and their name then) and
when. Rows rather than an array file: adding or deleting one drawing is one small transaction that the web
server, the command line and a second server can make side by side (SQLite's WAL), never a rewrite of every
image, and a drawing cannot lose its label or author half-way. The whole set is at most `MAX_DRAWINGS` × 784
bytes (1.5 MB), read in one query.

The teacher can delete any drawing, or every drawing of one student, and refuse a student's further drawings
("hide them" from the set, `delete_student(…, refuse_more=True)`: the dashboard's "and take no more drawings
from them"). The caps (`cnnlab.core.class_digits`) and the checks on labels and images are applied here,
whatever calls `add`.

This store is also the job manager's `ClassSetSource` (`engine.class_set`): `for_run` gives a digits run the
set as it is when the run starts training, and `record` keeps the score it got (`ClassDigitScores`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.classroom.class_digit_scores import SCHEMA as SCORES_SCHEMA
from cnnlab.classroom.class_digit_scores import ClassDigitScores
from cnnlab.classroom.classroom import CLASSROOM_DB
from cnnlab.core.class_digits import (
    DIGITS,
    MAX_DRAWINGS,
    MAX_DRAWINGS_PER_STUDENT,
    is_digits_run,
    parse_digit,
)
from cnnlab.core.messages import show_value
from cnnlab.core.mnist import IMAGE_SIDE
from cnnlab.engine.class_set import ClassScore, ClassSet
from cnnlab.engine.db import Database
from cnnlab.engine.owners import is_owner_token

SCHEMA = """
CREATE TABLE IF NOT EXISTS class_digits (
    drawing_id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    pixels BLOB NOT NULL CHECK (length(pixels) = 784),
    drawn_at REAL NOT NULL,
    UNIQUE (owner, pixels)
);
CREATE INDEX IF NOT EXISTS class_digits_by_label ON class_digits (label, drawing_id);
CREATE TABLE IF NOT EXISTS class_digit_refusals (
    owner TEXT PRIMARY KEY,
    refused_at REAL NOT NULL
);
"""
MAX_NAME_CHARS = 60  # the author's name as kept with a drawing (class names have at most 24 characters)
REFUSED_MESSAGE = "Your teacher is not taking drawings from you for our class's digits; nothing was added."


@dataclass(frozen=True, eq=False)
class Drawing:
    """One drawing of the class's set."""

    drawing_id: int
    owner: str  # who drew it; for the teacher's actions, never displayed
    name: str  # their name when they added it
    label: int  # the digit its author says it is
    pixels: np.ndarray  # (28, 28) uint8: the model's input × 255
    drawn_at: float  # seconds since the epoch


@dataclass(frozen=True)
class Adding:
    """The outcome of adding a drawing: a message for the student, and the new drawing's id when added."""

    ok: bool
    message: str
    drawing_id: int | None = None


@dataclass(frozen=True)
class ClassCounts:
    """How many drawings the set holds, in all and of each digit."""

    total: int
    per_digit: tuple[int, ...]  # per_digit[d]: drawings labelled d


def drawing_pixels(image: object) -> tuple[np.ndarray | None, str]:
    """A drawing as stored: (28, 28) uint8, or (None, why not). Takes the model's input as Predict makes it
    (float, 0…1) or grey levels (integers, 0…255), shaped (28, 28) or (28, 28, 1).

    Example: a float array of shape (28, 28) with values 0…1 → its values × 255, rounded; an array of shape
    (2800, 2800), a string, or values of 7.5 → a message saying what a drawing must be.
    """
    array = image if isinstance(image, np.ndarray) else None
    if array is None or array.dtype.kind not in "fiu":
        kind = type(image).__name__ if array is None else f"an array of {array.dtype}"
        return None, f"a drawing is a 28×28 image of numbers (got {kind})"
    if array.shape == (IMAGE_SIDE, IMAGE_SIDE, 1):
        array = array[:, :, 0]
    if array.shape != (IMAGE_SIDE, IMAGE_SIDE):
        shown = "×".join(str(side) for side in array.shape[:4]) or "a single number"
        return None, f"a drawing is a 28×28 image as the model receives it (got {shown})"
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            highest = show_value(float(array.max()))
            return None, f"a drawing's pixels go from 0 to 1 (got values up to {highest})"
        array = np.rint(array * 255)
    elif array.min() < 0 or array.max() > 255:
        return None, f"a drawing's grey levels go from 0 to 255 (got values up to {int(array.max()):,})"
    pixels = array.astype(np.uint8)
    if not pixels.any():
        return None, "the drawing is empty: draw a digit first"
    return pixels, ""


class ClassDigits:
    """The class's drawings and the runs' scores on them, in the classroom database."""

    def __init__(self, db: Database) -> None:
        """Keep drawings in `db`, whose schema includes `SCHEMA` and the scores' schema."""
        self._db = db
        self.scores = ClassDigitScores(db)

    @classmethod
    def at(cls, runs_dir: Path) -> ClassDigits:
        """The class's drawings in `runs_dir/classroom.sqlite3`, beside the rest of the classroom."""
        return cls(Database(runs_dir / CLASSROOM_DB, SCHEMA + SCORES_SCHEMA))

    # ---- a student adds -----------------------------------------------------------------------------------

    def add(self, owner: object, name: str, image: object, label: object) -> Adding:
        """Add the drawing of the student `owner` (called `name` in the class) labelled `label`; a bad label
        or image, a refused student, a repeat of the same drawing or a full set changes nothing, says why."""
        if not is_owner_token(owner):
            return Adding(False, "This browser session has no valid identity; reload the page.")
        digit, problem = parse_digit(label)
        if digit is None:
            return Adding(False, f"Not added: {problem}.")
        pixels, problem = drawing_pixels(image)
        if pixels is None:
            return Adding(False, f"Not added: {problem}.")
        name = " ".join(str(name).split())[:MAX_NAME_CHARS]
        with self._db.transaction() as db:
            db.execute("BEGIN IMMEDIATE")  # the caps are counted and the row written as one step
            if db.execute("SELECT 1 FROM class_digit_refusals WHERE owner = ?", (owner,)).fetchone():
                return Adding(False, REFUSED_MESSAGE)
            mine = db.execute("SELECT COUNT(*) FROM class_digits WHERE owner = ?", (owner,)).fetchone()[0]
            total = db.execute("SELECT COUNT(*) FROM class_digits").fetchone()[0]
            if mine >= MAX_DRAWINGS_PER_STUDENT:
                return Adding(False, f"You have added {mine} drawings, the most one student may add (so that "
                                     "the set is the whole class's handwriting); nothing was added.")
            if total >= MAX_DRAWINGS:
                return Adding(False, f"Our class's digits are full ({total:,} drawings, the most the set "
                                     "holds so that every run is scored on it quickly); nothing was added.")
            try:
                cursor = db.execute(
                    "INSERT INTO class_digits (owner, name, label, pixels, drawn_at) VALUES (?, ?, ?, ?, ?)",
                    (owner, name, digit, pixels.tobytes(), time.time()),
                )
            except sqlite3.IntegrityError:
                return Adding(False, "This very drawing is already in our class's digits; draw another one.")
        return Adding(True, f"Added your {digit} to our class's digits: {total + 1:,} drawing"
                            f"{'s' * (total != 0)} in all, {mine + 1} of them yours.", cursor.lastrowid)

    # ---- reading -----------------------------------------------------------------------------------------

    def drawings(self, drawing_ids: tuple[int, ...] | None = None) -> list[Drawing]:
        """Every drawing (or those of `drawing_ids` still kept), oldest first."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT * FROM class_digits ORDER BY drawing_id").fetchall()
        wanted = None if drawing_ids is None else set(drawing_ids)
        return [_drawing(row) for row in rows if wanted is None or row["drawing_id"] in wanted]

    def ids(self) -> tuple[int, ...]:
        """The ids of the drawings kept now, oldest first: what a run's score is compared with."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT drawing_id FROM class_digits ORDER BY drawing_id").fetchall()
        return tuple(row[0] for row in rows)

    def counts(self) -> ClassCounts:
        """How many drawings there are, in all and of each digit."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT label, COUNT(*) FROM class_digits GROUP BY label").fetchall()
        by_label = {row[0]: row[1] for row in rows}
        per_digit = tuple(by_label.get(digit, 0) for digit in DIGITS)
        return ClassCounts(sum(per_digit), per_digit)

    def class_set(self) -> ClassSet | None:
        """The whole set in the Keras layout (images (N, 28, 28) uint8, labels (N,) uint8); None if empty."""
        drawings = self.drawings()
        if not drawings:
            return None
        return ClassSet(
            images=np.stack([drawing.pixels for drawing in drawings]),
            labels=np.array([drawing.label for drawing in drawings], dtype=np.uint8),
            ids=tuple(drawing.drawing_id for drawing in drawings),
        )

    def for_run(self, config: Mapping[str, object]) -> ClassSet | None:
        """The set a run of these settings is scored on when it starts: the whole set for a digits run, None
        for another dataset's run or while the set is empty (`engine.class_set.ClassSetSource`)."""
        return self.class_set() if is_digits_run(config) else None

    def record(self, run_id: str, owner: str, score: ClassScore) -> None:
        """Keep a run's score on the set (`engine.class_set.ClassSetSource`): `ClassDigitScores.record`."""
        self.scores.record(run_id, owner, score)

    # ---- the teacher -------------------------------------------------------------------------------------

    def delete(self, drawing_id: object) -> bool:
        """Delete one drawing; False when there is no such drawing (already deleted)."""
        if not isinstance(drawing_id, int) or isinstance(drawing_id, bool):
            return False
        with self._db.transaction() as db:
            return db.execute("DELETE FROM class_digits WHERE drawing_id = ?", (drawing_id,)).rowcount > 0

    def delete_student(self, owner: object, *, refuse_more: bool = False) -> int:
        """Delete every drawing of one student and return how many; with `refuse_more`, their later drawings
        are refused too (until `accept_again`): the dashboard's "Delete this student's drawings"."""
        if not is_owner_token(owner):
            return 0
        with self._db.transaction() as db:
            deleted = db.execute("DELETE FROM class_digits WHERE owner = ?", (owner,)).rowcount
            if refuse_more:
                db.execute("INSERT OR IGNORE INTO class_digit_refusals (owner, refused_at) VALUES (?, ?)",
                           (owner, time.time()))
        return deleted

    def accept_again(self, owner: object) -> None:
        """Take a refused student's drawings again."""
        with self._db.transaction() as db:
            db.execute("DELETE FROM class_digit_refusals WHERE owner = ?", (str(owner),))

    def refused(self) -> frozenset[str]:
        """The students whose drawings are refused."""
        with self._db.transaction() as db:
            return frozenset(row[0] for row in db.execute("SELECT owner FROM class_digit_refusals"))


def _drawing(row: sqlite3.Row) -> Drawing:
    """A `Drawing` from its row."""
    pixels = np.frombuffer(row["pixels"], dtype=np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)
    return Drawing(row["drawing_id"], row["owner"], row["name"], row["label"], pixels, row["drawn_at"])
