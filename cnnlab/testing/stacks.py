"""Shared fixtures for the layer-core tests: reference numbers and a seeded generator of valid stacks."""

from __future__ import annotations

import random

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.settings import Activation

# The two model.summary() tables of the reference post, layer by layer: (type, output shape, params).
CONVNET_TABLE = [
    ("Conv2D", (26, 26, 16), 160),
    ("MaxPooling2D", (13, 13, 16), 0),
    ("Conv2D", (11, 11, 32), 4640),
    ("MaxPooling2D", (5, 5, 32), 0),
    ("Conv2D", (3, 3, 64), 18496),
    ("Flatten", (576,), 0),
    ("Dense", (64,), 36928),
    ("Dense", (10,), 650),
]
LENOT_TABLE = [
    ("ZeroPadding2D", (32, 32, 1), 0),
    ("Conv2D", (28, 28, 6), 156),
    ("MaxPooling2D", (14, 14, 6), 0),
    ("Conv2D", (10, 10, 16), 2416),
    ("MaxPooling2D", (5, 5, 16), 0),
    ("Flatten", (400,), 0),
    ("Dense", (120,), 48120),
    ("Dense", (84,), 10164),
    ("Dense", (10,), 850),
]

ACTIVATIONS = [str(a) for a in Activation]


def _side_or_pair(rng: random.Random, low: int, high: int) -> int | list[int]:
    """An int, or a rectangular [h, w] pair (a third of the time)."""
    if rng.random() < 0.35:
        return [rng.randint(low, high), rng.randint(low, high)]
    return rng.randint(low, high)


def _random_layer(rng: random.Random, rank: int) -> dict:
    """One layer's JSON, in the varied forms a student might write (ints, pairs, omitted defaults)."""
    image_kinds = ["Conv2D", "Conv2D", "Conv2D", "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D",
                   "BatchNormalization", "Dropout", "Flatten", "GlobalAveragePooling2D", "Dense"]
    flat_kinds = ["Dense", "Dense", "Dropout", "BatchNormalization", "Flatten"]
    kind = rng.choice(image_kinds if rank == 3 else flat_kinds)
    layer: dict = {"type": kind}
    if kind == "Conv2D":
        layer |= {"filters": rng.randint(1, 24), "kernel_size": _side_or_pair(rng, 1, 6)}
        if rng.random() < 0.5:
            layer["strides"] = _side_or_pair(rng, 1, 3)
        if rng.random() < 0.5:
            layer["padding"] = rng.choice(["valid", "same"])
        if rng.random() < 0.7:
            layer["activation"] = rng.choice(ACTIVATIONS)
        if rng.random() < 0.2:
            layer["use_bias"] = False
    elif kind in ("MaxPooling2D", "AveragePooling2D"):
        if rng.random() < 0.8:
            layer["pool_size"] = _side_or_pair(rng, 1, 4)
        if rng.random() < 0.4:
            layer["strides"] = _side_or_pair(rng, 1, 3)
        if rng.random() < 0.4:
            layer["padding"] = rng.choice(["valid", "same"])
    elif kind == "ZeroPadding2D":
        form = rng.randrange(3)
        layer["padding"] = (rng.randint(0, 3) if form == 0 else [rng.randint(0, 3), rng.randint(0, 3)]
                            if form == 1 else [[rng.randint(0, 3), rng.randint(0, 3)],
                                               [rng.randint(0, 3), rng.randint(0, 3)]])
    elif kind == "Dense":
        layer["units"] = rng.randint(1, 48)
        if rng.random() < 0.7:
            layer["activation"] = rng.choice(ACTIVATIONS)
        if rng.random() < 0.2:
            layer["use_bias"] = False
    elif kind == "Dropout":
        layer["rate"] = rng.choice([0, 0.1, 0.25, 0.5, 0.9])
    elif kind == "BatchNormalization" and rng.random() < 0.5:
        layer["momentum"] = rng.choice([0, 0.5, 0.9, 0.99])
    return layer


def random_valid_stack(rng: random.Random, max_layers: int = 9, input_shape: list[int] | None = None) -> dict:
    """A random spec that `analyze` accepts, built layer by layer (a layer that breaks it is redrawn)."""
    channels = rng.choice([1, 1, 3, rng.randint(2, 8)])
    shape = input_shape or [rng.randint(5, 48), rng.randint(5, 48), channels]
    spec: dict = {"input_shape": shape, "layers": []}
    rank = 3
    for _ in range(rng.randint(1, max_layers)):
        for _attempt in range(20):
            candidate = _random_layer(rng, rank)
            analysis = analyze(spec | {"layers": [*spec["layers"], candidate]})
            shape = analysis.output_shape
            if analysis.ok and shape is not None and all(side <= 96 for side in shape[:-1]):
                spec["layers"].append(candidate)
                rank = len(shape)
                break
    return spec


def random_digit_reader(rng: random.Random, max_layers: int = 7) -> dict:
    """A random stack that trains on MNIST: 28×28×1 in, random layers, then (Flatten or
    GlobalAveragePooling2D if still an image) and Dense(10, softmax)."""
    spec = random_valid_stack(rng, max_layers, input_shape=[28, 28, 1])
    if len(analyze(spec).output_shape or ()) == 3:
        spec["layers"].append({"type": rng.choice(["Flatten", "GlobalAveragePooling2D"])})
    spec["layers"].append({"type": "Dense", "units": 10, "activation": "softmax"})
    return spec


def random_stack(rng: random.Random, max_layers: int = 7) -> dict:
    """A random spec whose every value is valid but whose layers may not fit together (small inputs, any
    order), to check that we refuse exactly the stacks Keras refuses."""
    layers = [_random_layer(rng, rng.choice([3, 3, 1])) for _ in range(rng.randint(1, max_layers))]
    return {"input_shape": [rng.randint(1, 12), rng.randint(1, 12), rng.randint(1, 4)], "layers": layers}


SLOW_TO_TRAIN = {  # 1,070,090 parameters, 829,319,168 MACs per image: hours for a few epochs on 2 cores
    "name": "wide",
    "input_shape": [28, 28, 1],
    "layers": [
        {"type": "Conv2D", "filters": 1024, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
        {"type": "Conv2D", "filters": 1024, "kernel_size": [1, 1], "activation": "relu"},
        {"type": "GlobalAveragePooling2D"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}
