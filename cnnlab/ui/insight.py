"""Page parts for seeing what a trained network learned: prediction on a drawn digit or a photographed
garment and the layers inside (Predict), several runs side by side (Compare), and "Where it errs" for one run
(a tab on Results). Each run is shown in the terms of its own dataset (class names, test images).

Every model question goes to the inference worker (`cnnlab.insight.inference`); its failures arrive as
`InferenceError` messages and are shown with `st.error`, never raised. Only the student's own runs are listed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.core.datasets import Dataset
from cnnlab.core.messages import show_value
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.text import plain
from cnnlab.engine.data import load_dataset
from cnnlab.engine.jobs import JobSnapshot
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.compare import (
    MAX_COMPARED,
    RunSummary,
    build_link_spec,
    by_dataset,
    comparable_runs,
    comparison_table,
    run_labels,
    stopped_by_teacher,
    summarize,
)
from cnnlab.insight.digit import canvas_to_mnist, scale_pixels
from cnnlab.insight.garment import MAX_PHOTO_BYTES, GarmentPhoto, photo_to_fashion
from cnnlab.insight.inference import DEFAULT_MAP_CHANNELS, MAX_MAP_CHANNELS, InferenceError
from cnnlab.insight.insight_charts import (
    cell_images_figure,
    class_accuracy_figure,
    compare_curves_figure,
    confusion_select_figure,
    feature_maps_figure,
    filters_figure,
    input_image_figure,
    params_accuracy_figure,
    probability_figure,
    selected_cells,
)
from cnnlab.insight.mistakes import cell_examples, most_confused
from cnnlab.lab import running_lab
from cnnlab.ui import session
from cnnlab.ui.job_view import score_text
from cnnlab.ui.links import SPEC_PARAM  # /Build?spec=<…> opens an architecture

RUN_PARAM = "run"  # /Predict?run=<id> opens that run

RUN_KEY = "predict_run"
CANVAS_KEY = "predict_canvas"
SOURCE_KEY = "predict_source"  # what the model looks at: the drawing, or a test image
TEST_INDEX_KEY = "predict_test_index"
PHOTO_KEY = "predict_photo"
PHOTO_MB = MAX_PHOTO_BYTES // 1_000_000
PHOTO_MADE_KEY = "predict_photo_made"  # (the upload's file id, its GarmentPhoto): converted once per upload
CHANNELS_KEY = "predict_channels"
COMPARE_KEY = "compare_runs"
CANVAS_SIDE = 280  # ten screen pixels per MNIST pixel
STROKE = 18  # about the width of an MNIST pen stroke once scaled to the 20-pixel box
SHOWN_FILTERS = 32  # first-layer kernels shown; the figure says when there are more
EXAMPLES_PER_CELL = 24
MAX_CELLS_SHOWN = 4  # confusion cells whose images are shown at once (a box may select dozens)


# ------------------------------------------------------------------------------------------- choosing a run


def trained_runs(owner: str) -> tuple[list[JobSnapshot], dict[str, str]]:
    """The owner's runs that have a tested model (newest first) and a "#n name" label for each of them."""
    runs = running_lab().jobs.jobs(owner)
    return comparable_runs(runs), run_labels(runs)


def render_teacher_stopped_note(owner: str) -> None:
    """Say that runs the teacher stopped are not offered here, when the owner has any, and where they are."""
    count = sum(stopped_by_teacher(run) for run in running_lab().jobs.jobs(owner))
    if count == 1:
        st.caption("Your teacher stopped one of your runs: its partly trained model is not offered here. "
                   "Results still shows it.")
    elif count:
        st.caption(f"Your teacher stopped {count} of your runs: their partly trained models are not offered "
                   "here. Results still shows them.")


def render_no_runs(owner: str) -> None:
    """What a student with no trained model sees instead of the page, with the way to get one."""
    st.info("You have no trained model yet: train a stack (a quick demo on 6,000 images takes about a "
            "minute), then come back here.")
    session.link(session.Page.TRAIN, "Go to Train", ":material/model_training:", owner)


def pick_run(runs: list[JobSnapshot], labels: dict[str, str]) -> JobSnapshot:
    """A picker of the owner's tested runs; starts at `?run=` when it names one of them, else the newest.

    The choice is written back to `?run=` on every run, so a refresh keeps it.
    """
    by_id = {run.job_id: run for run in runs}
    if st.session_state.get(RUN_KEY) not in by_id:
        from_url = st.query_params.get(RUN_PARAM)
        st.session_state[RUN_KEY] = from_url if from_url in by_id else runs[0].job_id
    st.query_params[RUN_PARAM] = st.session_state[RUN_KEY]
    chosen = st.selectbox(
        "Model", list(by_id), key=RUN_KEY,
        format_func=lambda job_id: f"{labels[job_id]} · {score_text(by_id[job_id])}",
        help="Any of your finished runs; the number counts your runs from the first.",
    )
    return by_id[chosen]


