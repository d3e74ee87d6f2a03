"""The reference's own training code (intro-to-convnets), run in a fresh process: the baseline of the benches.

float32 arrays x / 255 reshaped to (N, 28, 28, 1), one-hot labels, categorical cross-entropy, rmsprop,
`model.fit(x, y, epochs, batch_size=128)`, then `model.evaluate` on the test set. TensorFlow is imported only
in the spawned process, never in the bench's own process (which hosts our job manager).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ReferenceRun:
    """What to train with the reference's code."""

    model: str  # a preset name: "convnet" or "lenot"
    epochs: int
    train_size: int = 60000
    batch_size: int = 128
    seed: int = 0
    niceness: int = 0  # added CPU niceness, to compete for the CPU exactly like our workers do


def step_timer() -> object:
    """A Keras callback whose `seconds` adds up each epoch from its start to its last training batch: what
    our trainer counts as training time (validation and callbacks after the last batch left out). Imports
    Keras: call it only inside a spawned process."""
    import keras

    class StepTime(keras.callbacks.Callback):
        seconds = 0.0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            """Start the epoch's clock."""
            self.started = self.last = time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            """Note when the latest batch ended."""
            self.last = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            """Count the epoch's training time."""
            self.seconds += self.last - self.started

    return StepTime()


def _fit(run: ReferenceRun, results: multiprocessing.Queue) -> None:
    """Train as the reference does; put samples/s (training steps only), wall seconds and test accuracy."""
    os.nice(run.niceness)
    import keras

    from cnnlab.bridge.model import build_model
    from cnnlab.core.presets import preset_spec
    from cnnlab.engine.data import load_mnist

    mnist = load_mnist()
    keras.utils.set_random_seed(run.seed)
    model = build_model(preset_spec(run.model))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    images = mnist.x_train[: run.train_size].reshape((-1, 28, 28, 1)).astype("float32") / 255
    labels = keras.utils.to_categorical(mnist.y_train[: run.train_size])

    timer = step_timer()
    started = time.perf_counter()
    model.fit(images, labels, epochs=run.epochs, batch_size=run.batch_size, callbacks=[timer], verbose=0)
    wall = time.perf_counter() - started
    test_images = mnist.x_test.reshape((-1, 28, 28, 1)).astype("float32") / 255
    _, accuracy = model.evaluate(test_images, keras.utils.to_categorical(mnist.y_test), verbose=0)
    results.put({"samples_per_second": run.epochs * run.train_size / timer.seconds, "wall_s": wall,
                 "test_accuracy": float(accuracy), **asdict(run)})


def reference_fit(run: ReferenceRun) -> dict:
    """Run `run` with the reference's code in a fresh spawned process and return its figures."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_fit, args=(run, results))
    process.start()
    figures = results.get()
    process.join()
    return figures
