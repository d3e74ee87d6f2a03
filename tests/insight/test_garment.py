"""A garment photo → Fashion-MNIST's 28×28 input, as Zalando made theirs (trimmed, longest side 28 by
subsampling, sharpened, extended, negated, 8-bit grey), and a message for anything that is not a photo."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnnlab.core.datasets import Dataset
from cnnlab.engine.data import load_dataset
from cnnlab.insight.garment import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, photo_to_fashion


def _encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _photo(background: tuple[int, int, int], garment: tuple[int, int, int], box: tuple[int, int, int, int],
           size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A plain background of `size` (width, height) with a garment-coloured rectangle `box` (l, t, r, b)."""
    pixels = np.empty((size[1], size[0], 3), np.uint8)
    pixels[:] = background
    left, top, right, bottom = box
    pixels[top:bottom, left:right] = garment
    return Image.fromarray(pixels)


def _bright_box(pixels: np.ndarray, level: float = 0.5) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((pixels > level).any(axis=1))
    cols = np.flatnonzero((pixels > level).any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def test_a_dark_garment_on_white_is_trimmed_shrunk_centred_and_negated() -> None:
    photo = photo_to_fashion(_encoded(_photo((255, 255, 255), (40, 40, 40), (100, 100, 300, 200))))
    assert photo.ok and photo.message == ""
    assert photo.pixels.shape == (28, 28) and photo.pixels.dtype == np.float32
    # 200 × 100 after trimming → longest side 28: 28 wide, 14 high, centred (rows 7–20)
    assert _bright_box(photo.pixels) == (7, 20, 0, 27)
    assert photo.pixels[0, 0] == 0.0 and photo.pixels[27, 14] == 0.0  # the white background became black
    assert photo.pixels[14, 14] == pytest.approx((255 - 40) / 255, abs=0.01)  # negated: 255 − 40


def test_a_tall_garment_keeps_its_shape_and_the_background_colour_counts_as_black() -> None:
    # a light-grey desk, a darker garment 60 × 240: 7 × 28 after the longest side is made 28
    photo = photo_to_fashion(_encoded(_photo((200, 200, 200), (50, 50, 50), (150, 20, 210, 260))))
    top, bottom, left, right = _bright_box(photo.pixels)
    assert (top, bottom) == (0, 27) and right - left + 1 == 7 and left == (28 - 7) // 2
    assert photo.pixels[0, 0] == 0.0  # the desk's grey is the new black
    assert photo.pixels[14, 14] == pytest.approx((200 - 50) / 200, abs=0.02)


def test_a_light_garment_on_a_dark_floor_is_light_on_black() -> None:
    photo = photo_to_fashion(_encoded(_photo((20, 20, 20), (230, 230, 230), (50, 50, 350, 250)), "JPEG"))
    assert photo.ok and photo.pixels[0, 0] < 0.05 and photo.pixels[14, 14] > 0.8


def test_the_images_look_like_fashion_mnists_own() -> None:
    """A test image of Fashion-MNIST put through the pipeline (as a negative, enlarged photo) comes back close
    to itself: garment light on a black background, the same brightness, the same shape (its trimming and
    sharpening, not in the original's 28 × 28, keep it from being identical)."""
    original = load_dataset(Dataset.FASHION).x_test[0]  # an ankle boot
    negative = Image.fromarray(255 - original).resize((280, 280), Image.Resampling.NEAREST).convert("RGB")
    photo = photo_to_fashion(_encoded(negative))
    assert photo.ok
    rebuilt = photo.pixels * 255
    assert np.abs(rebuilt.mean() - original.mean()) < 15
    assert np.corrcoef(rebuilt.ravel(), original.ravel().astype(float))[0, 1] > 0.7


def test_transparency_counts_as_white_and_exif_rotation_is_applied() -> None:
    shirt = _photo((255, 255, 255), (30, 30, 30), (100, 50, 300, 100), size=(400, 300)).convert("RGBA")
    alpha = np.zeros((300, 400), np.uint8)
    alpha[50:100, 100:300] = 255
    shirt.putalpha(Image.fromarray(alpha))
    flat = photo_to_fashion(_encoded(shirt))
    assert flat.ok and _bright_box(flat.pixels)[2:] == (0, 27)  # wide: 28 columns, a few rows
    upright = _photo((255, 255, 255), (30, 30, 30), (100, 50, 300, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated by 90°
    turned = photo_to_fashion(_encoded(upright, "JPEG", exif=exif.tobytes()))
    top, bottom, left, right = _bright_box(turned.pixels)
    assert (top, bottom) == (0, 27) and right - left < 14  # now tall


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a photo", "is not a picture this server can read — upload a photo of a garment as "
                                  "JPEG, PNG, WebP, GIF, BMP or TIFF."),
        (b"", "is not a picture this server can read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "is not a picture this server can read"),
        (bytes(10 * 1024 * 1024), "is 10.5 MB; photos up to 8 MB are read"),
        (_encoded(Image.new("RGB", (1, 1), "white")), "is only 1 × 1 pixels; a photo needs at least 28 × 28"),
        (_encoded(Image.new("RGB", (27, 500), "white")), "is only 27 × 500 pixels"),
        (_encoded(Image.new("RGB", (300, 300), (120, 80, 40))), "is one flat colour, so there is no garment"),
    ],
)
def test_what_is_not_a_usable_photo_gets_a_message(data: bytes, message: str) -> None:
    photo = photo_to_fashion(data, '"upload.jpg"')
    assert not photo.ok and photo.pixels is None
    assert photo.message.startswith('"upload.jpg" ') and message in photo.message


def test_a_picture_too_large_to_decode_is_refused_before_it_is_decoded() -> None:
    side = int(MAX_PHOTO_PIXELS**0.5) + 10
    bomb = _encoded(Image.new("1", (side, side)), "PNG", optimize=True)  # a few kB that would decode to 40 MP
    assert len(bomb) < MAX_PHOTO_BYTES
    photo = photo_to_fashion(bomb)
    assert not photo.ok and f"{side:,} × {side:,} pixels; photos up to 40 megapixels" in photo.message
