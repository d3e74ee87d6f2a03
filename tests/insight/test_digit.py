"""The drawn digit → MNIST-like 28×28 input: cropped, scaled to a 20-pixel box, centred by mass, x / 255."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cnnlab.engine.data import load_mnist
from cnnlab.insight.digit import EMPTY_CANVAS_MESSAGE, canvas_to_mnist, scale_pixels

CANVAS = 280


def _canvas(draw_on, *, transparent: bool = False) -> np.ndarray:
    """A 280×280 RGBA canvas as streamlit-drawable-canvas returns it: white ink on black or transparent."""
    ink = Image.new("L", (CANVAS, CANVAS), 0)
    draw_on(ImageDraw.Draw(ink))
    ink_array = np.asarray(ink)
    rgba = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    rgba[:, :, :3] = ink_array[:, :, None]
    rgba[:, :, 3] = ink_array if transparent else 255
    return rgba


def _ink_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(pixels.any(axis=1))
    cols = np.flatnonzero(pixels.any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def _centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    rows, cols = np.mgrid[0:28, 0:28]
    return float((pixels * rows).sum() / pixels.sum()), float((pixels * cols).sum() / pixels.sum())


def _seven(draw: ImageDraw.ImageDraw, dx: int = 0, dy: int = 0) -> None:
    draw.line([(60 + dx, 40 + dy), (200 + dx, 40 + dy), (110 + dx, 230 + dy)], fill=255, width=18)


def test_a_square_becomes_a_centred_20_pixel_square() -> None:
    digit = canvas_to_mnist(_canvas(lambda d: d.rectangle([30, 150, 129, 249], fill=255)))
    assert digit.ok and digit.message == ""
    assert digit.pixels.shape == (28, 28) and digit.pixels.dtype == np.float32
    assert _ink_box(digit.pixels) == (4, 23, 4, 23)
    assert digit.pixels[4:24, 4:24].min() == pytest.approx(1.0)
    assert _centre_of_mass(digit.pixels) == pytest.approx((13.5, 13.5))


def test_a_bar_keeps_its_aspect_ratio() -> None:
    digit = canvas_to_mnist(_canvas(lambda d: d.rectangle([40, 100, 239, 179], fill=255)))  # 200 × 80
    top, bottom, left, right = _ink_box(digit.pixels)
    assert (bottom - top + 1, right - left + 1) == (8, 20)
    row, col = _centre_of_mass(digit.pixels)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_a_stroke_fits_the_20_pixel_box_with_its_mass_at_the_centre() -> None:
    digit = canvas_to_mnist(_canvas(_seven))
    top, bottom, left, right = _ink_box(digit.pixels)
    assert max(bottom - top + 1, right - left + 1) == 20
    row, col = _centre_of_mass(digit.pixels)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    assert digit.pixels.min() == 0.0 and 0.9 < digit.pixels.max() <= 1.0


def test_where_and_on_what_background_the_digit_is_drawn_does_not_matter() -> None:
    here = canvas_to_mnist(_canvas(_seven)).pixels
    moved = canvas_to_mnist(_canvas(lambda d: _seven(d, dx=-50, dy=35))).pixels
    transparent = canvas_to_mnist(_canvas(_seven, transparent=True)).pixels
    np.testing.assert_array_equal(here, moved)
    np.testing.assert_array_equal(here, transparent)


def test_a_blown_up_mnist_digit_comes_back_like_the_original() -> None:
    mnist = load_mnist()
    for index in (0, 1, 2, 3):
        original = mnist.x_test[index]
        big = np.asarray(Image.fromarray(original).resize((CANVAS, CANVAS), Image.Resampling.NEAREST))
        again = canvas_to_mnist(np.dstack([big, big, big, np.full_like(big, 255)])).pixels
        correlation = np.corrcoef(again.ravel(), scale_pixels(original).ravel())[0, 1]
        assert correlation > 0.97, (index, correlation)  # a 2-pixel shift alone gives 0.46


def test_an_empty_canvas_says_so() -> None:
    blank = canvas_to_mnist(_canvas(lambda d: None))
    assert not blank.ok and blank.pixels is None
    assert blank.message == EMPTY_CANVAS_MESSAGE
    assert "empty" in EMPTY_CANVAS_MESSAGE and "draw a digit" in EMPTY_CANVAS_MESSAGE
    faint = canvas_to_mnist(_canvas(lambda d: d.rectangle([10, 10, 50, 50], fill=20)))
    assert faint.message == EMPTY_CANVAS_MESSAGE
    assert canvas_to_mnist(None).message == EMPTY_CANVAS_MESSAGE
    assert canvas_to_mnist(np.zeros((0, 0, 4), dtype=np.uint8)).message == EMPTY_CANVAS_MESSAGE


@pytest.mark.parametrize("garbage", ["a digit", np.zeros((5, 5, 7)), np.zeros((2, 2, 2, 2)), 3.0])
def test_something_that_is_not_an_image_gives_a_message(garbage: object) -> None:
    result = canvas_to_mnist(garbage)
    assert result.pixels is None
    assert "draw again" in result.message


def test_grey_levels_are_scaled_like_training() -> None:
    scaled = scale_pixels(np.array([0, 51, 255], dtype=np.uint8))
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [0.0, 0.2, 1.0])
