"""Per-digit accuracy, the most frequent confusion, and a confusion cell's images worst first."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.insight.mistakes import cell_examples, class_accuracy, most_confused

MATRIX = [[8, 2, 0], [1, 9, 0], [0, 5, 0]]  # 3 digits: row = true, column = predicted


def test_class_accuracy_is_the_diagonal_over_the_row() -> None:
    assert class_accuracy(MATRIX) == pytest.approx([0.8, 0.9, 0.0])
    assert class_accuracy([[0, 0], [3, 1]]) == [None, 0.25]


def test_most_confused_is_the_largest_off_diagonal_cell() -> None:
    assert most_confused(MATRIX) == (2, 1)
    assert most_confused([[5, 1], [1, 5]]) == (0, 1)  # ties: first in reading order
    assert most_confused([[5, 0], [0, 5]]) is None


def test_cell_examples_are_worst_first() -> None:
    labels = np.array([3, 3, 3, 5, 3, 3])
    predicted = np.array([5, 3, 5, 5, 5, 3])
    confidence = np.array([0.6, 0.99, 0.9, 0.8, 0.7, 0.55], dtype=np.float32)
    mistakes = cell_examples(labels, predicted, confidence, 3, 5, limit=2)
    assert (mistakes.true_digit, mistakes.predicted_digit, mistakes.total) == (3, 5, 3)
    assert mistakes.indices.tolist() == [2, 4]  # the most confident wrong answers first
    np.testing.assert_allclose(mistakes.confidence, [0.9, 0.7])
    right = cell_examples(labels, predicted, confidence, 3, 3, limit=10)
    assert right.indices.tolist() == [5, 1]  # the least confident right answers first
    empty = cell_examples(labels, predicted, confidence, 5, 3, limit=10)
    assert (empty.total, empty.indices.tolist()) == (0, [])
