"""Advice at the layer: what a teacher would point out in a stack Keras builds without complaint — two linear
layers that collapse into one, softmax before the end, no activation at all, a window larger than the image
it gets, one Dense layer holding most of the weights, Dropout at the very start or end, BatchNormalization
after the softmax. Each piece names its layer, says why in one line and how to fix it. Advice never blocks:
the stack still trains as it is. Plain Python over an analysis (`arithmetic.analyze`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.arithmetic import Analysis, LayerReport
from cnnlab.core.layer_types.base import PictureKind
from cnnlab.core.layer_types.batch_normalization import BatchNormalization
from cnnlab.core.layer_types.dropout import Dropout
from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.layer_types.shapes import format_shape

RELU = '"relu"'


class Rule(StrEnum):
    """What a piece of advice is about."""

    linear_pair = "linear_pair"  # two linear layers with nothing non-linear between them
    softmax_inside = "softmax_inside"  # softmax on a layer that is not the last
    no_activation = "no_activation"  # not one activation in the whole stack
    shrinks_below_window = "shrinks_below_window"  # the image gets smaller than the next kernel or pool
    dense_holds_most = "dense_holds_most"  # one Dense layer holds most of the weights
    dropout_at_edge = "dropout_at_edge"  # Dropout as the very first or last layer
    batchnorm_after_softmax = "batchnorm_after_softmax"


@dataclass(frozen=True)
class Advice:
    """One piece of advice at one layer: why, in one line, and the fix."""

    position: int  # 1-based
    type: str
    rule: Rule
    reason: str
    fix: str

    def __str__(self) -> str:
        """"layer 7 (Dense): <reason> — <fix>"."""
        return f"layer {self.position} ({self.type}): {self.reason} — {self.fix}"

    def to_json(self) -> dict:
        """For `cnnlab summary --json`: position, type, rule, reason, fix."""
        return {"position": self.position, "type": self.type, "rule": str(self.rule), "reason": self.reason,
                "fix": self.fix}


def _known(analysis: Analysis) -> list[LayerReport]:
    """The layers read and placed: their settings and input shape are known (those above a problem)."""
    known = []
    for report in analysis.layers:
        if report.layer is None or report.input_shape is None:
            break
        known.append(report)
    return known


def _linear_pairs(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """A layer with a linear activation after another one, with only linear layers between them."""
    pending: LayerReport | None = None  # the last linear layer with an activation setting
    for report in reports:
        activation = report.layer.activation_setting()
        if activation is None:
            pending = pending if report.layer.is_linear() else None
            continue
        if activation == Activation.linear and pending is not None:
            yield Advice(report.position, report.type, Rule.linear_pair, (
                f"layers {pending.position} ({pending.type}) and {report.position} ({report.type}) collapse "
                "into one linear layer: with no activation between them, one layer with the right weights "
                "would compute exactly the same"),
                f"give layer {pending.position} an activation such as {RELU}")
        pending = report if activation == Activation.linear else None


def _softmax_inside(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """Softmax on any layer but the last."""
    for report in reports[:-1]:
        if report.layer.activation_setting() == Activation.softmax:
            yield Advice(report.position, report.type, Rule.softmax_inside, (
                "softmax squeezes this layer's values into probabilities that add up to 1, which only the "
                "last layer's answers should be: here it hides from the next layers how strong each value "
                "is"),
                f'use {RELU} here and keep "softmax" for the last layer')


def _no_activation(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """Every layer with an activation setting left linear (shown at the last of them)."""
    activated = [r for r in reports if r.layer.activation_setting() is not None]
    if not activated or any(r.layer.activation_setting() != Activation.linear for r in activated):
        return
    apart = ", apart from its max pooling," if any(not r.layer.is_linear() for r in reports) else ""
    last = activated[-1]
    yield Advice(last.position, last.type, Rule.no_activation, (
        f"no layer of this stack has an activation, so{apart} the whole network is one linear function of "
        "the pixels: it can only tell digits apart that a straight cut through the pixel space separates"),
        f'use {RELU} on the hidden layers and "softmax" on the last one, whose outputs are then '
        "probabilities")


def _shrinks_below_window(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """A window or stride that leaves the image smaller than the next layer's kernel or pool."""
    for index, report in enumerate(reports):
        out = report.output_shape
        step = report.layer.receptive_step(report.input_shape)
        moves = step.window != (1, 1) or step.strides != (1, 1)
        if out is None or len(out) != 3 or step.whole or not moves or out[:2] == report.input_shape[:2]:
            continue
        following = _next_window(reports[index + 1:])
        if following is None:
            continue
        after, window = following
        what = "does not fit at all" if after.problems else "mostly sees the border of zeros"
        yield Advice(report.position, report.type, Rule.shrinks_below_window, (
            f"shrinks the image to {format_shape(after.input_shape[:2])}, smaller than the {window[0]}×"
            f"{window[1]} window of layer {after.position} ({after.type}), which then {what}"),
            f"use a smaller window or stride here, a smaller window in layer {after.position}, or leave this "
            "layer out")


