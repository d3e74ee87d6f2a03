"""Plotly pictures of how one layer works, for Build's "How this layer works" (figure builders only, plain
Plotly, no TensorFlow or Streamlit).

Every number drawn comes from the layer's lesson (`core.layer_walk`): the padded input grid and the window at
a step from the walk (`Layer.reads`), the output grid from the layer's output shape. Grids are drawn with a
handful of shapes and one line trace each, never one shape per cell, so a step costs the same on a 28×28
image as on a 3×3 one. The parts a parameter formula counts wear the colours of `TERM_COLOURS`, the same as
the formula's terms on the page.
"""

from __future__ import annotations

import plotly.graph_objects as go

from cnnlab.core.layer_types.base import Term
from cnnlab.core.layer_types.shapes import format_shape
from cnnlab.core.layer_walk import LayerLesson, Walk, WindowStep

TERM_COLOURS: dict[Term, str] = {
    Term.kernel_rows: "#D62728",
    Term.kernel_cols: "#E67E00",
    Term.input_channels: "#2CA02C",
    Term.filters: "#1F77B4",
    Term.inputs: "#2CA02C",
    Term.units: "#1F77B4",
    Term.biases: "#9467BD",
    Term.channels: "#2CA02C",
}
PADDING_FILL = "#D9D9D9"
IMAGE_FILL = "#F3F5F9"
GRID_LINE = "#B8BEC8"
FILLED = "rgba(31, 119, 180, 0.25)"  # output cells already filled
NEUTRAL = "#555555"  # the window and output of a layer without weights
MAX_GRID_LINES = 80  # per axis: a larger grid is drawn without its cell lines
MAX_NODES = 8  # inputs or units drawn in a connections picture; the rest are "…"
SHEETS = 2  # sheets drawn behind a grid to show its channels
HEIGHT = 330
MARGIN = {"l": 8, "r": 8, "t": 48, "b": 8}


# -------------------------------------------------------------------------------------------- grids


def _rect(top: float, left: float, bottom: float, right: float, **style: object) -> dict:
    """A rectangle over the cells rows top…bottom, columns left…right (inclusive), in data coordinates."""
    return {"type": "rect", "x0": left - 0.5, "x1": right + 0.5, "y0": top - 0.5, "y1": bottom + 0.5,
            "layer": "below", **style}


def _grid_lines(rows: range, cols: range) -> list[go.Scatter]:
    """The cell lines of a grid as one trace (none when the grid is too fine to show them)."""
    if len(rows) > MAX_GRID_LINES or len(cols) > MAX_GRID_LINES:
        return []
    xs: list[float | None] = []
    ys: list[float | None] = []
    for row in range(rows.start, rows.stop + 1):
        xs += [cols.start - 0.5, cols.stop - 0.5, None]
        ys += [row - 0.5, row - 0.5, None]
    for col in range(cols.start, cols.stop + 1):
        xs += [col - 0.5, col - 0.5, None]
        ys += [rows.start - 0.5, rows.stop - 0.5, None]
    return [go.Scatter(x=xs, y=ys, mode="lines", line={"color": GRID_LINE, "width": 1}, hoverinfo="skip",
                       showlegend=False)]


def _sheets(rows: range, cols: range, channels: int, colour: str) -> list[dict]:
    """Outlines behind a grid, up and to the right, standing for its other channels."""
    offset = max(len(rows), len(cols)) * 0.04 + 0.3
    return [_rect(rows.start - offset * k, cols.start + offset * k, rows.stop - 1 - offset * k,
                  cols.stop - 1 + offset * k, line={"color": colour, "width": 1}, fillcolor="white")
            for k in range(min(channels - 1, SHEETS), 0, -1)]


def _layout(figure: go.Figure, title: str, rows: range, cols: range, channels: int) -> go.Figure:
    """Square cells, row 0 at the top, no ticks, room for the sheets behind."""
    room = max(len(rows), len(cols)) * 0.04 * SHEETS + 1.2 if channels > 1 else 0.6
    figure.update_xaxes(visible=False, range=[cols.start - 0.6, cols.stop - 0.4 + room], constrain="domain")
    figure.update_yaxes(visible=False, range=[rows.stop - 0.4, rows.start - 0.6 - room], scaleanchor="x",
                        constrain="domain")
    figure.update_layout(title={"text": title, "font": {"size": 14}}, height=HEIGHT, margin=MARGIN,
                         showlegend=False, plot_bgcolor="white", dragmode=False, hovermode=False)
    return figure


