"""Test-set scoring in chunks that a stop cuts short, and validation that a stop ends early (the chunk size
from the stack's cost: `tests/engine/test_trainer.py`)."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytestmark = pytest.mark.keras


def _model() -> object:
    """A tiny Keras classifier with fixed weights (Keras imported here, as other keras-marked tests do)."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])


def test_scoring_in_chunks_gives_keras_predictions() -> None:
    from cnnlab.engine.trainer import score

    images = np.random.default_rng(0).integers(0, 256, size=(250, 28, 28), dtype=np.uint8)
    model = _model()
    expected = model.predict(images[..., np.newaxis].astype(np.float32) / 255, verbose=0)
    scored = score(model, images, 100, None, lambda: False)
    assert scored.shape == (250, 10)
    np.testing.assert_allclose(scored, expected, rtol=1e-6, atol=1e-7)


def test_a_stop_cuts_scoring_short_after_a_first_chunk() -> None:
    from cnnlab.engine.trainer import STOP_SCORING_S, score

    images = np.zeros((250, 28, 28), dtype=np.uint8)
    long_ago = time.monotonic() - STOP_SCORING_S - 1
    assert score(_model(), images, 100, long_ago, lambda: False).shape == (100, 10)  # one chunk, then stop
    asked: list[int] = []

    def stop_after_two_checks() -> bool:
        asked.append(1)
        return len(asked) >= 2

    scored = score(_model(), images, 10, None, stop_after_two_checks)  # the stop is seen before chunk 2
    assert len(asked) == 2 and 20 <= len(scored) <= 250  # scoring goes on for at most STOP_SCORING_S
