"""How much of the input image one output value of each layer depends on: its receptive field.

The Keras intro post says pooling "allows filters in the next layer to 'see' more of the image at once"; this
puts a number on it. Along each axis a layer with window k and stride s turns the field r and the jump j
(input pixels between neighbouring output values) of its input into r + (k − 1)·j and j·s: Conv2D and
pooling do that; ZeroPadding2D, BatchNormalization, Dropout and Flatten keep them (a flattened value is
still one position); a Dense on flat input and GlobalAveragePooling2D mix every position, so they see the
whole image. Each layer type says which (`Layer.receptive_step`); plain Python, from the analysed layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.core.arithmetic import Analysis, LayerReport
from cnnlab.core.layer_types.shapes import per_axis


@dataclass(frozen=True)
class View:
    """What one output value of a layer sees of the input image."""

    rows: int  # input rows between the first and the last pixel it depends on (whole image: its height)
    cols: int
    jump_rows: int  # input pixels between neighbouring output values, down
    jump_cols: int  # … and across
    whole: bool = False  # it depends on every pixel (after Dense on flat input or global pooling)

    def to_json(self) -> dict:
        """For `cnnlab summary --json`: {"rows": 18, "cols": 18, "whole_image": false}."""
        return {"rows": self.rows, "cols": self.cols, "whole_image": self.whole}

    def text(self) -> str:
        """For the Build table: "5×5 px", or "whole image"."""
        return "whole image" if self.whole else f"{self.rows}×{self.cols} px"


INPUT_VIEW = View(1, 1, 1, 1)  # each pixel of the input image sees itself


def _next(view: View, report: LayerReport, image: tuple[int, int]) -> View:
    """The view after `report`'s layer (its output is known, so are the layer and its input), given the view
    of its input."""
    step = report.layer.receptive_step(report.input_shape)
    if step.whole:
        return view if view.whole else View(image[0], image[1], view.jump_rows, view.jump_cols, whole=True)
    (k_rows, k_cols), (s_rows, s_cols) = step.window, step.strides
    return View(view.rows + (k_rows - 1) * view.jump_rows, view.cols + (k_cols - 1) * view.jump_cols,
                view.jump_rows * s_rows, view.jump_cols * s_cols, view.whole)


def receptive_fields(analysis: Analysis) -> tuple[View | None, ...]:
    """One view per layer of `analysis`; None from the first layer whose output is unknown on.

    The Keras intro post's convnet: 3×3, 4×4, 8×8, 10×10, 18×18 px, then 18×18 for Flatten and the whole
    image for both Dense layers.
    """
    if analysis.input_shape is None or len(analysis.input_shape) != 3:
        return tuple(None for _ in analysis.layers)
    image = (analysis.input_shape[0], analysis.input_shape[1])
    view: View | None = INPUT_VIEW
    views: list[View | None] = []
    for report in analysis.layers:
        view = _next(view, report, image) if view is not None and report.output_shape is not None else None
        views.append(view)
    return tuple(views)


def view_formula(analysis: Analysis, position: int) -> str:
    """How the receptive field of layer `position` (1-based) follows from the one before it, worked out;
    "" when it is unknown. A window k sliding over values j pixels apart adds (k − 1)·j pixels.

    >>> from cnnlab.core.arithmetic import analyze
    >>> from cnnlab.core.presets import preset_spec
    >>> view_formula(analyze(preset_spec("convnet")), 3)  # 3×3 kernels after 2×2 pooling
    '4 + (3 − 1) × 2 = 8 px a side'
    """
    views = receptive_fields(analysis)
    if not 1 <= position <= len(views) or views[position - 1] is None:
        return ""
    before = INPUT_VIEW if position == 1 else views[position - 2]
    after, report = views[position - 1], analysis.layers[position - 1]
    if before.whole:
        return "the layer before already sees the whole image"
    if after.whole:
        return f"{report.type} mixes every position, so each value sees the whole image"
    step = report.layer.receptive_step(report.input_shape)
    if step.window == (1, 1):
        return f"one value at a time: the same as the layer before, {after.text()}"
    (k_rows, k_cols) = step.window
    rows = f"{before.rows} + ({k_rows} − 1) × {before.jump_rows} = {after.rows}"
    cols = f"{before.cols} + ({k_cols} − 1) × {before.jump_cols} = {after.cols}"
    return f"{per_axis(rows, cols)} px{' a side' * (rows == cols)}"
