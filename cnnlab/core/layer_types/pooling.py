"""MaxPooling2D and AveragePooling2D: a window of `pool_size` sliding with `strides`, keeping the maximum or
the average of each — Keras's `layers.MaxPooling2D` and `layers.AveragePooling2D`. No weights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Self

from cnnlab.core.layer_types.base import CHANNELS_LAST, Box, CellRule, Layer, PictureKind, ReceptiveStep, Step
from cnnlab.core.layer_types.settings import (
    MAX_KERNEL_SIDE,
    Field,
    FieldKind,
    Padding,
    padding_field,
    strides_field,
)
from cnnlab.core.layer_types.shapes import (
    Pair,
    Shape,
    format_shape,
    padding_words,
    slide_words,
    window_output,
    window_problem,
    window_shape_formula,
    window_span,
)

NO_PARAMETERS = "0 parameters: pooling only compares or averages."


def _pooling_fields(kept: str) -> tuple[Field, ...]:
    """The fields of a pooling layer whose window keeps its `kept` ("maximum", "average")."""
    return (
        Field("pool_size", "Pool size", FieldKind.pair, (2, 2),
              f"Window whose {kept} is kept (Keras default 2×2).",
              low=1, high=MAX_KERNEL_SIDE, example="2 or [2, 2]"),
        strides_field(FieldKind.optional_pair, (None, None), "Step of the window; leave blank for Keras's "
                      "default, the pool size (so 2×2 pooling halves each side)."),
        padding_field(),
    )


@dataclass(frozen=True)
class Pooling2D(Layer):
    """What both pooling layers share; `strides` is resolved (Keras's default is the pool size)."""

    pool_size: Pair = (2, 2)
    strides: Pair = (2, 2)
    padding: Padding = Padding.valid

    colour = "#72B7B2"
    needs_image = True
    keras_fixed = MappingProxyType({"data_format": CHANNELS_LAST})
    picture = PictureKind.window
    keeps: ClassVar[str]  # what it keeps of each window, in words

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Self:
        """Strides left out (or null) are the pool size, as in Keras."""
        pool_size = settings.get("pool_size", (2, 2))
        return cls(**{**settings, "strides": settings.get("strides") or pool_size})

    def step(self, shape: Shape) -> Step:
        """Output (h', w', channels), no weights. Example: 2×2 pooling of 26×26×16 gives 13×13×16."""
        problem = window_problem(shape, self.pool_size, self.padding, "pool", "pool_size")
        if problem:
            return Step(None, problem=problem)
        out = (*window_output(shape, self.pool_size, self.strides, self.padding), shape[2])
        formula = window_shape_formula(shape, self.pool_size, self.strides, self.padding)
        return Step(out, shape_formula=formula)

    def receptive_step(self, shape: Shape) -> ReceptiveStep:
        """The pool's window and strides."""
        return ReceptiveStep(self.pool_size, self.strides)

    def reads(self, shape: Shape, box: Box) -> Box:
        """The pool's windows at the output rows and columns of `box`, in the same channels."""
        return (window_span(box[0], shape[0], self.pool_size[0], self.strides[0], self.padding),
                window_span(box[1], shape[1], self.pool_size[1], self.strides[1], self.padding), box[2])

    def how_it_works(self, shape: Shape) -> str:
        """The window, how it slides, what it keeps, and that it learns nothing."""
        (rows, cols), out = self.pool_size, window_output(shape, self.pool_size, self.strides, self.padding)
        return (f"A {rows}×{cols} window slides over each of the {shape[2]:,} channels on its own, "
                f"{slide_words(self.strides)}, with "
                f"{padding_words(shape, self.pool_size, self.strides, self.padding, 'window')}. At each of "
                f"the {out[0]:,}×{out[1]:,} positions it keeps {self.keeps} of the values under it"
                f"{' (the border of zeros never counts)' if self.padding == Padding.same else ''}, so "
                f"{format_shape(shape)} becomes "
                f"{out[0]:,}×{out[1]:,}×{shape[2]:,}. {NO_PARAMETERS}")

    def keras_arguments(self) -> dict[str, object]:
        """pool_size always; strides only when not the pool size (Keras's default), padding when not valid.

        >>> MaxPooling2D((3, 3), (1, 1)).keras_arguments()
        {'pool_size': (3, 3), 'strides': (1, 1)}
        """
        arguments: dict[str, object] = {"pool_size": self.pool_size}
        if self.strides != self.pool_size:
            arguments["strides"] = self.strides
        if self.padding != Padding.valid:
            arguments["padding"] = str(self.padding)
        return arguments


@dataclass(frozen=True)
class MaxPooling2D(Pooling2D):
    """Keeps the largest value of each window."""

    type = "MaxPooling2D"
    help = "Keeps the largest value of each window: a smaller image, no weights."
    fields = _pooling_fields("maximum")
    cell_rule = CellRule.maximum
    keeps = "the largest"

    def is_linear(self) -> bool:
        """Keeping the largest value is not linear: it is what makes a pooled stack more than one matrix."""
        return False


@dataclass(frozen=True)
class AveragePooling2D(Pooling2D):
    """Keeps the average of each window."""

    type = "AveragePooling2D"
    help = "Keeps the average of each window: a smaller image, no weights."
    fields = _pooling_fields("average")
    cell_rule = CellRule.mean
    keeps = "the average"