def _label(x: float, y: float, text: str, colour: str, **style: object) -> dict:
    """A coloured label at (x, y) in data coordinates."""
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"color": colour, "size": 12}, **style}


# -------------------------------------------------------------------------------------------- windows


def _weighted(lesson: LayerLesson) -> bool:
    """Whether the layer's window is a kernel of weights (its formula counts filters)."""
    return any(piece.term == Term.filters for piece in lesson.pieces)


def window_input_figure(lesson: LayerLesson, step: WindowStep) -> go.Figure:
    """The padded input grid with the window at `step`: the padding in grey, the window in the filter's
    colour with its rows and columns labelled in their terms' colours, the input's channels as sheets."""
    walk = _walk(lesson)
    height, width, channels = walk.input_shape
    top, bottom, left, right = walk.padding
    rows, cols = range(-top, height + bottom), range(-left, width + right)
    weighted = _weighted(lesson)
    window_colour = TERM_COLOURS[Term.filters] if weighted else NEUTRAL
    shapes = _sheets(rows, cols, channels, TERM_COLOURS[Term.input_channels])
    shapes.append(_rect(rows.start, cols.start, rows.stop - 1, cols.stop - 1, fillcolor=PADDING_FILL,
                        line={"width": 0}))
    shapes.append(_rect(0, 0, height - 1, width - 1, fillcolor=IMAGE_FILL, line={"color": NEUTRAL}))
    window = _rect(step.rows.start, step.cols.start, step.rows.stop - 1, step.cols.stop - 1,
                   fillcolor=window_colour, opacity=0.35, line={"width": 0})
    window["layer"] = "above"
    shapes.append(window)
    x0, x1 = step.cols.start - 0.5, step.cols.stop - 0.5
    y0, y1 = step.rows.start - 0.5, step.rows.stop - 0.5
    shapes += [{"type": "line", "x0": x0, "x1": x0, "y0": y0, "y1": y1, "layer": "above",
                "line": {"color": TERM_COLOURS[Term.kernel_rows], "width": 4}},
               {"type": "line", "x0": x0, "x1": x1, "y0": y0, "y1": y0, "layer": "above",
                "line": {"color": TERM_COLOURS[Term.kernel_cols], "width": 4}}]
    what = "kernel" if weighted else "window"
    labels = [_label(x0, (y0 + y1) / 2, f"{len(step.rows)} rows ", TERM_COLOURS[Term.kernel_rows],
                     xanchor="right", bgcolor="rgba(255,255,255,0.8)"),
              _label((x0 + x1) / 2, y0, f"{len(step.cols)} cols", TERM_COLOURS[Term.kernel_cols],
                     yanchor="bottom", bgcolor="rgba(255,255,255,0.8)")]
    if channels > 1:
        deep = f"× {channels:,} input channels" if weighted else f"× {channels:,} channels, one at a time"
        labels.append(_label(cols.stop - 0.5, rows.start - 0.5, deep, TERM_COLOURS[Term.input_channels],
                             xanchor="right", yanchor="bottom"))
    padded = f" ({len(rows):,}×{len(cols):,} with its padding)" if any(walk.padding) else ""
    title = f"Input {format_shape(walk.input_shape)}{padded} · the {what} for output cell {step.cell}"
    figure = go.Figure(_grid_lines(rows, cols))
    figure.update_layout(shapes=shapes, annotations=labels)
    return _layout(figure, title, rows, cols, channels)


