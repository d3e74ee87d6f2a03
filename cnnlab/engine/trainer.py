"""Train one stack on its run's dataset (MNIST, Fashion-MNIST) with `model.fit`, reporting as it goes: what a
worker process (or the CLI) runs.

Everything the outside world learns arrives through `emit(event)`, one event of `cnnlab.engine.events` each
(a plain, picklable dict, so a worker can send it down a pipe):

    {"event": "started", "epochs", "steps_per_epoch", "fit_size", "validation_size", "params"}
    {"event": "batch", "epoch", "step" (within the epoch), "loss", "accuracy",
        "elapsed_s", "samples_per_second"}                      every few batches: the live curve
    {"event": "epoch", "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds",
        "samples_per_second"}                                    after each complete epoch
    {"event": "testing"}                                         training over, evaluating on the test set
    {"event": "finished", "stopped", "test_loss", "test_accuracy", "confusion", "classes", "predicted",
        "confidence", "seconds", "samples_per_second", "steady_seconds", "steady_images", "steady_steps",
        "h5", ["keras"]}                                         model files as bytes (a big model's .h5
                                                                 only); after a stop, the test figures
                                                                 cover the first images only
        and "class_set" (the class's drawings' figures, or None) when the task was sent them

`test_rest` finishes the test of a run stopped while testing: it scores the test images from a given one on
and ends with {"event": "tested", …} (see `cnnlab.engine.events.Tested`).

A failure a student can cause (NaN loss, a stack Keras refuses) raises `TrainingFailed` with the message to
show; `failure_message` words any other error for a student. This module imports TensorFlow: worker
processes and the command line import it, never the web server.

Speed: uint8 images go through a `tf.data` pipeline that scales them to float32 x / 255 inside the graph and
prefetches on one thread of its own (not competing with training for the cores), and `steps_per_execution`
runs up to 16 batches per call, which cuts Python overhead per batch; `jit_compile` stays off (it is slower
on CPU).
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnlab.bridge.model import build_model
from cnnlab.bridge.optimizers import make_optimizer, portable_optimizer
from cnnlab.core.arithmetic import trainability
from cnnlab.core.datasets import DEFAULT_DATASET, Dataset
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.messages import finite_number
from cnnlab.engine.data import load_dataset
from cnnlab.engine.estimate import SLOW_LAPTOP_MACS_PER_S, StackCost
from cnnlab.engine.evaluation import evaluate
from cnnlab.engine.events import OUT_OF_MEMORY_MESSAGE, Emit
from cnnlab.engine.storage import keeps_both_files

MAX_STEPS_PER_EXECUTION = 16  # batches per compiled call: fewer Python round trips, still a live curve
CALL_BUDGET_S = 1.0  # aim: one compiled call of small batches takes at most this long, so Stop answers fast
SCORE_CALL_S = 0.3  # aim: one call scoring test images takes at most this long
STOP_SCORING_S = 1.0  # after a stop, test images are scored for at most about this long
POINTS_PER_EPOCH = 50  # at most this many live batch points per epoch
LOSS = "sparse_categorical_crossentropy"  # integer labels; same values as the Keras intro post's one-hot loss
METRICS = ["accuracy"]


class TrainingFailed(Exception):
    """Training could not go on; `str(error)` is the message for the student."""


def failure_message(error: BaseException) -> str:
    """What a student reads when training raised: our message, out of memory, or the error's first line."""
    if isinstance(error, TrainingFailed):
        return str(error)
    if isinstance(error, MemoryError | tf.errors.ResourceExhaustedError):
        return OUT_OF_MEMORY_MESSAGE
    lines = str(error).strip().splitlines()
    detail = f": {lines[0][:300]}" if lines else ""
    return f"training failed ({type(error).__name__}{detail})"


