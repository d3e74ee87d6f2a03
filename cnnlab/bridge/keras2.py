"""The Keras 2 side of an export, run as its own process: `python -m cnnlab.bridge.keras2 WORKDIR`.

Keras 2 (`tf_keras`) and Keras 3 must never share a process: both register themselves with TensorFlow, and
`TF_USE_LEGACY_KERAS` changes what `tf.keras` means for everything imported after it. So `export.py` writes
the spec (spec.json) and the trained weights (weights.npz, in `model.get_weights()` order) into WORKDIR and
starts this module in a fresh interpreter, which builds the same stack with tf_keras layers, copies the
weights in, and saves WORKDIR/model.h5 in Keras 2's HDF5 layout. Copying Keras 3's layer configs instead
does not work: Keras 2 refuses fields it does not know (`batch_shape`, initializer settings).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from cnnlab.core.messages import error_summary

SPEC_FILE = "spec.json"
WEIGHTS_FILE = "weights.npz"
MODEL_FILE = "model.h5"
EXIT_FAILED = 1


def write_keras2_h5(workdir: Path) -> None:
    """Build WORKDIR's spec with tf_keras, load its weights, compile as CNN Lab trains, save model.h5."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # this process only: tf.keras means tf_keras here
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tf_keras

    from cnnlab.bridge.model import build_model
    from cnnlab.core.arithmetic import analyze

    spec = analyze(json.loads((workdir / SPEC_FILE).read_text(encoding="utf-8"))).spec
    if spec is None:
        raise ValueError("the stack in the export's spec.json is not valid")
    with np.load(workdir / WEIGHTS_FILE) as stored:
        weights = [stored[f"arr_{index}"] for index in range(len(stored.files))]
    model = build_model(spec, tf_keras)
    model.set_weights(weights)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(workdir / MODEL_FILE, save_format="h5")


def main(argv: list[str]) -> int:
    """Run `write_keras2_h5` on argv[0]; any failure is one line on stderr and exit status 1."""
    try:
        write_keras2_h5(Path(argv[0]))
    except Exception as error:  # the parent turns this line into the student's message
        print(f"{type(error).__name__}: {error_summary(error)}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
