"""A guess step's answer, computed from the student's own stack by the Build table's arithmetic (`analyze`,
`receptive_fields`), never written in the lesson; and reading what the student typed, generously.

`output_shape` reads 13×13×32, 13x13x32, 13 * 13 * 32, (13, 13, 32), [13,13,32] and Keras's
(None, 13, 13, 32) — the leading None is the batch axis, which the Build table leaves out, so it is accepted
and ignored. Numbers read 4640, 4,640, 4 640 or "… = 4640". A receptive field reads 10, 10×10, 10x10 px,
or "whole image".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.arithmetic import Analysis
from cnnlab.core.layer_types.shapes import Shape, format_shape
from cnnlab.core.lesson import Quantity, Step
from cnnlab.core.receptive_field import View, receptive_fields, view_formula

WHAT = {  # how a message names each quantity
    Quantity.params: "the parameters",
    Quantity.output_shape: "the output shape",
    Quantity.macs: "the multiply-accumulates (MACs) per image",
    Quantity.receptive_field: "the receptive field",
    Quantity.total_params: "the parameters of the whole stack",
}
EXAMPLES = {  # how to type each quantity, for a guess that cannot be read
    Quantity.params: "a number such as 4640",
    Quantity.output_shape: "a shape such as 13×13×32 (or 13x13x32, or (13, 13, 32)), or 576 for a flat one",
    Quantity.macs: "a number such as 97344",
    Quantity.receptive_field: "a size such as 10×10 (or just 10), or “whole image”",
    Quantity.total_params: "a number such as 60874",
}


@dataclass(frozen=True)
class Answer:
    """The answer to a guess step on one stack: its value, as the Build table writes it, and worked out."""

    quantity: Quantity
    value: int | Shape | View
    text: str  # "320", "13×13×32", "10×10 px", "whole image"
    formula: str  # "32 × (3×3×1) + 32 = 320"
    what: str  # "the parameters of layer 1 (Conv2D)"


@dataclass(frozen=True)
class NoAnswer:
    """Why the stack as it is cannot answer the question (the layer is missing, or has a problem)."""

    reason: str


class Verdict(StrEnum):
    """A guess against the answer."""

    right = "right"
    wrong = "wrong"
    unreadable = "unreadable"  # no number or shape could be read in it: not counted as a try


def answer(step: Step, analysis: Analysis) -> Answer | NoAnswer:
    """The answer to guess step `step` on the stack `analysis`, or why there is none.

    >>> from cnnlab.core.presets import preset_spec
    >>> from cnnlab.core.arithmetic import analyze
    >>> found = answer(Step("guess", "?", Quantity.params, 3), analyze(preset_spec("convnet")))
    >>> found.text, found.formula
    ('4,640', '32 × (3×3×16) + 32 = 4,640')
    """
    quantity = step.quantity
    if quantity == Quantity.total_params:
        if not analysis.ok:
            return NoAnswer("Your stack has a problem, so its total is not known yet: fix it on Build first.")
        parts = " + ".join(f"{report.params:,}" for report in analysis.layers) or "0"
        return Answer(quantity, analysis.total_params, f"{analysis.total_params:,}",
                      f"{parts} = {analysis.total_params:,}", WHAT[quantity])
    layer = step.layer or 0
    if layer > len(analysis.layers):
        count = len(analysis.layers)
        return NoAnswer(f"This question is about layer {layer}, but your stack has {count} layer"
                        f"{'s' * (count != 1)}: open the lesson's stack again, or add the missing layers.")
    report = analysis.layers[layer - 1]
    what = f"{WHAT[quantity]} of layer {layer} ({report.type or '?'})"
    if report.output_shape is None:
        return NoAnswer(f"Layer {layer} has a problem (or a layer above it does): fix it on Build first.")
    if quantity == Quantity.params:
        return Answer(quantity, report.params, f"{report.params:,}", report.formula, what)
    if quantity == Quantity.macs:
        formula = report.macs_formula or (f"{report.type} multiplies no weights (only Conv2D and Dense are "
                                          "counted) = 0")
        return Answer(quantity, report.macs, f"{report.macs:,}", formula, what)
    if quantity == Quantity.output_shape:
        shape = format_shape(report.output_shape)
        formula = f"{report.shape_formula} → {shape}" if report.shape_formula else shape
        return Answer(quantity, report.output_shape, shape, formula, what)
    view = receptive_fields(analysis)[layer - 1]
    if view is None:
        return NoAnswer("A receptive field needs an image input (height × width × channels).")
    return Answer(quantity, view, view.text(), view_formula(analysis, layer), what)


# ------------------------------------------------------------------------------------- reading a guess

_SPACES = "\u00a0\u2009\u202f"  # no-break, thin and narrow no-break spaces some keyboards type
_GROUPED = re.compile(r"\d{1,3}(?:[,' _.\u00a0\u2009\u202f]\d{3})+(?!\d)|\d+")
_GROUPING_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SEPARATORS = re.compile(r"\s*(?:×|✕|\*|x|,|;|\bby\b|\s)\s*")
_BATCH = ("none", "?", "batch", "n")
_WHOLE_WORDS = ("whole", "all", "every", "entire", "full")


def read_number(text: str) -> int | None:
    """The one whole number in `text` (its part after the last "=", if any), thousands separators allowed.

    >>> [read_number(t) for t in ("4640", "4,640", "4 640", "= 4,640 parameters", "32 and 16", "many")]
    [4640, 4640, 4640, 4640, None, None]
    """
    found = _GROUPED.findall(text.rsplit("=", 1)[-1])
    if len(found) != 1:
        return None
    return int(re.sub(r"\D", "", found[0]))


def _shape_tokens(text: str) -> tuple[int, ...] | None:
    """The numbers of a shape written with any of × x * , ; "by" or spaces between them, in brackets or
    not, after a leading batch axis (None); None when anything else is in it."""
    cleaned = text.strip().lower().translate({ord(char): " " for char in _SPACES})
    cleaned = re.sub(r"[()\[\]{}]", " ", cleaned).strip()
    tokens = [token for token in _SEPARATORS.split(cleaned) if token]
    if tokens and tokens[0] in _BATCH:
        tokens = tokens[1:]
    if not tokens or len(tokens) > 4 or not all(token.isdigit() and len(token) <= 9 for token in tokens):
        return None
    return tuple(int(token) for token in tokens)


def read_shapes(text: str) -> set[tuple[int, ...]]:
    """Every shape `text` can be read as: commas may separate sides or group thousands (1,024).

    >>> sorted(read_shapes("(None, 13, 13, 32)")), sorted(read_shapes("1,024"))
    ([(13, 13, 32)], [(1, 24), (1024,)])
    """
    readings = {_shape_tokens(text), _shape_tokens(_GROUPING_COMMA.sub("", text))}
    return {reading for reading in readings if reading is not None}


def _read_view(text: str) -> set[tuple[int, ...] | str]:
    """A receptive field as typed: "whole", or one side, or rows × columns (px or pixels allowed)."""
    lowered = text.strip().lower()
    if any(word in lowered for word in _WHOLE_WORDS):
        return {"whole"}
    lowered = re.sub(r"\b(px|pixels?)\b", " ", lowered)
    readings: set[tuple[int, ...] | str] = set()
    for shape in read_shapes(lowered):
        if len(shape) == 1:
            readings.add((shape[0], shape[0]))
        elif len(shape) == 2:
            readings.add(shape)
    return readings


def judge(text: object, found: Answer) -> Verdict:
    """Is `text` (what the student typed) the answer? Unreadable text is neither right nor wrong.

    >>> found = Answer(Quantity.output_shape, (13, 13, 32), "13×13×32", "", "")
    >>> [str(judge(t, found)) for t in ("13x13x32", "(None, 13, 13, 32)", "13×13×16", "big")]
    ['right', 'right', 'wrong', 'unreadable']
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        return Verdict.unreadable
    if found.quantity == Quantity.output_shape:
        readings = read_shapes(text)
        if not readings:
            return Verdict.unreadable
        return Verdict.right if tuple(found.value) in readings else Verdict.wrong
    if found.quantity == Quantity.receptive_field:
        views = _read_view(text)
        if not views:
            return Verdict.unreadable
        view = found.value
        right = {(view.rows, view.cols), *(("whole",) if view.whole else ())}
        return Verdict.right if views & right else Verdict.wrong
    number = read_number(text)
    if number is None:
        return Verdict.unreadable
    return Verdict.right if number == found.value else Verdict.wrong
