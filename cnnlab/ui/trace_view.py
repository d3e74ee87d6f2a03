"""Predict's "Why the model said 7" (a saliency map beside the probabilities, with another class to ask about)
and "Trace one value" (click a cell of a Conv2D or pooling feature map: its receptive field on the image and
the numbers that make it — the patch, the kernel, their products summed, the bias, the activation — ending
at the value the model computed, beside Keras's own).

Every number comes from the inference worker (`InferenceClient.trace`, `.saliency`); its failures are shown
with `st.error`, never raised. Each section is a fragment: a click or a choice reruns only it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab.core.datasets import Dataset
from cnnlab.core.layer_types.base import CellRule
from cnnlab.core.text import plain
from cnnlab.insight.inference import MAX_MAP_CHANNELS, InferenceError, SaliencyMethod, Trace
from cnnlab.insight.trace_charts import (
    clickable_map_figure,
    field_figure,
    numbers_figure,
    saliency_figure,
    selected_cell,
)
from cnnlab.lab import running_lab

SALIENCY_DIGIT = "predict_saliency_digit"
SALIENCY_METHOD = "predict_saliency_method"
SALIENCY_ANSWER = "predict_saliency_answer"  # the answer the digit picker last followed
TRACE_LAYER = "predict_trace_layer"
TRACE_CHANNEL = "predict_trace_channel"
TRACE_INPUT_CHANNEL = "predict_trace_input_channel"
_CONFIG = {"displayModeBar": False}
METHOD_NAMES = {SaliencyMethod.GRADIENT: "Gradient (each pixel)",
                SaliencyMethod.LAYER_CAM: "LayerCAM (last Conv2D)"}
HOW_TO_READ = {
    SaliencyMethod.GRADIENT: ("How to read it: red pixels are where a brighter pixel ({bright}) would make "
                              "the model more sure of {name}, blue where it would make it less sure; pale "
                              "means it hardly looks there."),
    SaliencyMethod.LAYER_CAM: ("How to read it: red is where the last Conv2D layer found what it counts as "
                              "{name}, pale where it found nothing for {name} (coarse: one cell of that "
                              "layer covers several pixels)."),
}
BRIGHT = {Dataset.MNIST: "more ink", Dataset.FASHION: "more of the garment"}


# ------------------------------------------------------------------------------------------- saliency


@st.fragment
def render_saliency(path: str, pixels: np.ndarray, answer: int, dataset: Dataset = Dataset.MNIST) -> None:
    """Why the model said `answer` (or any other class of `dataset` picked): a saliency map over the
    image."""
    with st.container(key="predict_why_section"):
        _saliency(path, pixels, answer, dataset)


def _saliency(path: str, pixels: np.ndarray, answer: int, dataset: Dataset) -> None:
    if st.session_state.get(SALIENCY_ANSWER) != answer:  # a new image: ask about the new answer
        st.session_state[SALIENCY_ANSWER] = answer
        st.session_state[SALIENCY_DIGIT] = answer
    st.markdown(f"**Why the model said {dataset.class_name(answer)}**")
    class_column, method_column = st.columns(2)
    label = class_column.selectbox(
        f"Why this {dataset.thing}", list(range(len(dataset.class_names))), key=SALIENCY_DIGIT,
        format_func=lambda c: (f"{dataset.class_name(c)} (its answer)" if c == answer
                               else f"{dataset.class_name(c)} — why not?"),
        help=f"Pick another {dataset.thing} to see what in the image would speak for it: why not "
             f"{dataset.class_name(1 if answer != 1 else 7)}?")
    method = method_column.radio("Map", list(SaliencyMethod), key=SALIENCY_METHOD,
                                 format_func=METHOD_NAMES.__getitem__, horizontal=True)
    try:
        saliency = running_lab().inference.saliency(path, pixels, label, method)
    except InferenceError as error:
        st.info(plain(str(error)), icon=":material/info:")
        return
    name = dataset.class_name(label)
    st.plotly_chart(saliency_figure(pixels, saliency, name, method), key="predict_saliency", config=_CONFIG)
    if not np.any(saliency):
        st.caption(f"Nothing in this image speaks for {name}: the map is empty.")
    else:
        st.caption(HOW_TO_READ[method].format(name=name, bright=BRIGHT[dataset]))


# ------------------------------------------------------------------------------------------- one value


@st.fragment
def render_trace(path: str, pixels: np.ndarray) -> None:
    """Pick a Conv2D or pooling layer and a channel, click a cell of its map: the value traced."""
    with st.container(key="predict_trace_section"):
        _trace(path, pixels)


def _trace(path: str, pixels: np.ndarray) -> None:
    st.subheader("Trace one value")
    st.caption("Click or tap a cell of the map: "
               "the image shows what that value sees, and the numbers show how the layer computed it from "
               "the layer before — ending at the value the model computed.")
    try:
        layers = running_lab().inference.feature_maps(path, pixels, MAX_MAP_CHANNELS)
    except InferenceError as error:
        st.error(plain(str(error)))
        return
    if not layers:
        return
    by_position = {layer.position: layer for layer in layers}
    if st.session_state.get(TRACE_LAYER) not in by_position:
        st.session_state[TRACE_LAYER] = layers[0].position
    layer_column, channel_column = st.columns(2)
    position = layer_column.selectbox(
        "Layer", list(by_position), key=TRACE_LAYER,
        format_func=lambda p: f"{p} · {by_position[p].layer_type} · {_shape(by_position[p].shape)}")
    chosen = by_position[position]
    channels = chosen.maps.shape[0]
    if st.session_state.get(TRACE_CHANNEL, 0) >= channels:
        st.session_state[TRACE_CHANNEL] = 0
    channel = channel_column.selectbox(
        "Channel", list(range(channels)), key=TRACE_CHANNEL, format_func=lambda c: f"channel {c}",
        help=f"Counted from 0; the first {MAX_MAP_CHANNELS} channels of a wider layer.")
    values = chosen.maps[channel]
    title = f"Layer {position} ({chosen.layer_type}), channel {channel}: click a cell"
    event = st.plotly_chart(clickable_map_figure(values, title), on_select="rerun", selection_mode="points",
                            key=f"predict_trace_map_{position}_{channel}", config=_CONFIG)
    cell = selected_cell(event)
    if cell is None:
        strongest = np.unravel_index(int(np.argmax(values)), values.shape)
        cell = (int(strongest[0]), int(strongest[1]))
        st.caption(f"Showing its strongest value (row {cell[0]}, column {cell[1]}) until you click a cell.")
    try:
        trace = running_lab().inference.trace(path, pixels, position, (*cell, channel))
    except InferenceError as error:
        st.error(plain(str(error)))
        return
    _render_trace(trace, pixels)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(side) for side in shape)


def _render_trace(trace: Trace, pixels: np.ndarray) -> None:
    """Where the value looks, then its numbers by the layer's rule."""
    row, col, channel = trace.at
    field = trace.receptive_field
    seen = (f"Sees rows {field.top}–{field.bottom}, columns {field.left}–{field.right} ({field.rows}×"
            f"{field.cols} px)" if field else "Sees no pixel (a border of zeros)")
    image_column, numbers_column = st.columns([2, 3])
    with image_column:
        st.plotly_chart(field_figure(pixels, field, seen), key="predict_trace_field", config=_CONFIG)
    with numbers_column:
        st.markdown(f"**Layer {trace.position} ({trace.type}), row {row}, column {col}, channel {channel}**")
        if trace.rule == CellRule.weighted_sum:
            _render_weighted(trace)
        else:
            _render_window(trace)
        verdict = "✓ the same" if abs(trace.value - trace.keras_value) <= 1e-5 * max(1.0, abs(
            trace.keras_value)) else "✗ not the same"
        st.metric("Value", f"{trace.value:.4f}", help="As computed here from the numbers above.")
        st.caption(f"Keras's own output for this cell: {trace.keras_value:.6f} — {verdict} (they differ by "
                   f"{abs(trace.value - trace.keras_value):.1e}).")


