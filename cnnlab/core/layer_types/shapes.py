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


def axis_padding(size: int, window: int, stride: int, padding: Padding) -> Pair:
    """Zeros added before and after one axis, as TensorFlow pads: none for "valid"; for "same" as many as
    ⌈n / s⌉ windows need, the odd one after.

    >>> axis_padding(28, 3, 1, Padding.same), axis_padding(28, 3, 2, Padding.same)
    ((1, 1), (0, 1))
    >>> axis_padding(28, 3, 2, Padding.valid)
    (0, 0)
    """
    if padding != Padding.same:
        return (0, 0)
    total = max((output_length(size, window, stride, padding) - 1) * stride + window - size, 0)
    return (total // 2, total - total // 2)


def window_span(cells: range, size: int, window: int, stride: int, padding: Padding) -> range:
    """The input positions the windows of output positions `cells` cover along one axis; before 0 and from
    `size` on, they lie in the padding.

    >>> window_span(range(0, 1), 28, 3, 1, Padding.same), window_span(range(2, 4), 13, 2, 2, Padding.valid)
    (range(-1, 2), range(4, 8))
    """
    before = axis_padding(size, window, stride, padding)[0]
    return range(cells.start * stride - before, (cells.stop - 1) * stride - before + window)


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


def padding_words(shape: Shape, window: Pair, strides: Pair, padding: Padding, what: str) -> str:
    """How a window (`what`: "kernel", "window") meets the edges of an (h, w, c) input, in words.

    >>> padding_words((28, 28, 1), (3, 3), (1, 1), Padding.valid, "kernel")
    'no padding ("valid"): the kernel only goes where it fits whole, so the output is smaller'
    >>> padding_words((28, 28, 1), (3, 3), (2, 2), Padding.same, "kernel")[:65]
    'padding ("same"): a border of zeros (0 rows above, 1 below, 0 col'
    """
    if padding == Padding.valid:
        return f'no padding ("valid"): the {what} only goes where it fits whole, so the output is smaller'
    (top, bottom), (left, right) = (axis_padding(shape[0], window[0], strides[0], padding),
                                    axis_padding(shape[1], window[1], strides[1], padding))
    return (f'padding ("same"): a border of zeros ({top} rows above, {bottom} below, {left} columns '
            f"left, {right} right) lets it start at every stride-th position, so each side becomes "
            "⌈input / stride⌉")


def slide_words(strides: Pair) -> str:
    """A window's stride in words: "1 pixel at a time", "2 rows down and 1 column across at a time"."""
    if strides[0] == strides[1]:
        return f"{strides[0]} pixel{'s' if strides[0] > 1 else ''} at a time"
    return f"{strides[0]} rows down and {strides[1]} columns across at a time"