def model_path(owner: str, run: JobSnapshot) -> str | None:
    """The run's saved .h5 model, or None (after showing why) when the file is gone."""
    path = running_lab().jobs.model_file(run.job_id, owner, ModelFormat.H5)
    if path is None:
        st.error("This run's model file is missing from the server, so it cannot be asked anything. "
                 "Pick another run, or train this stack again.")
        return None
    return str(path)


# ------------------------------------------------------------------------------------------- the digit


class DigitSource(StrEnum):
    """What the model is shown: the student's drawing or photo, or one of the run's test images."""

    DRAWING = "drawing"
    PHOTO = "photo"
    TEST_IMAGE = "test image"


def _use_drawing() -> None:
    st.session_state[SOURCE_KEY] = DigitSource.DRAWING


def _use_photo() -> None:
    st.session_state[SOURCE_KEY] = DigitSource.PHOTO


def _use_random_test_image() -> None:
    st.session_state[SOURCE_KEY] = DigitSource.TEST_IMAGE
    st.session_state[TEST_INDEX_KEY] = secrets.randbelow(TEST_IMAGES)


def render_source(dataset: Dataset) -> tuple[np.ndarray | None, int | None]:
    """What a run on `dataset` is shown: a drawing for digits, a photo for garments, or a random test image;
    returns the 28×28 input the model gets and, for a test image, its true label (None, None until there is
    one)."""
    return render_digit_source() if dataset is Dataset.MNIST else render_garment_source()


def _chosen_test_image(dataset: Dataset, other: str) -> tuple[np.ndarray, int] | None:
    """The random test image of `dataset` the student picked, with its caption; None when they draw or
    upload instead (`other` says how to go back to that)."""
    if st.session_state.get(SOURCE_KEY) != DigitSource.TEST_IMAGE:
        return None
    index = int(st.session_state[TEST_INDEX_KEY])
    images = load_dataset(dataset)
    label = int(images.y_test[index])
    st.caption(f"Test image #{index:,}, labelled {dataset.class_name(label)}. {other}")
    return scale_pixels(images.x_test[index]), label


def render_digit_source() -> tuple[np.ndarray | None, int | None]:
    """The canvas and the random-test-image button; returns the 28×28 input the model gets and, for a test
    image, its true label. A blank canvas shows how to draw and returns (None, None)."""
    # Imported here: the component registers itself with the running Streamlit app when first imported.
    from streamlit_drawable_canvas import st_canvas

    canvas = st_canvas(
        fill_color="#FFFFFF", stroke_width=STROKE, stroke_color="#FFFFFF", background_color="#000000",
        width=CANVAS_SIDE, height=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
        key=CANVAS_KEY, on_change=_use_drawing,
    )
    st.caption("Draw one digit with the mouse or a finger, or take one of the 10,000 test images.")
    st.button("Pick a random test image", key="predict_random", icon=":material/casino:",
              on_click=_use_random_test_image)
    chosen = _chosen_test_image(Dataset.MNIST, "Draw on the canvas to use your own digit.")
    if chosen is not None:
        return chosen
    digit = canvas_to_mnist(canvas.image_data)
    if not digit.ok:
        st.info(digit.message)
        return None, None
    return digit.pixels, None


def render_garment_source() -> tuple[np.ndarray | None, int | None]:
    """The photo upload and the random-test-image button; returns the 28×28 input the model gets and, for a
    test image, its true label. No photo yet, or one that cannot be used, shows what to do and returns
    (None, None)."""
    upload = st.file_uploader(
        "Photo of a garment", key=PHOTO_KEY, on_change=_use_photo, max_upload_size=PHOTO_MB,
        help=f"A photo of one piece of clothing, shoe or bag, on a plain background, filling most of the "
             f"picture (up to {PHOTO_MB} MB). It is turned into a 28×28 grey image the way Zalando made "
             "Fashion-MNIST's: trimmed, shrunk, sharpened, centred, negated.")
    st.caption("Photograph a garment (a phone offers its camera here), or take one of the 10,000 test "
               "images.")
    st.button("Pick a random test image", key="predict_random", icon=":material/casino:",
              on_click=_use_random_test_image)
    chosen = _chosen_test_image(Dataset.FASHION, "Upload a photo to use your own garment.")
    if chosen is not None:
        return chosen
    if upload is None:
        st.info("Upload a photo of a garment, or pick a random test image.")
        return None, None
    photo = _converted(upload)
    if not photo.ok:
        st.info(plain(photo.message))
        return None, None
    return photo.pixels, None


