"""What every layer type is, as Keras's `Layer` is for its layers: a frozen dataclass of its settings that
knows its fields, what it does to an input shape (output shape, parameters, their worked formulas, MACs),
what one of its output values sees of the image, which input values each output value is computed from and
how, how Build pictures it and says it in words, and its Keras arguments.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Self

from cnnlab.core.layer_types.settings import Activation, Field
from cnnlab.core.layer_types.shapes import Pair, Shape, format_shape

NO_WEIGHTS = "no weights = 0"
CHANNELS_LAST = ("channels_last", None)  # Keras's data_format values for (height, width, channels)

Box = tuple[range, ...]  # a block of a tensor's values: one range of indices per axis (batch axis left out)


class Term(StrEnum):
    """A number a parameter formula counts, in words; Build colours it alike in formula and picture."""

    kernel_rows = "kernel rows"
    kernel_cols = "kernel columns"
    input_channels = "input channels"
    filters = "filters"
    inputs = "inputs"
    units = "units"
    biases = "biases"
    channels = "channels"


@dataclass(frozen=True)
class Piece:
    """A piece of a worked formula: its text, and the `Term` it counts (None for operators and results)."""

    text: str
    term: Term | None = None


def formula_text(pieces: tuple[Piece, ...]) -> str:
    """The formula the pieces spell: "32 × (3×3×16) + 32 = 4,640"."""
    return "".join(piece.text for piece in pieces)


class PictureKind(StrEnum):
    """How Build's "How this layer works" draws a layer type."""

    window = "window"  # a window sliding over the (padded) input, filling the output cell by cell
    border = "border"  # a border of zeros around the input
    unroll = "unroll"  # a volume unrolled into one row
    connections = "connections"  # every input joined to every unit
    elementwise = "elementwise"  # each value on its own: words only


class CellRule(StrEnum):
    """How one output value is computed from the input values it reads (`Layer.reads`): what a trace shows."""

    weighted_sum = "weighted sum"  # Σ input × weight, plus the bias, then the activation
    maximum = "maximum"  # the largest value inside the input (the padding never wins)
    mean = "mean"  # the average of the values inside the input (the padding is not counted)
    copy = "copy"  # the value itself (0 in a border of zeros)
    normalise = "normalise"  # γ · (x − moving mean) / √(moving variance + ε) + β


@dataclass(frozen=True)
class Step:
    """What one layer does to a known input shape: its output shape (None, with `problem`, when it cannot
    take that input), parameters (`non_trainable` of them not trained), the worked parameter and shape
    formulas, multiply-accumulates per image with their worked formula ("" for a layer without any), and a
    hint when the stack is valid but probably not meant."""

    output_shape: Shape | None
    params: int = 0
    non_trainable: int = 0
    formula: str = NO_WEIGHTS  # "32 × (3×3×16) + 32 = 4,640"
    shape_formula: str = ""  # "⌊(28 − 3) / 1⌋ + 1 = 26"
    macs: int = 0
    hint: str | None = None
    problem: str | None = None
    pieces: tuple[Piece, ...] = ()  # `formula` in pieces, each number tagged with what it counts
    macs_formula: str = ""  # "26×26 positions × 16 filters × (3×3×1) = 97,344"


@dataclass(frozen=True)
class ReceptiveStep:
    """How a layer widens what one output value sees of the image, per axis: a window k sliding with stride
    s turns the field r and the jump j of its input into r + (k − 1)·j and j·s; `whole`: it mixes every
    position, so it sees the whole image. The default (1×1, stride 1) keeps the field as it is."""

    window: Pair = (1, 1)
    strides: Pair = (1, 1)
    whole: bool = False


class Layer(ABC):
    """A layer type. Subclasses are frozen dataclasses whose attributes are its settings, one per `Field`
    (same name), with Keras's defaults; the class variables describe the type itself."""

    type: ClassVar[str]  # Keras's class name, and "type" in the JSON: "Conv2D"
    help: ClassVar[str]  # one line under "Add a layer"
    colour: ClassVar[str]  # its bars in the stack picture
    fields: ClassVar[tuple[Field, ...]] = ()  # its settings, in Keras's argument order
    needs_image: ClassVar[bool] = False  # its input must be height × width × channels
    shrink_advice: ClassVar[str] = "make this layer smaller"  # the fix when its parameters pass the cap
    # Keras settings it does not offer, and the values that mean what it does (to read a model file)
    keras_fixed: ClassVar[Mapping[str, tuple[object, ...]]] = MappingProxyType({})
    picture: ClassVar[PictureKind] = PictureKind.elementwise  # how "How this layer works" draws it
    cell_rule: ClassVar[CellRule] = CellRule.copy  # how one output value is computed from what it reads
    # Build's "Add a layer" starts these fields here instead of at Keras's default (the layer written out
    # still names every value it has, so the Keras code and files stay exact)
    add_form_start: ClassVar[Mapping[str, tuple[object, ...]]] = MappingProxyType({})

    @classmethod
    def setting_keys(cls) -> tuple[str, ...]:
        """The settings the type accepts besides "type": its fields' keys (Keras argument names)."""
        return tuple(field.key for field in cls.fields)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Self:
        """The layer from its checked settings (those the JSON gave); the others take Keras's defaults."""
        return cls(**settings)

    @abstractmethod
    def step(self, shape: Shape) -> Step:
        """What the layer does to an input of `shape` (height × width × channels when `needs_image`)."""

    def receptive_step(self, shape: Shape) -> ReceptiveStep:
        """How the layer, on an input of `shape`, widens what one output value sees; by default not at all."""
        return ReceptiveStep()

    def reads(self, shape: Shape, box: Box) -> Box:
        """The input values (one range per axis of its `shape`) that the output values in `box` are computed
        from; positions before 0 or past the end lie in its padding. By default each output value reads the
        input value at its own position, so a type that moves values (a window, a border, a reshape) says
        otherwise."""
        return box

    def activation_setting(self) -> Activation | None:
        """The layer's activation, or None for a type without that setting."""
        return getattr(self, "activation", None) if "activation" in self.setting_keys() else None

    def is_linear(self) -> bool:
        """True when, predicting, the layer is a linear (or affine) map of its input — so two of them in a row
        compute nothing one layer could not. By default: when its activation, if it has one, is linear."""
        return self.activation_setting() in (None, Activation.linear)

    def how_it_works(self, shape: Shape) -> str:
        """A few sentences on what the layer does to an input of `shape`, with its real settings; by default
        its one-line help and the shapes."""
        out = self.step(shape).output_shape
        becomes = f" {format_shape(shape)} becomes {format_shape(out)}." if out is not None else ""
        return f"{self.help}{becomes}"

    def keras_arguments(self) -> dict[str, object]:
        """Its keyword arguments for Keras: the required ones, and the others where they differ from Keras's
        defaults, with Keras's own names and Python values (a choice as its name).

        >>> from cnnlab.core.layer_types.conv2d import Conv2D
        >>> from cnnlab.core.layer_types.settings import Activation
        >>> Conv2D(16, (3, 3), activation=Activation.relu).keras_arguments()
        {'filters': 16, 'kernel_size': (3, 3), 'activation': 'relu'}
        """
        defaults = {field.name: field.default for field in dataclasses.fields(self)}
        arguments: dict[str, object] = {}
        for field in self.fields:
            value = getattr(self, field.key)
            if field.required or value != defaults[field.key]:
                arguments[field.key] = str(value) if isinstance(value, StrEnum) else value
        return arguments
