"""Dense: every input connected to every unit, on the last axis of its input — Keras's `layers.Dense`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import (
    Box,
    CellRule,
    Layer,
    PictureKind,
    Piece,
    ReceptiveStep,
    Step,
    Term,
    formula_text,
)
from cnnlab.core.layer_types.settings import (
    Activation,
    Field,
    FieldKind,
    activation_field,
    use_bias_field,
)
from cnnlab.core.layer_types.shapes import Shape, format_shape

MAX_UNITS = 8192


def dense_pieces(inputs: int, units: int, use_bias: bool) -> tuple[int, tuple[Piece, ...]]:
    """Dense parameters: every input connects to every unit, plus one bias per unit — the count and its
    worked formula, each number tagged with what it counts (`dense_formula` is its text)."""
    params = inputs * units + (units if use_bias else 0)
    product = (Piece(f"{inputs:,}", Term.inputs), Piece(" × "), Piece(f"{units:,}", Term.units))
    pieces = (Piece("("), *product, Piece(") + "), Piece(f"{units:,}", Term.biases)) if use_bias else product
    return params, (*pieces, Piece(f" = {params:,}"))


def dense_formula(inputs: int, units: int, use_bias: bool) -> tuple[int, str]:
    """Dense parameters: every input connects to every unit, plus one bias per unit.

    >>> dense_formula(576, 64, True)
    (36928, '(576 × 64) + 64 = 36,928')
    >>> dense_formula(576, 64, False)
    (36864, '576 × 64 = 36,864')
    """
    params, pieces = dense_pieces(inputs, units, use_bias)
    return params, formula_text(pieces)


@dataclass(frozen=True)
class Dense(Layer):
    """A fully connected layer of `units` neurons (acts on the last axis of its input)."""

    units: int
    activation: Activation = Activation.linear
    use_bias: bool = True

    type = "Dense"
    help = "Connects every input to every neuron."
    colour = "#F58518"
    picture = PictureKind.connections
    cell_rule = CellRule.weighted_sum
    shrink_advice = "use fewer units, or shrink its input first (pooling, strides, or GlobalAveragePooling2D)"
    add_form_start = MappingProxyType({"activation": (str(Activation.relu),)})  # a hidden layer
    fields = (
        Field("units", "Units", FieldKind.whole, (64,),
              f"How many neurons, so how many outputs (1–{MAX_UNITS:,}; Keras has no default). "
              "The last layer needs 10, one per digit.",
              low=1, high=MAX_UNITS, example="64", required="how many neurons, e.g. 64"),
        activation_field('Use "relu" inside the stack and "softmax" on the last layer.'),
        use_bias_field(),
    )

    def step(self, shape: Shape) -> Step:
        """The last axis becomes `units`; MACs inputs·units at each position. On an image (h, w, c) it maps
        each position's c values alike, which a student rarely means: that comes with a hint."""
        inputs = shape[-1]
        params, pieces = dense_pieces(inputs, self.units, self.use_bias)
        formula = formula_text(pieces)
        out = (*shape[:-1], self.units)
        if len(shape) == 1:
            macs = inputs * self.units
            return Step(out, params, 0, formula, f"{self.units:,} units", macs,
                        macs_formula=f"{inputs:,} inputs × {self.units:,} units = {macs:,}", pieces=pieces)
        where = format_shape(shape[:-1])
        hint = (f"Dense acts on the last axis only: each of the {where} positions maps its {inputs:,} values "
                f"to {self.units:,} (same weights everywhere), giving {format_shape(out)}. To use the whole "
                "image, you probably meant to put a Flatten (or GlobalAveragePooling2D) before this Dense.")
        macs = math.prod(shape[:-1]) * inputs * self.units
        macs_formula = f"{where} positions × {inputs:,} inputs × {self.units:,} units = {macs:,}"
        return Step(out, params, 0, formula, f"{inputs:,} → {self.units:,} at each of {where} positions",
                    macs, hint, macs_formula=macs_formula, pieces=pieces)

    def receptive_step(self, shape: Shape) -> ReceptiveStep:
        """On a flat vector it mixes every position (the whole image); on an image, each position alone."""
        return ReceptiveStep(whole=len(shape) == 1)

    def reads(self, shape: Shape, box: Box) -> Box:
        """Every input at the positions of `box` (on a flat input: all of them)."""
        return (*box[:-1], range(shape[-1]))

    def how_it_works(self, shape: Shape) -> str:
        """Its connections, what one unit computes, and (on an image) that it works per position."""
        inputs = shape[-1]
        products = "adds up the products and its bias" if self.use_bias else "adds up the products"
        then = ("— no activation (linear)" if self.activation == Activation.linear
                else f"and applies {self.activation}")
        words = (f"Each of the {self.units:,} units is joined to each of the {inputs:,} inputs by a weight "
                 f"of its own{' and has one bias' if self.use_bias else ''}. A unit multiplies every input "
                 f"by its weight, {products} {then}.")
        if len(shape) > 1:
            words += (f" On this {format_shape(shape)} input it does that at each of the "
                      f"{format_shape(shape[:-1])} positions with the same weights.")
        return words
