"""`python -m cnnlab explain MODEL.h5 --layer N --at ROW,COL,CHANNEL [--image test:K | --image FILE.png]
[--json]`: one value of a trained model, traced — the input values it is computed from, the weights, the
arithmetic, and the value Keras computes for it.

`--layer N` counts the stack's layers from 1 as Build's table does (the input is not a layer). `--at` names
one value of that layer's output, counted from 0: ROW,COL,CHANNEL for a layer that gives an image (Conv2D,
pooling, ZeroPadding2D, and BatchNormalization or Dropout on an image), one UNIT for a layer that gives a
flat vector (Flatten, Dense, GlobalAveragePooling2D). Every layer type can be traced, each by its own rule:
Conv2D and Dense a weighted sum (`patch` × `kernel` + `bias`, then the activation), MaxPooling2D the largest
value of its window (`winner` says where), AveragePooling2D and GlobalAveragePooling2D the mean (of the
values inside the image: the padding is not counted), ZeroPadding2D, Flatten and Dropout a copy (Dropout
does nothing when predicting), BatchNormalization its normalisation. Keys that do not apply are null.

The file is read as Build reads an upload (its architecture as plain JSON) and only its weights are loaded
into that stack: nothing from the file runs. Bad arguments exit 2 with a message naming the layer or the
coordinate, before TensorFlow is imported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.bridge.modelfile import read_model_file
from cnnlab.cli.inputs import EXIT_OK, UsageError, model_with_weights, read_model_bytes
from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.base import CellRule
from cnnlab.core.messages import SpecError
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.receptive_field import cell_problem

if TYPE_CHECKING:  # numpy and the trace are imported when a value is traced: `summary` stays light
    import numpy as np

    from cnnlab.insight.trace import Trace

TEST_PREFIX = "test:"
MAX_IMAGE_BYTES = 25 * 2**20
SHOWN_CHANNELS = 2  # input channels whose patch and kernel the text output prints


def add_explain_arguments(parser: argparse.ArgumentParser) -> None:
    """The `explain` arguments: the model file, --layer, --at, --image and --json."""
    parser.add_argument("model", metavar="MODEL_FILE", help="a .h5 or .keras file saved by CNN Lab")
    parser.add_argument("--layer", required=True, type=int, metavar="N",
                        help="the layer, counted from 1 as in Build's table")
    parser.add_argument("--at", required=True, metavar="ROW,COL,CHANNEL",
                        help="the value, counted from 0: ROW,COL,CHANNEL of an image layer, UNIT of a flat "
                             "one")
    parser.add_argument("--image", default=f"{TEST_PREFIX}0", metavar="test:K | FILE.png",
                        help=f"MNIST test image K (0–{TEST_IMAGES - 1:,}; default test:0) or a picture of a "
                             "digit")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _cell(text: str) -> tuple[int, ...]:
    """--at's numbers: whole numbers separated by commas."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--at {text!r}: give whole numbers separated by commas, counted from 0, e.g. "
                         "4,5,0 (row, column, channel) or 7 (a unit)") from None


def _image(text: str) -> tuple[np.ndarray, str]:
    """The 28×28 image --image names, float32 in [0, 1], and how to say which it is."""
    from cnnlab.engine.data import load_mnist
    from cnnlab.insight.digit import scale_pixels

    if text.startswith(TEST_PREFIX):
        number = text[len(TEST_PREFIX):]
        if not number.isdigit() or not 0 <= int(number) < TEST_IMAGES:
            raise UsageError(f"--image {text}: the MNIST test images are test:0 to test:{TEST_IMAGES - 1}")
        mnist = load_mnist()
        index = int(number)
        return scale_pixels(mnist.x_test[index]), f"test image #{index:,} (a {int(mnist.y_test[index])})"
    return _picture(Path(text)), Path(text).name


