"""One value traced, with Keras as the oracle: for random stacks, layers and cells, the traced value equals
the layer's own output computed by Keras, the receptive field is the table's placed at the cell and holds
every pixel the value depends on (Keras's gradient), pooling winners and means are what they say; through
the inference worker too."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.base import CellRule
from cnnlab.core.presets import preset_spec
from cnnlab.core.receptive_field import placed_field, receptive_fields
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.inference import InferenceClient, InferenceError
from cnnlab.insight.trace import ModelProbe, SaliencyMethod, TraceError, analysis_of
from cnnlab.testing.models import random_weights_model
from cnnlab.testing.stacks import random_digit_reader

pytestmark = pytest.mark.keras
TOLERANCE = 1e-5  # |value − Keras's| ≤ 1e-5, relative to the value once it is larger than 1 (float32)


def _close(value: float, keras_value: float) -> bool:
    return abs(value - keras_value) <= TOLERANCE * max(1.0, abs(keras_value))


def _gradient_pixels(model, image: np.ndarray, position: int, cell: tuple[int, ...]) -> set[tuple[int, int]]:
    """The input pixels whose change moves output `cell` of layer `position`, by Keras's gradient."""
    import keras
    import tensorflow as tf

    probe = keras.Model(model.inputs[0], model.layers[position - 1].output)
    x = tf.constant(image.reshape(1, *model.input_shape[1:]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = probe(x, training=False)[(0, *cell)]
    gradient = np.abs(np.asarray(tape.gradient(value, x))[0]).sum(axis=-1)
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(gradient), strict=True)}


def test_random_stacks_layers_and_cells_against_keras() -> None:
    rng = random.Random(11)
    image = np.random.default_rng(3).random((28, 28)).astype(np.float32)
    rules: set[CellRule] = set()
    traced = 0
    presets = [spec_to_dict(preset_spec(name)) for name in ("convnet", "lenot", "batchnorm")]
    for number, spec in enumerate(presets + [random_digit_reader(rng) for _ in range(10)]):
        model = random_weights_model(spec, number)
        analysis = analysis_of(model)
        assert [(r.output_shape, r.params) for r in analysis.layers] == [
            (r.output_shape, r.params) for r in analyze(spec).layers]  # the stack read back from the model
        probe = ModelProbe(model, analysis)
        views = receptive_fields(analysis)
        for report, view in zip(analysis.layers, views, strict=True):
            for _ in range(2):
                cell = tuple(rng.randrange(side) for side in report.output_shape)
                trace = probe.trace(image, report.position, cell)
                assert _close(trace.value, trace.keras_value), (spec, report.position, cell, trace)
                assert trace.receptive_field == placed_field(analysis, report.position, cell)
                field = trace.receptive_field
                if view.whole:
                    assert field.to_json() == [0, 0, 27, 27]
                elif field is not None and len(report.output_shape) == 3:
                    assert (field.rows, field.cols) <= (view.rows, view.cols)
                    pixels = _gradient_pixels(model, image, report.position, cell)
                    assert all(field.top <= r <= field.bottom and field.left <= c <= field.right
                               for r, c in pixels), (spec, report.position, cell)
                rules.add(trace.rule)
                traced += 1
    assert traced > 80
    assert rules == set(CellRule)


def test_a_convolution_is_its_patch_times_its_kernel_plus_bias() -> None:
    model = random_weights_model(spec_to_dict(preset_spec("convnet")), 1)
    probe = ModelProbe(model, analysis_of(model))
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    trace = probe.trace(image, 3, (4, 5, 7))
    outputs = probe.outputs(image)
    assert trace.patch.shape == trace.kernel.shape == (3, 3, 16)
    assert np.array_equal(trace.patch, outputs[2][4:7, 5:8, :].astype(np.float64))  # layer 2's output
    assert np.array_equal(trace.kernel, model.layers[2].get_weights()[0][:, :, :, 7].astype(np.float64))
    assert trace.bias == pytest.approx(float(model.layers[2].get_weights()[1][7]))
    assert trace.pre_activation == pytest.approx(trace.products_sum + trace.bias)
    assert trace.value == pytest.approx(max(trace.pre_activation, 0.0))
    assert trace.receptive_field.to_json() == [8, 10, 15, 17]
    document = trace.to_json()
    assert list(document)[:11] == ["layer", "type", "at", "receptive_field", "patch", "kernel", "bias",
                                   "pre_activation", "activation", "value", "keras_value"]
    assert (document["layer"], document["type"], document["at"], document["activation"]) == (
        3, "Conv2D", [4, 5, 7], "relu")


