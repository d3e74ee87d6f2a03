"""A class put away: the teacher's "Start a new class" and "Remove student".

An archive is a runs directory of its own under `runs/classes/` (its runs index, classroom database, run
folders and the students' stacks), so everything that reads a class reads an archive too; `class.json` says
what it holds. A new class moves the class list, every ended run, the challenges with their boards, the
shared stacks and hidden runs, the class's lesson with every student's place in their lessons, our class's
handwriting with every run's score on it, and the students' stacks into `classes/<date and time>/`, and the
class starts empty (a student who comes back joins it as a new student). Removing students moves their rows,
runs, lesson places, drawings and stacks into `classes/removed-students/`. Nothing is deleted:
`class_bundle` gives the teacher the students, runs and boards of any archive as CSV files in a zip, and the
model files stay in its folder.

Jobs still queued or training are never moved (the caller refuses while there are any): their runs are not
ended, and `RunStore.move_runs` leaves such runs where they are.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from cnnlab.classroom.class_digit_scores import SCHEMA as CLASS_DIGIT_SCORES_SCHEMA
from cnnlab.classroom.class_digits import SCHEMA as CLASS_DIGITS_SCHEMA
from cnnlab.classroom.class_digits import ClassDigits
from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.export import csv_bytes, runs_table
from cnnlab.classroom.leaderboard import standings
from cnnlab.core.names import default_name
from cnnlab.engine.db import Database
from cnnlab.engine.drafts import Drafts
from cnnlab.engine.paths import atomic_write_text, read_json
from cnnlab.engine.store import RunStore

CLASSES = "classes"  # under the runs directory
REMOVED = "removed-students"
MANIFEST = "class.json"
ALL_RUNS = 100_000
# The classroom's tables besides the class list: the class's own (challenges, shares, hidden runs, its
# lessons and their reveals), and those kept per student (by `owner`: a lesson chosen alone, lesson places,
# their drawings in our class's handwriting, the teacher's refusal of more, their runs' scores on it).
CLASS_TABLES = ("challenges", "shares", "hidden_runs", "class_lessons", "lesson_reveals")
STUDENT_TABLES = (
    "own_lessons", "lesson_places", "class_digits", "class_digit_refusals", "class_digit_scores",
)


@dataclass(frozen=True)
class ArchivedClass:
    """One archive: its folder, its title, and what it holds."""

    path: Path
    title: str
    archived_at: float
    students: int
    runs: int
    challenges: int


@dataclass(frozen=True)
class LiveClass:
    """The running class's parts an archive takes from."""

    runs_dir: Path
    store: RunStore
    drafts: Drafts
    classroom: Classroom


def past_classes(runs_dir: Path) -> list[ArchivedClass]:
    """Every archive under `runs_dir/classes`, newest first (the removed students' among them); a folder
    whose class.json is missing or unreadable (edited by hand) is left out."""
    found = []
    for folder in (runs_dir / CLASSES).glob("*"):
        manifest = read_json(folder / MANIFEST, 100_000)
        try:
            counts = [int(manifest[key]) for key in ("students", "runs", "challenges")]
            archived_at = float(manifest["archived_at"])
            found.append(ArchivedClass(folder, str(manifest["title"]), archived_at, *counts))
        except (KeyError, TypeError, ValueError):
            continue
    return sorted(found, key=lambda entry: entry.archived_at, reverse=True)


def start_new_class(live: LiveClass, now: float | None = None) -> ArchivedClass:
    """Archive the whole class into `classes/<date and time>/` and leave it empty (see the module docstring).
    The caller makes sure no job is queued or training."""
    now = time.time() if now is None else now
    stamp = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M")
    folder = _free_folder(live.runs_dir / CLASSES, stamp.replace(" ", "-").replace(":", ""))
    target = _open(folder)
    _with_every_table(live.classroom.db, target.classroom.db)
    owners = [student.owner for student in live.classroom.roster.students()]
    _move_students(live.classroom.db, target.classroom.db, None)
    for table in CLASS_TABLES + STUDENT_TABLES:
        _move_rows(live.classroom.db, target.classroom.db, table, None)
    moved = live.store.move_runs([run.run_id for run in live.store.all_runs(ALL_RUNS)], target.store)
    for owner in owners:
        live.drafts.move(owner, target.drafts)
    return _write_manifest(target, f"Class archived {stamp}", now, len(owners), len(moved))


def remove_students(live: LiveClass, owners: Iterable[str], now: float | None = None) -> ArchivedClass:
    """Move these students (their row on the class list, their ended runs and their stack) into
    `classes/removed-students/`. The caller makes sure none of them has a job queued or training."""
    owners = list(owners)
    target = _open(live.runs_dir / CLASSES / REMOVED)
    _with_every_table(live.classroom.db, target.classroom.db)
    _move_students(live.classroom.db, target.classroom.db, owners)
    for table in STUDENT_TABLES:
        _move_rows(live.classroom.db, target.classroom.db, table, owners)
    wanted = set(owners)
    live.store.move_runs([run.run_id for run in live.store.all_runs(ALL_RUNS) if run.owner in wanted],
                         target.store)
    for owner in owners:
        live.drafts.move(owner, target.drafts)
    return _write_manifest(target, "Removed students", time.time() if now is None else now,
                           len(target.classroom.roster.students()), len(target.store.all_runs(ALL_RUNS)))