def _converted(upload: object) -> GarmentPhoto:
    """The upload as Fashion-MNIST's 28×28 image, converted once per uploaded file (reruns reuse it)."""
    made = st.session_state.get(PHOTO_MADE_KEY)
    if made is not None and made[0] == upload.file_id:
        return made[1]
    photo = photo_to_fashion(upload.getvalue(), show_value(upload.name))
    st.session_state[PHOTO_MADE_KEY] = (upload.file_id, photo)
    return photo


def render_prediction(path: str, pixels: np.ndarray, label: int | None,
                      dataset: Dataset = Dataset.MNIST) -> int | None:
    """The 28×28 input beside the model's 10 probabilities, named by `dataset`'s classes; the class it reads,
    or None (after an error message) if it failed."""
    try:
        with st.spinner("Asking the model… (the first answer after a server start takes a few seconds)"):
            probabilities = running_lab().inference.predict(path, pixels[None])[0]
    except InferenceError as error:
        st.error(plain(str(error)))
        return None
    best = int(np.argmax(probabilities))
    seen, read = st.columns([2, 3])
    with seen:
        st.plotly_chart(input_image_figure(pixels), key="predict_input", config={"displayModeBar": False})
    with read:
        name = dataset.class_name
        verdict = "" if label is None else (
            " — right" if best == label else f" — wrong, it is a {name(label)}")
        st.metric("The model reads", f"{name(best)}{verdict}",
                  help=f"The {dataset.thing} with the highest probability.")
        st.plotly_chart(probability_figure(probabilities, dataset), key="predict_probabilities",
                        config={"displayModeBar": False})
    return best


def render_inside(path: str, pixels: np.ndarray) -> None:
    """Each Conv2D and pooling layer's feature maps for this image, and the first Conv2D's filters."""
    channels = st.slider("Channels shown per layer", 1, MAX_MAP_CHANNELS, DEFAULT_MAP_CHANNELS,
                         key=CHANNELS_KEY,
                         help=f"Wide layers show only their first channels; at most {MAX_MAP_CHANNELS}.")
    try:
        inference = running_lab().inference
        layers = inference.feature_maps(path, pixels, channels)
        filters = inference.first_conv_filters(path, SHOWN_FILTERS)
    except InferenceError as error:
        st.error(plain(str(error)))
        return
    if not layers:
        st.info("This network has no Conv2D or pooling layers, so it has no feature maps: its Dense layers "
                "look at all 784 pixels at once, without any notion of neighbouring pixels.")
        return
    st.caption("Each small image is one channel of a layer's output for the image above: bright where that "
               "channel responds strongly. Each is scaled to its own range.")
    for layer in layers:
        st.plotly_chart(feature_maps_figure(layer), key=f"predict_maps_{layer.position}",
                        config={"displayModeBar": False})
    if filters is not None:
        st.caption("The first Conv2D's learned kernels: each slides over the image; red weights add to the "
                   "response, blue ones subtract.")
        st.plotly_chart(filters_figure(filters), key="predict_filters", config={"displayModeBar": False})


# ------------------------------------------------------------------------------------------- comparing runs


def pick_compared(runs: list[JobSnapshot], labels: dict[str, str]) -> list[JobSnapshot]:
    """A multiselect of the tested runs (the newest three at first), at most `MAX_COMPARED`."""
    by_id = {run.job_id: run for run in runs}
    kept = [job_id for job_id in st.session_state.get(COMPARE_KEY, []) if job_id in by_id]
    st.session_state[COMPARE_KEY] = kept if COMPARE_KEY in st.session_state else list(by_id)[:3]
    chosen = st.multiselect(
        "Runs to compare", list(by_id), key=COMPARE_KEY, max_selections=MAX_COMPARED,
        format_func=lambda job_id: f"{labels[job_id]} · {score_text(by_id[job_id])}",
        help=f"Any of your finished runs, up to {MAX_COMPARED} at once.",
    )
    return [by_id[job_id] for job_id in chosen]


def render_comparison(owner: str, runs: Sequence[JobSnapshot], labels: dict[str, str]) -> None:
    """Overlaid curves, the table, parameters vs accuracy, and a way back to Build for each run. Runs of
    different datasets share the table only: their accuracies get a chart per dataset, with a note saying
    why."""
    summaries = [summarize(run, labels[run.job_id]) for run in runs]
    groups = by_dataset(summaries)
    if len(groups) == 1:
        st.plotly_chart(compare_curves_figure(summaries), key="compare_curves")
        _comparison_table(summaries)
        st.plotly_chart(params_accuracy_figure(summaries), key="compare_scatter")
    else:
        names = " and ".join(dataset.title for dataset in groups)
        st.warning(f"These runs were trained and tested on different datasets ({names}): their accuracies "
                   "are not on one scale — the clothes are harder, so the same stack scores lower on them. "
                   "Each dataset gets its own charts below the table.", icon=":material/compare_arrows:")
        _comparison_table(summaries)
        for dataset, group in groups.items():
            st.subheader(f"On {dataset.title}")
            st.plotly_chart(compare_curves_figure(group), key=f"compare_curves_{dataset}")
            st.plotly_chart(params_accuracy_figure(group), key=f"compare_scatter_{dataset}")
    render_edit_links(owner, summaries)


