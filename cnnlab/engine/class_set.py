"""The class's own handwriting as a second test set, as the engine sees it: the drawings a digits run is
scored on at the end of its training, and the score it got.

The drawings are kept by the classroom (`cnnlab.classroom.class_digits`), which the engine never imports: the
composition root hands the job manager a `ClassSetSource`, as it hands it the challenge. When a job starts,
the job manager asks the source for the set as it is then (`for_run`: None for a run of another dataset or
an empty set) and sends the images with the job to its worker; the trainer scores the model on them right
after MNIST's test images, and the job manager gives the score back to the source (`record`) with the ids of
the drawings it covers, so a reader can tell whether the set has changed since.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True, eq=False)
class ClassSet:
    """The class's drawings at one moment, in the Keras layout."""

    images: np.ndarray  # (N, 28, 28) uint8, the images as the model receives them × 255
    labels: np.ndarray  # (N,) uint8, 0–9
    ids: tuple[int, ...]  # each drawing's id in the classroom's store, same order

    def payload(self) -> dict[str, np.ndarray]:
        """What the worker is sent: {"images", "labels"} (the ids stay with the job manager)."""
        return {"images": self.images, "labels": self.labels}


@dataclass(frozen=True)
class ClassScore:
    """How one trained model read the class's drawings."""

    accuracy: float
    loss: float
    confusion: tuple[tuple[int, ...], ...]  # confusion[true][predicted], 10 × 10
    drawing_ids: tuple[int, ...]  # the drawings scored, in the order of `predicted`
    predicted: tuple[int, ...]  # the digit the model read in each drawing
    confidence: tuple[float, ...]  # the softmax probability of that digit
    scored_at: float  # seconds since the epoch

    @property
    def drawings(self) -> int:
        """How many drawings the score covers."""
        return len(self.drawing_ids)

    @classmethod
    def from_figures(cls, drawing_ids: Sequence[int], figures: Mapping) -> ClassScore:
        """The score from `evaluation.evaluate` of the drawings `drawing_ids` (same order), scored now."""
        return cls(
            accuracy=float(figures["test_accuracy"]),
            loss=float(figures["test_loss"]),
            confusion=tuple(tuple(int(count) for count in row) for row in figures["confusion"]),
            drawing_ids=tuple(int(i) for i in drawing_ids),
            predicted=tuple(int(digit) for digit in np.asarray(figures["predicted"])),
            confidence=tuple(round(float(p), 5) for p in np.asarray(figures["confidence"])),
            scored_at=time.time(),
        )

    def changed_since(self, current_ids: Sequence[int]) -> bool:
        """True when the set now holds other drawings than the ones scored (one added or deleted since)."""
        return set(self.drawing_ids) != set(current_ids)


class ClassSetSource(Protocol):
    """Where the job manager gets the class's drawings for a run and leaves the run's score on them."""

    def for_run(self, config: Mapping[str, object]) -> ClassSet | None:
        """The drawings to score a run of these training settings on (`config_to_dict` form), or None."""

    def record(self, run_id: str, owner: str, score: ClassScore) -> None:
        """Keep a run's score on the class's drawings (replacing an earlier one)."""
