"""Receptive fields: the presets worked by hand, and random stacks measured on the Keras model itself."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.presets import preset_spec
from cnnlab.core.receptive_field import receptive_fields
from cnnlab.core.spec_json import spec_to_dict

SIDE = 48  # input side for the measured stacks: their fields stay well inside it


def _texts(spec: dict) -> list[str | None]:
    return [view.text() if view else None for view in receptive_fields(analyze(spec))]


def test_the_reference_convnet_by_hand() -> None:
    """3 → 3 + 1·1 = 4 → 4 + 2·2 = 8 → 8 + 1·2 = 10 → 10 + 2·4 = 18; Flatten keeps it; Dense sees it all."""
    assert _texts(spec_to_dict(preset_spec("convnet"))) == [
        "3×3 px", "4×4 px", "8×8 px", "10×10 px", "18×18 px", "18×18 px", "whole image", "whole image"]


def test_layers_that_keep_or_mix_positions() -> None:
    spec = {"input_shape": [28, 28, 1], "layers": [
        {"type": "ZeroPadding2D", "padding": 2}, {"type": "Conv2D", "filters": 2, "kernel_size": [5, 3]},
        {"type": "BatchNormalization"}, {"type": "Dropout", "rate": 0.5},
        {"type": "Dense", "units": 4},  # on a 3-D input: mixes channels at each position, not positions
        {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}
    assert _texts(spec) == ["1×1 px", "5×3 px", "5×3 px", "5×3 px", "5×3 px", "whole image", "whole image"]


def test_layers_after_an_unknown_shape_have_no_field() -> None:
    spec = {"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 3},
        {"type": "Conv2D", "filters": 2, "kernel_size": 40},
        {"type": "MaxPooling2D"}]}
    assert _texts(spec) == ["3×3 px", None, None]


def _random_spatial_stack(rng: random.Random) -> dict:
    """1–5 Conv2D / pooling / ZeroPadding2D layers, relu, on a SIDE×SIDE image."""
    layers = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(["Conv2D", "Conv2D", "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D"])
        padding = rng.choice(["valid", "same"])
        if kind == "Conv2D":
            layers.append({"type": kind, "filters": rng.randint(1, 3), "activation": "relu",
                           "padding": padding, "kernel_size": [rng.randint(1, 5), rng.randint(1, 5)],
                           "strides": [rng.randint(1, 2), rng.randint(1, 2)]})
        elif kind == "ZeroPadding2D":
            layers.append({"type": kind, "padding": rng.randint(0, 2)})
        else:
            layers.append({"type": kind, "pool_size": [rng.randint(1, 3), rng.randint(1, 3)],
                           "strides": [rng.randint(1, 3), rng.randint(1, 3)], "padding": padding})
    return {"input_shape": [SIDE, SIDE, 1], "layers": layers}


def _measured_field(spec: dict) -> tuple[int, int]:
    """Rows and columns of input pixels that move the central output value of the Keras model.

    All kernels positive, biases zero, input all ones: raising any one pixel inside the field raises the value
    (max pooling included, as the raised input becomes the maximum); a pixel outside leaves it exactly equal.
    """
    import keras

    from cnnlab.bridge.model import build_model

    model = build_model(analyze(spec).spec)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            layer.set_weights([np.full_like(kernel, 0.25), np.zeros_like(bias)])
    images = np.ones((SIDE * SIDE + 1, SIDE, SIDE, 1), dtype=np.float32)
    rows, cols = np.divmod(np.arange(SIDE * SIDE), SIDE)
    images[np.arange(SIDE * SIDE), rows, cols, 0] = 2.0  # image i raises pixel i; the last one is the base
    outputs = model.predict(images, batch_size=512, verbose=0)
    centre = outputs[:, outputs.shape[1] // 2, outputs.shape[2] // 2, 0]
    moved = np.abs(centre[:-1] - centre[-1]) > 1e-6 * max(1.0, abs(float(centre[-1])))
    moved_rows, moved_cols = rows[moved], cols[moved]
    return int(np.ptp(moved_rows)) + 1, int(np.ptp(moved_cols)) + 1


@pytest.mark.keras
def test_random_stacks_match_what_keras_models_respond_to() -> None:
    rng = random.Random(20261126)
    checked = 0
    while checked < 25:
        spec = _random_spatial_stack(rng)
        analysis = analyze(spec)
        if not analysis.ok:
            continue
        view = receptive_fields(analysis)[-1]
        if view.rows > SIDE // 2 or view.cols > SIDE // 2:
            continue  # the central value's field could reach the border, where padding cuts it
        assert _measured_field(spec) == (view.rows, view.cols), spec
        checked += 1
