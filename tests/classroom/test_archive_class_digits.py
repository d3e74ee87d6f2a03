"""A new class and removed students take our class's handwriting with them (issue 21 beside issue 25's
class digits).

A new class starts with an empty set: every drawing, the teacher's refusals and every run's score on the set
move into the archive, and the archive's boards still rank a class-digits challenge by those scores. Removing
a student moves their drawings (and refusal) with them and leaves everyone else's in the class's set.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

from cnnlab.classroom.archive import LiveClass, class_bundle, remove_students, start_new_class
from cnnlab.classroom.class_digits import ClassDigits
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import new_run_id
from cnnlab.lab import Lab


def _live(lab: Lab) -> LiveClass:
    return LiveClass(lab.settings.runs_dir, lab.store, lab.drafts, lab.classroom)


def _image(seed: int) -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.float32)
    pixels[4:24, 8:20] = np.random.default_rng(seed).random((20, 12), dtype=np.float32)
    return pixels


def _score(ids: tuple[int, ...], accuracy: float) -> ClassScore:
    figures = {"test_accuracy": accuracy, "test_loss": 0.5, "confusion": [[0] * 10 for _ in range(10)],
               "predicted": np.zeros(len(ids), np.uint8), "confidence": np.full(len(ids), 0.5, np.float32)}
    return ClassScore.from_figures(ids, figures)


def _class_with_drawings(lab: Lab) -> tuple[str, str, str, str]:
    """Ada drew a 3 and a 7, Cy a 5; Bo is refused (his drawings deleted, no more taken); Ada's run scored
    50 % on the set."""
    ada, bo, cy = new_owner_token(), new_owner_token(), new_owner_token()
    for owner in (ada, bo, cy):
        lab.classroom.roster.join(owner)
    digits = lab.class_digits
    assert digits.add(ada, "Ada", _image(0), 3).ok and digits.add(ada, "Ada", _image(1), 7).ok
    assert digits.add(bo, "Bo", _image(2), 1).ok and digits.add(cy, "Cy", _image(3), 5).ok
    assert digits.delete_student(bo, refuse_more=True) == 1
    run_id = new_run_id()
    digits.record(run_id, ada, _score(digits.ids(), 0.5))
    return ada, bo, cy, run_id


def test_a_new_class_starts_with_an_empty_set_and_the_archive_keeps_it(lab: Lab) -> None:
    ada, bo, cy, run_id = _class_with_drawings(lab)
    archived = start_new_class(_live(lab))
    assert lab.class_digits.drawings() == [] and lab.class_digits.counts().total == 0
    assert lab.class_digits.refused() == frozenset() and lab.class_digits.scores.lines() == {}
    assert lab.class_digits.add(bo, "Bo", _image(4), 4).ok  # the new class takes his drawings again
    kept = ClassDigits.at(archived.path)
    assert [(d.owner, d.label) for d in kept.drawings()] == [(ada, 3), (ada, 7), (cy, 5)]
    assert kept.refused() == {bo}
    assert kept.scores.lines()[run_id].accuracy == 0.5
    with zipfile.ZipFile(io.BytesIO(class_bundle(archived))) as bundle:
        boards = pd.read_csv(io.BytesIO(bundle.read("boards.csv")), encoding="utf-8-sig")
    assert list(boards.columns) == ["challenge", "ranked by", "rank", "student", "score", "test accuracy",
                                    "parameters", "epochs"]


def test_a_removed_student_takes_their_drawings_and_leaves_the_others(lab: Lab) -> None:
    ada, bo, cy, run_id = _class_with_drawings(lab)
    archived = remove_students(_live(lab), [ada])
    assert [(d.owner, d.label) for d in lab.class_digits.drawings()] == [(cy, 5)]
    assert lab.class_digits.scores.lines() == {}  # Ada's run left with her
    assert lab.class_digits.refused() == {bo}  # the teacher's refusal of Bo stays with the class
    kept = ClassDigits.at(archived.path)
    assert [(d.owner, d.label) for d in kept.drawings()] == [(ada, 3), (ada, 7)]
    assert kept.scores.lines()[run_id].accuracy == 0.5
