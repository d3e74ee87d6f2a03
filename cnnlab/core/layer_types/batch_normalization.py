"""BatchNormalization: normalises each channel with learned γ, β and tracked moving statistics — Keras's
`layers.BatchNormalization`.

It behaves differently while training and while testing. Training normalises each batch by that batch's own
mean and variance; testing (validation, the test set, Predict) uses the moving mean and variance, running
averages updated after every training batch: new = momentum × old + (1 − momentum) × this batch's. Keras's
momentum 0.99 averages over about the last 100 batches (1 / (1 − 0.99)), and starts from mean 0, variance 1:
in a short run at a high learning rate (the Train page's 211 batches at up to 0.01) the statistics a layer
sees change faster than that, the averages lag behind, and at test time every image is pushed the same wrong
way — the batchnorm preset read all 10,000 test digits as one class (11.35 %) while it trained at 84 %.
Momentum 0.9 follows about the last 10 batches (README, "Why the batchnorm preset read every digit as a 1").
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import Layer, Step
from cnnlab.core.layer_types.settings import Field, FieldKind
from cnnlab.core.layer_types.shapes import Shape

KERAS_MOMENTUM = 0.99


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
    """Normalises the last axis: learns γ, β and tracks a moving mean and variance per channel, following the
    batches with `momentum` (0 ≤ momentum < 1)."""

    momentum: float = KERAS_MOMENTUM

    type = "BatchNormalization"
    help = "Normalises each channel; 4 numbers per channel (2 learned)."
    colour = "#B279A2"
    keras_fixed = MappingProxyType({"axis": (-1, 3, [-1], [3]), "center": (True,), "scale": (True,)})
    fields = (
        Field("momentum", "Momentum", FieldKind.fraction, (KERAS_MOMENTUM,),
              "How slowly the moving mean and variance (used when testing) follow the training batches: "
              "0.99, Keras's default, averages about the last 100 batches, too slow for a short run at a "
              "high learning rate; 0.9 follows about the last 10.",
              example="0.9 follows about the last 10 batches"),
    )

    def step(self, shape: Shape) -> Step:
        """The shape is unchanged; four numbers per channel of the last axis."""
        trainable, non_trainable, formula = batchnorm_formula(shape[-1])
        return Step(shape, trainable + non_trainable, non_trainable, formula, "unchanged")
