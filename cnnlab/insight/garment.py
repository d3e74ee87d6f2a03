"""A photo of a garment → the 28×28 grey image a Fashion-MNIST model expects, made as Zalando made theirs.

Fashion-MNIST's paper (Xiao, Rasul and Vollgraf, 2017, section 2) turned each product photo into its 28×28
image in seven steps: (1) convert to PNG; (2) trim the edges close to the colour of the corner pixels (within
5 % of the largest distance in RGB space); (3) resize the longest edge to 28 by subsampling (skipping rows and
columns); (4) sharpen with a Gaussian operator of radius and standard deviation 1.0; (5) extend the shorter
edge to 28, the image in the centre; (6) negate the intensities; (7) convert to 8-bit grey. `photo_to_fashion`
does the same, with one change for photos taken in a classroom: Zalando's backgrounds were white, a desk or a
floor is not, so each pixel's intensity is its grey level's distance from the background's grey, stretched to
0–255 (on white that is exactly step 6, 255 − grey), and the background becomes black as in every
Fashion-MNIST image.

Anything that is not a photo gets a message instead of an image: a file Pillow cannot read, one over
`MAX_PHOTO_BYTES`, a picture larger than `MAX_PHOTO_PIXELS` (a decompression bomb) or smaller than 28 px on a
side, or one flat colour with nothing to trim to.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from cnnlab.insight.digit import SIDE, scale_pixels

MAX_PHOTO_BYTES = 8_000_000  # a phone's photo is 2–6 MB
MAX_PHOTO_PIXELS = 40_000_000  # 40 megapixels: decoded, 120 MB of RGB
CLOSE_TO_CORNER = 0.05  # trim: within 5 % of the largest RGB distance of the corners' colour
_LARGEST_DISTANCE = 255.0 * np.sqrt(3.0)  # black to white in RGB space
FORMATS = "JPEG, PNG, WebP, GIF, BMP or TIFF"


@dataclass(frozen=True)
class GarmentPhoto:
    """The 28×28 model input made from a photo, or the reason there is none (`pixels is None`)."""

    pixels: np.ndarray | None  # (28, 28) float32 in [0, 1], Fashion-MNIST layout (garment light on black)
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when there is an image to give the model."""
        return self.pixels is not None


def photo_to_fashion(data: bytes, name: str = "The photo") -> GarmentPhoto:
    """Turn an uploaded photo's bytes into Fashion-MNIST's (28, 28) float32 in [0, 1], or say why not.

    Example: a 400×300 photo of a dark rectangle (200×100) on white becomes a 28×14 bright rectangle centred
    on black: trimmed to 200×100, subsampled to 28×14, sharpened, extended to 28×28, negated.
    """
    if len(data) > MAX_PHOTO_BYTES:
        return GarmentPhoto(None, f"{name} is {len(data) / 1e6:.1f} MB; photos up to "
                                  f"{MAX_PHOTO_BYTES / 1e6:.0f} MB are read — take it at a lower resolution "
                                  "or send a smaller copy.")
    image = _decoded(data, name)
    if isinstance(image, str):
        return GarmentPhoto(None, image)
    rgb = np.asarray(image, dtype=np.float64)  # (H, W, 3)
    background = np.median(rgb[[0, 0, -1, -1], [0, -1, 0, -1]], axis=0)  # the four corners' colour
    kept = np.linalg.norm(rgb - background, axis=2) > CLOSE_TO_CORNER * _LARGEST_DISTANCE
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    if rows.size == 0:
        return GarmentPhoto(None, f"{name} is one flat colour, so there is no garment to see — photograph a "
                                  "garment on a plain background, filling most of the picture.")
    trimmed = image.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
    return GarmentPhoto(scale_pixels(_fashion_mnist_steps(trimmed, tuple(int(v) for v in background))))


def _decoded(data: bytes, name: str) -> Image.Image | str:
    """The photo upright in RGB (transparency over white), or a message saying why it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                return (f"{name} is {width:,} × {height:,} pixels; photos up to "
                        f"{MAX_PHOTO_PIXELS / 1e6:.0f} megapixels are read — take it at a lower resolution.")
            image = ImageOps.exif_transpose(image)  # a phone's photo, the way it was held
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError):
        return (f"{name} is not a picture this server can read — upload a photo of a garment as {FORMATS}.")
    if min(image.size) < SIDE:
        return (f"{name} is only {image.width} × {image.height} pixels; a photo needs at least {SIDE} × "
                f"{SIDE} to be turned into the model's 28 × 28 image.")
    return image


def _fashion_mnist_steps(trimmed: Image.Image, background: tuple[int, ...]) -> np.ndarray:
    """Steps 3–7 of the paper on the trimmed photo: (28, 28) grey levels 0…255, background black."""
    width, height = trimmed.size
    scale = SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = trimmed.resize(size, Image.Resampling.NEAREST)  # subsampling: rows and columns skipped
    sharp = small.filter(ImageFilter.UnsharpMask(radius=1.0, percent=100, threshold=0))
    canvas = Image.new("RGB", (SIDE, SIDE), background)
    canvas.paste(sharp, ((SIDE - size[0]) // 2, (SIDE - size[1]) // 2))
    grey = np.asarray(canvas.convert("L"), dtype=np.float64)
    paper = float(np.asarray(Image.new("RGB", (1, 1), background).convert("L"))[0, 0])
    negated = np.abs(grey - paper) * 255.0 / max(paper, 255.0 - paper)  # white paper: 255 − grey (step 6)
    return np.clip(np.round(negated), 0, 255).astype(np.uint8)