def steps_per_execution(config: TrainConfig, cost: StackCost) -> int:
    """Batches per compiled call: up to 16, but at least ~25 calls per epoch so the curve stays live, and no
    more than a slow laptop does in `CALL_BUDGET_S` (a training step's work: `StackCost.batch`).

    Convnet, all of MNIST at batch 128 (422 steps) → 16 (a step's work: 1.25·10⁹ MACs, 0.06 s); a
    6,000-image demo (43 steps) → 1; all of MNIST at batch 512 (106 steps) → 4.
    """
    affordable = int(CALL_BUDGET_S * SLOW_LAPTOP_MACS_PER_S / cost.batch(config.batch_size))
    return max(1, min(MAX_STEPS_PER_EXECUTION, config.steps_per_epoch // 25, affordable))


def _pipeline(
    images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle_seed: int | None
) -> tf.data.Dataset:
    """A `tf.data.Dataset` of (float32 (B, 28, 28, 1) in [0, 1], int32 (B,)) batches from uint8 arrays.

    Only image indices are shuffled (reshuffled every epoch); each batch is then gathered, cast and scaled
    in one vectorised step, which costs half the CPU of shuffling and batching 28×28 images one by one.
    The pipeline runs on one private thread with two batches prefetched and no autotuning: a batch costs it
    well under a millisecond, and tf.data's own autotuned thread pool fought the training threads for the
    cores and, on 2 cores, cost a large share of the speed in about half the runs (README, Performance).
    """
    pixels = tf.constant(images[..., np.newaxis])  # (N, 28, 28, 1) uint8
    digits = tf.constant(labels.astype(np.int32))
    indices = tf.data.Dataset.range(len(images))
    if shuffle_seed is not None:
        indices = indices.shuffle(len(images), seed=shuffle_seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size).map(
        lambda batch: (tf.cast(tf.gather(pixels, batch), tf.float32) / 255.0, tf.gather(digits, batch))
    )
    options = tf.data.Options()
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return batches.prefetch(2).with_options(options)


def _nan_message(epoch: int, config: TrainConfig) -> str:
    """What to tell a student whose loss became NaN."""
    return (
        f"loss became NaN in epoch {epoch} — lower the learning rate (it is {config.learning_rate:g}; "
        f"try {config.learning_rate / 10:g})"
    )


def train(spec: dict, config: TrainConfig, emit: Emit, stop_requested: Callable[[], bool],
          class_set: Mapping[str, np.ndarray] | None = None) -> None:
    """Train the stack `spec` (a `spec_to_dict` document) on `config.dataset` under `config`, emitting events
    as it goes.

    `stop_requested` is polled after every compiled call (validation and testing included); when it turns
    true training ends at that batch boundary and the model trained so far is tested for about a second and
    saved ("finished" with stopped=True), so a stop ends in seconds for any model.

    `class_set` ({"images": uint8 (N, 28, 28), "labels": (N,)}, `engine.class_set`): the class's drawings,
    scored right after the test images when the run was tested on all of them; "finished" then carries their
    figures as "class_set". A stop during that scoring drops them (a part of the set is no score).
    """
    clock = _PhaseClock()
    check = trainability(spec)
    if check.spec is None:
        raise TrainingFailed(check.message())
    analysis = check.analysis
    cost = StackCost.of(analysis)
    keras.utils.set_random_seed(config.seed)
    model = build_model(analysis.spec)
    model.compile(
        optimizer=make_optimizer(config),
        loss=LOSS,
        metrics=METRICS,
        steps_per_execution=steps_per_execution(config, cost),
    )
    images = load_dataset(config.dataset)
    fit_size = config.fit_size
    train_data = _pipeline(images.x_train[:fit_size], images.y_train[:fit_size], config.batch_size,
                           config.seed)
    validation_data = None
    if config.validation_size:
        held_out = slice(fit_size, config.train_size)
        validation_data = _pipeline(images.x_train[held_out], images.y_train[held_out], config.batch_size,
                                    None)
    emit({
        "event": "started",
        "epochs": config.epochs,
        "steps_per_epoch": config.steps_per_epoch,
        "fit_size": fit_size,
        "validation_size": config.validation_size,
        "params": model.count_params(),
    })
    reporter = _Reporter(config, emit, stop_requested)
    clock.lap("setup")
    model.fit(train_data, validation_data=validation_data, epochs=config.epochs, callbacks=[reporter],
              shuffle=False, verbose=0)  # the pipeline shuffles
    if reporter.nan_epoch is not None:
        raise TrainingFailed(_nan_message(reporter.nan_epoch, config))
    clock.lap("fit")
    emit({"event": "testing"})
    probabilities = score(model, images.x_test, test_chunk(cost), reporter.stop_time, stop_requested)
    figures = evaluate(probabilities, images.y_test[:len(probabilities)])
    stopped = reporter.stopped or len(probabilities) < len(images.y_test)
    if class_set is not None:
        figures["class_set"] = None if stopped else _class_set_figures(model, class_set, cost, stop_requested)
    clock.lap("test")
    files = _model_files(model)
    clock.lap("save")
    emit({"event": "finished", "stopped": stopped, "classes": list(config.dataset.class_names), **figures,
          **reporter.speed(), **files, "phases_s": clock.laps})


def _class_set_figures(model: keras.Model, class_set: Mapping[str, np.ndarray], cost: StackCost,
                       stop_requested: Callable[[], bool]) -> dict | None:
    """The test figures of the class's drawings, or None when a stop cut their scoring short."""
    images, labels = class_set["images"], class_set["labels"]
    probabilities = score(model, images, test_chunk(cost), None, stop_requested)
    return evaluate(probabilities, labels) if len(probabilities) == len(labels) else None


def test_chunk(cost: StackCost) -> int:
    """Test images per call: what a slow laptop scores in `SCORE_CALL_S`, from 1 to 1,000, so a stop during
    testing is seen quickly. Convnet (2.9·10⁶ MACs per scored image) → 1,000; the 1024-filter stack
    (9.9·10⁸) → 6.
    """
    return max(1, min(1000, int(SCORE_CALL_S * SLOW_LAPTOP_MACS_PER_S / cost.scored_image)))


def score(model: keras.Model, images: np.ndarray, chunk: int, stopped_at: float | None,
          stop_requested: Callable[[], bool],
          scored: Callable[[int], None] = lambda images: None) -> np.ndarray:
    """Softmax outputs (N, 10) for uint8 `images` (N, 28, 28), `chunk` images per call, in order; `scored`
    hears how many are done after each call.

    After a stop (at `stopped_at`, a `time.monotonic()`, or requested during scoring) it goes on only
    while `STOP_SCORING_S` has not passed since, and at least one chunk, so Stop reaches its final state in
    seconds for any model: the result then covers the first images only.
    """
    parts: list[np.ndarray] = []
    for start in range(0, len(images), chunk):
        if stopped_at is None and stop_requested():
            stopped_at = time.monotonic()
        if parts and stopped_at is not None and time.monotonic() - stopped_at > STOP_SCORING_S:
            break
        batch = images[start:start + chunk, ..., np.newaxis].astype(np.float32) / np.float32(255)
        parts.append(np.asarray(model.predict_on_batch(batch)))
        scored(start + len(parts[-1]))
    return np.concatenate(parts)


def test_rest(spec: dict, model_file: bytes, start: int, emit: Emit, stop_requested: Callable[[], bool],
              dataset: Dataset = DEFAULT_DATASET) -> None:
    """Score the trained model (`model_file`, a .h5's bytes) on `dataset`'s test images from `start` on,
    reporting progress ("scored", counted from the first test image) and then their figures ("tested"): how a
    run stopped while testing gets a whole score. A stop ends it as quickly as a training job's testing."""
    check = trainability(spec)
    if check.spec is None:
        raise TrainingFailed(check.message())
    with tempfile.TemporaryDirectory(prefix="cnnlab-test-") as folder:
        path = Path(folder) / "model.h5"
        path.write_bytes(model_file)
        model = keras.models.load_model(path, compile=False)
    images = load_dataset(dataset)
    emit({"event": "testing"})
    probabilities = score(model, images.x_test[start:], test_chunk(StackCost.of(check.analysis)), None,
                          stop_requested, lambda count: emit({"event": "scored", "images": start + count}))
    figures = evaluate(probabilities, images.y_test[start:start + len(probabilities)])
    emit({"event": "tested", "start": start, "stopped": start + len(probabilities) < len(images.y_test),
          **figures})


def _model_files(model: keras.Model) -> dict[str, bytes]:
    """The model saved as legacy HDF5 (`model.h5`) and Keras 3 zip (`model.keras`), as bytes; a model whose
    file would be bigger than `storage.ONE_FILE_OVER_BYTES` as `.h5` only (its `.keras` is made on demand).

    Compiled with an optimizer plain Keras knows (`portable_optimizer`), so both files load anywhere.
    """
    model.compile(optimizer=portable_optimizer(model.optimizer, model.trainable_variables), loss=LOSS,
                  metrics=METRICS)
    logging.getLogger("absl").setLevel(logging.ERROR)  # HDF5 is "legacy" to Keras 3 but is our promise
    saved = sum(int(np.prod(variable.shape)) * 4 for variable in [*model.weights, *model.optimizer.variables])
    formats = ("keras", "h5") if keeps_both_files(saved) else ("h5",)
    with tempfile.TemporaryDirectory(prefix="cnnlab-model-") as folder:
        files = {}
        for fmt in formats:  # .keras first: Keras's legacy HDF5 save drops the optimizer from the model's
            # compile config, and a .keras file saved after it would load with a default RMSprop
            path = Path(folder) / f"model.{fmt}"
            model.save(path)
            files[fmt] = path.read_bytes()
    return files


class _PhaseClock:
    """Seconds spent in each phase of a job (setup, fit, test, save), for the benches' overhead figures."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        """Record the time since the previous lap as `phase`."""
        now = time.perf_counter()
        self.laps[phase], self._last = now - self._last, now


class _Reporter(keras.callbacks.Callback):
    """Turns Keras callbacks into events; checks for NaN and for a stop request after every compiled call."""

    def __init__(self, config: TrainConfig, emit: Emit, stop_requested: Callable[[], bool]) -> None:
        super().__init__()
        self.config = config
        self.emit = emit
        self.stop_requested = stop_requested
        self.point_every = max(1, math.ceil(config.steps_per_epoch / POINTS_PER_EPOCH))
        self.stopped = False
        self.stop_time: float | None = None  # time.monotonic() when the stop request was seen
        self.validation_cut = False  # a stop ended this epoch's validation early
        self.nan_epoch: int | None = None
        self.train_seconds = 0.0  # inside training steps of finished epochs; validation excluded
        self.samples_done = 0  # training samples of finished epochs
        self.steps_done = 0  # training steps of finished epochs
        self.first_call: tuple[float, int, int] | None = None  # (seconds, samples, steps) of the first call
        self.epoch = 0  # 1-based, as in every event; 0 before the first epoch
        self.epoch_started = 0.0
        self.epoch_seconds = 0.0
        self.step = 0
        self.last_point_step = 0

    def speed(self) -> dict[str, float]:
        """Seconds spent in training steps and training samples per second over the whole run; and the
        steady part the server learns its speed from: seconds, images and steps after the first compiled
        call (which also traces the model, a fixed cost that would make a tiny job look slow)."""
        rate = self.samples_done / self.train_seconds if self.train_seconds else 0.0
        first_seconds, first_images, first_steps = self.first_call or (self.train_seconds, self.samples_done,
                                                                       self.steps_done)
        return {"seconds": self.train_seconds, "samples_per_second": rate,
                "steady_seconds": max(self.train_seconds - first_seconds, 0.0),
                "steady_images": max(self.samples_done - first_images, 0),
                "steady_steps": max(self.steps_done - first_steps, 0)}

    def _epoch_samples(self) -> int:
        """Training samples seen so far in this epoch (the last batch may be short)."""
        return min(self.step * self.config.batch_size, self.config.fit_size)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the epoch's clock (Keras counts epochs from 0, our events from 1)."""
        self.epoch, self.step, self.last_point_step = epoch + 1, 0, 0
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After each compiled call: stop on NaN, emit a live point now and then, honour a stop request."""
        logs = logs or {}
        loss = finite_number(logs.get("loss"))
        if loss is None:
            self.nan_epoch = self.epoch
            self.model.stop_training = True
            return
        # Keras passes the index of the last batch of this compiled call, counted as if the epoch's last call
        # were full (211 steps at 8 a call: "216"), so the count stops at the epoch's real number of steps
        self.step = min(batch + 1, self.config.steps_per_epoch)
        self.epoch_seconds = time.perf_counter() - self.epoch_started
        if self.first_call is None:
            self.first_call = (self.epoch_seconds, self._epoch_samples(), self.step)
        if self.step == 1 or self.step - self.last_point_step >= self.point_every:
            self.last_point_step = self.step
            elapsed = self.train_seconds + self.epoch_seconds
            self.emit({"event": "batch", "epoch": self.epoch, "step": self.step, "loss": loss,
                       "accuracy": finite_number(logs.get("accuracy")), "elapsed_s": elapsed,
                       "samples_per_second": (self.samples_done + self._epoch_samples()) / elapsed})
        self._check_stop()

    def _check_stop(self) -> bool:
        """Honour a stop request: training ends after this compiled call. True once stopped."""
        if not self.stopped and self.stop_requested():
            self.stopped, self.stop_time = True, time.monotonic()
            self.model.stop_training = True
        return self.stopped

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """During validation: a stop (or NaN) ends it now rather than after all validation images."""
        if self._check_stop() or self.nan_epoch is not None:
            self.validation_cut = True
            self.model.stop_evaluating = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Add the epoch to the totals; emit its figures if it ran to the end."""
        self.train_seconds += self.epoch_seconds
        self.samples_done += self._epoch_samples()
        self.steps_done += self.step
        if self.nan_epoch is not None or self.step < self.config.steps_per_epoch:
            return  # a cut-off epoch is not an epoch of history
        logs = logs or {}
        names = ("loss", "accuracy", "val_loss", "val_accuracy")
        metrics = {name: finite_number(logs.get(name)) for name in names}
        if self.validation_cut:
            metrics["val_loss"] = metrics["val_accuracy"] = None
        self.emit({"event": "epoch", "epoch": self.epoch, **metrics, "seconds": self.epoch_seconds,
                   "samples_per_second": self.config.fit_size / self.epoch_seconds})
