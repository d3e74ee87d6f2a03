"""Plotly figures for one traced value and for saliency, on Predict (figure builders only, no Streamlit).

A feature map to click (one channel, a selectable point on every cell, since Plotly cannot select heatmap
cells), the image with a cell's receptive field, a patch / kernel / products grid with its numbers, and a
saliency map over the digit. Images are drawn with `insight_charts.image_grid`, so a pixel (row, column) sits
at x = column, y = row.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnlab.core.receptive_field import PixelBox
from cnnlab.insight.insight_charts import (
    GREY,
    HIGHLIGHT,
    MARGIN,
    image_grid,
    input_image_figure,
    selected_points,
    stretch,
)
from cnnlab.insight.trace import SaliencyMethod

MAX_SVG_CELLS = 2500  # a map with more cells gets WebGL points (SVG slows down past a few thousand)
DIVERGING = "RdBu_r"  # red for positive, blue for negative
SALIENCY_SCALE = [[0.0, "rgba(33, 102, 172, 0.9)"], [0.5, "rgba(255, 255, 255, 0)"],
                  [1.0, "rgba(214, 39, 40, 0.9)"]]  # transparent at 0, so the digit shows through
SALIENCY_PERCENTILE = 99  # the colour scale ends here, so a few extreme pixels do not wash out the rest
CAM_SCALE = [[0.0, "rgba(255, 200, 0, 0)"], [1.0, "rgba(214, 39, 40, 0.85)"]]


def _box(box: tuple[float, float, float, float], colour: str, width: int = 3) -> dict:
    """An outline around pixels rows top…bottom, columns left…right (inclusive)."""
    top, left, bottom, right = box
    return {"type": "rect", "x0": left - 0.5, "x1": right + 0.5, "y0": top - 0.5, "y1": bottom + 0.5,
            "line": {"color": colour, "width": width}, "layer": "above"}


def clickable_map_figure(values: np.ndarray, title: str) -> go.Figure:
    """One channel of a feature map, each cell clickable: a transparent point carrying its row and column
    (read back by `selected_cell`) that turns red once clicked. The browser marks the click itself, so the
    figure stays the same and Streamlit keeps the selection. One tap selects on a touch screen too (with
    `layout.apply`'s tap script); clicking the selected cell again clears it."""
    values = np.asarray(values, dtype=np.float32)
    height, width = values.shape
    figure = image_grid([stretch(values, symmetric=False)], [""], title=title, columns=1,
                        colorscale="Viridis", value_label="value", raw_values=[values],
                        tile_px=max(8, 320 // max(height, width)))
    figure.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})  # clicks: points
    cells = [(row, col) for row in range(height) for col in range(width)]
    points = go.Scattergl if height * width > MAX_SVG_CELLS else go.Scatter
    figure.add_trace(points(  # plain lists: the browser would hand numpy's typed arrays back as objects
        x=[col for _, col in cells], y=[row for row, _ in cells], mode="markers",
        customdata=[list(cell) for cell in cells], showlegend=False,
        marker={"symbol": "square", "size": max(6, 300 // max(height, width)), "color": HIGHLIGHT,
                "opacity": 0},
        selected={"marker": {"opacity": 0.6}}, unselected={"marker": {"opacity": 0}},
        hovertemplate="row %{customdata[0]}, column %{customdata[1]}<extra>click to trace it</extra>",
    ))
    figure.update_layout(hoverdistance=-1)
    return figure


def selected_cell(event: object) -> tuple[int, int] | None:
    """The (row, column) clicked in a `clickable_map_figure`, from `st.plotly_chart`'s selection event, or
    None before any click."""
    cells = selected_points(event, 2)
    return (cells[0][0], cells[0][1]) if cells else None


def field_figure(pixels: np.ndarray, field: PixelBox | None, title: str) -> go.Figure:
    """The 28×28 input with the receptive field of the traced value outlined."""
    figure = input_image_figure(pixels)
    if field is not None:
        figure.add_shape(_box((field.top, field.left, field.bottom, field.right), HIGHLIGHT))
    figure.update_layout(title={"text": title})
    return figure


def numbers_figure(values: np.ndarray, title: str, *, winner: tuple[int, int] | None = None,
                   signed: bool = True) -> go.Figure:
    """A small 2-D array with every number written in its cell, coloured red for positive and blue for
    negative (or, unsigned, dark to light); `winner` outlined (the maximum of a pooling window)."""
    values = np.asarray(values, dtype=np.float64)
    height, width = values.shape
    peak = float(np.abs(values).max()) or 1.0
    figure = go.Figure(go.Heatmap(
        z=values, colorscale=DIVERGING if signed else GREY, zmin=-peak if signed else 0.0, zmax=peak,
        showscale=False, text=[[f"{v:.3f}" for v in row] for row in values], texttemplate="%{text}",
        textfont={"size": 11}, hovertemplate="row %{y}, column %{x}: %{z:.5f}<extra></extra>", xgap=1, ygap=1,
    ))
    if winner is not None:
        figure.add_shape(_box((winner[0], winner[1], winner[0], winner[1]), HIGHLIGHT))
    cell = max(28, min(56, 280 // max(height, width)))
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    figure.update_layout(title={"text": title, "font": {"size": 13}}, margin=MARGIN, plot_bgcolor="white",
                         height=MARGIN["t"] + MARGIN["b"] + cell * height)
    return figure


def saliency_figure(pixels: np.ndarray, saliency: np.ndarray, name: str,
                    method: SaliencyMethod) -> go.Figure:
    """The image in grey with the saliency of class `name` over it: for the gradient red where a brighter
    pixel would raise the class's score and blue where it would lower it (transparent where it would change
    nothing); for LayerCAM red where the last Conv2D's maps speak for the class."""
    saliency = np.asarray(saliency, dtype=np.float32)
    title = (f"Why {name}: red pixels speak for it, blue against" if method == SaliencyMethod.GRADIENT
             else f"Why {name}: where the last Conv2D sees it (LayerCAM)")
    figure = input_image_figure(pixels)
    peak = float(np.percentile(np.abs(saliency), SALIENCY_PERCENTILE)) or float(np.abs(saliency).max()) or 1.0
    gradient = method == SaliencyMethod.GRADIENT
    figure.add_trace(go.Heatmap(
        z=saliency, colorscale=SALIENCY_SCALE if gradient else CAM_SCALE, zmin=-peak if gradient else 0.0,
        zmax=peak, showscale=False, hovertemplate="row %{y}, column %{x}: %{z:.4f}<extra></extra>",
    ))
    figure.update_layout(title={"text": title})
    return figure
