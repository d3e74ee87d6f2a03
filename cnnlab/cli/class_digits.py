"""`python -m cnnlab class-digits show [--json]` and `class-digits export --out FILE.npz`: our class's
handwriting — the digits students drew on Predict and added to the class's set — counted, or written out in
the Keras layout (`x` uint8 (N, 28, 28), `y` uint8 (N,), as `keras.datasets.mnist.load_data()` gives them) to
test any model with, or to keep after the class.

Reads the same runs directory as the server (`Settings.runs_dir`, from the same environment). An empty set
on export, or an --out that cannot be written, exits with status 2 and one line saying why.
"""

from __future__ import annotations

import argparse
import io
import json

from cnnlab.cli.inputs import EXIT_OK, UsageError, output_path
from cnnlab.core.class_digits import DIGITS
from cnnlab.engine.paths import atomic_write_bytes

EMPTY_MESSAGE = ("our class's digits are empty, so there is nothing to export: students add drawings on "
                 "Predict (draw a digit, choose \"This is a\", press \"Add to our class's digits\")")


def add_class_digits_arguments(parser: argparse.ArgumentParser) -> None:
    """The class-digits command's actions: show [--json], export --out FILE.npz."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="how many drawings the set holds, in all and of each digit")
    show.add_argument("--json", action="store_true", help='print {"total": N, "per_digit": {"0": n, …}}')
    export = actions.add_parser("export", help="write the set as an .npz in the Keras layout (x, y)")
    export.add_argument("--out", required=True, metavar="FILE.npz", help="the file to write")


def run_class_digits(args: argparse.Namespace) -> int:
    """Show or export the class's drawings kept in the runs directory's classroom database."""
    import numpy as np  # here, as the Lab: `summary` answers without numpy

    from cnnlab.lab import Lab, Settings

    digits = Lab(Settings.from_environment()).class_digits
    if args.action == "show":
        counts = digits.counts()
        if args.json:
            per_digit = {str(digit): count for digit, count in zip(DIGITS, counts.per_digit, strict=True)}
            print(json.dumps({"total": counts.total, "per_digit": per_digit}))
        else:
            print(f"Our class's digits: {counts.total:,} drawing{'s' * (counts.total != 1)}")
            print("  ".join(f"{digit}: {count}" for digit, count in zip(DIGITS, counts.per_digit,
                                                                        strict=True)))
        return EXIT_OK
    out = output_path(args.out, ".npz", "the exported file")
    class_set = digits.class_set()
    if class_set is None:
        raise UsageError(EMPTY_MESSAGE)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=class_set.images, y=class_set.labels)
    try:
        atomic_write_bytes(out, buffer.getvalue())
    except OSError as error:
        raise UsageError(f"{out} could not be written ({error.strerror or type(error).__name__})") from None
    count = len(class_set.labels)
    print(f"wrote {out}: {count:,} drawing{'s' * (count != 1)} (x uint8 {class_set.images.shape}, y uint8 "
          f"({count},))")
    return EXIT_OK
