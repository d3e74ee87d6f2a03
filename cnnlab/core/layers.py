"""Architecture specs: the layer types a student can stack, as frozen dataclasses, and the caps on them.

A spec uses Keras's own class names, argument names and defaults, so a student's JSON reads like Keras (see
`cnnlab.core.parse` for the JSON form and its checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

MAX_LAYERS = 40
MAX_PARAMS = 10_000_000  # 40 MB of float32 weights: trains on a laptop, fits in a download
MAX_INPUT_SIDE = 512
MAX_CHANNELS = 1024  # input channels
MAX_FILTERS = 1024
MAX_UNITS = 8192
MAX_KERNEL_SIDE = 64  # kernel_size and pool_size, per axis
MAX_STRIDE = 64
MAX_ZERO_PADDING = 64  # per side
MAX_NAME_LENGTH = 60
MAX_SPEC_BYTES = 1_000_000  # a spec document (upload, URL, file)
MAX_JSON_DEPTH = 32

DEFAULT_INPUT_SHAPE = (28, 28, 1)


class LayerType(StrEnum):
    """The layer kinds a student can stack; values are the Keras class names."""

    Conv2D = "Conv2D"
    MaxPooling2D = "MaxPooling2D"
    AveragePooling2D = "AveragePooling2D"
    ZeroPadding2D = "ZeroPadding2D"
    Flatten = "Flatten"
    GlobalAveragePooling2D = "GlobalAveragePooling2D"
    Dense = "Dense"
    Dropout = "Dropout"
    BatchNormalization = "BatchNormalization"


class Padding(StrEnum):
    """Conv2D / pooling padding: "valid" (no padding) or "same" (output side = ⌈input / stride⌉)."""

    valid = "valid"
    same = "same"


class Activation(StrEnum):
    """Activation names that `keras.activations.get` accepts in Keras 3.15 and that keep the tensor's shape.

    Left out on purpose: "glu" (halves the last axis) and "threshold" (needs extra arguments).
    """

    linear = "linear"
    relu = "relu"
    sigmoid = "sigmoid"
    tanh = "tanh"
    softmax = "softmax"
    elu = "elu"
    selu = "selu"
    celu = "celu"
    gelu = "gelu"
    swish = "swish"
    silu = "silu"
    mish = "mish"
    softplus = "softplus"
    softsign = "softsign"
    leaky_relu = "leaky_relu"
    relu6 = "relu6"
    hard_sigmoid = "hard_sigmoid"
    hard_silu = "hard_silu"
    hard_swish = "hard_swish"
    hard_tanh = "hard_tanh"
    exponential = "exponential"
    log_sigmoid = "log_sigmoid"
    log_softmax = "log_softmax"
    sparsemax = "sparsemax"
    sparse_plus = "sparse_plus"
    sparse_sigmoid = "sparse_sigmoid"
    squareplus = "squareplus"
    hard_shrink = "hard_shrink"
    soft_shrink = "soft_shrink"
    tanh_shrink = "tanh_shrink"


Pair = tuple[int, int]


@dataclass(frozen=True)
class Conv2D:
    """A 2-D convolution: `filters` kernels of `kernel_size` (h, w) sliding with `strides` (h, w)."""

    filters: int
    kernel_size: Pair
    strides: Pair = (1, 1)
    padding: Padding = Padding.valid
    activation: Activation = Activation.linear
    use_bias: bool = True

    type: ClassVar[LayerType] = LayerType.Conv2D  # the Keras class name


@dataclass(frozen=True)
class Pooling2D:
    """MaxPooling2D or AveragePooling2D (`kind`); `strides` is resolved (Keras default = pool_size)."""

    kind: LayerType
    pool_size: Pair = (2, 2)
    strides: Pair = (2, 2)
    padding: Padding = Padding.valid

    @property
    def type(self) -> LayerType:
        """The Keras class name."""
        return self.kind


@dataclass(frozen=True)
class ZeroPadding2D:
    """Adds rows and columns of zeros: `padding` is ((top, bottom), (left, right))."""

    padding: tuple[Pair, Pair] = ((1, 1), (1, 1))

    type: ClassVar[LayerType] = LayerType.ZeroPadding2D  # the Keras class name


@dataclass(frozen=True)
class Flatten:
    """Unrolls a height × width × channels tensor into one vector."""

    type: ClassVar[LayerType] = LayerType.Flatten  # the Keras class name


@dataclass(frozen=True)
class GlobalAveragePooling2D:
    """Averages each channel over all positions: (h, w, c) → (c,)."""

    type: ClassVar[LayerType] = LayerType.GlobalAveragePooling2D  # the Keras class name


@dataclass(frozen=True)
class Dense:
    """A fully connected layer of `units` neurons (acts on the last axis of its input)."""

    units: int
    activation: Activation = Activation.linear
    use_bias: bool = True

    type: ClassVar[LayerType] = LayerType.Dense  # the Keras class name


@dataclass(frozen=True)
class Dropout:
    """Zeroes a fraction `rate` (0 ≤ rate < 1) of its inputs while training; no weights."""

    rate: float

    type: ClassVar[LayerType] = LayerType.Dropout  # the Keras class name


@dataclass(frozen=True)
class BatchNormalization:
    """Normalises the last axis: learns γ, β and tracks a moving mean and variance per channel."""

    type: ClassVar[LayerType] = LayerType.BatchNormalization  # the Keras class name


Layer = (Conv2D | Pooling2D | ZeroPadding2D | Flatten | GlobalAveragePooling2D | Dense | Dropout
         | BatchNormalization)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole architecture: input (height, width, channels), the layers in order, and an optional name."""

    input_shape: tuple[int, int, int] = DEFAULT_INPUT_SHAPE
    layers: tuple[Layer, ...] = ()
    name: str = ""

