"""Trained runs for the issue-7 page tests: small Keras models trained here on a slice of MNIST, saved as
finished runs through the engine's store API, and a job manager that serves them without training anything.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.engine.jobs import EpochRecord
from cnnlab.engine.store import JobState, ModelFormat, RunResult, RunStore
from cnnlab.insight.digit import scale_pixels

SMALL_CONVNET = {"name": "small convnet", "input_shape": [28, 28, 1], "layers": [
    {"type": "Conv2D", "filters": 8, "kernel_size": [3, 3], "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": [2, 2]},
    {"type": "Conv2D", "filters": 24, "kernel_size": [3, 3], "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": [2, 2]},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}
SMALL_MLP = {"name": "small mlp", "input_shape": [28, 28, 1], "layers": [
    {"type": "Flatten"},
    {"type": "Dense", "units": 32, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}
TRAIN_IMAGES = 6000
EPOCHS = 2


@dataclass(frozen=True)
class TrainedModel:
    """A model trained in the test process, with everything a stored run holds."""

    spec: dict
    h5: bytes
    keras: bytes
    params: int
    result: RunResult
    epochs: tuple[EpochRecord, ...]
    seconds: float


def train_model(spec: dict) -> TrainedModel:
    """Train `spec` (built by the core's `build_model`) 2 epochs on 6,000 images; test it on all 10,000."""
    import keras

    from cnnlab.bridge.model import build_model

    keras.utils.set_random_seed(0)
    mnist = load_mnist()
    model = build_model(analyze(spec).spec)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.monotonic()
    history = model.fit(scale_pixels(mnist.x_train[:TRAIN_IMAGES])[..., None], mnist.y_train[:TRAIN_IMAGES],
                        epochs=EPOCHS, batch_size=128, validation_split=0.1, verbose=0).history
    seconds = time.monotonic() - started
    probabilities = model.predict(scale_pixels(mnist.x_test)[..., None], batch_size=1000, verbose=0)
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (mnist.y_test, predicted), 1)
    test_loss, test_accuracy = model.evaluate(scale_pixels(mnist.x_test)[..., None], mnist.y_test, verbose=0)
    epochs = tuple(
        EpochRecord(epoch=e + 1, loss=history["loss"][e], accuracy=history["accuracy"][e],
                    val_loss=history["val_loss"][e], val_accuracy=history["val_accuracy"][e],
                    seconds=seconds / EPOCHS, samples_per_second=TRAIN_IMAGES * 0.9 * EPOCHS / seconds)
        for e in range(EPOCHS)
    )
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model.h5")
        model.save(Path(folder) / "model.keras")
        h5, native = (Path(folder) / "model.h5").read_bytes(), (Path(folder) / "model.keras").read_bytes()
    result = RunResult(
        test_loss=float(test_loss), test_accuracy=float(test_accuracy),
        confusion=tuple(tuple(int(n) for n in row) for row in confusion),
        predicted=predicted.astype(np.uint8),
        confidence=probabilities.max(axis=1).astype(np.float32),
    )
    return TrainedModel(spec, h5, native, model.count_params(), result, epochs, seconds)


def random_weights_model(spec: dict, seed: int):
    """`spec` built in Keras 3 with seeded random weights: Keras's own initial kernels, and random biases and
    batch-norm statistics (variances positive) instead of zeros and ones, so that two runtimes agreeing on
    its outputs means they compute the same function."""
    import keras

    from cnnlab.bridge.model import build_model

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(analyze(spec).spec)
    for layer in model.layers:
        weights = [w if w.ndim > 1 else w + rng.normal(0, 0.1, w.shape).astype(np.float32)
                   for w in layer.get_weights()]
        if type(layer).__name__ == "BatchNormalization":
            weights[3] = np.abs(weights[3]) + 0.5  # moving variance
        layer.set_weights(weights)
    return model


def register_run(store: RunStore, owner: str, trained: TrainedModel, *, model: bytes | None = None) -> str:
    """Store `trained` as a finished run of `owner`, exactly as a job would leave it; returns the run id.

    `model` replaces the .h5 file's bytes (to store a broken model file).
    """
    config = TrainConfig(epochs=EPOCHS, train_size=TRAIN_IMAGES)
    lease = store.acquire_lease()
    try:
        spec = spec_to_dict(analyze(trained.spec).spec)  # normalised, as the job manager stores it
        run_id = store.create(owner, spec["name"], spec, config_to_dict(config), trained.params, lease)
        store.save_metrics(run_id, {"steps_per_epoch": config.steps_per_epoch, "batch_points": [],
                                    "epochs": [asdict(e) for e in trained.epochs]})
        store.save_result(run_id, trained.result)
        store.save_model(run_id, ModelFormat.H5, trained.h5 if model is None else model)
        store.save_model(run_id, ModelFormat.KERAS, trained.keras)
        store.set_state(run_id, JobState.FINISHED, "", test_loss=trained.result.test_loss,
                        test_accuracy=trained.result.test_accuracy, samples_per_second=1000.0,
                        elapsed_s=trained.seconds)
    finally:
        store.release_lease(lease)
    time.sleep(0.01)  # distinct creation times keep "newest first" well defined
    return run_id


class IdleRunner:
    """A `Runner` that never trains: the pages under test only read finished runs."""

    def __init__(self) -> None:
        self._news = threading.Event()

    def start(self, kind: str, payload: dict) -> None:
        raise RuntimeError("these tests do not train")

    def wait(self, handles: Sequence[object], timeout: float) -> None:
        self._news.wait(timeout)
        self._news.clear()

    def wake(self) -> None:
        self._news.set()

    def prewarm(self, spares: int) -> None:
        """No workers to keep warm."""

    def shutdown(self) -> None:
        self.wake()


@functools.cache
def trained_models() -> dict[str, TrainedModel]:
    """The small convnet and the small MLP, trained once per test process, whichever test asks first."""
    return {"convnet": train_model(SMALL_CONVNET), "mlp": train_model(SMALL_MLP)}


def canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas sends after a stroke: the Fabric JSON and the PNG as a data URL."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}}


def plotly_specs(at: AppTest) -> list[dict]:
    """The figure of every st.plotly_chart on the page, in page order."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def figure_titles(at: AppTest) -> list[str]:
    """The title text of every Plotly figure on the page ("" when untitled)."""
    return [spec.get("layout", {}).get("title", {}).get("text", "") for spec in plotly_specs(at)]


def page_links(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, page, query string) of every st.page_link on the page."""
    return [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.get("page_link")]
