"""A layer's settings: the choices they take, how each is entered in the Build form, and how a JSON value is
read into it.

A `Field` is one setting, named once for JSON, the Build form and Keras (`kernel_size`). Reading a value
checks it against the field's rule and says how to fix it; JSON has a single number type, so a whole number
written as 3.0 is accepted as 3, while 3.5, booleans, strings, NaN and infinities are refused where a whole
number belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from cnnlab.core.messages import did_you_mean, show_value, whole_number

MAX_KERNEL_SIDE = 64  # kernel_size and pool_size, per axis
MAX_STRIDE = 64

BoxValue = int | float | str | bool | None  # what one input box of the Build form holds


class Padding(StrEnum):
    """Conv2D / pooling padding: "valid" (no padding) or "same" (output side = ⌈input / stride⌉)."""

    valid = "valid"
    same = "same"


class Activation(StrEnum):
    """Activation names that `keras.activations.get` accepts in Keras 3.15 and that keep the tensor's shape.

    Left out on purpose: "glu" (halves the last axis) and "threshold" (needs extra arguments).
    """

    linear = "linear"
    relu = "relu"
    sigmoid = "sigmoid"
    tanh = "tanh"
    softmax = "softmax"
    elu = "elu"
    selu = "selu"
    celu = "celu"
    gelu = "gelu"
    swish = "swish"
    silu = "silu"
    mish = "mish"
    softplus = "softplus"
    softsign = "softsign"
    leaky_relu = "leaky_relu"
    relu6 = "relu6"
    hard_sigmoid = "hard_sigmoid"
    hard_silu = "hard_silu"
    hard_swish = "hard_swish"
    hard_tanh = "hard_tanh"
    exponential = "exponential"
    log_sigmoid = "log_sigmoid"
    log_softmax = "log_softmax"
    sparsemax = "sparsemax"
    sparse_plus = "sparse_plus"
    sparse_sigmoid = "sparse_sigmoid"
    squareplus = "squareplus"
    hard_shrink = "hard_shrink"
    soft_shrink = "soft_shrink"
    tanh_shrink = "tanh_shrink"


class FieldKind(StrEnum):
    """How a setting is entered: whole number, fraction, rows × columns, four paddings, choice or flag."""

    whole = "whole"
    fraction = "fraction"
    pair = "pair"
    optional_pair = "optional_pair"  # blank means "use Keras's default" (pooling strides = pool_size)
    padding4 = "padding4"
    choice = "choice"
    flag = "flag"


@dataclass(frozen=True)
class Field:
    """One setting of a layer type: its key (the dataclass attribute, JSON key and Keras argument), its Build
    form label, how it is entered, the form's starting boxes, a one-line help, and the rule its JSON value
    must follow (a whole-number range and an example, or the choices)."""

    key: str
    label: str
    kind: FieldKind
    default: tuple[BoxValue, ...]
    help: str
    low: int = 0
    high: int = 0
    example: str = ""  # quoted in messages: "for example 3 or [3, 3]"
    options: type[StrEnum] | None = None  # the choices of a choice field
    null: str | None = None  # the choice a JSON null stands for (Keras: activation=None means "linear")
    required: str = ""  # Keras has no default: what to give, for the "missing" message ("e.g. 64")

    @cached_property
    def choices(self) -> tuple[str, ...]:
        """The names a choice field offers, in order; () for other kinds."""
        return tuple(str(option) for option in self.options) if self.options else ()

    @property
    def form_help(self) -> str:
        """The help beside the field in the Build form, naming the Keras argument it sets."""
        return f"{self.help} Keras argument: `{self.key}`."


class InvalidSetting(ValueError):
    """One bad value of a setting; its text is the message a student sees (the rule, the value, the fix)."""


def read_whole(value: object, key: str, low: int, high: int, example: str) -> int:
    """A whole number in [low, high]; 3.0 counts as 3, while true, 3.5, "3" and NaN are refused."""
    number = whole_number(value)
    if number is None or not low <= number <= high:
        cap = f" (the cap is {high:,})" if number is not None and number > high else ""
        raise InvalidSetting(f"{key} must be a whole number from {low:,} to {high:,}, "
                             f"got {show_value(value)}{cap}; for example {example}")
    return number


def _pair(value: object, key: str, low: int, high: int, example: str) -> tuple[int, int]:
    """An int or [h, w] of whole numbers in [low, high] → (h, w)."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise InvalidSetting(f"{key} must be one whole number or [height, width], "
                                 f"got {show_value(value)}; for example {example}")
        return (read_whole(value[0], f"{key} height", low, high, example),
                read_whole(value[1], f"{key} width", low, high, example))
    side = read_whole(value, key, low, high, example)
    return (side, side)


