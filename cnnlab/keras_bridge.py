"""Spec → Keras: the real `keras.Sequential`, and a runnable script a student can paste into a notebook.

TensorFlow/Keras is imported lazily inside `build_model` only, so importing this module stays cheap and the
web server never loads TensorFlow (training runs in worker processes).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from cnnlab.spec import (
    Activation,
    Conv2D,
    Dense,
    Dropout,
    Layer,
    NetworkSpec,
    Padding,
    Pooling2D,
    ZeroPadding2D,
    layer_names,
)

if TYPE_CHECKING:
    import keras


def layer_arguments(layer: Layer) -> dict[str, object]:
    """The keyword arguments that differ from Keras's defaults, with Keras's own names and Python values.

    Example: Conv2D(16, (3, 3), activation=relu)
    → {"filters": 16, "kernel_size": (3, 3), "activation": "relu"};
    ZeroPadding2D(((2, 2), (2, 2))) → {"padding": 2}.
    """
    match layer:
        case Conv2D():
            args: dict[str, object] = {"filters": layer.filters, "kernel_size": layer.kernel_size}
            if layer.strides != (1, 1):
                args["strides"] = layer.strides
            if layer.padding != Padding.valid:
                args["padding"] = str(layer.padding)
            return args | _activation_and_bias(layer.activation, layer.use_bias)
        case Pooling2D():
            args = {"pool_size": layer.pool_size}
            if layer.strides != layer.pool_size:
                args["strides"] = layer.strides
            if layer.padding != Padding.valid:
                args["padding"] = str(layer.padding)
            return args
        case ZeroPadding2D():
            (top, bottom), (left, right) = layer.padding
            if top == bottom and left == right:
                return {"padding": top if top == left else (top, left)}
            return {"padding": layer.padding}
        case Dense():
            return {"units": layer.units} | _activation_and_bias(layer.activation, layer.use_bias)
        case Dropout():
            return {"rate": layer.rate}
    return {}


def _activation_and_bias(activation: Activation, use_bias: bool) -> dict[str, object]:
    args: dict[str, object] = {} if activation == Activation.linear else {"activation": str(activation)}
    return args if use_bias else args | {"use_bias": False}


def model_name(spec: NetworkSpec) -> str:
    """A Keras-safe model name from the spec's name: "My net #2" → "My_net_2"; "sequential" when unnamed."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.name).strip("_")
    return cleaned or "sequential"


def build_model(spec: NetworkSpec) -> keras.Sequential:
    """The `keras.Sequential` for `spec`: keras.Input(shape=input_shape) then each layer, named "conv2d_1", ….

    The caller checks the spec with `arithmetic.analyze` first; Keras raises for a stack it refuses.
    """
    import keras

    model = keras.Sequential(name=model_name(spec))
    model.add(keras.Input(shape=spec.input_shape))
    for layer, name in zip(spec.layers, layer_names(spec.layers), strict=True):
        model.add(getattr(keras.layers, str(layer.type))(**layer_arguments(layer), name=name))
    return model


def keras_code(spec: NetworkSpec) -> str:
    """A complete Python script that builds, summarises and compiles the same model (as in the reference).

    Example line: `model.add(layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu"))`. It compiles
    with rmsprop as the reference did (our trainer steps as Keras 2's, see `cnnlab.optimizers`).
    """
    lines = [
        "import keras",
        "from keras import layers",
        "",
        f"model = keras.Sequential(name={_python(model_name(spec))})",
        f"model.add(keras.Input(shape={tuple(spec.input_shape)!r}))",
    ]
    for layer in spec.layers:
        args = ", ".join(f"{key}={_python(value)}" for key, value in layer_arguments(layer).items())
        lines.append(f"model.add(layers.{layer.type}({args}))")
    lines += [
        "",
        "model.summary()",
        "",
        "model.compile(optimizer=\"rmsprop\", loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])",
        "",
    ]
    return "\n".join(lines)


def _python(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)