def _picture(path: Path) -> np.ndarray:
    """A picture of a digit as the 28×28 input: a 28×28 image as it is, anything else prepared as Predict
    prepares a drawing (a dark digit on a light background is inverted first)."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from cnnlab.insight.digit import canvas_to_mnist, scale_pixels

    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise UsageError(f"--image {path}: more than the cap of {MAX_IMAGE_BYTES:,} bytes")
        with Image.open(path) as picture:
            grey = np.asarray(picture.convert("L"), dtype=np.float64)
    except FileNotFoundError:
        raise UsageError(f"--image {path}: no such file") from None
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise UsageError(f"--image {path}: not a picture that can be read ({type(error).__name__})") from None
    if grey.shape == (28, 28):
        return scale_pixels(grey)
    digit = canvas_to_mnist(255.0 - grey if grey.mean() > 127 else grey)
    if not digit.ok:
        raise UsageError(f"--image {path}: no digit found in it (a blank picture?)")
    return digit.pixels


def run_explain(args: argparse.Namespace) -> int:
    """Trace the value and print it (or one JSON object); exit 2 for anything the user can fix."""
    from cnnlab.insight.trace import ModelProbe

    source = Path(args.model)
    data = read_model_bytes(source)
    try:
        analysis = analyze(read_model_file(data, source.name))
    except SpecError as error:
        raise UsageError(str(error)) from None
    if not analysis.ok:
        raise UsageError(f"{source.name} holds a stack with problems:\n" +
                         "\n".join(str(problem) for problem in analysis.problems))
    at = _cell(args.at)
    problem = cell_problem(analysis, args.layer, at)
    if problem:
        raise UsageError(f"--layer {args.layer} --at {args.at}: {problem}")
    if tuple(analysis.input_shape) != (28, 28, 1):
        raise UsageError(f"{source.name} reads {'×'.join(map(str, analysis.input_shape))} images; explain "
                         "shows MNIST's 28×28×1 digits")
    image, named = _image(args.image)
    trace = ModelProbe(model_with_weights(analysis.spec, data, source.name), analysis).trace(
        image, args.layer, at)
    if args.json:
        print(json.dumps(trace.to_json()))
    else:
        print(trace_text(trace, named))
    return EXIT_OK


def _span(span: tuple[int, int]) -> str:
    return f"{span[0]}–{span[1] - 1}" if span[1] - span[0] > 1 else f"{span[0]}"


def _grid(values: np.ndarray) -> list[str]:
    """A small 2-D array as lines of numbers."""
    import numpy as np

    return ["   " + "  ".join(f"{v:8.4f}" for v in row) for row in np.atleast_2d(values)]


def trace_text(trace: Trace, named: str) -> str:
    """The trace in words and numbers, for a terminal."""
    at = (f"row {trace.at[0]}, column {trace.at[1]}, channel {trace.at[2]}" if len(trace.at) == 3
          else f"unit {trace.at[0]}")
    lines = [f"layer {trace.position} ({trace.type}), the value at {at} (counted from 0), for {named}"]
    field = trace.receptive_field
    lines.append(f"it sees input pixels rows {field.top}–{field.bottom}, columns {field.left}–{field.right} "
                 f"({field.rows}×{field.cols} px)" if field
                 else "it sees no pixel: it lies in a border of zeros")
    source = "the image" if trace.position == 1 else f"layer {trace.position - 1}'s output"
    rows, cols, channels = (*map(_span, trace.reads), "", "")[:3]
    where = (f"rows {rows}, columns {cols}, channels {channels}" if len(trace.reads) == 3
             else f"units {rows}")
    lines.append(f"it reads {source} at {where}")
    if trace.rule == CellRule.weighted_sum:
        lines += _weighted_lines(trace)
    elif trace.rule == CellRule.maximum:
        lines.append(f"the largest of its {trace.patch.size} values is {trace.value:.6f}, at row "
                     f"{trace.winner[0]}, column {trace.winner[1]}")
    elif trace.rule == CellRule.mean:
        lines.append(f"the mean of its {trace.patch.size} values is {trace.value:.6f}")
    elif trace.rule == CellRule.normalise:
        d = trace.details
        lines.append(f"{d['gamma']:.6f} × ({trace.patch.item():.6f} − {d['moving_mean']:.6f}) / "
                     f"√({d['moving_variance']:.6f} + {d['epsilon']:g}) + {d['beta']:.6f} = "
                     f"{trace.value:.6f}")
    else:
        lines.append(f"it copies that value: {trace.value:.6f}")
    difference = abs(trace.value - trace.keras_value)
    lines.append(f"Keras computed {trace.keras_value:.6f} (difference {difference:.1e})")
    return "\n".join(lines)


def _weighted_lines(trace: Trace) -> list[str]:
    """A weighted sum: the first input channels' patch and kernel, the sum, the bias, the activation."""
    lines = []
    if trace.patch.ndim == 3:
        channels = trace.patch.shape[2]
        for channel in range(min(channels, SHOWN_CHANNELS)):
            lines += [f"input channel {channel}: patch", *_grid(trace.patch[:, :, channel]), "  kernel",
                      *_grid(trace.kernel[:, :, channel])]
        if channels > SHOWN_CHANNELS:
            lines.append(f"… and {channels - SHOWN_CHANNELS} more input channels (--json gives them all)")
    lines.append(f"Σ input × weight over {trace.patch.size:,} values = {trace.products_sum:.6f}")
    lines.append(f"+ bias {trace.bias:.6f} = {trace.pre_activation:.6f} (before the activation)")
    lines.append(f"{trace.activation} → {trace.value:.6f}")
    return lines
