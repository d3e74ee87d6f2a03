"""Dropout: zeroes a random fraction of the values while training — Keras's `layers.Dropout`. No weights."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import Layer, Step
from cnnlab.core.layer_types.settings import Field, FieldKind
from cnnlab.core.layer_types.shapes import Shape


@dataclass(frozen=True)
class Dropout(Layer):
    """Zeroes a fraction `rate` (0 ≤ rate < 1) of its inputs while training; no weights."""

    rate: float

    type = "Dropout"
    help = "Switches off random values while training, against overfitting; no weights."
    colour = "#B7B7B7"
    keras_fixed = MappingProxyType({"noise_shape": (None,)})
    fields = (
        Field("rate", "Rate", FieldKind.fraction, (0.25,),
              "Fraction of values zeroed at random while training (0 up to, not including, 1; Keras has no "
              "default).",
              example="0.25 drops a quarter of the values while training",
              required="the fraction to drop, e.g. 0.25"),
    )

    def step(self, shape: Shape) -> Step:
        """The shape is unchanged."""
        return Step(shape, shape_formula="unchanged")

    def how_it_works(self, shape: Shape) -> str:
        """What it does while training and while predicting."""
        return (f"While training, it sets a random {self.rate:.0%} of the values to 0 — a new draw for "
                f"every image — and multiplies the others by 1 / (1 − {self.rate:g}), so their sum stays the "
                "same on average; the next layer cannot rely on any single value, which fights overfitting. "
                "When predicting it does nothing. No weights.")
