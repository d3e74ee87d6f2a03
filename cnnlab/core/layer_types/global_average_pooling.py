"""GlobalAveragePooling2D: one mean per channel over the whole image — Keras's
`layers.GlobalAveragePooling2D`. No weights."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import CHANNELS_LAST, Box, CellRule, Layer, PictureKind, ReceptiveStep, Step
from cnnlab.core.layer_types.pooling import NO_PARAMETERS
from cnnlab.core.layer_types.shapes import Shape


@dataclass(frozen=True)
class GlobalAveragePooling2D(Layer):
    """Averages each channel over all positions: (h, w, c) → (c,)."""

    type = "GlobalAveragePooling2D"
    help = "Averages each feature map to one number: (h, w, c) → (c,)."
    colour = "#EECA3B"
    needs_image = True
    keras_fixed = MappingProxyType({"data_format": CHANNELS_LAST, "keepdims": (False,)})
    picture = PictureKind.window
    cell_rule = CellRule.mean

    def step(self, shape: Shape) -> Step:
        """Example: 3×3×64 → 64, "one mean per channel over 3×3 → 64"."""
        formula = f"one mean per channel over {shape[0]:,}×{shape[1]:,} → {shape[2]:,}"
        return Step((shape[2],), shape_formula=formula)

    def receptive_step(self, shape: Shape) -> ReceptiveStep:
        """Each mean covers every position: the whole image."""
        return ReceptiveStep(whole=True)

    def reads(self, shape: Shape, box: Box) -> Box:
        """Every position of the channels in `box`."""
        return (range(shape[0]), range(shape[1]), box[0])

    def how_it_works(self, shape: Shape) -> str:
        """One mean per channel, over the whole image."""
        return (f"Each of the {shape[2]:,} channels — all its {shape[0]:,}×{shape[1]:,} values — is averaged "
                f"to one number: {shape[2]:,} values, one per channel, whatever the image's size. "
                f"{NO_PARAMETERS}")
