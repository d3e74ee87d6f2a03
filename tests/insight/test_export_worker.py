"""Exports run in their own worker: a slow Keras 2 export never holds up another student's Predict, and a big
run's .keras (left out by the trainer, so its files are written once) is made there from its .h5 with the
same weights and optimizer state."""

from __future__ import annotations

import dataclasses
import threading
import time
import zipfile

import keras
import numpy as np
import pytest

from cnnlab.core.export_rules import ExportFormat
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.exports import exported_file
from cnnlab.lab import Lab
from cnnlab.testing.models import TrainedRun, register_run
from cnnlab.testing.polling import wait_until

pytestmark = pytest.mark.keras


def test_predict_answers_while_another_students_keras2_export_runs(lab: Lab, owner: str,
                                                                   trained: dict[str, TrainedRun]) -> None:
    manager = lab.jobs
    run_id = register_run(manager.store, owner, trained["mlp"])
    model = manager.model_file(run_id, owner, ModelFormat.H5)
    images = np.random.default_rng(4).random((1, 28, 28), dtype=np.float32)
    lab.inference.predict(model, images)  # the Predict worker is warm, as in class

    exporting = threading.Thread(target=exported_file,
                                 args=(manager, owner, run_id, ExportFormat.KERAS2_H5, lab.exports))
    exporting.start()
    wait_until(lambda: lab.exports._lock.locked(), 60, "the export to begin")
    started = time.monotonic()
    assert lab.inference.predict(model, images).shape == (1, 10)
    answered_s = time.monotonic() - started
    assert exporting.is_alive(), "the prediction waited for the export"  # a fresh TensorFlow process: seconds
    exporting.join(timeout=400)
    assert manager.model_file(run_id, owner, ExportFormat.KERAS2_H5) is not None
    assert lab.exports.pid != lab.inference.pid
    print(f"prediction answered in {answered_s:.2f} s while the Keras 2 export ran")


def test_a_big_runs_keras_file_is_made_from_its_h5_with_its_optimizer_state(
        lab: Lab, owner: str, trained: dict[str, TrainedRun], tmp_path) -> None:
    run = trained["convnet"]
    only_h5 = dataclasses.replace(run, files={ModelFormat.H5: run.files[ModelFormat.H5]})
    run_id = register_run(lab.store, owner, only_h5)
    assert lab.jobs.model_file(run_id, owner, ModelFormat.KERAS) is None
    made = exported_file(lab.jobs, owner, run_id, ModelFormat.KERAS, lab.exports)
    assert made == lab.store.root / run_id / "model.keras" and zipfile.is_zipfile(made)
    original = tmp_path / "original.keras"
    original.write_bytes(run.files[ModelFormat.KERAS])  # what the trainer saved for this small run
    want, got = keras.models.load_model(original), keras.models.load_model(made)
    assert got.optimizer.get_config() == want.optimizer.get_config()
    for expected, actual in zip([*want.weights, *want.optimizer.variables],
                                [*got.weights, *got.optimizer.variables], strict=True):
        np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))
