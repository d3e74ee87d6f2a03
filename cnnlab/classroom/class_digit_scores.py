"""Each run's score on our class's handwriting, kept in the classroom database beside the drawings.

When a score is made: a digits run is scored at the end of its training on the set as it was when it started
training (the job manager sends the drawings with the job; `engine.class_set`); a run that finished before
the class had drawings, or was stopped, or whose set has changed since (a drawing added or deleted), is scored
again only when its student asks on Results, by the inference worker (`class_digit_scoring`), never in the
web server. Every score keeps the ids of the drawings it covers, so Results says "(54 drawings)" and knows
when the set has moved on; a new score replaces the old. Reads take the owner: a stranger's run has no score.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass

from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.db import Database
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.store import is_run_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS class_digit_scores (
    run_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    accuracy REAL NOT NULL,
    drawings INTEGER NOT NULL,
    document TEXT NOT NULL,
    scored_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class ScoreLine:
    """A run's score in one line, for leaderboards: accuracy on how many drawings."""

    accuracy: float
    drawings: int


class ClassDigitScores:
    """Runs' scores on the class's drawings (`ClassScore`), one per run."""

    def __init__(self, db: Database) -> None:
        """Keep them in `db`, whose schema includes `SCHEMA`."""
        self._db = db

    def record(self, run_id: str, owner: str, score: ClassScore) -> None:
        """Keep `score` as the run's score, replacing an earlier one."""
        if not is_run_id(run_id) or not is_owner_token(owner):
            raise ValueError("a class score belongs to a run id and its owner's token")
        document = json.dumps(asdict(score))
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO class_digit_scores (run_id, owner, accuracy, drawings, document, "
                "scored_at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, owner, score.accuracy, score.drawings, document, score.scored_at),
            )

    def get(self, run_id: object, owner: object) -> ClassScore | None:
        """The run's score if it has one and belongs to `owner`, else None."""
        if not is_run_id(run_id) or not is_owner_token(owner):
            return None
        with self._db.transaction() as db:
            row = db.execute("SELECT document FROM class_digit_scores WHERE run_id = ? AND owner = ?",
                             (run_id, owner)).fetchone()
        return _score(row) if row else None

    def lines(self) -> dict[str, ScoreLine]:
        """Every scored run's accuracy and drawings by run id: for the leaderboards and the teacher only."""
        with self._db.transaction() as db:
            rows = db.execute("SELECT run_id, accuracy, drawings FROM class_digit_scores").fetchall()
        return {row["run_id"]: ScoreLine(row["accuracy"], row["drawings"]) for row in rows}


def _score(row: sqlite3.Row) -> ClassScore:
    """A `ClassScore` read back from its JSON document."""
    fields = json.loads(row["document"])
    fields["confusion"] = tuple(tuple(line) for line in fields["confusion"])
    for name in ("drawing_ids", "predicted", "confidence"):
        fields[name] = tuple(fields[name])
    return ClassScore(**fields)