def window_output_figure(lesson: LayerLesson, step: WindowStep) -> go.Figure:
    """The output grid filled up to `step` (row by row), the cell of this step strong, and its channels as
    sheets: one per filter (Conv2D) or per input channel (pooling)."""
    walk = _walk(lesson)
    grid_rows, grid_cols = walk.grid
    channels = walk.output_shape[-1]
    rows, cols = range(grid_rows), range(grid_cols)
    weighted = _weighted(lesson)
    colour = TERM_COLOURS[Term.filters] if weighted else NEUTRAL
    shapes = _sheets(rows, cols, channels, colour)
    shapes.append(_rect(0, 0, grid_rows - 1, grid_cols - 1, fillcolor="white", line={"color": NEUTRAL}))
    row, col = step.cell
    if row > 0:
        shapes.append(_rect(0, 0, row - 1, grid_cols - 1, fillcolor=FILLED, line={"width": 0}))
    if col > 0:
        shapes.append(_rect(row, 0, row, col - 1, fillcolor=FILLED, line={"width": 0}))
    shapes.append(_rect(row, col, row, col, fillcolor=colour, line={"width": 0}))
    labels = []
    if channels > 1:
        per = "one per filter" if weighted else "one per input channel"
        labels.append(_label(cols.stop - 0.5, rows.start - 0.5, f"× {channels:,} channels, {per}", colour,
                             xanchor="right", yanchor="bottom"))
    title = (f"Output {format_shape(walk.output_shape)} · {step.filled:,} of {walk.steps:,} cells filled")
    figure = go.Figure(_grid_lines(rows, cols))
    figure.update_layout(shapes=shapes, annotations=labels)
    return _layout(figure, title, rows, cols, channels)


def _walk(lesson: LayerLesson) -> Walk:
    """The lesson's walk (window and border pictures have one)."""
    if lesson.walk is None:
        raise ValueError(f"layer {lesson.position} ({lesson.type}) has no window to draw")
    return lesson.walk


# -------------------------------------------------------------------------------------------- other kinds


def border_figure(lesson: LayerLesson) -> go.Figure:
    """The input inside its border of zeros, each side's rows or columns labelled."""
    walk = _walk(lesson)
    height, width, channels = walk.input_shape
    top, bottom, left, right = walk.padding
    rows, cols = range(-top, height + bottom), range(-left, width + right)
    shapes = _sheets(rows, cols, channels, NEUTRAL)
    shapes += [_rect(rows.start, cols.start, rows.stop - 1, cols.stop - 1, fillcolor=PADDING_FILL,
                     line={"width": 0}),
               _rect(0, 0, height - 1, width - 1, fillcolor=IMAGE_FILL, line={"color": NEUTRAL, "width": 2})]
    labels = [_label((width - 1) / 2, (height - 1) / 2, f"the {height:,}×{width:,} image", NEUTRAL,
                     bgcolor="rgba(255,255,255,0.8)")]
    title = (f"{format_shape(walk.input_shape)} → {format_shape(walk.output_shape)}: zeros {top} above, "
             f"{bottom} below, {left} left, {right} right")
    figure = go.Figure(_grid_lines(rows, cols))
    figure.update_layout(shapes=shapes, annotations=labels)
    return _layout(figure, title, rows, cols, channels)


