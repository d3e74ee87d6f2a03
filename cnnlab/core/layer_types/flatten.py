"""Flatten: unrolls height × width × channels into one vector — Keras's `layers.Flatten`. No weights."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnlab.core.layer_types.base import Box, Layer, PictureKind, Step
from cnnlab.core.layer_types.shapes import Shape, format_shape


@dataclass(frozen=True)
class Flatten(Layer):
    """Unrolls a height × width × channels tensor into one vector."""

    type = "Flatten"
    help = "Unrolls height × width × channels into one vector for Dense layers. No settings."
    colour = "#EECA3B"
    picture = PictureKind.unroll

    def step(self, shape: Shape) -> Step:
        """One vector of every value. Example: 3×3×64 → 576, "3 × 3 × 64 = 576"."""
        size = math.prod(shape)
        if len(shape) == 1:
            return Step(shape, shape_formula=f"already flat: {size:,}",
                        hint="the input is already flat, so this Flatten changes nothing")
        return Step((size,), shape_formula=f"{' × '.join(f'{s:,}' for s in shape)} = {size:,}")

    def reads(self, shape: Shape, box: Box) -> Box:
        """Flat positions `box` come from the input's rows, columns and channels in order (row by row, a
        pixel's channels side by side); a run of positions reads the block holding all of them.

        >>> Flatten().reads((3, 3, 64), (range(130, 131),))
        (range(0, 1), range(2, 3), range(2, 3))
        >>> Flatten().reads((3, 3, 64), (range(60, 70),))
        (range(0, 1), range(0, 2), range(0, 64))
        """
        if len(shape) == 1:
            return box
        first, last = _position(shape, box[0].start), _position(shape, box[0].stop - 1)
        blocks: list[range] = []
        for axis, (low, high) in enumerate(zip(first, last, strict=True)):
            same_above = first[:axis] == last[:axis]
            blocks.append(range(low, high + 1) if same_above else range(shape[axis]))
        return tuple(blocks)

    def how_it_works(self, shape: Shape) -> str:
        """The volume, its order, and the length of the row."""
        if len(shape) == 1:
            return f"The input is already one row of {shape[0]:,} values, so this Flatten changes nothing."
        sides = " × ".join(f"{side:,}" for side in shape)
        return (f"Unrolls the {format_shape(shape)} volume into one row of {sides} = {math.prod(shape):,} "
                "values: row by row, and in each row pixel by pixel, the channels of a pixel side by side. "
                "Nothing is computed or learned: a Dense layer takes one flat row of inputs.")


def _position(shape: Shape, flat: int) -> tuple[int, ...]:
    """Where flat position `flat` sits in a tensor of `shape` (the last axis fastest, as Keras unrolls).

    >>> _position((3, 3, 64), 130)
    (0, 2, 2)
    """
    position = []
    for side in reversed(shape):
        flat, index = divmod(flat, side)
        position.append(index)
    return tuple(reversed(position))