def class_bundle(archive: ArchivedClass) -> bytes:
    """The archive as the teacher downloads it: a zip of students.csv, runs.csv and boards.csv (every
    challenge's final standings), each as the teacher's CSV is written (`export.csv_bytes`)."""
    target = _open(archive.path)
    names = target.classroom.roster.names()
    runs = target.store.all_runs(ALL_RUNS)
    students = pd.DataFrame(
        [(student.name, sum(run.owner == student.owner for run in runs),
          datetime.fromtimestamp(student.joined_at).strftime("%Y-%m-%d %H:%M"))
         for student in target.classroom.roster.students()],
        columns=["student", "runs", "joined"])
    hidden, class_scores = target.classroom.hidden.ids(), ClassDigits.at(archive.path).scores.lines()
    boards = pd.DataFrame(
        [(entry.challenge.title, entry.challenge.score.words, standing.rank, standing.name, standing.score,
          standing.test_accuracy, standing.params, standing.epochs)
         for entry in target.classroom.challenges.all()
         for standing in standings(entry, runs, names, hidden, class_scores)],
        columns=["challenge", "ranked by", "rank", "student", "score", "test accuracy", "parameters",
                 "epochs"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("students.csv", csv_bytes(students))
        bundle.writestr("runs.csv", csv_bytes(runs_table(runs, names)))
        bundle.writestr("boards.csv", csv_bytes(boards))
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ moving


def _open(folder: Path) -> LiveClass:
    """The archive in `folder` as a runs directory (created on first use)."""
    folder.mkdir(parents=True, exist_ok=True)
    return LiveClass(folder, RunStore(folder), Drafts(folder), Classroom.at(folder))


def _free_folder(parent: Path, name: str) -> Path:
    """`parent/name`, or `parent/name-2`, … when a class was archived in the same minute."""
    candidate, number = parent / name, 2
    while candidate.exists():
        candidate, number = parent / f"{name}-{number}", number + 1
    return candidate


def _with_every_table(*databases: Database) -> None:
    """Make sure each classroom database has the tables that other stores keep in the same file and create
    only on first use (our class's handwriting and its scores), so every table moves whether or not the class
    ever drew a digit."""
    for database in databases:
        with database.transaction() as db:
            db.executescript(CLASS_DIGITS_SCHEMA + CLASS_DIGIT_SCORES_SCHEMA)


def _owners_clause(owners: list[str] | None) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause and its parameters for the rows of `owners` (None: every row)."""
    if owners is None:
        return "1", ()
    return f"owner IN ({', '.join('?' * len(owners))})", tuple(owners)


def _move_students(source: Database, destination: Database, owners: list[str] | None) -> None:
    """Move students' rows (all of them, or those of `owners`) to another classroom database. In the archive
    each keeps the name the class saw ("Student 3" written out) under a number of the archive's own, since
    an archive of removed students collects them from many classes."""
    where, params = _owners_clause(owners)
    with source.transaction() as db:
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(f"SELECT * FROM students WHERE {where} ORDER BY number", params).fetchall()
        with destination.transaction() as archive:
            for row in rows:
                archive.execute(
                    "INSERT OR REPLACE INTO students (owner, number, name, joined_at, seen_share) VALUES "
                    "(?, (SELECT COALESCE(MAX(number), 0) + 1 FROM students), ?, ?, ?)",
                    (row["owner"], row["name"] or default_name(row["number"]), row["joined_at"],
                     row["seen_share"]))
        db.execute(f"DELETE FROM students WHERE {where}", params)


def _move_rows(source: Database, destination: Database, table: str, owners: list[str] | None) -> None:
    """Move the rows of one of the classroom's tables (`CLASS_TABLES`, `STUDENT_TABLES`) to an archive:
    every row, or those of `owners` (a table of `STUDENT_TABLES`)."""
    where, params = _owners_clause(owners)
    with source.transaction() as db:
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(f"SELECT * FROM {table} WHERE {where}", params).fetchall()
        if rows:
            columns = rows[0].keys()
            with destination.transaction() as archive:
                archive.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                                    f"VALUES ({', '.join('?' * len(columns))})", [tuple(row) for row in rows])
        db.execute(f"DELETE FROM {table} WHERE {where}", params)


def _write_manifest(target: LiveClass, title: str, now: float, students: int, runs: int) -> ArchivedClass:
    """Write `class.json` and return the archive it describes."""
    challenges = len(target.classroom.challenges.all())
    atomic_write_text(target.runs_dir / MANIFEST, json.dumps(
        {"title": title, "archived_at": now, "students": students, "runs": runs, "challenges": challenges}))
    return ArchivedClass(target.runs_dir, title, now, students, runs, challenges)
