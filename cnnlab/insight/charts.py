"""Plotly figures for the pages: the stack picture, the training curves, the confusion matrix.

Figure builders only (plotly, no Streamlit), so they are tested on their data. Text that came from a
student (layer type names) is HTML-escaped, since Plotly renders a subset of HTML in labels.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab.core.arithmetic import Analysis
from cnnlab.core.datasets import Dataset
from cnnlab.core.layer_types.shapes import format_shape

if TYPE_CHECKING:
    from cnnlab.engine.jobs import EpochRecord

INPUT_COLOUR = "#54A24B"
UNKNOWN_COLOUR = "#E45756"
TRAIN_COLOUR = "#4C78A8"
VALIDATION_COLOUR = "#F58518"


def stack_figure(analysis: Analysis) -> go.Figure:
    """The tensor flowing through the stack: values per sample after each layer (log scale, labelled with
    the shape) above, and each layer's parameters below, in its layer type's colour. A layer whose shape is
    unknown shows a red "?".

    Example: for the convnet the top row reads 28×28×1, 26×26×16, 13×13×16, … 10 and the bottom row
    0, 160, 0, 4,640, 0, 18,496, 0, 36,928, 650.
    """
    labels = ["input"] + [f"{r.position} {html.escape(r.type or '?')}" for r in analysis.layers]
    shapes = [analysis.input_shape] + [r.output_shape for r in analysis.layers]
    sizes = [math.prod(s) if s else 0 for s in shapes]
    colours = [INPUT_COLOUR] + [r.layer.colour if r.layer and r.output_shape else UNKNOWN_COLOUR
                                for r in analysis.layers]
    params = [0] + [r.params for r in analysis.layers]
    formulas = ["the image"] + [html.escape(r.formula or "no weights") for r in analysis.layers]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4],
                           subplot_titles=("Values per image after each layer (log scale)",
                                           "Parameters per layer"))
    figure.add_trace(go.Bar(
        x=labels, y=[size or None for size in sizes], marker_color=colours, name="output",
        text=[format_shape(s) if s else "?" for s in shapes], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}<br>output %{text}<br>%{y:,} values<extra></extra>",
    ), row=1, col=1)
    figure.add_trace(go.Bar(
        x=labels, y=params, marker_color=colours, name="parameters", customdata=formulas,
        text=[f"{p:,}" if p else "" for p in params], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}<br>%{customdata}<extra></extra>",
    ), row=2, col=1)
    figure.update_yaxes(type="log", showticklabels=False, row=1, col=1)
    figure.update_yaxes(showticklabels=False, rangemode="tozero", row=2, col=1)
    figure.update_layout(showlegend=False, height=460, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         bargap=0.25, uniformtext_minsize=9)
    return figure


SMOOTHING = 0.6  # weight of the previous smoothed value in the batch curve's moving average


def recent_batches(batch_points: Sequence[tuple[float, float, float | None]]
                   ) -> list[tuple[float, float, float | None]]:
    """The loss and accuracy of the batches since the previous point, from Keras's running averages (which
    restart every epoch, so plotted as they are they drop at each epoch's start).

    Within an epoch the running mean m after a fraction f of it covers f of its images, so the batches
    between two points (f₁, m₁) and (f₂, m₂) averaged (m₂f₂ − m₁f₁) / (f₂ − f₁).
    Example: [(0.5, 0.9, 0.7), (1.0, 0.5, 0.85), (1.5, 0.4, None)] → [(0.5, 0.9, 0.7), (1.0, 0.1, 1.0),
    (1.5, 0.4, None)].
    """
    recent: list[tuple[float, float, float | None]] = []
    previous: tuple[int, float, float, float | None] | None = None  # (epoch, fraction, loss, accuracy)
    for x, loss, accuracy in batch_points:
        epoch = max(math.ceil(x) - 1, 0)
        fraction = x - epoch
        if previous is not None and previous[0] == epoch and fraction > previous[1]:
            _, before, loss_before, accuracy_before = previous
            span = fraction - before
            new_loss = max(0.0, (loss * fraction - loss_before * before) / span)
            new_accuracy = None if accuracy is None or accuracy_before is None else min(1.0, max(
                0.0, (accuracy * fraction - accuracy_before * before) / span))
        else:
            new_loss, new_accuracy = loss, accuracy
        recent.append((x, new_loss, new_accuracy))
        previous = (epoch, fraction, loss, accuracy)
    return recent


def smoothed(values: Sequence[float | None]) -> list[float | None]:
    """An exponential moving average (`SMOOTHING` on the past) that carries over gaps (None stays None).

    Example: [0.9, 0.1, 0.4] → [0.9, 0.58, 0.508].
    """
    average: float | None = None
    result: list[float | None] = []
    for value in values:
        if value is not None:
            average = value if average is None else SMOOTHING * average + (1 - SMOOTHING) * value
        result.append(None if value is None else average)
    return result


def training_figure(batch_points: Sequence[tuple[float, float, float | None]], epochs: Sequence[EpochRecord],
                    planned_epochs: int) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs: faint points for the batches since the previous
    point (x = fractional epoch; see `recent_batches`), a smoothed line through them, and a marker per
    finished epoch for training and validation. The x axis spans all `planned_epochs`, so the curve visibly
    grows towards the end; the accuracy axis spans 0–100 %. Missing figures (None) leave gaps.

    Example: batch_points [(0.5, 0.9, 0.7), (1.0, 0.5, 0.85)] and one epoch record (loss 0.5, accuracy 0.85,
    val_loss 0.3, val_accuracy 0.91) give two faint batch points (losses 0.9 and 0.1), a line through them,
    and, at epoch 1, one training and one validation marker in each panel.
    """
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.1)
    recent = recent_batches(batch_points)
    batch_x = [p[0] for p in recent]
    for col, index in ((1, 1), (2, 2)):
        values = [p[index] for p in recent]
        figure.add_trace(go.Scatter(
            x=batch_x, y=values, mode="markers", name="training, recent batches",
            marker={"color": TRAIN_COLOUR, "size": 4}, opacity=0.3, legendgroup="batches",
            showlegend=col == 1,
        ), row=1, col=col)
        figure.add_trace(go.Scatter(
            x=batch_x, y=smoothed(values), mode="lines", name="training, recent batches (smoothed)",
            line={"color": TRAIN_COLOUR, "width": 1.5}, legendgroup="smoothed", showlegend=col == 1,
        ), row=1, col=col)
        figure.add_trace(go.Scatter(
            x=[e.epoch for e in epochs], y=[e.loss if col == 1 else e.accuracy for e in epochs],
            mode="markers+lines", name="training, end of epoch", marker={"color": TRAIN_COLOUR, "size": 9},
            line={"color": TRAIN_COLOUR, "dash": "dot"}, legendgroup="train", showlegend=col == 1,
        ), row=1, col=col)
        validated = [e for e in epochs if e.val_loss is not None]
        figure.add_trace(go.Scatter(
            x=[e.epoch for e in validated], y=[e.val_loss if col == 1 else e.val_accuracy for e in validated],
            mode="markers+lines", name="validation, end of epoch",
            marker={"color": VALIDATION_COLOUR, "size": 9},
            line={"color": VALIDATION_COLOUR, "dash": "dot"}, legendgroup="validation", showlegend=col == 1,
        ), row=1, col=col)
    last_x = max([planned_epochs, *batch_x])
    figure.update_xaxes(title_text="epoch", range=[0, last_x * 1.02], dtick=max(1, round(last_x / 10)))
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    figure.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=2)
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.25})
    return figure


def confusion_figure(matrix: Sequence[Sequence[int]], dataset: Dataset = Dataset.MNIST) -> go.Figure:
    """The confusion matrix as a heatmap: rows are the true class, columns the predicted one, counts shown,
    each labelled with its class name in `dataset` ("3" for a digit, "Dress" for a garment).

    Example: matrix[3][5] == 7 means seven test images of a 3 were read as 5 (cell at y="3", x="5").
    """
    names = list(dataset.class_names)
    figure = go.Figure(go.Heatmap(
        z=[list(row) for row in matrix], x=names, y=names, colorscale="Blues", showscale=False,
        text=[[f"{count:,}" for count in row] for row in matrix], texttemplate="%{text}",
        hovertemplate="true %{y}, predicted %{x}: %{z:,} images<extra></extra>",
    ))
    figure.update_xaxes(title_text=f"predicted {dataset.thing}", side="top", type="category")
    figure.update_yaxes(title_text=f"true {dataset.thing}", autorange="reversed", type="category")
    figure.update_layout(height=440, margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return figure

