"""Flatten: unrolls height × width × channels into one vector — Keras's `layers.Flatten`. No weights."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnlab.core.layer_types.base import Layer, Step
from cnnlab.core.layer_types.shapes import Shape


@dataclass(frozen=True)
class Flatten(Layer):
    """Unrolls a height × width × channels tensor into one vector."""

    type = "Flatten"
    help = "Unrolls height × width × channels into one vector for Dense layers. No settings."
    colour = "#EECA3B"

    def step(self, shape: Shape) -> Step:
        """One vector of every value. Example: 3×3×64 → 576, "3 × 3 × 64 = 576"."""
        size = math.prod(shape)
        if len(shape) == 1:
            return Step(shape, shape_formula=f"already flat: {size:,}",
                        hint="the input is already flat, so this Flatten changes nothing")
        return Step((size,), shape_formula=f"{' × '.join(f'{s:,}' for s in shape)} = {size:,}")
