"""Which trained stacks each export format can carry, decided from the spec alone (plain Python, no Keras).

ONNX (through tf2onnx) carries every layer and activation CNN Lab offers. Keras 2 (`tf_keras`) lacks
Keras 3's newer activations and computes "hard_sigmoid" differently (clip(0.2·x + 0.5) instead of
relu6(x + 3) / 6), so a stack using one of those is refused with the layer and the fix; the sets here are
checked against tf_keras itself in the tests.
"""

from __future__ import annotations

from enum import StrEnum

from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.messages import Problem


class ExportFormat(StrEnum):
    """A file a trained model can be exported to; values are the CLI's `--to` choices."""

    ONNX = "onnx"
    KERAS2_H5 = "keras2-h5"

    @property
    def suffix(self) -> str:
        """The end of its file names, after the stem "convnet-98.91".

        >>> [fmt.suffix for fmt in ExportFormat]
        ['.onnx', '-keras2.h5']
        """
        return _SUFFIXES[self]

    @property
    def filename(self) -> str:
        """The file's name inside a run directory, where an export is cached: "model.onnx"."""
        return f"model{self.suffix}"

    @property
    def title(self) -> str:
        """How pages and messages name it: "ONNX", "Keras 2 .h5"."""
        return _TITLES[self]


_SUFFIXES = {ExportFormat.ONNX: ".onnx", ExportFormat.KERAS2_H5: "-keras2.h5"}
_TITLES = {ExportFormat.ONNX: "ONNX", ExportFormat.KERAS2_H5: "Keras 2 .h5"}

# Activations tf_keras 2.21 has under the same name and computes exactly as Keras 3 does.
KERAS2_ACTIVATIONS = frozenset({
    Activation.linear, Activation.relu, Activation.sigmoid, Activation.tanh, Activation.softmax,
    Activation.elu, Activation.selu, Activation.gelu, Activation.swish, Activation.silu, Activation.mish,
    Activation.softplus, Activation.softsign, Activation.leaky_relu, Activation.relu6,
    Activation.exponential, Activation.log_softmax,
})


def export_problems(spec: NetworkSpec, fmt: ExportFormat) -> tuple[Problem, ...]:
    """Why `spec` cannot be exported as `fmt`, one problem per layer; () when it can.

    >>> from cnnlab.core.layer_types.dense import Dense
    >>> from cnnlab.core.layer_types.flatten import Flatten
    >>> celu = NetworkSpec(layers=(Flatten(), Dense(10, Activation.celu)))
    >>> export_problems(celu, ExportFormat.ONNX)
    ()
    >>> print(str(export_problems(celu, ExportFormat.KERAS2_H5)[0])[:71])
    layer 2 (Dense): activation "celu" does not exist in Keras 2 (tf_keras)
    """
    if fmt is not ExportFormat.KERAS2_H5:
        return ()
    known = ", ".join(sorted(KERAS2_ACTIVATIONS))
    problems = []
    for position, layer in enumerate(spec.layers, start=1):
        activation = layer.keras_arguments().get("activation")
        if activation is not None and activation not in KERAS2_ACTIVATIONS:
            missing = "is computed differently in" if activation == Activation.hard_sigmoid else (
                "does not exist in")
            problems.append(Problem(position, layer.type, (
                f'activation "{activation}" {missing} Keras 2 (tf_keras); use one of {known} — or take the '
                "ONNX or Keras 3 file, which carry every activation")))
    return tuple(problems)
