"""Spec → Keras: the real `keras.Sequential`, and a runnable script a student can paste into a notebook.

TensorFlow/Keras is imported lazily inside `build_model` only, so importing this module stays cheap and the
web server never loads TensorFlow (training runs in worker processes).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from cnnlab.hyper import Optimizer, TrainConfig
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


def keras_code(spec: NetworkSpec, run: TrainConfig | None = None) -> str:
    """A complete Python script that builds, summarises and compiles the same model (as in the reference).

    Example line: `model.add(layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu"))`. Without
    `run` it compiles with rmsprop as the reference did. With the settings of a training run it goes on as
    that run did: load MNIST, scale x / 255, compile with the run's optimizer and learning rate, fit with its
    epochs, batch size, image count, validation split and seed, test, and save the `.h5`.
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
    lines += ["", "model.summary()", ""]
    if run is None:
        lines.append('model.compile(optimizer="rmsprop", loss="categorical_crossentropy", '
                     'metrics=["accuracy"])')
    else:
        lines += _training_lines(run, model_name(spec))
    return "\n".join([*lines, ""])


def _training_lines(run: TrainConfig, name: str) -> list[str]:
    """The reference's training code with a run's settings (MNIST as Keras downloads it, integer labels)."""
    optimizer = f"keras.optimizers.{run.optimizer.keras_class}(learning_rate={run.learning_rate!r})"
    held_out = f"{run.validation_split:.0%} held out to validate" if run.validation_split else "none held out"
    lines = [
        f"# As trained in CNN Lab: {run.epochs} epoch(s) on {run.train_size:,} MNIST training images",
        f"# ({held_out}), {run.optimizer}, batch {run.batch_size}, learning rate {run.learning_rate:g}.",
    ]
    if run.optimizer is Optimizer.RMSPROP:
        lines.append("# CNN Lab's rmsprop steps as Keras 2's did (epsilon after the square root): "
                     "your figures can differ a little.")
    lines += [
        f"keras.utils.set_random_seed({run.seed})",
        "(train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()",
        f'train_images = train_images[:{run.train_size}].reshape((-1, 28, 28, 1)).astype("float32") / 255',
        f"train_labels = train_labels[:{run.train_size}]",
        'test_images = test_images.reshape((-1, 28, 28, 1)).astype("float32") / 255',
        "",
        f"model.compile(optimizer={optimizer},",
        '              loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        f"model.fit(train_images, train_labels, epochs={run.epochs}, batch_size={run.batch_size}, "
        f"validation_split={run.validation_split!r})",
        "test_loss, test_accuracy = model.evaluate(test_images, test_labels)",
        'print("Test accuracy:", test_accuracy)',
        f"model.save({_python(name + '.h5')})",
    ]
    return lines


def _python(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)
