"""Whole scores: a run ranks only once it has been scored on every test image of its dataset.

A run stopped while testing keeps the score of the test images seen so far — the first few hundred are the
easier ones — so it is shown "on N test images" and left off the leaderboard until its testing is finished
(`JobManager.finish_testing`). `test_set_size` is the one place that says how many test images a run has.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.engine.events import Tested
from cnnlab.engine.store import RunResult


def test_set_size(config: TrainConfig | Mapping) -> int:
    """How many test images the run's dataset has (MNIST's test set: 10,000).

    Takes the run's settings so that a run's own dataset decides it once runs carry one.
    """
    return TEST_IMAGES


def is_whole(tested_images: int | None, config: TrainConfig | Mapping) -> bool:
    """True when the run was scored on all its test images: only such a score ranks on a leaderboard.

    10,000 of 10,000 → True; 1,928 → False; None (never tested) → False.
    """
    return tested_images is not None and tested_images >= test_set_size(config)


def partial_note(tested_images: int | None, config: TrainConfig | Mapping) -> str:
    """What marks a partial score: 1928 → "on 1,928 test images"; a whole score or none → ""."""
    if tested_images is None or is_whole(tested_images, config):
        return ""
    return f"on {tested_images:,} test images"


def scored_on(tested_images: int, config: TrainConfig | Mapping) -> str:
    """How many test images a run was scored on: 10000 → "all 10,000 test images", 1200 → "1,200 of the
    10,000 test images" (a stopped run is tested only as long as a quick stop allows)."""
    total = test_set_size(config)
    if tested_images >= total:
        return f"all {total:,} test images"
    return f"{tested_images:,} of the {total:,} test images"


def merged_result(first: RunResult, rest: Tested) -> RunResult:
    """The result of the first images (`first`) and of the images after them (`rest`, from a test task) as
    one: losses and accuracies weighted by their image counts, confusion matrices added, per-image
    predictions joined in order."""
    done, more = len(first.predicted), len(rest["predicted"])
    total = done + more
    return RunResult(
        test_loss=(first.test_loss * done + rest["test_loss"] * more) / total,
        test_accuracy=(first.test_accuracy * done + rest["test_accuracy"] * more) / total,
        confusion=tuple(tuple(a + b for a, b in zip(row, other, strict=True))
                        for row, other in zip(first.confusion, rest["confusion"], strict=True)),
        predicted=np.concatenate([first.predicted, np.asarray(rest["predicted"], dtype=np.uint8)]),
        confidence=np.concatenate([first.confidence, np.asarray(rest["confidence"], dtype=np.float32)]),
    )
