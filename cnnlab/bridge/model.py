"""Spec → the real `keras.Sequential`.

TensorFlow/Keras is imported lazily inside `build_model` only, so importing this module stays cheap and the
web server never loads TensorFlow (training runs in worker processes).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from cnnlab.core.keras_args import layer_names, model_name
from cnnlab.core.layers import NetworkSpec

if TYPE_CHECKING:
    import keras


def build_model(spec: NetworkSpec, api: ModuleType | None = None) -> keras.Sequential:
    """The `keras.Sequential` for `spec`: keras.Input(shape=input_shape) then each layer, named "conv2d_1", ….

    The caller checks the spec with `arithmetic.analyze` first; Keras raises for a stack it refuses.
    `api` is the Keras to build with: Keras 3 by default, or `tf_keras` (Keras 2, same layer arguments) for a
    Keras 2 export in its own process (`bridge.keras2`).
    """
    if api is None:
        import keras as api

    model = api.Sequential(name=model_name(spec))
    model.add(api.Input(shape=spec.input_shape))
    for layer, name in zip(spec.layers, layer_names(spec.layers), strict=True):
        model.add(getattr(api.layers, layer.type)(**layer.keras_arguments(), name=name))
    return model