def _render_weighted(trace: Trace) -> None:
    """A Conv2D value: one input channel's patch, kernel and products, then the whole sum, the bias and
    the activation."""
    inputs = trace.patch.shape[2]
    shown = 0
    if inputs > 1:
        if st.session_state.get(TRACE_INPUT_CHANNEL, 0) >= inputs:
            st.session_state[TRACE_INPUT_CHANNEL] = 0
        shown = st.selectbox("Input channel shown", list(range(inputs)), key=TRACE_INPUT_CHANNEL,
                             format_func=lambda c: f"input channel {c} of {inputs}")
    patch, kernel = trace.patch[:, :, shown], trace.kernel[:, :, shown]
    where = "the image" if trace.position == 1 else f"layer {trace.position - 1}"
    patch_column, kernel_column, product_column = st.columns(3)
    patch_column.plotly_chart(numbers_figure(patch, f"Patch of {where}", signed=False),
                              key="predict_trace_patch", config=_CONFIG)
    kernel_column.plotly_chart(numbers_figure(kernel, "Kernel (weights)"), key="predict_trace_kernel",
                               config=_CONFIG)
    product_column.plotly_chart(numbers_figure(patch * kernel, f"Products: Σ {np.sum(patch * kernel):.4f}"),
                                key="predict_trace_products", config=_CONFIG)
    over = f" over all {inputs} input channels" if inputs > 1 else ""
    st.markdown(plain(f"Σ patch × kernel{over} ({trace.patch.size:,} products) = {trace.products_sum:.4f}"))
    st.markdown(plain(f"+ bias {trace.bias:.4f} = {trace.pre_activation:.4f} before the activation"))
    st.markdown(plain(f"{trace.activation} → {trace.value:.4f}"))


def _render_window(trace: Trace) -> None:
    """A pooling value: its window's values (the winner outlined for max pooling), and the result."""
    patch = trace.patch[:, :, 0]
    winner = None  # in the window's own rows and columns (the patch starts where the window enters the input)
    if trace.winner is not None:
        winner = (trace.winner[0] - max(trace.reads[0][0], 0), trace.winner[1] - max(trace.reads[1][0], 0))
    where = "the image" if trace.position == 1 else f"layer {trace.position - 1}"
    st.plotly_chart(numbers_figure(patch, f"Window of {where}", winner=winner, signed=False),
                    key="predict_trace_window", config=_CONFIG)
    if trace.rule == CellRule.maximum:
        st.markdown(plain(f"The largest of these {patch.size} values wins: {trace.value:.4f} (outlined)."))
    else:
        st.markdown(plain(f"Their mean: {np.sum(patch):.4f} / {patch.size} = {trace.value:.4f}."))
