"""A trained model's figures on a labelled test set, from its softmax outputs: numpy only (no TensorFlow), so
a worker that ran the model and the web server that received its outputs compute them the same way."""

from __future__ import annotations

import numpy as np

from cnnlab.core.mnist import CLASSES

_EPSILON = 1e-7  # Keras's clip for probabilities in cross-entropy


def evaluate(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """Test loss and accuracy, confusion matrix and per-image prediction from the softmax outputs (N, 10).

    The loss is Keras's sparse categorical cross-entropy (probabilities clipped to [1e-7, 1 − 1e-7]), averaged
    over the images as `model.evaluate` does.
    """
    probabilities = probabilities.astype(np.float64)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    labels = np.asarray(labels).astype(np.int64)
    picked = np.clip(probabilities[np.arange(len(labels)), labels], _EPSILON, 1 - _EPSILON)
    predicted = probabilities.argmax(axis=1)
    confusion = np.bincount(labels * CLASSES + predicted, minlength=CLASSES * CLASSES)
    return {
        "test_loss": float(-np.log(picked).mean()),
        "test_accuracy": float((predicted == labels).mean()),
        "confusion": confusion.reshape(CLASSES, CLASSES).tolist(),
        "predicted": predicted.astype(np.uint8),
        "confidence": probabilities.max(axis=1).astype(np.float32),
    }
