"""BatchNormalization: normalises each channel with learned γ, β and tracked moving statistics — Keras's
`layers.BatchNormalization`."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import Layer, Step
from cnnlab.core.layer_types.shapes import Shape


def batchnorm_formula(channels: int) -> tuple[int, int, str]:
    """BatchNormalization: γ and β are learned, moving mean and variance are tracked (not trained).

    Returns (trainable, non_trainable, formula):

    >>> batchnorm_formula(32)
    (64, 64, '2 × 32 trainable (γ, β) + 2 × 32 non-trainable (moving mean, variance) = 128')
    """
    trainable = non_trainable = 2 * channels
    return trainable, non_trainable, (f"2 × {channels:,} trainable (γ, β) + 2 × {channels:,} non-trainable "
                                      f"(moving mean, variance) = {trainable + non_trainable:,}")


@dataclass(frozen=True)
class BatchNormalization(Layer):
    """Normalises the last axis: learns γ, β and tracks a moving mean and variance per channel."""

    type = "BatchNormalization"
    help = "Normalises each channel; 4 numbers per channel (2 learned). No settings."
    colour = "#B279A2"
    keras_fixed = MappingProxyType({"axis": (-1, 3, [-1], [3]), "center": (True,), "scale": (True,)})

    def step(self, shape: Shape) -> Step:
        """The shape is unchanged; four numbers per channel of the last axis."""
        trainable, non_trainable, formula = batchnorm_formula(shape[-1])
        return Step(shape, trainable + non_trainable, non_trainable, formula, "unchanged")
