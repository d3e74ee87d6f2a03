"""How this layer works, in numbers: the window walk against the arithmetic (one step per output cell, the
padding TensorFlow adds), the formula's pieces against the table's formula, the named terms, the lessons."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.base import PictureKind, Term, formula_text
from cnnlab.core.layer_types.settings import Padding
from cnnlab.core.layer_types.shapes import axis_padding
from cnnlab.core.layer_walk import layer_lesson, named_terms
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.testing.stacks import random_valid_stack

WINDOW_TYPES = ("Conv2D", "MaxPooling2D", "AveragePooling2D")


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(WINDOW_TYPES), height=st.integers(1, 40), width=st.integers(1, 40),
       channels=st.integers(1, 4), window=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       strides=st.tuples(st.integers(1, 4), st.integers(1, 4)), padding=st.sampled_from(list(Padding)))
def test_the_window_takes_one_step_per_output_cell(kind: str, height: int, width: int, channels: int,
                                                   window: tuple[int, int], strides: tuple[int, int],
                                                   padding: Padding) -> None:
    size_key = "kernel_size" if kind == "Conv2D" else "pool_size"
    layer = {"type": kind, size_key: list(window), "strides": list(strides), "padding": str(padding)}
    if kind == "Conv2D":
        layer["filters"] = 3
    analysis = analyze({"input_shape": [height, width, channels], "layers": [layer]})
    if not analysis.ok:  # a valid window larger than the image: Keras refuses it too
        assert padding == Padding.valid and (window[0] > height or window[1] > width)
        assert layer_lesson(analysis, 1) is None
        return
    out_rows, out_cols = analysis.layers[0].output_shape[:2]
    walk = layer_lesson(analysis, 1).walk
    assert walk.steps == out_rows * out_cols
    assert walk.window == window
    top, bottom, left, right = walk.padding
    assert (top, bottom) == axis_padding(height, window[0], strides[0], padding)
    assert (left, right) == axis_padding(width, window[1], strides[1], padding)
    cells = []
    for number in range(walk.steps):
        step = walk.step(number)
        cells.append(step.cell)
        assert step.filled == number + 1
        assert (len(step.rows), len(step.cols)) == window
        assert -top <= step.rows.start and step.rows.stop <= height + bottom  # inside the padded input
        assert -left <= step.cols.start and step.cols.stop <= width + right
        assert (step.rows.start + top, step.cols.start + left) == (step.cell[0] * strides[0],
                                                                   step.cell[1] * strides[1])
    assert cells == [(row, col) for row in range(out_rows) for col in range(out_cols)]  # row by row, once


def test_the_reference_convnets_third_layer() -> None:
    lesson = layer_lesson(analyze(preset_spec("convnet")), 3)
    assert (lesson.type, lesson.picture, lesson.params) == ("Conv2D", PictureKind.window, 4640)
    assert formula_text(lesson.pieces) == "32 × (3×3×16) + 32 = 4,640"
    assert [(piece.text, piece.term) for piece in lesson.pieces if piece.term] == [
        ("32", Term.filters), ("3", Term.kernel_rows), ("3", Term.kernel_cols), ("16", Term.input_channels),
        ("32", Term.biases)]
    assert [words for words, _ in named_terms(lesson.pieces)] == [
        "32 filters", "3 kernel rows", "3 kernel columns", "16 input channels", "32 biases, one per filter"]
    assert (lesson.walk.steps, lesson.walk.window, lesson.walk.padding) == (121, (3, 3), (0, 0, 0, 0))
    assert lesson.walk.step(1).cell == (0, 1) and lesson.walk.step(11).cell == (1, 0)
    assert "32 filters, each a 3×3×16 block of weights" in lesson.words
    assert "11×11 positions" in lesson.words and "applies relu" in lesson.words


def test_every_layers_formula_pieces_spell_the_tables_formula() -> None:
    rng = random.Random(23)
    specs = [preset.spec for preset in PRESETS.values()] + [random_valid_stack(rng) for _ in range(60)]
    checked = 0
    for spec in specs:
        analysis = analyze(spec)
        for report in analysis.layers:
            lesson = layer_lesson(analysis, report.position)
            assert lesson is not None
            assert lesson.shape_formula == report.shape_formula and lesson.params == report.params
            if lesson.pieces:
                assert formula_text(lesson.pieces) == report.formula
                checked += 1
            else:
                assert report.params == 0
    assert checked > 60


def test_each_picture_kind_has_what_it_draws() -> None:
    lenot = analyze(preset_spec("lenot"))
    border = layer_lesson(lenot, 1)
    assert border.picture == PictureKind.border and border.walk.padding == (2, 2, 2, 2)
    assert border.walk.steps == 32 * 32
    flatten, dense = layer_lesson(lenot, 6), layer_lesson(lenot, 7)
    assert (flatten.picture, flatten.walk, flatten.output_shape) == (PictureKind.unroll, None, (400,))
    assert "5 × 5 × 16 = 400 values" in flatten.words
    assert dense.picture == PictureKind.connections and dense.walk is None
    assert (dense.params, dense.total_params) == (48120, 61706)
    convnet_dense = layer_lesson(analyze(preset_spec("convnet")), 7)
    assert (convnet_dense.params, convnet_dense.total_params) == (36928, 60874)
    assert round(convnet_dense.share, 4) == 0.6066
    pooled = layer_lesson(analyze({"input_shape": [6, 4, 3],
                                   "layers": [{"type": "GlobalAveragePooling2D"}]}), 1)
    assert (pooled.walk.steps, pooled.walk.window) == (1, (6, 4))
    assert "0 parameters: pooling only compares or averages." in pooled.words


def test_batch_normalization_and_dropout_are_told_in_words() -> None:
    analysis = analyze(preset_spec("batchnorm"))
    normalising = next(r for r in analysis.layers if r.type == "BatchNormalization")
    lesson = layer_lesson(analysis, normalising.position)
    channels = normalising.output_shape[-1]
    assert lesson.picture == PictureKind.elementwise and lesson.walk is None
    assert "4 numbers per channel, of which 2 are trained" in lesson.words
    assert [words for words, _ in named_terms(lesson.pieces)] == [f"{channels} channels"]
    dropout = layer_lesson(analysis, next(r.position for r in analysis.layers if r.type == "Dropout"))
    assert dropout.picture == PictureKind.elementwise and not dropout.pieces
    assert "a random 25% of the values to 0" in dropout.words
    assert "When predicting it does nothing" in dropout.words


def test_a_layer_whose_shape_is_unknown_has_no_lesson() -> None:
    analysis = analyze({"input_shape": [4, 4, 1], "layers": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 5}, {"type": "Flatten"}]})
    assert layer_lesson(analysis, 1) is None and layer_lesson(analysis, 2) is None
    assert layer_lesson(analysis, 3) is None and layer_lesson(analysis, 0) is None
