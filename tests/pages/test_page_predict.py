"""/Predict in AppTest: a drawn digit or a random test image → the 28×28 input, the answer, the layers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlab.engine.data import load_mnist
from cnnlab.engine.jobs import JobState, Stopper
from cnnlab.insight.digit import EMPTY_CANVAS_MESSAGE, canvas_to_mnist
from cnnlab.testing.apptest import (
    canvas_state,
    drawn_one,
    figure_titles,
    messages,
    open_page,
    page_links,
    plotly_specs,
)
from cnnlab.testing.models import register_run
from cnnlab.ui.insight import CANVAS_KEY, CHANNELS_KEY, RUN_KEY

pytestmark = pytest.mark.keras
PREDICT = "pages/4_Predict.py"


def _metric(at) -> str:
    return next(m.value for m in at.metric if m.label == "The model reads")


def test_without_a_trained_run_the_page_says_how_to_get_one(manager, owner) -> None:
    at = open_page(PREDICT, u=owner)
    assert not at.exception
    assert any("no trained model yet" in text for text in messages(at, "info"))
    assert ("Go to Train", "Train", f"u={owner}") in page_links(at)


def test_a_drawn_digit_gets_the_models_answer_and_the_layers_inside(manager, store, owner, trained) -> None:
    run_id = register_run(store, owner, trained["convnet"])
    at = open_page(PREDICT, u=owner)
    assert not at.exception
    assert at.selectbox(key=RUN_KEY).value == run_id
    assert at.query_params["run"] == run_id
    assert EMPTY_CANVAS_MESSAGE in messages(at, "info")
    assert not at.metric

    drawing = drawn_one()
    at.session_state[CANVAS_KEY] = canvas_state(drawing)
    at.run()
    assert not at.exception and not at.error
    import keras

    model = keras.models.load_model(store.model_file(run_id, owner), compile=False)
    expected = model.predict(canvas_to_mnist(drawing).pixels[None, :, :, None], verbose=0)[0]
    assert _metric(at) == str(int(expected.argmax()))
    specs = plotly_specs(at)
    shown_input = specs[0]["data"][0]
    assert shown_input["type"] == "heatmap"
    bars = specs[1]["data"][0]
    assert bars["type"] == "bar" and [str(d) for d in range(10)] == bars["x"]
    np.testing.assert_allclose(_bars(bars["y"]), expected, atol=1e-5)
    titles = figure_titles(at)
    assert titles[2] == f"Why {int(expected.argmax())}: red pixels speak for it, blue against"  # saliency
    assert titles[3:8] == [
        "layer 1 (Conv2D) · output 26×26×8 · all 8 channels",
        "layer 2 (MaxPooling2D) · output 13×13×8 · all 8 channels",
        "layer 3 (Conv2D) · output 11×11×24 · showing the first 16 of 24 channels",
        "layer 4 (MaxPooling2D) · output 5×5×24 · showing the first 16 of 24 channels",
        "layer 1 (Conv2D) · 3×3 kernels · all 8 filters",
    ]

    at.slider(key=CHANNELS_KEY).set_value(3).run()
    assert figure_titles(at)[5] == "layer 3 (Conv2D) · output 11×11×24 · showing the first 3 of 24 channels"


def _bars(values: object) -> np.ndarray:
    """Bar heights from a Plotly spec: a plain list, or numpy's base64 "bdata" encoding."""
    if isinstance(values, dict):
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=np.float64)


def test_a_random_test_image_is_read_as_the_run_recorded(manager, store, owner, trained) -> None:
    convnet = trained["convnet"]
    register_run(store, owner, convnet)
    at = open_page(PREDICT, u=owner)
    at.button(key="predict_random").click().run()
    assert not at.exception and not at.error
    caption = next(c.value for c in at.caption if c.value.startswith("Test image #"))
    index = int(re.match(r"Test image #([\d,]+),", caption).group(1).replace(",", ""))
    label = int(load_mnist().y_test[index])
    assert caption.startswith(f"Test image #{index:,}, labelled {label}.")
    predicted = int(convnet.result.predicted[index])
    verdict = " — right" if predicted == label else f" — wrong, it is a {label}"
    assert _metric(at) == f"{predicted}{verdict}"


def test_the_url_picks_the_run_and_other_students_runs_stay_hidden(manager, store, owner, trained) -> None:
    older = register_run(store, owner, trained["mlp"])
    register_run(store, owner, trained["convnet"])
    stranger = register_run(store, "x" * 24, trained["convnet"])
    at = open_page(PREDICT, u=owner, run=older)
    picker = at.selectbox(key=RUN_KEY)
    assert picker.value == older
    assert stranger not in picker.options and len(picker.options) == 2
    at.button(key="predict_random").click().run()
    assert not at.exception
    assert "This network has no Conv2D or pooling layers" in " ".join(messages(at, "info"))

    foreign = open_page(PREDICT, u=owner, run=stranger)
    assert foreign.selectbox(key=RUN_KEY).value != stranger


def test_a_run_the_teacher_stopped_is_not_offered_even_by_its_address(manager, store, owner, trained) -> None:
    kept = register_run(store, owner, trained["mlp"])
    stopped = register_run(store, owner, trained["convnet"])
    store.set_state(stopped, JobState.STOPPED, "your teacher stopped this run", Stopper.TEACHER)
    at = open_page(PREDICT, u=owner, run=stopped)
    assert not at.exception
    picker = at.selectbox(key=RUN_KEY)
    assert picker.options and all(option.startswith("#1 ") for option in picker.options)
    assert picker.value == kept
    assert ("Your teacher stopped one of your runs: its partly trained model is not offered here. Results "
            "still shows it.") in messages(at, "caption")


def test_a_broken_model_file_gives_a_message_not_a_traceback(manager, store, owner, trained) -> None:
    register_run(store, owner, trained["convnet"], model=b"not a model")
    at = open_page(PREDICT, u=owner)
    at.button(key="predict_random").click().run()
    assert not at.exception
    assert messages(at, "error") == ["The model file model.h5 could not be read (OSError)."]
