"""Spec → the real `keras.Sequential`.

TensorFlow/Keras is imported lazily inside `build_model` only, so importing this module stays cheap and the
web server never loads TensorFlow (training runs in worker processes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnnlab.core.keras_args import layer_arguments, layer_names, model_name
from cnnlab.core.layers import NetworkSpec

if TYPE_CHECKING:
    import keras


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


