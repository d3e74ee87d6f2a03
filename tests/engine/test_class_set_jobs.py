"""The job manager and our class's handwriting (scripted worker): a digits run is sent the class's drawings as
they are when it starts, and the score its worker reports is kept with the ids of the drawings it covers; a
run without drawings, a stopped run, or a classroom that cannot be read loses nothing else."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from cnnlab.engine.evaluation import evaluate
from cnnlab.engine.jobs import JobState
from cnnlab.lab import Lab
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack
from cnnlab.testing.engine import finished_event


def _drawing(seed: int) -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.float32)
    pixels[5:20, 10 + seed % 5] = 1.0
    pixels[5 + seed % 10, 6:22] = 0.5
    return pixels


def _class_figures(labels: list[int], read: list[int]) -> dict:
    """What a worker reports for drawings labelled `labels` that the model read as `read`."""
    probabilities = np.full((len(read), 10), 0.01, dtype=np.float32)
    probabilities[np.arange(len(read)), read] = 0.91
    return evaluate(probabilities, np.asarray(labels, dtype=np.uint8))


def _start(lab: Lab, owner: str) -> tuple[str, dict]:
    job_id = lab.jobs.submit(owner, conv_stack(4), CHALLENGE_CONFIG)
    lab.jobs.step()
    return job_id, lab.jobs.runner.tasks[-1].payload


def test_a_digits_run_is_sent_the_drawings_and_keeps_its_score_on_them(lab: Lab, owner: str) -> None:
    digits = lab.class_digits
    for seed, label in enumerate((3, 3, 7)):
        assert digits.add(owner, "Ada", _drawing(seed), label).ok
    job_id, payload = _start(lab, owner)
    sent = payload["class_set"]
    np.testing.assert_array_equal(sent["images"], digits.class_set().images)
    assert sent["images"].dtype == np.uint8 and sent["labels"].tolist() == [3, 3, 7]

    runner = lab.jobs.runner
    runner.send(runner.tasks[-1], {**finished_event(), "class_set": _class_figures([3, 3, 7], [3, 5, 7])},
                {"event": "done"})
    lab.jobs.step()
    assert lab.store.get(job_id, owner).state == JobState.FINISHED
    score = digits.scores.get(job_id, owner)
    assert score.accuracy == pytest.approx(2 / 3) and score.drawings == 3
    assert score.drawing_ids == digits.ids() and score.predicted == (3, 5, 7)
    assert score.confusion[3][5] == 1 and score.confusion[7][7] == 1
    assert not score.changed_since(digits.ids())
    digits.add(owner, "Ada", _drawing(9), 1)
    assert score.changed_since(digits.ids())  # Results then offers to score it again


def test_a_drawing_added_while_a_run_trains_is_not_in_its_score(lab: Lab, owner: str) -> None:
    digits = lab.class_digits
    digits.add(owner, "Ada", _drawing(0), 0)
    job_id, _ = _start(lab, owner)
    digits.add(owner, "Ada", _drawing(1), 1)
    runner = lab.jobs.runner
    runner.send(runner.tasks[-1], {**finished_event(), "class_set": _class_figures([0], [0])},
                {"event": "done"})
    lab.jobs.step()
    score = digits.scores.get(job_id, owner)
    assert (score.drawing_ids, score.accuracy) == ((1,), 1.0)
    assert score.changed_since(digits.ids())


def test_without_drawings_or_after_a_stop_a_run_has_no_class_score(lab: Lab, owner: str) -> None:
    job_id, payload = _start(lab, owner)
    assert "class_set" not in payload
    runner = lab.jobs.runner
    runner.send(runner.tasks[-1], finished_event(), {"event": "done"})
    lab.jobs.step()
    assert lab.class_digits.scores.get(job_id, owner) is None

    lab.class_digits.add(owner, "Ada", _drawing(0), 0)
    stopped_id, payload = _start(lab, owner)
    assert "class_set" in payload
    runner.send(runner.tasks[-1], {**finished_event(stopped=True), "class_set": None}, {"event": "done"})
    lab.jobs.step()
    assert lab.store.get(stopped_id, owner).state == JobState.STOPPED
    assert lab.class_digits.scores.get(stopped_id, owner) is None


def test_a_classroom_that_cannot_be_read_or_written_costs_only_the_class_score(
        lab: Lab, owner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    digits = lab.class_digits
    digits.add(owner, "Ada", _drawing(0), 0)

    def locked(*args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(digits, "for_run", locked)
    job_id, payload = _start(lab, owner)
    assert "class_set" not in payload and lab.store.get(job_id, owner).state == JobState.RUNNING
    monkeypatch.undo()

    monkeypatch.setattr(digits, "record", locked)
    runner = lab.jobs.runner
    runner.send(runner.tasks[-1], {**finished_event(), "class_set": _class_figures([0], [0])},
                {"event": "done"})
    lab.jobs.step()
    assert lab.store.get(job_id, owner).state == JobState.FINISHED
    assert digits.scores.get(job_id, owner) is None
