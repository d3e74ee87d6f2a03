"""The teacher's exports under issue 21's rules: the zip of every model is made a megabyte at a time as it is
read (never whole in memory), a deleted run is in neither the zip nor the CSV, and a partial score says how
many test images it covers."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from cnnlab.classroom.export import ZIP_CHUNK_BYTES, models_zip_chunks, runs_csv
from cnnlab.engine.jobs import JobManager
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import ModelFormat
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run
from cnnlab.testing.engine import ScriptedRunner, finished_event

MODEL_BYTES = 3 * ZIP_CHUNK_BYTES + 12_345


def _model_path(manager: JobManager):
    return lambda run: manager.store.model_file(run.run_id, run.owner, ModelFormat.H5)


def test_the_zip_is_made_a_chunk_at_a_time(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada, bo = new_owner_token(), new_owner_token()
    models = {}
    for owner, fill in ((ada, b"a"), (bo, b"b")):
        run_id = finished_run(manager, runner, owner, conv_stack(4), 0.97)
        models[run_id] = fill * MODEL_BYTES
        manager.store.save_model(run_id, ModelFormat.H5, models[run_id])
    chunks = list(models_zip_chunks(manager.store.all_runs(), {ada: "Ada", bo: "Bo"}, _model_path(manager)))
    assert max(len(chunk) for chunk in chunks) <= ZIP_CHUNK_BYTES + 1024  # a block and a header, at most
    assert len(chunks) >= 2 * 4
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None
        stored = {name.rsplit("-", 1)[1].removesuffix(".h5"): archive.read(name)
                  for name in archive.namelist()}
    assert stored == {run_id[:6]: data for run_id, data in models.items()}


def test_a_deleted_run_leaves_the_zip_and_the_csv(scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    kept = finished_run(manager, runner, ada, conv_stack(4), 0.97)
    gone = finished_run(manager, runner, ada, conv_stack(5), 0.98)
    assert manager.delete(gone, ada)
    assert not (manager.store.root / gone).exists()
    runs = manager.store.all_runs()
    table = pd.read_csv(io.BytesIO(runs_csv(runs, {ada: "Ada"})))
    assert table["test accuracy"].tolist() == [0.97]
    data = b"".join(models_zip_chunks(runs, {ada: "Ada"}, _model_path(manager)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [f"Ada-97.00-{kept[:6]}.h5"]


def test_the_csv_says_how_many_test_images_a_score_covers(
        scripted: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = scripted
    ada, bo = new_owner_token(), new_owner_token()
    finished_run(manager, runner, ada, conv_stack(4), 0.9712)
    manager.submit(bo, conv_stack(4), CHALLENGE_CONFIG)
    manager.step()
    stopped_while_testing = finished_event(stopped=True, accuracy=0.997, tested=1928)
    runner.send(runner.tasks[-1], stopped_while_testing, {"event": "done"})
    manager.step()
    table = pd.read_csv(io.BytesIO(runs_csv(manager.store.all_runs(), {ada: "Ada", bo: "Bo"})))
    assert table[["student", "test accuracy", "test images", "state"]].values.tolist() == [
        ["Ada", 0.9712, 10_000, "finished"], ["Bo", 0.997, 1928, "stopped"]]