def _next_window(reports: Sequence[LayerReport]) -> tuple[LayerReport, tuple[int, int]] | None:
    """The next layer that slides a window over the image, with its window, if it is larger than its input;
    layers that keep positions (normalisation, dropout, a border) are passed over."""
    for report in reports:
        if len(report.input_shape) != 3:
            return None
        step = report.layer.receptive_step(report.input_shape)
        if step.whole:
            return None
        if step.window != (1, 1) or step.strides != (1, 1):
            fits = all(side <= size for side, size in zip(step.window, report.input_shape, strict=False))
            return None if fits else (report, step.window)
    return None


def _dense_holds_most(reports: Sequence[LayerReport], total: int) -> Iterator[Advice]:
    """One fully connected layer with more than half of the weights of a stack with other weighted layers."""
    if sum(1 for r in reports if r.params) < 2:
        return
    for index, report in enumerate(reports):
        if report.layer.picture == PictureKind.connections and 2 * report.params > total:
            inputs = f"its {report.input_shape[-1]:,} inputs"
            windows = any(r.layer.picture == PictureKind.window for r in reports[:index])
            shrink = (f"shrink {inputs} (one more pooling layer, or fewer filters, before the Flatten)"
                      if windows else f"add Conv2D and pooling layers before the Flatten to shrink {inputs}")
            share = f"{100 * report.params / total:.0f} %"
            yield Advice(report.position, report.type, Rule.dense_holds_most, (
                f"holds {report.params:,} of the stack's {total:,} weights ({share}): most of what the "
                "network learns sits in this one table of connections, where it tends to memorise the "
                "training images rather than learn shapes"), f"{shrink}, or give it fewer units")


def _dropout_at_edge(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """Dropout as the very first layer (on the pixels) or the very last (on the answers)."""
    if reports and isinstance(reports[0].layer, Dropout):
        first = reports[0]
        yield Advice(first.position, first.type, Rule.dropout_at_edge, (
            "Dropout as the first layer blanks out random pixels of the image itself, not learned features"),
            "put Dropout after a hidden layer, e.g. just before the last Dense")
    if len(reports) > 1 and isinstance(reports[-1].layer, Dropout):
        last = reports[-1]
        yield Advice(last.position, last.type, Rule.dropout_at_edge, (
            "Dropout as the last layer zeroes some of the network's answers while training (and does nothing "
            "when predicting)"), "move it before the last Dense layer")


def _batchnorm_after_softmax(reports: Sequence[LayerReport]) -> Iterator[Advice]:
    """BatchNormalization anywhere after a softmax."""
    softmax: LayerReport | None = None
    for report in reports:
        if softmax is not None and isinstance(report.layer, BatchNormalization):
            yield Advice(report.position, report.type, Rule.batchnorm_after_softmax, (
                f"normalises the probabilities made by the softmax of layer {softmax.position}, so they no "
                "longer add up to 1"), f"move it before layer {softmax.position}, or leave it out")
        if report.layer.activation_setting() == Activation.softmax:
            softmax = report


_RULES: tuple[Callable[[Sequence[LayerReport]], Iterator[Advice]], ...] = (
    _linear_pairs, _softmax_inside, _no_activation, _shrinks_below_window, _dropout_at_edge,
    _batchnorm_after_softmax)


def advise(analysis: Analysis) -> tuple[Advice, ...]:
    """Every piece of advice for the stack, by layer (layers after a problem are left out).

    >>> from cnnlab.core.arithmetic import analyze
    >>> from cnnlab.core.presets import preset_spec
    >>> [str(a)[:66] for a in advise(analyze(preset_spec("convnet")))]
    ["layer 7 (Dense): holds 36,928 of the stack's 60,874 weights (61 %)"]
    """
    reports = _known(analysis)
    found = [advice for rule in _RULES for advice in rule(reports)]
    found += _dense_holds_most(reports, analysis.total_params)
    return tuple(sorted(found, key=lambda advice: advice.position))


def advice_by_layer(analysis: Analysis) -> dict[int, tuple[Advice, ...]]:
    """`advise`, grouped by layer position (layers without advice left out)."""
    grouped: dict[int, list[Advice]] = {}
    for advice in advise(analysis):
        grouped.setdefault(advice.position, []).append(advice)
    return {position: tuple(items) for position, items in grouped.items()}
