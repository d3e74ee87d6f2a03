"""A spec in Keras's own words: layer names and the model name, as Keras spells them.

Plain Python: the Build page, the written Keras code and the model builder all name layers through here; each
layer's Keras arguments are its own (`Layer.keras_arguments`).
"""

from __future__ import annotations

import re

from cnnlab.core.layer_types.base import Layer
from cnnlab.core.layers import NetworkSpec


def snake_name(class_name: str) -> str:
    """A Keras class name as Keras names its layers (Keras's `to_snake_case`).

    >>> snake_name("Conv2D"), snake_name("MaxPooling2D"), snake_name("GlobalAveragePooling2D")
    ('conv2d', 'max_pooling2d', 'global_average_pooling2d')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_names(layers: tuple[Layer, ...]) -> tuple[str, ...]:
    """Deterministic Keras-style layer names, counted per type from 1.

    >>> from cnnlab.core.layer_types.conv2d import Conv2D
    >>> from cnnlab.core.layer_types.pooling import MaxPooling2D
    >>> conv, pool = Conv2D(16, (3, 3)), MaxPooling2D()
    >>> layer_names((conv, pool, conv))
    ('conv2d_1', 'max_pooling2d_1', 'conv2d_2')
    """
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        seen[layer.type] = seen.get(layer.type, 0) + 1
        names.append(f"{snake_name(layer.type)}_{seen[layer.type]}")
    return tuple(names)


def model_name(spec: NetworkSpec) -> str:
    """A Keras-safe model name from the spec's name; "sequential" when unnamed.

    >>> model_name(NetworkSpec(name="My net #2")), model_name(NetworkSpec())
    ('My_net_2', 'sequential')
    """
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.name).strip("_")
    return cleaned or "sequential"