def _comparison_table(summaries: Sequence[RunSummary]) -> None:
    """One row per run: its dataset, size, cost and test accuracy."""
    table = pd.DataFrame(comparison_table(summaries))
    st.dataframe(table, hide_index=True, column_config={
        "parameters": st.column_config.NumberColumn(format="localized"),
        "MACs": st.column_config.NumberColumn(format="localized", help="Multiply-accumulates for one image"),
        "seconds": st.column_config.NumberColumn(format="%.1f", help="Training time"),
        "test accuracy": st.column_config.NumberColumn(format="percent"),
        "test images": st.column_config.NumberColumn(
            format="localized", help="Test images the accuracy covers: fewer than 10,000 for a run stopped "
                                     "while testing (Finish testing on Results scores the rest)"),
    })


def render_edit_links(owner: str, summaries: Sequence[RunSummary]) -> None:
    """One "Edit … on Build" link per run: opens its architecture on Build (the current stack can be brought
    back there), to try a variation."""
    st.markdown("**Try a variation** — open a run's architecture on Build:")
    for summary in summaries:
        spec_text = build_link_spec(summary.spec)
        if spec_text is None:
            st.caption(plain(f"{summary.label}: its architecture can no longer be opened."))
            continue
        session.link(session.Page.BUILD, plain(f"Edit {summary.label} on Build"), ":material/edit:", owner,
                     **{SPEC_PARAM: spec_text})


# ------------------------------------------------------------------------------------------- where it errs


def render_errors_section(owner: str, snapshot: JobSnapshot) -> None:
    """One run's mistakes on its own dataset's test images: the confusion matrix (click a cell or box-select
    several), accuracy per class, and the test images of the selected cells with the model's confidence,
    worst first."""
    result = running_lab().jobs.result(snapshot.job_id, owner)
    if result is None:
        st.info("The confusion matrix appears once the run has been tested.")
        return
    dataset = snapshot.config.dataset
    matrix_column, accuracy_column = st.columns([3, 2])
    with matrix_column:
        st.caption(f"Rows: the true {dataset.thing}; columns: what the model read. Click a cell — or "
                   "box-select several with the toolbar's box tool — to see its test images.")
        event = st.plotly_chart(confusion_select_figure(result.confusion, dataset), on_select="rerun",
                                selection_mode=("points", "box"), key=f"errors_confusion_{snapshot.job_id}")
    with accuracy_column:
        st.plotly_chart(class_accuracy_figure(result.confusion, dataset),
                        key=f"errors_accuracy_{snapshot.job_id}", config={"displayModeBar": False})
    cells = selected_cells(event)
    if not cells:
        worst = most_confused(result.confusion)
        if worst is None:
            st.success("Not a single test image was misread.")
            return
        st.caption(f"Showing the most frequent mistake, {dataset.class_name(worst[0])} read as "
                   f"{dataset.class_name(worst[1])}, until you pick one.")
        cells = [worst]
    elif len(cells) > MAX_CELLS_SHOWN:
        st.caption(f"{len(cells)} cells selected; showing the first {MAX_CELLS_SHOWN}.")
    images = load_dataset(dataset)
    scored = len(result.predicted)  # a stopped run is scored on the first test images only
    if not 0 < scored <= len(images.y_test):
        st.info("This run did not keep its answer for each test image, so the images behind the cells "
                "cannot be shown; train it again to see them.")
        return
    for true_digit, predicted_digit in cells[:MAX_CELLS_SHOWN]:
        examples = cell_examples(images.y_test[:scored], result.predicted, result.confidence, true_digit,
                                 predicted_digit, EXAMPLES_PER_CELL)
        if examples.total == 0:
            st.caption(f"No test image of a {dataset.class_name(true_digit)} was read as "
                       f"{dataset.class_name(predicted_digit)}.")
            continue
        st.plotly_chart(cell_images_figure(examples, images.x_test, dataset=dataset),
                        key=f"errors_cell_{snapshot.job_id}_{true_digit}_{predicted_digit}",
                        config={"displayModeBar": False})
    own = "digit" if dataset is Dataset.MNIST else "photo of a garment"
    session.link(session.Page.PREDICT, f"Try this model on your own {own}", ":material/draw:", owner,
                 **{RUN_PARAM: snapshot.job_id})
