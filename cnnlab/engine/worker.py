"""The worker process: TensorFlow lives here, never in the web server. It warms up once, then runs tasks.

Started by `runner` as a fresh interpreter (`processes.ChildProcess`). It lowers its own CPU
priority and bounds TensorFlow's thread pools (so training never starves the web pages), imports TensorFlow
and Keras and rehearses once (so a job sent to a spare worker starts at once), then says
`{"event": "ready"}` and waits for a message `{"op": "task", "kind": ..., "payload": ...}`. It streams the
task's events back and ends with `{"event": "done", "reusable": ...}`; `{"op": "stop"}` asks the task to stop
early. A reusable worker then clears Keras's session and says "ready" again, so the next job pays for no
new interpreter, TensorFlow import or rehearsal (on 2 cores that warm-up cost more CPU than a class demo's
whole training run, and a spare warming up ran beside the job that was training). After `max_tasks` tasks,
or once its memory has grown past `max_rss_bytes`, the worker exits instead, returning all of TensorFlow's
memory to the system. Every task sets its own seeds, so a job trains exactly as it would in a fresh worker.

A task kind is a function `(payload, emit, stop_requested) -> None` in `TASKS`; a new kind is one more entry
there. This module's top level imports only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from cnnlab.engine.events import Emit, Event, failed

Task = Callable[[dict, Emit, Callable[[], bool]], None]

_WARM_UP_SPEC = {  # small, but with the layer kinds most stacks use
    "input_shape": [28, 28, 1],
    "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": [3, 3], "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": [2, 2]},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}


@dataclass(frozen=True)
class WorkerSettings:
    """How much of the machine one worker may take."""

    niceness: int = 10  # added to the CPU niceness: page requests win when both want a core
    intra_op_threads: int = 0  # TensorFlow's threads inside one op; 0 = one per core
    inter_op_threads: int = 0  # ops run side by side; 0 = TensorFlow's choice
    max_tasks: int = 25  # tasks one worker runs before it exits (a fresh one takes over)
    max_rss_bytes: int = 2 * 1024**3  # a worker that has grown past this exits after its task


def _train(payload: dict, emit: Emit, stop_requested: Callable[[], bool]) -> None:
    """Task "train": payload {"spec": spec_to_dict(…), "config": config_to_dict(…)} and, for a digits run when
    the class has drawings, "class_set" (`ClassSet.payload`); see `trainer`."""
    from cnnlab.core.hyper import parse_train_config
    from cnnlab.engine.trainer import TrainingFailed, train

    config, problems = parse_train_config(payload["config"])
    if config is None:
        raise TrainingFailed("; ".join(problems))
    train(payload["spec"], config, emit, stop_requested, payload.get("class_set"))


def _test(payload: dict, emit: Emit, stop_requested: Callable[[], bool]) -> None:
    """Task "test": payload {"spec", "model" (a .h5's bytes), "start", "dataset" (MNIST when absent)}; see
    `trainer.test_rest`."""
    from cnnlab.core.datasets import dataset_of
    from cnnlab.engine.trainer import test_rest

    test_rest(payload["spec"], payload["model"], payload["start"], emit, stop_requested,
              dataset_of(payload.get("dataset")))


TASKS: dict[str, Task] = {"train": _train, "test": _test}


def warm_up(settings: WorkerSettings) -> None:
    """Lower the priority, configure TensorFlow's threads, then train a tiny stack once.

    The rehearsal imports and initialises everything a job needs (Keras, the MNIST arrays, TensorFlow's
    function tracing, HDF5 saving) while the worker waits, so a student's job does not pay for it before its
    first live point (README, Performance).
    """
    os.nice(settings.niceness)
    with contextlib.suppress(OSError):  # if memory runs out, the kernel should end this job, not the server
        Path("/proc/self/oom_score_adj").write_text("1000")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(settings.intra_op_threads)
    tf.config.threading.set_inter_op_parallelism_threads(settings.inter_op_threads)
    from cnnlab.core.hyper import TrainConfig
    from cnnlab.engine.trainer import train

    train(_WARM_UP_SPEC, TrainConfig(epochs=1, batch_size=50, train_size=100, validation_split=0.0),
          lambda event: None, lambda: False)


def _listen(conn: Connection, tasks: queue.Queue, stop: threading.Event) -> None:
    """Read messages from the server; if the server is gone (pipe closed), end this process at once."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the server died: an orphaned worker must not go on using the machine
        if message.get("op") == "stop":
            stop.set()
        elif message.get("op") == "task":  # a stop sent before it was for the previous task, one after it
            stop.clear()  # is for this one (even if the task has not begun: the worker may still be warming)
            tasks.put(message)


def run_task(kind: str, payload: dict, emit: Emit, stop_requested: Callable[[], bool],
             reusable: Callable[[], bool] = lambda: False) -> bool:
    """Run one task of `kind`, reporting through `emit`; any error becomes a failed event; "done" comes
    last, with "reusable": True when `reusable()` (asked after the task) says the worker takes another (the
    value returned).

    Every runner's worker (this process, a Ray actor) runs tasks through here, so they behave alike.
    """
    try:
        TASKS[kind](payload, emit, stop_requested)
    except Exception as error:  # any failure becomes a message for the student; the server goes on
        from cnnlab.engine.trainer import failure_message

        emit(failed(failure_message(error)))
    again = reusable()
    emit({"event": "done", "reusable": True} if again else {"event": "done"})
    return again


def _takes_another(done: int, settings: WorkerSettings) -> bool:
    """Whether a worker that has run `done` tasks takes one more: below `max_tasks` and `max_rss_bytes`."""
    return done < settings.max_tasks and _rss_bytes() < settings.max_rss_bytes


def worker_main(conn: Connection, settings: WorkerSettings) -> None:
    """Entry point of a spawned worker process: warm up, then run tasks and report, until it should exit."""
    tasks: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_listen, args=(conn, tasks, stop), daemon=True, name="cnnlab-listen").start()

    def emit(event: Event) -> None:
        """Send one event to the server; if it is gone, end this process."""
        try:
            conn.send(event)
        except (BrokenPipeError, OSError):
            os._exit(0)  # nobody is listening any more

    warm_up(settings)
    for count in range(1, settings.max_tasks + 1):
        emit({"event": "ready"})
        message = tasks.get()
        if not run_task(message["kind"], message["payload"], emit, stop.is_set,
                        reusable=partial(_takes_another, count, settings)):
            break
        _reset()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip TensorFlow's slow teardown: everything worth keeping has been sent


def _reset() -> None:
    """Forget the last task's models and Keras's global state before the next task. No full garbage collection
    here (it lies on the path to the next job's start, and scans all of TensorFlow): reference counting frees
    the old model at once, Python's own collector takes the rest later, and `max_rss_bytes` bounds what
    remains."""
    import keras

    keras.backend.clear_session(free_memory=False)


def _rss_bytes() -> int:
    """This process's resident memory, from /proc (0 where there is none: then the RSS cap never applies)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")
