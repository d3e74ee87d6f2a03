"""Predict: draw a digit or photograph a garment (or pick a test image), see what one of your models reads,
and look inside it."""

import streamlit as st

from cnnlab.core.datasets import Dataset
from cnnlab.lab import running_lab
from cnnlab.ui import class_digits_view, class_notices, insight, session, trace_view

owner = session.start_page("Predict")
class_notices.render_class_notices(owner)
running_lab().inference.start()  # TensorFlow loads in the inference worker while the student draws
runs, labels = insight.trained_runs(owner)

st.title("Predict")
st.caption("Try a trained model on your own handwriting — or, for a model trained on Fashion-MNIST, on a "
           "photo of a garment. What you give it is turned into a 28×28 image made the way its training "
           "images were: a drawing is cropped, scaled into a 20×20 box and centred by its centre of mass; a "
           "photo is trimmed, shrunk, sharpened and negated as Zalando did.")
insight.render_teacher_stopped_note(owner)
if not runs:
    insight.render_no_runs(owner)
    st.stop()

run = insight.pick_run(runs, labels)
path = insight.model_path(owner, run)
if path is None:
    st.stop()

with st.container(key="predict_columns"):  # stacked when narrow (cnnlab.ui.layout)
    source_column, answer_column = st.columns([2, 3], border=True)
    with source_column:
        pixels, label = insight.render_source(run.config.dataset)
        if pixels is not None and label is None and run.config.dataset is Dataset.MNIST:  # a drawing
            class_digits_view.render_add_drawing(owner, pixels)
    with answer_column:
        answer = (insight.render_prediction(path, pixels, label, run.config.dataset) if pixels is not None
                  else None)
        if pixels is None:
            st.caption("The model's answer appears here.")
        elif answer is not None:
            trace_view.render_saliency(path, pixels, answer, run.config.dataset)

if answer is not None:
    st.subheader("Inside the network")
    insight.render_inside(path, pixels)
    trace_view.render_trace(path, pixels)
