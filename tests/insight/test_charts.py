"""Plotly figure builders, checked on the data they plot."""

from __future__ import annotations

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import EpochRecord
from cnnlab.insight.charts import (
    UNKNOWN_COLOUR,
    confusion_figure,
    recent_batches,
    smoothed,
    stack_figure,
    training_figure,
)


def test_the_stack_picture_shows_each_shape_and_parameter_count_of_the_convnet() -> None:
    shapes, params = stack_figure(analyze(preset_spec("convnet"))).data
    assert list(shapes.x) == ["input", "1 Conv2D", "2 MaxPooling2D", "3 Conv2D", "4 MaxPooling2D", "5 Conv2D",
                              "6 Flatten", "7 Dense", "8 Dense"]
    assert list(shapes.text) == ["28×28×1", "26×26×16", "13×13×16", "11×11×32", "5×5×32", "3×3×64", "576",
                                 "64", "10"]
    assert list(shapes.y) == [784, 10816, 2704, 3872, 800, 576, 576, 64, 10]
    assert list(params.y) == [0, 160, 0, 4640, 0, 18496, 0, 36928, 650]
    assert params.customdata[3] == "32 × (3×3×16) + 32 = 4,640"


def test_a_layer_without_a_shape_is_a_red_question_mark_and_user_text_is_escaped() -> None:
    conv = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
    analysis = analyze({"layers": [{"type": "Flatten"}, {"type": "<b>Conv9D</b>"}, conv]})
    shapes, _ = stack_figure(analysis).data
    assert list(shapes.x) == ["input", "1 Flatten", "2 &lt;b&gt;Conv9D&lt;/b&gt;", "3 Conv2D"]
    assert list(shapes.text) == ["28×28×1", "784", "?", "?"]
    assert shapes.y[2] is None and shapes.marker.color[2] == UNKNOWN_COLOUR


def _epoch(epoch: int, loss: float | None, accuracy: float | None, val_loss: float | None,
           val_accuracy: float | None) -> EpochRecord:
    return EpochRecord(epoch, loss, accuracy, val_loss, val_accuracy, seconds=1.0, samples_per_second=100.0)


def test_training_curves_have_batch_lines_and_epoch_markers_over_the_planned_epochs() -> None:
    points = [(0.5, 0.9, 0.7), (1.0, 0.5, 0.85), (1.5, 0.4, None)]
    figure = training_figure(points, [_epoch(1, 0.5, 0.85, 0.3, 0.91)], planned_epochs=5)
    loss_batches, loss_line, loss_train, loss_val, acc_batches, _, acc_train, acc_val = figure.data
    assert loss_batches.name == "training, recent batches"
    assert loss_line.name == "training, recent batches (smoothed)"
    assert list(loss_batches.x) == [0.5, 1.0, 1.5]
    assert list(loss_batches.y) == pytest.approx([0.9, 0.1, 0.4])  # not the running mean, which restarts
    assert list(loss_line.y) == pytest.approx([0.9, 0.58, 0.508])
    assert list(acc_batches.y)[:2] == pytest.approx([0.7, 1.0]) and list(acc_batches.y)[2] is None
    assert (list(loss_train.x), list(loss_train.y), list(loss_val.y)) == ([1], [0.5], [0.3])
    assert (list(acc_train.y), list(acc_val.y)) == ([0.85], [0.91])
    assert figure.layout.xaxis.range == (0, 5.1)
    assert figure.layout.yaxis2.range == (0, 1.02)


def test_epochs_without_validation_get_no_validation_markers() -> None:
    figure = training_figure([], [_epoch(1, 0.5, 0.85, None, None)], planned_epochs=1)
    assert len(figure.data[3].x) == 0 and len(figure.data[7].x) == 0
    assert list(figure.data[2].x) == [1]


def test_the_confusion_matrix_puts_true_digits_on_rows_and_predictions_on_columns() -> None:
    matrix = [[0] * 10 for _ in range(10)]
    matrix[3][5] = 7
    matrix[3][3] = 1_000
    [heatmap] = confusion_figure(matrix).data
    assert heatmap.z[3][5] == 7 and heatmap.text[3][3] == "1,000"
    assert list(heatmap.x) == list(heatmap.y) == [str(d) for d in range(10)]
    figure = confusion_figure(matrix)
    assert figure.layout.xaxis.title.text == "predicted digit"
    assert figure.layout.yaxis.title.text == "true digit"


def test_recent_batches_undo_the_running_average_that_restarts_each_epoch() -> None:
    # a steady loss of 0.3 per batch in epoch 2 after 1.0 in epoch 1: Keras's running means read
    # 1.0, 1.0 | 0.3, 0.3 — the recent batches read the same, with no drop or jump in between
    points = [(0.5, 1.0, 0.5), (1.0, 1.0, 0.5), (1.5, 0.3, 0.9), (2.0, 0.3, 0.9)]
    recent = recent_batches(points)
    assert [x for x, _, _ in recent] == [0.5, 1.0, 1.5, 2.0]
    assert [loss for _, loss, _ in recent] == pytest.approx([1.0, 1.0, 0.3, 0.3])
    assert [accuracy for _, _, accuracy in recent] == pytest.approx([0.5, 0.5, 0.9, 0.9])
    # a falling loss: running means 2.0 then 1.5 over the whole epoch → the second half averaged 1.0
    assert recent_batches([(0.5, 2.0, None), (1.0, 1.5, None)]) == [(0.5, 2.0, None), (1.0, 1.0, None)]
    assert smoothed([None, 1.0, None, 0.0]) == [None, 1.0, None, 0.6]
