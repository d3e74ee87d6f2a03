"""The text table of `cnnlab summary`: Keras's `model.summary()` layout plus the worked formulas."""

from __future__ import annotations

from cnnlab.core.advice import advise
from cnnlab.core.arithmetic import Analysis, LayerReport
from cnnlab.core.keras_args import layer_names
from cnnlab.core.receptive_field import receptive_fields

HEADERS = ("Layer (type)", "Output Shape", "Param #", "Param formula", "Shape formula", "Receptive field")


def format_bytes(count: int) -> str:
    """Bytes the way Keras's summary writes them.

    >>> format_bytes(243_496), format_bytes(512)
    ('237.79 KB', '512.00 B')
    """
    size = float(count)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _shape(report: LayerReport) -> str:
    if report.output_shape is None:
        return "?"
    return "(None, " + ", ".join(str(side) for side in report.output_shape) + ")"


def _rows(analysis: Analysis) -> list[tuple[str, ...]]:
    names = layer_names(analysis.spec.layers) if analysis.spec else tuple(
        f"layer_{r.position}" for r in analysis.layers)
    views = receptive_fields(analysis)
    return [(f"{name} ({r.type or '?'})", _shape(r), f"{r.params:,}" if r.output_shape else "?", r.formula,
             r.shape_formula, view.text() if view else "?")
            for name, r, view in zip(names, analysis.layers, views, strict=True)]


def render_summary(analysis: Analysis) -> str:
    """A table like Keras's `model.summary()` with the parameter and shape formulas, totals, hints, advice and
    problems.

    Example row: "conv2d_1 (Conv2D) │ (None, 26, 26, 16) │ 160 │ 16 × (3×3×1) + 16 = 160 │
    ⌊(28 − 3) / 1⌋ + 1 = 26 │ 3×3 px" (on one line).
    """
    rows = _rows(analysis)
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        padded = [cell.rjust(width) if i == 2 else cell.ljust(width) for i, (cell, width) in pairs]
        return " │ ".join(padded).rstrip()

    rule = "─┼─".join("─" * w for w in widths)
    shape = "×".join(str(side) for side in analysis.input_shape) if analysis.input_shape else "?"
    out = [f'Model: "{analysis.name or "sequential"}"   input {shape}', rule, line(HEADERS), rule]
    out += [line(row) for row in rows]
    out += [
        rule,
        f" Total params: {analysis.total_params:,} ({format_bytes(analysis.weight_bytes)})",
        f" Trainable params: {analysis.trainable_params:,}",
        f" Non-trainable params: {analysis.non_trainable_params:,}",
        f" Multiply-accumulates per image: {analysis.macs:,}",
    ]
    if analysis.output_shape is not None:
        out.append(f" Output: {'×'.join(str(side) for side in analysis.output_shape)}")
    hints = [f" layer {r.position} ({r.type}): {r.hint}" for r in analysis.layers if r.hint]
    if hints:
        out += ["", "Hints:", *hints]
    advice = [f" {piece}" for piece in advise(analysis)]
    if advice:
        out += ["", "Advice (the stack trains as it is; a teacher would point these out):", *advice]
    if analysis.problems:
        out += ["", "Problems:", *(f" {problem}" for problem in analysis.problems)]
    return "\n".join(out) + "\n"
