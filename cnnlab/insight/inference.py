"""Ask trained models questions without TensorFlow in the web server: one long-lived inference worker process.

The server keeps no Keras: Streamlit resets Keras's global state after every script run whenever
`keras` is imported, and TensorFlow is neither fork-safe nor thread-safe for model building. So one
worker process, spawned as a fresh interpreter, imports TensorFlow once, keeps the last few models
loaded, and answers over a socket pair: a prediction for one image takes milliseconds once warm. Every
wait has a timeout; a worker that crashes, hangs or grows too large is replaced, and the caller gets an
`InferenceError` with a message a student can act on — never a hang.

The worker is a `cnnlab.engine.processes.ChildProcess`, not a `multiprocessing` child: under Streamlit
`sys.modules["__main__"]` is the app's script, and multiprocessing's spawn runs `__main__` again in every
child before its target, so the worker would first execute a page of the app (in bare mode).

    client = InferenceClient()                          # the server's two: `Lab.inference`, `Lab.exports`
    probabilities = client.predict("runs/…/model.h5", pixels[None])      # (1, 10)
    layers = client.feature_maps("runs/…/model.h5", pixels, max_channels=16)
    trace = client.trace("runs/…/model.h5", pixels, position=3, at=(4, 5, 0))  # .value, .keras_value
"""

from __future__ import annotations

import contextlib
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.core.export_rules import ExportFormat
from cnnlab.engine.processes import ChildProcess, exit_cause
from cnnlab.insight.inference_worker import ConvFilters, FeatureMaps, Op, Reply, Request
from cnnlab.insight.trace import SaliencyMethod, Trace

INFERENCE_WORKER_TARGET = "cnnlab.insight.inference_worker:serve"  # "module:function" the worker runs

__all__ = [
    "ConvFilters",
    "FeatureMaps",
    "InferenceClient",
    "InferenceError",
    "SaliencyMethod",
    "Trace",
]

CACHE_SIZE = 4  # models kept loaded in the worker (a class switches between a few runs)
RSS_LIMIT_BYTES = 1536 * 2**20  # a worker above this (far above TensorFlow and a few models) is replaced
START_TIMEOUT_S = 120.0  # importing TensorFlow on a busy 2-core machine can take tens of seconds
REQUEST_TIMEOUT_S = 30.0  # loading a model and answering 10,000 images stays far below this
EXPORT_TIMEOUT_S = 360.0  # ONNX takes seconds; Keras 2 starts a fresh TensorFlow process (bridge.export)
MAX_IMAGES = 10_000  # one request at most: the whole MNIST test set
DEFAULT_MAP_CHANNELS = 16
MAX_MAP_CHANNELS = 64  # caps what a page can ask for, whatever the layer's width
DEFAULT_FILTERS = 32
MAX_FILTERS = 64
_REAP_S = 2.0  # longest wait for a worker to exit after a stop request or a signal


class InferenceError(RuntimeError):
    """A question the model could not answer; `str(error)` is a message for the student."""


