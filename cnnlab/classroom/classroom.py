"""The classroom: the class list, the challenges, the stacks the teacher shared, the runs hidden from the
leaderboard, where every student is in their lessons and the new identities each browser started, kept
together in one SQLite file in the runs directory so a class survives a server restart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cnnlab.classroom import challenges, hidden_runs, identities, lesson_progress, roster, shares
from cnnlab.classroom.challenges import ChallengeStore
from cnnlab.classroom.hidden_runs import HiddenRuns
from cnnlab.classroom.identities import IdentityLog
from cnnlab.classroom.lesson_progress import LessonProgress
from cnnlab.classroom.roster import Roster
from cnnlab.classroom.shares import ShareBoard
from cnnlab.engine.db import Database

CLASSROOM_DB = "classroom.sqlite3"


@dataclass(frozen=True)
class Classroom:
    """The class's stores, sharing one database (`db`)."""

    roster: Roster
    challenges: ChallengeStore
    shares: ShareBoard
    hidden: HiddenRuns
    lesson_progress: LessonProgress
    identities: IdentityLog
    db: Database

    @classmethod
    def at(cls, runs_dir: Path) -> Classroom:
        """The classroom kept in `runs_dir/classroom.sqlite3` (created on first use)."""
        db = Database(runs_dir / CLASSROOM_DB, roster.SCHEMA + challenges.SCHEMA + shares.SCHEMA
                      + hidden_runs.SCHEMA + lesson_progress.SCHEMA + identities.SCHEMA)
        return cls(Roster(db), ChallengeStore(db), ShareBoard(db), HiddenRuns(db), LessonProgress(db),
                   IdentityLog(db), db)