def unroll_figure(lesson: LayerLesson) -> go.Figure:
    """The volume above and its row below, each image row and its stretch of the row in the same shade:
    row by row, a pixel's channels side by side."""
    shape = lesson.input_shape
    height, width = shape[0], shape[1] if len(shape) > 1 else 1
    per_row = lesson.output_shape[0] // height
    length = lesson.output_shape[0]
    shades = ("#9ecae1", "#3182bd")
    strip_y, strip_h = height + 1.5, max(1.0, height * 0.12)
    scale = width / length  # the row is drawn as wide as the image
    shapes = []
    shown = min(height, MAX_GRID_LINES // 2)
    for row in range(shown):
        shade = shades[row % 2]
        shapes.append(_rect(row, 0, row, width - 1, fillcolor=shade, line={"width": 0}))
        start = -0.5 + row * per_row * scale
        shapes.append({"type": "rect", "x0": start, "x1": start + per_row * scale, "y0": strip_y,
                       "y1": strip_y + strip_h, "fillcolor": shade, "line": {"width": 0}})
    sides = " × ".join(f"{side:,}" for side in shape)
    labels = [_label(width / 2 - 0.5, strip_y + strip_h, f"one row of {sides} = {length:,} values", NEUTRAL,
                     yanchor="top", yshift=-4),
              _label(-0.5, strip_y, f"image row 1: {per_row:,} values ", NEUTRAL, xanchor="left",
                     yanchor="bottom")]
    figure = go.Figure()
    figure.update_layout(shapes=shapes, annotations=labels)
    figure = _layout(figure, f"{format_shape(shape)} unrolled row by row", range(height), range(width),
                     shape[-1])
    figure.update_yaxes(range=[strip_y + strip_h + 2.5, -1])
    return figure


def _nodes(count: int) -> list[tuple[float, str]]:
    """Where the nodes of a column of `count` sit (y) and their labels: all of them, or the first few, "…"
    and the last few."""
    if count <= MAX_NODES:
        return [(float(i), str(i + 1)) for i in range(count)]
    head = MAX_NODES // 2
    tail = MAX_NODES - head - 1
    return ([(float(i), str(i + 1)) for i in range(head)] + [(head + 0.0, "…")]
            + [(float(head + 1 + i), f"{count - tail + i + 1:,}") for i in range(tail)])


def connections_figure(lesson: LayerLesson) -> go.Figure:
    """Inputs on the left, units on the right, a line for every weight between the nodes drawn, and one bias
    node joined to every unit; inputs, units and biases in their terms' colours."""
    inputs, units = lesson.input_shape[-1], lesson.output_shape[-1]
    left, right = _nodes(inputs), _nodes(units)
    has_bias = any(piece.term == Term.biases for piece in lesson.pieces)
    span = max(len(left), len(right)) - 1 or 1
    y_left = [y * span / max(len(left) - 1, 1) for y, _ in left]
    y_right = [y * span / max(len(right) - 1, 1) for y, _ in right]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for (_, a), ya in zip(left, y_left, strict=True):
        for (_, b), yb in zip(right, y_right, strict=True):
            if "…" not in (a, b):
                xs += [0, 1, None]
                ys += [ya, yb, None]
    traces = [go.Scatter(x=xs, y=ys, mode="lines", line={"color": GRID_LINE, "width": 0.7}, hoverinfo="skip")]
    if has_bias:
        bias_y = span + 1.2
        bx: list[float | None] = []
        by: list[float | None] = []
        for (_, b), yb in zip(right, y_right, strict=True):
            if b != "…":
                bx += [0.45, 1, None]
                by += [bias_y, yb, None]
        traces.append(go.Scatter(x=bx, y=by, mode="lines", hoverinfo="skip",
                                 line={"color": TERM_COLOURS[Term.biases], "width": 1, "dash": "dot"}))
        traces.append(go.Scatter(x=[0.45], y=[bias_y], mode="markers+text", text=["bias"],
                                 textposition="bottom center", hoverinfo="skip",
                                 marker={"color": TERM_COLOURS[Term.biases], "size": 12},
                                 textfont={"color": TERM_COLOURS[Term.biases]}))
    for x, nodes, ys_, term in ((0, left, y_left, Term.inputs), (1, right, y_right, Term.units)):
        colour = TERM_COLOURS[term]
        traces.append(go.Scatter(x=[x] * len(nodes), y=ys_, mode="markers+text", hoverinfo="skip",
                                 text=[label for _, label in nodes],
                                 textposition="middle left" if x == 0 else "middle right",
                                 marker={"color": [colour if label != "…" else "white" for _, label in nodes],
                                         "size": 14, "line": {"color": colour, "width": 1}},
                                 textfont={"color": colour}))
    figure = go.Figure(traces)
    labels = [_label(0, -1.0, f"{inputs:,} inputs", TERM_COLOURS[Term.inputs]),
              _label(1, -1.0, f"{units:,} units", TERM_COLOURS[Term.units])]
    figure.update_layout(annotations=labels, height=HEIGHT, margin=MARGIN, showlegend=False,
                         plot_bgcolor="white", dragmode=False, hovermode=False,
                         title={"text": f"Every input joined to every unit: {inputs:,} × {units:,} weights",
                                "font": {"size": 14}})
    figure.update_xaxes(visible=False, range=[-0.45, 1.45])
    figure.update_yaxes(visible=False, range=[span + 2.2, -1.6])
    return figure
