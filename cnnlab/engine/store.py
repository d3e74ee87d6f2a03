"""Runs on disk: one directory per run plus a SQLite index, so the run list survives a server restart.

Layout under the runs directory (`Settings.runs_dir`):
    index.sqlite3            one row per run: owner, name, state, spec, config, final figures (`engine.db`)
    leases/<manager>.lock    flock held by a live job manager; a run whose manager's lease is free was cut off
    <run_id>/spec.json, config.json, metrics.json, result.json, model.h5, model.keras
                             and, once exported on demand, model.onnx and model-keras2.h5 (a big model's
                             model.keras too: see `engine.storage`)

The index also keeps each run's bytes on disk (for the storage budgets), how many test images it was scored
on (a whole score ranks, see `engine.scores`) and who stopped it. A student deletes their own run with
`delete`: its row goes first, then its folder.

Every file is written atomically (temporary file, then rename) and a run is marked finished only after its
files are in place, so a killed server leaves each run either complete or marked interrupted. Every read takes
the owner and answers as if the run did not exist for anyone else; run ids are checked against a strict
pattern before they touch a path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

import numpy as np

from cnnlab.core.datasets import DEFAULT_DATASET
from cnnlab.core.export_rules import ExportFormat
from cnnlab.core.messages import finite_number
from cnnlab.engine.db import Database
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.paths import atomic_write_bytes, atomic_write_text, read_json

_RUN_ID = re.compile(r"[0-9a-f]{16}")
_INDEX = "index.sqlite3"
_ORPHAN_AGE_S = 60  # an unindexed run directory younger than this may be another server's `create` in flight
_LEASES = "leases"
INTERRUPTED_MESSAGE = "the server stopped while this run was waiting or training; run it again"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    params INTEGER NOT NULL,
    spec TEXT NOT NULL,
    config TEXT NOT NULL,
    manager TEXT NOT NULL,
    test_loss REAL,
    test_accuracy REAL,
    samples_per_second REAL,
    elapsed_s REAL,
    tested_images INTEGER,
    stopped_by TEXT,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_owner ON runs (owner, created_at);
"""
_ADDED_COLUMNS = {  # columns an index made before them lacks: added (and filled in) when it is opened
    "tested_images": "INTEGER",
    "stopped_by": "TEXT",
    "bytes": "INTEGER NOT NULL DEFAULT 0",
}
_RESULT_COLUMNS = ("test_loss", "test_accuracy", "samples_per_second", "elapsed_s", "tested_images")


class JobState(StrEnum):
    """Where a job (and its stored run) is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"  # stop requested; finishing the current batch, then testing and saving
    FINISHED = "finished"
    STOPPED = "stopped"  # stopped early by its owner; the model trained so far is kept
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # cut off by a server restart

    @property
    def is_final(self) -> bool:
        """True once nothing about the job will change any more."""
        return self in _FINAL_STATES


_FINAL_STATES = frozenset({JobState.FINISHED, JobState.STOPPED, JobState.FAILED, JobState.INTERRUPTED})
_LIVE_STATES = tuple(state.value for state in JobState if not state.is_final)


class Stopper(StrEnum):
    """Who stopped a run before it finished."""

    STUDENT = "student"  # its owner pressed Stop
    TEACHER = "teacher"  # the teacher stopped or cancelled it from the dashboard
    LIMIT = "limit"  # the server, at its time limit per job


class ModelFormat(StrEnum):
    """The two files a trained model is saved as."""

    H5 = "h5"  # legacy HDF5, the format of the Keras intro post's model.save('cnn_mnist_v1.h5')
    KERAS = "keras"  # Keras 3's native zip

    @property
    def suffix(self) -> str:
        """The end of its file names, e.g. '.h5' (as `ExportFormat.suffix`)."""
        return f".{self.value}"

    @property
    def filename(self) -> str:
        """The file's name inside the run directory, e.g. 'model.h5'."""
        return f"model{self.suffix}"

    @property
    def title(self) -> str:
        """How pages and messages name it (as `ExportFormat.title`): ".h5", ".keras"."""
        return self.suffix


RunFile = ModelFormat | ExportFormat  # a model file kept with a run: trained, or exported from it


@dataclass(frozen=True)
class RunRecord:
    """One run as the index knows it; `spec` and `config` are enough to run it again."""

    run_id: str
    owner: str
    name: str
    state: JobState
    message: str
    created_at: float
    updated_at: float
    params: int
    spec: dict
    config: dict
    test_loss: float | None
    test_accuracy: float | None
    samples_per_second: float | None
    elapsed_s: float | None
    tested_images: int | None = None  # test images its score covers (`engine.scores.is_whole`)
    stopped_by: Stopper | None = None
    bytes: int = 0  # its files on disk