class InferenceClient:
    """The server's handle on one inference worker process; thread-safe, one request at a time."""

    def __init__(
        self,
        *,
        cache_size: int = CACHE_SIZE,
        rss_limit_bytes: int = RSS_LIMIT_BYTES,
        start_timeout: float = START_TIMEOUT_S,
        request_timeout: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.cache_size = cache_size
        self.rss_limit_bytes = rss_limit_bytes
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self._lock = threading.Lock()
        self._process: ChildProcess | None = None
        self._conn: Connection | None = None
        self._ready = False

    @property
    def pid(self) -> int | None:
        """The worker's process id (None before the first start)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the worker if it is not running, without waiting for its TensorFlow import (call early).

        Never blocks and never raises: while another request holds the worker it is running already, and a
        worker that cannot start now is reported by the next request.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            if not self._alive():
                self._spawn()
        except InferenceError:
            pass
        finally:
            self._lock.release()

    def predict(
        self, model_path: str | Path, images: np.ndarray, *, timeout: float | None = None
    ) -> np.ndarray:
        """The model's 10 probabilities per image: images (N, 28, 28[, 1]) float32 in [0, 1] → (N, 10)."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 0 or not 1 <= images.shape[0] <= MAX_IMAGES:
            raise InferenceError(f"Predictions take 1 to {MAX_IMAGES:,} images at a time.")
        return self._call(Request(Op.PREDICT, _absolute(model_path), {"images": images}), timeout)

    def feature_maps(
        self,
        model_path: str | Path,
        image: np.ndarray,
        max_channels: int = DEFAULT_MAP_CHANNELS,
        *,
        timeout: float | None = None,
    ) -> list[FeatureMaps]:
        """Each Conv2D and pooling layer's output for one 28×28 image: its first `max_channels` (≤ 64)."""
        shown = max(1, min(int(max_channels), MAX_MAP_CHANNELS))
        args = {"image": np.asarray(image, dtype=np.float32), "max_channels": shown}
        return self._call(Request(Op.FEATURE_MAPS, _absolute(model_path), args), timeout)

    def first_conv_filters(
        self, model_path: str | Path, max_filters: int = DEFAULT_FILTERS, *, timeout: float | None = None
    ) -> ConvFilters | None:
        """The first Conv2D's learned kernels (the first `max_filters` ≤ 64), or None without a Conv2D."""
        shown = max(1, min(int(max_filters), MAX_FILTERS))
        request = Request(Op.FIRST_CONV_FILTERS, _absolute(model_path), {"max_filters": shown})
        return self._call(request, timeout)

    def trace(
        self, model_path: str | Path, image: np.ndarray, position: int, at: tuple[int, ...], *,
        timeout: float | None = None,
    ) -> Trace:
        """Output value `at` (row, column, channel, or unit; from 0) of layer `position` (1-based, as on
        Build) for one image, traced: what it reads, the weights, the arithmetic and Keras's own value. A
        layer or cell the model lacks raises InferenceError saying so."""
        args = {"image": np.asarray(image, dtype=np.float32), "position": int(position),
                "at": tuple(int(index) for index in at)}
        return self._call(Request(Op.TRACE, _absolute(model_path), args), timeout)

    def saliency(
        self, model_path: str | Path, image: np.ndarray, digit: int, method: SaliencyMethod, *,
        timeout: float | None = None,
    ) -> np.ndarray:
        """Which pixels of one image the score of `digit` depends on (`ModelProbe.saliency`), (28, 28)."""
        args = {"image": np.asarray(image, dtype=np.float32), "digit": int(digit), "method": str(method)}
        return self._call(Request(Op.SALIENCY, _absolute(model_path), args), timeout)

    def export(
        self, model_path: str | Path, spec: dict, fmt: ExportFormat, *, timeout: float = EXPORT_TIMEOUT_S
    ) -> bytes:
        """The trained model at `model_path` (built from `spec`, spec_to_dict form) as an `fmt` file's bytes.

        A layer the format cannot carry raises InferenceError naming it. Other requests wait meanwhile.
        """
        request = Request(Op.EXPORT, _absolute(model_path), {"spec": spec, "fmt": str(fmt)})
        return self._call(request, timeout)

    def keras3(self, model_path: str | Path, *, timeout: float = EXPORT_TIMEOUT_S) -> bytes:
        """The trained model's `.h5` at `model_path` as a Keras 3 `.keras` file's bytes, with its optimizer
        state (a big run's `.keras` is made only when asked for)."""
        path = _absolute(model_path)
        return self._call(Request(Op.KERAS3, path, {"h5_file": path}), timeout)

    def close(self) -> None:
        """Stop the worker politely, then firmly; the next request starts a new one."""
        with self._lock:
            self._stop_worker()

    def _call(self, request: Request, timeout: float | None) -> Any:
        """Send one request, wait for the reply; replace the worker on a crash, a hang or too much memory."""
        timeout = self.request_timeout if timeout is None else timeout
        if not self._lock.acquire(timeout=self.start_timeout + timeout):
            raise InferenceError("The model is busy answering other requests — try again in a moment.")
        try:
            if not self._alive():
                self._spawn()  # first use, or a worker that died while idle: start afresh, nothing was lost
            self._await_ready()
            assert self._conn is not None
            try:
                self._conn.send(request)
            except (OSError, ValueError):
                raise self._crashed("before it could take the request") from None
            if not self._conn.poll(timeout):
                self._stop_worker(graceful=False)  # it is stuck: asking politely would only wait longer
                self._spawn()
                raise InferenceError(
                    f"The model took longer than {timeout:g} s to answer, so it was restarted — try again "
                    "(a busy machine can be slow for a moment)."
                )
            try:
                reply: Reply = self._conn.recv()
            except (EOFError, OSError):
                raise self._crashed("while answering") from None
            if reply.rss_bytes > self.rss_limit_bytes:
                self._stop_worker()
                self._spawn()
            if not reply.ok:
                raise InferenceError(reply.message)
            return reply.value
        finally:
            self._lock.release()

    def _alive(self) -> bool:
        """True while the current worker process exists (and reaps it once it has ended)."""
        return self._process is not None and self._process.is_alive()

    def _spawn(self) -> None:
        """Start a fresh worker process (returns at once; `_await_ready` waits for its TensorFlow import)."""
        self._stop_worker()
        try:
            child = ChildProcess(INFERENCE_WORKER_TARGET, (self.cache_size,), name="cnnlab-inference")
        except OSError as error:  # no memory or no process slots left for a new process
            raise InferenceError(
                f"The model worker could not be started ({error.strerror or error}); the server may be short "
                "of memory — try again in a minute."
            ) from None
        self._process, self._conn, self._ready = child, child.conn, False

    def _await_ready(self) -> None:
        """Wait (at most `start_timeout`) for the worker's "ready" after its TensorFlow import."""
        if self._ready:
            return
        assert self._conn is not None
        if not self._conn.poll(self.start_timeout):
            self._stop_worker()
            raise InferenceError(
                f"The model worker did not start within {self.start_timeout:g} s — the machine may be "
                "overloaded; try again in a minute."
            )
        try:
            self._conn.recv()
        except (EOFError, OSError):
            raise self._crashed("while starting") from None
        self._ready = True

    def _crashed(self, when: str) -> InferenceError:
        """Reap a worker that died, start a new one, and say what happened."""
        assert self._process is not None
        self._process.join(_REAP_S)
        cause = exit_cause(self._process.exitcode)
        self._spawn()
        return InferenceError(
            f"The model worker stopped unexpectedly {when} ({cause}); it was restarted — try again."
        )

    def _stop_worker(self, *, graceful: bool = True) -> None:
        """End the current worker, if any: ask it to stop, then terminate, then kill; never wait long."""
        process, conn = self._process, self._conn
        graceful = graceful and self._ready  # a worker still importing TensorFlow cannot hear "stop" yet
        self._process, self._conn, self._ready = None, None, False
        if process is None:
            return
        if conn is not None:
            if graceful and process.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    conn.send(Request(Op.STOP))
                process.join(_REAP_S)
            conn.close()
        if graceful:
            process.terminate()
        process.end(_REAP_S if graceful else 0.0)


def _absolute(model_path: str | Path) -> str:
    """The path as the worker must see it: absolute, since the worker runs in the project directory."""
    return str(Path(model_path).absolute())
