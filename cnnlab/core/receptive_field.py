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


@dataclass(frozen=True)
class PixelBox:
    """A block of input pixels, inclusive on every side: [top, left, bottom, right] (rows and columns counted
    from 0; an unclipped box may reach into the padding, before 0 or past the image)."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def rows(self) -> int:
        """Its height in pixels."""
        return self.bottom - self.top + 1

    @property
    def cols(self) -> int:
        """Its width in pixels."""
        return self.right - self.left + 1

    def to_json(self) -> list[int]:
        """[top, left, bottom, right], as `cnnlab explain --json` gives it."""
        return [self.top, self.left, self.bottom, self.right]


def placed_field(analysis: Analysis, position: int, cell: tuple[int, ...], *,
                 clip: bool = True) -> PixelBox | None:
    """Where output value `cell` of layer `position` (1-based) looks in the input image: the table's receptive
    field (`receptive_fields`) placed at the cell — found by asking each layer, from there back to the image,
    which of its input values it reads (`Layer.reads`). A layer the table says sees the whole image (it mixes
    every position) gets the whole image. Clipped to the image (the default), it leaves out the padding, and
    it is None for a value in a border of zeros, which sees no pixel. The layers up to `position` must be
    known (an analysed stack, `cell` inside its output).

    >>> from cnnlab.core.presets import preset_spec
    >>> from cnnlab.core.arithmetic import analyze
    >>> convnet = analyze(preset_spec("convnet"))
    >>> placed_field(convnet, 3, (4, 5, 0)).to_json()  # the table's 8×8 px, from row 8, column 10
    [8, 10, 15, 17]
    >>> placed_field(convnet, 7, (12,)).to_json()  # "whole image"
    [0, 0, 27, 27]
    """
    height, width = analysis.input_shape[0], analysis.input_shape[1]
    view = receptive_fields(analysis)[position - 1]
    if view is not None and view.whole:
        return PixelBox(0, 0, height - 1, width - 1)
    box: tuple[range, ...] = tuple(range(index, index + 1) for index in cell)
    for report in reversed(analysis.layers[:position]):
        box = report.layer.reads(report.input_shape, box)
    rows, cols = box[0], box[1]
    placed = PixelBox(rows.start, cols.start, rows.stop - 1, cols.stop - 1)
    if not clip:
        return placed
    clipped = PixelBox(max(placed.top, 0), max(placed.left, 0), min(placed.bottom, height - 1),
                       min(placed.right, width - 1))
    return clipped if clipped.rows > 0 and clipped.cols > 0 else None


def cell_problem(analysis: Analysis, position: int, cell: tuple[int, ...]) -> str | None:
    """Why output value `cell` of layer `position` (1-based, as in the table) cannot be traced, or None.

    A value of an image layer is (row, column, channel), of a flat layer (unit,), all counted from 0.

    >>> from cnnlab.core.presets import preset_spec
    >>> from cnnlab.core.arithmetic import analyze
    >>> cell_problem(analyze(preset_spec("convnet")), 3, (11, 0, 0))
    'layer 3 (Conv2D) has 11 rows (0–10); row 11 is outside it'
    """
    count = len(analysis.layers)
    if not 1 <= position <= count:
        return f"there is no layer {position}: the stack has layers 1–{count}"
    report = analysis.layers[position - 1]
    if not analysis.ok:
        return f"the stack has problems ({analysis.problems[0]}), so its values cannot be traced"
    shape = report.output_shape
    axes = ("row", "column", "channel") if len(shape) == 3 else ("unit",)
    where = f"layer {position} ({report.type})"
    if len(cell) != len(shape):
        return (f"{where} gives {'×'.join(map(str, shape))} values per image, so one of them is "
                f"{','.join(a.upper() for a in axes)}: {len(shape)} number{'s' if len(shape) > 1 else ''}, "
                f"not {len(cell)}")
    for axis, index, side in zip(axes, cell, shape, strict=True):
        if not 0 <= index < side:
            return f"{where} has {side:,} {axis}s (0–{side - 1:,}); {axis} {index:,} is outside it"
    return None
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
