"""Plain Keras on the same model and settings as one of our jobs: the baseline of the time benches.

`plain_fit(spec, config)` runs, in a fresh spawned process with TensorFlow's default threads, what a student
would type in a notebook: float32 arrays x / 255 already in memory, build and compile the model (the same
optimizer, schedule and settings as our trainer's), `model.fit(x, y, epochs, batch_size, validation_split)`,
then `model.evaluate` on the 10,000 test images. It reports the wall time of build → evaluate (imports and
data preparation excluded, as a notebook has done those already), the training samples per second (each
epoch from its start to its last batch, what our trainer counts) and the test accuracy. `matmul_peak` measures
the machine's float32 matrix-multiply rate in such a process, the peak for a "percent of peak" figure.
TensorFlow is imported only in the spawned process, never in the bench's own (which hosts our job manager).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable

from _reference_fit import step_timer

PEAK_SIDE = 1024  # matrices of 1024 × 1024 float32: big enough to keep both cores busy, about 10 ms each
PEAK_REPEATS = 40


def _fit(spec: dict, config: dict, niceness: int, results: multiprocessing.Queue) -> None:
    """Inside the child: prepare the data, then time build → fit → evaluate."""
    os.nice(niceness)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from cnnlab.bridge.model import build_model
    from cnnlab.bridge.optimizers import make_optimizer
    from cnnlab.core.arithmetic import analyze
    from cnnlab.core.hyper import parse_train_config
    from cnnlab.engine.data import load_mnist

    settings, _ = parse_train_config(config)
    mnist = load_mnist()
    images = mnist.x_train[: settings.train_size].reshape((-1, 28, 28, 1)).astype("float32") / 255
    labels = mnist.y_train[: settings.train_size]
    test_images = mnist.x_test.reshape((-1, 28, 28, 1)).astype("float32") / 255

    timer = step_timer()
    started = time.perf_counter()
    keras.utils.set_random_seed(settings.seed)
    model = build_model(analyze(spec).spec)
    model.compile(optimizer=make_optimizer(settings), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(images, labels, epochs=settings.epochs, batch_size=settings.batch_size,
              validation_split=settings.validation_split, callbacks=[timer], verbose=0)
    _, accuracy = model.evaluate(test_images, mnist.y_test, batch_size=1000, verbose=0)
    results.put({"wall_s": time.perf_counter() - started, "test_accuracy": float(accuracy),
                 "samples_per_second": settings.epochs * settings.fit_size / timer.seconds})


def _peak(niceness: int, results: multiprocessing.Queue) -> None:
    """Inside the child: float32 FLOPs per second of repeated 1024² matrix products (2·n³ each)."""
    os.nice(niceness)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    a = tf.random.uniform((PEAK_SIDE, PEAK_SIDE))
    product = tf.function(lambda x: tf.linalg.matmul(x, x))
    product(a).numpy()  # trace and warm up
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(PEAK_REPEATS):
            result = product(a)
        result.numpy()
        best = max(best, PEAK_REPEATS * 2 * PEAK_SIDE**3 / (time.perf_counter() - started))
    results.put({"flops_per_second": best})


def _in_child(target: Callable, *args: object) -> dict:
    """Run `target(*args, queue)` in a fresh spawned process and return what it puts; a child that dies first
    ends the bench with its exit code (rather than waiting for ever)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(*args, results))
    process.start()
    while True:
        try:
            figures = results.get(timeout=1.0)
            break
        except queue.Empty:
            if not process.is_alive():
                code = process.exitcode
                raise SystemExit(f"the plain-Keras process ended without figures (exit {code})") from None
    process.join()
    return figures


def plain_fit(spec: dict, config: dict, niceness: int = 0) -> dict:
    """Plain Keras on `spec` (spec_to_dict form) under `config` (config_to_dict form): wall_s (build to
    evaluate), samples_per_second (training steps only), test_accuracy."""
    return _in_child(_fit, spec, config, niceness)


def matmul_peak(niceness: int = 0) -> float:
    """The machine's float32 matrix-multiply FLOPs per second right now (best of three bursts)."""
    return _in_child(_peak, niceness)["flops_per_second"]
