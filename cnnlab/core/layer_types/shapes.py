"""Shape arithmetic the layer types share: shapes as students write them, and the sliding window of Conv2D
and pooling — one formula per padding mode, as Keras's `compute_conv_output_shape`.

Shapes leave out the batch axis: (28, 28, 1) is one MNIST image.
"""

from __future__ import annotations

from cnnlab.core.layer_types.settings import Padding

Shape = tuple[int, ...]
Pair = tuple[int, int]


def format_shape(shape: Shape) -> str:
    """A shape as students write it.

    >>> format_shape((13, 13, 8)), format_shape((576,))
    ('13×13×8', '576')
    """
    return "×".join(f"{side:,}" for side in shape)


def per_axis(height: str, width: str) -> str:
    """One formula when both axes read the same, else both, labelled.

    >>> per_axis("28 + 2 + 2 = 32", "28 + 2 + 2 = 32"), per_axis("1 + 0 = 1", "2 + 0 = 2")
    ('28 + 2 + 2 = 32', 'height 1 + 0 = 1; width 2 + 0 = 2')
    """
    return height if height == width else f"height {height}; width {width}"


def output_length(size: int, window: int, stride: int, padding: Padding) -> int:
    """Output side of a convolution or pooling along one axis, as Keras computes it.

    valid: ⌊(n − k) / s⌋ + 1 (≤ 0 when the window does not fit); same: ⌈n / s⌉.

    >>> output_length(28, 3, 1, Padding.valid), output_length(28, 3, 2, Padding.same)
    (26, 14)
    """
    if padding == Padding.same:
        return -(-size // stride)
    return (size - window) // stride + 1


def axis_formula(size: int, window: int, stride: int, padding: Padding) -> str:
    """The worked version of `output_length`.

    >>> axis_formula(28, 3, 1, Padding.valid), axis_formula(28, 3, 2, Padding.same)
    ('⌊(28 − 3) / 1⌋ + 1 = 26', '⌈28 / 2⌉ = 14')
    """
    result = output_length(size, window, stride, padding)
    if padding == Padding.same:
        return f"⌈{size:,} / {stride}⌉ = {result:,}"
    return f"⌊({size:,} − {window}) / {stride}⌋ + 1 = {result:,}"


def window_output(shape: Shape, window: Pair, strides: Pair, padding: Padding) -> Pair:
    """(height, width) after a sliding window (kernel or pool) on an (h, w, c) input, per `output_length`.

    >>> window_output((28, 20, 1), (3, 3), (2, 2), Padding.valid)
    (13, 9)
    """
    return (output_length(shape[0], window[0], strides[0], padding),
            output_length(shape[1], window[1], strides[1], padding))


def window_shape_formula(shape: Shape, window: Pair, strides: Pair, padding: Padding) -> str:
    """Shape formula of a sliding window (Conv2D, pooling) over an (h, w, c) input; both axes if they differ.

    >>> window_shape_formula((28, 20, 1), (3, 3), (1, 1), Padding.valid)
    'height ⌊(28 − 3) / 1⌋ + 1 = 26; width ⌊(20 − 3) / 1⌋ + 1 = 18'
    """
    return per_axis(axis_formula(shape[0], window[0], strides[0], padding),
                    axis_formula(shape[1], window[1], strides[1], padding))


def window_problem(shape: Shape, window: Pair, padding: Padding, what: str, key: str) -> str | None:
    """Why a `what` ("kernel", "pool") cannot slide over an (h, w, c) input: with valid padding it must fit.

    >>> window_problem((2, 2, 1), (3, 3), Padding.valid, "kernel", "kernel_size")
    'kernel 3×3 is larger than its 2×2×1 input; use kernel_size ≤ 2 or padding="same"'
    """
    fits = window[0] <= shape[0] and window[1] <= shape[1]
    if fits or padding == Padding.same:
        return None
    limit = f"{shape[0]:,}" if shape[0] == shape[1] else f"[{shape[0]:,}, {shape[1]:,}]"
    return (f"{what} {window[0]}×{window[1]} is larger than its {format_shape(shape)} input; "
            f'use {key} ≤ {limit} or padding="same"')
