"""The inference worker process: loads trained models and answers predictions, feature maps and filters, one
value traced and saliency maps (`insight.trace`), and exports a model to ONNX, Keras 2 or Keras 3's `.keras`
(`bridge.export`; the Keras 2 part in a process of its own). The server runs two: one for questions, one for
exports (`cnnlab.lab`), so an export never holds up a prediction.

Runs in its own process (a fresh interpreter started by `inference`), so TensorFlow is imported here
and never in the web server. The top level imports only numpy and modules that import TensorFlow lazily
(`bridge.export`): the server imports this module for its request and result types.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.bridge.export import ExportFailed, export_bytes, keras3_bytes
from cnnlab.core.arithmetic import analyze
from cnnlab.core.export_rules import ExportFormat
from cnnlab.core.messages import error_summary
from cnnlab.insight.trace import ModelProbe, SaliencyMethod, Trace, TraceError, analysis_of

MAP_LAYER_TYPES = ("Conv2D", "MaxPooling2D", "AveragePooling2D")  # layers whose output is a stack of 2-D maps
PREDICT_CHUNK = 1024  # images per forward pass: bounds the worker's memory for a 10,000-image request


class Op(StrEnum):
    """What the server asks the worker to do."""

    PREDICT = "predict"
    FEATURE_MAPS = "feature_maps"
    FIRST_CONV_FILTERS = "first_conv_filters"
    TRACE = "trace"
    SALIENCY = "saliency"
    EXPORT = "export"
    KERAS3 = "keras3"
    STOP = "stop"


@dataclass(frozen=True)
class Request:
    """One question for the worker; `args` are the keyword arguments of the matching `_answer_*` function."""

    op: Op
    model_path: str = ""
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """The worker's answer: `value` when `ok`, else a `message` for the student; and the worker's memory."""

    ok: bool
    value: Any = None
    message: str = ""
    rss_bytes: int = 0


@dataclass(frozen=True)
class FeatureMaps:
    """The output of one Conv2D / pooling layer for one image, cut to the first `maps.shape[0]` channels."""

    position: int  # 1-based position in the stack, as on the Build page
    layer_name: str
    layer_type: str
    shape: tuple[int, int, int]  # (height, width, channels) of the whole output, as Keras reports it
    maps: np.ndarray  # (channels shown, height, width) float32
    channels_total: int


@dataclass(frozen=True)
class ConvFilters:
    """The learned kernels of the first Conv2D, for input channel 0, cut to the first `weights.shape[0]`."""

    position: int
    layer_name: str
    kernel_shape: tuple[int, int, int, int]  # (kernel h, kernel w, input channels, filters), Keras's layout
    weights: np.ndarray  # (filters shown, kernel h, kernel w) float32
    filters_total: int


class ModelFileError(Exception):
    """A model file that cannot be used; the message says which file and why."""


def serve(conn: Connection, cache_size: int) -> None:
    """The worker's main loop: import TensorFlow, say "ready", then answer requests until told to stop.

    Ends quietly when the server goes away (the pipe closes), so a killed server never leaves a worker behind.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: F401  (the slow import happens once, before "ready")

    models = _ModelCache(cache_size)
    conn.send(Reply(True, "ready", rss_bytes=_rss_bytes()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request.op == Op.STOP:
            return
        conn.send(_answer(models, request))


def _answer(models: _ModelCache, request: Request) -> Reply:
    """Run one request; every failure becomes a one-line message instead of killing the worker."""
    try:
        model = models.get(request.model_path)
        value = _HANDLERS[request.op](model, **request.args)
    except (ModelFileError, ExportFailed, TraceError) as error:
        return Reply(False, message=str(error), rss_bytes=_rss_bytes())
    except Exception as error:  # a bad model or input must not end the worker
        detail = error_summary(error)
        return Reply(False, message=f"The model could not answer: {detail}", rss_bytes=_rss_bytes())
    return Reply(True, value, rss_bytes=_rss_bytes())


@dataclass
class _LoadedModel:
    """A loaded Keras model plus, built on first use, the model that outputs every map layer and the probe
    that traces its values."""

    model: Any
    extractor: Any = None
    probe: ModelProbe | None = None

    def probed(self) -> ModelProbe:
        """The model's probe (its stack read from its config once)."""
        if self.probe is None:
            self.probe = ModelProbe(self.model, analysis_of(self.model))
        return self.probe


class _ModelCache:
    """The last `size` models used, least recently used dropped first; a rewritten file is loaded again."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._entries: OrderedDict[tuple[str, int, int], _LoadedModel] = OrderedDict()

    def get(self, model_path: str) -> _LoadedModel:
        """The model stored at `model_path`, from the cache when the file is unchanged since it was loaded."""
        path = Path(model_path)
        try:
            stat = path.stat()
        except OSError:
            raise ModelFileError(f"The model file {path.name} is missing — was the run deleted?") from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        entry = _LoadedModel(_load(path))
        self._entries[key] = entry
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry


def _load(path: Path) -> Any:
    """Load a `.h5` or `.keras` model for inference only (no optimizer state needed)."""
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # h5py, zipfile and Keras each raise their own kinds
        kind = type(error).__name__
        raise ModelFileError(f"The model file {path.name} could not be read ({kind}).") from None


def _batch(model: Any, images: np.ndarray) -> np.ndarray:
    """Images (N, 28, 28) or (N, 28, 28, 1) → float32 (N, *model input shape), or a clear error."""
    expected = tuple(model.input_shape[1:])
    images = np.asarray(images, dtype=np.float32)
    count = images.shape[0] if images.ndim > 0 else 0
    if count == 0 or images.size != count * int(np.prod(expected)):
        raise ValueError(f"images of shape {images.shape} do not fit this model's input {expected}")
    return images.reshape((count, *expected))


def _forward(model: Any, batch: np.ndarray) -> np.ndarray | list[np.ndarray]:
    """One inference pass (dropout off, batch norm in inference mode), as numpy."""
    outputs = model(batch, training=False)
    if isinstance(outputs, list | tuple):
        return [np.asarray(output) for output in outputs]
    return np.asarray(outputs)


def _answer_predict(loaded: _LoadedModel, images: np.ndarray) -> np.ndarray:
    """The model's output (N, 10) for N images, in chunks of `PREDICT_CHUNK`."""
    batch = _batch(loaded.model, images)
    starts = range(0, len(batch), PREDICT_CHUNK)
    chunks = [_forward(loaded.model, batch[start : start + PREDICT_CHUNK]) for start in starts]
    return np.concatenate(chunks).astype(np.float32)


def _map_layers(model: Any) -> list[tuple[int, Any]]:
    """(1-based position, layer) of every Conv2D and pooling layer, in stack order."""
    return [
        (position, layer)
        for position, layer in enumerate(model.layers, start=1)
        if type(layer).__name__ in MAP_LAYER_TYPES and len(layer.output.shape) == 4
    ]


def _answer_feature_maps(loaded: _LoadedModel, image: np.ndarray, max_channels: int) -> list[FeatureMaps]:
    """Each map layer's output for one image, showing at most `max_channels` channels per layer."""
    import keras

    layers = _map_layers(loaded.model)
    if not layers:
        return []
    if loaded.extractor is None:
        loaded.extractor = keras.Model(loaded.model.inputs[0], [layer.output for _, layer in layers])
    outputs = _forward(loaded.extractor, _batch(loaded.model, np.asarray(image)[None]))
    outputs = outputs if isinstance(outputs, list) else [outputs]
    result = []
    for (position, layer), output in zip(layers, outputs, strict=True):
        height, width, channels = output.shape[1:]
        shown = max(1, min(max_channels, channels))
        result.append(
            FeatureMaps(
                position=position,
                layer_name=layer.name,
                layer_type=type(layer).__name__,
                shape=(int(height), int(width), int(channels)),
                maps=np.ascontiguousarray(output[0, :, :, :shown].transpose(2, 0, 1), dtype=np.float32),
                channels_total=int(channels),
            )
        )
    return result


def _answer_first_conv_filters(loaded: _LoadedModel, max_filters: int) -> ConvFilters | None:
    """The first Conv2D's kernels (input channel 0), at most `max_filters`; None if there is no Conv2D."""
    for position, layer in enumerate(loaded.model.layers, start=1):
        if type(layer).__name__ == "Conv2D":
            kernel = np.asarray(layer.get_weights()[0], dtype=np.float32)  # (kh, kw, in, filters)
            shown = max(1, min(max_filters, kernel.shape[3]))
            return ConvFilters(
                position=position,
                layer_name=layer.name,
                kernel_shape=tuple(int(n) for n in kernel.shape),
                weights=np.ascontiguousarray(kernel[:, :, 0, :shown].transpose(2, 0, 1)),
                filters_total=int(kernel.shape[3]),
            )
    return None


def _answer_trace(loaded: _LoadedModel, image: np.ndarray, position: int, at: tuple[int, ...]) -> Trace:
    """Output value `at` of layer `position` (1-based) for one image, traced (`ModelProbe.trace`)."""
    return loaded.probed().trace(image, position, at)


def _answer_saliency(loaded: _LoadedModel, image: np.ndarray, digit: int, method: str) -> np.ndarray:
    """Which pixels the score of `digit` depends on, for one image (`ModelProbe.saliency`)."""
    return loaded.probed().saliency(image, digit, SaliencyMethod(method))


def _answer_export(loaded: _LoadedModel, spec: dict, fmt: str) -> bytes:
    """The loaded model as an `ExportFormat` file's bytes; `spec` is the run's stack (spec_to_dict form)."""
    network = analyze(spec).spec
    if network is None:
        raise ExportFailed("the run's stack has problems, so its model cannot be exported")
    return export_bytes(loaded.model, network, ExportFormat(fmt))


def _answer_keras3(loaded: _LoadedModel, h5_file: str) -> bytes:
    """The run's `.h5` (the file just loaded) as a `.keras` file's bytes (`bridge.export.keras3_bytes`)."""
    return keras3_bytes(Path(h5_file))


_HANDLERS = {
    Op.PREDICT: _answer_predict,
    Op.FEATURE_MAPS: _answer_feature_maps,
    Op.FIRST_CONV_FILTERS: _answer_first_conv_filters,
    Op.TRACE: _answer_trace,
    Op.SALIENCY: _answer_saliency,
    Op.EXPORT: _answer_export,
    Op.KERAS3: _answer_keras3,
}


def _rss_bytes() -> int:
    """The worker's resident memory now (Linux /proc), or its peak where /proc is missing (macOS)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
