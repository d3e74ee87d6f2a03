"""ZeroPadding2D: rows and columns of zeros around the image — Keras's `layers.ZeroPadding2D`. No weights."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import CHANNELS_LAST, Box, Layer, PictureKind, Step
from cnnlab.core.layer_types.settings import Field, FieldKind
from cnnlab.core.layer_types.shapes import Pair, Shape, format_shape, per_axis

MAX_ZERO_PADDING = 64  # per side


@dataclass(frozen=True)
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros: `padding` is ((top, bottom), (left, right))."""

    padding: tuple[Pair, Pair] = ((1, 1), (1, 1))

    type = "ZeroPadding2D"
    help = "Adds a border of zeros around the image (LeNet pads 28×28 to 32×32)."
    colour = "#B7B7B7"
    needs_image = True
    keras_fixed = MappingProxyType({"data_format": CHANNELS_LAST})
    picture = PictureKind.border
    fields = (
        Field("padding", "Padding", FieldKind.padding4, (1, 1, 1, 1),
              f"Rows of zeros added at the top and bottom, columns at the left and right "
              f"(Keras default 1 each; 0–{MAX_ZERO_PADDING}).",
              low=0, high=MAX_ZERO_PADDING, example="2, [2, 3] or [[1, 2], [0, 3]]"),
    )

    def step(self, shape: Shape) -> Step:
        """Each side grows by its padding. Example: 2 on every side turns 28×28×1 into 32×32×1."""
        (top, bottom), (left, right) = self.padding
        out = (shape[0] + top + bottom, shape[1] + left + right, shape[2])
        formula = per_axis(f"{shape[0]:,} + {top} + {bottom} = {out[0]:,}",
                           f"{shape[1]:,} + {left} + {right} = {out[1]:,}")
        return Step(out, shape_formula=formula)

    def reads(self, shape: Shape, box: Box) -> Box:
        """The input value each output value copies, shifted by the border (in the border: outside the input,
        so a zero)."""
        (top, _), (left, _) = self.padding
        return (range(box[0].start - top, box[0].stop - top), range(box[1].start - left, box[1].stop - left),
                box[2])

    def how_it_works(self, shape: Shape) -> str:
        """The border on each side, and why."""
        (top, bottom), (left, right) = self.padding
        out = self.step(shape).output_shape
        return (f"Adds a border of zeros around each of the {shape[2]:,} channels: {top} rows above, "
                f"{bottom} below, {left} columns left, {right} right, so {format_shape(shape)} becomes "
                f"{format_shape(out)}. Nothing is computed or learned; the next kernel can then be centred "
                "on the edge pixels too (LeNet pads 28×28 to 32×32 for its 5×5 kernels).")

    def keras_arguments(self) -> dict[str, object]:
        """`padding` in Keras's shortest form: one int, (rows, cols) when symmetric, else both pairs.

        >>> ZeroPadding2D(((2, 2), (2, 2))).keras_arguments()
        {'padding': 2}
        >>> ZeroPadding2D(((1, 1), (0, 0))).keras_arguments()
        {'padding': (1, 0)}
        >>> ZeroPadding2D(((0, 1), (0, 0))).keras_arguments()
        {'padding': ((0, 1), (0, 0))}
        """
        (top, bottom), (left, right) = self.padding
        if top == bottom and left == right:
            return {"padding": top if top == left else (top, left)}
        return {"padding": self.padding}