def _padding4(value: object, field: Field) -> tuple[tuple[int, int], tuple[int, int]]:
    """An int, [h, w] (symmetric) or [[top, bottom], [left, right]] → ((top, bottom), (left, right))."""
    key, low, high, example = field.key, field.low, field.high, field.example
    nested = [isinstance(x, list | tuple) for x in value] if isinstance(value, list | tuple) else []
    if nested == [True, True]:
        return (_pair(value[0], f"{key} [top, bottom]", low, high, example),
                _pair(value[1], f"{key} [left, right]", low, high, example))
    if any(nested):
        raise InvalidSetting(f"{key} must be a whole number, [height, width] or [[top, bottom], "
                             f"[left, right]], got {show_value(value)}")
    height, width = _pair(value, key, low, high, example)
    return ((height, height), (width, width))


def _fraction(value: object, key: str, example: str) -> float:
    """A number from 0 up to (not including) 1."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        return float(value)
    raise InvalidSetting(f"{key} must be a fraction from 0 up to (not including) 1, got {show_value(value)}; "
                         f"for example {example}")


def _flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidSetting(f"{key} must be true or false, got {show_value(value)}")


def _choice(value: object, field: Field) -> StrEnum:
    """One of the field's choices (JSON null: the choice it stands for), with the closest one as a hint."""
    names = list(field.choices)
    if value is None and field.null is not None:
        value = field.null
    if isinstance(value, str) and value in names:
        return field.options(value)
    hint = did_you_mean(value, names) if isinstance(value, str) else ""
    listing = "" if hint else f"; one of {', '.join(names)}"
    raise InvalidSetting(f"unknown {field.key} {show_value(value)}{hint}{listing}")


def read_setting(field: Field, value: object) -> object:
    """The setting's value from its JSON value, or InvalidSetting saying what is wrong and how to fix it.

    Example: kernel_size 3 → (3, 3); activation null → Activation.linear; filters 0 → "filters must be a
    whole number from 1 to 1,024, got 0; for example 32".
    """
    match field.kind:
        case FieldKind.whole:
            return read_whole(value, field.key, field.low, field.high, field.example)
        case FieldKind.fraction:
            return _fraction(value, field.key, field.example)
        case FieldKind.pair:
            return _pair(value, field.key, field.low, field.high, field.example)
        case FieldKind.optional_pair:
            return None if value is None else _pair(value, field.key, field.low, field.high, field.example)
        case FieldKind.padding4:
            return _padding4(value, field)
        case FieldKind.choice:
            return _choice(value, field)
    return _flag(value, field.key)


# ------------------------------------------------------------------------- fields shared by layer types


def strides_field(kind: FieldKind, default: tuple[BoxValue, ...], help_text: str) -> Field:
    """The step of a sliding window (Conv2D, pooling): 1 to MAX_STRIDE rows and columns."""
    return Field("strides", "Stride", kind, default, help_text, low=1, high=MAX_STRIDE, example="1 or [2, 2]")


def padding_field() -> Field:
    """Conv2D's and pooling's border mode, "valid" or "same" (Keras default "valid")."""
    return Field("padding", "Padding", FieldKind.choice, (str(Padding.valid),),
                 '"valid" adds no border (the output shrinks); "same" pads so that output side = '
                 "⌈input / stride⌉.", options=Padding)


def activation_field(advice: str) -> Field:
    """The activation of Conv2D and Dense (Keras default "linear", also meant by null), with `advice`."""
    return Field("activation", "Activation", FieldKind.choice, (str(Activation.linear),),
                 f'Applied to each output value; Keras\'s default is "linear" (none). {advice}',
                 options=Activation, null=str(Activation.linear))


def use_bias_field() -> Field:
    """Whether Conv2D and Dense learn a bias per output (Keras default: on)."""
    return Field("use_bias", "Use bias", FieldKind.flag, (True,),
                 "Adds one learned bias per output channel/unit (Keras default: on).")
