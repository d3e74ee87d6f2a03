"""Figures of our class's handwriting: a grid of drawings, and the drawings a model misread.

Figure builders only (plotly and numpy, no Streamlit); each grid is one mosaic heatmap (`image_grid`), so a
few hundred drawings stay fast. Names in captions are escaped by `image_grid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from cnnlab.insight.insight_charts import GREY, image_grid

COLUMNS = 10


@dataclass(frozen=True)
class Misread:
    """One drawing a model read wrongly."""

    pixels: np.ndarray  # (28, 28) uint8
    label: int  # the digit its author drew
    predicted: int  # the digit the model read
    confidence: float  # the model's probability for `predicted`


def drawings_figure(images: Sequence[np.ndarray], captions: Sequence[str], title: str) -> go.Figure:
    """Drawings (uint8 (28, 28) each) in a grid, white ink on black as the model sees them, a caption above
    each (e.g. "#17 Ada")."""
    tiles = [np.asarray(image, dtype=np.float32) / 255.0 for image in images]
    return image_grid(tiles, list(captions), title=title, columns=COLUMNS, colorscale=GREY,
                      value_label="pixel")


def misread(pixels: Sequence[np.ndarray], labels: Sequence[int], predicted: Sequence[int],
            confidence: Sequence[float]) -> list[Misread]:
    """The drawings whose reading differs from their label, the most confident mistakes first.

    Example: labels (3, 5, 7), predicted (3, 6, 1), confidence (0.9, 0.6, 0.8) → the 7 read as 1 (0.8), then
    the 5 read as 6 (0.6).
    """
    wrong = [Misread(image, int(label), int(read), float(sure))
             for image, label, read, sure in zip(pixels, labels, predicted, confidence, strict=True)
             if label != read]
    return sorted(wrong, key=lambda drawing: -drawing.confidence)


def misread_figure(drawings: Sequence[Misread], limit: int) -> go.Figure:
    """Up to `limit` misread drawings, each captioned "3 → 5 · 87%" (drawn as a 3, read as a 5 with 87 %)."""
    shown = list(drawings)[:limit]
    count = f"{len(shown)} of {len(drawings)}" if len(shown) < len(drawings) else f"all {len(drawings)}"
    return drawings_figure(
        [drawing.pixels for drawing in shown],
        [f"{drawing.label} → {drawing.predicted} · {drawing.confidence:.0%}" for drawing in shown],
        f"Misread drawings: {count}, drawn → read, the most confident mistakes first",
    )
