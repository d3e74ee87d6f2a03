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

from cnnlab.core.layer_types.base import CellRule, Layer, Piece, Step, Term, formula_text
from cnnlab.core.layer_types.settings import Field, FieldKind
from cnnlab.core.layer_types.shapes import Shape

KERAS_MOMENTUM = 0.99


def batchnorm_pieces(channels: int) -> tuple[int, int, tuple[Piece, ...]]:
    """BatchNormalization: γ and β are learned, moving mean and variance are tracked (not trained).

    Returns (trainable, non_trainable, the worked formula in pieces); `batchnorm_formula` is its text.
    """
    trainable = non_trainable = 2 * channels
    count = Piece(f"{channels:,}", Term.channels)
    return trainable, non_trainable, (
        Piece("2 × "), count, Piece(" trainable (γ, β) + 2 × "), count,
        Piece(f" non-trainable (moving mean, variance) = {trainable + non_trainable:,}"))


def batchnorm_formula(channels: int) -> tuple[int, int, str]:
    """BatchNormalization: γ and β are learned, moving mean and variance are tracked (not trained).

    Returns (trainable, non_trainable, formula):

    >>> batchnorm_formula(32)
    (64, 64, '2 × 32 trainable (γ, β) + 2 × 32 non-trainable (moving mean, variance) = 128')
    """
    trainable, non_trainable, pieces = batchnorm_pieces(channels)
    return trainable, non_trainable, formula_text(pieces)


@dataclass(frozen=True)
class BatchNormalization(Layer):
    """Normalises the last axis: learns γ, β and tracks a moving mean and variance per channel, following the
    batches with `momentum` (0 ≤ momentum < 1)."""

    momentum: float = KERAS_MOMENTUM

    type = "BatchNormalization"
    help = "Normalises each channel; 4 numbers per channel (2 learned)."
    colour = "#B279A2"
    keras_fixed = MappingProxyType({"axis": (-1, 3, [-1], [3]), "center": (True,), "scale": (True,)})
    cell_rule = CellRule.normalise
    fields = (
        Field("momentum", "Momentum", FieldKind.fraction, (KERAS_MOMENTUM,),
              "How slowly the moving mean and variance (used when testing) follow the training batches: "
              "0.99, Keras's default, averages about the last 100 batches, too slow for a short run at a "
              "high learning rate; 0.9 follows about the last 10.",
              example="0.9 follows about the last 10 batches"),
    )

    def step(self, shape: Shape) -> Step:
        """The shape is unchanged; four numbers per channel of the last axis."""
        trainable, non_trainable, pieces = batchnorm_pieces(shape[-1])
        return Step(shape, trainable + non_trainable, non_trainable, formula_text(pieces), "unchanged",
                    pieces=pieces)

    def how_it_works(self, shape: Shape) -> str:
        """What it computes per channel, and why 2 of its 4 numbers per channel are not trained."""
        channels = shape[-1]
        return (f"Normalises each of the {channels:,} channels: subtracts the channel's mean and divides by "
                "its standard deviation — over the batch while training, over moving averages of those when "
                "predicting — then multiplies by a learned scale γ and adds a learned shift β. That is 4 "
                "numbers per channel, of which 2 are trained: γ and β learn by gradient descent like any "
                "weight, while the moving mean and variance are only tracked (averaged from the batches "
                f"seen), not trained — {2 * channels:,} trainable and {2 * channels:,} non-trainable.")
