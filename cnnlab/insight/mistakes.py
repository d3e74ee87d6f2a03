"""Where a trained model errs: per-digit accuracy, the most frequent confusions, and the test images behind
each cell of the confusion matrix, worst first. Plain numpy over the run's stored per-image predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Matrix = Sequence[Sequence[int]]  # matrix[true][predicted]


@dataclass(frozen=True)
class CellExamples:
    """The test images of one confusion-matrix cell (true digit, predicted digit), worst first."""

    true_digit: int
    predicted_digit: int
    indices: np.ndarray  # indices into the 10,000 test images, shown ones only
    confidence: np.ndarray  # the model's probability for `predicted_digit`, same order
    total: int  # images in the cell (may be more than shown)


def class_accuracy(matrix: Matrix) -> list[float | None]:
    """Fraction of each true digit read correctly: the diagonal over the row sum (None for an empty row).

    Example: a row [970, 0, 10, …] summing to 980 gives 970 / 980 = 0.9898 for that digit.
    """
    rows = np.asarray(matrix, dtype=np.int64)
    totals = rows.sum(axis=1)
    return [float(rows[d, d] / totals[d]) if totals[d] else None for d in range(len(rows))]


def most_confused(matrix: Matrix) -> tuple[int, int] | None:
    """The off-diagonal cell with the most images, as (true, predicted); None when nothing was misread.

    Ties go to the first in reading order, so the answer is stable from run to run of the page.
    """
    cells = np.asarray(matrix, dtype=np.int64).copy()
    np.fill_diagonal(cells, 0)
    if cells.max(initial=0) == 0:
        return None
    true_digit, predicted_digit = np.unravel_index(int(cells.argmax()), cells.shape)
    return int(true_digit), int(predicted_digit)


def cell_examples(
    labels: np.ndarray, predicted: np.ndarray, confidence: np.ndarray, true_digit: int, predicted_digit: int,
    limit: int,
) -> CellExamples:
    """Test images labelled `true_digit` that the model read as `predicted_digit`: worst first, ≤ `limit`.

    Worst first: for a mistake, the most confident wrong answers; for a correct cell (true == predicted), the
    least confident right ones — the images closest to being misread.
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    confidence = np.asarray(confidence, dtype=np.float32)
    members = np.flatnonzero((labels == true_digit) & (predicted == predicted_digit))
    order = np.argsort(confidence[members], kind="stable")
    if true_digit != predicted_digit:
        order = order[::-1]
    shown = members[order][: max(0, limit)]
    return CellExamples(true_digit, predicted_digit, shown, confidence[shown], int(members.size))
