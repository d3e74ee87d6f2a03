"""One value of a trained model, traced: the input values it is computed from, the weights, the arithmetic,
and Keras's own output for that value; and saliency — which pixels the score of a digit depends on.

The geometry is the stack's own (`Layer.reads` says which input values an output value is computed from,
`receptive_field.placed_field` where that lands in the image); the arithmetic follows the layer type's
`CellRule` (a weighted sum, a maximum, a mean, a copy, a normalisation), done in float64 on the model's
float32 weights and the float32 input Keras gave the layer, then compared with the float32 value Keras
computed for the same image in the same run.

Runs where TensorFlow may run: the inference worker (Predict) and the command line (`cnnlab explain`),
never the web server. TensorFlow and Keras are imported inside the functions that need them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from cnnlab.bridge.modelfile import model_config_to_spec
from cnnlab.core.arithmetic import Analysis, LayerReport, analyze
from cnnlab.core.layer_types.base import Box, CellRule
from cnnlab.core.messages import SpecError
from cnnlab.core.receptive_field import PixelBox, cell_problem, placed_field


class TraceError(ValueError):
    """A value that cannot be traced (no such layer or cell, a model CNN Lab cannot read); the message says
    which and why."""


class SaliencyMethod(StrEnum):
    """How a saliency map is made."""

    GRADIENT = "gradient"  # ∂ score / ∂ pixel, one number per input pixel
    LAYER_CAM = "layer-cam"  # LayerCAM on the last Conv2D: where its feature maps speak for the digit


OPERATIONS = {CellRule.weighted_sum: "weighted sum", CellRule.maximum: "max", CellRule.mean: "mean",
              CellRule.copy: "copy", CellRule.normalise: "normalise"}


@dataclass(frozen=True)
class Trace:
    """One output value of one layer for one image, and how it was computed.

    `reads` is the block of the layer's input it is computed from (start, stop per input axis, in that
    input's own indices; before 0 or past the end: padding). `patch` holds those input values — rows ×
    columns × channels on an image, the inputs of a flat layer — with zeros in the padding for a weighted sum
    or a copy, and only the values inside the input for a maximum or a mean. `kernel` has the patch's shape.
    """

    position: int
    type: str
    at: tuple[int, ...]
    rule: CellRule
    input_shape: tuple[int, ...]
    receptive_field: PixelBox | None  # in the image, clipped; None for a value in a border of zeros
    reads: tuple[tuple[int, int], ...]
    patch: np.ndarray
    kernel: np.ndarray | None
    bias: float | None
    pre_activation: float
    activation: str | None
    value: float
    keras_value: float
    winner: tuple[int, ...] | None = None  # a maximum's input position (row, column)
    details: dict[str, float] = field(default_factory=dict)  # a normalisation's γ, β, mean, variance, ε

    @property
    def products_sum(self) -> float:
        """Σ patch × kernel (a weighted sum's value before its bias)."""
        return float(np.sum(self.patch * self.kernel)) if self.kernel is not None else self.pre_activation

    def to_json(self) -> dict[str, Any]:
        """The `cnnlab explain --json` document: layer, type, at, receptive_field, patch, kernel, bias,
        pre_activation, activation, value, keras_value, then what the operation adds (winner, count,
        normalisation numbers)."""
        document: dict[str, Any] = {
            "layer": self.position, "type": self.type, "at": list(self.at),
            "receptive_field": self.receptive_field.to_json() if self.receptive_field else None,
            "patch": self.patch.tolist(), "kernel": None if self.kernel is None else self.kernel.tolist(),
            "bias": self.bias, "pre_activation": self.pre_activation, "activation": self.activation,
            "value": self.value, "keras_value": self.keras_value,
            "operation": OPERATIONS[self.rule], "reads": [list(span) for span in self.reads],
        }
        if self.winner is not None:
            document["winner"] = list(self.winner)
        if self.rule == CellRule.mean:
            document["count"] = int(self.patch.size)
        return document | self.details


def analysis_of(model: Any) -> Analysis:
    """The analysed stack of a loaded Keras Sequential model, read from its config as Build reads a file."""
    try:
        analysis = analyze(model_config_to_spec(json.loads(model.to_json()), model.name))
    except SpecError as error:
        raise TraceError(str(error)) from None
    if not analysis.ok:
        raise TraceError(f"the model's stack has problems: {analysis.problems[0]}")
    return analysis


class ModelProbe:
    """A trained Sequential model and its analysed stack, asked about one image at a time: every layer's
    output (`outputs`), one value traced (`trace`), a saliency map (`saliency`). Keeps the model that outputs
    every layer, built on first use."""

    def __init__(self, model: Any, analysis: Analysis) -> None:
        self.model = model
        self.analysis = analysis
        self._every_layer: Any = None

    def outputs(self, image: np.ndarray) -> list[np.ndarray]:
        """The input (first) and every layer's output for one image, batch axis dropped, float32."""
        import keras

        if self._every_layer is None:
            every = [layer.output for layer in self.model.layers]
            self._every_layer = keras.Model(self.model.inputs[0], every)
        batch = self._batch(image)
        outputs = self._every_layer(batch, training=False)
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        return [batch[0], *(np.asarray(output)[0] for output in outputs)]

    def _batch(self, image: np.ndarray) -> np.ndarray:
        """One image as the model's input batch (1, *input shape), float32."""
        expected = tuple(self.model.input_shape[1:])
        image = np.asarray(image, dtype=np.float32)
        if image.size != int(np.prod(expected)):
            raise TraceError(f"an image of shape {image.shape} does not fit this model's input "
                             f"{'×'.join(map(str, expected))}")
        return image.reshape((1, *expected))

    def trace(self, image: np.ndarray, position: int, at: tuple[int, ...]) -> Trace:
        """Output value `at` of layer `position` (1-based, as in Build's table) for `image`, traced."""
        at = tuple(int(index) for index in at)
        problem = cell_problem(self.analysis, position, at)
        if problem:
            raise TraceError(problem)
        report = self.analysis.layers[position - 1]
        outputs = self.outputs(image)
        layer_input, layer_output = outputs[position - 1], outputs[position]
        box = report.layer.reads(report.input_shape, tuple(range(i, i + 1) for i in at))
        rule = report.layer.cell_rule
        traced = _RULES[rule](self.model.layers[position - 1], report, layer_input, at, box)
        return Trace(position=position, type=report.type, at=at, rule=rule, input_shape=report.input_shape,
                     receptive_field=placed_field(self.analysis, position, at),
                     reads=tuple((span.start, span.stop) for span in box),
                     keras_value=float(layer_output[at]), **traced)

    def saliency(self, image: np.ndarray, digit: int, method: SaliencyMethod) -> np.ndarray:
        """Which pixels the score of `digit` depends on, (height, width) float32: for `GRADIENT` the
        derivative of the digit's score (the last layer's value before its softmax) by each pixel — positive
        where more ink would raise it; for `LAYER_CAM` the last Conv2D's maps, each value weighted by how much
        raising it would raise the score (where it would), summed over the channels, scaled to 0…1 and
        stretched over the image. That is LayerCAM (Jiang et al., 2021), Grad-CAM with a weight per position
        instead of one mean per channel: on a small trained convnet, plain Grad-CAM's means cancel out and
        left the map empty for the model's own answer on 8 of 20 test digits; LayerCAM on none."""
        import tensorflow as tf

        classes = int(self.model.output_shape[-1])
        if not 0 <= digit < classes:
            raise TraceError(f"digit {digit} is not one of the model's outputs (0–{classes - 1})")
        layers = self.model.layers
        convs = [index for index, report in enumerate(self.analysis.layers)
                 if report.layer.cell_rule == CellRule.weighted_sum and len(report.output_shape) == 3]
        if method == SaliencyMethod.LAYER_CAM and not convs:
            raise TraceError("LayerCAM needs a Conv2D layer, and this model has none")
        watched_at = convs[-1] if method == SaliencyMethod.LAYER_CAM else -1
        x = tf.constant(self._batch(image))
        with tf.GradientTape() as tape:
            tape.watch(x)
            values, watched = x, x
            for index, layer in enumerate(layers[:-1]):
                values = layer(values, training=False)
                if index == watched_at:
                    watched = values
                    tape.watch(watched)
            score = _before_activation(layers[-1], values)[0, digit]
        gradient = tape.gradient(score, watched)
        if method == SaliencyMethod.GRADIENT:
            grad = np.asarray(gradient)[0]
            return grad[..., 0] if grad.shape[-1] == 1 else grad.sum(axis=-1)
        cam = tf.nn.relu(tf.reduce_sum(tf.nn.relu(gradient) * watched, axis=-1, keepdims=True))
        side = self.model.input_shape[1:3]
        cam = np.asarray(tf.image.resize(cam, side, method="bilinear"))[0, :, :, 0]
        top = float(cam.max())
        return (cam / top if top > 0 else cam).astype(np.float32)


def _before_activation(layer: Any, values: Any) -> Any:
    """The layer's output without its activation: a digit's score before the softmax turns the scores into
    probabilities (its activation is swapped for linear for this one call)."""
    import keras

    activation = getattr(layer, "activation", None)
    if activation is None:
        return layer(values, training=False)
    layer.activation = keras.activations.linear
    try:
        return layer(values, training=False)
    finally:
        layer.activation = activation


# ------------------------------------------------------------------------------------- one rule each


def _gather(values: np.ndarray, box: Box, *, pad: bool) -> tuple[np.ndarray, tuple[int, ...]]:
    """The input values in `box` (one range per axis) as float64: with `pad`, the whole box, zeros where it
    reaches past the input; without, only the part inside. Also the input index of the first value given."""
    inside = tuple(range(max(span.start, 0), min(span.stop, side))
                   for span, side in zip(box, values.shape, strict=True))
    part = np.asarray(values[tuple(slice(r.start, r.stop) for r in inside)], dtype=np.float64)
    if not pad:
        return part, tuple(r.start for r in inside)
    patch = np.zeros(tuple(len(span) for span in box), dtype=np.float64)
    if part.size:
        patch[tuple(slice(r.start - span.start, r.stop - span.start) for r, span in zip(inside, box,
                                                                                       strict=True))] = part
    return patch, tuple(span.start for span in box)


def _weighted_sum(layer: Any, report: LayerReport, values: np.ndarray, at: tuple[int, ...],
                  box: Box) -> dict[str, Any]:
    """Σ patch × kernel + bias, then the activation (over the whole position's vector, as Keras applies
    it, so that softmax-like activations come out right)."""
    import keras

    patch, _ = _gather(values, box, pad=True)
    kernel_all = np.asarray(layer.kernel, dtype=np.float64)
    kernel_all = kernel_all.reshape((*patch.shape, kernel_all.shape[-1]))
    bias_all = np.asarray(layer.bias, dtype=np.float64) if layer.bias is not None else np.zeros(
        kernel_all.shape[-1])
    channel = at[-1]
    pre_all = np.tensordot(patch, kernel_all, axes=patch.ndim) + bias_all
    activation = str(report.layer.activation_setting())
    value = np.asarray(keras.activations.get(activation)(pre_all[None, :]), dtype=np.float64)[0, channel]
    return {"patch": patch, "kernel": kernel_all[..., channel], "bias": float(bias_all[channel]),
            "pre_activation": float(pre_all[channel]), "activation": activation, "value": float(value)}


def _maximum(layer: Any, report: LayerReport, values: np.ndarray, at: tuple[int, ...],
             box: Box) -> dict[str, Any]:
    """The largest value inside the window (the padding never wins), and where it is."""
    patch, start = _gather(values, box, pad=False)
    best = np.unravel_index(int(np.argmax(patch)), patch.shape)
    value = float(patch[best])
    winner = tuple(int(s + b) for s, b in zip(start, best, strict=True))[:2]
    return {"patch": patch, "kernel": None, "bias": None, "pre_activation": value, "activation": None,
            "value": value, "winner": winner}


def _mean(layer: Any, report: LayerReport, values: np.ndarray, at: tuple[int, ...],
          box: Box) -> dict[str, Any]:
    """The average of the values inside the window (the padding is not counted, as TensorFlow averages)."""
    patch, _ = _gather(values, box, pad=False)
    value = float(patch.mean())
    return {"patch": patch, "kernel": None, "bias": None, "pre_activation": value, "activation": None,
            "value": value}


def _copy(layer: Any, report: LayerReport, values: np.ndarray, at: tuple[int, ...],
          box: Box) -> dict[str, Any]:
    """The input value itself (0 in a border of zeros; dropout does nothing when predicting)."""
    patch, _ = _gather(values, box, pad=True)
    value = float(patch.reshape(-1)[0])
    return {"patch": patch, "kernel": None, "bias": None, "pre_activation": value, "activation": None,
            "value": value}


def _normalise(layer: Any, report: LayerReport, values: np.ndarray, at: tuple[int, ...],
               box: Box) -> dict[str, Any]:
    """γ · (x − moving mean) / √(moving variance + ε) + β, with the channel's own numbers."""
    patch, _ = _gather(values, box, pad=True)
    gamma, beta, mean, variance = (float(np.asarray(weights, dtype=np.float64)[at[-1]])
                                   for weights in layer.get_weights())
    epsilon = float(layer.epsilon)
    x = float(patch.reshape(-1)[0])
    value = gamma * (x - mean) / np.sqrt(variance + epsilon) + beta
    return {"patch": patch, "kernel": None, "bias": None, "pre_activation": float(value), "activation": None,
            "value": float(value), "details": {"gamma": gamma, "beta": beta, "moving_mean": mean,
                                               "moving_variance": variance, "epsilon": epsilon}}


_RULES = {CellRule.weighted_sum: _weighted_sum, CellRule.maximum: _maximum, CellRule.mean: _mean,
          CellRule.copy: _copy, CellRule.normalise: _normalise}