def test_pooling_says_which_value_won_or_the_mean() -> None:
    spec = {"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
        {"type": "AveragePooling2D", "pool_size": 2, "padding": "same"},
        {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}
    model = random_weights_model(spec, 5)
    probe = ModelProbe(model, analysis_of(model))
    image = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    outputs = probe.outputs(image)
    biggest = probe.trace(image, 2, (12, 12, 1))  # the last window: it reaches into the padding
    assert biggest.reads[0] == (24, 27) and biggest.patch.shape == (2, 2, 1)  # only the rows inside
    row, col = biggest.winner
    assert biggest.value == outputs[1][row, col, 1] == biggest.patch.max()
    assert biggest.kernel is None and biggest.bias is None and biggest.activation is None
    assert biggest.to_json()["operation"] == "max" and biggest.to_json()["winner"] == [row, col]
    mean = probe.trace(image, 3, (6, 6, 0))  # 13×13 input: the last 2×2 window holds one value
    assert mean.patch.size == 1 and mean.to_json()["count"] == 1
    assert mean.value == pytest.approx(mean.keras_value, abs=1e-6)


def test_bad_layers_and_cells_are_refused_with_a_message() -> None:
    model = random_weights_model(spec_to_dict(preset_spec("convnet")), 2)
    probe = ModelProbe(model, analysis_of(model))
    image = np.zeros((28, 28), dtype=np.float32)
    with pytest.raises(TraceError, match="there is no layer 9: the stack has layers 1–8"):
        probe.trace(image, 9, (0,))
    with pytest.raises(TraceError, match="layer 1 \\(Conv2D\\) has 26 rows \\(0–25\\); row 26 is outside it"):
        probe.trace(image, 1, (26, 0, 0))
    with pytest.raises(TraceError, match="does not fit this model's input 28×28×1"):
        probe.trace(np.zeros((5, 5)), 1, (0, 0, 0))
    with pytest.raises(TraceError, match="digit 10 is not one of the model's outputs"):
        probe.saliency(image, 10, SaliencyMethod.GRADIENT)


def test_the_worker_traces_and_explains_a_trained_run(trained, tmp_path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(trained["convnet"].files[ModelFormat.H5])
    mlp = tmp_path / "mlp.h5"
    mlp.write_bytes(trained["mlp"].files[ModelFormat.H5])
    image = np.random.default_rng(2).random((28, 28)).astype(np.float32)
    client = InferenceClient()
    try:
        trace = client.trace(path, image, 3, (5, 5, 20))
        assert trace.type == "Conv2D" and _close(trace.value, trace.keras_value)
        seven = load_mnist().x_test[0].astype(np.float32) / 255  # a 7
        answer = int(client.predict(path, seven[None])[0].argmax())
        gradient = client.saliency(path, seven, answer, SaliencyMethod.GRADIENT)
        cam = client.saliency(path, seven, answer, SaliencyMethod.LAYER_CAM)
        assert gradient.shape == cam.shape == (28, 28)
        assert np.abs(gradient).max() > 0 and cam.max() == pytest.approx(1.0) and cam.min() >= 0
        assert not np.allclose(gradient, client.saliency(path, seven, (answer + 1) % 10,
                                                         SaliencyMethod.GRADIENT))
        with pytest.raises(InferenceError, match="layer 3 \\(Conv2D\\) has 11 rows"):
            client.trace(path, image, 3, (11, 0, 0))
        with pytest.raises(InferenceError, match="LayerCAM needs a Conv2D layer"):
            client.saliency(mlp, image, 7, SaliencyMethod.LAYER_CAM)
        assert client.trace(path, image, 1, (0, 0, 0)).position == 1  # the worker survived the refusals
    finally:
        client.close()
