"""A digit drawn on the canvas → the 28×28 image an MNIST model expects, preprocessed the way MNIST was.

MNIST's digits were cropped to their ink, scaled so the larger side fits a 20×20 box (keeping the
aspect ratio, anti-aliasing giving grey levels), and pasted into a 28×28 field with their centre of
mass at the centre. A drawing that skips any of these steps (a small digit in a corner, a digit as big
as the canvas) looks nothing like the training data, and the model's answer then says more about the
preprocessing than about the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

SIDE = 28  # MNIST image side
BOX = 20  # the larger side of the digit after scaling
CENTRE = 14.0  # MNIST's centre of mass (row and column, pixel indices): measured means 13.99 and 14.00
INK_THRESHOLD = 32  # grey level (of 255) above which a canvas pixel counts as ink; fainter is anti-aliasing

EMPTY_CANVAS_MESSAGE = "The canvas is empty — draw a digit in white on the black square, then let go."


@dataclass(frozen=True)
class CanvasDigit:
    """The 28×28 model input made from a drawing, or the reason there is none (`pixels is None`)."""

    pixels: np.ndarray | None  # (28, 28) float32 in [0, 1], MNIST layout
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when there is an image to give the model."""
        return self.pixels is not None


def canvas_to_mnist(image_data: object) -> CanvasDigit:
    """Turn the canvas's RGBA array (H, W, 4) uint8 into MNIST's (28, 28) float32 in [0, 1].

    White ink on black (or on a transparent background) is what the canvas draws; colours become grey
    levels and transparency counts as black. Example: a 100×40 white bar anywhere on a 280×280 canvas
    becomes a 20×8 bar with its centre of mass at (14 ± 0.5, 14 ± 0.5), values 0…1. An empty canvas
    gives `EMPTY_CANVAS_MESSAGE`.
    """
    grey = _grey_levels(image_data)
    if isinstance(grey, str):
        return CanvasDigit(None, grey)
    rows = np.flatnonzero((grey > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((grey > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return CanvasDigit(None, EMPTY_CANVAS_MESSAGE)
    ink = grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return CanvasDigit(scale_pixels(_centre_by_mass(_fit_box(ink))))


def scale_pixels(image: np.ndarray) -> np.ndarray:
    """Grey levels 0…255 → float32 0…1, the scaling the models were trained with (x / 255)."""
    return (np.asarray(image, dtype=np.float32) / np.float32(255.0)).astype(np.float32)


def _grey_levels(image_data: object) -> np.ndarray | str:
    """The image as (H, W) float grey levels 0…255, or a message saying why it is not an image."""
    if image_data is None:
        return EMPTY_CANVAS_MESSAGE
    try:
        array = np.asarray(image_data, dtype=np.float64)
    except (TypeError, ValueError):
        return "The drawing could not be read as an image — clear the canvas and draw again."
    if array.ndim == 2:
        grey = array
    elif array.ndim == 3 and array.shape[2] in (1, 3, 4):
        grey = array[:, :, 0] if array.shape[2] == 1 else array[:, :, :3] @ np.array([0.299, 0.587, 0.114])
        if array.shape[2] == 4:
            grey = grey * array[:, :, 3] / 255.0  # composite over black: transparent means no ink
    else:
        return f"The drawing has shape {array.shape}, not an image — clear the canvas and draw again."
    if grey.size == 0:
        return EMPTY_CANVAS_MESSAGE
    return np.clip(np.nan_to_num(grey), 0.0, 255.0)


def _fit_box(ink: np.ndarray) -> np.ndarray:
    """Scale the cropped ink so its larger side is `BOX` pixels, keeping its aspect ratio (200×80 → 20×8)."""
    height, width = ink.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL wants (width, height)
    resized = Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float64), 0.0, 255.0)


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste the ≤20×20 digit into a 28×28 field with its centre of mass at (`CENTRE`, `CENTRE`).

    The shift is a whole number of pixels (as in MNIST: no extra blur), clamped so no ink leaves the field.
    """
    height, width = digit.shape
    total = digit.sum()
    mass_row = (digit.sum(axis=1) @ np.arange(height)) / total
    mass_col = (digit.sum(axis=0) @ np.arange(width)) / total
    top = int(np.clip(round(CENTRE - mass_row), 0, SIDE - height))
    left = int(np.clip(round(CENTRE - mass_col), 0, SIDE - width))
    field = np.zeros((SIDE, SIDE), dtype=np.float64)
    field[top : top + height, left : left + width] = digit
    return field
