"""What a task tells the job manager while it runs: one typed event per message, plain dicts on the wire.

A worker process (or the command line, or another runner) sends these, picklable, through a pipe; the job
manager reads them. `TypedDict`s keep the wire form a dict while letting a reader and a type checker see every
field. The order of a training task: ready (the worker is warm) → started → batch… / epoch… → testing →
finished, or failed at any point → done (the worker has nothing more to say). A test task (finishing the test
of a run stopped while testing): ready → testing → scored… → tested, or failed → done.

Epochs and steps count from 1 in every event, as a student counts them ("epoch 1 of 5, batch 12 of 422"):
the first live point of a job is epoch 1, step 1, and its first complete epoch is epoch 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NotRequired, TypedDict

OUT_OF_MEMORY_MESSAGE = (
    "the training process ran out of memory — use a smaller batch size, fewer filters or units, "
    "or a pooling layer earlier in the stack"
)


class Ready(TypedDict):
    """The worker has imported TensorFlow and waits for its task."""

    event: Literal["ready"]


class Started(TypedDict):
    """The model is built and compiled; training begins."""

    event: Literal["started"]
    epochs: int
    steps_per_epoch: int
    fit_size: int
    validation_size: int
    params: int


class Batch(TypedDict):
    """A live point every few batches: the running loss and accuracy of the epoch so far."""

    event: Literal["batch"]
    epoch: int  # the epoch it belongs to, from 1
    step: int  # batches done in that epoch, from 1
    loss: float
    accuracy: float | None
    elapsed_s: float
    samples_per_second: float


class Epoch(TypedDict):
    """A complete epoch's figures (a cut-off epoch sends none)."""

    event: Literal["epoch"]
    epoch: int  # from 1
    loss: float | None
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    seconds: float
    samples_per_second: float


class Testing(TypedDict):
    """Training is over; the model is being scored on the test set."""

    event: Literal["testing"]


class Finished(TypedDict):
    """The result: test figures, speed, and the model files as bytes (a big model's `.keras` is left out:
    it is made on demand, so its files are not written twice)."""

    event: Literal["finished"]
    stopped: bool
    test_loss: float | None
    test_accuracy: float | None
    confusion: list[list[int]]
    classes: list[str]  # the run's dataset's class names by label: the rows and columns of `confusion`
    predicted: list[int]
    confidence: list[float]
    seconds: float
    samples_per_second: float | None
    steady_seconds: float  # training seconds after the first compiled call (which also traces the model)
    steady_images: int  # training images in those seconds
    steady_steps: int  # training steps in those seconds
    h5: bytes
    keras: NotRequired[bytes]
    phases_s: dict[str, float]  # seconds in each phase: setup, fit, test, save (for the benches)
    class_set: NotRequired[dict | None]  # the class's drawings' test figures, when the task was sent them


class Scored(TypedDict):
    """A test task's progress: test images scored so far, counted from the first test image."""

    event: Literal["scored"]
    images: int


class Tested(TypedDict):
    """A test task's result: figures of the test images from `start` on (as `Finished` gives them)."""

    event: Literal["tested"]
    start: int
    stopped: bool
    test_loss: float
    test_accuracy: float
    confusion: list[list[int]]
    predicted: list[int]
    confidence: list[float]


class Failed(TypedDict):
    """The task failed; `message` is written for a student."""

    event: Literal["failed"]
    message: str


class Done(TypedDict):
    """The task is over: the worker has nothing more to say about it (it exits, or its process ended)."""

    event: Literal["done"]
    reusable: NotRequired[bool]  # True: the worker stays and says "ready" again for another task


Event = Ready | Started | Batch | Epoch | Testing | Finished | Scored | Tested | Failed | Done

Emit = Callable[[Event], None]  # how a task reports: one call per event


def failed(message: str) -> Failed:
    """The failed event for `message`."""
    return {"event": "failed", "message": message}

