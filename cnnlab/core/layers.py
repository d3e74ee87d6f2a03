"""A whole architecture spec: the input shape, the layers in order (each a type from `layer_types`), a name,
and the caps on a spec as a whole.

A spec uses Keras's own class names, argument names and defaults, so a student's JSON reads like Keras (see
`cnnlab.core.parse` for the JSON form and its checks).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.core.layer_types.base import Layer

MAX_LAYERS = 40
MAX_PARAMS = 10_000_000  # 40 MB of float32 weights: trains on a laptop, fits in a download
MAX_INPUT_SIDE = 512
MAX_CHANNELS = 1024  # input channels
MAX_NAME_LENGTH = 60
MAX_SPEC_BYTES = 1_000_000  # a spec document (upload, URL, file)
MAX_JSON_DEPTH = 32

DEFAULT_INPUT_SHAPE = (28, 28, 1)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole architecture: input (height, width, channels), the layers in order, and an optional name."""

    input_shape: tuple[int, int, int] = DEFAULT_INPUT_SHAPE
    layers: tuple[Layer, ...] = ()
    name: str = ""
