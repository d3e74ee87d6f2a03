"""A server killed in the middle of a training job (SIGTERM as on a restart, SIGKILL as on a crash) loses
nothing: finished runs keep their curves and model files, the cut-off run shows as interrupted with what is
needed to run it again, no worker outlives the server, and no run directory or index entry is orphaned."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest

from cnnlab.engine.jobs import SHUTDOWN_MESSAGE, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.store import INTERRUPTED_MESSAGE, ModelFormat, RunStore, is_run_id
from cnnlab.lab import RUNS_DIR_ENV
from cnnlab.testing.engine import ScriptedRunner

_SERVER = """
import json, signal, sys, time
from cnnlab.core.presets import preset_spec
from cnnlab.lab import running_lab

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # as Streamlit does: a clean exit, atexit handlers run
owner = sys.argv[1]
manager = running_lab().jobs  # as the web server's pages get it
finished = manager.submit(owner, preset_spec("convnet"), {"epochs": 1, "train_size": 1000, "batch_size": 64})
cut = manager.submit(owner, preset_spec("lenot"), {"epochs": 5})  # waits, then trains for minutes
while not manager.snapshot(cut, owner).batch_points:
    time.sleep(0.05)
runner = manager.runner
workers = runner.busy_worker_pids() + runner.spare_worker_pids()
print(json.dumps({"finished": finished, "cut": cut, "workers": workers,
                  "tensorflow": sorted({"tensorflow", "keras"} & set(sys.modules))}), flush=True)
while True:
    time.sleep(1)
"""


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pids: list[int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.keras
@pytest.mark.parametrize(("signal_number", "message"), [(signal.SIGTERM, SHUTDOWN_MESSAGE),
                                                         (signal.SIGKILL, INTERRUPTED_MESSAGE)],
                         ids=["SIGTERM", "SIGKILL"])
def test_a_server_killed_mid_job_loses_nothing(tmp_path: Path, signal_number: int, message: str) -> None:
    root, owner = tmp_path / "runs", new_owner_token()
    server = subprocess.Popen([sys.executable, "-c", _SERVER, owner], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, RUNS_DIR_ENV: str(root)})
    try:
        state = json.loads(server.stdout.readline())
        server.send_signal(signal_number)
        server.wait(timeout=60)
    finally:
        server.kill()
        server.stdout.close()
    assert state["tensorflow"] == []  # the server never imported TensorFlow or Keras; its workers did
    assert _gone_within(state["workers"], timeout_s=20), "a worker outlived its server"

    restarted = JobManager(store=RunStore(root), runner=ScriptedRunner())
    try:
        finished = restarted.snapshot(state["finished"], owner)
        assert finished.state == JobState.FINISHED
        assert len(finished.batch_points) == 15 and [r.epoch for r in finished.epochs_history] == [1]
        assert restarted.result(state["finished"], owner).test_accuracy == finished.test_accuracy
        with h5py.File(restarted.model_file(state["finished"], owner, ModelFormat.H5), "r") as model_file:
            assert "model_config" in model_file.attrs

        cut = restarted.snapshot(state["cut"], owner)
        assert (cut.state, cut.message) == (JobState.INTERRUPTED, message)
        assert "run it again" in cut.message  # its streamed points: tests/engine/test_interrupted_points.py
        assert restarted.model_file(state["cut"], owner) is None
        assert restarted.submit(owner, cut.spec, cut.config, cut.name)  # the record is enough to run it again
        assert [job.state for job in restarted.jobs(owner)][1:] == [JobState.INTERRUPTED, JobState.FINISHED]
    finally:
        restarted.shutdown()
    _assert_nothing_orphaned_or_corrupt(root)


def _assert_nothing_orphaned_or_corrupt(root: Path) -> None:
    """Every run directory has an index row and every row its directory; no half-written file anywhere."""
    with sqlite3.connect(root / "index.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(db.execute("SELECT run_id, state FROM runs").fetchall())
    folders = {entry.name for entry in root.iterdir() if is_run_id(entry.name)}
    assert folders == set(rows)
    assert [path.name for path in root.rglob("*.tmp")] == []
    for run_id, state in rows.items():
        for name in ("spec.json", "config.json"):
            json.loads((root / run_id / name).read_text())
        if state == JobState.FINISHED:
            for name in ("metrics.json", "result.json"):
                json.loads((root / run_id / name).read_text())
            assert (root / run_id / "model.keras").read_bytes()[:2] == b"PK"
    assert list((root / "leases").iterdir()) == []  # the dead server's lease cleared, the new one released
