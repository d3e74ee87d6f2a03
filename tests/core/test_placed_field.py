"""Where one value looks in the image: the table's receptive field placed at the cell (`placed_field`, found
through each layer's `reads`) against the table's own sizes and an offset worked out independently from the
layers' settings; and the checks on a layer number and a cell (`cell_problem`)."""

from __future__ import annotations

import random

from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.layer_types.conv2d import Conv2D
from cnnlab.core.layer_types.pooling import Pooling2D
from cnnlab.core.layer_types.shapes import axis_padding
from cnnlab.core.layer_types.zero_padding import ZeroPadding2D
from cnnlab.core.presets import preset_spec
from cnnlab.core.receptive_field import PixelBox, cell_problem, placed_field, receptive_fields
from cnnlab.testing.stacks import random_valid_stack


def _first_pixels(analysis: Analysis) -> list[tuple[int, int]]:
    """Per layer, the input row and column where the field of its output (0, 0) starts, unclipped: each
    window's leading padding, in the input pixels of that layer, moves it up and left (worked out from the
    settings, not from `reads`)."""
    start, jump, starts = [0, 0], [1, 1], []
    for report in analysis.layers:
        layer = report.layer
        step = layer.receptive_step(report.input_shape)
        for axis in (0, 1):
            before = 0
            if isinstance(layer, Conv2D | Pooling2D):
                window = layer.kernel_size if isinstance(layer, Conv2D) else layer.pool_size
                before = axis_padding(report.input_shape[axis], window[axis], layer.strides[axis],
                                      layer.padding)[0]
            elif isinstance(layer, ZeroPadding2D):
                before = layer.padding[axis][0]
            start[axis] -= before * jump[axis]
            jump[axis] *= step.strides[axis]
        starts.append((start[0], start[1]))
    return starts


def test_the_tables_field_placed_at_random_cells_of_random_stacks() -> None:
    rng = random.Random(2023)
    checked = 0
    for _ in range(120):
        analysis = analyze(random_valid_stack(rng, max_layers=7))
        height, width = analysis.input_shape[:2]
        views = receptive_fields(analysis)
        starts = _first_pixels(analysis)
        for report, view, (top0, left0) in zip(analysis.layers, views, starts, strict=True):
            shape = report.output_shape
            cell = tuple(rng.randrange(side) for side in shape)
            placed = placed_field(analysis, report.position, cell)
            if view.whole:
                assert placed == PixelBox(0, 0, height - 1, width - 1)
                continue
            if len(shape) != 3:
                continue  # a flat layer that still sees one position (Flatten): its cell is a position's unit
            unclipped = placed_field(analysis, report.position, cell, clip=False)
            assert (unclipped.rows, unclipped.cols) == (view.rows, view.cols)  # the table's size
            assert (unclipped.top, unclipped.left) == (top0 + cell[0] * view.jump_rows,
                                                        left0 + cell[1] * view.jump_cols)
            expected = PixelBox(max(unclipped.top, 0), max(unclipped.left, 0),
                                min(unclipped.bottom, height - 1), min(unclipped.right, width - 1))
            assert placed == (expected if expected.rows > 0 and expected.cols > 0 else None)
            checked += 1
    assert checked > 150


def test_the_reference_convnet_by_hand() -> None:
    convnet = analyze(preset_spec("convnet"))
    assert placed_field(convnet, 1, (0, 0, 5)).to_json() == [0, 0, 2, 2]
    assert placed_field(convnet, 2, (12, 12, 0)).to_json() == [24, 24, 27, 27]
    assert placed_field(convnet, 5, (2, 2, 63)).to_json() == [8, 8, 25, 25]  # 18×18 px
    assert placed_field(convnet, 8, (9,)).to_json() == [0, 0, 27, 27]  # "whole image"


def test_same_padding_and_a_border_are_clipped_away() -> None:
    analysis = analyze({"input_shape": [28, 28, 1], "layers": [
        {"type": "ZeroPadding2D", "padding": 3},
        {"type": "Conv2D", "filters": 1, "kernel_size": 5, "padding": "same"}]})
    assert placed_field(analysis, 1, (0, 0, 0)) is None  # in the border: it sees no pixel
    assert placed_field(analysis, 1, (3, 3, 0)).to_json() == [0, 0, 0, 0]
    assert placed_field(analysis, 2, (0, 0, 0), clip=False).to_json() == [-5, -5, -1, -1]
    assert placed_field(analysis, 2, (0, 0, 0)) is None
    assert placed_field(analysis, 2, (5, 4, 0)).to_json() == [0, 0, 4, 3]  # rows 0–4, columns −1–3


def test_cell_problems_name_the_layer_and_the_coordinate() -> None:
    convnet = analyze(preset_spec("convnet"))
    assert cell_problem(convnet, 3, (10, 10, 31)) is None
    assert cell_problem(convnet, 7, (63,)) is None
    assert cell_problem(convnet, 0, (0,)) == "there is no layer 0: the stack has layers 1–8"
    assert cell_problem(convnet, 9, (0,)) == "there is no layer 9: the stack has layers 1–8"
    assert cell_problem(convnet, 3, (0, 11, 0)) == (
        "layer 3 (Conv2D) has 11 columns (0–10); column 11 is outside it")
    assert cell_problem(convnet, 3, (0, 0, 32)) == (
        "layer 3 (Conv2D) has 32 channels (0–31); channel 32 is outside it")
    assert cell_problem(convnet, 3, (-1, 0, 0)) == "layer 3 (Conv2D) has 11 rows (0–10); row -1 is outside it"
    assert cell_problem(convnet, 8, (10,)) == "layer 8 (Dense) has 10 units (0–9); unit 10 is outside it"
    assert cell_problem(convnet, 7, (1, 2, 3)) == (
        "layer 7 (Dense) gives 64 values per image, so one of them is UNIT: 1 number, not 3")
    broken = analyze({"input_shape": [4, 4, 1],
                      "layers": [{"type": "Conv2D", "filters": 2, "kernel_size": 5}]})
    assert cell_problem(broken, 1, (0, 0, 0)).startswith("the stack has problems (layer 1 (Conv2D): kernel")
