"""Our class's handwriting on the student's pages (AppTest): adding a drawing on Predict under "This is a",
the refusals a student can meet there, and on Results a run's score on the class's drawings beside its test
accuracy — how to add drawings while there are none, scoring it on demand in the inference worker (Keras is
the oracle), the tab's confusion matrix and misread drawings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnlab.insight.digit import canvas_to_mnist
from cnnlab.lab import Lab
from cnnlab.testing.apptest import (
    RESULTS,
    canvas_state,
    drawn_one,
    messages,
    open_page,
    page_links,
    plotly_specs,
)
from cnnlab.testing.models import register_run
from cnnlab.ui.class_digits_view import ADD_KEY, LABEL_KEY
from cnnlab.ui.insight import CANVAS_KEY

pytestmark = pytest.mark.keras
PREDICT = "pages/4_Predict.py"
FIRST_ANSWER_S = 300  # the first prediction waits for the inference worker to import TensorFlow


def _predict_with_a_drawing(owner: str):
    at = open_page(PREDICT, u=owner)
    at.session_state[CANVAS_KEY] = canvas_state(drawn_one())
    return at.run(timeout=FIRST_ANSWER_S)


def _figure(at, key: str) -> dict:
    """The figure of the st.plotly_chart with `key=key`."""
    charts = at.get("plotly_chart")
    return next(json.loads(chart.proto.spec) for chart in charts if chart.proto.id.endswith(key))


def _captions(at) -> list[str]:
    return [caption.value for caption in at.caption]


def test_a_drawing_is_added_as_the_digit_the_student_chose(lab: Lab, store, owner, trained) -> None:
    register_run(store, owner, trained["mlp"])
    lab.classroom.roster.set_name(owner, "Ada")
    at = _predict_with_a_drawing(owner)
    choice = at.selectbox(key=LABEL_KEY)
    assert (choice.label, choice.value, choice.options) == ("This is a", None, [str(d) for d in range(10)])
    assert at.button(key=ADD_KEY).label == "Add to our class's digits"

    at.button(key=ADD_KEY).click().run()
    assert messages(at, "warning") == ["Choose the digit you drew under **This is a** first."]
    assert lab.class_digits.counts().total == 0

    at.selectbox(key=LABEL_KEY).set_value(1)
    at.button(key=ADD_KEY).click().run()
    assert not at.exception
    assert messages(at, "success") == [
        "Added your 1 to our class's digits: 1 drawing in all, 1 of them yours."]
    assert at.selectbox(key=LABEL_KEY).value is None  # the next drawing is labelled afresh
    drawing = lab.class_digits.drawings()[0]
    assert (drawing.owner, drawing.name, drawing.label) == (owner, "Ada", 1)
    expected = np.rint(canvas_to_mnist(drawn_one()).pixels * 255).astype(np.uint8)
    np.testing.assert_array_equal(drawing.pixels, expected)  # the image the model was given

    at.selectbox(key=LABEL_KEY).set_value(7)
    at.button(key=ADD_KEY).click().run()
    assert messages(at, "warning") == [
        "This very drawing is already in our class's digits; draw another one."]
    assert lab.class_digits.counts().total == 1


def test_a_student_the_teacher_refused_adds_nothing(lab: Lab, store, owner, trained) -> None:
    register_run(store, owner, trained["mlp"])
    lab.class_digits.delete_student(owner, refuse_more=True)
    at = _predict_with_a_drawing(owner)
    at.selectbox(key=LABEL_KEY).set_value(3)
    at.button(key=ADD_KEY).click().run()
    assert messages(at, "warning") == [
        "Your teacher is not taking drawings from you for our class's digits; nothing was added."]
    assert lab.class_digits.counts().total == 0


def test_a_test_image_cannot_be_added(store, owner, trained) -> None:
    register_run(store, owner, trained["mlp"])
    at = open_page(PREDICT, u=owner)
    at.button(key="predict_random").click().run()
    assert not at.exception and not [box for box in at.selectbox if box.key == LABEL_KEY]


def test_results_says_how_to_add_drawings_then_scores_the_run_on_them(lab: Lab, store, owner,
                                                                      trained) -> None:
    import keras

    run_id = register_run(store, owner, trained["convnet"])
    at = open_page(RESULTS, u=owner)
    assert "on our class's handwriting: no drawings yet" in _captions(at)
    assert any(text.startswith("Nobody has added a drawing to our class's digits yet.")
               for text in messages(at, "info"))
    assert ("Draw a digit on Predict", "Predict", f"u={owner}") in page_links(at)

    mnist_like = [np.zeros((28, 28), np.float32) for _ in range(3)]
    for seed, image in enumerate(mnist_like):
        image[4:24, 9 + 3 * seed:13 + 3 * seed] = 1.0  # three bars: read as something, rightly or not
    for image, label in zip(mnist_like, (1, 1, 7), strict=True):
        assert lab.class_digits.add(owner, "Ada", image, label).ok
    at = open_page(RESULTS, u=owner)
    assert ("on our class's handwriting: not scored yet (it ended before the class's drawings, or was "
            "stopped)") in _captions(at)
    at.button(key=f"class_rescore_{run_id}").click().run(timeout=FIRST_ANSWER_S)
    assert not at.exception and not at.error

    model = keras.models.load_model(store.model_file(run_id, owner), compile=False)
    read = model.predict(np.stack(mnist_like)[..., None], verbose=0).argmax(axis=1)
    right = int((read == np.array([1, 1, 7])).sum())
    expected = f"on our class's handwriting: {right / 3 * 100:.1f} % (3 drawings)"
    assert expected in _captions(at)
    score = lab.class_digits.scores.get(run_id, owner)
    assert score.predicted == tuple(int(digit) for digit in read) and score.drawing_ids == (1, 2, 3)

    at = open_page(RESULTS, u=owner)
    assert expected in _captions(at) and not [b for b in at.button if b.key == f"class_rescore_{run_id}"]
    confusion = _figure(at, f"class_confusion_{run_id}")["data"][0]["text"]
    expected_matrix = np.zeros((10, 10), int)
    np.add.at(expected_matrix, (np.array([1, 1, 7]), read), 1)
    assert [[int(cell) for cell in row] for row in confusion] == expected_matrix.tolist()
    titles = [figure.get("layout", {}).get("title", {}).get("text", "") for figure in plotly_specs(at)]
    if right < 3:
        assert f"Misread drawings: all {3 - right}, drawn → read, the most confident mistakes first" in titles
    else:
        assert "Not a single drawing of the class was misread." in messages(at, "success")

    lab.class_digits.add(owner, "Ada", mnist_like[0] * 0.5, 4)  # the set moves on: the score is out of date
    at = open_page(RESULTS, u=owner)
    assert f"{expected} · the set has 4 now" in _captions(at)
    assert at.button(key=f"class_rescore_{run_id}").label == "Score again on our class's handwriting"
