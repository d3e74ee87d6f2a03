"""A spec in Keras's own words: layer names, model name, and each layer's arguments as Keras spells them.

Plain Python: the Build page, the written Keras code and the model builder all read a layer through here.
"""

from __future__ import annotations

import re

from cnnlab.core.layers import (
    Activation,
    Conv2D,
    Dense,
    Dropout,
    Layer,
    LayerType,
    NetworkSpec,
    Padding,
    Pooling2D,
    ZeroPadding2D,
)

KERAS_SNAKE_NAMES = {
    LayerType.Conv2D: "conv2d",
    LayerType.MaxPooling2D: "max_pooling2d",
    LayerType.AveragePooling2D: "average_pooling2d",
    LayerType.ZeroPadding2D: "zero_padding2d",
    LayerType.Flatten: "flatten",
    LayerType.GlobalAveragePooling2D: "global_average_pooling2d",
    LayerType.Dense: "dense",
    LayerType.Dropout: "dropout",
    LayerType.BatchNormalization: "batch_normalization",
}


def layer_names(layers: tuple[Layer, ...]) -> tuple[str, ...]:
    """Deterministic Keras-style layer names, counted per type from 1.

    >>> conv, pool = Conv2D(16, (3, 3)), Pooling2D(LayerType.MaxPooling2D)
    >>> layer_names((conv, pool, conv))
    ('conv2d_1', 'max_pooling2d_1', 'conv2d_2')
    """
    seen: dict[LayerType, int] = {}
    names = []
    for layer in layers:
        seen[layer.type] = seen.get(layer.type, 0) + 1
        names.append(f"{KERAS_SNAKE_NAMES[layer.type]}_{seen[layer.type]}")
    return tuple(names)



def layer_arguments(layer: Layer) -> dict[str, object]:
    """The keyword arguments that differ from Keras's defaults, with Keras's own names and Python values.

    >>> layer_arguments(Conv2D(16, (3, 3), activation=Activation.relu))
    {'filters': 16, 'kernel_size': (3, 3), 'activation': 'relu'}
    >>> layer_arguments(ZeroPadding2D(((2, 2), (2, 2))))
    {'padding': 2}
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
    """A Keras-safe model name from the spec's name; "sequential" when unnamed.

    >>> model_name(NetworkSpec(name="My net #2")), model_name(NetworkSpec())
    ('My_net_2', 'sequential')
    """
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.name).strip("_")
    return cleaned or "sequential"

