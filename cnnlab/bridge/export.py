"""A trained Keras 3 model as files other tools open: ONNX (onnxruntime, web pages, phones) and a Keras 2 .h5.

ONNX: tf2onnx converts a `tf.function` with one input named "image", float32 (N, 28, 28, 1) in [0, 1], and
one output named "probabilities", (N, 10), at opset 17. Two TensorFlow ops that Keras 3 activations use have
no ONNX operator of their own, so they are written with ones that do: Expm1 (celu) as Exp − 1 and Erfc
(gelu) as 1 − Erf.

Keras 2: the stack is rebuilt with `tf_keras` layers in a separate process (`cnnlab.bridge.keras2`), never in
this one, so importing tf_keras can never change this process's Keras 3.

Keras 3's own `.keras` of a big run is made from its `.h5` when asked for (`keras3_bytes`): the run's files
are then written once, not twice (`cnnlab.engine.storage`).

TensorFlow, tf2onnx and Keras are imported inside the functions: this module is cheap to import.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnlab.bridge import keras2
from cnnlab.bridge.model import build_model
from cnnlab.core.export_rules import ExportFormat, export_problems
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.messages import error_summary
from cnnlab.core.spec_json import spec_to_dict

if TYPE_CHECKING:
    import keras

ONNX_OPSET = 17
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
KERAS2_TIMEOUT_S = 300.0  # a fresh interpreter importing TensorFlow on a busy 2-core machine, then one save
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding `cnnlab`, for the child's path


class ExportFailed(Exception):
    """A model that could not be exported; `str(error)` is a message for the student."""


def trained_model(spec: NetworkSpec, weights_file: Path, label: str = "") -> keras.Sequential:
    """The Keras 3 model for `spec` with the weights stored in a .h5 / .keras file saved by Keras.

    Only the weights are read: the model is built from the already validated spec, so nothing in the file's
    own config is deserialized or run. Keras picks its weights reader by the file's suffix (.h5 or .keras).
    Raises ExportFailed, naming the file as `label` (default: its name), when the weights do not fit.
    """
    model = build_model(spec)
    try:
        model.load_weights(weights_file)
    except Exception as error:  # h5py, zipfile and Keras each raise their own kinds
        raise ExportFailed(f"{label or weights_file.name}: its weights could not be read into the stack it "
                           f"describes ({type(error).__name__})") from None
    return model


def export_bytes(model: keras.Model, spec: NetworkSpec, fmt: ExportFormat) -> bytes:
    """The `fmt` file of a trained `model` built from `spec`; ExportFailed names each layer it cannot hold."""
    problems = export_problems(spec, fmt)
    if problems:
        raise ExportFailed("\n".join(str(problem) for problem in problems))
    if fmt is ExportFormat.ONNX:
        return onnx_bytes(model)
    return keras2_h5_bytes(model, spec)


def keras3_bytes(h5_file: Path) -> bytes:
    """A `.h5` saved by the trainer as a Keras 3 `.keras` file: the same weights, compile settings and
    optimizer state, as if the trainer had saved it too.

    Keras's legacy loader reads the optimizer's saved state but, for a Sequential model, builds the optimizer
    for no weights and drops it; so the model is compiled again from its own compile config (a fresh
    optimizer of the same settings), the optimizer built for its weights, and the state set from the file's
    `optimizer_weights` in their saved order.
    """
    import h5py
    import keras
    import numpy as np

    try:
        model = keras.models.load_model(h5_file)
        model.compile_from_config(model.get_compile_config())
        model.optimizer.build(model.trainable_variables)
        with h5py.File(h5_file, "r") as handle:
            saved = handle["optimizer_weights"]
            names = [name.decode() if isinstance(name, bytes) else name
                     for name in saved.attrs["weight_names"]]
            model.optimizer.set_weights([np.asarray(saved[name]) for name in names])
    except Exception as error:  # h5py, Keras and a damaged file each raise their own kinds
        raise ExportFailed(f"the .keras file could not be made ({error_summary(error)})") from None
    with tempfile.TemporaryDirectory(prefix="cnnlab-keras3-") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def onnx_bytes(model: keras.Model) -> bytes:
    """The model as an ONNX file: input "image" (N, *input shape) float32, output "probabilities"."""
    import tensorflow as tf
    import tf2onnx

    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name=INPUT_NAME)]

    @tf.function(input_signature=signature)
    def serve(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {OUTPUT_NAME: model(image, training=False)}

    handlers = {"Expm1": (_exp_minus_one, []), "Erfc": (_one_minus_erf, [])}
    try:
        proto, _ = tf2onnx.convert.from_function(serve, input_signature=signature, opset=ONNX_OPSET,
                                                 custom_op_handlers=handlers)
    except Exception as error:  # tf2onnx raises many kinds; the student gets one line
        raise ExportFailed(f"tf2onnx could not convert this model ({error_summary(error)})") from None
    return proto.SerializeToString()


def _exp_minus_one(ctx: Any, node: Any, name: str, args: list) -> None:
    """tf2onnx handler: Expm1(x) → Exp(x) − 1."""
    node.type = "Exp"
    ctx.insert_new_node_on_output("Sub", node.output[0], inputs=[node.output[0], _one(ctx)])


def _one_minus_erf(ctx: Any, node: Any, name: str, args: list) -> None:
    """tf2onnx handler: Erfc(x) → 1 − Erf(x)."""
    node.type = "Erf"
    ctx.insert_new_node_on_output("Sub", node.output[0], inputs=[_one(ctx), node.output[0]])


def _one(ctx: Any) -> str:
    """A float32 constant 1 in the graph being converted; its output name."""
    import numpy as np
    from tf2onnx import utils

    return ctx.make_const(utils.make_name("one"), np.array(1, dtype=np.float32)).output[0]


def keras2_h5_bytes(model: keras.Model, spec: NetworkSpec, timeout: float = KERAS2_TIMEOUT_S) -> bytes:
    """The model as a Keras 2 .h5 that `tf_keras.models.load_model` opens, made in a separate process."""
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="cnnlab-keras2-") as folder:
        workdir = Path(folder)
        (workdir / keras2.SPEC_FILE).write_text(json.dumps(spec_to_dict(spec)), encoding="utf-8")
        np.savez(workdir / keras2.WEIGHTS_FILE, *model.get_weights())
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")]))
        try:
            done = subprocess.run([sys.executable, "-m", "cnnlab.bridge.keras2", str(workdir)], env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ExportFailed(f"making the Keras 2 file took longer than {timeout:g} s; the machine may be "
                               "busy — try again in a minute") from None
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            reason = lines[-1][:300] if lines else f"exit status {done.returncode}"
            raise ExportFailed(f"Keras 2 could not save this model ({reason})")
        return (workdir / keras2.MODEL_FILE).read_bytes()
