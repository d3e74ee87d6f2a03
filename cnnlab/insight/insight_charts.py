"""Plotly figures for looking inside a trained model: where it errs, what it sees, how runs compare.

Figure builders only (plotly and numpy, no Streamlit). Small images — test digits, feature maps, filters —
are drawn as one mosaic heatmap per figure rather than one subplot per image, so a grid of 64 stays fast.
Text from a student (run names) is HTML-escaped, since Plotly renders a subset of HTML in labels.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab.core.datasets import Dataset
from cnnlab.insight.charts import confusion_figure, recent_batches, smoothed
from cnnlab.insight.compare import RunSummary
from cnnlab.insight.inference_worker import ConvFilters, FeatureMaps
from cnnlab.insight.mistakes import CellExamples, Matrix, class_accuracy

HIGHLIGHT = "#E45756"
BAR = "#4C78A8"
RUN_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#EECA3B", "#9D755D",
               "#FF9DA6", "#BAB0AC")
GREY = [[0.0, "black"], [1.0, "white"]]  # MNIST's look: white ink on black
GAP = 2  # image pixels of empty space between mosaic tiles
CAPTION_PX = 16  # screen pixels above each row of tiles for its captions
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


# ------------------------------------------------------------------------------------------- where it errs


def confusion_select_figure(matrix: Matrix, dataset: Dataset = Dataset.MNIST) -> go.Figure:
    """The confusion matrix (rows true, columns predicted, labelled with `dataset`'s class names) with one
    selectable point per cell.

    Plotly heatmaps cannot be selected, so an invisible square marker sits on each cell: clicking a cell or
    box-selecting several selects these points, and `selected_cells` reads them from Streamlit's event.
    Colours follow log(1 + count), so a cell of 5 mistakes stands out beside a diagonal of 1,000.
    """
    counts = np.asarray(matrix, dtype=np.int64)
    figure = confusion_figure(counts.tolist(), dataset)
    figure.update_traces(z=np.log1p(counts).tolist(), hoverinfo="skip", hovertemplate=None,
                         selector={"type": "heatmap"})
    cells = [(t, p) for t in range(len(counts)) for p in range(len(counts))]
    names = dataset.class_names
    figure.add_trace(go.Scatter(
        x=[names[p] for _, p in cells], y=[names[t] for t, _ in cells], mode="markers", showlegend=False,
        customdata=[[t, p, int(counts[t, p])] for t, p in cells], text=[names[t] for t, _ in cells],
        hovertext=[names[p] for _, p in cells],
        marker={"symbol": "square", "size": 30, "color": HIGHLIGHT, "opacity": 0},
        selected={"marker": {"opacity": 0.45}}, unselected={"marker": {"opacity": 0}},
        hovertemplate="true %{text}, read as %{hovertext}: %{customdata[2]:,} images"
                      "<extra>click to see them</extra>",
    ))
    figure.update_layout(hoverdistance=-1,  # a click anywhere in a cell picks that cell's point
                         margin={**MARGIN, "t": 100})  # the toolbar (box select) sits above the column labels
    return figure


def selected_points(event: object, size: int) -> list[tuple[int, ...]]:
    """The whole-number `customdata` of each point selected in a figure, from `st.plotly_chart`'s event, in
    the order given; points whose customdata is not `size` numbers are left out.

    The event looks like {"selection": {"points": [{"customdata": [3, 5, 7], "x": "5", "y": "3", …}], …}};
    anything else (no selection yet, a box over empty space) gives [].
    """
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError, AttributeError):
        return []
    chosen = []
    for point in points if isinstance(points, list) else []:
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, list | tuple) and len(data) == size and all(
                isinstance(value, int | float) for value in data):
            chosen.append(tuple(int(value) for value in data))
    return chosen


def selected_cells(event: object) -> list[tuple[int, int]]:
    """(true, predicted) cells chosen in a `confusion_select_figure` (`selected_points`), sorted, without
    repeats."""
    return sorted({(true_digit, predicted) for true_digit, predicted, _ in selected_points(event, 3)})


def class_accuracy_figure(matrix: Matrix, dataset: Dataset = Dataset.MNIST) -> go.Figure:
    """Accuracy per true class as bars named by `dataset`'s class names, the weakest in red; the axis starts
    just below the lowest bar.

    Example: a digit with 970 of 980 right reads "99.0%" above its bar.
    """
    accuracy = class_accuracy(matrix)
    known = [a for a in accuracy if a is not None]
    low = math.floor((min(known, default=0.0) - 0.01) * 50) / 50
    weakest = accuracy.index(min(known)) if known else None
    thing = dataset.thing
    figure = go.Figure(go.Bar(
        x=list(dataset.class_names[:len(accuracy)]), y=[a or 0 for a in accuracy],
        marker_color=[HIGHLIGHT if d == weakest else BAR for d in range(len(accuracy))],
        text=[f"{a:.1%}" if a is not None else "—" for a in accuracy], textposition="outside",
        cliponaxis=False,
        hovertemplate=f"{thing} %{{x}}: %{{text}} read correctly<extra></extra>",
    ))
    figure.update_xaxes(title_text=f"true {thing}", type="category")
    figure.update_yaxes(range=[max(0.0, low), 1.0], tickformat=".0%")
    figure.update_layout(height=320, margin=MARGIN,
                         title={"text": f"Accuracy per {thing} (axis starts at {max(0.0, low):.0%})"})
    return figure


def cell_images_figure(examples: CellExamples, images: np.ndarray, columns: int = 8,
                       dataset: Dataset = Dataset.MNIST) -> go.Figure:
    """The test images of one confusion cell with the model's confidence, in the order given (worst first),
    titled with `dataset`'s class names ("Shirt read as T-shirt/top").

    `images` are all the uint8 test images; each tile reads e.g. "#4521 · 87%" for image 4521.
    """
    tiles = [np.asarray(images[i], dtype=np.float32) / 255.0 for i in examples.indices]
    captions = [f"#{i} · {c:.0%}" for i, c in zip(examples.indices, examples.confidence, strict=True)]
    true_name = dataset.class_name(examples.true_digit)
    predicted_name, total = dataset.class_name(examples.predicted_digit), examples.total
    verdict = f"read as {predicted_name}" if true_name != predicted_name else "read correctly"
    title = f"{true_name} {verdict}"
    shown = f"{len(tiles)} of {total:,}" if len(tiles) < total else f"all {total:,}"
    return image_grid(tiles, captions, title=f"{title}: {shown}, confidence shown", columns=columns,
                      colorscale=GREY, value_label="pixel")


# ------------------------------------------------------------------------------------------- one image


def input_image_figure(pixels: np.ndarray) -> go.Figure:
    """The 28×28 image exactly as the model receives it (0 black … 1 white), pixel values on hover."""
    return image_grid([np.asarray(pixels, dtype=np.float32)], [""], title="What the model sees (28×28)",
                      columns=1, colorscale=GREY, value_label="value", tile_px=8)


def probability_figure(probabilities: Sequence[float], dataset: Dataset = Dataset.MNIST) -> go.Figure:
    """The model's 10 probabilities as bars named by `dataset`'s classes, the chosen one in red.
    Example: [0.01, …, 0.93, …]."""
    probabilities = [float(p) for p in probabilities]
    best = int(np.argmax(probabilities))
    thing = dataset.thing
    figure = go.Figure(go.Bar(
        x=list(dataset.class_names[:len(probabilities)]), y=probabilities,
        marker_color=[HIGHLIGHT if d == best else BAR for d in range(len(probabilities))],
        text=[f"{p:.1%}" for p in probabilities], textposition="outside", cliponaxis=False,
        hovertemplate=f"{thing} %{{x}}: %{{text}}<extra></extra>",
    ))
    figure.update_xaxes(title_text=thing, type="category")
    figure.update_yaxes(range=[0, 1.08], tickformat=".0%")
    figure.update_layout(height=300, margin=MARGIN, title={
        "text": f"Probability of each {thing}: {dataset.class_name(best)} at {probabilities[best]:.1%}"})
    return figure


def feature_maps_figure(layer: FeatureMaps, columns: int = 8) -> go.Figure:
    """One layer's feature maps, each scaled to its own range (bright = strong), titled with its shape.

    Example title: "layer 1 (Conv2D) · output 26×26×32 · showing the first 16 of 32 channels".
    """
    shown, total = layer.maps.shape[0], layer.channels_total
    which = f"showing the first {shown} of {total} channels" if shown < total else f"all {total} channels"
    height, width, channels = layer.shape
    title = (f"layer {layer.position} ({html.escape(layer.layer_type)}) · output {height}×{width}×{channels}"
             f" · {which}")
    tiles = [stretch(channel_map, symmetric=False) for channel_map in layer.maps]
    return image_grid(tiles, [f"ch {c + 1}" for c in range(shown)], title=title, columns=columns,
                      colorscale="Viridis", value_label="activation", raw_values=list(layer.maps))


def filters_figure(filters: ConvFilters, columns: int = 8) -> go.Figure:
    """The first Conv2D's kernels (input channel 0): red weights excite, blue inhibit; each to its own scale.

    Example title: "layer 1 (Conv2D) · 3×3 kernels · showing the first 16 of 32 filters".
    """
    shown, total = filters.weights.shape[0], filters.filters_total
    which = f"showing the first {shown} of {total} filters" if shown < total else f"all {total} filters"
    kernel_h, kernel_w, inputs, _ = filters.kernel_shape
    channel_note = f" (input channel 1 of {inputs})" if inputs > 1 else ""
    title = f"layer {filters.position} (Conv2D) · {kernel_h}×{kernel_w} kernels{channel_note} · {which}"
    tiles = [stretch(kernel, symmetric=True) for kernel in filters.weights]
    return image_grid(tiles, [f"f {f + 1}" for f in range(shown)], title=title, columns=columns,
                      colorscale="RdBu_r", value_label="weight", raw_values=list(filters.weights),
                      zmin=-1.0, tile_px=max(6, 84 // max(kernel_h, kernel_w)))


# ------------------------------------------------------------------------------------------- mosaics


@dataclass(frozen=True)
class _Mosaic:
    """Tiles laid out in a grid: the canvas (NaN in the gaps), raw values, and each tile's top-left corner."""

    shown: np.ndarray
    raw: np.ndarray
    corners: tuple[tuple[int, int], ...]  # (row, col) of each tile's top-left pixel


def _mosaic(
    tiles: Sequence[np.ndarray], raw_values: Sequence[np.ndarray], columns: int, row_gap: int
) -> _Mosaic:
    """Lay equal tiles out row by row, `GAP` pixels apart and `row_gap` between rows (room for captions).

    Example: 3 tiles of 2×3 in 2 columns with row_gap 2 → a 6×8 canvas, tiles at (0, 0), (0, 5), (4, 0).
    """
    tile_h, tile_w = tiles[0].shape
    rows = math.ceil(len(tiles) / columns)
    columns = min(columns, len(tiles))
    shape = (rows * (tile_h + row_gap) - row_gap, columns * (tile_w + GAP) - GAP)
    shown, raw = np.full(shape, np.nan, dtype=np.float32), np.full(shape, np.nan, dtype=np.float32)
    corners = []
    for index, (tile, values) in enumerate(zip(tiles, raw_values, strict=True)):
        top, left = (index // columns) * (tile_h + row_gap), (index % columns) * (tile_w + GAP)
        shown[top : top + tile_h, left : left + tile_w] = tile
        raw[top : top + tile_h, left : left + tile_w] = values
        corners.append((top, left))
    return _Mosaic(shown, raw, tuple(corners))


def image_grid(
    tiles: Sequence[np.ndarray], captions: Sequence[str], *, title: str, columns: int,
    colorscale: str | list, value_label: str, raw_values: Sequence[np.ndarray] | None = None,
    zmin: float = 0.0, tile_px: int = 4,
) -> go.Figure:
    """Equally sized 2-D images in a grid (one heatmap), a caption above each, the raw value on hover.

    `tiles` are already scaled to [zmin, 1] for colour; `raw_values` (default: the tiles) are what hovering
    shows. `tile_px` is the screen size of one image pixel, which sets the figure's height.
    """
    if not tiles:
        figure = go.Figure()
        figure.update_layout(title={"text": f"{title} — nothing to show"}, height=120, margin=MARGIN)
        return figure
    tile_h, tile_w = tiles[0].shape
    scale = max(tile_px, 56 / tile_h)  # screen pixels per image pixel; tiny kernels are drawn larger
    caption_gap = math.ceil(CAPTION_PX / scale) if any(captions) else 0
    mosaic = _mosaic(tiles, raw_values if raw_values is not None else tiles, max(1, columns),
                     max(GAP, caption_gap))
    figure = go.Figure(go.Heatmap(
        z=mosaic.shown, customdata=mosaic.raw, colorscale=colorscale, zmin=zmin, zmax=1.0, showscale=False,
        hovertemplate=f"{value_label} %{{customdata:.3f}}<extra></extra>", hoverongaps=False,
    ))
    for (top, left), caption in zip(mosaic.corners, captions, strict=True):
        if caption:
            figure.add_annotation(x=left + (tile_w - 1) / 2, y=top - 0.5, text=html.escape(caption),
                                  showarrow=False, yanchor="bottom", font={"size": 10})
    canvas_h, canvas_w = mosaic.shown.shape
    figure.update_xaxes(visible=False, range=[-0.5, canvas_w - 0.5], constrain="domain")
    figure.update_yaxes(visible=False, range=[canvas_h - 0.5, -0.5 - caption_gap], scaleanchor="x",
                        constrain="domain")
    height = MARGIN["t"] + MARGIN["b"] + (canvas_h + caption_gap) * scale
    figure.update_layout(title={"text": title, "font": {"size": 13}}, margin=MARGIN, plot_bgcolor="white",
                         height=int(height))
    return figure


def stretch(values: np.ndarray, *, symmetric: bool) -> np.ndarray:
    """Scale one map for colour: min…max → 0…1, or (symmetric) −max|v|…max|v| → −1…1; a flat map → 0."""
    values = np.asarray(values, dtype=np.float32)
    if symmetric:
        peak = float(np.abs(values).max())
        return values / peak if peak > 0 else np.zeros_like(values)
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


# ------------------------------------------------------------------------------------------- comparing runs


def accuracy_range(values: Sequence[float | None]) -> list[float]:
    """An accuracy axis around `values` that never leaves 0–100 %: 5 points below the lowest, 2 above the
    highest. accuracy_range([0.9891]) == [0.9391, 1.0]; accuracy_range([0.02, None]) == [0.0, 0.04]; no
    values → [0.0, 1.0]."""
    known = [value for value in values if value is not None]
    if not known:
        return [0.0, 1.0]
    return [max(0.0, min(known) - 0.05), min(1.0, max(known) + 0.02)]


def _on(runs: Sequence[RunSummary]) -> str:
    """Which dataset an accuracy axis is on: "MNIST"; for runs of several, "MNIST and Fashion-MNIST: not
    comparable" (the page draws one chart per dataset, so this is a last guard)."""
    names = list(dict.fromkeys(run.dataset.display_name for run in runs))
    return names[0] if len(names) == 1 else f"{' and '.join(names)}: not comparable"


def compare_curves_figure(runs: Sequence[RunSummary]) -> go.Figure:
    """Loss (left) and accuracy (right) of several runs overlaid against epochs: one colour per run, its
    training batches as a smoothed line (as Train drew it live), a point per finished epoch, validation
    dotted; the accuracy panel names the runs' dataset. Even two 1-epoch runs show how each learned within
    its epoch, not two lone points."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", f"Accuracy on {_on(runs)}"),
                           horizontal_spacing=0.1)
    for index, run in enumerate(runs):
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        label = html.escape(run.label)
        epochs = [e.epoch for e in run.history]
        batches = recent_batches(run.batch_points)
        for col, train_key, val_key in ((1, "loss", "val_loss"), (2, "accuracy", "val_accuracy")):
            if batches:
                figure.add_trace(go.Scatter(
                    x=[point[0] for point in batches], y=smoothed([point[col] for point in batches]),
                    mode="lines", name=f"{label} · training batches", line={"color": colour, "width": 1.5},
                    legendgroup=run.run_id, showlegend=col == 1,
                    hovertemplate=f"{label}<br>training, epoch %{{x:.2f}}: %{{y:.4f}}<extra></extra>",
                ), row=1, col=col)
            for key, kind, style in ((train_key, "training, end of epoch", {"mode": "markers"}),
                                     (val_key, "validation", {"mode": "lines+markers",
                                                              "line": {"color": colour, "dash": "dot"}})):
                values = [getattr(e, key) for e in run.history]
                if all(v is None for v in values):
                    continue
                figure.add_trace(go.Scatter(
                    x=epochs, y=values, name=f"{label} · {kind}", marker={"size": 7, "color": colour},
                    legendgroup=run.run_id, showlegend=col == 1,
                    hovertemplate=f"{label}<br>{kind} %{{x}}: %{{y:.4f}}<extra></extra>", **style,
                ), row=1, col=col)
    last = max([1, *(e.epoch for run in runs for e in run.history),
                *(point[0] for run in runs for point in run.batch_points)])
    figure.update_xaxes(title_text="epoch", range=[0, last * 1.02], dtick=max(1, round(last / 10)))
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    accuracies = [value for run in runs for e in run.history for value in (e.accuracy, e.val_accuracy)]
    accuracies += [point[2] for run in runs for point in recent_batches(run.batch_points)]
    figure.update_yaxes(tickformat=".1%", range=accuracy_range(accuracies), row=1, col=2)
    figure.update_layout(height=380, margin=MARGIN, legend={"orientation": "h", "y": -0.25})
    return figure


def params_accuracy_figure(runs: Sequence[RunSummary]) -> go.Figure:
    """Test accuracy (on the runs' dataset, named on the axis) against parameters (log axis), one labelled
    point per run: what did more weights buy?

    Example: the convnet (60,874 parameters, 98.9 %) sits left of and below LeNot (61,706, 99.1 %).
    """
    scored = [run for run in runs if run.test_accuracy is not None]
    figure = go.Figure(go.Scatter(
        x=[run.params for run in scored], y=[run.test_accuracy for run in scored], mode="markers+text",
        text=[html.escape(run.label) for run in scored], textposition="top center", cliponaxis=False,
        marker={"size": 12, "color": [RUN_COLOURS[runs.index(run) % len(RUN_COLOURS)] for run in scored]},
        customdata=[[run.macs, run.epochs] for run in scored],
        hovertemplate="%{text}<br>%{x:,} parameters · %{customdata[0]:,} MACs · %{customdata[1]} epochs"
                      "<br>test accuracy %{y:.2%}<extra></extra>",
    ))
    figure.update_xaxes(type="log", title_text="parameters (log scale)")
    figure.update_yaxes(title_text=f"test accuracy on {_on(runs)}", tickformat=".1%",
                        range=accuracy_range([run.test_accuracy for run in scored]))
    figure.update_layout(height=380, margin=MARGIN, title={"text": "Parameters vs test accuracy"})
    return figure
