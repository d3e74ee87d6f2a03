"""The issue-7 figures: checked on their data, as the browser will receive it."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cnnlab.engine.jobs import EpochRecord
from cnnlab.insight.charts import smoothed
from cnnlab.insight.compare import RunSummary
from cnnlab.insight.inference_worker import ConvFilters, FeatureMaps
from cnnlab.insight.insight_charts import (
    BAR,
    GAP,
    HIGHLIGHT,
    accuracy_range,
    cell_images_figure,
    class_accuracy_figure,
    compare_curves_figure,
    confusion_select_figure,
    feature_maps_figure,
    filters_figure,
    image_grid,
    input_image_figure,
    params_accuracy_figure,
    probability_figure,
    selected_cells,
)
from cnnlab.insight.mistakes import CellExamples

MATRIX = [[98 if t == p else (2 if (t, p) == (4, 9) else 0) for p in range(10)] for t in range(10)]


def test_the_confusion_matrix_has_one_selectable_point_per_cell() -> None:
    figure = confusion_select_figure(MATRIX)
    heatmap, points = figure.data
    assert (heatmap.type, points.type) == ("heatmap", "scatter")
    assert heatmap.hoverinfo == "skip"
    np.testing.assert_allclose(heatmap.z, np.log1p(np.asarray(MATRIX)))
    assert heatmap.text[4][9] == "2" and heatmap.text[0][0] == "98"
    assert len(points.x) == 100
    assert (points.y[49], points.x[49], list(points.customdata[49])) == ("4", "9", [4, 9, 2])
    assert points.marker.opacity == 0 and points.selected.marker.opacity > 0
    assert figure.layout.hoverdistance == -1


@pytest.mark.parametrize(("event", "cells"), [
    ({"selection": {"points": [{"customdata": [4, 9, 2]}, {"customdata": [0, 0, 98]},
                               {"customdata": [4, 9, 2]}], "box": [], "lasso": []}}, [(0, 0), (4, 9)]),
    ({"selection": {"points": [{"customdata": [1.0, 7.0, 3]}, {"z": 5}, {"customdata": "x"}]}}, [(1, 7)]),
    ({"selection": {"points": [], "box": [{"x": [1, 2], "y": [3, 4]}], "lasso": []}}, []),
    ({"selection": {"points": "nonsense"}}, []),
    ({}, []),
    (None, []),
])
def test_selected_cells_are_read_from_the_streamlit_event(event: object, cells: list) -> None:
    assert selected_cells(event) == cells


def test_class_accuracy_bars_mark_the_weakest_digit() -> None:
    figure = class_accuracy_figure(MATRIX)
    bars = figure.data[0]
    assert list(bars.y) == pytest.approx([1.0] * 4 + [0.98] + [1.0] * 5)
    assert bars.text[4] == "98.0%" and bars.text[0] == "100.0%"
    assert bars.marker.color[4] == HIGHLIGHT and bars.marker.color[0] == BAR
    assert tuple(figure.layout.yaxis.range) == pytest.approx((0.96, 1.0))
    assert figure.layout.title.text == "Accuracy per digit (axis starts at 96%)"


def test_the_probability_bars_name_the_digit_read() -> None:
    probabilities = [0.01] * 10
    probabilities[7] = 0.91
    figure = probability_figure(probabilities)
    assert figure.layout.title.text == "Probability of each digit: 7 at 91.0%"
    assert figure.data[0].marker.color[7] == HIGHLIGHT and figure.data[0].marker.color[6] == BAR
    assert figure.data[0].text[7] == "91.0%"


def test_the_mosaic_puts_tiles_in_rows_with_gaps() -> None:
    tiles = [np.full((2, 3), value, dtype=np.float32) for value in (0.25, 0.5, 0.75)]
    figure = image_grid(tiles, ["a", "b", "c"], title="t", columns=2, colorscale="Viridis", value_label="v")
    z = np.asarray(figure.data[0].z, dtype=float)
    assert z.shape == (2 * 2 + GAP, 2 * 3 + GAP)
    np.testing.assert_array_equal(z[0:2, 0:3], 0.25)
    np.testing.assert_array_equal(z[0:2, 5:8], 0.5)
    np.testing.assert_array_equal(z[4:6, 0:3], 0.75)
    assert np.isnan(z[2:4, :]).all() and np.isnan(z[4:6, 5:8]).all()
    assert [(a.text, a.x) for a in figure.layout.annotations] == [("a", 1.0), ("b", 6.0), ("c", 1.0)]
    empty = image_grid([], [], title="Nothing here", columns=4, colorscale="Viridis", value_label="v")
    assert empty.layout.title.text == "Nothing here — nothing to show"


def test_input_image_shows_exactly_the_pixels() -> None:
    pixels = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    figure = input_image_figure(pixels)
    np.testing.assert_array_equal(np.asarray(figure.data[0].z, dtype=np.float32), pixels)
    assert (figure.data[0].zmin, figure.data[0].zmax) == (0.0, 1.0)


def _maps(shown: int, total: int) -> FeatureMaps:
    maps = np.arange(shown * 4 * 4, dtype=np.float32).reshape(shown, 4, 4) - 5
    return FeatureMaps(position=3, layer_name="conv2d_2", layer_type="Conv2D", shape=(4, 4, total), maps=maps,
                       channels_total=total)


def test_feature_maps_say_which_channels_they_show() -> None:
    capped = feature_maps_figure(_maps(2, 64))
    assert capped.layout.title.text == "layer 3 (Conv2D) · output 4×4×64 · showing the first 2 of 64 channels"
    assert [a.text for a in capped.layout.annotations] == ["ch 1", "ch 2"]
    z, raw = np.asarray(capped.data[0].z, dtype=float), np.asarray(capped.data[0].customdata, dtype=float)
    np.testing.assert_allclose(z[0:4, 0:4], (np.arange(16).reshape(4, 4)) / 15)  # each map to 0…1
    np.testing.assert_allclose(raw[0:4, 6:10], np.arange(16, 32).reshape(4, 4) - 5)  # hover: raw activation
    assert feature_maps_figure(_maps(2, 2)).layout.title.text == (
        "layer 3 (Conv2D) · output 4×4×2 · all 2 channels")


def test_filters_are_scaled_symmetrically() -> None:
    weights = np.array([[[-2.0, 1.0], [0.0, 0.5]], [[0.0, 0.0], [0.0, 0.0]]], dtype=np.float32)
    figure = filters_figure(ConvFilters(position=1, layer_name="conv2d_1", kernel_shape=(2, 2, 1, 32),
                                        weights=weights, filters_total=32))
    assert figure.layout.title.text == "layer 1 (Conv2D) · 2×2 kernels · showing the first 2 of 32 filters"
    z = np.asarray(figure.data[0].z, dtype=float)
    np.testing.assert_allclose(z[0:2, 0:2], [[-1.0, 0.5], [0.0, 0.25]])
    np.testing.assert_allclose(z[0:2, 4:6], 0.0)  # an all-zero kernel stays neutral
    assert (figure.data[0].zmin, figure.data[0].zmax) == (-1.0, 1.0)
    multi = filters_figure(ConvFilters(1, "conv2d_1", (2, 2, 3, 2), weights, 2))
    assert multi.layout.title.text == "layer 1 (Conv2D) · 2×2 kernels (input channel 1 of 3) · all 2 filters"


def test_cell_images_carry_index_and_confidence() -> None:
    images = np.zeros((10, 28, 28), dtype=np.uint8)
    images[7] = 255
    examples = CellExamples(4, 9, indices=np.array([7, 2]), confidence=np.array([0.874, 0.51]), total=5)
    figure = cell_images_figure(examples, images)
    assert figure.layout.title.text == "4 read as 9: 2 of 5, confidence shown"
    assert [a.text for a in figure.layout.annotations] == ["#7 · 87%", "#2 · 51%"]
    assert np.nanmax(np.asarray(figure.data[0].z, dtype=float)[:, :28]) == 1.0
    right = cell_images_figure(CellExamples(3, 3, np.array([1]), np.array([0.5]), 1), images)
    assert right.layout.title.text == "3 read correctly: all 1, confidence shown"


def _summary(run_id: str, label: str, params: int, accuracy: float | None, validation: bool) -> RunSummary:
    history = tuple(EpochRecord(epoch=e, loss=0.5 / e, accuracy=0.9 + e / 100, val_loss=0.6 / e if validation
                                else None, val_accuracy=0.89 if validation else None, seconds=5.0,
                                samples_per_second=1000.0) for e in (1, 2, 3))
    return RunSummary(run_id, label, label, params, params * 14, 3, 15.0, accuracy, 10_000, history, {})


def test_compare_curves_overlay_every_run() -> None:
    runs = [_summary("a", "#1 convnet", 60874, 0.9891, True), _summary("b", "#2 <b>wide</b>", 120000, 0.99,
                                                                      False)]
    figure = compare_curves_figure(runs)
    assert [(t.name, t.xaxis) for t in figure.data] == [
        ("#1 convnet · training, end of epoch", "x"), ("#1 convnet · validation", "x"),
        ("#1 convnet · training, end of epoch", "x2"), ("#1 convnet · validation", "x2"),
        ("#2 &lt;b&gt;wide&lt;/b&gt; · training, end of epoch", "x"),
        ("#2 &lt;b&gt;wide&lt;/b&gt; · training, end of epoch", "x2"),
    ]
    assert list(figure.data[0].y) == pytest.approx([0.5, 0.25, 0.5 / 3])
    assert figure.data[0].marker.color != figure.data[4].marker.color
    assert figure.data[1].line.dash == "dot"


def test_compare_curves_draw_each_runs_batches_within_its_epochs() -> None:
    """Two 1-epoch runs are two curves across the epoch (as Train drew them), not two lone points."""
    run = dataclasses.replace(_summary("a", "#1 convnet", 60874, 0.9891, True),
                              batch_points=((0.5, 1.0, 0.6), (1.0, 0.5, 0.8)))
    figure = compare_curves_figure([run])
    loss, accuracy = (trace for trace in figure.data if trace.name == "#1 convnet · training batches")
    assert list(loss.x) == [0.5, 1.0] and loss.mode == "lines"
    assert list(accuracy.y) == pytest.approx(smoothed([0.6, 1.0]))  # the second half of the epoch: 100 %
    assert figure.layout.xaxis.range[0] == 0


def test_params_against_accuracy_uses_a_log_axis_and_skips_untested_runs() -> None:
    runs = [_summary("a", "#1 convnet", 60874, 0.9891, True), _summary("b", "#2 mlp", 101770, None, True)]
    figure = params_accuracy_figure(runs)
    assert figure.layout.xaxis.type == "log"
    points = figure.data[0]
    assert (list(points.x), list(points.y), list(points.text)) == ([60874], [0.9891], ["#1 convnet"])
    assert math.isclose(points.customdata[0][0], 60874 * 14)


def test_accuracy_axes_stay_within_0_and_100_percent() -> None:
    assert accuracy_range([0.9891]) == pytest.approx([0.9391, 1.0])
    assert accuracy_range([0.02, None, 0.5]) == pytest.approx([0.0, 0.52])
    assert accuracy_range([]) == [0.0, 1.0]
    single = params_accuracy_figure([_summary("a", "#1 convnet", 60874, 0.9891, True)])
    assert list(single.layout.yaxis.range) == pytest.approx([0.9391, 1.0])  # not down to −50 %
    curves = compare_curves_figure([_summary("a", "#1 convnet", 60874, 0.9891, True)])
    low, high = curves.layout.yaxis2.range
    assert 0.0 <= low < high <= 1.0
