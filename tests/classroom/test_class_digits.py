"""Our class's handwriting, the store: adding drawings (labels, images, caps, repeats and refused students
checked whatever calls it), reading the set in the Keras layout, the teacher's deletions, scores kept per run
and per owner, and all of it surviving a restart (a fresh store over the same runs directory)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.classroom import class_digits as class_digits_module
from cnnlab.classroom.class_digits import ClassDigits, drawing_pixels
from cnnlab.core.class_digits import MAX_DRAWINGS_PER_STUDENT
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import new_run_id
from cnnlab.lab import Lab

WRONG_SHAPE = "a drawing is a 28×28 image as the model receives it"


def _image(seed: int) -> np.ndarray:
    """A drawing as Predict gives it: (28, 28) float32 in [0, 1], different for each seed."""
    pixels = np.zeros((28, 28), dtype=np.float32)
    rng = np.random.default_rng(seed)
    pixels[4:24, 8:20] = rng.random((20, 12), dtype=np.float32)
    return pixels


@pytest.fixture
def digits(lab: Lab) -> ClassDigits:
    """The class's drawings of this test's Lab."""
    return lab.class_digits


def test_a_drawing_is_kept_as_the_model_receives_it_with_its_label_author_and_time(digits: ClassDigits,
                                                                                   lab: Lab) -> None:
    ada = new_owner_token()
    image = _image(0)
    adding = digits.add(ada, "Ada", image, 3)
    assert adding.ok
    assert adding.message == "Added your 3 to our class's digits: 1 drawing in all, 1 of them yours."
    assert digits.add(ada, "Ada", _image(1), 7).message == (
        "Added your 7 to our class's digits: 2 drawings in all, 2 of them yours.")
    drawing = digits.drawings()[0]
    assert (drawing.drawing_id, drawing.owner, drawing.name) == (adding.drawing_id, ada, "Ada")
    assert drawing.label == 3
    assert drawing.pixels.dtype == np.uint8 and drawing.pixels.shape == (28, 28)
    np.testing.assert_array_equal(drawing.pixels, np.rint(image * 255).astype(np.uint8))
    assert drawing.drawn_at > 0
    assert digits.counts().total == 2 and digits.counts().per_digit == (0, 0, 0, 1, 0, 0, 0, 1, 0, 0)

    restarted = ClassDigits.at(lab.settings.runs_dir)  # what a server restart opens
    again = restarted.drawings()
    assert [(d.drawing_id, d.label, d.name) for d in again] == [(adding.drawing_id, 3, "Ada"), (2, 7, "Ada")]
    np.testing.assert_array_equal(again[0].pixels, drawing.pixels)


def test_the_set_comes_in_the_keras_layout_and_only_for_digits_runs(digits: ClassDigits) -> None:
    assert digits.class_set() is None and digits.for_run({"epochs": 1}) is None
    owner = new_owner_token()
    for seed, label in enumerate((4, 0, 9)):
        digits.add(owner, "Bo", _image(seed), label)
    class_set = digits.class_set()
    assert class_set.images.dtype == np.uint8 and class_set.images.shape == (3, 28, 28)
    assert class_set.labels.dtype == np.uint8 and class_set.labels.tolist() == [4, 0, 9]
    assert class_set.ids == digits.ids() == (1, 2, 3)
    assert digits.for_run({"epochs": 1, "dataset": "mnist"}).ids == (1, 2, 3)
    assert digits.for_run({"epochs": 1, "dataset": "fashion"}) is None


@pytest.mark.parametrize(
    ("label", "message"),
    [
        (11, "Not added: a drawing is labelled with one digit from 0 to 9 (got 11)."),
        (-1, "Not added: a drawing is labelled with one digit from 0 to 9 (got -1)."),
        ("x", 'Not added: a drawing is labelled with one digit from 0 to 9 (got "x").'),
        ("3", 'Not added: a drawing is labelled with one digit from 0 to 9 (got "3").'),
        (True, "Not added: a drawing is labelled with one digit from 0 to 9 (got true)."),
        (3.5, "Not added: a drawing is labelled with one digit from 0 to 9 (got 3.5)."),
        (None, "Not added: a drawing is labelled with one digit from 0 to 9 (got null)."),
    ],
)
def test_a_crafted_label_changes_nothing_and_says_why(digits: ClassDigits, label: object,
                                                      message: str) -> None:
    adding = digits.add(new_owner_token(), "Ada", _image(0), label)
    assert (adding.ok, adding.message) == (False, message)
    assert digits.counts().total == 0


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (np.zeros((2800, 2800), np.float32), f"{WRONG_SHAPE} (got 2800×2800)"),
        (np.zeros((10_000_000,), np.uint8), f"{WRONG_SHAPE} (got 10000000)"),
        (np.ones((28, 28, 3), np.float32), f"{WRONG_SHAPE} (got 28×28×3)"),
        (np.array(0.5), f"{WRONG_SHAPE} (got a single number)"),
        (np.float32(0.5), "a drawing is a 28×28 image of numbers (got float32)"),
        ("a picture", "a drawing is a 28×28 image of numbers (got str)"),
        (b"\x00" * 784, "a drawing is a 28×28 image of numbers (got bytes)"),
        ([[0.5] * 28] * 28, "a drawing is a 28×28 image of numbers (got list)"),
        (np.full((28, 28), "x"), "a drawing is a 28×28 image of numbers (got an array of <U1)"),
        (np.full((28, 28), True), "a drawing is a 28×28 image of numbers (got an array of bool)"),
        (np.full((28, 28), np.nan, np.float32), "a drawing's pixels go from 0 to 1 (got values up to nan)"),
        (np.full((28, 28), 7.5), "a drawing's pixels go from 0 to 1 (got values up to 7.5)"),
        (np.full((28, 28), -0.5), "a drawing's pixels go from 0 to 1 (got values up to -0.5)"),
        (np.full((28, 28), 300, np.int64), "a drawing's grey levels go from 0 to 255 (got values up to 300)"),
        (np.zeros((28, 28), np.float32), "the drawing is empty: draw a digit first"),
    ],
)
def test_an_over_large_or_malformed_image_changes_nothing_and_says_why(digits: ClassDigits, image: object,
                                                                       problem: str) -> None:
    adding = digits.add(new_owner_token(), "Ada", image, 3)
    assert (adding.ok, adding.message) == (False, f"Not added: {problem}.")
    assert digits.counts().total == 0


def test_grey_levels_and_a_channel_axis_are_taken_as_they_are() -> None:
    levels = np.arange(784, dtype=np.int64).reshape(28, 28, 1) % 256
    pixels, problem = drawing_pixels(levels)
    assert problem == "" and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, levels[:, :, 0])


def test_the_same_drawing_twice_and_a_stranger_token_are_refused(digits: ClassDigits) -> None:
    owner = new_owner_token()
    assert digits.add(owner, "Ada", _image(0), 3).ok
    again = digits.add(owner, "Ada", _image(0), 5)
    assert (again.ok, again.message) == (False, "This very drawing is already in our class's digits; draw "
                                                "another one.")
    assert digits.add(new_owner_token(), "Bo", _image(0), 3).ok  # another student's identical drawing counts
    assert not digits.add("not-a-token", "Cy", _image(1), 3).ok
    assert digits.counts().total == 2


def test_one_student_may_add_at_most_their_share(digits: ClassDigits) -> None:
    owner = new_owner_token()
    for seed in range(MAX_DRAWINGS_PER_STUDENT):
        assert digits.add(owner, "Ada", _image(seed), seed % 10).ok
    over = digits.add(owner, "Ada", _image(999), 1)
    assert not over.ok
    assert over.message == ("You have added 40 drawings, the most one student may add (so that the set is "
                            "the whole class's handwriting); nothing was added.")
    assert digits.add(new_owner_token(), "Bo", _image(999), 1).ok


def test_the_whole_set_has_a_cap(digits: ClassDigits, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(class_digits_module, "MAX_DRAWINGS", 3)
    for seed in range(3):
        assert digits.add(new_owner_token(), "A student", _image(seed), 1).ok
    full = digits.add(new_owner_token(), "Late", _image(3), 1)
    assert not full.ok
    assert full.message == ("Our class's digits are full (3 drawings, the most the set holds so that every "
                            "run is scored on it quickly); nothing was added.")
    assert digits.counts().total == 3


def test_the_teacher_deletes_one_drawing_or_a_students_and_can_refuse_more(digits: ClassDigits,
                                                                           lab: Lab) -> None:
    ada, bo = new_owner_token(), new_owner_token()
    first = digits.add(ada, "Ada", _image(0), 1).drawing_id
    digits.add(ada, "Ada", _image(1), 2)
    digits.add(bo, "Bo", _image(2), 3)
    assert digits.delete(first) and not digits.delete(first)
    assert not digits.delete("2") and not digits.delete(True)
    assert [d.label for d in digits.drawings()] == [2, 3]

    assert digits.delete_student(ada, refuse_more=True) == 1
    assert digits.delete_student("not-a-token") == 0
    assert [d.owner for d in digits.drawings()] == [bo]
    assert digits.refused() == {ada}
    refused = digits.add(ada, "Ada", _image(5), 5)  # a drawing from a student the teacher hid
    assert (refused.ok, refused.message) == (
        False, "Your teacher is not taking drawings from you for our class's digits; nothing was added.")
    assert [d.owner for d in digits.drawings()] == [bo]
    assert ClassDigits.at(lab.settings.runs_dir).refused() == {ada}  # kept over a restart

    digits.accept_again(ada)
    assert digits.add(ada, "Ada", _image(5), 5).ok
    assert digits.delete_student(bo) == 1
    assert digits.add(bo, "Bo", _image(6), 6).ok  # deleting alone refuses nothing


def _score(ids: tuple[int, ...], accuracy: float) -> ClassScore:
    figures = {"test_accuracy": accuracy, "test_loss": 0.5, "confusion": [[0] * 10 for _ in range(10)],
               "predicted": np.zeros(len(ids), np.uint8), "confidence": np.full(len(ids), 0.5, np.float32)}
    return ClassScore.from_figures(ids, figures)


def test_a_runs_score_is_kept_for_its_owner_only_and_replaced_by_a_new_one(digits: ClassDigits,
                                                                            lab: Lab) -> None:
    owner, run_id = new_owner_token(), new_run_id()
    digits.record(run_id, owner, _score((1, 2), 0.5))
    digits.scores.record(run_id, owner, _score((1, 2, 3), 0.75))
    score = ClassDigits.at(lab.settings.runs_dir).scores.get(run_id, owner)
    assert (score.accuracy, score.drawings, score.drawing_ids) == (0.75, 3, (1, 2, 3))
    assert score.predicted == (0, 0, 0) and score.confidence == (0.5, 0.5, 0.5)
    assert score.changed_since((1, 2)) and not score.changed_since((3, 2, 1))
    assert digits.scores.get(run_id, new_owner_token()) is None
    assert digits.scores.get("../etc", owner) is None
    assert digits.scores.lines()[run_id].accuracy == 0.75 and digits.scores.lines()[run_id].drawings == 3
    with pytest.raises(ValueError):
        digits.record("not-a-run", owner, _score((1,), 1.0))
