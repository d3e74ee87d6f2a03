"""The pictures of "How this layer works" say what the arithmetic says: the padded grid, the window at a step,
the output cells filled, the connections and the unrolled row — read back from the figures themselves."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.base import Term
from cnnlab.core.layer_types.settings import Padding
from cnnlab.core.layer_walk import layer_lesson
from cnnlab.core.presets import preset_spec
from cnnlab.insight.layer_picture import (
    FILLED,
    IMAGE_FILL,
    PADDING_FILL,
    TERM_COLOURS,
    connections_figure,
    unroll_figure,
    window_input_figure,
    window_output_figure,
)


def _cells(shape: dict) -> tuple[int, int, int, int]:
    """(top row, left column, bottom row, right column) of the cells a rectangle shape covers."""
    return (round(shape["y0"] + 0.5), round(shape["x0"] + 0.5), round(shape["y1"] - 0.5),
            round(shape["x1"] - 0.5))


def _area(shape: dict) -> int:
    top, left, bottom, right = _cells(shape)
    return (bottom - top + 1) * (right - left + 1)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["Conv2D", "MaxPooling2D"]), side=st.integers(3, 30),
       window=st.integers(1, 5), stride=st.integers(1, 3), padding=st.sampled_from(list(Padding)),
       channels=st.integers(1, 5), data=st.data())
def test_the_window_pictures_match_the_arithmetic(kind: str, side: int, window: int, stride: int,
                                                  padding: Padding, channels: int,
                                                  data: st.DataObject) -> None:
    layer = {"type": kind, "strides": stride, "padding": str(padding),
             "kernel_size" if kind == "Conv2D" else "pool_size": window}
    if kind == "Conv2D":
        layer["filters"] = 4
    analysis = analyze({"input_shape": [side, side + 1, channels], "layers": [layer]})
    if not analysis.ok:
        return
    lesson = layer_lesson(analysis, 1)
    out_rows, out_cols, out_channels = analysis.layers[0].output_shape
    number = data.draw(st.integers(0, out_rows * out_cols - 1))
    step = lesson.walk.step(number)
    top, bottom, left, right = lesson.walk.padding

    seen = window_input_figure(lesson, step).to_dict()["layout"]
    fills = {shape.get("fillcolor"): _cells(shape) for shape in seen["shapes"] if shape["type"] == "rect"}
    assert fills[PADDING_FILL] == (-top, -left, side - 1 + bottom, side + right)
    assert fills[IMAGE_FILL] == (0, 0, side - 1, side)
    window_shape = next(s for s in seen["shapes"] if s["type"] == "rect" and s.get("layer") == "above")
    assert _cells(window_shape) == (step.rows.start, step.cols.start, step.rows.stop - 1, step.cols.stop - 1)
    labels = [annotation["text"] for annotation in seen["annotations"]]
    assert f"{window} rows " in labels and f"{window} cols" in labels
    assert (any(label.startswith(f"× {channels} ") for label in labels)) == (channels > 1)

    made = window_output_figure(lesson, step).to_dict()["layout"]
    assert made["title"]["text"] == (f"Output {out_rows}×{out_cols}×{out_channels} · {number + 1:,} of "
                                     f"{out_rows * out_cols:,} cells filled")
    filled = [s for s in made["shapes"] if s.get("fillcolor") == FILLED]
    current = [s for s in made["shapes"] if s.get("fillcolor") in (TERM_COLOURS[Term.filters], "#555555")]
    assert sum(map(_area, filled)) + sum(map(_area, current)) == number + 1
    assert [_cells(s) for s in current] == [(*step.cell, *step.cell)]


def test_the_convnets_dense_layer_draws_its_connections() -> None:
    lesson = layer_lesson(analyze(preset_spec("convnet")), 7)
    figure = connections_figure(lesson).to_dict()
    labels = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    assert labels == ["576 inputs", "64 units"]
    weights = figure["data"][0]
    assert weights["x"].count(None) == 7 * 7  # the 8 shown nodes per side, less the "…"
    node_labels = [trace.get("text") for trace in figure["data"][3:]]
    assert node_labels[0][-1] == "576" and node_labels[1][-1] == "64" and "…" in node_labels[0]
    assert figure["layout"]["title"]["text"] == "Every input joined to every unit: 576 × 64 weights"


def test_flatten_draws_the_volume_and_its_row() -> None:
    lesson = layer_lesson(analyze(preset_spec("convnet")), 6)
    layout = unroll_figure(lesson).to_dict()["layout"]
    texts = [annotation["text"] for annotation in layout["annotations"]]
    assert "one row of 3 × 3 × 64 = 576 values" in texts and "image row 1: 192 values " in texts
    assert len(layout["shapes"]) == 2 * 3  # each of the 3 image rows and its stretch of the row


def test_every_term_has_a_colour() -> None:
    assert set(TERM_COLOURS) == set(Term)
