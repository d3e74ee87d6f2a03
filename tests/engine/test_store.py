"""The run store: owner checks on every read, strict ids, atomic files, recovery after a dead server."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.store import INTERRUPTED_MESSAGE, JobState, ModelFormat, RunResult, RunStore, is_run_id

SPEC = {"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10,
                                                                       "activation": "softmax"}]}
CONFIG = {"epochs": 1, "batch_size": 128}


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs")


def _create(store: RunStore, owner: str) -> str:
    lease = store.acquire_lease()
    run_id = store.create(owner, "net", SPEC, CONFIG, 7850, lease)
    store.release_lease(lease)
    return run_id


def test_a_new_run_is_queued_with_its_spec_and_config(store: RunStore) -> None:
    owner = new_owner_token()
    run_id = _create(store, owner)
    record = store.get(run_id, owner)
    assert is_run_id(run_id)
    assert (record.state, record.name, record.params, record.spec, record.config) == (
        JobState.QUEUED, "net", 7850, SPEC, CONFIG)
    assert json.loads((store.root / run_id / "spec.json").read_text()) == SPEC
    assert json.loads((store.root / run_id / "config.json").read_text()) == CONFIG
    assert store.runs(owner) == [record]


def test_runs_are_listed_newest_first(store: RunStore) -> None:
    owner = new_owner_token()
    first, second = _create(store, owner), _create(store, owner)
    assert [record.run_id for record in store.runs(owner)] == [second, first]


def test_another_owner_sees_nothing(store: RunStore) -> None:
    owner, stranger = new_owner_token(), new_owner_token()
    run_id = _create(store, owner)
    store.save_model(run_id, ModelFormat.H5, b"weights")
    store.save_metrics(run_id, {"batch_points": []})
    assert store.get(run_id, stranger) is None
    assert store.runs(stranger) == []
    assert store.metrics(run_id, stranger) is None
    assert store.result(run_id, stranger) is None
    assert store.model_file(run_id, stranger) is None
    assert store.model_file(run_id, owner).read_bytes() == b"weights"


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "..", "/etc/passwd", "0123456789ABCDEF", "0" * 15,
                                    "0123456789abcdef/..", "", None, 5, ["0123456789abcdef"]])
def test_ids_that_are_not_run_ids_are_refused_before_any_path(store: RunStore, bad_id: object) -> None:
    owner = new_owner_token()
    assert store.get(bad_id, owner) is None
    assert store.model_file(bad_id, owner) is None
    assert store.metrics(bad_id, owner) is None
    with pytest.raises(ValueError):
        store.save_metrics(bad_id, {})  # type: ignore[arg-type]


def test_owner_must_be_a_token(store: RunStore) -> None:
    lease = store.acquire_lease()
    with pytest.raises(ValueError):
        store.create("alice", "net", SPEC, CONFIG, 1, lease)
    run_id = store.create(new_owner_token(), "net", SPEC, CONFIG, 1, lease)
    assert store.get(run_id, "' OR 1=1 --") is None


def test_state_figures_and_result_round_trip(store: RunStore) -> None:
    owner = new_owner_token()
    run_id = _create(store, owner)
    store.set_state(run_id, JobState.FINISHED, "", test_loss=0.05, test_accuracy=0.9891,
                    samples_per_second=float("nan"), elapsed_s=12.5)
    record = store.get(run_id, owner)
    assert (record.state, record.test_accuracy, record.samples_per_second, record.elapsed_s) == (
        JobState.FINISHED, 0.9891, None, 12.5)
    confusion = tuple(tuple(10 * (row == col) for col in range(10)) for row in range(10))
    predicted = np.arange(10000, dtype=np.uint8) % 10
    store.save_result(run_id, RunResult(0.05, 0.9891, confusion, predicted, np.full(10000, 0.5, np.float32)))
    result = store.result(run_id, owner)
    assert (result.test_loss, result.test_accuracy, result.confusion) == (0.05, 0.9891, confusion)
    assert result.predicted.dtype == np.uint8 and np.array_equal(result.predicted, predicted)
    assert result.confidence.dtype == np.float32 and result.confidence[0] == 0.5
    with pytest.raises(ValueError):
        store.set_state(run_id, JobState.FAILED, "x", owner="someone")


def test_the_index_is_in_wal_mode(store: RunStore) -> None:
    with sqlite3.connect(store.root / "index.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_store_keeps_one_connection_however_many_calls(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    connect = sqlite3.connect

    def counting_connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(args[0])
        return connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", counting_connect)
    store, owner = RunStore(tmp_path / "runs"), new_owner_token()
    for _ in range(5):
        run_id = _create(store, owner)
        store.set_state(run_id, JobState.RUNNING, "starting")
        assert store.get(run_id, owner).state == JobState.RUNNING
    assert len(store.runs(owner)) == 5 and len(opened) == 1


def test_recover_marks_runs_of_a_dead_manager_interrupted_and_spares_a_live_one(store: RunStore) -> None:
    owner = new_owner_token()
    dead_lease, live_lease = store.acquire_lease(), store.acquire_lease()
    cut_off = store.create(owner, "cut off", SPEC, CONFIG, 1, dead_lease)
    store.set_state(cut_off, JobState.RUNNING)
    waiting = store.create(owner, "waiting", SPEC, CONFIG, 1, dead_lease)
    finished = store.create(owner, "done", SPEC, CONFIG, 1, dead_lease)
    store.set_state(finished, JobState.FINISHED)
    alive = store.create(owner, "alive", SPEC, CONFIG, 1, live_lease)
    store.set_state(alive, JobState.RUNNING)
    dead_lease.handle.close()  # the flock goes with the process; the lease file stays behind

    assert store.recover() == 2
    states = {record.run_id: (record.state, record.message) for record in store.runs(owner)}
    assert states[cut_off] == (JobState.INTERRUPTED, INTERRUPTED_MESSAGE)
    assert states[waiting] == (JobState.INTERRUPTED, INTERRUPTED_MESSAGE)
    assert states[finished][0] == JobState.FINISHED
    assert states[alive][0] == JobState.RUNNING
    assert not (store.root / "leases" / f"{dead_lease.manager_id}.lock").exists()
    assert store.recover() == 0


def test_a_lease_held_by_another_process_counts_as_live(store: RunStore) -> None:
    code = (
        "import sys, time; from pathlib import Path; from cnnlab.engine.store import RunStore;"
        "lease = RunStore(Path(sys.argv[1])).acquire_lease(); print(lease.manager_id, flush=True);"
        "time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(store.root)], stdout=subprocess.PIPE,
                              text=True, cwd=PROJECT_ROOT)
    try:
        manager_id = holder.stdout.readline().strip()
        assert store._lease_is_live(manager_id)
        holder.kill()
        holder.wait()
        assert not store._lease_is_live(manager_id)
    finally:
        holder.kill()
        holder.stdout.close()


def test_recover_removes_leftover_temporary_files_and_old_unindexed_directories(store: RunStore) -> None:
    owner = new_owner_token()
    run_id = _create(store, owner)
    leftover = store.root / run_id / ".model.h5.abc.tmp"
    leftover.write_bytes(b"half a model")
    orphan, young = store.root / "00000000000000aa", store.root / "00000000000000bb"
    orphan.mkdir()
    young.mkdir()
    an_hour_ago = time.time() - 3600
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    store.recover()
    assert not leftover.exists() and not orphan.exists()
    assert young.exists()  # perhaps another server's `create` in flight
    assert (store.root / run_id / "spec.json").exists()