@dataclass(frozen=True, eq=False)
class RunResult:
    """How a trained model did on the test images of its run's dataset (all 10,000, or the first ones after a
    stop)."""

    test_loss: float
    test_accuracy: float
    confusion: tuple[tuple[int, ...], ...]  # confusion[true][predicted], 10 × 10
    predicted: np.ndarray  # (N,) uint8, the predicted class per test image (N = 10,000 for a whole score)
    confidence: np.ndarray  # (N,) float32, the softmax probability of that class
    class_names: tuple[str, ...] = DEFAULT_DATASET.class_names  # by label; results from before: digits


@dataclass(frozen=True)
class Lease:
    """A live job manager's claim on its runs: while `handle` is open the flock is held."""

    manager_id: str
    handle: IO[str]


def new_run_id() -> str:
    """A fresh unguessable run id (16 hex digits from `secrets`)."""
    return secrets.token_hex(8)


def is_run_id(value: object) -> bool:
    """True for strings shaped exactly like `new_run_id()` output, so they are safe in paths."""
    return isinstance(value, str) and _RUN_ID.fullmatch(value) is not None


class RunStore:
    """The runs directory and its index; safe to use from several threads and processes."""

    def __init__(self, root: Path) -> None:
        """Open (creating if needed) the store at `root`."""
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / _LEASES).mkdir(exist_ok=True)
        self._index = Database(self.root / _INDEX, _SCHEMA)
        with self._index.transaction() as db:  # the index exists from now on, for other processes too
            known = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
            added = [name for name in _ADDED_COLUMNS if name not in known]
            for name in added:
                db.execute(f"ALTER TABLE runs ADD COLUMN {name} {_ADDED_COLUMNS[name]}")
        if added:
            self._fill_in_added_columns()

    def _fill_in_added_columns(self) -> None:
        """Give the runs of an older index their bytes on disk and the test images their result covers."""
        with self._index.transaction() as db:
            rows = db.execute("SELECT run_id, test_accuracy FROM runs").fetchall()
        for row in rows:
            tested = None
            if row["test_accuracy"] is not None:
                document = read_json(self._dir(row["run_id"]) / "result.json")
                predicted = document.get("predicted") if isinstance(document, dict) else None
                tested = len(predicted) if isinstance(predicted, list) else None
            with self._index.transaction() as db:
                db.execute("UPDATE runs SET tested_images = ? WHERE run_id = ?", (tested, row["run_id"]))
            self._count_bytes(row["run_id"])

    def _dir(self, run_id: str) -> Path:
        """The run's directory; anything but a well-formed run id is refused before it reaches a path."""
        if not is_run_id(run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        return self.root / run_id

    def acquire_lease(self) -> Lease:
        """Claim runs for a job manager: its lease file stays locked until released or its process dies."""
        manager_id = new_run_id()  # same shape as a run id, so `is_run_id` guards its path too
        handle = (self.root / _LEASES / f"{manager_id}.lock").open("w")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return Lease(manager_id, handle)

    def release_lease(self, lease: Lease) -> None:
        """Give up a lease (the manager shut down); its file is removed."""
        (self.root / _LEASES / f"{lease.manager_id}.lock").unlink(missing_ok=True)
        lease.handle.close()

    def _lease_is_live(self, manager_id: str) -> bool:
        """True while the manager that owns `manager_id` still holds its flock (in any process)."""
        path = self.root / _LEASES / f"{manager_id}.lock"
        if not is_run_id(manager_id) or not path.exists():
            return False
        with path.open("a") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(probe, fcntl.LOCK_UN)
        return False

    def recover(self) -> int:
        """Tidy up after a server that died: mark its unfinished runs interrupted, drop half-written files.

        Returns how many runs were marked interrupted. Runs of managers still alive (their lease is held) are
        left alone, so two servers may share one runs directory.
        """
        with self._index.transaction() as db:
            rows = db.execute(
                f"SELECT run_id, manager FROM runs WHERE state IN ({','.join('?' * len(_LIVE_STATES))})",
                _LIVE_STATES,
            ).fetchall()
            dead = [row["run_id"] for row in rows if not self._lease_is_live(row["manager"])]
            db.executemany(
                "UPDATE runs SET state = ?, message = ?, updated_at = ? WHERE run_id = ?",
                [(JobState.INTERRUPTED.value, INTERRUPTED_MESSAGE, time.time(), run_id) for run_id in dead],
            )
            known = {row["run_id"] for row in db.execute("SELECT run_id FROM runs")}
        for entry in self.root.iterdir():
            if is_run_id(entry.name) and entry.is_dir():
                if entry.name not in known:
                    if time.time() - entry.stat().st_mtime > _ORPHAN_AGE_S:
                        shutil.rmtree(entry)  # never indexed: `create` died before its row was committed
                    continue
                for leftover in entry.glob(".*.tmp"):
                    leftover.unlink(missing_ok=True)
        for lock in (self.root / _LEASES).glob("*.lock"):
            if not self._lease_is_live(lock.stem):
                lock.unlink(missing_ok=True)
        return len(dead)

    def create(self, owner: str, name: str, spec: dict, config: dict, params: int, lease: Lease,
               created_at: float | None = None) -> str:
        """Record a new queued run (files first, then the index row) and return its id."""
        if not is_owner_token(owner):
            raise ValueError("owner must be a token from cnnlab.engine.owners.new_owner_token")
        run_id = new_run_id()
        run_dir = self._dir(run_id)
        run_dir.mkdir()
        atomic_write_text(run_dir / "spec.json", json.dumps(spec, indent=1))
        atomic_write_text(run_dir / "config.json", json.dumps(config, indent=1))
        now = time.time()
        created_at = now if created_at is None else created_at
        with self._index.transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, owner, name, state, created_at, updated_at, params, spec, config,"
                " manager) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, owner, name, JobState.QUEUED.value, created_at, now, params, json.dumps(spec),
                 json.dumps(config), lease.manager_id),
            )
        return run_id

    def set_state(self, run_id: str, state: JobState, message: str = "", stopped_by: Stopper | None = None,
                  **figures: float | None) -> None:
        """Set a run's state and message, who stopped it (if someone did), and any of `_RESULT_COLUMNS`
        (test loss, accuracy, speed, time, test images scored). A final state also counts its bytes."""
        unknown = set(figures) - set(_RESULT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run figures: {sorted(unknown)}")
        columns = ["state = ?", "message = ?", "updated_at = ?"] + [f"{name} = ?" for name in figures]
        values = [state.value, message, time.time(), *(finite_number(value) for value in figures.values())]
        if stopped_by is not None:
            columns.append("stopped_by = ?")
            values.append(stopped_by.value)
        with self._index.transaction() as db:
            db.execute(f"UPDATE runs SET {', '.join(columns)} WHERE run_id = ?", (*values, run_id))
        if state.is_final:
            self._count_bytes(run_id)

    def _count_bytes(self, run_id: str) -> None:
        """Record the bytes the run's folder holds now (its files are few: a listing and a stat each)."""
        with contextlib.suppress(FileNotFoundError):  # deleted meanwhile: nothing to count
            size = sum(entry.stat().st_size for entry in self._dir(run_id).iterdir() if entry.is_file())
            with self._index.transaction() as db:
                db.execute("UPDATE runs SET bytes = ? WHERE run_id = ?", (size, run_id))

    def usage(self, owner: str | None = None) -> int:
        """Bytes the runs of `owner` (None: every owner) hold on disk, as last counted."""
        with self._index.transaction() as db:
            if owner is None:
                row = db.execute("SELECT COALESCE(SUM(bytes), 0) AS total FROM runs").fetchone()
            else:
                row = db.execute("SELECT COALESCE(SUM(bytes), 0) AS total FROM runs WHERE owner = ?",
                                 (owner,)).fetchone()
        return int(row["total"])

    def usage_by_owner(self) -> dict[str, int]:
        """Bytes on disk per owner, for the teacher's dashboard."""
        with self._index.transaction() as db:
            rows = db.execute("SELECT owner, SUM(bytes) AS total FROM runs GROUP BY owner").fetchall()
        return {row["owner"]: int(row["total"] or 0) for row in rows}

    def delete(self, run_id: object, owner: object) -> bool:
        """Delete the owner's run for good: its row (so no list, export or leaderboard shows it any more),
        then its folder. Only a run in a final state; True if it was deleted."""
        record = self.get(run_id, owner)
        if record is None or not record.state.is_final:
            return False
        with self._index.transaction() as db:
            db.execute("DELETE FROM runs WHERE run_id = ? AND owner = ?", (run_id, owner))
        shutil.rmtree(self._dir(record.run_id), ignore_errors=True)
        return True

    def save_metrics(self, run_id: str, metrics: dict) -> None:
        """Write the run's metric history (batch points, per-epoch figures) as metrics.json."""
        atomic_write_text(self._dir(run_id) / "metrics.json", json.dumps(metrics, allow_nan=False))

    def save_result(self, run_id: str, result: RunResult) -> None:
        """Write the test figures, confusion matrix (with its class names) and per-image predictions as
    result.json."""
        document = {
            "test_loss": result.test_loss,
            "test_accuracy": result.test_accuracy,
            "confusion": [list(row) for row in result.confusion],
            "classes": list(result.class_names),
            "predicted": result.predicted.astype(int).tolist(),
            "confidence": np.round(result.confidence.astype(float), 5).tolist(),
        }
        atomic_write_text(self._dir(run_id) / "result.json", json.dumps(document))

    def save_model(self, run_id: str, fmt: RunFile, data: bytes) -> None:
        """Write one model file (bytes produced by a worker) atomically into the run directory."""
        atomic_write_bytes(self._dir(run_id) / fmt.filename, data)
        self._count_bytes(run_id)

    def move_runs(self, run_ids: Iterable[str], destination: RunStore) -> list[str]:
        """Move ended runs (index row and folder) into another runs directory, such as an archived class;
        a run still queued or training stays. Returns the ids moved.

        The row is copied first, then the folder renamed, then the row deleted here: a crash in between
        leaves the run in both indexes (and its files in one place), never in neither.
        """
        moved = []
        for run_id in filter(is_run_id, run_ids):
            with self._index.transaction() as db:
                row = db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None or not JobState(row["state"]).is_final:
                continue
            columns = row.keys()
            with destination._index.transaction() as db:
                db.execute(f"INSERT OR REPLACE INTO runs ({', '.join(columns)}) "
                           f"VALUES ({', '.join('?' * len(columns))})", tuple(row))
            if self._dir(run_id).is_dir():
                self._dir(run_id).replace(destination._dir(run_id))
            with self._index.transaction() as db:
                db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            moved.append(run_id)
        return moved

    def get(self, run_id: object, owner: object) -> RunRecord | None:
        """The run if it exists and belongs to `owner`, else None (a stranger's run looks like no run)."""
        if not is_run_id(run_id) or not is_owner_token(owner):
            return None
        with self._index.transaction() as db:
            row = db.execute("SELECT * FROM runs WHERE run_id = ? AND owner = ?", (run_id, owner)).fetchone()
        return _record(row) if row else None

    def runs(self, owner: object, limit: int = 500) -> list[RunRecord]:
        """The owner's runs, newest first."""
        if not is_owner_token(owner):
            return []
        with self._index.transaction() as db:
            rows = db.execute(
                "SELECT * FROM runs WHERE owner = ? ORDER BY created_at DESC LIMIT ?", (owner, limit)
            ).fetchall()
        return [_record(row) for row in rows]

    def all_runs(self, limit: int = 10_000) -> list[RunRecord]:
        """Every owner's runs, newest first: for the teacher's dashboard, exports and the leaderboard only."""
        with self._index.transaction() as db:
            rows = db.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [_record(row) for row in rows]

    def metrics(self, run_id: object, owner: object) -> dict | None:
        """The run's metric history (see `save_metrics`), or None if absent or not the owner's."""
        return self._read_json(run_id, owner, "metrics.json")

    def result(self, run_id: object, owner: object) -> RunResult | None:
        """The run's test result, or None if it has none yet or is not the owner's."""
        document = self._read_json(run_id, owner, "result.json")
        if document is None:
            return None
        return RunResult(
            test_loss=document["test_loss"],
            test_accuracy=document["test_accuracy"],
            confusion=tuple(tuple(row) for row in document["confusion"]),
            predicted=np.asarray(document["predicted"], dtype=np.uint8),
            confidence=np.asarray(document["confidence"], dtype=np.float32),
            class_names=tuple(document.get("classes", DEFAULT_DATASET.class_names)),
        )

    def model_file(self, run_id: object, owner: object, fmt: RunFile = ModelFormat.H5) -> Path | None:
        """Path of the run's saved model in `fmt`, or None if there is none or the run is not the owner's."""
        if self.get(run_id, owner) is None:
            return None
        path = self._dir(run_id) / fmt.filename
        return path if path.is_file() else None

    def _read_json(self, run_id: object, owner: object, filename: str) -> dict | None:
        """A JSON file of the owner's run, or None."""
        if self.get(run_id, owner) is None:
            return None
        return read_json(self._dir(run_id) / filename)  # None if not written yet: the run shows without it


def _record(row: sqlite3.Row) -> RunRecord:
    """A `RunRecord` from an index row."""
    return RunRecord(
        run_id=row["run_id"],
        owner=row["owner"],
        name=row["name"],
        state=JobState(row["state"]),
        message=row["message"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        params=row["params"],
        spec=json.loads(row["spec"]),
        config=json.loads(row["config"]),
        test_loss=row["test_loss"],
        test_accuracy=row["test_accuracy"],
        samples_per_second=row["samples_per_second"],
        elapsed_s=row["elapsed_s"],
        tested_images=row["tested_images"],
        stopped_by=Stopper(row["stopped_by"]) if row["stopped_by"] else None,
        bytes=row["bytes"],
    )
