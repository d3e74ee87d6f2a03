"""A training task sent the class's drawings scores its model on them after the test set: the figures agree
with Keras itself running the saved model on the same images; a stopped run reports none."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.engine.worker import run_task
from cnnlab.testing.models import SMALL_MLP

pytestmark = pytest.mark.keras
CONFIG = TrainConfig(epochs=1, batch_size=50, train_size=500, validation_split=0.0)


def _class_set() -> dict[str, np.ndarray]:
    """Twelve MNIST test images standing in for the class's drawings (uint8, Keras layout)."""
    mnist = load_mnist()
    return {"images": mnist.x_test[100:112], "labels": mnist.y_test[100:112]}


def _finished(payload: dict, stop: bool = False) -> dict:
    events: list[dict] = []
    run_task("train", payload, events.append, lambda: stop)
    return next(event for event in events if event["event"] == "finished")


def test_the_class_drawings_are_scored_as_keras_scores_the_saved_model() -> None:
    import keras

    class_set = _class_set()
    payload = {"spec": SMALL_MLP, "config": config_to_dict(CONFIG), "class_set": class_set}
    finished = _finished(payload)
    figures = finished["class_set"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.h5"
        path.write_bytes(finished["h5"])
        model = keras.models.load_model(path, compile=False)
    probabilities = model.predict(class_set["images"][..., None] / 255.0, verbose=0)
    read = probabilities.argmax(axis=1)
    assert figures["predicted"].tolist() == read.tolist()
    assert figures["test_accuracy"] == pytest.approx(float((read == class_set["labels"]).mean()))
    loss = keras.losses.SparseCategoricalCrossentropy()(class_set["labels"], probabilities)
    assert figures["test_loss"] == pytest.approx(float(loss), rel=1e-4)
    assert np.asarray(figures["confusion"]).sum() == 12
    np.testing.assert_allclose(figures["confidence"], probabilities.max(axis=1), rtol=1e-4)


def test_a_stopped_run_is_not_scored_on_the_class_drawings() -> None:
    payload = {"spec": SMALL_MLP, "config": config_to_dict(CONFIG), "class_set": _class_set()}
    finished = _finished(payload, stop=True)
    assert finished["stopped"] is True and finished["class_set"] is None


def test_a_task_without_drawings_reports_no_class_figures() -> None:
    finished = _finished({"spec": SMALL_MLP, "config": config_to_dict(CONFIG)})
    assert "class_set" not in finished and finished["test_accuracy"] > 0
